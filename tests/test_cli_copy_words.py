"""``motis search`` says a result's copies in the window's words (lead's note after QA walk 8): each copy's folder
below its library folder, a copy in another library folder led by that folder's name, copies in one folder counted,
"Also in: Disk/sub, Backup/Old disk/sub, Sent, and 1 more copy"; it printed each copy's full path ("also at
/home/…/Backup/Old disk/sub/red_00.jpg"). ``--json`` keeps the full paths, for scripts. The words are the core's
(``core/search/copy_words.py``), shared with the window (``test_gui_result_copies.py``)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from helpers.cli import run_cli

from motis_desktop.core.services import Services


def _copies(services: Services, photos: Path, disk: Path) -> Path:
    """``sub/red_00.jpg`` with four copies: a backup of its folder, two in ``Sent``, one in the library folder
    ``disk``; indexed. Its path."""
    original = photos / "sub" / "red_00.jpg"
    backup = photos / "Backup" / "Old disk" / "sub"
    backup.mkdir(parents=True)
    shutil.copy2(original, backup / "red_00.jpg")
    (photos / "Sent").mkdir()
    for name in ("red_00 mail.jpg", "red_00 chat.jpg"):
        os.link(original, photos / "Sent" / name)
    (disk / "sub").mkdir(parents=True)
    shutil.copy2(original, disk / "sub" / "red_00.jpg")
    services.add_folders([str(disk)])
    assert services.index(read_text=False).copied == 4
    services.close()
    return original


def test_search_names_each_copys_folder_below_its_library_folder(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    services, photos = colour_library
    original = _copies(services, photos, tmp_path / "Disk")
    lines = run_cli("search", "red", home=colour_home).stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.endswith(f"  {original}"))
    # one per other folder named first (the core's choice), the rest counted; no full path below a hit
    assert lines[at + 1] == "    Also in: Disk/sub, Backup/Old disk/sub, Sent, and 1 more copy", lines
    assert not any(str(tmp_path) in line for line in lines if line.startswith("    "))


def test_json_keeps_the_copies_full_paths(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """Guard: scripts read the exact paths."""
    services, photos = colour_library
    original = _copies(services, photos, tmp_path / "Disk")
    hits = json.loads(run_cli("search", "red", "--json", home=colour_home).stdout)
    hit = next(h for h in hits if h["path"] == str(original))
    assert hit["also_at"] == sorted(
        [
            str(tmp_path / "Disk" / "sub" / "red_00.jpg"),
            str(photos / "Backup" / "Old disk" / "sub" / "red_00.jpg"),
            hit["also_at"][2],  # one of the two in Sent (both are one folder)
        ]
    )
    assert os.path.dirname(hit["also_at"][2]) == str(photos / "Sent") and hit["also_more"] == 1


def test_a_folder_is_not_counted_short_when_some_of_its_copies_are_among_the_more() -> None:
    """QA walk 9 #4: three copies in Sent, two of them named, read "Sent (2), and 1 more copies"; each folder is
    named once and the other copies counted together, so no count is short. With every copy named, each folder's
    count is exact and stays."""
    from motis_desktop.core.search.copy_words import also_in

    photos = "/p/Photos"
    shown = f"{photos}/2024 Garden/a.jpg"
    backup, sent = f"{photos}/Backup/Old disk/2024 Garden/a.jpg", f"{photos}/Sent"
    named = (backup, f"{sent}/a 1.jpg", f"{sent}/a 2.jpg")
    assert also_in(named, "1 more", shown, (photos,)) == "Also in: Backup/Old disk/2024 Garden, Sent, and 2 more copies"
    assert also_in(named, "", shown, (photos,)) == "Also in: Backup/Old disk/2024 Garden, Sent (2)"
    assert also_in(named, "999+ more", shown, (photos,)).endswith("Sent, and 1,000+ more copies")
