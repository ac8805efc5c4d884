"""Reading text in photos with the real PP-OCRv4 models (no mock): known answers from rendered text, the text
stage of indexing, the full-text indexes (accents, case, prefixes, substrings), fused ranking, the text:/name:
operators, ``motis text`` and ``--json`` matches."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from helpers.cli import import_colour_model, run_cli
from helpers.models import install_colour
from helpers.text_photos import plain_photo, save, text_photo

from motis_desktop.core.ocr.engine import OcrEngine
from motis_desktop.core.ocr.textnorm import fold, word_hit, words, zero_for_o
from motis_desktop.core.search.query import QueryError, parse_query
from motis_desktop.core.services import Services

RED, BLUE, WHITE, YELLOW = (220, 30, 30), (30, 40, 220), (245, 245, 245), (240, 225, 30)


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return OcrEngine(threads=2)


def _read_words(engine: OcrEngine, image) -> set[str]:
    result = engine.read(np.asarray(image.convert("RGB")))
    return set(words(result.text))


# -- the engine ----------------------------------------------------------------------


def test_reads_rendered_words(engine: OcrEngine) -> None:
    image = text_photo(["INVOICE 2024", "Hello World"], font_name="DejaVuSans.ttf")
    assert {"invoice", "2024", "hello", "world"} <= _read_words(engine, image)


def test_reads_rotated_text_and_serif_and_colours(engine: OcrEngine) -> None:
    image = text_photo(["Platform 9"], background=(30, 60, 150), ink=(250, 250, 250), angle=20)
    assert {"platform", "9"} <= _read_words(engine, image)
    image = text_photo(["Garden Party"], font_name="DejaVuSerif.ttf", angle=-15)
    assert {"garden", "party"} <= _read_words(engine, image)


def test_word_boxes_lie_inside_the_line_box(engine: OcrEngine) -> None:
    result = engine.read(np.asarray(text_photo(["left right"])))
    (line,) = result.lines
    assert [w.text.lower() for w in line.words] == ["left", "right"]
    left, right = (np.array(w.box) for w in line.words)
    xs = np.array(line.box)[:, 0]
    assert xs.min() - 2 <= left[:, 0].min() < left[:, 0].max() <= right[:, 0].min() + 4
    assert right[:, 0].max() <= xs.max() + 2
    assert 0.5 < line.confidence <= 1.0


def test_word_boxes_cover_the_first_and_last_letters(engine: OcrEngine) -> None:
    """The outlines of matched words cut wide letters off (QA: the box of "WiFi" began in the middle of the W,
    "password" lost its d): the first word starts where the line starts, the last ends where it ends, and a
    word's outline reaches halfway to its neighbours."""
    image = text_photo(["WiFi password"])
    (line,) = engine.read(np.asarray(image)).lines
    first, last = (np.array(w.box) for w in (line.words[0], line.words[-1]))
    ink = np.flatnonzero((np.asarray(image.convert("L")) < 128).any(axis=0))  # columns with dark pixels
    assert first[:, 0].min() <= ink.min() + 4  # the detected line box itself may sit a pixel or two inside
    assert last[:, 0].max() >= ink.max() - 4


def test_a_photo_without_text_skips_recognition(engine: OcrEngine) -> None:
    result = engine.read(np.asarray(plain_photo(RED, seed=3)))
    assert result.regions == 0 and result.lines == []


def test_a_large_photo_is_read_at_full_size_where_its_quick_look_sees_text(engine: OcrEngine, tmp_path: Path) -> None:
    from motis_desktop.core.ocr.worker import ReadJob, read_photo

    photo = plain_photo(BLUE, size=(3200, 2400), seed=5)  # a camera-sized JPEG: decoded reduced for the quick look
    photo.paste(text_photo(["EXIT 12"], size=(560, 150), font_size=72), (2400, 2000))  # one small sign
    sign = read_photo(engine, ReadJob(1, str(save(photo, tmp_path / "sign.jpg"))))
    assert sign.error is None and (sign.width, sign.height) == (3200, 2400)
    assert {"exit", "12"} <= set(words(" ".join(line.text for line in sign.lines)))
    corners = np.array([corner for line in sign.lines for corner in line.box])
    assert corners[:, 0].min() >= 2400 - 8 and corners[:, 1].min() >= 2000 - 8  # boxes in the photo's pixels
    plain = read_photo(engine, ReadJob(2, str(save(plain_photo(BLUE, size=(3200, 2400), seed=6), tmp_path / "p.jpg"))))
    assert plain.error is None and plain.regions == 0 and plain.lines == ()
    assert (plain.width, plain.height) == (3200, 2400)


