"""Which indexed files hold the same bytes (copies): one content takes one rank, before any cut-off or count.

Copies take their original's vector (``library/`` recognises them by their content hash), so a content with 500
copies held 500 of the best meaning ranks: the other photos were pushed past ``-k N``, the cut-off's depth and
"N more" counted files (the lead's note after QA walk 6, finding 7). Here every content is ranked once:

- ``ContentTable`` (read once, then caught up per library photos' version, as ``photo_table.py``) holds the files
  with a vector for the model that share their content hash with another such file, each with its *group*: the
  first indexed file of its content (the original, as a rule: a backup is made later). Files without copies are
  their own group.
- ``RankPlan`` says what a query ranks: without filters, every group's first file (the others left out of the
  vector search by id, or, when there are many, only the first files searched among); with filters or offline
  folders, the first file of each content among those they let through. ``candidates`` counts contents, and the
  words' hits on a copy count for the file ranked for its content (its path shown when the name matched).

Cost: one statement at the first query (the ``files_hash`` index, the files with copies only: 0.3-0.5 s for 100k
files that are all copies), then per photos' version only the contents a write touched are read again
(``caught_up``: the files whose vector or row changed and the vectors that left, ``library/change_log.py``; an
indexing batch's few contents, not every copy of the library), then NumPy per query.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.ocr.text_store import TextHit

# Without filters, a library's copies are left out of the vector search by id up to this many; with more, the search
# runs among the contents' first files instead (a search for k + 100k ids is a sort of the whole library).
EXCLUDED_MAX = 5_000

_COPIED = (  # the files with a vector for the model whose content another file holds too (the files_hash index)
    "SELECT f.id, f.content_hash FROM files f JOIN embeddings e ON e.file_id = f.id AND e.model_id = ? "
    "WHERE f.content_hash IN (SELECT content_hash FROM files WHERE content_hash IS NOT NULL "
    "GROUP BY content_hash HAVING COUNT(*) > 1)"
)
# files whose vector for the model or whose row (path, time: its bytes may be new) a write after a version changed
_TOUCHED = (
    "SELECT id, content_hash FROM files WHERE id IN "
    "(SELECT file_id FROM embeddings WHERE model_id = ? AND seq > ? UNION SELECT id FROM files WHERE seq > ?)"
)
_HOLDING = (  # the files with a vector for the model that hold one of some contents: from the hashes (the files_hash
    # index); CROSS JOIN keeps that order (SQLite chose to scan every vector of the model: 66 ms at 100k)
    "SELECT f.id, f.content_hash FROM json_each(?) h CROSS JOIN files f ON f.content_hash = h.value "
    "CROSS JOIN embeddings e ON e.file_id = f.id AND e.model_id = ?"
)
# more contents touched than this: the whole table is read instead (at 100k, 1,000 contents take ~0.1 s, all ~0.4 s)
CAUGHT_UP_MAX = 2_000


@dataclass(frozen=True)
class ContentTable:
    """The files with copies among those with a vector for one model, at one library version."""

    ids: np.ndarray  # sorted int64
    groups: np.ndarray  # aligned with ``ids``: the smallest id holding the same content (with a vector)
    version: int = -1  # the library version (``LibraryStore.version``) it reflects
    digests: dict[int, str] = field(default_factory=dict, repr=False, compare=False)  # group -> its content hash
    _firsts: dict[int, np.ndarray] = field(default_factory=dict, repr=False, compare=False)  # by index size

    @classmethod
    def read(cls, store: LibraryStore, model_id: str) -> ContentTable:
        """The table of ``store``'s files with copies (one statement)."""
        version = store.version()  # before the rows: a write between the two is read again by ``caught_up``
        return cls._of(store.select(_COPIED, (model_id,)), version)

    @classmethod
    def _of(cls, found: Iterable[tuple[object, object]], version: int) -> ContentTable:
        """The table of ``found`` (id, content hash) rows: the contents more than one of them holds."""
        members: dict[str, list[int]] = {}
        for fid, digest in found:
            members.setdefault(str(digest), []).append(int(str(fid)))
        # a content whose other files have no vector for the model ranks as a photo without copies: left out
        rows = sorted((fid, min(ids)) for ids in members.values() if len(ids) > 1 for fid in ids)
        digests = {min(ids): digest for digest, ids in members.items() if len(ids) > 1}
        ids = np.fromiter((fid for fid, _ in rows), dtype=np.int64, count=len(rows))
        groups = np.fromiter((group for _, group in rows), dtype=np.int64, count=len(rows))
        return cls(ids, groups, version, digests)

    def caught_up(self, store: LibraryStore, model_id: str) -> ContentTable:
        """This table at the library's version now: only the contents of the files whose vector or row changed
        since its version, or whose vector left (``library/change_log.py``), are read again (by their hash, old and
        new); the whole table is read when the log of removals does not reach back to its version."""
        version = store.version()
        if version == self.version:
            return self
        removed = store.removed_vectors(model_id, self.version)
        if removed is None:
            return ContentTable.read(store, model_id)
        touched = store.select(_TOUCHED, (model_id, self.version, self.version))
        ids = np.concatenate([removed, np.fromiter((r[0] for r in touched), dtype=np.int64, count=len(touched))])
        old = self._groups_among(ids)  # contents that had copies and lost a file or changed one
        hashes = {str(h) for _, h in touched if h} | {self.digests[g] for g in old}
        if not hashes:  # nothing with copies changed: the same rows (the index's ids may have: no ``_firsts``)
            return replace(self, version=version, _firsts={})
        if len(hashes) > CAUGHT_UP_MAX:
            return ContentTable.read(store, model_id)
        rows = store.select(_HOLDING, (json.dumps(sorted(hashes)), model_id))
        fresh = ContentTable._of(rows, version)
        # every file now holding one of those contents is read: one that had copies already names its old group
        old |= self._groups_among(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))
        keep = ~np.isin(self.groups, list(old))
        ids = np.concatenate([self.ids[keep], fresh.ids])
        order = np.argsort(ids, kind="stable")
        digests = dict(self.digests)  # a copy (C speed): a dict comprehension took 20 ms at 40k contents
        for group in old:
            del digests[group]
        digests.update(fresh.digests)
        return ContentTable(ids[order], np.concatenate([self.groups[keep], fresh.groups])[order], version, digests)

    def _groups_among(self, file_ids: np.ndarray) -> set[int]:
        """The groups of those of ``file_ids`` that are in the table."""
        if not len(self.ids) or not len(file_ids):
            return set()
        at = np.minimum(np.searchsorted(self.ids, file_ids), len(self.ids) - 1)
        return set(self.groups[at[self.ids[at] == file_ids]].tolist())

    @cached_property
    def redundant(self) -> np.ndarray:
        """The copies that are not their content's first file (sorted): left out of a search without filters."""
        copies: np.ndarray = self.ids[self.groups != self.ids]
        return copies

    def group_of(self, file_ids: np.ndarray) -> np.ndarray:
        """Each file's group (its own id when it has no copy)."""
        file_ids = np.asarray(file_ids, dtype=np.int64)
        if not len(self.ids) or not len(file_ids):
            return file_ids
        at = np.minimum(np.searchsorted(self.ids, file_ids), len(self.ids) - 1)
        groups: np.ndarray = np.where(self.ids[at] == file_ids, self.groups[at], file_ids)
        return groups

    def one_each(self, allowed: np.ndarray) -> np.ndarray:
        """The first file of each content among ``allowed`` (unique ids, in no particular order; so is the answer):
        only the files with copies are sorted (by group, then id)."""
        allowed = np.asarray(allowed, dtype=np.int64)
        if not len(self.ids) or not len(allowed):
            return allowed
        at = np.minimum(np.searchsorted(self.ids, allowed), len(self.ids) - 1)
        copied = self.ids[at] == allowed
        if not copied.any():
            return allowed
        copies, groups = allowed[copied], self.groups[at[copied]]
        order = np.lexsort((copies, groups))
        groups = groups[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = groups[1:] != groups[:-1]
        return np.concatenate([allowed[~copied], copies[order][first]])

    def plan(
        self, allowed: np.ndarray | None, total: int, every: Callable[[], np.ndarray], own: Iterable[int] = ()
    ) -> RankPlan:
        """What a query ranks among ``allowed`` (None: the ``total`` photos with a vector, ``every()`` their ids),
        one file per content, the contents of the ``own`` files (find similar: the photo and its copies) left out."""
        own_groups = frozenset(self.group_of(np.fromiter(own, dtype=np.int64)).tolist())
        if allowed is None:
            redundant = self.redundant
            if len(redundant) <= EXCLUDED_MAX:
                exclude = frozenset(redundant.tolist()) | own_groups
                return RankPlan(self, None, exclude, max(total - len(exclude), 0))
            kept = self._firsts.get(total)
            if kept is None:  # the index's ids less the copies, once per version and index size
                self._firsts.clear()
                ids = np.asarray(every(), dtype=np.int64)  # unique, as ``redundant``: no ``setdiff1d`` (160 ms)
                kept = self._firsts[total] = np.sort(ids[~np.isin(ids, redundant, assume_unique=True)])
        else:
            kept = self.one_each(allowed)
        if own_groups:
            kept = kept[~np.isin(self.group_of(kept), list(own_groups))]
        return RankPlan(self, kept, own_groups, len(kept))


@dataclass(frozen=True)
class RankPlan:
    """What one query ranks: ``allowed`` (None: the whole index) less ``exclude``; ``candidates`` contents."""

    table: ContentTable
    allowed: np.ndarray | None
    exclude: frozenset[int]
    candidates: int
    named: dict[int, int] = field(default_factory=dict)  # a ranked file -> its copy whose name the words matched

    def hits(self, found: list[TextHit], name: bool = False) -> list[TextHit]:
        """``found`` (words' hits, best first by share) with each copy's hit moved to its content's ranked file,
        one per content (the best); ``name``: the matched copy is remembered, so its path is the one shown."""
        if not found or not (len(self.table.ids) or self.exclude):
            return found
        ids = np.fromiter((h.file_id for h in found), dtype=np.int64, count=len(found))
        ranked = self._ranked_files(ids)
        out: dict[int, TextHit] = {}
        for hit, target in zip(found, ranked.tolist(), strict=True):
            if target < 0:
                continue
            best = out.get(target)
            if best is None or (hit.matched, -hit.bm25) > (best.matched, -best.bm25):
                out[target] = replace(hit, file_id=target)
                if name and target != hit.file_id:
                    self.named[target] = hit.file_id
                elif name:
                    self.named.pop(target, None)
        return list(out.values())

    def _ranked_files(self, ids: np.ndarray) -> np.ndarray:
        """The file ranked for each of ``ids``' contents (-1: its content is not ranked)."""
        groups = self.table.group_of(ids)
        if self.allowed is None:
            dropped = np.isin(groups, list(self.exclude)) if self.exclude else np.zeros(len(groups), dtype=bool)
            return np.where(dropped, -1, groups)
        kept_groups = self.table.group_of(self.allowed)
        order = np.argsort(kept_groups, kind="stable")
        at = np.minimum(np.searchsorted(kept_groups[order], groups), max(len(order) - 1, 0))
        if not len(order):
            return np.full(len(ids), -1, dtype=np.int64)
        found = kept_groups[order][at] == groups
        files: np.ndarray = np.where(found, self.allowed[order][at], -1)
        return files
