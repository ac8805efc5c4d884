"""The ``motis models`` commands: list, import, download, demo, use, remove, export, bench and available."""

from __future__ import annotations

import argparse
import sys
import threading

from motis_desktop.cli.output import print_json
from motis_desktop.cli.progress import ByteProgress, ProgressBar
from motis_desktop.core.errors import DownloadError, DownloadProblem, MotisError
from motis_desktop.core.formatting import count, format_size
from motis_desktop.core.models.demo import is_demo
from motis_desktop.core.models.naming import import_name
from motis_desktop.core.services import (
    ModelInfo,
    PreprocessConfig,
    Progress,
    ProgressPhase,
    RegistryModel,
    Services,
    SwitchPlan,
)


def models_command(services: Services, args: argparse.Namespace) -> int:
    """Run one `motis models` subcommand; returns the exit code."""
    action = args.models_command
    if action == "import":
        files = [args.checkpoint] if args.checkpoint else [args.image, args.text]
        name = args.name or import_name(files, (m.name for m in services.installed_models()))  # as the window's
        if args.checkpoint:  # the parser refused any other combination (parser.parse_command_line)
            info = services.import_checkpoint(args.checkpoint, name, replace=args.replace)
        else:
            print("note: TorchScript files can run code; import only files you trust.", file=sys.stderr)
            config = PreprocessConfig(size=args.image_size) if args.image_size is not None else None
            info = services.import_pair(args.image, args.text, name, config, replace=args.replace)
        _print_conversions(info)
        print(f"installed model {info.name!r} ({info.source_format}, {info.embed_dim}-d, id {info.model_id})")
        _print_licence_notice(info)
        _print_takeover(services, info)
        return 0
    if action == "list":
        active = services.active_model()
        infos = services.installed_models()
        if args.json:
            print_json([{**i.to_json(), "active": active is not None and i.name == active.name} for i in infos])
            return 0
        if not infos:
            print("no models installed (see 'motis models available' and 'motis models download NAME')")
        for info in infos:
            mark = "*" if active and info.name == active.name else " "
            print(f"{mark} {info.name:20} {_format(info):30} {info.embed_dim:5}-d  {format_size(info.size_bytes):>8}")
        for w in services.waiting_downloads():
            print(
                f"unfinished download of {w.model} ({format_size(w.done)} so far, in {w.folder}): "
                f"'motis models download {w.model}' resumes it"
            )
        return 0
    if action == "use":
        return _models_use(services, args)
    if action == "remove":
        return _models_remove(services, args)
    if action == "available":
        return _models_available(services, args)
    if action == "download":
        return _models_download(services, args)
    if action == "demo":
        return _models_demo(services)
    if action == "bench":
        return _models_bench(services, args)
    if action == "export":
        image, text = services.export_model(args.name, args.out)
        print(f"wrote {image} and {text}")
        return 0
    raise AssertionError(action)


def _models_remove(services: Services, args: argparse.Namespace) -> int:
    """Delete a model; the active one only once confirmed (a terminal's y, or ``--yes``): QA removed the model the
    open window searched with, unasked."""
    active = services.active_model()
    if active is not None and active.name == args.name and not args.yes and not _confirmed(services, args.name):
        return 1
    removed = services.remove_model(args.name)
    if not removed.was_active:
        print(f"removed model {removed.name!r}")
    elif removed.active:
        print(f"removed model {removed.name!r}; the active model is now {removed.active!r}")
    else:
        print(
            f"removed model {removed.name!r}; no model is installed now: get one with "
            "'motis models download NAME' (see 'motis models available') or 'motis models import'"
        )
    return 0