def test_folding_joins_case_and_accents() -> None:
    assert fold("MÜLLER") == fold("Müller") == "muller"
    assert words("Straße_Café-Zürich.PNG") == ["strasse", "cafe", "zurich", "png"]


# -- the library: stage, indexes, search -------------------------------------------------


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, colour_pair) -> dict:
    home = tmp_path_factory.mktemp("ocr-home")
    photos = tmp_path_factory.mktemp("ocr-photos")
    save(text_photo(["RECHNUNG", "MÜLLER GmbH"], background=RED, ink=WHITE), photos / "receipts" / "scan_17.jpg")
    for i in range(5):
        save(plain_photo(RED, seed=i), photos / "receipts" / f"scan_{i:02d}.jpg")
        save(plain_photo(BLUE, seed=10 + i), photos / "other" / f"img_{i:02d}.jpg")
    save(plain_photo(WHITE, seed=20), photos / "other" / "wifi-password.png")
    save(text_photo(["Platform 9"], background=WHITE, angle=15), photos / "trips" / "station.jpg")
    save(text_photo(["Café Zürich"], background=YELLOW, font_name="DejaVuSans.ttf"), photos / "trips" / "cafe.jpg")
    save(text_photo(["BACKEREIHUBER"], background=WHITE), photos / "trips" / "bakery.jpg")  # a sign's words glued
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(photos)])
    progress: list = []
    summary = services.index(read_text=True, progress=progress.append)
    yield {"services": services, "home": home, "photos": photos, "summary": summary, "progress": progress}
    services.close()


def _names(result) -> list[str]:
    return [os.path.basename(h.path) for h in result.hits]


def test_the_text_stage_runs_after_the_embeddings_with_its_own_progress(library) -> None:
    phases = [p.phase for p in library["progress"]]
    assert "encode" in phases and "text" in phases
    assert phases.index("text") > max(i for i, p in enumerate(phases) if p == "encode")
    text = [p for p in library["progress"] if p.phase == "text"]
    assert text[-1].done == text[-1].total == 15
    summary = library["summary"]
    assert summary.text_read == 15 and summary.text_failed == []
    assert library["services"].text_status() == {"read": 15, "with_text": 4, "failed": 0}


def test_text_is_stored_with_boxes_and_confidence(library) -> None:
    text = library["services"].photo_text(library["photos"] / "receipts" / "scan_17.jpg", read_now=False)
    assert text.source == "library"
    assert {"rechnung", "muller", "gmbh"} <= set(words(text.text))
    for line in text.lines:
        assert len(line.box) == 4 and 0.5 < line.confidence <= 1.0


@pytest.mark.parametrize("query", ["müller", "MULLER", "Muller", "müll", "rechn"])
def test_text_matches_ignore_case_and_accents_and_take_prefixes(library, query: str) -> None:
    assert _names(library["services"].query(query))[0] == "scan_17.jpg"


def test_receipt_that_says_the_name_ranks_first_among_the_receipts(library) -> None:
    hits = library["services"].query("red müller", limit=6, cutoff=False).hits
    assert os.path.basename(hits[0].path) == "scan_17.jpg"
    assert all("receipts" in h.path for h in hits)  # the other red photos follow, by meaning


def test_embedding_only_ranking_does_not_know_the_name(library) -> None:
    hits = library["services"].query("red müller", limit=6, cutoff=False, signals=("meaning",)).hits
    assert all(h.matches == () for h in hits)
    assert len({h.file_id for h in hits}) == 6


def test_file_name_words_find_a_photo(library) -> None:
    result = library["services"].query("wifi password")
    assert _names(result)[0] == "wifi-password.png"
    assert [m.kind for m in result.hits[0].matches] == ["name"]


