"""Source files of an install: copied and hashed into the model id, and mobile-optimized TorchScript
rewritten into plain TorchScript first (prepacked XNNPACK ops have no ONNX form)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any


def convert_mobile_files(sources: dict[str, Path], targets: dict[str, str], work: Path) -> dict[str, Any]:
    """Replace, in ``sources``, each mobile-optimized file this torch must convert by a plain copy in ``work``.

    Returns what was converted (recorded in the manifest's ``origin``).
    """
    from motis_desktop.core.models.encoders.archive import check_model_file
    from motis_desktop.core.models.encoders.mobile_convert import convert_mobile_torchscript, needs_conversion

    converted: dict[str, Any] = {}
    for role, src in list(sources.items()):
        if not src.is_file():
            continue
        check_model_file(src)  # hostile declared sizes are refused before anything is read
        if not needs_conversion(src):  # prepacked ops have no ONNX form: always rewritten first
            continue
        report = convert_mobile_torchscript(src, work / targets[role])
        sources[role] = work / targets[role]
        converted[role] = {
            "from": "XNNPACK prepacked ops (optimize_for_mobile)",
            "source": str(src),
            "op_contexts": report.contexts,
            "ops": dict(report.ops),
            "seconds": round(report.seconds, 3),
        }
    return converted


def hash_file(path: Path, digest: hashlib._Hash) -> None:
    """Feed a file to ``digest``."""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)


def copy_hashing(src: Path, dst: Path, digest: hashlib._Hash) -> None:
    """Copy ``src`` to ``dst`` (synced) and feed it to ``digest``."""
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while chunk := fin.read(1 << 20):
            digest.update(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
