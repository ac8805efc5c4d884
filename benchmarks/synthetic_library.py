"""A home with a large library for query and start-up benchmarks, made in seconds.

Photos: ``n`` hard links to a handful of real JPEGs (scikit-image's sample photos at 1080p, or
generated ones), so every row is a real, decodable file without using disk space. Embeddings:
``n`` synthetic CLIP-like unit vectors (``bench_index.make_dataset``) stored through the library's
own ``commit_batch``. Models: a random-weights CLIP from our code, ViT-B/32-sized or tiny.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from motis_desktop.core.library.store import EncodedFile, LibraryStore, NewFile  # noqa: E402
from motis_desktop.core.paths import AppPaths  # noqa: E402
from motis_desktop.core.services import Services  # noqa: E402

TINY_OVERRIDES = {"vision_layers": 2, "vision_width": 128, "text_layers": 2, "text_width": 128, "text_heads": 2}


def install_random_clip(services: Services, name: str, size: str, scratch: Path) -> str:
    """Install a random-weights CLIP (``size``: "vitb32" or "tiny") and make it active; returns its model id."""
    import torch
    from safetensors.torch import save_file

    from motis_desktop.core.models.architectures.clip import CLIP, CLIPConfig

    torch.manual_seed(0)
    model = CLIP(CLIPConfig.vit_b32(**({} if size == "vitb32" else TINY_OVERRIDES)))
    path = scratch / f"{name}.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    info = services.import_checkpoint(path, name)
    path.unlink()
    services.use_model(info.name)
    return info.model_id


def source_photos(folder: Path) -> list[Path]:
    """Real sample photos at 1080p when scikit-image is installed, else generated photo-like JPEGs."""
    try:
        from photo_fixtures import make_photo_jpegs

        return make_photo_jpegs(folder, sizes=("1080p",))
    except ImportError:
        from motis_desktop.core.models.precision import _generated_jpeg

        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for seed in range(6):
            path = folder / f"generated_{seed}.jpg"
            path.write_bytes(_generated_jpeg(seed, 1920, 1080))
            paths.append(path)
        return paths


def build_library(services: Services, model_id: str, n: int, root: Path, seed: int = 0) -> float:
    """Add ``n`` photos (hard links) under ``root`` with synthetic embeddings for ``model_id``; seconds taken."""
    from bench_index import make_dataset

    started = time.perf_counter()
    sources = source_photos(root / "sources")
    photos = root / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    per_dir = 1000
    for i in range(n):
        sub = photos / f"d{i // per_dir:04d}"
        if i % per_dir == 0:
            sub.mkdir(exist_ok=True)
        target = sub / f"p{i:07d}.jpg"
        if not target.exists():
            os.link(sources[i % len(sources)], target)
    (folder,) = services.add_folders([str(photos)])
    stat = sources[0].stat()
    new = [
        NewFile(folder.id, str(photos / f"d{i // per_dir:04d}" / f"p{i:07d}.jpg"), stat.st_size, stat.st_mtime_ns)
        for i in range(n)
    ]
    store = LibraryStore(AppPaths(services.home).library_db)  # synthetic scan and vectors, below the door
    try:
        store.apply_scan(new, [], [], [])
        ids = [r.id for r in store.files(folder.id)]
        vectors, _, _ = make_dataset(len(ids), n_queries=2, seed=seed)
        for start in range(0, len(ids), 5000):
            batch = [
                EncodedFile(fid, stat.st_size, stat.st_mtime_ns, f"h{fid}", vectors[start + j])
                for j, fid in enumerate(ids[start : start + 5000])
            ]
            store.commit_batch(model_id, batch, [], [])
    finally:
        store.close()
    return time.perf_counter() - started


def rss_mb(pid: int | str = "self") -> tuple[float, float]:
    """(current, peak) resident memory of a process in MB, from /proc."""
    values = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                values[key] = int(value.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


QUERIES = (
    "a dog running on the beach",
    "sunset over the sea",
    "birthday cake with candles",
    "snowy mountains",
    "a red car in the street",
    "people at a restaurant table",
    "a cat sleeping on a sofa",
    "a receipt",
    "forest path in autumn",
    "city skyline at night",
    "children playing football",
    "flowers in a garden",
    "an astronaut in a white suit",
    "a cup of coffee",
    "a rocket on the launch pad",
    "galaxies in deep space",
    "close-up of an eye",
    "a cat with green eyes",
    "my passport photo",
    "wedding dress",
)
