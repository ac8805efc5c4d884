"""The window follows the system's light or dark colour scheme (Qt reports it; Fusion draws both alike)."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


def dark_palette() -> QPalette:
    """A dark palette for Fusion: dark surfaces, light text, a blue highlight."""
    p = QPalette()
    window, base, text = QColor(40, 40, 43), QColor(28, 28, 30), QColor(230, 230, 230)
    for role, color in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor(50, 50, 54)),
        (QPalette.ColorRole.ToolTipBase, QColor(60, 60, 64)),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.PlaceholderText, QColor(150, 150, 150)),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, window),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.BrightText, QColor(255, 90, 90)),
        (QPalette.ColorRole.Highlight, QColor(64, 128, 230)),
        (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
        (QPalette.ColorRole.Link, QColor(110, 170, 255)),
        (QPalette.ColorRole.Mid, QColor(120, 120, 125)),
    ):
        p.setColor(role, color)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 120, 120))
    return p


HINT_CONTRAST = 4.5  # WCAG AA for body text: the hints read as quieter than the text, yet readable


def contrast(fg: QColor, bg: QColor) -> float:
    """The WCAG contrast ratio of ``fg`` drawn on ``bg`` (opaque; a translucent ``fg`` blends into it), 1 (the same)
    to 21 (black on white)."""
    a = fg.alphaF()
    shown = QColor.fromRgbF(*(x * a + y * (1 - a) for x, y in zip(_rgb(fg), _rgb(bg), strict=True)))
    la, lb = _luminance(shown), _luminance(bg)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _rgb(c: QColor) -> tuple[float, float, float]:
    return c.redF(), c.greenF(), c.blueF()


def _luminance(c: QColor) -> float:
    def linear(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(c.redF()) + 0.7152 * linear(c.greenF()) + 0.0722 * linear(c.blueF())


def hint_colour(p: QPalette) -> QColor:
    """The colour of hints (placeholder text, the first start's hints, the details' labels): the palette's Mid,
    moved toward its text until it reads at ``HINT_CONTRAST`` on both Window and Base (Fusion's light Mid,
    #b8b8b8 on #efefef, is 1.7:1)."""
    mid, text = p.color(QPalette.ColorRole.Mid), p.color(QPalette.ColorRole.WindowText)
    grounds = (p.color(QPalette.ColorRole.Window), p.color(QPalette.ColorRole.Base))
    for step in range(21):
        t = step / 20
        colour = QColor.fromRgbF(*(a * (1 - t) + b * t for a, b in zip(_rgb(mid), _rgb(text), strict=True)))
        if min(contrast(colour, ground) for ground in grounds) >= HINT_CONTRAST:
            return colour
    return text


def with_readable_hints(p: QPalette) -> QPalette:
    """``p`` whose PlaceholderText is :func:`hint_colour`: stylesheets and rich text name it
    ``palette(placeholder-text)``."""
    p.setColor(QPalette.ColorRole.PlaceholderText, hint_colour(p))
    return p


def apply_scheme(app: QApplication, dark: bool | None = None) -> bool:
    """Use the dark palette when the system (or ``dark``) says so, else the style's light one; returns dark."""
    if dark is None:
        dark = QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
    app.setStyle("Fusion")
    app.setPalette(with_readable_hints(dark_palette() if dark else app.style().standardPalette()))
    return dark


def follow_system_scheme(app: QApplication) -> None:
    """Apply the system's scheme now and whenever it changes (macOS and Windows styles follow it natively)."""
    if sys.platform in ("darwin", "win32"):
        return
    apply_scheme(app)
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_scheme(app))