def test_a_file_name_word_in_a_few_names_ranks_them_first(library) -> None:
    """ "00" is in 2 of 15 names (img_00, scan_00: under the share for common words, which counts the names), "wifi"
    in one; by meaning alone (the colour model knows neither word) other photos come first."""
    assert set(_names(library["services"].query("00", cutoff=False))[:2]) == {"img_00.jpg", "scan_00.jpg"}
    assert _names(library["services"].query("wifi", cutoff=False))[0] == "wifi-password.png"
    by_meaning = _names(library["services"].query("zzz", cutoff=False))[:2]
    assert not {"img_00.jpg", "scan_00.jpg", "wifi-password.png"} & set(by_meaning)


def test_a_name_match_is_shown_only_where_the_name_counted(library) -> None:
    """ "img" is in 5 of 15 names: too common to rank by, so no hit says its name matched; "wifi" counts."""

    def named(query: str) -> set[str]:
        hits = library["services"].query(query, cutoff=False).hits
        return {os.path.basename(h.path) for h in hits if any(m.kind == "name" for m in h.matches)}

    assert named("img") == set()
    assert named("wifi") == {"wifi-password.png"}


def test_text_operator_is_an_exact_substring_filter(library) -> None:
    services = library["services"]
    assert _names(services.query('text:"platform 9"')) == ["station.jpg"]
    assert _names(services.query('text:"atform"')) == ["station.jpg"]
    assert _names(services.query('text:"cafe zur"')) == ["cafe.jpg"]
    assert _names(services.query('text:"platform 10"')) == []
    # combined with a meaning term and a folder filter
    assert _names(services.query('yellow text:"zürich" folder:trips')) == ["cafe.jpg"]
    assert _names(services.query('text:"zürich" folder:receipts')) == []


def test_name_operator_filters_file_names(library) -> None:
    services = library["services"]
    assert _names(services.query("name:WIFI")) == ["wifi-password.png"]
    hits = services.query("blue name:img_0", limit=10, cutoff=False).hits
    assert sorted(os.path.basename(h.path) for h in hits) == [f"img_{i:02d}.jpg" for i in range(5)]


def test_operators_parse_with_quotes() -> None:
    q = parse_query('red text:"two words" name:inv folder:"My Trips"')
    assert q.text_phrases == ("two words",) and q.name_parts == ("inv",) and q.folder_names == ("My Trips",)
    with pytest.raises(QueryError, match="text: needs"):
        parse_query('text:""')


def test_matches_explain_with_word_boxes(library) -> None:
    hit = library["services"].query("müller").hits[0]
    (match,) = [m for m in hit.matches if m.kind == "text"]
    assert "MULLER" in match.text.upper()
    assert len(match.box or []) == 4
    assert [w for w, _ in match.words] and all(len(b) == 4 for _, b in match.words)
    assert fold(match.words[0][0]).startswith("muller")


def test_a_word_glued_to_the_one_before_it_is_found_by_itself(library) -> None:
    """OCR reads a sign's words without the space ("BACKEREIHUBER"): "huber" found nothing. A query word of five
    letters or more now also finds the words it ends; one met only inside a word still does not count."""
    hit = library["services"].query("huber").hits[0]
    assert os.path.basename(hit.path) == "bakery.jpg"
    (match,) = [m for m in hit.matches if m.kind == "text"]
    assert [fold(w) for w, _ in match.words] == ["backereihuber"]
    assert all(not m.kind == "text" for h in library["services"].query("kerei").hits for m in h.matches)


@pytest.mark.parametrize(
    ("word", "query", "hit"),
    [
        ("backereimuller", "muller", True),
        ("hauptbahnhof", "bahnhof", True),
        ("orange", "range", False),  # "mountain range" found an ORANGE JUICE sign (QA walkthrough)
        ("strange", "range", False),
        ("arrange", "range", False),
        ("stadtpark", "park", False),  # four letters: too short to be sought inside a word
        ("rechnung", "rechn", True),
    ],
)
def test_which_words_a_query_word_matches(word: str, query: str, hit: bool) -> None:
    assert word_hit(word, query) is hit


