"""What an indexing run reports: progress snapshots while it runs, a summary at the end."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from motis_desktop.core.formatting import count, left_out_words, own_folder_words
from motis_desktop.core.kinds import ImageProblem, ProgressPhase

# Photos encoded together at most: each waits in memory as its model input (224 px: 0.6 MB, 384 px: 1.8 MB) while
# its batch fills, and larger batches do not run faster on a CPU; --batch-size 100000 would have held 60 GB.
MAX_BATCH = 128


@dataclass(frozen=True)
class Progress:
    """A snapshot of indexing progress (``phase``: scan, encode, or text: reading the words in photos)."""

    phase: ProgressPhase
    done: int
    total: int
    encoded: int
    skipped: int
    elapsed_s: float
    rate: float  # files per second in this phase
    eta_s: float | None
    current: str = ""
    indexed_before: int = 0  # encode phase: photos that had this model's vector before it began (a resumed run's)


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str  # the reader's words (the detail)
    problem: ImageProblem | None = None  # the kind, where the file reached a decoder
    earlier: bool = False  # an earlier run could not read it either (its error is remembered until it changes)
    # False: the scan left it out, it is no file of the library (a broken link, a link loop, a folder that cannot
    # be listed, a path too long): never in the gallery, and reported again by every run
    in_library: bool = True

    @property
    def message(self) -> str:
        """What to tell the user, made from the kind (the words alone where there is none)."""
        return self.problem.explain(self.reason) if self.problem else self.reason

    @property
    def specific(self) -> str:
        """The specific reason alone, for a list whose titles say the kind (the window's Skipped…): the core's words
        as in :attr:`message`, without the kind's lead."""
        return self.problem.reason(self.reason) if self.problem else self.reason

    @property
    def unreadable(self) -> bool:
        """A file of the library that cannot be read until it changes: the front ends count it apart from the
        photos (the window shows it as a broken image; ``motis status``: "with errors")."""
        return self.in_library and self.problem not in (ImageProblem.UNREADABLE, ImageProblem.VANISHED)

    @property
    def retried(self) -> bool:
        """A file of the library that could not be read now (permissions, I/O): the next run tries it again."""
        return self.in_library and self.problem is ImageProblem.UNREADABLE


@dataclass(frozen=True)
class FolderMove:
    """A library folder (``old``, out of reach) found again as ``new``, with its ``photos``."""

    old: str
    new: str
    photos: int

    @property
    def words(self) -> str:
        """The words both front ends say: "Pictures seems to have moved to Photos: its 344 photos now live there"
        (full paths where the two names alone would not tell them apart)."""
        same_parent = os.path.dirname(self.old) == os.path.dirname(self.new)
        old, new = (os.path.basename(self.old), os.path.basename(self.new)) if same_parent else (self.old, self.new)
        live = "lives" if self.photos == 1 else "live"
        return f"{old} seems to have moved to {new}: its {count(self.photos, 'photo')} now {live} there"


@dataclass(frozen=True)
class FolderLocated:
    """What a move did: ``moved`` of the ``photos`` of ``old`` now live below ``new``, which holds ``others`` more."""

    old: str
    new: str
    photos: int
    moved: int
    others: int  # photos in ``new`` that were not ``old``'s: indexed by the next run

    @property
    def missing(self) -> int:
        """Photos of ``old`` that were not found below ``new`` (they left the library, remembered a while)."""
        return self.photos - self.moved

    @property
    def words(self) -> str:
        """What both front ends say: "moved 340 of 344 photos to /x/Photos; 4 were not there"."""
        if not self.photos:
            return f"{self.new} took the place of {self.old} (it held no photos)"
        if not self.missing:
            return f"moved {'its' if self.moved == 1 else 'all'} {count(self.moved, 'photo')} to {self.new}"
        were = "was" if self.missing == 1 else "were"
        return f"moved {self.moved} of {count(self.photos, 'photo')} to {self.new}; {self.missing} {were} not there"

    def to_json(self) -> dict[str, object]:
        return {"from": self.old, "to": self.new, "photos": self.photos, "moved": self.moved, "others": self.others}


@dataclass
class IndexSummary:
    model_id: str
    encoded: int = 0
    unchanged: int = 0
    renamed: int = 0
    removed: int = 0
    copied: int = 0  # new files whose bytes the library held: they took that photo's embeddings, date and text
    returned: int = 0  # new files whose bytes left the library lately: they took what was kept of them (gone.py)
    skipped: list[Skipped] = field(default_factory=list)
    cancelled: bool = False
    elapsed_s: float = 0.0
    text_read: int = 0  # photos whose text the text stage read (core/ocr/stage.py)
    text_failed: list[Skipped] = field(default_factory=list)  # photos whose text could not be read
    indexed_before: int = 0  # photos that had this model's vector when the encode phase began
    # Each scanned folder that could be listed: how many photos its scan found (0: a folder without photos)
    folder_photos: dict[str, int] = field(default_factory=dict)
    offline: list[str] = field(default_factory=list)  # library folders out of reach this run (photos kept)
    # Folders that went away while the run read their photos → photos not read (went_away.py): no skipped files
    went_away: dict[str, int] = field(default_factory=dict)
    # Library folders that hold the app's own home, left out of the scan (own_folder.py; formatting.own_folder_words)
    own_folder_in: list[str] = field(default_factory=list)
    # Library folders found again under a new name, their photos kept (folder_moves.py: FolderMove.words)
    moved: list[FolderMove] = field(default_factory=list)
    # Library folders → the account's application data folders in them the scan left out (app_data.py)
    app_data_in: dict[str, list[str]] = field(default_factory=dict)
    # Files that failed while still being written (a slow copy): not skipped, left to index (settling.py)
    still_written: list[str] = field(default_factory=list)
    took_over: str | None = None  # the model that took over from the demo model after this run (models.takeover)
    # Library folders out of reach → their photos without a vector of this run's model (went_away.waiting_for),
    # encoded when they are back; ``model_name`` says which model (``waiting_words``)
    waiting: dict[str, int] = field(default_factory=dict)
    model_name: str = ""
    # Photos the run took in (new, moved, encoded) and dropped because their folder was removed from the library
    # meanwhile, by another process or the window's Settings (``dropped_words``)
    dropped: int = 0
    # Files that could not be read before this run (an error): those removed (counted in ``removed`` too), those
    # changed since (``retried``: read again) and of those the ones read now (``repaired``, counted in ``encoded``
    # too): "1 unreadable file gone", "1 unreadable file can now be shown" (QA walk 9 #8: "1 photo indexed, 1 removed")
    unreadable_removed: int = 0
    retried: set[int] = field(default_factory=set)
    repaired: int = 0

    @property
    def waiting_words(self) -> str:
        """ "6 photos on an unplugged drive will be indexed with other when it is back" ("" when none wait)."""
        n = sum(self.waiting.values())
        if not n:
            return ""
        where = "an unplugged drive" if len(self.waiting) == 1 else "unplugged drives"
        it = "it is" if len(self.waiting) == 1 else "they are"
        return f"{count(n, 'photo')} on {where} will be indexed with {self.model_name} when {it} back"

    @property
    def offline_words(self) -> str:
        """The library folders out of reach and their photos waiting for this run's model, in one line ("" when
        none): "/media/G6: offline (unplugged or moved?), its photos are kept; 6 will be indexed with other when it
        is back", or for several "2 folders offline (unplugged or moved?): /a, /b; their photos are kept; …" (QA:
        one line a folder, and the photos waiting on a second line, on every run while a drive was away)."""
        folders = list(dict.fromkeys([*self.offline, *self.waiting]))
        if not folders:
            return ""
        one = len(folders) == 1
        words = (
            f"{folders[0]}: offline (unplugged or moved?), its photos are kept"
            if one
            else f"{len(folders)} folders offline (unplugged or moved?): {', '.join(folders)}; their photos are kept"
        )
        if n := sum(self.waiting.values()):
            words += f"; {n} will be indexed with {self.model_name} when {'it is' if one else 'they are'} back"
        return words

    @property
    def dropped_words(self) -> str:
        """ "a folder was removed meanwhile: 6 photos dropped" ("" when none were)."""
        return f"a folder was removed meanwhile: {count(self.dropped, 'photo')} dropped" if self.dropped else ""

    @property
    def moved_photos(self) -> bool:
        """Whether the run changed which photos the library holds or where they are, not counting those it encoded
        (a front end reads the gallery again)."""
        return bool(self.removed or self.renamed or self.copied or self.returned or self.moved)

    def left_out(self) -> dict[str, list[str]]:
        """What the scan left out on purpose, by library folder, in the words both front ends say it with: the app's
        own data folder (``own_folder.py``), an account's application data (``app_data.py``)."""
        lines: dict[str, list[str]] = {}
        for folder in self.own_folder_in:
            lines.setdefault(folder, []).append(own_folder_words(folder))
        for folder, app_data in self.app_data_in.items():
            lines.setdefault(folder, []).append(left_out_words(folder, app_data))
        return lines

    @property
    def new_skipped(self) -> list[Skipped]:
        """The files this run could not read, less those an earlier run reported (``skipped`` lists them all:
        what a run's outcome line counts, so the same unreadable files are not news on every run)."""
        return [s for s in self.skipped if not s.earlier]

    def to_json(self) -> dict[str, object]:
        return {
            "model_id": self.model_id,
            "encoded": self.encoded,
            "unchanged": self.unchanged,
            "renamed": self.renamed,
            "removed": self.removed,
            "copied": self.copied,
            "returned": self.returned,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "skipped_new": len(self.new_skipped),
            "empty_folders": [path for path, n in self.folder_photos.items() if not n],
            "offline": self.offline,
            "own_folder_left_out": self.own_folder_in,
            "app_data_left_out": self.app_data_in,
            "went_away": [{"folder": folder, "photos": n} for folder, n in self.went_away.items()],
            "moved": [{"from": m.old, "to": m.new, "photos": m.photos} for m in self.moved],
            "still_being_written": self.still_written,
            "took_over": self.took_over,
            "waiting": [
                {"folder": folder, "photos": n, "model": self.model_name} for folder, n in self.waiting.items()
            ],
            "dropped": self.dropped,
            "cancelled": self.cancelled,
            "elapsed_s": round(self.elapsed_s, 3),
            "text_read": self.text_read,
            "text_failed": [{"path": s.path, "reason": s.reason} for s in self.text_failed],
        }


ProgressFn = Callable[[Progress], None]


def encode_progress(summary: IndexSummary, done: int, total: int, elapsed: float, current: str = "") -> Progress:
    """A snapshot of the encode phase: ``done`` of ``total`` files after ``elapsed`` seconds."""
    rate = done / max(elapsed, 1e-6)
    eta = (total - done) / rate if rate > 0 else None
    return Progress(
        ProgressPhase.ENCODE,
        done,
        total,
        summary.encoded,
        len(summary.skipped),
        elapsed,
        rate,
        eta,
        current,
        summary.indexed_before,
    )
