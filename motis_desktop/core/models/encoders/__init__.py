"""The torch side of models: the source formats we accept, and their one-time conversion to ONNX.

``checkpoint`` (OpenAI/open_clip ViT state dicts into ``architectures.clip``), ``open_clip_hf`` (the
Hugging Face layout of SigLIP/MobileCLIP into ``architectures``' towers), ``torchscript_pair``
(TorchScript files; ``mobile_convert`` rewrites the seed's XNNPACK ops and ``archive`` reads archives as
data), ``torchscript_replay`` and ``onnx_export`` (any two towers → two ONNX files). Only install,
import, export and conversion import this package's modules (and torch); the runtime is
``core.models.engine``.
"""
