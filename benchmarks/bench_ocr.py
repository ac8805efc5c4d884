"""Reading text in photos: OCR accuracy and cost, and what fusing text with meaning does to search.

Usage: python benchmarks/bench_ocr.py [--text 300] [--plain 100] [--queries 100] [--tesseract 60] [--json]
       [--keep DIR]

Data (generated, seeded): ``--text`` photos with 1–3 lines of rendered words (4 DejaVu faces, 18–80 px,
ink contrasting with one of six background colours, rotations up to ±30°, a random perspective warp, Gaussian
noise, JPEG quality 55–85, 640–1600 px wide), ``--plain`` photos with no text (the same colours with noise,
gradients and shapes), and the project's real sample photos (``photo_fixtures``: scikit-image's six photos at
1080p). Background colours are what the colour model (``models/colour_model.py``) answers.

Measures, in one run on one library (the colour model for meaning):
- OCR word recall: rendered words (≥ 2 characters, folded) found among the words read, over the text photos;
- the same for Tesseract (``tesseract`` CLI, eng, --psm 11) on the first ``--tesseract`` text photos, when
  installed, with its seconds per photo;
- cost: the text stage's photos/s over the library; indexing with text on as a ratio to indexing without it
  (embeddings, then the text stage), both with the tiny colour model and with a ViT-B/32-sized CLIP (random
  weights, fp32: the cost of a real model) indexing the same photos in a second home; seconds per photo
  for photos without text (decode at a reduced scale and the detector's quick look only, the fast path) as a
  ratio to photos with text (decode, quick look, detector, recogniser), in-process, decoding included;
- search: ``--queries`` text queries (one or two words rendered in 1–3 photos; relevant: the photos that show
  every query word) scored P@5 and R@10 for the fused ranking, embedding-only and text-only, and the six colour
  queries (relevant: photos of that background) P@5/P@10 for fused against embedding-only.
Prints the load average before and after: this is a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("MOTIS_INFERENCE_MODE", "fp32")

from motis_desktop.core.ocr.textnorm import words as folded_words  # noqa: E402

COLOURS = {
    "red": ((220, 30, 30), (250, 250, 250)),
    "green": ((30, 180, 40), (10, 10, 10)),
    "blue": ((30, 40, 220), (250, 250, 250)),
    "yellow": ((240, 225, 30), (20, 20, 20)),
    "white": ((245, 245, 245), (20, 20, 20)),
    "black": ((10, 10, 10), (240, 240, 240)),
}
FONTS = ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "DejaVuSerif-Bold.ttf")
# Words people search photos for (signs, receipts, tickets, screenshots), some with accents.
VOCABULARY = """
receipt invoice total amount cash change ticket platform gate boarding flight train station departure arrival
museum entrance exit parking hotel room breakfast dinner lunch coffee bakery market pharmacy hospital school
library garden kitchen bathroom office meeting agenda project deadline budget report summary password wifi
network router login account username email address phone number street avenue square bridge harbour beach
mountain river forest lake island village city centre north south east west warning danger caution closed open
sale discount price offer special today tomorrow monday tuesday wednesday thursday friday saturday sunday
january february march april june july august september october november december birthday wedding party
concert festival theatre cinema stadium football tennis swimming running cycling marathon finish start welcome
goodbye thanks please sorry hello love family friends holiday vacation summer winter spring autumn snow rain
sunny cloudy storm wind temperature weather forecast recipe flour sugar butter eggs milk cheese bread apple
banana orange lemon tomato potato onion garlic pepper salt chicken salad soup pizza pasta burger sandwich
menu waiter table chair window door floor stairs elevator ticketing counter baggage customs passport visa
insurance contract signature payment transfer balance deposit credit debit loan mortgage tax refund salary
müller schmidt schneider fischer weber meyer wagner becker schulz hoffmann café zürich münchen köln straße
über größe bäckerei apotheke bahnhof ausgang eingang rechnung quittung gebühr kaffee frühstück
été hôtel crème brûlée château fenêtre entrée sortie gare réservation numéro
""".split()


def render_text_photo(rng: random.Random, words: list[str], colour: str, path: Path) -> list[str]:
    """Draw ``words`` in 1–3 lines and distort the photo; return the words drawn. A photo already written
    (``--keep`` folder of an earlier run) is not drawn again: the same random draws are made, so the set and
    its answers stay the same."""
    dry = path.exists()
    import cv2
    from helpers.text_photos import font
    from PIL import Image, ImageDraw

    background, ink = COLOURS[colour]
    width = rng.choice([640, 800, 1024, 1280, 1600])
    height = int(width * rng.choice([0.75, 0.5625, 1.0, 1.333]))
    size = max(18, int(rng.uniform(0.035, 0.09) * width))
    face = font(rng.choice(FONTS), size)
    lines: list[list[str]] = []
    rest = list(words)
    while rest:
        take = rng.randint(1, min(3, len(rest)))
        lines.append(rest[:take])
        rest = rest[take:]
    layer = Image.new("RGBA", (width, height) if not dry else (1, 1), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    y = rng.randint(height // 10, height // 3)
    for line in lines:
        text = " ".join(w.upper() if rng.random() < 0.3 else w.capitalize() if rng.random() < 0.5 else w for w in line)
        x = rng.randint(width // 20, max(width // 20 + 1, width // 4))
        if not dry:
            draw.text((x, y), text, font=face, fill=(*ink, 255))
        y += int(size * rng.uniform(1.3, 2.0))
    angle = rng.uniform(-30, 30)
    if dry:
        [rng.uniform(-1, 1) for _ in range(8)]  # the perspective jitter
        rng.randint(0, 2**31), rng.uniform(3, 10), rng.randint(55, 85)  # noise seed and level, JPEG quality
        return words
    layer = layer.rotate(angle, resample=Image.Resampling.BICUBIC, center=(width / 2, height / 2))
    photo = Image.new("RGB", (width, height), background)
    photo.paste(layer, (0, 0), layer)
    pixels = np.asarray(photo).astype(np.float32)
    # perspective: each corner moved by up to 8 % of the size
    src = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    jitter = np.float32([[rng.uniform(-1, 1) * 0.08 * width, rng.uniform(-1, 1) * 0.08 * height] for _ in range(4)])
    matrix = cv2.getPerspectiveTransform(src, src + jitter)
    pixels = cv2.warpPerspective(pixels, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(3, 10), pixels.shape)
    out = np.clip(pixels + noise, 0, 255).astype(np.uint8)
    Image.fromarray(out).save(path, quality=rng.randint(55, 85))
    return words


def render_plain_photo(rng: random.Random, colour: str, path: Path) -> None:
    import cv2
    from PIL import Image

    if path.exists():  # written by an earlier run: make the same random draws, draw nothing
        width = rng.choice([640, 800, 1024, 1280])
        height = int(width * 0.75)
        for _ in range(rng.randint(0, 4)):
            rng.randint(0, width), rng.randint(0, height), rng.randint(-60, 60)
            if rng.random() < 0.5:
                rng.randint(20, width // 4)
            else:
                rng.randint(30, 300), rng.randint(30, 200)
        rng.randint(0, 2**31), rng.uniform(3, 10), rng.randint(55, 85)
        return

    background, ink = COLOURS[colour]
    width = rng.choice([640, 800, 1024, 1280])
    height = int(width * 0.75)
    gradient = np.linspace(-25, 25, width, dtype=np.float32)[None, :, None]
    pixels = np.clip(np.array(background, np.float32) + gradient + np.zeros((height, 1, 1), np.float32), 0, 255)
    for _ in range(rng.randint(0, 4)):  # shapes: things that are not text
        centre = (rng.randint(0, width), rng.randint(0, height))
        shade = tuple(float(c) for c in np.clip(np.array(background) + rng.randint(-60, 60), 0, 255))
        if rng.random() < 0.5:
            cv2.circle(pixels, centre, rng.randint(20, width // 4), shade, -1)
        else:
            cv2.rectangle(
                pixels, centre, (centre[0] + rng.randint(30, 300), centre[1] + rng.randint(30, 200)), shade, -1
            )
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(3, 10), pixels.shape)
    Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8)).save(path, quality=rng.randint(55, 85))


def make_set(root: Path, n_text: int, n_plain: int, seed: int = 0) -> dict:
    """Write the photos; return {path: {"colour", "words"}} ("colour" None for the real photos)."""
    from photo_fixtures import make_photo_jpegs

    rng = random.Random(seed)
    truth: dict[str, dict] = {}
    colours = list(COLOURS)
    # Each vocabulary word appears in at most a few photos, so text queries have 1-3 relevant photos.
    pool = VOCABULARY * 3
    rng.shuffle(pool)
    for i in range(n_text):
        colour = colours[i % len(colours)]
        count = rng.randint(1, 4)
        chosen = []
        while len(chosen) < count:
            word = pool.pop() if pool else rng.choice(VOCABULARY)
            if word not in chosen:
                chosen.append(word)
        path = root / "text" / f"photo_{i:04d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        truth[str(path)] = {"colour": colour, "words": render_text_photo(rng, chosen, colour, path)}
    for i in range(n_plain):
        colour = colours[i % len(colours)]
        path = root / "plain" / f"photo_{i:04d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        render_plain_photo(rng, colour, path)
        truth[str(path)] = {"colour": colour, "words": []}
    for path in make_photo_jpegs(root / "real", sizes=("1080p",)):
        truth[str(path)] = {"colour": None, "words": []}
    return truth


def word_recall(truth: dict, read: dict[str, str]) -> tuple[float, int]:
    """Share of rendered words (folded, ≥ 2 characters) found among the words read."""
    found = total = 0
    for path, info in truth.items():
        wanted = [w for word in info["words"] for w in folded_words(word) if len(w) >= 2]
        if not wanted:
            continue
        got = set(folded_words(read.get(path, "")))
        found += sum(w in got for w in wanted)
        total += len(wanted)
    return found / max(total, 1), total


def tesseract_recall(truth: dict, n: int) -> dict | None:
    if not shutil.which("tesseract") or n <= 0:
        return None
    paths = [p for p, info in truth.items() if info["words"]][:n]
    read: dict[str, str] = {}
    started = time.perf_counter()
    for path in paths:
        proc = subprocess.run(
            ["tesseract", path, "stdout", "-l", "eng", "--psm", "11"], capture_output=True, text=True, timeout=300
        )
        read[path] = proc.stdout
    seconds = time.perf_counter() - started
    recall, words = word_recall({p: truth[p] for p in paths}, read)
    return {"photos": len(paths), "word_recall": round(recall, 4), "words": words, "s_per_photo": seconds / len(paths)}


def make_queries(truth: dict, n: int, seed: int = 1) -> list[tuple[str, set[str]]]:
    """Text queries: one word (two thirds) or two words of one photo; relevant = photos showing all of them."""
    rng = random.Random(seed)
    shows: dict[str, set[str]] = {}
    for path, info in truth.items():
        for word in info["words"]:
            shows.setdefault(" ".join(folded_words(word)), set()).add(path)
    text_photos = [p for p, info in truth.items() if info["words"]]
    queries: list[tuple[str, set[str]]] = []
    seen: set[str] = set()
    tries = 0
    while len(queries) < n and tries < n * 50:
        tries += 1
        path = rng.choice(text_photos)
        rendered = truth[path]["words"]
        picked = rng.sample(rendered, 2) if len(rendered) >= 2 and rng.random() < 0.34 else [rng.choice(rendered)]
        query = " ".join(picked)
        if query in seen:
            continue
        relevant = set.intersection(*(shows[" ".join(folded_words(w))] for w in picked))
        if len(relevant) > 3:
            continue
        seen.add(query)
        queries.append((query, relevant))
    return queries


def score(hits: list[str], relevant: set[str]) -> tuple[float, float, float]:
    """(P@5, P@10, R@10)."""
    p5 = sum(h in relevant for h in hits[:5]) / 5
    p10 = sum(h in relevant for h in hits[:10]) / 10
    r10 = sum(h in relevant for h in hits[:10]) / max(len(relevant), 1)
    return p5, p10, r10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", type=int, default=300)
    parser.add_argument("--plain", type=int, default=100)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--tesseract", type=int, default=60, help="text photos Tesseract reads (0: none)")
    parser.add_argument("--fast-path", type=int, default=30, help="photos of each kind timed in-process")
    parser.add_argument(
        "--no-clip-cost", action="store_true", help="skip indexing once more with a ViT-B/32-sized model for the ratio"
    )
    parser.add_argument("--keep", help="write the photos and the library here (kept)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from motis_desktop.core.models.architectures.colour import build_colour_pair
    from motis_desktop.core.ocr.engine import OcrEngine, engine_threads
    from motis_desktop.core.ocr.worker import ReadJob, read_photo
    from motis_desktop.core.services import Services

    load_before = os.getloadavg()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="motis-bench-ocr-"))
    root.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    truth = make_set(root / "photos", args.text, args.plain)
    made_s = time.perf_counter() - t
    reuse = (root / "home" / "library.sqlite3").exists()
    services = Services.open(root / "home")
    if not services.installed_models():
        image_pt, text_pt = build_colour_pair(root / "colour-model")
        services.import_pair(image_pt, text_pt, "colour")
    services.add_folders([str(root / "photos")])

    index_note = "timed"
    t = time.perf_counter()
    plain_index = services.index(read_text=False)
    index_s = time.perf_counter() - t
    if reuse:  # a run that stopped in its text stage: its embedding phase, from the library's timestamps
        db = sqlite3.connect(f"file:{root / 'home' / 'library.sqlite3'}?mode=ro", uri=True)
        added, first_read = db.execute(
            "SELECT MIN(added_at), (SELECT MIN(read_at) FROM text_files) FROM files"
        ).fetchone()
        db.close()
        index_s, index_note = first_read - added, "earlier run, scan to first text read"
    t = time.perf_counter()
    text_index = services.index(read_text=True)
    text_s = time.perf_counter() - t
    ocr_rate = text_index.text_read / max(text_s, 1e-9)
    text_full_s = len(truth) / max(ocr_rate, 1e-9)  # the whole set at this run's rate (a resumed run reads a part)
    read = {p: services.photo_text(p, read_now=False).text for p in truth}

    ocr_recall, n_words = word_recall(truth, read)
    engine = OcrEngine(engine_threads())
    timings: dict[str, list[float]] = {"text": [], "plain": []}
    for kind, paths in (
        ("text", [p for p, i in truth.items() if i["words"]][: args.fast_path]),
        ("plain", [p for p, i in truth.items() if not i["words"] and i["colour"]][: args.fast_path]),
    ):
        for path in paths:
            start = time.perf_counter()
            read_photo(engine, ReadJob(0, path))  # what the worker does: read, decode, look, read the text
            timings[kind].append(time.perf_counter() - start)
    tess = tesseract_recall(truth, args.tesseract)
    clip_index_s = None
    if not args.no_clip_cost:  # the ratio against a real-sized image tower (random weights: same cost)
        from synthetic_library import install_random_clip

        cost_home = Services.open(root / "cost-home")
        install_random_clip(cost_home, "vitb32", "vitb32", root)
        cost_home.add_folders([str(root / "photos")])
        t = time.perf_counter()
        cost_home.index(read_text=False)
        clip_index_s = time.perf_counter() - t
        cost_home.close()

    queries = make_queries(truth, args.queries)
    rankings = {"fused": ("meaning", "text", "name"), "embedding": ("meaning",), "text": ("text",)}
    text_scores = {name: [] for name in rankings}
    for query, relevant in queries:
        for name, signals in rankings.items():
            hits = [h.path for h in services.query(query, limit=10, cutoff=False, signals=signals).hits]
            text_scores[name].append(score(hits, relevant))
    colour_scores: dict[str, list] = {"fused": [], "embedding": []}
    for colour in COLOURS:
        relevant = {p for p, info in truth.items() if info["colour"] == colour}
        for name in colour_scores:
            hits = [h.path for h in services.query(colour, limit=10, cutoff=False, signals=rankings[name]).hits]
            colour_scores[name].append(score(hits, relevant))

    def mean(rows: list, i: int) -> float:
        return round(float(np.mean([r[i] for r in rows])), 4) if rows else 0.0

    result = {
        "photos": {"text": args.text, "plain": args.plain, "real": len(truth) - args.text - args.plain},
        "generate_s": round(made_s, 1),
        "ocr": {
            "engine": "PP-OCRv4 det+rec (onnxruntime)",
            "word_recall": round(ocr_recall, 4),
            "words": n_words,
            "photos_with_text_found": sum(1 for p, i in truth.items() if i["words"] and read[p]),
            "false_text_on_plain": sum(1 for p, i in truth.items() if not i["words"] and read[p]),
        },
        "tesseract": tess,
        "cost": {
            "index_without_text_s": round(index_s, 1),
            "index_without_text_how": index_note,
            "text_stage_s": round(text_s, 1),
            "text_stage_photos": text_index.text_read,
            "ocr_photos_per_s": round(ocr_rate, 3),
            "text_stage_whole_set_s": round(text_full_s, 1),
            "index_with_text_ratio_colour_model": round((index_s + text_full_s) / max(index_s, 1e-9), 2),
            "index_vitb32_without_text_s": round(clip_index_s, 1) if clip_index_s else None,
            "index_with_text_ratio_vitb32": round((clip_index_s + text_full_s) / clip_index_s, 2)
            if clip_index_s
            else None,
            "s_per_text_photo": round(float(np.mean(timings["text"])), 3),
            "s_per_plain_photo": round(float(np.mean(timings["plain"])), 3),
            "fast_path_ratio": round(float(np.mean(timings["plain"]) / np.mean(timings["text"])), 3),
            "encoded": plain_index.encoded,
            "text_read": text_index.text_read,
            "text_failed": len(text_index.text_failed),
        },
        "text_queries": {
            "n": len(queries),
            **{name: {"p@5": mean(rows, 0), "r@10": mean(rows, 2)} for name, rows in text_scores.items()},
        },
        "colour_queries": {
            "n": len(COLOURS),
            **{name: {"p@5": mean(rows, 0), "p@10": mean(rows, 1)} for name, rows in colour_scores.items()},
        },
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
    }
    services.close()
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
