"""Seed-format (mobile-optimized TorchScript) fixtures of ``tests/data/seed-mobile`` and hostile variants."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent.parent / "data" / "seed-mobile"

# The colour pair's palette (make_fixtures.py): a photo of one of these scores highest for its word.
PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 180, 40),
    "blue": (30, 60, 220),
    "yellow": (235, 220, 30),
    "purple": (130, 40, 170),
    "orange": (245, 140, 20),
    "black": (15, 15, 15),
    "white": (240, 240, 240),
}


def fixture(name: str) -> Path:
    return DATA / name


def motis(*args: str, home: Path) -> tuple[int, str, str]:
    """Run the real ``motis`` command line in this process; returns (exit code, stdout, stderr)."""
    from motis_desktop.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*args, "--home", str(home)])
    return code, out.getvalue(), err.getvalue()


def motis_json(*args: str, home: Path) -> object:
    code, out, err = motis(*args, "--json", home=home)
    assert code == 0, err
    return json.loads(out)


def colour_photos(root: Path, per_colour: int) -> dict[str, str]:
    """``per_colour`` noisy JPEG/PNG photos of each palette colour; returns path → colour."""
    import cv2

    root.mkdir(parents=True, exist_ok=True)
    made = {}
    rng = np.random.default_rng(7)
    for colour, rgb in PALETTE.items():
        for i in range(per_colour):
            h, w = (90, 120) if i % 2 else (160, 100)
            pixels = np.clip(np.array(rgb, np.float32) + rng.normal(0, 10, (h, w, 3)), 0, 255).astype(np.uint8)
            path = root / f"{colour}-{i}{'.png' if i % 2 else '.jpg'}"
            ok, buf = cv2.imencode(path.suffix, cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))
            assert ok
            path.write_bytes(buf.tobytes())
            made[str(path)] = colour
    return made


def replace_member(src: Path, dst: Path, member: str, data: bytes) -> Path:
    """Copy the TorchScript zip ``src`` to ``dst`` with ``<top>/<member>`` replaced by ``data``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        top = zin.namelist()[0].split("/", 1)[0]
        for info in zin.infolist():
            body = data if info.filename == f"{top}/{member}" else zin.read(info)
            zout.writestr(info.filename, body)
    return dst


def edit_code(src: Path, dst: Path, old: str, new: str) -> Path:
    """Copy ``src`` with ``old`` replaced by ``new`` in its (single) code file."""
    with zipfile.ZipFile(src) as zin:
        code = [n for n in zin.namelist() if "/code/__torch__/___torch_mangle" in n and n.endswith(".py")]
        assert len(code) == 1, code
        member = code[0].split("/", 1)[1]
        text = zin.read(code[0]).decode()
    assert old in text
    return replace_member(src, dst, member, text.replace(old, new).encode())


class _System:
    """Pickles as a call of ``os.system(command)``: what a hostile model file would run."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple:
        return os.system, (self.command,)


def system_pickle(command: str) -> bytes:
    """A pickle that runs ``command`` through ``os.system`` when loaded by an unrestricted unpickler."""
    return pickle.dumps((_System(command),), protocol=2)


def truncated_copy(src: Path, dst: Path, keep: float = 0.6) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * keep)])
    return dst


def zip_bomb(dst: Path, declared_mib: int = 100) -> Path:
    """A small zip (deflated zeros) declaring ``declared_mib`` MiB uncompressed, laid out like a TorchScript file."""
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("bomb/version", "3\n")
        zf.writestr("bomb/data.pkl", pickle.dumps({}, protocol=2))
        zf.writestr("bomb/constants.pkl", pickle.dumps((), protocol=2))
        with zf.open("bomb/data/0", "w", force_zip64=True) as fh:
            for _ in range(declared_mib):
                fh.write(chunk)
    return dst
