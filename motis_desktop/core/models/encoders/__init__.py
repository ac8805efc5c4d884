"""The torch side of models: the source formats we accept, and their one-time conversion to ONNX.

``checkpoint`` (OpenAI/open_clip ViT state dicts into ``architectures.clip``), ``open_clip_hf`` (the
Hugging Face layout of SigLIP/MobileCLIP into ``architectures``' towers), ``torchscript_pair``
(TorchScript files; ``mobile_convert`` rewrites the seed's XNNPACK ops and ``archive`` reads archives as
data), ``torchscript_replay`` and ``onnx_export`` (any two towers → two ONNX files). Only install,
import, export and conversion import this package's modules (and torch); the runtime is
``core.models.engine``.
"""

from __future__ import annotations


def short_reason(exc: BaseException) -> str:
    """The first line of a torch/onnx error, cut to a sentence: what a one-line ModelError quotes."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    if len(text) > 160 and ". " in text[20:]:
        text = text[: text.index(". ", 20) + 1]
    return text[:200]
