"""An exact index's coarse int8 copy kept beside its file (``<index>.coarse``), so a start loads it (~51 MB at
100k × 512, tens of milliseconds) instead of making it again: two products of every vector with a ``D × D``
rotation, 1-2 CPU-s at 100k on the core the window's start-up needs, and until it is ready every query scores the
whole library in float32.

The copy is only ever used for the vectors it was made from: it names the index file it was made from by that
file's save id (a random 128-bit id each save writes into the index's header, whose payload checksum is verified
at load; for a file saved before save ids, that checksum), the vectors' count and dimension and this CPU's code
levels, and holds a checksum of its own arrays, their types and shapes. Anything else (another index file,
another CPU kind, a damaged or truncated copy) is ignored and the copy is made again in the background: a wrong
copy could leave a true top hit out.
"""

from __future__ import annotations

import io
import logging
import time
import zlib
from pathlib import Path

import numpy as np

from motis_desktop.core.atomic import write_atomic
from motis_desktop.core.search.indexes.base import npz_views, read_whole
from motis_desktop.core.search.indexes.coarse import CoarseScan, code_levels

log = logging.getLogger(__name__)

VERSION = 1
_ARRAYS = ("mean", "rotation", "scale", "codes", "code_sums")


STALE_TMP_S = 600  # a temporary copy this old was left by a process that quit or was killed while writing it


def path_for(index_path: Path) -> Path:
    return index_path.with_name(index_path.name + ".coarse")


def _clean_stale_temps(path: Path) -> None:
    """Remove half-written copies (``write_atomic``'s temporary files, 51 MB at 100k) left by a process that quit
    while writing: the copy is made on a daemon thread, which the interpreter stops mid-write at exit."""
    now = time.time()
    for old in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            if now - old.stat().st_mtime > STALE_TMP_S:
                old.unlink()
        except OSError as exc:  # gone already, or not ours to remove: the next start tries again
            log.debug("could not remove a half-written coarse copy %s: %s", old, exc)


def _layout(count: int, dim: int) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Each array's type and shape in a copy of ``count`` vectors of ``dim`` (native byte order)."""
    f32, native = np.dtype(np.float32).str, np.dtype(np.int32).str
    return {
        "mean": (f32, (dim,)),
        "rotation": (f32, (dim, dim)),
        "scale": (f32, (dim,)),
        "codes": ("|i1", (dim, count)),
        "code_sums": (native, (count,)),
    }


def _checksum(arrays: dict[str, np.ndarray], norm: float) -> int:
    crc = zlib.crc32(np.float64(norm).tobytes())
    for name in _ARRAYS:
        array = arrays[name]
        crc = zlib.crc32(f"{name}:{array.dtype.str}:{array.shape}:{array.flags.c_contiguous}".encode(), crc)
        crc = zlib.crc32(np.ascontiguousarray(array).data, crc)
    return crc


def save(index_path: Path, save_id: str, made: CoarseScan) -> None:
    """Write ``made`` beside ``index_path`` (atomically; a failure only costs making it again next time)."""
    arrays = {name: np.ascontiguousarray(getattr(made, name)) for name in _ARRAYS}
    dim, count = made.codes.shape
    key = [VERSION, count, dim, made.levels, _checksum(arrays, made.max_code_norm2)]
    _clean_stale_temps(path_for(index_path))
    buf = io.BytesIO()
    saved = np.frombuffer(save_id.encode(), dtype=np.uint8)
    norm = np.float64(made.max_code_norm2)
    np.savez(buf, key=np.asarray(key, dtype=np.int64), save_id=saved, norm=norm, **arrays)  # type: ignore[arg-type]
    try:
        write_atomic(path_for(index_path), lambda fh: fh.write(buf.getbuffer()))
    except OSError as exc:
        log.debug("could not keep the coarse copy of %s: %s", index_path, exc)


def load(index_path: Path, save_id: str, count: int, dim: int) -> CoarseScan | None:
    """The copy kept beside ``index_path`` when it was made from exactly these vectors on this kind of CPU."""
    path = path_for(index_path)
    _clean_stale_temps(path)
    try:
        # One map (or read) and views of it: np.load reads a zip member in 256 KB chunks, and each read gave the
        # GIL to the window's threads for up to 5 ms (~1 s for 51 MB during the start-up).
        stored = npz_views(read_whole(path))
        key = [int(v) for v in stored["key"]]
        made_from = stored["save_id"].tobytes().decode()
        arrays = {name: stored[name] for name in _ARRAYS}
        norm = float(stored["norm"])
    except FileNotFoundError:
        return None
    except Exception as exc:  # damaged in any way (a zip, a header or an array that does not parse): made again
        log.info("coarse copy %s not used: %s", path, exc)
        return None
    layout = _layout(count, dim)
    if (
        made_from != save_id
        or key[:4] != [VERSION, count, dim, code_levels()]
        or any((arrays[name].dtype.str, arrays[name].shape) != layout[name] for name in _ARRAYS)
        or key[4:] != [_checksum(arrays, norm)]
    ):
        log.info("coarse copy %s not used: made from other vectors, elsewhere, or damaged", path)
        return None
    return CoarseScan.restored(arrays, norm, key[3])
