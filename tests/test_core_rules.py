"""Architecture rules of the headless core: no Qt, no printing, no exiting."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "motis_desktop" / "core"
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "PySide2", "shiboken6", "qtpy")


def _core_modules() -> list[str]:
    root = CORE.parent.parent
    return sorted(
        ".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__") for p in CORE.rglob("*.py")
    )


def test_importing_the_whole_core_loads_no_qt() -> None:
    code = (
        "import importlib, sys\n"
        f"for m in {_core_modules()!r}: importlib.import_module(m)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}]\n"
        "print(len(sys.modules)); assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) > 100  # the imports really ran


def test_core_source_has_no_qt_print_or_exit() -> None:
    offences = []
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                offences += [f"{path.name}: imports {n}" for n in names if n.split(".")[0] in QT_MODULES]
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name in ("print", "exit", "_exit", "quit"):
                    offences.append(f"{path.name}:{node.lineno}: calls {name}()")
    assert offences == []


def test_services_import_without_torch() -> None:
    """The GUI builds its window from Services before any model (and torch) is loaded."""
    code = "import sys, motis_desktop.core.services; assert 'torch' not in sys.modules"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
