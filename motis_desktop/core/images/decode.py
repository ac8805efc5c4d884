"""Reading and decoding image files (OpenCV).

``load_image`` reads bytes first and decodes with ``cv2.imdecode`` (so any
path the OS accepts works), refuses decompression bombs from the header before
decoding, applies EXIF orientation, and returns RGB ``uint8 H×W×3``. Alpha is
dropped, as CLIP's own pipeline (PIL ``convert("RGB")``) does. Large JPEGs can
be decoded at 1/2, 1/4 or 1/8 scale by libjpeg when the caller only needs a
small image (``min_side``), which is several times faster than a full decode.
"""

from __future__ import annotations

import errno
import os
import stat

import numpy as np

from motis_desktop.core.errors import ImageError, ImageProblem
from motis_desktop.core.images.header import DECODABLE, image_size, sniff_format

DEFAULT_MAX_PIXELS = 180_000_000  # ~ 2x PIL's warning limit; 20000x20000 is refused
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
# Refuse in OpenCV too, in case a header lied about its size.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(DEFAULT_MAX_PIXELS))

import cv2  # noqa: E402  (after the environment limit above)

# A reduced JPEG decode keeps at least this many times the target short side,
# so the final anti-aliased resize still has detail to average (measured in
# benchmarks/bench_preprocess.py: accuracy vs the PIL reference and speed).
REDUCED_OVERSAMPLE = 2.0
_REDUCED_FLAGS = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}


def read_image_bytes(path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Bytes of a regular file, never blocking on FIFOs/devices; ImageError with the reason."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ImageError("file vanished before it could be read", ImageProblem.VANISHED) from None
    except PermissionError:
        raise ImageError("permission denied", ImageProblem.UNREADABLE) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ImageError("symbolic link loop") from None
        raise ImageError(f"cannot open: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ImageError("not a regular file")
        if info.st_size == 0:
            raise ImageError("empty file (0 bytes)")
        if info.st_size > max_bytes:
            raise ImageError(f"file too large ({info.st_size} bytes, limit {max_bytes})")
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ImageError(f"read error: {exc.strerror or exc}", ImageProblem.UNREADABLE) from None
    finally:
        if fd >= 0:
            os.close(fd)
    if not data:
        raise ImageError("empty file (0 bytes)")
    return data


def decode_image(
    data: bytes,
    *,
    min_side: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> np.ndarray:
    """Decode image bytes to RGB ``uint8 H×W×3`` with EXIF orientation applied.

    ``min_side``: the caller needs a short side of at least this many pixels;
    a large JPEG is then decoded at a reduced scale.
    """
    fmt = sniff_format(data[:32])
    if fmt is None:
        raise ImageError(f"not an image ({_describe_non_image(data)})")
    if fmt not in DECODABLE:
        raise ImageError(f"unsupported image format ({fmt.upper()})")
    size = image_size(data, fmt)
    if size is not None:
        width, height = size
        if width <= 0 or height <= 0:
            raise ImageError(f"invalid image size {width}x{height}")
        if width * height > max_pixels:
            raise ImageError(
                f"image too large: {width}x{height} = {width * height / 1e6:.0f} MP "
                f"(limit {max_pixels / 1e6:.0f} MP, possible decompression bomb)"
            )
    if fmt == "jpeg" and not jpeg_complete(data):
        # libjpeg would "decode" the first part and fill the rest with grey; that is not the photo.
        raise ImageError("truncated JPEG (no end-of-image marker after the image data)")
    # IMREAD_COLOR_* always yields 8-bit, 3 channels: grey, alpha, 16-bit and palette are converted.
    flags = cv2.IMREAD_COLOR_RGB
    factor = 1
    if fmt == "jpeg" and size is not None and min_side:
        factor = reduction_factor(min(size), min_side)
        if factor > 1:
            flags = _REDUCED_FLAGS[factor]
    buf = np.frombuffer(data, dtype=np.uint8)
    try:
        image = cv2.imdecode(buf, flags)
    except cv2.error as exc:
        raise ImageError(f"cannot decode {fmt.upper()}: {_first_line(str(exc))}") from None
    if image is None:
        raise ImageError(f"cannot decode {fmt.upper()} (corrupt or truncated)")
    if factor > 1:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if size is None and image.shape[0] * image.shape[1] > max_pixels:
        raise ImageError(f"image too large: {image.shape[1]}x{image.shape[0]}")
    return np.ascontiguousarray(image)


def jpeg_complete(data: bytes) -> bool:
    """True if an end-of-image marker follows the first scan (entropy-coded data never contains FF D9,
    and an embedded EXIF thumbnail's marker lies before the main image's first scan)."""
    sos = data.find(b"\xff\xda")
    return sos >= 0 and data.find(b"\xff\xd9", sos) >= 0


def load_image(
    path: str | os.PathLike[str],
    *,
    min_side: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> np.ndarray:
    """Read and decode ``path`` to RGB ``uint8 H×W×3`` (see :func:`decode_image`)."""
    return decode_image(read_image_bytes(path), min_side=min_side, max_pixels=max_pixels)


def reduction_factor(short_side: int, min_side: int) -> int:
    """Largest JPEG scale-down (1, 2, 4, 8) that keeps the short side >= oversampled ``min_side``."""
    needed = min_side * REDUCED_OVERSAMPLE
    for factor in (8, 4, 2):
        if short_side / factor >= needed:
            return factor
    return 1


def _describe_non_image(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "content is HTML"
    if head.startswith(b"<?xml") or head.startswith(b"<svg"):
        return "content is XML/SVG"
    try:
        data[:4096].decode("utf-8")
        return "content is text"
    except UnicodeDecodeError:
        return "unrecognised content"


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"
