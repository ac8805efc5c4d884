"""``motis``: index folders and search photos from the terminal.

Exit codes: 0 ok, 1 a problem the user can fix (one line, no traceback),
2 usage error (argparse), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from motis_desktop import __version__
from motis_desktop.cli.progress import ByteProgress, ProgressBar
from motis_desktop.core.errors import MotisError, user_message
from motis_desktop.core.services import (
    EMPTY_HOME,
    SYNTAX_HELP,
    ModelInfo,
    PreprocessConfig,
    Services,
    format_date,
)
from motis_desktop.core.services import STRATEGY_CHOICES as CHOICES


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--home", default=argparse.SUPPRESS, help="app data folder (default: $MOTIS_HOME or the platform data folder)"
    )
    parser = argparse.ArgumentParser(
        prog="motis", parents=[common], description="Find photos on your disk by describing them in words."
    )
    parser.add_argument("--version", action="version", version=f"motis {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation (no network, no model needed): build a tiny model, index and search "
        "generated photos in a temporary folder; exit 0 if all is well",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    models = sub.add_parser("models", parents=[common], help="install and choose models")
    msub = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    imp = msub.add_parser("import", parents=[common], help="install model files from disk")
    imp.add_argument("--name", required=True, help="name to install the model under")
    imp.add_argument("--image", help="image-tower TorchScript file (seed format)")
    imp.add_argument("--text", help="text-tower TorchScript file (seed format)")
    imp.add_argument(
        "--checkpoint",
        help="OpenAI/open_clip ViT state dict (.safetensors, .pt, .bin), or an open_clip Hugging Face folder "
        "(open_clip_config.json + open_clip_model.safetensors [+ tokenizer.json]: SigLIP2, MobileCLIP/MobileCLIP2)",
    )
    imp.add_argument("--replace", action="store_true", help="replace an installed model of that name")
    imp.add_argument(
        "--image-size",
        type=int,
        help="input size of a TorchScript image tower (default: preprocess.json beside it, else 224)",
    )
    lst = msub.add_parser("list", parents=[common], help="list installed models")
    lst.add_argument("--json", action="store_true")
    use = msub.add_parser("use", parents=[common], help="choose the active model")
    use.add_argument("name")
    rem = msub.add_parser("remove", parents=[common], help="delete an installed model")
    rem.add_argument("name")
    avail = msub.add_parser("available", parents=[common], help="models that can be downloaded")
    avail.add_argument("--json", action="store_true")
    dl = msub.add_parser("download", parents=[common], help="download and install a model from the registry")
    dl.add_argument("name")
    dl.add_argument("--timeout", type=float, default=30.0, help="seconds without data before giving up")
    dl.add_argument("--replace", action="store_true", help="replace an installed model of that name")
    bench = msub.add_parser(
        "bench",
        parents=[common],
        help="measure each tower of a model in fp32 and int8 here and choose the fastest faithful mode",
    )
    bench.add_argument("name", nargs="?", help="model name (default: the active model)")
    bench.add_argument("--json", action="store_true", help="print the choice and table as one JSON object")
    exp = msub.add_parser("export", parents=[common], help="write a model as a seed-format TorchScript pair")
    exp.add_argument("name")
    exp.add_argument("--out", required=True, help="output folder")

    ev = sub.add_parser("eval", parents=[common], help="retrieval recall (R@1/5/10) on a captioned image set")
    ev.add_argument("--captions", required=True, help="Karpathy-split JSON or COCO captions_*.json")
    ev.add_argument("--images", required=True, help="folder holding the images")
    ev.add_argument("--model", help="model name (default: the active model)")
    ev.add_argument("--split", default="test", help="Karpathy split to use (default test; 'all' for every image)")
    ev.add_argument("--json", action="store_true", help="print one JSON object")

    idx = sub.add_parser("index", parents=[common], help="add folders and bring the index up to date")
    idx.add_argument("folders", nargs="*", metavar="FOLDER", help="folders to add (default: the library's)")
    idx.add_argument("--model", help="model name (default: the active model)")
    idx.add_argument("--batch-size", type=_positive_int, default=16, help="photos encoded together (default 16)")
    idx.add_argument(
        "--no-text", action="store_true", help="do not read the words in photos this time (see 'motis config text')"
    )
    idx.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    wat = sub.add_parser(
        "watch", parents=[common], help="keep the library current while it runs: index changes as they happen"
    )
    wat.add_argument("--model", help="model name (default: the active model)")
    wat.add_argument("--json", action="store_true", help="one JSON object per indexing run or folder status change")

    srch = sub.add_parser(
        "search",
        parents=[common],
        help="search photos by text, by example image, with filters",
        description="Search the library. By default only the photos that stand out from the rest for the query "
        "are shown (a relevance cut-off); -k N shows the top N, --all every photo that passes the filters.",
        epilog=SYNTAX_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    srch.add_argument("text", nargs="?", default="", help="the query (see the syntax below); quote it in the shell")
    srch.add_argument("--image", metavar="FILE", help="an image file as (one more) query term: find photos like it")
    srch.add_argument("-k", type=_positive_int, help="show the top K results, without the relevance cut-off")
    srch.add_argument("--all", action="store_true", help="show every photo that passes the filters, ranked")
    srch.add_argument("--model", help="model name (default: the active model)")
    srch.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of {path, score, date, date_source, fused, matches} (date: local time; "
        "matches: the words found in the photo's text with their boxes, or in its name)",
    )
    srch.add_argument(
        "--index",
        choices=CHOICES,
        help="vector index strategy for this search "
        "(default: the configured one, 'auto' unless set with 'motis config index')",
    )

    serve = sub.add_parser(
        "serve",
        parents=[common],
        help="keep the model loaded and answer 'motis search' from other shells (this user only)",
    )
    serve.add_argument(
        "--idle-exit", type=float, default=0.0, metavar="SECONDS", help="stop after this long without queries"
    )

    cfg = sub.add_parser("config", parents=[common], help="show or change settings")
    csub = cfg.add_subparsers(dest="config_command", required=True, metavar="SETTING")
    cidx = csub.add_parser("index", parents=[common], help="default vector index strategy")
    cidx.add_argument("strategy", nargs="?", choices=CHOICES)
    ctext = csub.add_parser("text", parents=[common], help="read the words in photos while indexing (on by default)")
    ctext.add_argument("state", nargs="?", choices=("on", "off"))

    txt = sub.add_parser(
        "text",
        parents=[common],
        help="print the text in photos (what indexing read; photos not read yet are read now)",
    )
    txt.add_argument("photos", nargs="+", metavar="PHOTO")
    txt.add_argument("--json", action="store_true", help="print a JSON list of {path, text, lines: [{text, box}]}")

    fold = sub.add_parser("folders", parents=[common], help="list or remove library folders")
    fsub = fold.add_subparsers(dest="folders_command", required=True, metavar="ACTION")
    flist = fsub.add_parser("list", parents=[common], help="the library's folders and their photo counts")
    flist.add_argument("--json", action="store_true")
    frem = fsub.add_parser(
        "remove", parents=[common], help="forget a folder and its photos (files on disk are never touched)"
    )
    frem.add_argument("path")

    st = sub.add_parser("status", parents=[common], help="library folders, counts and active model")
    st.add_argument("--json", action="store_true")
    return parser


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()  # decoder worker processes inside a frozen (PyInstaller) build
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")  # file names that are not valid UTF-8
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "search" and not args.text.strip() and not args.image:
        parser.error("search needs a query, e.g. motis search 'red car', or --image FILE (see motis search --help)")
    if getattr(args, "home", None) is not None and not args.home.strip():
        parser.error(EMPTY_HOME)
    if os.environ.get("MOTIS_DEBUG"):
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    if args.self_test:
        return _self_test()
    if args.command is None:
        parser.error("a COMMAND is required (or --self-test)")
    try:
        services = Services.open(getattr(args, "home", None))
        services.open_library()  # if damaged, set aside and restart before anything else
    except MotisError as exc:
        return _fail(user_message(exc))
    except OSError as exc:
        return _fail(_os_error(exc))
    notice = services.recovery_notice()
    if notice:
        print(f"motis: warning: {notice}", file=sys.stderr)
    if services.privacy_warning:
        print(f"motis: warning: {services.privacy_warning}", file=sys.stderr)
    try:
        return _handlers()[args.command](services, args)
    except MotisError as exc:
        return _fail(user_message(exc))
    except OSError as exc:  # permissions, a full or read-only disk: the path and the reason, no traceback
        if os.environ.get("MOTIS_DEBUG"):
            raise
        return _fail(_os_error(exc))
    except KeyboardInterrupt:
        print("motis: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line unless debugging
        if os.environ.get("MOTIS_DEBUG"):
            raise
        return _fail(f"{user_message(exc)} (set MOTIS_DEBUG=1 for details)")
    finally:
        services.close()


def _handlers() -> dict[str, Any]:
    return {
        "models": _models,
        "index": _index,
        "watch": _watch,
        "search": _search,
        "status": _status,
        "folders": _folders,
        "config": _config,
        "eval": _eval,
        "serve": _serve,
        "text": _text,
    }


def run_command(services: Services, argv: Sequence[str]) -> int:
    """Parse and run one command on an open ``Services`` (the query service runs searches with it)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "search" and not args.text.strip() and not args.image:
            parser.error("search needs a query, e.g. motis search 'red car', or --image FILE (see motis search --help)")
    except SystemExit as exc:  # argparse printed the usage error
        return exc.code if isinstance(exc.code, int) else 2
    if args.command != "search":
        return _fail("the query service only runs 'search'")
    try:
        return _handlers()[args.command](services, args)
    except MotisError as exc:
        return _fail(user_message(exc))
    except Exception as exc:  # a bug: one line, the service keeps running
        logging.getLogger(__name__).exception("query service: search failed")
        return _fail(f"internal error: {type(exc).__name__}: {exc}")


