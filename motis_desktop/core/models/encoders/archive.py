"""Model files read as data: size limits checked before anything loads, and a restricted unpickler.

:func:`check_model_file` runs before any loader sees a file: a zip whose directory declares more members or
bytes than a model can have, or far more than the file's size (a zip bomb), or a safetensors header pointing
outside the file, is refused with a one-line :class:`ModelError`. :class:`TorchScriptArchive` reads a
TorchScript zip without running it: its unpickler accepts only the globals such an archive uses, ``__torch__``
classes become inert :class:`ScriptObjectState` records, and any other global (``os.system``, ...) is refused
before it is looked up.
"""

from __future__ import annotations

import collections
import functools
import io
import json
import os
import pickle
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import torch

from motis_desktop.core.errors import ModelError, short_reason
from motis_desktop.core.formatting import format_size

MAX_MEMBERS = 200_000
MAX_TOTAL_BYTES = 16 << 30  # no model we can run declares more
MAX_EXPANSION = 16  # declared bytes per byte on disk; torch writes members uncompressed (ratio 1)
SMALL_ARCHIVE_BYTES = 64 << 20  # below this much declared data the ratio is not checked
SAFETENSORS_MAX_HEADER = 100 << 20

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def check_model_file(path: str | os.PathLike[str]) -> None:
    """Refuse a model file whose declared sizes are hostile, before any loader reads it.

    Zip archives: member count, total declared uncompressed size, and that size against the file's
    size. safetensors: header length and that every tensor lies inside the file. Other files
    (legacy ``torch.save`` pickles) are left to ``torch.load(weights_only=True)``.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(9)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if head[:4] in _ZIP_MAGIC:
        _check_zip(path, size)
    elif len(head) == 9 and head[8:9] == b"{":
        _check_safetensors(path, size, int.from_bytes(head[:8], "little"))


T = TypeVar("T")


def load_model_file(path: Path, load: Callable[[Path], T], what: str, failed: str, torchscript: bool = False) -> T:
    """``load(path)`` once :func:`check_model_file` passed, torch's notes on a bad file silenced (the error says
    it). A file that fails "is not a ``what``" where :func:`not_a_model_reason` tells why, else ``failed``."""
    check_model_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TorchScript's deprecation, the pickle protocol, ...
            return load(path)
    except ModelError:
        raise
    except Exception as exc:  # torch raises RuntimeError/ValueError/... for bad files
        plain = not_a_model_reason(path, torchscript)
        if plain is not None:
            raise ModelError(f"{path} is not a {what} ({plain})") from None
        raise ModelError(f"{path}: {failed} ({short_reason(exc)})") from None


# The first bytes of the image files people pick by mistake, and what to call them.
_IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
)


def not_a_model_reason(path: str | os.PathLike[str], torchscript: bool = False) -> str | None:
    """Why ``path`` is plainly no PyTorch model file (``torchscript``: no TorchScript archive), in words for the
    user (``it is a JPEG image``, ``not a PyTorch/ZIP file``); None when it has the form of one (then the
    loader's reason stands). Only the first bytes, and a zip's list of members, are read."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return None
    if not head:
        return "it is empty"
    for magic, what in _IMAGE_MAGIC:
        if head.startswith(magic):
            return f"it is {what}"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "it is a WebP image"
    if head[4:8] == b"ftyp":
        return "it is an image or a video (HEIC, AVIF, MP4)"
    if head[:4] in _ZIP_MAGIC:
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return "a damaged ZIP archive"
        return None if any(n.endswith(("data.pkl", "constants.pkl")) for n in names) else "a ZIP without a model in it"
    kind = "pickled" if head[:1] == b"\x80" else "safetensors" if len(head) > 8 and head[8:9] == b"{" else None
    if kind is None:
        return "not a PyTorch/ZIP file" if torchscript else "not a PyTorch/ZIP, pickle or safetensors file"
    return f"it is a {kind} checkpoint" if torchscript else None


def _check_zip(path: Path, file_size: int) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ModelError(f"{path}: damaged zip archive, truncated or not a model ({exc})") from None
    if len(infos) > MAX_MEMBERS:
        raise ModelError(f"{path}: refused, the archive lists {len(infos)} files (limit {MAX_MEMBERS})")
    declared = sum(info.file_size for info in infos)
    size = format_size(declared)
    if declared > MAX_TOTAL_BYTES:
        raise ModelError(
            f"{path}: refused, the archive declares {size} uncompressed (limit {format_size(MAX_TOTAL_BYTES)})"
        )
    if declared > SMALL_ARCHIVE_BYTES and declared > MAX_EXPANSION * max(file_size, 1):
        raise ModelError(f"{path}: refused, {format_size(file_size)} on disk would expand to {size} (a zip bomb?)")


def _check_safetensors(path: Path, file_size: int, header_len: int) -> None:
    if header_len > SAFETENSORS_MAX_HEADER or 8 + header_len > file_size:
        raise ModelError(f"{path}: refused, safetensors header of {header_len} bytes does not fit the file")
    with open(path, "rb") as fh:
        fh.seek(8)
        raw = fh.read(header_len)
    try:
        header = json.loads(raw)
    except ValueError:
        return  # not safetensors after all; the loader will say what it is
    except RecursionError:
        raise ModelError(f"{path}: refused, the safetensors header is nested too deeply to be one") from None
    if not isinstance(header, dict):
        return
    data_size = file_size - 8 - header_len
    for name, entry in header.items():
        if name == "__metadata__" or not isinstance(entry, dict):
            continue
        offsets = entry.get("data_offsets")
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1] <= data_size
        ):
            raise ModelError(f"{path}: refused, safetensors tensor {name!r} lies outside the file")


# -- reading a TorchScript archive as data ------------------------------------------------------

