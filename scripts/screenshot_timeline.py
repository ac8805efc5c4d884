"""Screenshots of the window's timeline for the docs (run under Xvfb, or with QT_QPA_PLATFORM=offscreen).

Usage: xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshot_timeline.py [--out docs]

Builds a throw-away library of crops of scikit-image's sample photos in several shapes (3:2, 2:3, 4:3, 16:9,
square), dated over two years by their file times, indexes it with the hand-made colour model, then grabs the
timeline (month headers, the year/month scrubber on the right) and, zoomed in, a month in the middle with day
headers (small days of a month share one) and the scrubber naming the month under the mouse.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The real window on the X server (Xvfb); QT_QPA_PLATFORM=offscreen where there is none: the same widgets grabbed.
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
sys.path[:0] = [str(REPO), str(REPO / "models"), str(REPO / "tests"), str(REPO / "scripts")]

SHAPES = ((3, 2), (2, 3), (4, 3), (16, 9), (1, 1), (3, 4), (3, 2), (3, 2))
SAMPLES = ("astronaut", "coffee", "chelsea", "rocket", "retina", "hubble_deep_field", "immunohistochemistry")
MONTHS = (  # (year, month, photos that month), newest last
    (2025, 1, 5),
    (2025, 4, 7),
    (2025, 7, 9),
    (2025, 8, 4),
    (2025, 12, 6),
    (2026, 3, 8),
    (2026, 6, 5),
    (2026, 8, 11),
    (2026, 10, 6),
)


def make_photos(folder: Path) -> int:
    """Crops of the sample photos in varied shapes, each dated by its file time; returns how many."""
    from PIL import Image
    from skimage import data

    folder.mkdir(parents=True)
    n = 0
    for year, month, count in MONTHS:
        for k in range(count):
            image = Image.fromarray(getattr(data, SAMPLES[n % len(SAMPLES)])()).convert("RGB")
            w, h = SHAPES[(n * 5 + k) % len(SHAPES)]
            scale = min(image.width / w, image.height / h)
            cw, ch = int(w * scale), int(h * scale)
            left, top = (image.width - cw) // 2, (image.height - ch) // 2
            path = folder / f"IMG_{n:04d}.jpg"
            image.crop((left, top, left + cw, top + ch)).save(path, quality=90)
            day = 3 + 9 * (k // 4)  # a few photos a day, as on a trip or an outing
            when = time.mktime((year, month, day, 10 + k % 8, 0, 0, 0, 0, -1))
            os.utime(path, (when, when))
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from colour_model import build_colour_pair
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from take_screenshots import grab, wait

    from motis_desktop.core.services import Services
    from motis_desktop.gui.main_window import MainWindow
    from motis_desktop.gui.theme import apply_scheme

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        count = make_photos(tmp_path / "Pictures")
        services = Services.open(tmp_path / "home")
        services.import_pair(*build_colour_pair(tmp_path / "model"), name="colour-demo")
        services.add_folders([str(tmp_path / "Pictures")])
        services.index()
        app = QApplication.instance() or QApplication([])
        apply_scheme(app, dark=False)
        window = MainWindow(services)
        window.resize(1280, 820)
        window.move(20, 20)
        window.show()
        wait(app, lambda: window.model_state == "ready" and window.model.rowCount() == count)
        wait(app, lambda: window.thumbnails.pending() == 0 and window.sizes.idle)
        grab(app, window, out / "screenshot-timeline.png")
        window.zoom(1)
        scrubber = window.view.scrubber
        month = scrubber.months[len(scrubber.months) // 2]
        window.view.jump_to_month(month)
        QTest.mouseMove(scrubber, QPoint(scrubber.width() // 2, scrubber.y_for(month)))  # the month under the mouse
        wait(app, lambda: window.thumbnails.pending() == 0)
        grab(app, window, out / "screenshot-timeline-days.png")
        window.close()
        services.close()


if __name__ == "__main__":
    main()