def _serve(services: Services, args: argparse.Namespace) -> int:
    from motis_desktop.cli.server import QueryService

    service = QueryService(services, idle_exit_s=args.idle_exit)
    service.bind()
    try:
        started = time.perf_counter()
        service.warm_up()
        print(
            f"serving 'motis search' for {services.home} at {service.path} "
            f"(ready in {time.perf_counter() - started:.1f} s; Ctrl-C stops)",
            flush=True,
        )
        service.serve()
    finally:
        service.close()
    return 0


def _fail(message: str) -> int:
    print(f"motis: error: {message}", file=sys.stderr)
    return 1


def _os_error(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


def _self_test() -> int:
    from motis_desktop.core.selftest import CheckResult, run_self_test

    def show(check: CheckResult) -> None:
        mark = "ok  " if check.ok else "FAIL"
        print(f"  {mark} {check.name:30} {check.seconds:6.1f} s  {check.detail}", flush=True)

    print(f"motis {__version__} self-test ({sys.executable})", flush=True)
    try:
        report = run_self_test(on_check=show)
    except Exception as exc:  # e.g. no temporary folder: still one line
        return _fail(f"self-test could not run: {type(exc).__name__}: {exc}")
    if report.failure is not None:
        return _fail(f"self-test failed: {report.failure.name}: {report.failure.detail}")
    print(f"self-test passed: {len(report.checks)} checks in {sum(c.seconds for c in report.checks):.1f} s")
    return 0


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=None))


