"""The README's keys table says what the window does: each menu shortcut with its menu path, each key the
grid, the viewer and the search box handle themselves, and no key the app does not have."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtGui import QKeySequence

from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.menus import WIDGET_KEYS

README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_rows() -> dict[str, str]:
    """The keys table: {key column without backticks: what it does}."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| key | does |") :].split("\n\n")[0]
    rows = {}
    for line in table.splitlines()[2:]:
        keys, does = (cell.strip() for cell in line.strip("|").split("|", 1))
        rows[keys.replace("`", "")] = does
    return rows


def _keys(cell: str) -> set[str]:
    return {k.strip() for k in re.split(r" or |, (?=[A-Z])|/(?=[A-Z])", cell) if k.strip()} | {cell}


def test_readme_keys_table_matches_the_menus_and_the_widgets(qtbot, home: Path) -> None:
    services = Services.open(home)
    win = MainWindow(services)
    qtbot.addWidget(win)
    rows = _readme_rows()
    menu_keys: set[str] = set()
    for top in win.menuBar().actions():
        for action in top.menu().actions():
            keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
            if not keys:
                continue
            menu_keys.update(keys)
            row = next((cell for cell in rows if set(keys) <= _keys(cell)), None)
            assert row is not None, f"README lacks {keys} ({action.text()})"
            path = f"{top.text().replace('&', '')} ▸ {action.text().replace('&', '').rstrip('…')}"
            assert path in rows[row], f"README's row for {row} does not name {path}"
    widget_keys = {cell for cell, _ in WIDGET_KEYS}
    for cell in widget_keys:
        assert cell in rows, f"README lacks the widget key {cell}"
    for cell in rows:  # nothing documented that the app does not have
        assert cell in widget_keys or _keys(cell) & menu_keys, f"README documents {cell}, the app has no such key"
    win.close()
    services.close()
