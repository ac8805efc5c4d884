"""Installable models (``resources/models.json``) and their download + install.

Files are downloaded (resume, verification, cancel: :mod:`.download`) into ``cache/downloads/MODEL/``
(:mod:`.download_folder`: kept for the next try, one process at a time) and installed through
:class:`ModelStore`, so a failed download never leaves a model behind; the manifest records the sizes and
sha256 received. ``seed_towers`` lists the seed's published encoder files one by one: every image × text file
is offered as a pair model, whose notes say whether the seed measured that pair (its R@1/5/10) or only each
file with its own partner. ``format: open-clip-hf`` entries are a Hugging Face repository's files in
open_clip's layout, imported like ``motis models import --checkpoint FOLDER``; ``import_only`` ones
(MobileCLIP: research licence) have nothing to download.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from motis_desktop.core.errors import MotisError
from motis_desktop.core.formatting import format_size
from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.models.download_folder import downloading, drop_if_unusable, kept_bytes
from motis_desktop.core.models.installed import ModelStore
from motis_desktop.core.models.manifest import FORMAT_CHECKPOINT, FORMAT_OPEN_CLIP, FORMAT_PAIR, ModelInfo
from motis_desktop.core.models.staging import InstallCancelled, InstallStep
from motis_desktop.core.resources import resource_path

if TYPE_CHECKING:  # the HTTP client (http.client, urllib: ~30 ms) is imported with the first download, not at start
    from motis_desktop.core.models.download import DownloadError, DownloadProgress, DownloadResult

REGISTRY_FILE = "models.json"


@dataclass(frozen=True)
class RegistryFile:
    role: str
    url: str
    size: int | None = None
    sha256: str | None = None
    description: str = ""
    alternate_urls: tuple[str, ...] = ()
    r_at_10: float | None = None  # COCO 5K text-to-image R@10 published for this file, if any
    tower: str = ""  # id of the seed encoder file this is (``seed_towers``), if any
    filename: str = ""  # name in the downloaded folder (open-clip-hf: open_clip_config.json, ...)


@dataclass(frozen=True)
class RegistryModel:
    name: str
    display_name: str
    format: str
    embed_dim: int
    files: tuple[RegistryFile, ...]
    preprocess: PreprocessConfig = PreprocessConfig()
    license: str = ""
    notes: str = ""  # technical notes: shown on request (the window's "Technical details", ``--verbose``)
    summary: str = ""  # for people: speed, languages, licence in plain words (:meth:`sentence` adds the size)
    recommended: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    languages: str = ""  # e.g. "English" or "multilingual (100+ languages)"
    quality: str = ""  # a published quality figure, with ...
    quality_source: str = ""  # ... where it was published
    import_only: bool = False  # nothing to download: the user imports their own copy (licence)
    disk_size: int | None = None  # bytes once installed (ONNX towers), where it differs from the download
    disk_note: str = ""  # what makes up the disk size
    seed_measured: bool = False  # a pair the seed evaluated (its notes say ``MEASURED_MARK``)
    MEASURED_MARK: ClassVar[str] = "Tested together by the MoTIS authors"  # how such a pair's notes begin their figures

    @property
    def size(self) -> int:
        return sum(f.size or 0 for f in self.files)

    def sentence(self) -> str:
        """The model in one plain sentence: its size (once), then speed, languages and licence."""
        if self.import_only:
            size = "Import only"
        else:
            size = f"{format_size(self.size)} download" if self.size else "Download"
            size += f" ({format_size(self.disk_size)} on disk)" if self.disk_size else ""
        words = self.summary or "; ".join(x for x in (self.languages, self.license.split(";")[0]) if x)
        return f"{size} — {words}." if words else f"{size}."

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["preprocess"]
        extra = data.pop("extra")
        data["files"] = [{**f, "alternate_urls": list(f["alternate_urls"])} for f in data["files"]]
        return {**data, "size": self.size, "sentence": self.sentence(), **extra}


def load_registry() -> list[RegistryModel]:
    """The models users can install (from the bundled registry file), seed file combinations last."""
    data = json.loads(resource_path(REGISTRY_FILE).read_text(encoding="utf-8"))
    models = [_model_from_json(entry) for entry in data["models"]]
    if "seed_towers" in data:
        models += _combinations(data["seed_towers"], models)
    return models


def _preprocess(pre: dict[str, Any]) -> PreprocessConfig:
    return PreprocessConfig(
        pre.get("size", 224),
        tuple(pre.get("mean", PreprocessConfig().mean)),
        tuple(pre.get("std", PreprocessConfig().std)),
    )


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``data`` that are fields of ``cls`` (a registry may say more, e.g. ``size_is_approximate``)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _file_from_json(f: dict[str, Any]) -> RegistryFile:
    return RegistryFile(**{**_known(RegistryFile, f), "alternate_urls": tuple(f.get("alternate_urls", ()))})


def _model_from_json(entry: dict[str, Any]) -> RegistryModel:
    return RegistryModel(
        **{
            **_known(RegistryModel, entry),
            "preprocess": _preprocess(entry.get("preprocess", {})),
            "files": tuple(_file_from_json(f) for f in entry["files"]),
        }
    )


def _combinations(towers: dict[str, Any], listed: list[RegistryModel]) -> list[RegistryModel]:
    """One pair model per image file × text file of the seed, except pairs already listed as models."""
    images = [_file_from_json({**t, "role": "image", "tower": t["id"]}) for t in towers["image"]]
    texts = [_file_from_json({**t, "role": "text", "tower": t["id"]}) for t in towers["text"]]
    names = {t["id"]: t["display_name"] for t in (*towers["image"], *towers["text"])}
    measured = {(m["image"], m["text"]): m for m in towers.get("measured", [])}
    listed_pairs = {tuple(f.url for f in m.files) for m in listed}
    out = []
    for image in images:
        for text in texts:
            if (image.url, text.url) in listed_pairs:
                continue
            m = measured.get((image.tower, text.tower))
            if m:
                recall = f"{m['r1']}/{m['r5']}/{m['r10']}"
                quality = f"{RegistryModel.MEASURED_MARK}: COCO 5K text-to-image R@1/5/10 {recall}."
            else:
                quality = (
                    "Not tested together by the MoTIS authors: a combination of your choice. "
                    f"R@10 they publish per file: image {_r10(image)}, text {_r10(text)}."
                )
            out.append(
                RegistryModel(
                    name=f"motis-{image.tower}.{text.tower}",
                    display_name=f"MoTIS files: {names[image.tower]} + {names[text.tower]}",
                    format=FORMAT_PAIR,
                    embed_dim=towers["embed_dim"],
                    preprocess=_preprocess(towers.get("preprocess", {})),
                    license=towers.get("license", ""),
                    notes=f"{quality} {towers.get('notes', '')}".strip(),
                    summary=towers.get("summary", ""),
                    files=(image, text),
                    extra={"combination": {"image": image.tower, "text": text.tower, "measured": m is not None}},
                    languages=towers.get("languages", ""),
                    quality=f"COCO 5K text-to-image R@1/5/10 {recall}" if m else "",
                    quality_source="the MoTIS authors' README" if m else "",
                    seed_measured=m is not None,
                )
            )
    return out


def _r10(f: RegistryFile) -> str:
    return "not published" if f.r_at_10 is None else f"{f.r_at_10}"


def find_model(name: str) -> RegistryModel:
    registry = load_registry()
    for model in registry:
        if model.name == name:
            return model
    names = ", ".join(m.name for m in registry)
    raise MotisError(f"no model named {name!r} in the registry (available: {names})")


@dataclass(frozen=True)
class InstallProgress:
    """Progress of a whole model install: which file, and that file's download progress; once every file is here,
    one record with ``step`` CONVERT (its ``download``: the bytes of all the files) says the conversion began."""

    model: str
    file_index: int
    file_count: int
    role: str
    download: DownloadProgress
    step: InstallStep = InstallStep.DOWNLOAD


def install_from_registry(
    model: RegistryModel,
    store: ModelStore,
    downloads_dir: Path,
    progress: Callable[[InstallProgress], None] | None = None,
    cancel: threading.Event | None = None,
    timeout_s: float = 30.0,
    replace: bool = False,
) -> ModelInfo:
    """Download every file of ``model`` and install it as ``model.name``. ``cancel`` stops the download within a chunk
    and the conversion between its steps; the downloaded files are kept for the next try either way (cancelled
    while converting, they are complete: the next try converts at once)."""
    if model.import_only:
        raise MotisError(
            f"{model.name} is not downloadable ({model.license.split(':')[0]}): import your own copy with "
            "'motis models import --checkpoint FOLDER --name NAME'"
        )
    if model.format not in (FORMAT_PAIR, FORMAT_CHECKPOINT, FORMAT_OPEN_CLIP):
        raise MotisError(f"registry entry {model.name!r} has an unknown format {model.format!r}")
    with downloading(downloads_dir, model.name):  # one download of a model at a time: they share its folder
        if not replace and any(m.name == model.name for m in store.list()):  # (a download that held it may have)
            raise MotisError(f"model {model.name!r} is already installed")
        work = downloads_dir / model.name
        results = _download_files(model, work, progress, cancel, timeout_s)
        files = [
            {"role": role, "url": url, "size": res.size, "sha256": res.sha256, "verified_by": res.verified_by}
            for role, (url, res) in results.items()
        ]
        origin = {"registry": model.name, "files": files}
        _converting(model, results, progress)
        cancelled = False
        try:
            if model.format == FORMAT_PAIR:
                image, text = results["image"][1].path, results["text"][1].path
                return store.import_pair(
                    image, text, model.name, model.preprocess, replace=replace, origin=origin, cancel=cancel
                )
            if model.format == FORMAT_OPEN_CLIP:
                return store.import_open_clip(work, model.name, replace=replace, origin=origin, cancel=cancel)
            checkpoint = results["checkpoint"][1].path
            return store.import_checkpoint(checkpoint, model.name, replace=replace, origin=origin, cancel=cancel)
        except InstallCancelled:
            cancelled = True  # the files stay, verified, for the next try: a 231 MB download is not thrown away
            raise
        finally:
            if not cancelled:
                shutil.rmtree(work, ignore_errors=True)  # installed copies live in the models folder


def _converting(
    model: RegistryModel,
    results: dict[str, tuple[str, DownloadResult]],
    progress: Callable[[InstallProgress], None] | None,
) -> None:
    """Say that every file is here and the conversion begins (:class:`InstallStep`)."""
    from motis_desktop.core.models.download import DownloadProgress  # see the import at the top

    if progress is not None:
        size = sum(result.size for _url, result in results.values())
        done = DownloadProgress("", size, size, 0.0, 0.0)
        progress(InstallProgress(model.name, len(results) - 1, len(results), "", done, InstallStep.CONVERT))


def _download_files(
    model: RegistryModel,
    work: Path,
    progress: Callable[[InstallProgress], None] | None,
    cancel: threading.Event | None,
    timeout_s: float,
) -> dict[str, tuple[str, DownloadResult]]:
    """Download every file of ``model`` into ``work``: role -> (the URL that answered, the file). Whatever
    ends it early keeps what can be resumed in ``work`` (and nothing else)."""
    from motis_desktop.core.models.download import DownloadSaveError  # see the import at the top

    results: dict[str, tuple[str, DownloadResult]] = {}
    try:
        for i, item in enumerate(model.files):

            def report(p: DownloadProgress, i: int = i, role: str = item.role) -> None:
                if progress:
                    progress(InstallProgress(model.name, i, len(model.files), role, p))

            dest = work / (item.filename or f"{item.role}.bin")
            results[item.role] = _download_any(item, dest, report, cancel, timeout_s)
    except DownloadSaveError as exc:
        drop_if_unusable(work)
        kept = kept_bytes(work)
        said = f"; the {format_size(kept)} downloaded so far are kept" if kept else ""
        what = f"cannot save the download of {model.name} in {work.parent}"
        raise DownloadSaveError(exc.folder, exc.reason, exc.hint + said, what) from None
    except BaseException:  # failed, cancelled, interrupted: keep what can be resumed, nothing else
        drop_if_unusable(work)
        raise
    return results


def _download_any(
    item: RegistryFile,
    dest: Path,
    progress: Callable[[DownloadProgress], None],
    cancel: threading.Event | None,
    timeout_s: float,
) -> tuple[str, DownloadResult]:
    """Try the file's URL, then its alternates; the last error is raised if all fail."""
    from motis_desktop.core.models.download import DownloadError, DownloadSaveError, download  # see the top

    error: DownloadError | None = None
    for url in (item.url, *item.alternate_urls):
        try:
            result = download(url, dest, item.sha256, progress, cancel, timeout_s)
        except DownloadSaveError:
            raise  # the disk, not the host: another address would not help
        except DownloadError as exc:
            error = exc  # a .part stays: the next address (same file, checked) or the next try resumes it
            continue
        return result.url or url, result
    assert error is not None
    raise error
