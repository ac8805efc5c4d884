"""Retrieval evaluation (R@1/5/10 text→image and image→text) on a captioned image set.

Reads Karpathy-split JSON (``dataset_coco.json`` / ``dataset_flickr30k.json``:
``images`` with ``filename``, optional ``filepath``, ``split`` and
``sentences[].raw``) or COCO ``captions_*.json`` (``images`` with ``id`` and
``file_name``, ``annotations`` with ``image_id`` and ``caption``). Recall is
computed as in the retrieval literature: a caption's query succeeds at K if
its one ground-truth image ranks in the top K; an image's query succeeds at K
if any of its captions ranks in the top K.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from motis_desktop.core.errors import ImageError, MotisError, os_reason
from motis_desktop.core.images.preprocess import preprocess_file

if TYPE_CHECKING:
    from motis_desktop.core.models.engine import Encoder

KS = (1, 5, 10)


@dataclass(frozen=True)
class CaptionedSet:
    image_paths: list[Path]
    captions: list[str]
    caption_image: np.ndarray  # [n_captions] index into image_paths


def load_captions(captions_file: Path, images_dir: Path, split: str | None = "test") -> CaptionedSet:
    """Parse either supported caption format; ``split`` filters Karpathy entries (None: all).

    Any malformed content is a :class:`MotisError` naming the file and the entry, e.g.
    ``captions.json: images[3]: 'filename' must be a non-empty string``.
    """
    try:
        data = json.loads(Path(captions_file).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MotisError(f"no such file: {captions_file}") from None
    except OSError as exc:
        raise MotisError(f"{captions_file}: cannot read caption file ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise MotisError(f"{captions_file}: not a JSON caption file ({exc})") from None
    except RecursionError:
        raise MotisError(f"{captions_file}: not a caption file (its JSON is nested too deeply)") from None
    try:
        if isinstance(data, dict) and "annotations" in data:  # COCO captions_*.json
            images, captions, owner = _parse_coco(data, Path(images_dir))
        elif isinstance(data, dict) and "images" in data:  # Karpathy split
            images, captions, owner = _parse_karpathy(data, Path(images_dir), split)
        else:
            raise _Malformed("neither a Karpathy-split nor a COCO captions file (no 'images' or 'annotations')")
    except _Malformed as exc:
        raise MotisError(f"{captions_file}: {exc}") from None
    if not images or not captions:
        raise MotisError(f"{captions_file}: no images with captions" + (f" in split {split!r}" if split else ""))
    missing = [p for p in images if not p.is_file()]
    if missing:
        raise MotisError(
            f"{len(missing)} images listed in {captions_file} are missing under {images_dir}, e.g. {missing[0]}"
        )
    return CaptionedSet(images, captions, np.asarray(owner, dtype=np.int64))


class _Malformed(Exception):
    """A caption file's content does not have the expected shape; the message names the entry."""


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise _Malformed(f"'{key}' must be a list, not {type(value).__name__}")
    return value


def _entry(items: list[Any], key: str, i: int) -> dict[str, Any]:
    if not isinstance(items[i], dict):
        raise _Malformed(f"{key}[{i}] must be an object, not {type(items[i]).__name__}")
    entry: dict[str, Any] = items[i]
    return entry


def _text(entry: dict[str, Any], field: str, where: str, required: bool = True) -> str | None:
    value = entry.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or "\x00" in value:
        raise _Malformed(f"{where}: '{field}' must be a non-empty string, not {value!r:.60}")
    return value


def _parse_coco(data: dict[str, Any], images_dir: Path) -> tuple[list[Path], list[str], list[int]]:
    images: list[Path] = []
    captions: list[str] = []
    owner: list[int] = []
    index: dict[object, int] = {}
    entries = _list(data, "images") if "images" in data else []
    for i in range(len(entries)):
        image = _entry(entries, "images", i)
        image_id = image.get("id")
        if isinstance(image_id, bool) or not isinstance(image_id, (int, str)):
            raise _Malformed(f"images[{i}]: 'id' must be a number or string, not {image_id!r:.60}")
        index[image_id] = len(images)
        images.append(images_dir / str(_text(image, "file_name", f"images[{i}]")))
    annotations = _list(data, "annotations")
    for i in range(len(annotations)):
        ann = _entry(annotations, "annotations", i)
        image_id = ann.get("image_id")
        caption = _text(ann, "caption", f"annotations[{i}]")
        if isinstance(image_id, (int, str)) and not isinstance(image_id, bool) and image_id in index:
            captions.append(str(caption))
            owner.append(index[image_id])
    return images, captions, owner


