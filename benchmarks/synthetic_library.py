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
    """Add ``n`` photos (hard links) under ``root`` with synthetic embeddings for ``model_id``; seconds taken.

    Every row says what the app's own indexing would have stored for its file (the size, mtime, content hash
    and date of the photo it links to, its text read with none found, its name indexed), so the app's start-up
    pass finds nothing to do (``check_untouched``). An earlier version gave every row the first photo's size
    and mtime: the scan took 5 of 6 rows for changed files, dropped their vectors and re-encoded them.
    """
    from bench_index import make_dataset

    started = time.perf_counter()
    sources = source_photos(root / "sources")
    photos = root / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    per_dir = 1000
    paths = [photos / f"d{i // per_dir:04d}" / f"p{i:07d}.jpg" for i in range(n)]
    for i, target in enumerate(paths):
        if i % per_dir == 0:
            target.parent.mkdir(exist_ok=True)
        if not target.exists():
            os.link(_source_of(sources, i), target)
    (folder,) = services.add_folders([str(photos)])
    facts = [_as_indexed(source) for source in sources]
    new = [NewFile(folder.id, str(path), *facts[i % len(sources)][:2]) for i, path in enumerate(paths)]
    store = LibraryStore(AppPaths(services.home).library_db)  # synthetic scan and vectors, below the door
    try:
        store.apply_scan(new, [], [], [])
        by_path = {r.path: r.id for r in store.files(folder.id)}
        ids = [by_path[str(path)] for path in paths]
        vectors, _, _ = make_dataset(len(ids), n_queries=2, seed=seed)
        for start in range(0, len(ids), 5000):
            batch = []
            for i in range(start, min(start + 5000, len(ids))):
                size, mtime_ns, _, taken, source, _ = facts[i % len(sources)]
                batch.append(EncodedFile(ids[i], size, mtime_ns, row_digest(i), vectors[i], taken, source))
            store.commit_batch(model_id, batch, [], [])
        _text_read_none_found(store, ids, [facts[i % len(sources)] for i in range(len(ids))])
    finally:
        store.close()
    return time.perf_counter() - started


COPY_EVERY = 20  # one photo in 20 is a copy of the one before it: a library with some copies, as most have


def row_digest(i: int) -> str:
    """Photo ``i``'s content hash as the library holds it: its own for 19 photos in 20, its neighbour's for the
    20th. The files are hard links to a handful of sources, so their real hashes would make a 100k library 6
    photos once search ranks one result per content; the app never hashes a file again whose size and time
    have not changed, so the rows stay as written."""
    key = i - 1 if i % COPY_EVERY == COPY_EVERY - 1 else i
    return f"{'be7c' * 6}{key:08x}"


Facts = tuple[int, int, str, float, str, tuple[int, int]]
LINKS_PER_FILE = 60_000  # ext4 allows 65,000 hard links to one file: a 1M library links to copies of the sources


def _source_of(sources: list[Path], i: int) -> Path:
    """The file photo ``i`` links to: its source, or a copy of it (same bytes and mtime, so the same facts)."""
    import shutil

    source = sources[i % len(sources)]
    block = i // (LINKS_PER_FILE * len(sources))
    if not block:
        return source
    copy = source.parent / f"copies{block}" / source.name
    if not copy.exists():
        copy.parent.mkdir(exist_ok=True)
        shutil.copy2(source, copy)
    return copy


def _as_indexed(photo: Path) -> Facts:
    """(size, mtime_ns, content hash, date taken, its source, (width, height)) as indexing stores them."""
    from PIL import Image

    from motis_desktop.core.images.dates import read_photo_date
    from motis_desktop.core.images.decode import read_image_bytes
    from motis_desktop.core.library.file_decoder import content_hash

    st = photo.stat()
    taken, source = read_photo_date(str(photo), st.st_mtime_ns)
    with Image.open(photo) as img:
        size = img.size
    return st.st_size, st.st_mtime_ns, content_hash(read_image_bytes(str(photo))), taken, str(source), size


def _text_read_none_found(store: LibraryStore, ids: list[int], facts: list[Facts]) -> None:
    """Record the words in every photo as read (none found) and index the file names, as indexing does."""
    from motis_desktop.core.ocr.engine import ENGINE_ID
    from motis_desktop.core.ocr.text_store import TextRead, TextStore

    texts = TextStore(store)
    for start in range(0, len(ids), 5000):
        reads = [TextRead(fid, f[0], f[1], (), None, *f[5]) for fid, f in zip(ids[start : start + 5000], facts[start:])]
        texts.save(reads, ENGINE_ID)
    texts.sync_names()


def library_counts(home: Path) -> tuple[int, int]:
    """(photos, vectors) the home's library holds, read without opening it through the app."""
    import sqlite3

    db = sqlite3.connect(f"file:{AppPaths(home).library_db}?mode=ro", uri=True)
    try:
        files = db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        vectors = db.execute("SELECT COUNT(DISTINCT file_id) FROM embeddings").fetchone()[0]
    finally:
        db.close()
    return int(files), int(vectors)


def unplugged_copy(home: Path, every: int = 10) -> Path:
    """``home``'s twin (``<home's parent>-offline/home``, made once) in which every ``every``-th photo belongs to a
    second library folder that is not there (a drive unplugged): its library, caches and settings copied, its
    models linked. Queries there leave those photos out."""
    import json
    import shutil
    import sqlite3

    twin = home.parent.with_name(home.parent.name + "-offline") / home.name
    if (twin.parent / "built").exists():
        return twin
    shutil.rmtree(twin, ignore_errors=True)
    twin.mkdir(parents=True)
    paths = AppPaths(home)
    source, db = sqlite3.connect(paths.library_db), sqlite3.connect(twin / paths.library_db.name)
    source.backup(db)
    source.close()
    shutil.copytree(home / "cache", twin / "cache")
    (twin / "models").symlink_to(home / "models")
    unplugged = str(home.parent / "unplugged")
    config = json.loads((home / "config.json").read_text())
    config["library_folders"] = [*config.get("library_folders", []), unplugged]
    (twin / "config.json").write_text(json.dumps(config, indent=2))
    with db:
        cursor = db.execute("INSERT INTO folders(path, added_at) VALUES (?, ?)", (os.fsencode(unplugged), time.time()))
        db.execute("UPDATE files SET folder_id = ? WHERE id % ? = 0", (cursor.lastrowid, every))
    db.close()
    (twin.parent / "built").write_text(str(every))
    return twin


def check_untouched(home: Path, n: int, when: str) -> None:
    """Fail loudly when the home's library does not hold ``n`` photos with a vector each (``when``: for the
    message), e.g. because the app's scan took synthetic rows for changed files and dropped their vectors."""
    files, vectors = library_counts(home)
    if files != n or vectors != n:
        raise SystemExit(f"{when}: the bench home holds {files} photos and {vectors} vectors, not {n} of each")


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


def keep_bytecode(env: dict[str, str], checkout: Path) -> dict[str, str]:
    """``env`` letting Python keep ``checkout``'s compiled bytecode (under a folder in /tmp, not in the checkout),
    as an installed app has it (a wheel's install and the bundle compile it; ``./dev app`` writes it on its first
    run); without it the environment decides, and ``PYTHONDONTWRITEBYTECODE=1`` (this workplace's default) makes
    every process compile the app's modules again (~0.12 s of a launch)."""
    import tempfile

    kept = {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}
    kept["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "motis-bench-pycache" / checkout.name)
    return kept
