"""The library's reads and writes of when photos were taken (``files.taken_at``/``taken_source``): a part of
``store.LibraryStore``, apart to keep that module readable."""

from __future__ import annotations

from collections.abc import Iterable

from motis_desktop.core.kinds import DateSource
from motis_desktop.core.library.database import LibraryDatabase
from motis_desktop.core.library.records import FILE_COLUMNS, FileRecord, PhotoDate, file_record

_DATE_SOURCES = frozenset(s.value for s in DateSource)


class DateRows(LibraryDatabase):
    """Dates taken: those never read, stored, and read per file."""

    def undated(self, model_id: str, folder_ids: Iterable[int]) -> list[FileRecord]:
        """Embedded files of these folders whose date taken was never read (e.g. indexed before schema v3)."""
        ids = list(folder_ids)
        marks = ",".join("?" * len(ids)) or "NULL"
        rows = self._query(
            f"SELECT {FILE_COLUMNS} FROM files "
            f"WHERE folder_id IN ({marks}) AND taken_at IS NULL "
            "AND EXISTS (SELECT 1 FROM embeddings e WHERE e.file_id = files.id AND e.model_id = ?) ORDER BY path",
            (*ids, model_id),
        )
        return [file_record(r) for r in rows]

    def set_dates(self, dates: list[tuple[int, float, str]]) -> None:
        """Store (file_id, taken_at, source) for files whose date was read outside an encode batch."""
        if not dates:
            return
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE files SET taken_at = ?, taken_source = ? WHERE id = ?", [(t, s, i) for i, t, s in dates]
            )

    def dates(self, file_ids: Iterable[int]) -> dict[int, PhotoDate]:
        """Date taken per file id; the file's mtime (source "file") where it has not been read yet."""
        ids = list(file_ids)
        out: dict[int, PhotoDate] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for fid, taken, source, mtime_ns in self._query(
                f"SELECT id, taken_at, taken_source, mtime_ns FROM files WHERE id IN ({marks})", chunk
            ):
                out[fid] = (
                    PhotoDate(taken, DateSource(source))
                    if taken is not None and source in _DATE_SOURCES
                    else PhotoDate(mtime_ns / 1e9, DateSource.FILE)
                )
        return out
