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
from typing import TYPE_CHECKING

import numpy as np

from motis_desktop.core.errors import MotisError
from motis_desktop.core.images.preprocess import preprocess_file

if TYPE_CHECKING:
    from motis_desktop.core.models.encoders.base import Encoder

KS = (1, 5, 10)


@dataclass(frozen=True)
class CaptionedSet:
    image_paths: list[Path]
    captions: list[str]
    caption_image: np.ndarray  # [n_captions] index into image_paths


def load_captions(captions_file: Path, images_dir: Path, split: str | None = "test") -> CaptionedSet:
    """Parse either supported caption format; ``split`` filters Karpathy entries (None: all)."""
    try:
        data = json.loads(Path(captions_file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MotisError(f"{captions_file}: cannot read caption file ({exc})") from None
    images: list[Path] = []
    captions: list[str] = []
    owner: list[int] = []
    if isinstance(data, dict) and "annotations" in data:  # COCO captions_*.json
        index = {}
        for image in data.get("images", []):
            index[image["id"]] = len(images)
            images.append(Path(images_dir) / image["file_name"])
        for ann in data["annotations"]:
            if ann["image_id"] in index:
                captions.append(ann["caption"])
                owner.append(index[ann["image_id"]])
    elif isinstance(data, dict) and "images" in data:  # Karpathy split
        for image in data["images"]:
            if split and image.get("split") != split:
                continue
            folder = Path(images_dir) / image["filepath"] if image.get("filepath") else Path(images_dir)
            path = folder / image["filename"]
            if not path.exists() and (Path(images_dir) / image["filename"]).exists():
                path = Path(images_dir) / image["filename"]
            for sentence in image.get("sentences", []):
                captions.append(sentence["raw"])
                owner.append(len(images))
            images.append(path)
    else:
        raise MotisError(f"{captions_file}: neither a Karpathy-split nor a COCO captions file")
    if not images or not captions:
        raise MotisError(f"{captions_file}: no images with captions" + (f" in split {split!r}" if split else ""))
    missing = [p for p in images if not p.is_file()]
    if missing:
        raise MotisError(
            f"{len(missing)} images listed in {captions_file} are missing under {images_dir}, e.g. {missing[0]}"
        )
    return CaptionedSet(images, captions, np.asarray(owner, dtype=np.int64))


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
) -> dict[str, float | int]:
    """Encode every image and caption, then compute R@1/5/10 both ways."""
    cfg = encoder.preprocess_config
    total = len(dataset.image_paths)
    image_vectors = []
    with ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
        for start in range(0, total, batch_size):
            if cancel is not None and cancel.is_set():
                raise MotisError("evaluation cancelled")
            batch = list(pool.map(lambda p: preprocess_file(p, cfg), dataset.image_paths[start : start + batch_size]))
            image_vectors.append(encoder.encode_images(np.stack(batch)))
            if progress:
                progress(min(start + batch_size, total), total)
    text_vectors = [encoder.encode_queries(dataset.captions[i : i + 256]) for i in range(0, len(dataset.captions), 256)]
    similarity = np.vstack(text_vectors) @ np.vstack(image_vectors).T
    result: dict[str, float | int] = dict(recall_at_k(similarity, dataset.caption_image))
    result["n_images"] = total
    result["n_captions"] = len(dataset.captions)
    return result