def _models(services: Services, args: argparse.Namespace) -> int:
    action = args.models_command
    if action == "import":
        if args.checkpoint and (args.image or args.text):
            raise MotisError("give either --checkpoint or --image and --text, not both")
        if args.checkpoint:
            info = services.import_checkpoint(args.checkpoint, args.name, replace=args.replace)
        elif args.image and args.text:
            print("note: TorchScript files can run code; import only files you trust.", file=sys.stderr)
            config = PreprocessConfig(size=args.image_size) if args.image_size is not None else None
            info = services.import_pair(args.image, args.text, args.name, config, replace=args.replace)
        else:
            raise MotisError("give --image and --text (TorchScript pair) or --checkpoint FILE")
        _print_conversions(info)
        print(f"installed model {info.name!r} ({info.source_format}, {info.embed_dim}-d, id {info.model_id})")
        _print_licence_notice(info)
        return 0
    if action == "list":
        active = services.active_model()
        infos = services.installed_models()
        if args.json:
            _print_json([{**i.to_json(), "active": active is not None and i.name == active.name} for i in infos])
            return 0
        if not infos:
            print("no models installed (see 'motis models available' and 'motis models download NAME')")
        for info in infos:
            mark = "*" if active and info.name == active.name else " "
            fmt = info.source_format or info.format  # what was imported; every model runs as ONNX towers
            print(f"{mark} {info.name:20} {fmt:18} {info.embed_dim:5}-d  {info.size_bytes / 1e6:8.1f} MB")
        return 0
    if action == "use":
        return _models_use(services, args)
    if action == "remove":
        services.remove_model(args.name)
        print(f"removed model {args.name!r}")
        return 0
    if action == "available":
        return _models_available(services, args)
    if action == "download":
        return _models_download(services, args)
    if action == "bench":
        return _models_bench(services, args)
    if action == "export":
        image, text = services.export_model(args.name, args.out)
        print(f"wrote {image} and {text}")
        return 0
    raise AssertionError(action)


