"""``motis``: index folders and search photos from the terminal.

Exit codes: 0 ok, 1 a problem the user can fix (one line, no traceback),
2 usage error (argparse, a query's syntax), 130 interrupted, 141 stdout's reader went away (``| head``).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence

from motis_desktop import __version__
from motis_desktop.cli.commands import NOTHING_INDEXED, fail, fail_with, handlers, os_error, run_command
from motis_desktop.cli.folder_move import cancelled_line
from motis_desktop.cli.interrupts import release_interrupts, stop_on_terminate, was_interrupted
from motis_desktop.cli.parser import build_parser, parse_command_line
from motis_desktop.cli.server import QueryService
from motis_desktop.cli.streams import HELPER_PIPE, quiet_on_closed_pipe, set_up_streams, stdout_reader_gone
from motis_desktop.core.errors import MotisError, user_message
from motis_desktop.core.services import (
    EMPTY_HOME,
    Services,
)

__all__ = ["main", "run_command"]  # run_command lives in cli.commands (kept here for older imports)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``motis ARGV`` (default: the process's arguments); returns the exit code."""
    multiprocessing.freeze_support()  # decoder worker processes inside a frozen (PyInstaller) build
    set_up_streams()
    return quiet_on_closed_pipe(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parse_command_line(parser, argv)
    if getattr(args, "home", None) is not None and not args.home.strip():
        parser.error(EMPTY_HOME)
    if os.environ.get("MOTIS_DEBUG"):
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    if args.self_test:
        return _self_test()
    if args.command is None:
        parser.error("a COMMAND is required (or --self-test)")
    try:
        if args.command != "index":  # 'motis index' holds a Ctrl+C until just before its indexer starts
            release_interrupts()
        services = Services.open(getattr(args, "home", None), create=_makes_home(args))
        services.open_library()  # if damaged, set aside and restart before anything else
    except KeyboardInterrupt:
        return _interrupted(args)
    except MotisError as exc:
        return fail(user_message(exc))
    except OSError as exc:
        return fail(os_error(exc))
    notice = services.recovery_notice()
    if notice:
        print(f"motis: warning: {notice}", file=sys.stderr)
    if services.privacy_warning and _writes(args):  # QA walk 6: 5 searches, 5 warnings
        print(f"motis: warning: {services.privacy_warning}", file=sys.stderr)
    try:
        return {**handlers(), "serve": _serve}[args.command](services, args)
    except MotisError as exc:
        return fail_with(exc)
    except BrokenPipeError:
        if stdout_reader_gone():  # stdout's reader has gone: main ends quietly
            raise
        print(HELPER_PIPE, file=sys.stderr)  # one of our own pipes (a decoder process's): a failure, said
        return 1
    except OSError as exc:  # permissions, a full or read-only disk: the path and the reason, no traceback
        if os.environ.get("MOTIS_DEBUG"):
            raise
        return fail(os_error(exc))
    except KeyboardInterrupt:
        print("motis: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line unless debugging
        if was_interrupted():  # e.g. the ImportError of an extension module whose import Ctrl+C interrupted
            print("motis: interrupted", file=sys.stderr)
            return 130
        if os.environ.get("MOTIS_DEBUG"):
            raise
        return fail(f"{user_message(exc)} (set MOTIS_DEBUG=1 for details)")
    finally:
        services.close()


def _makes_home(args: argparse.Namespace) -> bool:
    """Whether the command may start a library in a home that does not exist yet: the ones that add to it
    (index, watch, installing a model (import, download, the demo), changing a setting). The others only read: a
    mistyped --home or MOTIS_HOME says "no library at …" instead of making an empty one there."""
    if args.command in ("index", "watch"):
        return True
    if args.command == "models":
        return args.models_command in ("import", "download", "demo")
    if args.command == "config":
        return getattr(args, "strategy", None) is not None or getattr(args, "state", None) is not None
    return False


def _writes(args: argparse.Namespace) -> bool:
    """Whether the command writes to the library (index, watch, models but list/available/bench, folders remove and
    forget-removed, move, a setting changed): those say that others can read the home; searches and status do not."""
    if args.command == "models":
        return args.models_command not in (None, "list", "available", "bench")
    if args.command == "folders":
        return args.folders_command in ("remove", "forget-removed", "move")
    return _makes_home(args)


def _interrupted(args: argparse.Namespace) -> int:
    """Ctrl+C while the library opened: before any command began (``motis index``: before its indexer)."""
    if args.command == "folders" and args.folders_command == "move":
        print(cancelled_line(args.old), file=sys.stderr)
        return 130
    said = f": {NOTHING_INDEXED}; run 'motis index' again to continue" if args.command == "index" else ""
    print(f"motis: interrupted{said}", file=sys.stderr)
    return 130


def _serve(services: Services, args: argparse.Namespace) -> int:
    service = QueryService(services, idle_exit_s=args.idle_exit)
    service.bind()
    try:
        started = time.perf_counter()
        service.warm_up()
        print(
            f"serving 'motis search' for {services.home} at {service.path} "
            f"(ready in {time.perf_counter() - started:.1f} s; Ctrl+C stops)",
            flush=True,
        )
        service.serve()
    finally:
        service.close()
    return 0


def _self_test() -> int:
    from motis_desktop.core.selftest import CheckResult, run_self_test

    def show(check: CheckResult) -> None:
        mark = "ok  " if check.ok else "FAIL"
        print(f"  {mark} {check.name:30} {check.seconds:6.1f} s  {check.detail}", flush=True)

    print(f"motis {__version__} self-test ({sys.executable})", flush=True)
    try:
        report = run_self_test(on_check=show)
    except Exception as exc:  # e.g. no temporary folder: still one line
        return fail(f"self-test could not run: {type(exc).__name__}: {exc}")
    if report.failure is not None:
        return fail(f"self-test failed: {report.failure.name}: {report.failure.detail}")
    print(f"self-test passed: {len(report.checks)} checks in {sum(c.seconds for c in report.checks):.1f} s")
    return 0


if __name__ == "__main__":
    stop_on_terminate()  # as the `motis` command does (cli.entry)
    sys.exit(main())
