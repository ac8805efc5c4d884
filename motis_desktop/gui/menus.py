"""The window's menu bar (File, Edit, Photo, View, Help): every shortcut of the app is on it, and Help ▸ Keyboard
shortcuts lists them with the keys that belong to the grid, the viewer and the search box."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from typing import Protocol

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QMessageBox, QWidget

from motis_desktop import __version__
from motis_desktop.core.services import SYNTAX_HELP
from motis_desktop.gui.dialogs import TextDialog
from motis_desktop.gui.library_model import SortOrder
from motis_desktop.gui.menu_keys import MENU_KEYS
from motis_desktop.gui.photo_actions import PhotoActions
from motis_desktop.gui.search_actions import ResultsController
from motis_desktop.gui.search_box import SearchController

_EXAMPLE = re.compile(r"^  (\S.*?)\s{2,}(\S.*)$")  # "  beach - people        '+ text' adds a term, ..."


class MainWindow(Protocol):
    """What the menus need of the window (gui.main_window.MainWindow; a protocol keeps the imports acyclic)."""

    results: ResultsController
    searcher: SearchController
    photo: PhotoActions

    def menuBar(self) -> QMenuBar: ...  # noqa: N802 - Qt's name
    def actions(self) -> list[QAction]: ...
    def action(self, text: str, slot: Callable[[], object], *keys: str | QKeySequence) -> QAction: ...
    def choose_folder(self) -> None: ...
    def start_indexing(self, resume: bool = False) -> None: ...
    def open_model_dialog(self) -> None: ...
    def open_settings(self) -> None: ...
    def close(self) -> bool: ...
    def focus_search(self) -> None: ...
    def escape(self) -> None: ...
    def toggle_details(self) -> None: ...
    def zoom(self, steps: int) -> None: ...


# Keys handled by a widget rather than a menu action (where they apply, what they do), in sentence case as the
# menu actions' rows above them in Help ▸ Keyboard shortcuts.
WIDGET_KEYS = (
    ("Enter", "Search (in the search box) / open the photo in your default app (in the grid)"),
    (
        "Space or double-click",
        "View the photo large; Left/Right: previous/next, Home/End: first/last; Esc or Space: back to the grid",
    ),
    (" or ".join(MENU_KEYS), "The current photo's menu (in the grid and the viewer; the Photo menu's actions)"),
    (
        "Enter in Skipped…",
        "Show the selected file in its folder (Ctrl+Shift+R too); Ctrl+Shift+C or Ctrl+C: copy its path; "
        f"{' or '.join(MENU_KEYS)}: its menu",
    ),
    ("Down or Page Down", "From the search box into the grid"),
    ("Arrows, Home/End, Page Up/Down", "Move the current photo in the timeline"),
    ("Ctrl+wheel", "Zoom the timeline (as Ctrl+= / Ctrl+-)"),
    ("Click or drag the date strip", "Jump to a month (the timeline's right edge)"),
)


def build_menus(window: MainWindow) -> dict[str, QAction]:
    """Fill the window's menu bar; returns its actions by name."""
    bar = window.menuBar()
    act = window.action
    actions = {
        "add_folder": act("&Add folder…", window.choose_folder, "Ctrl+O"),
        "update_index": act("&Update index", lambda: window.start_indexing(resume=True), "F5"),  # a paused take-over
        "install_model": act("&Install model…", window.open_model_dialog),
        "settings": act("&Settings…", window.open_settings, "Ctrl+,"),
        "quit": act("&Quit", window.close, "Ctrl+Q"),  # the standard key is empty on some platforms
        "find": act("&Find…", window.focus_search, "Ctrl+F", "/"),
        "copy": act("&Copy photos", window.results.copy_selection, QKeySequence(QKeySequence.StandardKey.Copy)),
        "back": act("&Back to the gallery", window.escape, "Esc"),
        "show_more": act("Show &more results", window.searcher.show_more, "Ctrl+M"),
        "details": act("&Details", window.toggle_details, "I"),
        "zoom_in": act("Zoom &in", lambda: window.zoom(1), "Ctrl+=", "Ctrl++"),
        "zoom_out": act("Zoom &out", lambda: window.zoom(-1), "Ctrl+-"),
        "shortcuts": act("&Keyboard shortcuts", lambda: show_shortcuts(window), "F1"),
        "syntax": act("&Search syntax", lambda: show_syntax(window)),
        "about": act("&About MoTIS Desktop", lambda: show_about(window)),
    }
    window.results.empty.install.clicked.connect(actions["install_model"].trigger)  # the demo's empty result
    file_menu = bar.addMenu("&File")
    for name in ("add_folder", "update_index", "install_model", "settings"):
        file_menu.addAction(actions[name])
    file_menu.addSeparator()
    file_menu.addAction(actions["quit"])
    edit = bar.addMenu("&Edit")
    edit.addAction(actions["find"])
    edit.addAction(actions["copy"])
    photo = bar.addMenu("&Photo")  # the same actions as the grid's context menu (gui/photo_actions.py)
    photo.aboutToShow.connect(window.photo.refresh)
    for action in window.photo.all:
        photo.addAction(action)
    view = bar.addMenu("&View")
    for name in ("back", "show_more", "details", "zoom_in", "zoom_out"):
        view.addAction(actions[name])
    view.addSeparator()
    parent = window if isinstance(window, QWidget) else None
    order = QActionGroup(bar)
    orders = (
        ("by_date", "Sort by &date (newest first)", SortOrder.DATE),
        ("by_folder", "Sort by &folder", SortOrder.FOLDER),
    )
    for name, text, value in orders:
        action = QAction(text, parent)
        action.setCheckable(True)
        action.setChecked(window.results.order == value)
        action.triggered.connect(lambda _checked=False, value=value: window.results.set_order(value))
        # an order change given up (Esc) checks the order on show again
        window.results.order_changed.connect(lambda now, action=action, value=value: action.setChecked(now == value))
        order.addAction(action)
        view.addAction(action)
        actions[name] = action
    help_menu = bar.addMenu("&Help")
    for name in ("shortcuts", "syntax", "about"):
        help_menu.addAction(actions[name])
    return actions


