"""How the indexer cuts the stream of decoded photos into the engine's batches (the one owner of their sizes)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def batches(decoded: Iterable[T], total: int, batch_size: int, lanes: int) -> Iterator[list[T]]:
    """``decoded`` (``total`` items) in batches of ``batch_size`` for ``lanes`` engine lanes.

    The last items go in smaller and smaller batches (half of what is left per lane), so the lanes finish together
    instead of one running the last batch alone while the other's core idles. The first batch of each lane (all
    idle at the start) share a run of fewer items than a batch per lane evenly: 6 new photos go to two lanes as 3
    and 3, side by side, not as one batch of 6 beside an idle lane."""
    batch: list[T] = []
    seen, size = 0, batch_size_for(total, batch_size, lanes)
    even_split = lanes  # batches still to give a lane that was idle at the start
    for item in decoded:
        batch.append(item)
        seen += 1
        if len(batch) >= size or seen >= total:
            yield batch
            batch = []
            even_split -= 1
            if even_split <= 0:
                size = batch_size_for(total - seen, batch_size, lanes)
    if batch:
        yield batch


def batch_size_for(left: int, batch_size: int, lanes: int) -> int:
    """The next batch's size when ``left`` items are still to come: ``batch_size``, or a lane's share of what is
    left once that is less than a batch for each lane."""
    if left < lanes * batch_size:
        return max(1, -(-left // lanes))
    return batch_size
