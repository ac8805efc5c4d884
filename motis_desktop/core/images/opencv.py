"""OpenCV, imported with its own decompression-bomb limit set first.

OpenCV reads ``OPENCV_IO_MAX_IMAGE_PIXELS`` once, when the library loads, so every core module takes
``cv2`` from here (``from motis_desktop.core.images.opencv import cv2``), never by a bare ``import cv2``
that could come first.
"""

from __future__ import annotations

import os

DEFAULT_MAX_PIXELS = 180_000_000  # ~ 2x PIL's warning limit; 20000x20000 is refused
# Refuse in OpenCV too, in case a header lied about its size.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(DEFAULT_MAX_PIXELS))

import cv2  # noqa: E402  (after the environment limit above)

__all__ = ["DEFAULT_MAX_PIXELS", "cv2"]