def shortcut_rows(window: MainWindow) -> list[tuple[str, str]]:
    """(keys, what they do) for every action with a shortcut, then the widgets' own keys."""
    rows = []
    menus = [top.menu() for top in window.menuBar().actions()]
    on_menus = [a for menu in menus if isinstance(menu, QMenu) for a in menu.actions()]
    for action in dict.fromkeys(on_menus + window.actions()):  # in the menus' order, File to Help
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        if keys:
            rows.append((" or ".join(keys), action.text().replace("&", "").rstrip("…")))
    return rows + list(WIDGET_KEYS)


def show_shortcuts(window: MainWindow) -> TextDialog:
    rows = "".join(
        f"<tr><td style='white-space: nowrap; padding-right: 16px'><b>{keys}</b></td><td>{what}</td></tr>"
        for keys, what in shortcut_rows(window)
    )
    box = TextDialog("Keyboard shortcuts", f"<table cellspacing='2'>{rows}</table>", _parent(window))
    box.setObjectName("shortcutsDialog")
    box.open()
    return box


def show_syntax(window: MainWindow) -> TextDialog:
    box = TextDialog("Search syntax", syntax_table(SYNTAX_HELP), _parent(window))
    box.setObjectName("syntaxDialog")
    box.open()
    return box


def syntax_table(help_text: str) -> str:
    """The query language's help (its command-line layout: an example, then its description from a fixed column,
    continued on lines that start blank) as a table whose descriptions wrap to the dialog's width."""
    rows: list[list[str]] = []
    for line in help_text.splitlines()[1:]:  # the first line ("query syntax:") is the dialog's title
        if row := _EXAMPLE.match(line):
            rows.append([row[1], row[2]])
        elif rows and line.startswith("   "):  # a description's next line
            rows[-1][1] += " " + line.strip()
        elif line.strip():
            rows.append(["", line.strip()])
    cells = "".join(
        f"<tr><td style='white-space: pre; padding-right: 16px'><code>{escape(example)}</code></td>"
        f"<td>{escape(what)}</td></tr>"
        for example, what in rows
        if example
    )
    notes = "".join(f"<p>{escape(what)}</p>" for example, what in rows if not example)
    return f"<table cellspacing='2'>{cells}</table>{notes}"


def _parent(window: MainWindow) -> QWidget | None:
    return window if isinstance(window, QWidget) else None


def show_about(window: MainWindow) -> None:
    QMessageBox.about(
        window if isinstance(window, QWidget) else None,
        "About MoTIS Desktop",
        f"MoTIS Desktop {__version__}\nFind photos on your own disk by describing them in words. "
        "Offline and private: nothing leaves this computer.",
    )
