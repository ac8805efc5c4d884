"""Run the app's torch-free paths in a fresh process with torch made unimportable, then report.

``python tests/helpers/torch_free.py cli|service HOME PHOTOS`` (run by tests/test_torch_free.py): index and
search in-process through the CLI, or answer a search through the query service, then print one JSON
line with what came back and whether torch was imported. ``block_torch()`` is also used by
``gui_torch_free.py`` (the GUI under pytest-qt).
"""

from __future__ import annotations

import contextlib
import importlib.abc
import io
import json
import sys


class _NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "torch" or name.startswith("torch."):
            raise ImportError(f"torch imported on a torch-free path ({name})")
        return None


def block_torch() -> None:
    """Make any later ``import torch`` fail loudly (and fail if torch is already loaded)."""
    assert "torch" not in sys.modules, "torch was imported before the check started"
    sys.meta_path.insert(0, _NoTorch())


def _captured(fn, *args):  # type: ignore[no-untyped-def]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = fn(*args)
    return rc, out.getvalue(), err.getvalue()


def run_cli(home: str, photos: str) -> dict:
    from motis_desktop.cli.main import main

    index = _captured(main, ["--home", home, "index", photos, "--json"])
    search = _captured(main, ["--home", home, "search", "red", "-k", "2", "--json"])
    return {"index": index, "search": search}


def run_service(home: str, photos: str) -> dict:
    from helpers.serving import serving
    from motis_desktop.cli import server
    from motis_desktop.core.services import Services

    services = Services.open(home)
    try:
        with serving(services):
            reply = server.forward_search(services.home, ["blue", "-k", "2", "--json"])
    finally:
        services.close()
    return {"search": list(reply)}


if __name__ == "__main__":
    block_torch()
    mode, home_dir, photo_dir = sys.argv[1:4]
    result = {"cli": run_cli, "service": run_service}[mode](home_dir, photo_dir)
    result["torch_imported"] = "torch" in sys.modules
    print(json.dumps(result))
