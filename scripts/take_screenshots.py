"""Screenshots of the real window for the docs (run under Xvfb, or with QT_QPA_PLATFORM=offscreen).

Usage: xvfb-run -a -s "-screen 0 1280x860x24" .venv/bin/python scripts/take_screenshots.py [--out docs]

Builds a throw-away library in a temp home: scikit-image's sample photos plus
colour-coded images, the hand-made colour model (models/colour_model.py),
then grabs: the first run with no model and no internet (the addresses to copy),
the gallery (newest first), the results for "red" (the relevance cut-off: just the
red photos), "red + yellow", a search that finds nothing (the grid says why), the
details panel, the in-app viewer showing a HEIC photo (chelsea.heic), and the
gallery in the dark palette.
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
sys.path[:0] = [str(REPO), str(REPO / "models"), str(REPO / "tests")]


def wait(app, condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("screenshot scene did not settle")
        app.processEvents()
        time.sleep(0.02)


def grab(app, window, path: Path) -> None:
    for _ in range(40):  # let thumbnails arrive and the compositor catch up
        app.processEvents()
        time.sleep(0.05)
    shot = app.primaryScreen().grabWindow(
        0, window.x(), window.y(), window.frameGeometry().width(), window.frameGeometry().height()
    )
    shot.save(str(path))
    print(f"wrote {path}")


def first_run(app, tmp_path: Path, out: Path) -> None:
    """A fresh home with no model: the first-run offer, as it looks without internet."""
    from PySide6.QtWidgets import QDialog, QToolButton

    from motis_desktop.core.services import Services
    from motis_desktop.gui.main_window import MainWindow

    services = Services.open(tmp_path / "fresh-home")
    window = MainWindow(services)
    window.resize(1200, 780)
    window.move(20, 20)
    window.show()
    wait(app, lambda: window.models.dialog is not None and window.models.dialog.isVisible())
    dialog: QDialog = window.models.dialog
    dialog.findChild(QToolButton, "noInternet").click()
    wait(app, lambda: dialog.offline.isVisible())
    dialog.move(window.x() + (window.width() - dialog.width()) // 2, window.y() + 120)
    grab(app, window, out / "screenshot-first-run.png")
    dialog.reject()
    window.close()
    services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs"))
    args = parser.parse_args()
    out = Path(args.out)
    from colour_model import build_colour_pair
    from helpers.photos import make_colour_folder
    from PIL import Image
    from PySide6.QtWidgets import QApplication
    from skimage import data

    from motis_desktop.core.services import Services
    from motis_desktop.gui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        photos = tmp_path / "Pictures"
        make_colour_folder(photos / "colours", per_colour=4)
        for name in ("astronaut", "coffee", "chelsea", "rocket", "retina", "hubble_deep_field"):
            Image.fromarray(getattr(data, name)()).convert("RGB").save(photos / f"{name}.jpg", quality=90)
        import pillow_heif

        (photos / "chelsea.jpg").unlink()  # a phone photo: HEIC, shown like any JPEG
        chelsea = Image.fromarray(data.chelsea()).convert("RGB").resize((1353, 900), Image.LANCZOS)
        pillow_heif.from_pillow(chelsea).save(photos / "chelsea.heic", format="HEIF", quality=90)
        services = Services.open(tmp_path / "home")
        services.import_pair(*build_colour_pair(tmp_path / "model"), name="colour-demo")
        app = QApplication.instance() or QApplication([])
        from motis_desktop.gui.theme import apply_scheme

        apply_scheme(app, dark=False)
        first_run(app, tmp_path, out)
        window = MainWindow(services)
        window.resize(1200, 780)
        window.move(20, 20)
        window.show()
        wait(app, lambda: window.model_state == "ready")
        window.add_folders([str(photos)])
        wait(app, lambda: window.indexer is None and "up to date" in window.status_label.text())
        wait(app, lambda: window.model.rowCount() == 30)
        window.search.setText("red")
        window.run_search()
        wait(app, lambda: window.results.results_for == "red")
        grab(app, window, out / "screenshot-results.png")
        window.view.setCurrentIndex(window.model.index(1))
        window.toggle_details()
        wait(app, lambda: window.details.path == window.model.rows()[1].path)
        grab(app, window, out / "screenshot-details.png")
        window.toggle_details()
        window.search.setText("red + yellow")
        window.run_search()
        wait(app, lambda: window.results.results_for == "red + yellow")
        window.search.setCursorPosition(0)
        grab(app, window, out / "screenshot-cutoff.png")
        window.search.setText("a zebra on the moon")
        window.run_search()
        wait(app, lambda: window.results.results_for == "a zebra on the moon")
        grab(app, window, out / "screenshot-empty.png")
        window.results.reset()
        wait(app, lambda: window.model.rowCount() == 30)
        row = window.model.row_of(str(photos / "chelsea.heic"))
        window.view.setCurrentIndex(window.model.index(row))
        window.grid_viewer.open(window.model.index(row))
        wait(app, lambda: window.grid_viewer.viewer.shown_path.endswith("chelsea.heic"))
        grab(app, window, out / "screenshot-viewer.png")
        window.grid_viewer.close()
        apply_scheme(app, dark=True)  # as on a system set to dark
        window.view.setCurrentIndex(window.model.index(2))
        grab(app, window, out / "screenshot-dark.png")
        window.close()
        services.close()


if __name__ == "__main__":
    main()