def _models_bench(services: Services, args: argparse.Namespace) -> int:
    info = services.model_info(args.name)
    if not args.json:
        print(
            f"measuring fp32 and int8 of each tower of {info.name} (a minute or more for a ViT-B model)...",
            file=sys.stderr,
        )
    choice = services.bench_model(info.name)
    if args.json:
        _print_json({"model": info.name, **choice})
        return 0
    print(f"{'tower':5} {'mode':5} {'speed':>13} {'cos min':>9} {'agreement':>9} {'pairs':>6}  verdict")
    for row in choice["results"]:
        if not row["available"]:
            print(f"{row['role']:5} {row['mode']:5} {'-':>13} {'-':>9} {'-':>9} {'-':>6}  unavailable: {row['reason']}")
            continue
        speed = f"{row['speed']:.1f} img/s" if row["role"] == "image" else f"{row['speed']:.2f} ms"
        chosen = choice["modes"][row["role"]] == row["mode"]
        verdict = "chosen" if chosen else ("ok" if row["faithful"] else "rejected")
        print(
            f"{row['role']:5} {row['mode']:5} {speed:>13} {row['cos_min']:9.5f} {row['agreement']:9.4f} "
            f"{row['resolvable_pairs']:6d}  {verdict}"
        )
    rule = choice["rule"]
    print(
        f"chosen: image {choice['modes']['image']}, text {choice['modes']['text']} (per tower, the fastest with "
        f"cosine >= {rule['min_cosine']} to fp32 and >= {rule['min_agreement']:.0%} of the probe pairs fp32 tells "
        f"apart by more than {rule['gap_factor']:g}x the mode's error ordered alike; {choice['probe_photos']} probe "
        "photos)"
    )
    return 0


def _models_use(services: Services, args: argparse.Namespace) -> int:
    """Switch the active model: the previous one answers searches until the new one covers the library."""
    info = services.model_info(args.name)
    _print_licence_notice(info)
    plan = services.plan_model_switch(info.name)
    print(plan.describe(), file=sys.stderr)
    bar = ProgressBar()
    cancel = threading.Event()
    try:
        result = services.switch_model(info.name, progress=bar, cancel=cancel, plan=plan)
    except KeyboardInterrupt:
        cancel.set()
        raise
    finally:
        bar.close()
    if result.switched:
        print(f"active model: {result.active}" + (f" (encoded {result.encoded} photos)" if result.encoded else ""))
        return 0
    why = "cancelled" if result.cancelled else "not every photo could be encoded"
    print(f"{why}: {result.active} stays the active model ({info.name} keeps the {result.encoded} photos it encoded)")
    return 1


def _print_licence_notice(info: ModelInfo) -> None:
    """Models whose weights carry a restrictive licence (MobileCLIP: research only) say so before use."""
    notice = info.origin.get("open_clip", {}).get("license_notice")
    if notice:
        print(f"licence: {notice}")


def _print_conversions(info: ModelInfo) -> None:
    """Say which towers were mobile-optimized files converted to plain TorchScript, and the ONNX conversion."""
    for role, c in sorted(info.origin.get("converted", {}).items()):
        ops = ", ".join(f"{n} {op.split('::')[-1]}" for op, n in sorted(c["ops"].items()))
        n = c["op_contexts"]
        what = f"{n} XNNPACK op context{'' if n == 1 else 's'}; {ops}"
        print(f"converted {role} tower to plain TorchScript in {c['seconds']:.2f} s ({what})")
    conv = info.conversion
    if conv:
        cos = conv.get("cosine_to_torch", {})
        int8 = ", ".join(k.split(".")[0] for k in conv.get("int8", [])) or "none"
        print(
            f"converted to ONNX towers in {conv.get('seconds', 0):.1f} s (cosine to torch: image "
            f"{cos.get('image', 0):.6f}, text {cos.get('text', 0):.6f}; int8 towers: {int8})"
        )