def _parse_karpathy(
    data: dict[str, Any], images_dir: Path, split: str | None
) -> tuple[list[Path], list[str], list[int]]:
    images: list[Path] = []
    captions: list[str] = []
    owner: list[int] = []
    entries = _list(data, "images")
    for i in range(len(entries)):
        image = _entry(entries, "images", i)
        if split and image.get("split") != split:
            continue
        where = f"images[{i}]"
        filename = str(_text(image, "filename", where))
        filepath = _text(image, "filepath", where, required=False)
        folder = images_dir / filepath if filepath else images_dir
        path = folder / filename
        if not path.exists() and (images_dir / filename).exists():
            path = images_dir / filename
        sentences = image.get("sentences", [])
        if not isinstance(sentences, list):
            raise _Malformed(f"{where}: 'sentences' must be a list, not {type(sentences).__name__}")
        for j in range(len(sentences)):
            sentence = _entry(sentences, f"{where}.sentences", j)
            captions.append(str(_text(sentence, "raw", f"{where}.sentences[{j}]")))
            owner.append(len(images))
        images.append(path)
    return images, captions, owner


def recall_at_k(similarity: np.ndarray, caption_image: np.ndarray, ks: tuple[int, ...] = KS) -> dict[str, float]:
    """Recalls (in %) from a ``[n_captions, n_images]`` similarity matrix."""
    n_captions, n_images = similarity.shape
    # Text → image: rank of each caption's ground-truth image (0 = best).
    true_scores = similarity[np.arange(n_captions), caption_image]
    t2i_rank = (similarity > true_scores[:, None]).sum(axis=1)
    # Image → text: best rank among the image's captions.
    by_image = similarity.T  # [n_images, n_captions]
    i2t_rank = np.full(n_images, n_captions, dtype=np.int64)
    for image in range(n_images):
        mine = np.flatnonzero(caption_image == image)
        if len(mine):
            ranks = (by_image[image][None, :] > by_image[image, mine][:, None]).sum(axis=1)
            i2t_rank[image] = ranks.min()
    has_captions = np.isin(np.arange(n_images), caption_image)
    out: dict[str, float] = {}
    for k in ks:
        out[f"t2i_r{k}"] = float(100.0 * np.mean(t2i_rank < k))
        out[f"i2t_r{k}"] = float(100.0 * np.mean(i2t_rank[has_captions] < k))
    return out


def evaluate(
    encoder: Encoder,
    dataset: CaptionedSet,
    batch_size: int = 32,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, Any]:
    """Encode every image and caption, then compute R@1/5/10 both ways.

    An image that cannot be read or decoded is skipped with its captions and listed under ``skipped``
    (path and reason); the recalls are over the images that remain.
    """
    cfg = encoder.preprocess_config
    total = len(dataset.image_paths)
    image_vectors = []
    kept: list[int] = []
    skipped: list[dict[str, str]] = []

    def load(path: Path) -> np.ndarray | str:
        try:
            return preprocess_file(path, cfg)
        except ImageError as exc:
            return str(exc)
        except OSError as exc:
            return f"cannot read: {os_reason(exc)}"

    with ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
        for start in range(0, total, batch_size):
            if cancel is not None and cancel.is_set():
                raise MotisError("evaluation cancelled")
            paths = dataset.image_paths[start : start + batch_size]
            batch = []
            for offset, loaded in enumerate(pool.map(load, paths)):
                if isinstance(loaded, str):
                    skipped.append({"path": str(paths[offset]), "reason": loaded})
                else:
                    batch.append(loaded)
                    kept.append(start + offset)
            if batch:
                image_vectors.append(encoder.encode_images(np.stack(batch)))
            if progress:
                progress(min(start + batch_size, total), total)
    if not kept:
        raise MotisError(
            f"none of the {total} images could be read (first: {skipped[0]['path']}: {skipped[0]['reason']})"
        )
    position = np.full(total, -1, dtype=np.int64)
    position[kept] = np.arange(len(kept))
    keep_caption = position[dataset.caption_image] >= 0
    captions = [c for c, keep in zip(dataset.captions, keep_caption, strict=True) if keep]
    caption_image = position[dataset.caption_image[keep_caption]]
    text_vectors = [encoder.encode_queries(captions[i : i + 256]) for i in range(0, len(captions), 256)]
    similarity = np.vstack(text_vectors) @ np.vstack(image_vectors).T
    result: dict[str, Any] = dict(recall_at_k(similarity, caption_image))
    result["n_images"] = len(kept)
    result["n_captions"] = len(captions)
    result["skipped"] = skipped
    return result
