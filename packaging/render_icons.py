"""Render resources/icons/motis-desktop.svg to the PNG sizes desktops ask for (run after editing the SVG).

Usage: ``python packaging/render_icons.py`` → resources/icons/motis-desktop-{16..512}.png, and with Pillow
(the test extra) the Windows ``.ico`` and macOS ``.icns`` the spec uses on those platforms.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "motis-desktop.svg"))
    if not renderer.isValid():
        print("cannot read the SVG", file=sys.stderr)
        return 1
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        out = ICONS / f"motis-desktop-{size}.png"
        image.save(str(out))
        print(f"wrote {out}")
    del app
    try:
        from PIL import Image
    except ImportError:
        print("Pillow not installed: .ico and .icns not written")
        return 0
    big = Image.open(ICONS / "motis-desktop-512.png")
    big.save(ICONS / "motis-desktop.ico", sizes=[(s, s) for s in SIZES if s <= 256])
    big.save(ICONS / "motis-desktop.icns")
    print(f"wrote {ICONS / 'motis-desktop.ico'} and {ICONS / 'motis-desktop.icns'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
