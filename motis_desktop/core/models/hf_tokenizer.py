"""Tokenizers from a Hugging Face ``tokenizer.json`` (SigLIP/SigLIP2's Gemma SentencePiece-BPE), via ``tokenizers``.

As open_clip's ``HFTokenizer``: each text is cleaned (``canonicalize`` for SigLIP2, ``whitespace`` or
``lower``), encoded with truncation to the context length and padded with the pad id. Special tokens come from
the ``tokenizer.json`` post-processor, as in transformers 5 (which ignores ``add_bos_token``/``add_eos_token``);
the pad token is ``tokenizer_config.json``'s ``pad_token`` (``<pad>`` if there is none).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from motis_desktop.core.atomic import read_json
from motis_desktop.core.errors import ModelError, short_reason
from motis_desktop.core.models.tokenizer import basic_clean, whitespace_clean

_PUNCTUATION = str.maketrans("", "", string.punctuation)


def canonicalize(text: str) -> str:
    """SigLIP's text canonicalization (big_vision's, as open_clip applies it)."""
    return whitespace_clean(text.replace("_", " ").translate(_PUNCTUATION).lower())


CLEANERS: dict[str, Callable[[str], str]] = {
    "canonicalize": lambda t: canonicalize(basic_clean(t)),
    "whitespace": lambda t: whitespace_clean(basic_clean(t)),
    "lower": lambda t: whitespace_clean(basic_clean(t)).lower(),
    "none": lambda t: t,
}


class HFTokenizer:
    """``tokenizer.json`` → int64 ``[N, context_length]`` ids, cleaned, truncated and padded."""

    def __init__(self, path: str | Path, context_length: int = 64, clean: str = "canonicalize") -> None:
        from tokenizers import Tokenizer

        path = Path(path)
        if clean not in CLEANERS:
            raise ModelError(f"{path}: unknown text cleaning {clean!r} (known: {', '.join(CLEANERS)})")
        try:
            tok = Tokenizer.from_file(str(path))
        except Exception as exc:  # tokenizers raises plain Exception subclasses
            raise ModelError(f"{path}: not a readable tokenizer.json ({short_reason(exc)})") from None
        config = _read_config(path.with_name("tokenizer_config.json"))
        pad_token = config.get("pad_token") or "<pad>"
        if isinstance(pad_token, dict):
            pad_token = pad_token.get("content", "<pad>")
        pad_id = tok.token_to_id(pad_token)
        if pad_id is None:
            raise ModelError(f"{path}: the tokenizer has no pad token {pad_token!r}")
        tok.enable_truncation(context_length)
        tok.enable_padding(length=context_length, pad_id=pad_id, pad_token=pad_token)
        self._tok = tok
        self._clean = CLEANERS[clean]
        self.context_length = context_length

    def __call__(self, texts: str | Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            texts = [texts]
        encodings = self._tok.encode_batch([self._clean(t) for t in texts])
        return np.asarray([e.ids for e in encodings], dtype=np.int64).reshape(len(texts), self.context_length)


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = read_json(path, "tokenizer settings", ModelError)
    return data if isinstance(data, dict) else {}
