"""One read of an image file's bytes: everything known before decoding, in one record.

:func:`read_info` recognises the format once, reads the pixel size from the header (so a decompression
bomb is refused before any pixel is allocated: hand-written per format, because Pillow's own bomb check
happens inside ``Image.open`` with its own limit and warnings), and reads the EXIF tags through Pillow
(orientation, date taken). The decoder, the memory-budget estimate and the photo's date all use this one
record instead of parsing the header again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

from motis_desktop.core.images.dates import date_taken, orientation, read_exif
from motis_desktop.core.images.header import image_size, is_raw_tiff, sniff_format
from motis_desktop.core.kinds import ImageFormat


@dataclass(frozen=True)
class ImageInfo:
    """What an image file's bytes say before decoding."""

    format: ImageFormat | None  # None: not an image we know
    size: tuple[int, int] | None  # (width, height) from the header; None when it cannot be read
    orientation: int = 1  # EXIF orientation 1..8
    taken: float | None = None  # EXIF date taken (``dates.exif_date``) as unix time (local), if any
    exif: Image.Exif = field(default_factory=Image.Exif, compare=False, repr=False)

    @property
    def upright_size(self) -> tuple[int, int] | None:
        """(width, height) as the photo is shown: the header's, turned by the EXIF orientation."""
        if self.size is None:
            return None
        w, h = self.size
        return (h, w) if self.orientation in (5, 6, 7, 8) else (w, h)


def read_info(data: bytes) -> ImageInfo:
    """The format, size, orientation, date taken and EXIF of an image file's bytes (never raises)."""
    fmt = sniff_format(data[:32])
    if fmt is None:
        return ImageInfo(None, None)
    if fmt is ImageFormat.TIFF and is_raw_tiff(data):
        fmt = ImageFormat.RAW
    exif = read_exif(data, fmt)
    return ImageInfo(fmt, image_size(data, fmt), orientation(exif), date_taken(exif), exif)
