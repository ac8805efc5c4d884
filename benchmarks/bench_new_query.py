"""A new text query in a running app at 100k photos, through ``Services.query`` as the GUI calls it (relevance
cut-off on), each query text seen for the first time; with ``--startup`` also the app's launch → first search
answered and its memory after scrolling (benchmarks/bench_startup_library.py's child, 30 scroll positions);
optionally side by side with another checkout.

Usage: python benchmarks/bench_new_query.py --home DIR [--n 100000] [--queries 20] [--rounds 3] [--startup]
       [--typed] [--bytecode] [--numbered] [--offline] [--compare CHECKOUT [--compare-home DIR]]

The query texts are the phrases of ``synthetic_library.QUERIES`` ("sunset over the sea"), then each with one plain
word added ("sunset over the sea photo"): new to the process, and as long as what people type (5-9 tokens).
``--numbered`` appends the process id and a count instead, as this benchmark did before 2026-12-07: every digit is
one token for CLIP's tokenizer, so those texts took 12-17 tokens, and the text tower's time grows with each.

``--startup``'s first search is typed once the model is ready and the gallery is shown (the target's figure);
``--typed`` types it as soon as the window is painted instead, as a user who starts typing at once (the window
keeps the query until the model is ready; the gallery may come after the answer). ``--bytecode`` keeps the
checkouts' compiled bytecode (compiled once before the first round), as an installed app has it; without it
``PYTHONDONTWRITEBYTECODE=1`` makes every launch compile the app's modules (~0.12 s).

``--offline`` runs on a twin of the home where every 10th photo is in a library folder that is not there (a drive
unplugged: queries leave those photos out), made once beside it (``synthetic_library.unplugged_copy``).
``--home DIR`` is built once (benchmarks/synthetic_library.py: a random-weights ViT-B/32 and N photos with
synthetic embeddings; the inference mode measured once) and reused by later runs. Each round starts a fresh
process per checkout (this one, then ``--compare``'s, alternating which goes first), warms it up as the app
does at start (``Services.warm_up``) and times ``--queries`` distinct new queries. Prints p50/p90 per checkout
and round, the load average around each, and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


# Words that make each query text new to the process (its text-vector cache is in memory) and stay a query a
# person would type: one token each, as "sunset over the sea at night" is one word longer than the phrase.
VARIANTS = ("", "photo", "picture", "old", "new", "small", "big", "bright", "dark", "summer", "winter", "morning")


def new_query_text(i: int, numbered: bool = False) -> str:
    """The ``i``-th query text of a run, never seen before by this process: one of ``QUERIES`` with one plain word
    added (3-8 words, 5-9 tokens with CLIP's start and end); ``numbered``: the phrase with the process id and
    ``i`` appended, as this benchmark did before 2026-12-07 (every digit is a token: 12-17 tokens)."""
    from synthetic_library import QUERIES

    phrase = QUERIES[i % len(QUERIES)]
    if numbered:
        return f"{phrase} {os.getpid()} {i}"
    if i >= len(QUERIES) * len(VARIANTS):
        raise ValueError(f"at most {len(QUERIES) * len(VARIANTS)} new query texts (use --numbered for more)")
    return f"{phrase} {VARIANTS[i // len(QUERIES)]}".strip()


def child(home: str, count: int, numbered: bool = False) -> None:
    import numpy as np

    from motis_desktop.core.services import Services  # first: the checkout on PYTHONPATH, not this one

    assert Path(sys.modules["motis_desktop"].__file__ or "").is_relative_to(os.environ.get("PYTHONPATH", "/"))
    from motis_desktop.core.models.tokenizer import token_count

    services = Services.open(home)
    services.warm_up()
    services.query("warm up the query path")
    while any(t.name == "motis-coarse" for t in threading.enumerate()):  # the index's coarse copy, being made
        time.sleep(0.05)
    load = os.getloadavg()[0]
    ms = []
    texts = [new_query_text(i, numbered) for i in range(count)]
    for text in texts:
        start = time.perf_counter()
        services.query(text)
        ms.append(1e3 * (time.perf_counter() - start))
    tokens = float(np.median([token_count(text) for text in texts]))
    row = {"p50_ms": float(np.percentile(ms, 50)), "p90_ms": float(np.percentile(ms, 90)), "load": load}
    row["tokens_p50"] = tokens
    print(json.dumps({**row, "load_after": os.getloadavg()[0]}), flush=True)
    services.close()


def build_home(root: Path, n: int) -> Path:
    """``root/home`` with a random ViT-B/32 and ``n`` photos, made once; rebuilt when the library lost vectors
    (a home built before synthetic_library was made faithful). The photos' hard links are reused."""
    import shutil

    from synthetic_library import build_library, check_untouched, install_random_clip, library_counts

    from motis_desktop.core.services import Services

    home = root / "home"
    if (root / "built").exists():
        if library_counts(home) == (n, n):
            return home
        print(f"{home}: photos or vectors missing ({library_counts(home)}), building it again", flush=True)
        (root / "built").unlink()
        shutil.rmtree(home)
    root.mkdir(parents=True, exist_ok=True)
    services = Services.open(home)
    model_id = install_random_clip(services, "bench", "vitb32", root)
    build_library(services, model_id, n, root)
    services.warm_up()  # the inference mode measured once per model, as on first launch (Services.mode_choice went)
    services.update_search_index()
    summary = services.index()  # the app's own start-up pass: it must find nothing to do
    services.close()
    if summary.encoded or summary.removed or summary.renamed or summary.text_read:
        raise SystemExit(f"the app's indexing pass changed the new bench home: {summary.to_json()}")
    check_untouched(home, n, "after building")
    (root / "built").write_text(str(n))
    return home


def child_env(checkout: Path, home: Path, bytecode: bool) -> dict[str, str]:
    """The environment of a child process of ``checkout`` (``bytecode``: kept, as an installed app has it)."""
    from synthetic_library import keep_bytecode

    env = {**os.environ, "PYTHONPATH": str(checkout), "MOTIS_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return keep_bytecode(env, checkout) if bytecode else env


def run(checkout: Path, home: Path, count: int, bytecode: bool = False, numbered: bool = False) -> dict[str, float]:
    """One process of ``checkout`` timing ``count`` new queries, through this script (the same texts for every
    checkout)."""
    env = child_env(checkout, home, bytecode)
    args = [str(Path(__file__).resolve()), "--child", str(home), "--queries", str(count)]
    return _child_figures(args + (["--numbered"] if numbered else []), env, checkout)


def _child_figures(args: list[str], env: dict[str, str], checkout: Path) -> dict[str, float]:
    """Run ``python ARGS`` in ``checkout``; its last JSON line of figures."""
    proc = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=900, cwd=checkout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode or not lines:
        raise RuntimeError(proc.stderr[-2000:])
    result: dict[str, float] = json.loads(lines[-1])
    return result


def startup(checkout: Path, home: Path, typed: bool = False, bytecode: bool = False) -> dict[str, float]:
    """One app launch (offscreen) with the home's 100k photos: window shown, search ready, first search, RSS.
    ``typed``: the query is typed when the window is painted, not once the model and the gallery are in."""
    env = child_env(checkout, home, bytecode)
    from synthetic_library import check_untouched, library_counts

    n = library_counts(home)[0]
    check_untouched(home, n, f"before launching {checkout}")
    load = os.getloadavg()[0]
    args = [str(HERE / "bench_startup_library.py"), "--child", str(home), "--scroll-steps", "30"]
    args += ["--type-at-once"] if typed else []
    figures = _child_figures(args, env, checkout)  # the child leaves by os._exit (PySide6's abort at exit)
    check_untouched(home, n, f"after launching {checkout}")  # its start-up pass re-encoded nothing
    return {**figures, "load": load, "load_after": os.getloadavg()[0]}


def report_startup(round_: int, checkout: Path, app: dict[str, float]) -> None:
    print(
        f"round {round_} {checkout}: launch -> window {app['shown_s']:.2f} s, search ready "
        f"{app['search_ready_s']:.2f} s, first search {app['first_search_s']:.2f} s; RSS after search "
        f"{app['rss_after_search_mb']:.0f} MB, after scrolling {app['rss_after_scroll_mb']:.0f} MB, "
        f"peak {app['peak_rss_mb']:.0f} MB (load {app['load']:.2f} -> {app['load_after']:.2f})",
        flush=True,
    )


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> int:  # long: the alternating rounds and their report read best in one place
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="folder for the benchmark home (built once, then reused)")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare", type=Path, help="another checkout (e.g. of main) to run side by side")
    parser.add_argument(
        "--compare-home", type=Path, help="a copy of --home's folder for the compare checkout (an older library schema)"
    )
    parser.add_argument("--startup", action="store_true", help="also launch the app each round (launch -> search)")
    parser.add_argument(
        "--typed", action="store_true", help="with --startup: type the query when the window is painted"
    )
    parser.add_argument("--bytecode", action="store_true", help="keep compiled bytecode, as an installed app")
    parser.add_argument(
        "--numbered", action="store_true", help="query texts with the process id and a count appended (before 12-07)"
    )
    parser.add_argument(
        "--offline", action="store_true", help="every 10th photo in a library folder that is not there (unplugged)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    if args.child:
        child(args.child, args.queries, args.numbered)
        return 0
    if not args.home:
        parser.error("--home is required")
    home = build_home(Path(args.home), args.n)
    checkouts = [HERE.parent] + ([args.compare.resolve()] if args.compare else [])
    homes = {str(c): home for c in checkouts}
    if args.compare and args.compare_home:
        homes[str(checkouts[1])] = args.compare_home.resolve() / home.name  # as build_home lays --home out
    if args.offline:
        from synthetic_library import unplugged_copy

        homes = {checkout: unplugged_copy(each) for checkout, each in homes.items()}
    for checkout in checkouts if args.bytecode else []:  # compiled once, before the first timed process
        compile_all = [sys.executable, "-m", "compileall", "-q", str(checkout / "motis_desktop")]
        subprocess.run(
            compile_all, env=child_env(checkout, homes[str(checkout)], True), check=True, capture_output=True
        )
    p50s: dict[str, list[float]] = {str(c): [] for c in checkouts}
    firsts: dict[str, list[float]] = {str(c): [] for c in checkouts}
    for round_ in range(args.rounds):
        order = checkouts if round_ % 2 == 0 else checkouts[::-1]
        for checkout in order:
            row = run(checkout, homes[str(checkout)], args.queries, args.bytecode, args.numbered)
            p50s[str(checkout)].append(row["p50_ms"])
            print(
                f"round {round_} {checkout}: new query p50 {row['p50_ms']:.1f} ms p90 {row['p90_ms']:.1f} ms, "
                f"{row['tokens_p50']:.0f} tokens (load {row['load']:.2f} -> {row['load_after']:.2f})",
                flush=True,
            )
            if args.startup:
                app = startup(checkout, homes[str(checkout)], args.typed, args.bytecode)
                firsts[str(checkout)].append(app["first_search_s"])
                report_startup(round_, checkout, app)
    this, other = (str(c) for c in (checkouts + checkouts)[:2])
    for checkout in checkouts:
        print(f"median new query p50 {median(p50s[str(checkout)]):.1f} ms  {checkout}")
        if args.startup:
            print(f"median launch -> first search {median(firsts[str(checkout)]):.2f} s  {checkout}")
    if args.compare:
        print(f"new query ratio (compare / this): {median(p50s[other]) / median(p50s[this]):.2f}x")
        if args.startup:
            print(f"launch ratio (compare / this): {median(firsts[other]) / median(firsts[this]):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