def _models_available(services: Services, args: argparse.Namespace) -> int:
    installed = {m.name for m in services.installed_models()}
    models = services.available_models()
    if args.json:
        _print_json([{**m.to_json(), "installed": m.name in installed} for m in models])
        return 0
    width = max((len(m.name) for m in models), default=16)
    pad = " " * width
    for m in models:
        flags = ", ".join(
            x for x in ("recommended" if m.recommended else "", "installed" if m.name in installed else "") if x
        )
        size = "import only" if m.import_only else f"{m.size / 1e6:7.0f} MB"
        print(f"{m.name:{width}} {size:>10}  {m.display_name}" + (f"  [{flags}]" if flags else ""))
        print(f"{pad} {m.notes}")
        if m.import_only:
            print(f"{pad} import your own copy; research licence")
        if m.languages:
            print(f"{pad} languages: {m.languages}")
        if m.quality:
            print(f"{pad} quality: {m.quality}" + (f" (source: {m.quality_source})" if m.quality_source else ""))
        if m.license:
            print(f"{pad} licence: {m.license}")
        if m.disk_note:
            print(f"{pad} disk: {m.disk_note}")
        for f in m.files:
            size = f"{f.size / 1e6:.0f} MB" if f.size else "size unknown"
            r10 = "" if m.format != "torchscript-pair" else f", R@10 {f.r_at_10 or 'not published'}"
            print(f"{pad} {f.role}: {f.tower or f.description} ({size}{r10}) {f.url}")
    if any(m.name.startswith("motis-") and "." in m.name for m in models):
        print("\nThe motis-IMAGE.TEXT entries combine the seed's published image and text files; only pairs")
        print("marked 'Measured by the seed' were evaluated by it. Install one with: motis models download NAME")
    return 0


def _models_download(services: Services, args: argparse.Namespace) -> int:
    bar = ByteProgress()
    try:
        info = services.download_model(args.name, bar, timeout_s=args.timeout, replace=args.replace)
    finally:
        bar.close()
    _print_conversions(info)
    print(f"installed model {info.name!r} ({info.source_format}, {info.embed_dim}-d)")
    for f in info.origin.get("files", []):
        check = {
            "pinned": "matches the pinned sha256",
            "server": "matches the server's sha256",
            "none": "no published checksum: recorded",
        }[f["verified_by"]]
        print(f"  {f['role']}: {f['size']} bytes, sha256 {f['sha256']} ({check})")
    return 0


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
        _print_json(result)
        return 0
    for item in result["skipped"]:
        print(f"  skipped {item['path']}: {item['reason']}", file=sys.stderr)
    print(f"{result['n_images']} images, {result['n_captions']} captions, {len(result['skipped'])} images skipped")
    print("text→image  R@1 {t2i_r1:5.1f}  R@5 {t2i_r5:5.1f}  R@10 {t2i_r10:5.1f}".format(**result))
    print("image→text  R@1 {i2t_r1:5.1f}  R@5 {i2t_r5:5.1f}  R@10 {i2t_r10:5.1f}".format(**result))
    return 0


def _index(services: Services, args: argparse.Namespace) -> int:
    services.encoder(args.model)  # fail fast (and before touching the library) without a model
    services.add_folders(args.folders)
    if not services.folders():
        raise MotisError("the library has no folders yet: give one, e.g. 'motis index ~/Pictures'")
    bar = ProgressBar()
    cancel = threading.Event()
    try:
        summary = services.index(
            args.model,
            progress=bar,
            cancel=cancel,
            batch_size=args.batch_size,
            read_text=False if args.no_text else None,
        )
    finally:
        bar.close()
    if not summary.cancelled:
        services.update_search_index(args.model)  # bring the vector index up to date now
    if args.json:
        _print_json(summary.to_json())
        return 0
    print(
        f"encoded {summary.encoded}, unchanged {summary.unchanged}, renamed {summary.renamed}, "
        f"removed {summary.removed}, skipped {len(summary.skipped)} ({summary.elapsed_s:.1f} s)"
    )
    for item in summary.skipped:
        print(f"  skipped {item.path}: {item.reason}")
    if summary.text_read or summary.text_failed:
        print(f"read the text of {summary.text_read} photo(s), {len(summary.text_failed)} could not be read")
    for item in summary.text_failed:
        print(f"  text not read {item.path}: {item.reason}")
    return 0


def _watch(services: Services, args: argparse.Namespace) -> int:
    """Index once, then after each burst of changes in the library folders, until Ctrl+C."""
    services.encoder(args.model)
    if not services.folders():
        raise MotisError("the library has no folders yet: add one with 'motis index FOLDER'")
    stop = threading.Event()

    def ran(summary: Any) -> None:
        if args.json:
            print(json.dumps(summary.to_json()), flush=True)
        else:
            print(
                f"encoded {summary.encoded}, unchanged {summary.unchanged}, renamed {summary.renamed}, "
                f"removed {summary.removed}, skipped {len(summary.skipped)} ({summary.elapsed_s:.1f} s)",
                flush=True,
            )

    def status(root: str, online: bool) -> None:
        if args.json:
            print(json.dumps({"folder": root, "online": online}), flush=True)
        else:
            print(f"{root}: {'online' if online else 'offline (its photos are kept)'}", flush=True)

    if not args.json:
        print("watching the library folders; Ctrl+C stops", file=sys.stderr)
    try:
        services.watch_and_index(stop, ran, args.model, on_status=status)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
    return 0