def _confirmed(services: Services, name: str) -> bool:
    """Ask on a terminal whether to remove ``name``, the active model, saying what happens; refuse, in one line,
    where no one can answer (a script: it adds --yes)."""
    if not _interactive():
        print(f"motis: error: {name!r} is the active model: add --yes to remove it anyway", file=sys.stderr)
        return False
    others = [m.name for m in services.installed_models() if m.name != name]
    then = (
        f"{others[0]!r} becomes the active model (photos it has not encoded yet are encoded by the next 'motis index')"
        if others
        else "search needs a model until you install or choose another"
    )
    print(
        f"{name!r} is the model your library searches with: {then}; the photos' vectors of {name!r} are kept and "
        "come back if you import the same model again.",
        file=sys.stderr,
    )
    try:
        answer = input(f"remove {name!r}? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() in ("y", "yes"):
        return True
    print("nothing removed", file=sys.stderr)
    return False


def _interactive() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (OSError, ValueError):  # a closed or replaced stdin
        return False


def _models_bench(services: Services, args: argparse.Namespace) -> int:
    info = services.model_info(args.name)
    if not args.json:
        print(
            f"measuring fp32 and int8 of each tower of {info.name} (a minute or more for a ViT-B model)...",
            file=sys.stderr,
        )
    choice = services.bench_model(info.name)
    if args.json:
        print_json({"model": info.name, **choice})
        return 0
    print(f"{'tower':5} {'mode':5} {'speed':>13} {'cos min':>9} {'agreement':>9} {'pairs':>6}  verdict")
    for row in choice["results"]:
        if not row["available"]:
            print(f"{row['role']:5} {row['mode']:5} {'-':>13} {'-':>9} {'-':>9} {'-':>6}  unavailable: {row['reason']}")
            continue
        speed = f"{row['speed']:.1f} photos/s" if row["role"] == "image" else f"{row['speed']:.2f} ms"
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
    active = services.active_model()
    if active is not None and active.name == info.name:  # no plan to show, no speed to measure
        services.use_model(info.name)  # saves the choice if it was only implied; a saved one writes nothing
        print(f"{info.name} is already the active model")
        return 0
    _print_licence_notice(info)
    plan = services.plan_model_switch(info.name)
    print(plan.describe(), file=sys.stderr)
    bar = ProgressBar()
    cancel = threading.Event()
    try:
        result = services.switch_model(info.name, progress=bar, cancel=cancel, plan=plan)
    except KeyboardInterrupt:
        cancel.set()
        bar.close()
        print(f"motis: interrupted: {_switch_kept(services, plan, bar.latest)}", file=sys.stderr)
        return 130
    finally:
        bar.close()
    if result.switched:
        work = result.work()
        print(f"active model: {result.active}" + (f" ({work})" if work else ""))
        if result.waiting:  # an offline folder's photos (QA walk 6: said nowhere)
            print(result.waiting)
        return 0
    why = "cancelled" if result.cancelled else "not every photo could be encoded"
    kept = count(result.encoded, "photo")
    print(f"{why}: {result.active} stays the active model ({info.name} keeps the {kept} it encoded)")
    return 1


def _switch_kept(services: Services, plan: SwitchPlan, latest: Progress | None) -> str:
    """What an interrupted switch keeps (each batch of vectors is committed): the library's count, else the
    core's last report."""
    try:
        covered = min(services.counts(services.model_info(plan.target).model_id)["indexed"], plan.photos)
    except Exception:  # the interrupted run left the library unreadable for now: what it reported
        encoded = latest.encoded if latest is not None and latest.phase is not ProgressPhase.SCAN else 0
        covered = min(plan.covered + encoded, plan.photos)
    still = f"search still uses {plan.current}" if plan.current else "no model is active yet"
    return (
        f"{plan.target} covers {covered} of {plan.photos} photos so far (kept); "
        f"'motis models use {plan.target}' continues; {still}"
    )


def _print_takeover(services: Services, info: ModelInfo) -> None:
    """A model installed while the demo model answers waits to take over from it (``core.models.takeover``): it does
    at once when it covers the library already (none to encode), else say what comes next (QA walk 6: the import
    made it active silently, and search failed until the library was indexed with it)."""
    if services.takeover_model() != info.name:
        return
    plan = services.plan_model_switch(info.name, measure=False)
    if plan.instant:
        services.use_model(info.name)
        print(f"active model: {info.name} (it takes over from the demo model)")
        return
    print(
        f"{info.name} will take over from the demo model once the library is indexed with it: run 'motis index' "
        f"({count(plan.to_encode, 'photo')}); until then searches use the demo model"
    )


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
    """Each catalogue model in one plain sentence (size once); ``--verbose`` adds its notes, figures and files."""
    installed = {m.name for m in services.installed_models()}
    models = services.available_models()
    started = {w.model: w.done for w in services.waiting_downloads()}
    if args.json:
        print_json([{**m.to_json(), "installed": m.name in installed} for m in models])
        return 0
    width = max((len(m.name) for m in models), default=16)
    pad = " " * width
    for m in models:
        resumable = f"{format_size(started[m.name])} downloaded, resumes" if m.name in started else ""
        flags = ", ".join(
            x
            for x in ("recommended" if m.recommended else "", "installed" if m.name in installed else "", resumable)
            if x
        )
        print(f"{m.name:{width}}  {m.display_name}" + (f"  [{flags}]" if flags else ""))
        print(f"{pad}  {m.sentence()}")
        if args.verbose:
            _print_technical(m, pad + "  ")
    if any(m.name.startswith("motis-") and "." in m.name for m in models):
        print("\n" + _seed_pairs_note([m.name for m in models if m.seed_measured]))
    if not args.verbose:
        print("Figures, sources, files and their addresses: motis models available --verbose")
    return 0


def _print_technical(m: RegistryModel, pad: str) -> None:
    """``models available --verbose``: what the catalogue says for the curious, each file with its size once."""
    if m.notes:
        print(f"{pad}{m.notes}")
    if m.languages:
        print(f"{pad}languages: {m.languages}")
    if m.quality:
        print(f"{pad}quality: {m.quality}" + (f" (source: {m.quality_source})" if m.quality_source else ""))
    if m.license:
        print(f"{pad}licence: {m.license}")
    if m.disk_note:
        print(f"{pad}disk: {m.disk_note}")
    for f in m.files:
        size = format_size(f.size) if f.size else "size unknown"
        r10 = "" if m.format != "torchscript-pair" else f", R@10 {f.r_at_10 or 'not published'}"
        what = f.tower or f.filename or f.description
        print(f"{pad}{f.role}: {what} ({size}{r10}) {f.url}")


def _seed_pairs_note(measured: list[str]) -> str:
    """The footer under the seed's file combinations, naming the pairs the MoTIS authors tested (their entries'
    notes, under ``--verbose``, begin with ``RegistryModel.MEASURED_MARK`` and give the figures)."""
    which = f"only {', '.join(measured)} was" if measured else "none was"
    return (
        "The motis-IMAGE.TEXT entries mix the MoTIS authors' published image and text files; of the pairs,\n"
        f"{which} tested together by them.\nInstall one with: motis models download NAME"
    )


def _format(info: ModelInfo) -> str:
    """What ``--json`` calls its format (every model runs as ONNX towers), and what it was imported from."""
    if info.source_format and info.source_format != info.format:
        return f"{info.format} (from {info.source_format})"
    return info.format


def _models_demo(services: Services) -> int:
    """Install the demo model (colour words only); a second time says it is installed and changes nothing."""
    demo = next((m for m in services.installed_models() if is_demo(m)), None)  # by its origin, not its name
    if demo is None:
        print("building the demo model (a few seconds)...", file=sys.stderr)
        demo = services.install_demo_model()
        print(f"installed the demo model {demo.name!r}")
    else:
        print(f"the demo model {demo.name!r} is already installed")
    active = services.active_model()
    if active is not None and active.name != demo.name:
        print(f"the active model stays {active.name!r}: 'motis models use {demo.name}' switches to the demo")
        return 0
    print(
        "it understands colour words only (red, green, blue, yellow, orange, purple, pink, cyan, white, black, "
        "gray, brown): try 'motis index FOLDER', then 'motis search red'. For real searches install a real model "
        "('motis models available'); it then becomes the active one."
    )
    return 0


# The way around a host this computer cannot download from (the window has its own: its import button)
MANUAL_HINT = (
    "; or download the files yourself and run 'motis models import' (see 'motis models available --verbose' for the "
    "links)"
)


def _models_download(services: Services, args: argparse.Namespace) -> int:
    bar = ByteProgress()
    try:
        info = services.download_model(args.name, bar, timeout_s=args.timeout, replace=args.replace)
    except DownloadError as exc:
        if exc.kind is DownloadProblem.OTHER:  # the file or the disk: fetching it by hand would not help
            raise
        raise MotisError(f"{exc}{MANUAL_HINT}") from None
    except KeyboardInterrupt:
        bar.close()
        print(
            f"motis: interrupted: what was downloaded of {args.name} is kept; "
            f"'motis models download {args.name}' resumes it",
            file=sys.stderr,
        )
        return 130
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
    _print_takeover(services, info)
    return 0
