"""How long "Did you mean …?" takes (``core/search/suggest.py``) at 100k photos whose text holds 200k distinct words.

Usage: python benchmarks/bench_suggest.py [--db PATH] [--photos 100000] [--words 200000] [--repeats 7]

A synthetic library (built once at ``--db``, then reused): ``--photos`` files in 100 folders named by a word
("d042 garden"), two lines of text read in each, four words a line: the first ``--words`` word slots are distinct
made-up words (letters drawn by English frequency, 4-12 long), the rest drawn from 2,000 of them (the words many
photos share); a few real words among them ("receipt", "invoice"; "garden" only in folder names). Each typed query
then asks the core for its suggestions (as ``Searcher`` does for a result without hits); the first time and the
median of the rest are printed, in ms, with the load average. To compare, run it with another checkout first on
``PYTHONPATH`` (``git archive`` of a commit), alternating, so both meet the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from pathlib import Path

TYPOS = (
    "ueceipt",  # the first letter wrong (receipt)
    "recipt",  # a letter left out
    "invocie",  # two letters swapped
    "gardne",  # a folder's name (garden), two letters swapped
    "hgarden",  # a letter too many, first (garden)
    "zqxvkjwq",  # nothing near: every candidate looked at, none taken
)
LETTERS = "etaoinshrdlcumwfgypbvkjxqz"
FREQUENCY = (12, 9, 8, 8, 7, 7, 6, 6, 6, 4, 4, 3, 3, 2.4, 2.4, 2.2, 2, 2, 2, 1.5, 1, 0.8, 0.2, 0.2, 0.1, 0.1)
REAL = ("receipt", "invoice", "platform", "station", "bakery")  # read in photos; "garden" is a folder's name only


def build(db: Path, photos: int, distinct: int) -> None:
    """The synthetic library at ``db`` (see the module's docstring)."""
    from motis_desktop.core.library.store import LibraryStore
    from motis_desktop.core.ocr.textnorm import name_words

    rng = random.Random(7)
    vocab: set[str] = set(REAL)
    while len(vocab) < distinct:
        vocab.add("".join(rng.choices(LETTERS, FREQUENCY, k=rng.randint(4, 12))))
    words = sorted(vocab)
    rng.shuffle(words)
    common = words[:2000]
    slots = words + rng.choices(common, k=max(0, 8 * photos - len(words)))
    folder_words = ["garden", "italy trip", "wedding", "backup", "scans"] + rng.sample(words, 95)
    store = LibraryStore(db)
    with store.transaction() as conn:
        conn.execute("INSERT INTO folders(id, path, added_at) VALUES (1, ?, 0)", (b"/photos",))
        files, names, lines = [], [], []
        for i in range(photos):
            relative = f"d{i % 100:03d} {folder_words[i % 100]}/IMG_{i:06d}.jpg"
            path = ("/photos/" + relative).encode()
            files.append((i + 1, path, 1000 + i, i, f"h{i}", 0))
            names.append((i + 1, path, f"img_{i:06d}.jpg", name_words(relative)))
            for line in range(2):
                at = 8 * i + 4 * line
                lines.append((i + 1, line, " ".join(slots[at : at + 4]), " ".join(slots[at : at + 4])))
        conn.executemany(
            "INSERT INTO files(id, folder_id, path, size, mtime_ns, content_hash, error, added_at) "
            "VALUES (?, 1, ?, ?, ?, ?, NULL, ?)",
            files,
        )
        conn.executemany("INSERT INTO names(file_id, path, name, words) VALUES (?, ?, ?, ?)", names)
        conn.executemany(
            "INSERT INTO text_lines(file_id, line, text, norm, confidence, box) VALUES (?, ?, ?, ?, 0.9, '[]')", lines
        )
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/bench-suggest/library.sqlite3"))
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        build(args.db, args.photos, args.words)
        print(f"built {args.db} in {time.perf_counter() - started:.0f} s", flush=True)

    import motis_desktop
    from motis_desktop.core.library.store import LibraryStore
    from motis_desktop.core.search.query import parse_query
    from motis_desktop.core.search.suggest import suggest_words

    store = LibraryStore(args.db)
    sizes = {}
    for table in ("text_fts", "names_fts"):
        store.select(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.bench_{table} USING fts5vocab(main, '{table}', 'row')")
        sizes[table] = store.select(f"SELECT COUNT(*) FROM temp.bench_{table}")[0][0]
    print(json.dumps({"code": str(Path(motis_desktop.__file__).parent), "distinct_words": sizes}))
    for typed in TYPOS:
        ms, said = [], ""
        for _ in range(args.repeats):
            start = time.perf_counter()
            found = suggest_words(store, parse_query(typed))
            ms.append(1e3 * (time.perf_counter() - start))
            said = ", ".join(s.word for s in found) or "-"
        figures = {"typed": typed, "suggested": said, "first_ms": round(ms[0], 2)}
        figures["p50_ms"] = round(statistics.median(ms[1:] or ms), 2)
        print(json.dumps({**figures, "load": os.getloadavg()[0]}), flush=True)
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
