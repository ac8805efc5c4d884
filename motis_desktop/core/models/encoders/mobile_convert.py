"""Mobile-optimized TorchScript (XNNPACK prepacked ops) → plain TorchScript, without running the file.

``optimize_for_mobile`` replaces ``conv2d``/``linear`` with ``prepacked::*_run`` ops whose weights live in
``torch.classes.xnnpack.*OpContext`` objects, which torch builds without XNNPACK cannot load and ONNX cannot
express. So the archive is converted as data: its pickles are read by :mod:`.archive`'s restricted unpickler
(an op context becomes its state), :mod:`.mobile_code` makes each ``ops.prepacked.*`` call in the code its aten
op and each op context plain tensors in the constants table, and the new archive must load with plain
``torch.jit.load``. Anything else from ``prepacked::`` or
``torch.classes`` stops the conversion with a one-line :class:`ModelError` naming it.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch

from motis_desktop.core.atomic import write_atomic
from motis_desktop.core.errors import ModelError, short_reason
from motis_desktop.core.models.encoders.archive import (
    ScriptObjectState,
    TorchScriptArchive,
    TypedList,
    check_model_file,
)
from motis_desktop.core.models.encoders.mobile_code import (
    CONTEXT_CLASSES,
    XNNPACK_CLASSES,
    CodeRewriter,
    ConstantTable,
    ConversionReport,
)
from motis_desktop.core.models.manifest import PAIR_FILES

log = logging.getLogger(__name__)


def convert_mobile_files(sources: dict[str, Path], work: Path) -> dict[str, Any]:
    """Replace, in ``sources`` (role → file of a pair), each mobile-optimized file by a plain copy in ``work``
    (prepacked ops have no ONNX form). Returns what was converted (recorded in the manifest's ``origin``)."""
    converted: dict[str, Any] = {}
    for role, src in list(sources.items()):
        check_model_file(src)  # hostile declared sizes are refused before anything is read
        if not needs_conversion(src):
            continue
        report = convert_mobile_torchscript(src, work / PAIR_FILES[role])
        sources[role] = work / PAIR_FILES[role]
        converted[role] = {
            "from": "XNNPACK prepacked ops (optimize_for_mobile)",
            "source": str(src),
            "op_contexts": report.contexts,
            "ops": dict(report.ops),
            "seconds": round(report.seconds, 3),
        }
    return converted


def needs_conversion(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a TorchScript zip that uses XNNPACK prepacked ops or op contexts (cheap look).

    Only code files and ``constants.pkl`` are read, at most 64 MiB of them; call
    :func:`~.archive.check_model_file` first on files from outside.
    """
    budget = 64 << 20
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = info.filename
                if not (name.endswith("constants.pkl") or (name.endswith(".py") and "/code/" in f"/{name}")):
                    continue
                budget -= info.file_size
                if budget < 0:
                    return False
                if _prepacked(zf.read(info)):
                    return True
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return False
    return False


def convert_mobile_torchscript(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> ConversionReport:
    """Write a plain TorchScript equivalent of the mobile-optimized file ``src`` to ``dst``."""
    src, dst = Path(src), Path(dst)
    started = time.perf_counter()
    report = ConversionReport()
    with TorchScriptArchive(src) as archive:
        constants = archive.unpickle("constants.pkl", "constants")
        if not isinstance(constants, tuple):
            raise ModelError(f"{src}: constants.pkl is not a tuple")
        _refuse_foreign_objects(src, archive.unpickle("data.pkl", "data"), "data.pkl", allow_contexts=False)
        _refuse_foreign_objects(src, constants, "constants.pkl", allow_contexts=True)
        table = ConstantTable(src, list(constants))
        members: list[tuple[str, bytes]] = []
        for name in archive.names:
            if name == "constants.pkl" or name.startswith("constants/"):
                continue
            if name.startswith("code/__torch__/torch/classes/"):
                if name.endswith(".py") and archive.read(name).strip():
                    raise ModelError(f"{src}: cannot convert code of torch.classes ({name})")
                continue  # the empty namespace file of the xnnpack classes
            if name.startswith("code/") and name.endswith(".py"):
                raw = archive.read(name)
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise ModelError(f"{src}: code file {name} is not UTF-8 text") from None
                table.count_references(text)
                if _prepacked(raw):
                    new = CodeRewriter(src, name, table, report).rewrite(text)
                    members.append((name, new.encode("utf-8")))
                    continue
            if name.endswith(".py.debug_pkl") and _rewritten(name[: -len(".debug_pkl")], archive):
                continue  # source ranges of rewritten code would point at the wrong text
            members.append((name, archive.read(name)))
        table.check_all_consumed()
        members += table.serialize()
        prefix = archive.prefix
    report.contexts = len(table.contexts)
    _write_and_reload(src, dst, prefix, members)
    report.seconds = time.perf_counter() - started
    log.info(
        "converted %s: %d op contexts, ops %s, %.2f s",
        src,
        report.contexts,
        dict(report.ops),
        report.seconds,
    )
    return report


def _rewritten(code_name: str, archive: TorchScriptArchive) -> bool:
    return code_name in archive.names and _prepacked(archive.read(code_name))


def _prepacked(data: bytes) -> bool:
    """Whether code (or a pickle) names XNNPACK prepacked ops or their op context classes."""
    return b"ops.prepacked." in data or XNNPACK_CLASSES.encode() in data


def _refuse_foreign_objects(src: Path, obj: Any, label: str, allow_contexts: bool, depth: int = 0) -> None:
    """Custom C++ classes other than the XNNPACK op contexts cannot be turned into plain TorchScript."""
    if depth > 100:
        raise ModelError(f"{src}: {label} is nested too deeply")
    if isinstance(obj, ScriptObjectState):
        name = obj.qualified_name
        if name.startswith("__torch__.torch.classes."):
            if not (allow_contexts and depth <= 1 and name in CONTEXT_CLASSES):
                raise ModelError(f"{src}: cannot convert class {name} (in {label})")
        _refuse_foreign_objects(src, obj.state, label, allow_contexts, depth + 1)
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            _refuse_foreign_objects(src, item, label, allow_contexts, depth + 1)
    elif isinstance(obj, TypedList):
        _refuse_foreign_objects(src, obj.items, label, allow_contexts, depth + 1)
    elif isinstance(obj, dict):
        for item in obj.values():
            _refuse_foreign_objects(src, item, label, allow_contexts, depth + 1)


def _write_and_reload(src: Path, dst: Path, prefix: str, members: list[tuple[str, bytes]]) -> None:
    """Write the rewritten archive next to ``dst``, prove that plain ``torch.jit.load`` loads it, rename it."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    staged = dst.with_name(f".{dst.name}.converting")

    def write(fh: Any) -> None:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
            for name, data in members:
                zf.writestr(zipfile.ZipInfo(f"{prefix}/{name}", date_time=(1980, 1, 1, 0, 0, 0)), data)

    try:
        write_atomic(staged, write)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                torch.jit.load(str(staged), map_location="cpu")
        except Exception as exc:  # torch's errors for code it cannot compile
            raise ModelError(f"{src}: converted model does not load ({short_reason(exc)})") from None
        os.replace(staged, dst)
    finally:
        staged.unlink(missing_ok=True)