def test_text_is_read_again_only_when_the_file_changes(library) -> None:
    services = library["services"]
    assert services.index(read_text=True).text_read == 0
    photo = library["photos"] / "trips" / "station.jpg"
    save(text_photo(["Platform 10"], background=WHITE), photo)
    future = time.time() + 5
    os.utime(photo, (future, future))
    summary = services.index(read_text=True)
    assert summary.text_read == 1
    assert _names(services.query('text:"platform 10"')) == ["station.jpg"]
    assert _names(services.query('text:"platform 9"')) == []


def test_cli_text_and_search_json(library) -> None:
    home, photos = library["home"], library["photos"]
    out = run_cli("text", str(photos / "trips" / "cafe.jpg"), home=home).stdout
    assert {"cafe", "zurich"} <= set(words(out))
    data = json.loads(run_cli("text", str(photos / "trips" / "cafe.jpg"), "--json", home=home).stdout)
    assert data[0]["source"] == "library" and len(data[0]["lines"][0]["box"]) == 4
    hits = json.loads(run_cli("search", "zurich", "--json", home=home).stdout)
    assert os.path.basename(hits[0]["path"]) == "cafe.jpg"
    (match,) = hits[0]["matches"]
    assert match["kind"] == "text" and len(match["box"]) == 4 and match["words"][0]["box"]


def test_cli_text_reads_a_photo_outside_the_library(tmp_path: Path, home: Path) -> None:
    photo = save(text_photo(["Boarding Pass"]), tmp_path / "outside.png")
    data = json.loads(run_cli("text", str(photo), "--json", home=home).stdout)
    assert data[0]["source"] == "read now"
    assert {"boarding", "pass"} <= set(words(data[0]["text"]))
    missing = run_cli("text", str(tmp_path / "nope.jpg"), home=home, check=False)
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
    folder = run_cli("text", str(tmp_path), home=home, check=False)  # said "not a regular file"
    assert folder.returncode == 1 and f"{tmp_path} is a folder: give its photos" in folder.stderr


def test_setting_turns_text_reading_off(tmp_path: Path, home: Path, colour_pair, monkeypatch) -> None:
    monkeypatch.delenv("MOTIS_READ_TEXT")
    import_colour_model(colour_pair, home)
    assert "on" in run_cli("config", "text", home=home).stdout
    assert "off" in run_cli("config", "text", "off", home=home).stdout
    save(text_photo(["Hello"]), tmp_path / "p" / "hello.png")
    run_cli("index", str(tmp_path / "p"), home=home)
    status = json.loads(run_cli("status", "--json", home=home).stdout)
    assert status["text"] == {"reading": False, "read": 0, "with_text": 0, "failed": 0}


def test_a_text_phrase_with_zeros_finds_signs_read_with_the_letter_o(colour_home: Path, tmp_path: Path) -> None:
    """The OCR model reads a printed 0 as O often (QA: "BAKERY 000" read as BAKERY OOO, "Receipt number 1005" as
    "1o05"): a ``text:`` phrase found nowhere as typed is looked for with each O as 0, on both sides. The signs
    here show the letters, as such a photo's text is stored."""
    photos = tmp_path / "photos"
    save(text_photo(["TICKET O01"], background=WHITE), photos / "ticket.jpg")
    save(text_photo(["BAKERY OOO"], background=WHITE), photos / "bakery.jpg")
    save(text_photo(["NUMBER1OO5"], background=WHITE), photos / "receipt.jpg")  # glued, as "Receiptnumber 1o05"
    services = Services.open(colour_home)
    try:
        services.add_folders([str(photos)])
        assert services.index(read_text=True).text_read == 3
        (receipt,) = services.query('text:"1005"', cutoff=False).hits
        ticket = services.query('text:"ticket 001"', cutoff=False).hits
        assert _names(services.query('text:"bakery 000"', cutoff=False)) == ["bakery.jpg"]
        assert services.query('text:"ticket 002"', cutoff=False).hits == []
    finally:
        services.close()
    assert [os.path.basename(h.path) for h in ticket] == ["ticket.jpg"]
    (match,) = [m for m in ticket[0].matches if m.kind == "text"]
    assert fold(match.text) == "ticket o01" and match.words  # the line shown, its words outlined
    # the phrase inside a glued word outlines that word (QA: the whole line was outlined, no word)
    (glued,) = [m for m in receipt.matches if m.kind == "text"]
    assert [zero_for_o(fold(w)) for w, _ in glued.words] == ["number1005"]