STORAGE_DTYPES: dict[str, torch.dtype] = {  # the storage types a TorchScript pickle names: read as their dtype
    "FloatStorage": torch.float32,
    "DoubleStorage": torch.float64,
    "HalfStorage": torch.float16,
    "BFloat16Storage": torch.bfloat16,
    "LongStorage": torch.int64,
    "IntStorage": torch.int32,
    "ShortStorage": torch.int16,
    "CharStorage": torch.int8,
    "ByteStorage": torch.uint8,
    "BoolStorage": torch.bool,
}


@dataclass
class TypedList:
    """A list made by one of ``torch.jit._pickle.build_*list`` (kept so it can be written back the same way)."""

    builder: str
    items: list[Any]


class ScriptObjectState:
    """An inert stand-in for a pickled ``__torch__`` object: its class name and the state it was given."""

    qualified_name = ""
    state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def __repr__(self) -> str:
        return f"<{self.qualified_name} state={type(self.state).__name__}>"


def _rebuild_tensor_v2(
    storage: torch.Tensor,
    offset: int,
    size: tuple[int, ...],
    stride: tuple[int, ...],
    requires_grad: bool = False,
    hooks: Any = None,
    metadata: Any = None,
) -> torch.Tensor:
    if not isinstance(storage, torch.Tensor):
        raise ModelError("tensor without a storage in pickle")
    try:
        return storage.as_strided(tuple(size), tuple(stride), int(offset))
    except RuntimeError as exc:
        raise ModelError(f"tensor does not fit its storage ({exc})") from None


_SAFE_GLOBALS: dict[tuple[str, str], Any] = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch.jit._pickle", "build_intlist"): functools.partial(TypedList, "build_intlist"),
    ("torch.jit._pickle", "build_doublelist"): functools.partial(TypedList, "build_doublelist"),
    ("torch.jit._pickle", "build_boollist"): functools.partial(TypedList, "build_boollist"),
    ("torch.jit._pickle", "build_tensorlist"): functools.partial(TypedList, "build_tensorlist"),
    ("torch.jit._pickle", "restore_type_tag"): lambda value, type_str: value,
    ("torch", "device"): torch.device,
}


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, archive: TorchScriptArchive, label: str, storage_dir: str) -> None:
        super().__init__(io.BytesIO(data))
        self.archive = archive
        self.label = label
        self.storage_dir = storage_dir
        self.classes: dict[str, type[ScriptObjectState]] = {}
        self.storages: dict[str, torch.Tensor] = {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _SAFE_GLOBALS:
            return _SAFE_GLOBALS[(module, name)]
        if module == "torch" and name in STORAGE_DTYPES:
            return STORAGE_DTYPES[name]
        if module == "__torch__" or module.startswith("__torch__."):
            qualified = f"{module}.{name}"
            if qualified not in self.classes:
                self.classes[qualified] = type(name, (ScriptObjectState,), {"qualified_name": qualified})
            return self.classes[qualified]
        raise ModelError(f"{self.archive.path}: {self.label} refers to {module}.{name}, which a model never needs")

    def persistent_load(self, pid: Any) -> torch.Tensor:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise ModelError(f"{self.archive.path}: {self.label} has an unknown persistent id")
        _, dtype, key, _location, numel = pid
        if not isinstance(dtype, torch.dtype) or not isinstance(key, str) or not isinstance(numel, int):
            raise ModelError(f"{self.archive.path}: {self.label} has a malformed storage reference")
        if key not in self.storages:  # tensors that share a storage stay views of one tensor
            self.storages[key] = self._storage(key, dtype, numel)
        return self.storages[key]

    def _storage(self, key: str, dtype: torch.dtype, numel: int) -> torch.Tensor:
        raw = self.archive.read(f"{self.storage_dir}/{key}")
        if numel < 0 or numel * dtype.itemsize > len(raw):
            raise ModelError(f"{self.archive.path}: storage {key} is shorter than declared")
        if numel == 0:
            return torch.empty(0, dtype=dtype)
        return torch.frombuffer(bytearray(raw[: numel * dtype.itemsize]), dtype=dtype)


class TorchScriptArchive:
    """A TorchScript zip, opened for reading as data (limits checked first)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        check_model_file(self.path)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ModelError(f"{self.path}: not a TorchScript archive ({exc})") from None
        names = [n for n in self._zip.namelist() if not n.endswith("/")]
        prefixes = {n.split("/", 1)[0] for n in names}
        if len(prefixes) != 1 or not all("/" in n for n in names):
            raise ModelError(f"{self.path}: not a TorchScript archive (no single top folder)")
        self.prefix = prefixes.pop()
        self.names = [n.split("/", 1)[1] for n in names]
        if "data.pkl" not in self.names or "constants.pkl" not in self.names:
            raise ModelError(f"{self.path}: not a TorchScript archive (no data.pkl/constants.pkl)")

    def __enter__(self) -> TorchScriptArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zip.close()

    def read(self, name: str) -> bytes:
        """One member's bytes (``name`` relative to the archive's top folder)."""
        try:
            return self._zip.read(f"{self.prefix}/{name}")
        except KeyError:
            raise ModelError(f"{self.path}: archive lacks {name}") from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise ModelError(f"{self.path}: damaged archive member {name} ({exc})") from None

    def unpickle(self, name: str, storage_dir: str) -> Any:
        """Unpickle a member with the restricted unpickler; tensors come from ``storage_dir/<key>``."""
        unpickler = _RestrictedUnpickler(self.read(name), self, name, storage_dir)
        try:
            return unpickler.load()
        except ModelError:
            raise
        except Exception as exc:  # a malformed pickle: any of pickle's many error types
            raise ModelError(f"{self.path}: unreadable {name} ({type(exc).__name__}: {exc})") from None
