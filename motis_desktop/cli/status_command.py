"""``motis status``: the library's state, plain or ``--json`` (the same facts in both: QA walk 7 found the folders'
online state only in the plain output)."""

from __future__ import annotations

import argparse

from motis_desktop.cli.output import one_line, print_json
from motis_desktop.core.formatting import count
from motis_desktop.core.services import GONE_KEEP_DAYS, Services


def status_command(services: Services, args: argparse.Namespace) -> int:
    active = services.active_model()
    counts = services.counts(active.model_id if active else None)
    folders = services.folders()
    reports = {r.path: r for r in services.folder_reports()}  # online, and subfolders that cannot be opened
    gone = services.gone_photos()  # left the folders lately, remembered for their return
    data = {
        "home": str(services.home),
        "active_model": active.name if active else None,
        "model_id": active.model_id if active else None,
        "models": [m.name for m in services.installed_models()],
        "index_strategy": services.index_strategy(),
        "folders": [
            {
                "path": f.path,
                "files": f.file_count,
                "online": reports[f.path].online,
                "cannot_open": [
                    {"path": shut.path, "reason": shut.reason, "photos": shut.photos} for shut in reports[f.path].locked
                ],
            }
            for f in folders
        ],
        **counts,
        "text": {"reading": services.text_reading(), **services.text_status()},
        "gone_photos": gone,
    }
    if args.json:
        print_json(data)
        return 0
    print(f"home:    {data['home']}")
    print(f"model:   {data['active_model'] or 'none installed (motis models download NAME, or motis models import)'}")
    print(f"index:   {data['index_strategy']}")
    print(f"photos:  {counts['files']} files, {counts['indexed']} indexed, {counts['errors']} with errors")
    text = services.text_status()
    print(
        f"text:    {'read while indexing' if services.text_reading() else 'not read (motis config text on)'}; "
        f"{text['read']} read, {text['with_text']} with text, {text['failed']} failed"
    )
    if gone:
        it, them = ("it", "it") if gone == 1 else ("they", "them")
        print(
            f"removed: {count(gone, 'photo')} that left the folders, remembered for {GONE_KEEP_DAYS:g} days in case "
            f"{it} {'comes' if gone == 1 else 'come'} back (motis folders forget-removed forgets {them} now)"
        )
    print("folders:" + ("" if folders else " none yet (motis index FOLDER)"))
    for folder in folders:
        report = reports[folder.path]
        away = "" if report.online else ", offline: its photos are kept"
        print(f"  {one_line(folder.path)}  ({folder.file_count} files{away})")
        for shut in report.locked:  # QA walk 7: counted as indexed, yet missing from every search without a word
            print(f"    {one_line(shut.words())} of searches")
    return 0
