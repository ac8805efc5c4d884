"""The ``motis`` commands: one handler per command on an open ``Services``, and ``run_command`` for the
query service (``cli/server.py``), which imports this module, never ``cli.main``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from motis_desktop.cli.folder_move import move_command
from motis_desktop.cli.interrupts import release_interrupts, stop_instead
from motis_desktop.cli.lock_wait import LockWait
from motis_desktop.cli.model_commands import models_command
from motis_desktop.cli.model_loading import load_model
from motis_desktop.cli.output import one_line, print_json
from motis_desktop.cli.parser import build_parser, parse_command_line
from motis_desktop.cli.progress import ProgressBar
from motis_desktop.cli.search_command import search_command
from motis_desktop.cli.status_command import status_command
from motis_desktop.cli.watch_lines import ModelFollow, copy_wait_line
from motis_desktop.core.errors import MotisError, os_reason, user_message
from motis_desktop.core.formatting import copies_words, count, unreadable_words, went_away_words
from motis_desktop.core.kinds import CopyWait
from motis_desktop.core.pathnames import is_within
from motis_desktop.core.services import (
    IndexSummary,
    LibraryBusy,
    Progress,
    ProgressPhase,
    Services,
    Skipped,
)

NOTHING_INDEXED = "nothing was indexed yet"  # what a Ctrl+C before the first batch of photos keeps


def handlers() -> dict[str, Any]:
    """Command name → handler(services, args) -> exit code (``serve`` is added by ``cli.main``)."""
    return {
        "models": models_command,
        "index": _index,
        "watch": _watch,
        "search": search_command,
        "status": status_command,
        "folders": _folders,
        "config": _config,
        "eval": _eval,
        "text": _text,
    }


def run_command(services: Services, argv: Sequence[str]) -> int:
    """Parse and run one command on an open ``Services`` (the query service runs searches with it)."""
    parser = build_parser()
    try:
        args = parse_command_line(parser, argv)
    except SystemExit as exc:  # argparse printed the usage error
        return exc.code if isinstance(exc.code, int) else 2
    if args.command != "search":
        return fail("the query service only runs 'search'")
    try:
        return handlers()[args.command](services, args)
    except MotisError as exc:
        return fail_with(exc)
    except Exception as exc:  # a bug: one line, the service keeps running
        logging.getLogger(__name__).exception("query service: search failed")
        return fail(f"internal error: {type(exc).__name__}: {exc}")


def fail(message: str, code: int = 1) -> int:
    print(f"motis: error: {message}", file=sys.stderr)
    return code


def fail_with(exc: MotisError) -> int:
    """The one line for a problem the user can fix; exit 2 for a usage error (a query's syntax), else 1."""
    return fail(user_message(exc), 2 if exc.usage else 1)


def os_error(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{os_reason(exc)}"


def _eval(services: Services, args: argparse.Namespace) -> int:
    from motis_desktop.core.evaluation import evaluate, load_captions

    dataset = load_captions(args.captions, args.images, None if args.split == "all" else args.split)
    bar = ProgressBar()
    try:
        result = evaluate(
            services.encoder(args.model),
            dataset,
            progress=lambda done, total: bar.simple(f"encoding images {done}/{total}"),
        )
    finally:
        bar.close()
    if args.json:
        print_json(result)
        return 0
    for item in result["skipped"]:
        print(f"  skipped {item['path']}: {item['reason']}", file=sys.stderr)
    print(f"{result['n_images']} images, {result['n_captions']} captions, {len(result['skipped'])} images skipped")
    print("text→image  R@1 {t2i_r1:5.1f}  R@5 {t2i_r5:5.1f}  R@10 {t2i_r10:5.1f}".format(**result))
    print("image→text  R@1 {i2t_r1:5.1f}  R@5 {i2t_r5:5.1f}  R@10 {i2t_r10:5.1f}".format(**result))
    return 0


def _index(services: Services, args: argparse.Namespace) -> int:
    bar = ProgressBar()
    cancel = threading.Event()
    named = [os.path.abspath(folder) for folder in args.folders]  # as the user named them (a sub-folder too)
    said: list[IndexSummary] = []  # the summary said when the photos were indexed, before the text stage

    def indexed(summary: IndexSummary) -> None:  # QA walk 5: stopped while reading text, it said nothing of this
        if not args.json:
            bar.close()
            print("\n".join(_summary_lines(summary, named=named)), flush=True)
            said.append(summary)

    def run() -> IndexSummary:
        return services.index(
            args.model,
            progress=bar,
            cancel=cancel,
            batch_size=args.batch_size,
            read_text=False if args.no_text else None,
            on_indexed=indexed,
        )

    try:
        load_model(services, args.model)  # fail fast (and before touching the library) without a model
        waiting = LockWait(services, args.wait, named)
        waiting.before_adding()  # nothing is added while another process indexes, unless this waits for it
        services.add_folders(args.folders)  # every folder checked before one is added
        if not services.folders():
            raise MotisError("the library has no folders yet: give one, e.g. 'motis index ~/Pictures'")
        release_interrupts()  # a Ctrl+C while the program started stops here, before the indexer
        takeover = None if args.model else services.takeover_model()  # the run encodes for it (models.takeover)
        summary = waiting.run(run)
        if not summary.cancelled:
            services.update_search_index(args.model)  # bring the vector index up to date now
        took_over = takeover is not None and services.takeover_model() is None
    except KeyboardInterrupt:
        cancel.set()
        bar.close()
        print(f"motis: interrupted: {_kept(bar.latest)}; run 'motis index' again to continue", file=sys.stderr)
        if args.json:  # the summary a script reads, "cancelled": true (QA: nothing on stdout)
            print_json(_interrupted_summary(services, args.model, bar.latest).to_json())
        return 130
    finally:
        bar.close()
    if args.json:
        print_json(summary.to_json())
        return 0
    lines = _text_lines(summary) if said else _summary_lines(summary, named=named)
    if took_over:
        lines.append(f"active model: {takeover} (it took over from the demo model)")
    if lines:  # the text stage had nothing to say: no empty line (QA walk 6)
        print("\n".join(lines))
    return 0


def _summary_lines(summary: IndexSummary, list_earlier: bool = True, named: Sequence[str] = ()) -> list[str]:
    """What an indexing run did, for people: counts, each photo skipped, the text read (``index`` and ``watch``).
    "skipped N" counts the files this run could not read anew; those earlier runs reported are listed apart
    (``list_earlier``: ``index``; only those in the ``named`` folders when some are, the others counted: the run
    covers every folder, QA saw other folders' files listed) or counted (``watch``, whose every run would repeat
    them)."""
    new = summary.new_skipped
    lines = [f"{_counts(summary)} ({summary.elapsed_s:.1f} s)"]
    if list_earlier:
        lines += _empty_folder_lines(summary, named)
        # said when the user names the folder (adds it), not on every run: nothing is wrong with it
        left_out = summary.left_out()  # the app's own data folder, an account's app data (~/Library, AppData)
        lines += [line for folder in _among_named(list(left_out), named) if named for line in left_out[folder]]
    if summary.returned:  # photos that left the library lately and came back: nothing was read again
        were = "was" if summary.returned == 1 else "were"
        lines.append(f"{count(summary.returned, 'photo')} back in the library {were} already indexed before")
    lines += [f"  {move.words}" for move in summary.moved]  # a library folder renamed, found again
    lines += [f"  {one_line(w)}" for w in (summary.offline_words, summary.dropped_words) if w]  # one line each
    lines += [f"  {went_away_words(one_line(folder), n)}" for folder, n in summary.went_away.items()]
    lines += [f"  skipped {one_line(item.path)}: {item.message}" for item in new]
    if list_earlier:  # ``watch`` reads them in the run their next change starts
        lines += [f"  not read yet, still being written: {one_line(path)}" for path in summary.still_written]
    earlier = [item for item in summary.skipped if item.earlier]
    if list_earlier:
        shown = [item for item in earlier if not named or any(is_within(item.path, f) for f in named)]
        lines += [f"  still skipped {one_line(item.path)}: {item.message}" for item in shown]
        lines += _elsewhere_lines([item for item in earlier if item not in shown])
    else:  # counted by kind: a link the scan does not follow was never read (QA walk 7 saw links in "could not read")
        files = [item for item in earlier if item.in_library]
        left = [item for item in earlier if not item.in_library]  # broken links, link loops, folders it cannot list
        if files:
            lines.append(f"{count(len(files), 'file')} that earlier runs could not read {_are(files)} still skipped")
        if left:  # as ``_elsewhere_lines`` counts them
            were = "was" if len(left) == 1 else "were"
            lines.append(f"{count(len(left), 'item')} {were} left out by the scan (broken links, link loops)")
    return lines + _text_lines(summary)


def _are(items: list[Skipped]) -> str:
    return "is" if len(items) == 1 else "are"


def _text_lines(summary: IndexSummary) -> list[str]:
    """What the run's text stage did (``index`` says the rest before that stage begins)."""
    lines = []
    if summary.text_read or summary.text_failed:
        lines.append(
            f"read the text of {count(summary.text_read, 'photo')}, {len(summary.text_failed)} could not be read"
        )
    lines += [f"  text not read {one_line(item.path)}: {item.reason}" for item in summary.text_failed]
    return lines


def _counts(summary: IndexSummary) -> str:
    """The run's counts, the window's words where it has them (``gui/status_bar.outcome_words``) and none that is
    zero but what was encoded and found unchanged. "N files could not be read" counts the files of the library
    this run could not read anew, as the window does; what the scan left out (a broken link: no file of the
    library) is counted apart (QA walk 5: "skipped 5" here, "4 files could not be read" there)."""
    new = summary.new_skipped
    unread = sum(item.in_library for item in new)
    parts = [f"encoded {summary.encoded}", f"unchanged {summary.unchanged}"]
    parts += [f"renamed {summary.renamed}"] if summary.renamed else []
    parts += [copies_words(summary.copied)] if summary.copied else []
    parts += [f"removed {summary.removed}"] if summary.removed else []
    parts += unreadable_words(summary.repaired, summary.unreadable_removed)  # of those encoded and removed
    parts += [f"{count(unread, 'file')} could not be read"] if unread else []
    parts += [f"{count(len(new) - unread, 'item')} left out by the scan"] if len(new) > unread else []
    return ", ".join(parts)


def _elsewhere_lines(elsewhere: list[Skipped]) -> list[str]:
    """What earlier runs could not take outside the folders named, counted: the files of the library apart from
    what the scan left out (broken links, link loops), which are no files of it (QA: "5 more files" were 3 and 2
    links)."""
    files = sum(item.in_library for item in elsewhere)
    left_out = len(elsewhere) - files
    lines = []
    if files:
        lines.append(f"  {count(files, 'more file')} elsewhere in the library could not be read by earlier runs")
    if left_out:
        lines.append(f"  {count(left_out, 'more item')} elsewhere were left out by the scan (broken links, link loops)")
    if lines:
        lines[-1] += " ('motis index' without a folder lists them)"
    return lines


def _empty_folder_lines(summary: IndexSummary, named: Sequence[str]) -> list[str]:
    """The line "no photos found in FOLDER" for each library folder the scan listed without a photo (the window's
    words), among those the user named (or that hold or lie in one) when some are: ``motis index /tmp/emptydir``
    said nothing about it (QA walk)."""
    empty = [folder for folder, photos in summary.folder_photos.items() if not photos]
    return [f"no photos found in {folder}" for folder in _among_named(empty, named)]


def _among_named(folders: Sequence[str], named: Sequence[str]) -> list[str]:
    """``folders`` (library folders) that the user named, hold one or lie in one; all of them when none is named."""
    if named:
        folders = [f for f in folders if any(is_within(f, n) or is_within(n, f) for n in named)]
    return sorted(folders)


def _interrupted_summary(services: Services, model: str | None, latest: Progress | None) -> IndexSummary:
    """What an interrupted run is known to have done, from the core's last report: the photos encoded so far."""
    try:
        model_id = services.model_info(model).model_id
    except MotisError:  # interrupted before the model was known
        model_id = ""
    encoded = latest.encoded if latest is not None and latest.phase is not ProgressPhase.SCAN else 0
    return IndexSummary(model_id, encoded=encoded, cancelled=True, elapsed_s=latest.elapsed_s if latest else 0.0)


def _kept(latest: Progress | None) -> str:
    """What an interrupted indexing run keeps, from the core's last report (each batch is committed)."""
    if latest is not None and latest.phase is ProgressPhase.ENCODE:
        return f"{latest.done} of {latest.total} photos indexed so far are kept"
    if latest is not None and latest.phase is ProgressPhase.TEXT:
        return f"the photos are indexed, and the text read in {latest.done} of {latest.total} so far is kept"
    return NOTHING_INDEXED  # before the indexer reported anything, or while it scanned the folders


def _folder_status(as_json: bool, root: str, online: bool) -> None:
    """``motis watch``'s line when a library folder goes offline or comes back."""
    if as_json:
        print(json.dumps({"type": "folder_status", "folder": root, "online": online}), flush=True)
    else:
        _timed([f"{root}: {'online' if online else 'offline (its photos are kept)'}"])


def _copy_wait(as_json: bool, path: str, wait: CopyWait) -> None:
    """On the watcher's thread: ``motis watch``'s one line at the start (or the end) of a wait for a slow copy."""
    if as_json:
        print(json.dumps({"type": "copying", "path": path, "state": str(wait)}), flush=True)
    else:
        _timed([copy_wait_line(path, wait)])


def _offline_once(summary: IndexSummary, said: list[str], quiet: bool) -> IndexSummary:
    """``summary`` without the offline folders' line when the last pass that spoke said the same (``said[0]``)."""
    if summary.offline_words == said[0]:
        return replace(summary, offline=[], waiting={})
    if not quiet:
        said[0] = summary.offline_words
    return summary


def _watch(services: Services, args: argparse.Namespace) -> int:
    """Index once, then after each burst of changes in the library folders, until Ctrl+C."""
    load_model(services, args.model)
    if not services.folders():
        raise MotisError("the library has no folders yet: add one with 'motis index FOLDER'")
    stop = threading.Event()
    runs, model = 0, ModelFollow(services)
    offline_said = [""]  # the offline folders' line a pass said: not again by each pass while it holds

    def ran(summary: IndexSummary) -> None:
        nonlocal runs
        runs += 1
        switched = model.said(summary)  # a model made active meanwhile (Settings, 'motis models use')
        if args.json:
            print(json.dumps({"type": "run", **summary.to_json()}), flush=True)
            return
        # a change that changed nothing (a file touched), or a first pass with nothing to say (QA walk 6): no news
        quiet = not _did_work(summary) and (runs > 1 or not summary.skipped)
        # files earlier runs could not read: said by the first run, not again after every change
        shown = summary if runs == 1 else replace(summary, skipped=summary.new_skipped)
        shown = _offline_once(shown, offline_said, quiet)
        lines = switched + ([] if quiet else _summary_lines(shown, False))
        lines += [f"active model: {summary.took_over} (it took over from the demo model)"] if summary.took_over else []
        if lines:
            _timed(lines)

    waited: list[str] = []

    def busy(held: LibraryBusy) -> None:  # QA walk 6: it died "try again" when an index ran; it waits, said once
        if not waited:
            print(f"motis: {held.summary}; watching starts when it has finished", file=sys.stderr, flush=True)
        waited.append(held.summary)

    if not args.json:
        print("watching the library folders; Ctrl+C stops", file=sys.stderr)
    restore = stop_instead(stop.set)
    asked = False
    try:
        status, writing = partial(_folder_status, args.json), partial(_copy_wait, args.json)
        services.watch_and_index(stop, ran, args.model, on_status=status, on_busy=busy, on_writing=writing)
    except KeyboardInterrupt:  # a second Ctrl+C or SIGTERM
        asked = True
    finally:
        stop.set()
        asked = restore() or asked
    if asked:  # 130, "interrupted", as every command (README)
        print("motis: stopped watching; what was indexed so far is kept", file=sys.stderr)
        return 130
    return 0


def _timed(lines: list[str]) -> None:
    """``motis watch``'s lines, each after the time of day (QA walk 5: after an hour, when did that happen?)."""
    now = time.strftime("%H:%M:%S")
    print("\n".join(f"{now} {line}" for line in lines), flush=True)


def _did_work(summary: IndexSummary) -> bool:
    """A run found something to say: photos indexed, moved, copied, back or removed, files it could not read anew,
    a folder that went away, text read (the window's rule for "library up to date: nothing new", and the text)."""
    done = [summary.encoded, summary.renamed, summary.copied, summary.returned, summary.removed, summary.text_read]
    done.append(summary.dropped)  # photos of a folder removed meanwhile: said
    return any(done) or bool(summary.new_skipped or summary.went_away or summary.text_failed)


def _folders(services: Services, args: argparse.Namespace) -> int:
    if args.folders_command == "move":  # an offline folder found elsewhere (QA walk 6)
        return move_command(services, args)
    if args.folders_command == "remove":
        removed = services.remove_folder(args.path)
        print(f"forgot {args.path} and its {count(removed, 'photo')}; no files were deleted")
        return 0
    if args.folders_command == "forget-removed":
        forgot = services.forget_gone_photos()
        print(
            f"Forgot {count(forgot, 'photo')} removed from the library folders."
            if forgot
            else "Nothing to forget: no photo removed from the library folders is remembered."
        )
        return 0
    folders = services.folders()
    if args.json:
        print_json([{"path": f.path, "files": f.file_count} for f in folders])
        return 0
    if not folders:
        print("no library folders yet (motis index FOLDER)")
    for folder in folders:
        print(f"{folder.file_count:7d}  {one_line(folder.path)}")
    return 0


def _config(services: Services, args: argparse.Namespace) -> int:
    """``motis config [SETTING [VALUE]]``: change a setting when given a value, then show it (no SETTING: all)."""
    if args.config_command == "text" and args.state:
        services.set_text_reading(args.state == "on")
    if args.config_command == "index" and args.strategy:
        services.set_index_strategy(args.strategy)
    if args.config_command in (None, "index"):
        print(f"index strategy: {services.index_strategy()}")
    if args.config_command in (None, "text"):
        print(f"read text in photos: {'on' if services.text_reading() else 'off'}")
    return 0


def _text(services: Services, args: argparse.Namespace) -> int:
    for photo in args.photos:
        if os.path.isdir(photo):
            raise MotisError(
                f"{photo} is a folder: give its photos (e.g. {os.path.join(photo, '*.jpg')}), "
                "or search the text read in the library with: motis search 'text:WORDS'"
            )
    results = [services.photo_text(photo) for photo in args.photos]
    if args.json:
        print_json([r.to_json() for r in results])
        return 0
    for result in results:
        if len(results) > 1:
            print(f"== {result.path}")
        if result.lines:
            print(result.text)
        else:
            print("(no text found)", file=sys.stderr)
    return 0