def _search(services: Services, args: argparse.Namespace) -> int:
    if args.k is not None and args.all:
        raise MotisError("give -k N or --all, not both")
    result = services.query(
        args.text,
        limit=args.k,
        cutoff=args.k is None and not args.all,
        model=args.model,
        image=args.image,
        strategy=args.index,
    )
    used, limit = services.query_overflow(args.text, args.model)
    if used > limit:
        print(
            f"motis: warning: the query takes {used} tokens but the model reads only {limit}; "
            f"the last {used - limit} were ignored",
            file=sys.stderr,
        )
    if args.json:
        _print_json([h.to_json() for h in result.hits])
        return 0
    if result.cancelled:
        print("the query's terms cancel out: nothing to search for")
        return 0
    if not result.hits:
        if result.candidates == 0:
            print("no photos to search: none indexed yet, or none pass the filters (run 'motis index FOLDER')")
        else:
            print(f"no good matches among {result.candidates} photos (-k N or --all shows the closest anyway)")
        return 0
    for hit in result.hits:
        date = format_date(hit.taken_at)[:10] if hit.taken_at is not None else ""
        said = "; ".join(f"{m.kind}: {m.text}" for m in hit.matches)
        print(f"{hit.score:7.4f}  {date:10}  {hit.path}" + (f"  [{said}]" if said else ""))
    if result.cutoff is not None and result.more:
        print(f"({len(result.hits)} stand out; {result.more} more below the cut-off: -k N or --all)", file=sys.stderr)
    return 0


def _folders(services: Services, args: argparse.Namespace) -> int:
    if args.folders_command == "remove":
        removed = services.remove_folder(args.path)
        print(f"forgot {args.path} and its {removed} photo(s); no files were deleted")
        return 0
    folders = services.folders()
    if args.json:
        _print_json([{"path": f.path, "files": f.file_count} for f in folders])
        return 0
    if not folders:
        print("no library folders yet (motis index FOLDER)")
    for folder in folders:
        print(f"{folder.file_count:7d}  {folder.path}")
    return 0


def _config(services: Services, args: argparse.Namespace) -> int:
    if args.config_command == "text":
        if args.state:
            services.set_text_reading(args.state == "on")
        print(f"read text in photos: {'on' if services.text_reading() else 'off'}")
        return 0
    if args.strategy:
        services.set_index_strategy(args.strategy)
    print(f"index strategy: {services.index_strategy()}")
    return 0


def _text(services: Services, args: argparse.Namespace) -> int:
    results = [services.photo_text(photo) for photo in args.photos]
    if args.json:
        _print_json([r.to_json() for r in results])
        return 0
    for result in results:
        if len(results) > 1:
            print(f"== {result.path}")
        if result.lines:
            print(result.text)
        else:
            print("(no text found)", file=sys.stderr)
    return 0


def _status(services: Services, args: argparse.Namespace) -> int:
    active = services.active_model()
    counts = services.counts(active.model_id if active else None)
    folders = services.folders()
    data = {
        "home": str(services.home),
        "active_model": active.name if active else None,
        "model_id": active.model_id if active else None,
        "models": [m.name for m in services.installed_models()],
        "index_strategy": services.index_strategy(),
        "folders": [{"path": f.path, "files": f.file_count} for f in folders],
        **counts,
        "text": {"reading": services.text_reading(), **services.text_status()},
    }
    if args.json:
        _print_json(data)
        return 0
    print(f"home:    {data['home']}")
    print(f"model:   {data['active_model'] or 'none installed (motis models download NAME, or motis models import)'}")
    print(f"index:   {data['index_strategy']}")
    print(f"photos:  {counts['files']} files, {counts['indexed']} indexed, {counts['errors']} with errors")
    text = services.text_status()
    print(
        f"text:    {'read while indexing' if services.text_reading() else 'not read (motis config text on)'}; "
        f"{text['read']} read, {text['with_text']} with text, {text['failed']} failed"
    )
    print("folders:" + ("" if folders else " none yet (motis index FOLDER)"))
    for folder in folders:
        print(f"  {folder.path}  ({folder.file_count} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
