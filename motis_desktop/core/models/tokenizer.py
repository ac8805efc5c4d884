"""CLIP's byte-level BPE tokenizer (ftfy + regex), ported from OpenAI CLIP, giving NumPy ids (no torch).

Hand-written rather than ``tokenizers`` (used for ``tokenizer.json`` models): a ``tokenizers`` BPE over the same
merges gives the same ids (3,000 varied texts) and encodes a query as fast (17 vs 20 µs), but loads in 90 ms from a
``tokenizer.json`` (115 ms built from the merges) plus 30 ms of import, against 57 ms here, and the app's launch and
a one-shot ``motis search`` wait on it (2026-12-06, docs/benchmarks.md).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

from motis_desktop.core.resources import resource_path

SOT_TOKEN = 49406
EOT_TOKEN = 49407
CONTEXT_LENGTH = 77
_VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz"
_N_MERGES = 49152 - 256 - 2
_NO_RANK = 1 << 30


@lru_cache(maxsize=1)
def _byte_to_unicode() -> dict[int, str]:
    """Reversible map from bytes to printable unicode characters (no whitespace/control): printable bytes are
    themselves, the others follow from U+0100 on."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    others = [byte for byte in range(256) if byte not in printable]
    return {**{byte: chr(byte) for byte in printable}, **{byte: chr(256 + i) for i, byte in enumerate(others)}}


def _plain(text: str) -> bool:
    """Printable ASCII (and whitespace) without '&': nothing ftfy would change (its fixes are for mojibake,
    non-ASCII look-alikes, control characters and HTML entities), so ftfy need not be imported (~0.2 s)."""
    return text.isascii() and "&" not in text and all(c.isprintable() or c in " \t\n\r" for c in text)


def basic_clean(text: str) -> str:
    """open_clip's ``basic_clean`` (both tokenizers' first step): ftfy's fixes, HTML entities twice, stripped."""
    if not _plain(text):
        import ftfy

        text = ftfy.fix_text(text)
    import html  # here, as regex below: the core imports this module (manifests), most commands never tokenize

    return html.unescape(html.unescape(text)).strip()


def whitespace_clean(text: str) -> str:
    return " ".join(text.split())


def _clean(text: str) -> str:
    return whitespace_clean(basic_clean(text)).lower()


class BPETokenizer:
    """The CLIP tokenizer over a merges file; thread-safe for reading."""

    def __init__(self) -> None:
        with gzip.open(resource_path(_VOCAB_FILE), "rt", encoding="utf-8") as fh:
            merges = fh.read().split("\n")[1 : _N_MERGES + 1]  # "first second", best first
        byte_chars = list(_byte_to_unicode().values())
        vocab = byte_chars + [c + "</w>" for c in byte_chars]
        vocab += [m.replace(" ", "") for m in merges]
        vocab += ["<start_of_text>", "<end_of_text>"]
        # Built with zip, keys as the file writes them (a pair is "first second"): half the start-up of a one-shot
        # search's tokenizer (docs/benchmarks.md, "Queries, third session").
        self.encoder: dict[str, int] = dict(zip(vocab, range(len(vocab))))
        self.bpe_ranks: dict[str, int] = dict(zip(merges, range(len(merges))))
        self._byte_encoder = _byte_to_unicode()
        self._cache: dict[str, str] = {"<start_of_text>": "<start_of_text>", "<end_of_text>": "<end_of_text>"}
        import regex

        self._pattern = regex.compile(
            r"""<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
            regex.IGNORECASE,
        )

    def _bpe(self, token: str) -> str:
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        word: list[str] = [*token[:-1], token[-1] + "</w>"]
        ranks = self.bpe_ranks
        while len(word) > 1:
            pairs = {f"{word[i]} {word[i + 1]}" for i in range(len(word) - 1)}
            best = min(pairs, key=lambda p: ranks.get(p, _NO_RANK))
            if best not in ranks:
                break
            first, second = best.split(" ")
            merged: list[str] = []
            i = 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        result = " ".join(word)
        if len(self._cache) < 100_000:
            self._cache[token] = result
        return result

    def encode(self, text: str) -> list[int]:
        """BPE ids of ``text`` without start/end tokens."""
        ids: list[int] = []
        for piece in self._pattern.findall(_clean(text)):
            chars = "".join(self._byte_encoder[b] for b in piece.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self._bpe(chars).split(" "))
        return ids

    def __call__(self, texts: Sequence[str], context_length: int = CONTEXT_LENGTH) -> np.ndarray:
        """int64 ``[N, context_length]``: start token, BPE ids, end token, zero padding (a text longer than fits is
        cut, the end token kept in the last slot)."""
        result = np.zeros((len(texts), context_length), dtype=np.int64)
        for row, text in enumerate(texts):
            ids = [SOT_TOKEN, *self.encode(text), EOT_TOKEN]
            if len(ids) > context_length:
                ids = ids[:context_length]
                ids[-1] = EOT_TOKEN
            result[row, : len(ids)] = ids
        return result


@lru_cache(maxsize=1)
def default_tokenizer() -> BPETokenizer:
    """The shared tokenizer over the bundled vocabulary (built once)."""
    return BPETokenizer()


def token_count(text: str) -> int:
    """Tokens ``text`` takes in the model's context, start and end tokens included."""
    return len(default_tokenizer().encode(text)) + 2


def tokenize(texts: str | Iterable[str], context_length: int = CONTEXT_LENGTH) -> np.ndarray:
    """Token ids ``int64 [N, context_length]`` for one text or a list of texts."""
    batch = [texts] if isinstance(texts, str) else list(texts)
    return default_tokenizer()(batch, context_length)


CLIP_BPE = "clip-bpe"  # the manifest's name for this tokenizer (``manifest.tokenizer_for``)
