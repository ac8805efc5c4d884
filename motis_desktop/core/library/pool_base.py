"""What both decoder pools share: the :class:`DecodePool` interface, journal hooks, per-stream settings."""

from __future__ import annotations

import abc
import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.library.file_decoder import DEFAULT_MEMORY_BUDGET, Decoded, DecodeJob


class DecodePool(Protocol):
    """Decodes jobs ahead of the consumer; results come in any order. One :meth:`stream` at a time; a pool
    serves any number of streams (indexing runs) until :meth:`close`."""

    crashes: int
    n_workers: int

    def stream(
        self,
        jobs: Iterable[DecodeJob],
        config: PreprocessConfig | None = None,
        hooks: JobHooks | None = None,
    ) -> Iterator[Decoded]: ...

    def close(self) -> None: ...

    def __enter__(self) -> DecodePool: ...

    def __exit__(self, *exc: object) -> None: ...


JobHook = Callable[[DecodeJob], None]


@dataclass(frozen=True)
class JobHooks:
    """Called (on the dispatcher thread) when a file is handed to a decoder, when its result or crash is
    known, and for a file whose worker died: the indexer journals them."""

    on_start: JobHook | None = None
    on_done: JobHook | None = None
    on_crash: JobHook | None = None


class PoolBase(abc.ABC):
    """What both pools share: the default preprocessing settings and journal hooks, replaced per stream."""

    def __init__(
        self,
        config: PreprocessConfig,
        workers: int = 1,
        queue_size: int = 32,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
        on_start: JobHook | None = None,
        on_done: JobHook | None = None,
        on_crash: JobHook | None = None,
    ) -> None:
        self.config = config
        self.n_workers = max(1, workers)
        self.queue_size = max(1, queue_size)
        self.hooks = JobHooks(on_start, on_done, on_crash)
        self.crashes = 0
        self._streaming = threading.Lock()
        self._prepare(memory_budget)

    @abc.abstractmethod
    def _prepare(self, memory_budget: int) -> None:
        """Set up this kind of pool's own state (nothing starts yet)."""

    @contextlib.contextmanager
    def _stream_settings(self, config: PreprocessConfig | None, hooks: JobHooks | None) -> Iterator[None]:
        """Use ``config``/``hooks`` for one stream; a second stream at the same time is a programming error."""
        if not self._streaming.acquire(blocking=False):
            raise RuntimeError("a decode pool serves one stream at a time")
        saved = self.config, self.hooks
        self.config, self.hooks = config or self.config, hooks or self.hooks
        try:
            yield
        finally:
            self.config, self.hooks = saved
            self._streaming.release()

    def stream(
        self,
        jobs: Iterable[DecodeJob],
        config: PreprocessConfig | None = None,
        hooks: JobHooks | None = None,
    ) -> Iterator[Decoded]:
        """Decode ``jobs`` in the workers; yield results as they arrive (any order)."""
        with self._stream_settings(config, hooks):
            yield from self._stream(jobs)

    @abc.abstractmethod
    def _stream(self, jobs: Iterable[DecodeJob]) -> Iterator[Decoded]:
        """The results of ``jobs`` as each pool decodes them (processes or threads)."""
