"""CLIP tokenizer: known answers, truncation, and 100 % parity with open_clip's tokenizer."""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from motis_desktop.core.models.tokenizer import EOT_TOKEN, SOT_TOKEN, tokenize

REPO = Path(__file__).resolve().parent.parent
REFERENCE_WHEEL = "open_clip_torch-3.3.0-py3-none-any.whl"


def test_known_answers() -> None:
    ids = tokenize(["Three cats", "a dog playing in the snow"])
    assert ids.dtype == np.int64
    assert ids.shape == (2, 77)
    assert ids[0, :4].tolist() == [49406, 2097, 3989, 49407]
    assert (ids[0, 4:] == 0).all()
    assert ids[1, :8].tolist() == [49406, 320, 1929, 1629, 530, 518, 2583, 49407]


def test_long_text_is_truncated_with_end_token_kept() -> None:
    ids = tokenize("sunset over the sea " * 60)
    assert ids.shape == (1, 77)
    assert ids[0, 0].item() == SOT_TOKEN
    assert ids[0, -1].item() == EOT_TOKEN
    assert (ids[0, 1:-1] != 0).all()


def test_custom_context_length_and_empty_text() -> None:
    ids = tokenize(["", "red"], context_length=8)
    assert ids.shape == (2, 8)
    assert ids[0].tolist() == [SOT_TOKEN, EOT_TOKEN, 0, 0, 0, 0, 0, 0]


@pytest.fixture(scope="module")
def reference_tokenizer(tmp_path_factory: pytest.TempPathFactory):
    """open_clip's own tokenizer.py, loaded from its wheel (downloaded once into .cache/)."""
    cache = REPO / ".cache" / "reference"
    wheel = cache / REFERENCE_WHEEL
    if not wheel.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "open_clip_torch==3.3.0",
                "-d",
                str(cache),
            ],
            check=True,
            timeout=300,
        )
    out = tmp_path_factory.mktemp("open_clip_ref")
    with zipfile.ZipFile(wheel) as zf:
        for name in ("open_clip/tokenizer.py", "open_clip/bpe_simple_vocab_16e6.txt.gz"):
            (out / Path(name).name).write_bytes(zf.read(name))
    spec = importlib.util.spec_from_file_location("open_clip_reference_tokenizer", out / "tokenizer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.tokenize


def _varied_texts(n: int) -> list[str]:
    rng = random.Random(1234)
    fixed = [
        "Three cats on a sofa",
        "receipt from a restaurant",
        "sunset over the sea",
        "",
        "   lots   of\twhitespace\n\nhere  ",
        "&amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt;",
        "Tom &amp; Jerry &quot;cartoon&quot;",
        "café déjà vu naïve coöperate",
        "東京の夜景 と 富士山",
        "서울의 밤",
        "🐱🐶🎉 party time 🎂",
        "ÆØÅ æøå ß ﬁ ligature",
        "don't can't we're they've I'm you'll he'd",
        "1234567890 3.14159 1e-9",
        "mojibake: cafÃ© â€œquotesâ€",
        "a" * 500,
        "word " * 200,
        "\u200b zero\u00a0width\u2009spaces",
        "UPPER lower MiXeD",
        "<start_of_text> literal <end_of_text>",
        "tab\tnewline\ncarriage\rreturn",
    ]
    alphabet = (
        "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ 0123456789 .,;:!?'\"-()[]{}#@&*%$ "
        "éèêëàâäôöùûüçñ 中文字日本語한국어 αβγδ абвгд 😀🚀🌅🍕 \t\n&amp;&lt;&gt;&#39;"
    )
    words = [
        "photo",
        "of",
        "a",
        "the",
        "dog",
        "cat",
        "beach",
        "mountain",
        "receipt",
        "red",
        "car",
        "birthday",
        "cake",
        "snow",
        "night",
        "city",
        "portrait",
        "family",
        "garden",
        "sunset",
    ]
    texts = list(fixed)
    while len(texts) < n:
        kind = rng.random()
        if kind < 0.4:
            texts.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))))
        elif kind < 0.9:
            texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80))))
        else:
            texts.append(" ".join(rng.choice(words) for _ in range(rng.randint(60, 150))))
    return texts


def test_parity_with_open_clip_reference(reference_tokenizer) -> None:
    texts = _varied_texts(3000)
    ours = tokenize(texts)
    ref = reference_tokenizer(texts)
    mismatches = [t for t, a, b in zip(texts, ours, ref) if a.tolist() != b.tolist()]
    assert not mismatches, f"{len(mismatches)} of {len(texts)} differ, e.g. {mismatches[:3]!r}"


def test_plain_queries_skip_ftfy_and_clean_the_same() -> None:
    """Printable ASCII queries are cleaned without importing ftfy, to the same text ftfy would give."""
    import html
    import subprocess
    import sys

    import ftfy

    from motis_desktop.core.models.tokenizer import _clean

    for text in ("a dog on the beach", "Sunset  over\tthe SEA\r\n", "fish &amp; chips", "café", "“quotes”", "a\x07b"):
        fixed = html.unescape(html.unescape(ftfy.fix_text(text))).strip()
        assert _clean(text) == " ".join(fixed.split()).lower()
    code = "import sys; from motis_desktop.core.models.tokenizer import tokenize; tokenize(['a red car'], 77); "
    code += "print('ftfy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_tokenizer_json_models_plain_queries_skip_ftfy_too() -> None:
    """SigLIP's cleaning starts with the same ``basic_clean``: a printable ASCII query does not import ftfy."""
    import subprocess
    import sys

    code = "import sys; from motis_desktop.core.models.hf_tokenizer import CLEANERS; "
    code += "assert CLEANERS['canonicalize']('A  red_car!') == 'a red car'; print('ftfy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
