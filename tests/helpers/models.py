"""Constants and helpers shared by the model tests: the download server's path, a fast colour-model install."""

HF_PATH = "/timm/tiny-clip/resolve/abc123/open_clip_model.safetensors"


def install_colour(services, colour_pair, name: str = "colour"):  # type: ignore[no-untyped-def]
    """``services.import_pair(*colour_pair, name=name)`` for a home with no model yet, without converting again.

    The colour pair is converted once per name and test run (ONNX export, int8 towers, checks against torch:
    most of a second each on a loaded machine, for some 80 fixtures); each home gets a copy of that model
    folder, made active as ``import_pair`` leaves a fresh home. A home that has a model already gets the real
    import (the activation rule then decides).
    """
    import shutil
    from pathlib import Path

    from motis_desktop.core.models.installed import ModelStore

    if services.installed_models():
        return services.import_pair(*colour_pair, name=name)
    cache = Path(colour_pair[0]).parent / "installed"
    if not (cache / name).is_dir():
        ModelStore(cache).import_pair(*colour_pair, name)
    models = Path(services.home) / "models"
    models.mkdir(parents=True, exist_ok=True)
    shutil.copytree(cache / name, models / name)
    return services.use_model(name)


def open_indexed_with_colour(home, colour_pair, photos):  # type: ignore[no-untyped-def]
    """Open ``home``, install the colour model and index the folder ``photos``; the open services (the caller
    closes them)."""
    from motis_desktop.core.services import Services

    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(photos)])
    services.index()
    return services


def index_with_colour(home, colour_pair, photos) -> None:  # type: ignore[no-untyped-def]
    """Open ``home``, install the colour model, index the folder ``photos`` and close: a library ready to open."""
    open_indexed_with_colour(home, colour_pair, photos).close()


def drive_and_local_with_other_model(home, colour_pair, tmp_path):  # type: ignore[no-untyped-def]
    """A drive (``tmp_path/G6``) and a local folder, 6 photos each, indexed with the colour model in ``home``, and a
    second model "other" installed (a switch to make while the drive is unplugged). Returns the drive's folder."""
    from helpers.photos import make_colour_folder
    from motis_desktop.core.services import Services

    drive, local = tmp_path / "G6", tmp_path / "local"
    make_colour_folder(drive, per_colour=1)
    make_colour_folder(local, per_colour=1, seed=100)
    services = Services.open(home)
    try:
        services.add_folders([str(drive), str(local)])
        assert services.index(read_text=False).encoded == 12
        install_colour(services, colour_pair, name="other")
    finally:
        services.close()
    return drive


class IndexedLibraries:
    """Indexed libraries built once per test process and copied into each test's home.

    ``copy_into(home, name, make_photos)`` runs ``make_photos(folder)`` (it writes the photos and returns
    what the test needs to know about them) and :func:`index_with_colour` the first time ``name`` is asked
    for; every call then copies that finished home (library, model, caches) into ``home``. The photos stay
    where they were made and are shared: a test that changes, adds to or removes photos of the library
    must make its own (adding another folder of its own is fine).
    """

    def __init__(self, root, colour_pair) -> None:  # type: ignore[no-untyped-def]
        self.root = root
        self.colour_pair = colour_pair
        self.made: dict[str, object] = {}

    def copy_into(self, home, name: str, make_photos):  # type: ignore[no-untyped-def]
        import shutil

        template = self.root / name
        if name not in self.made:
            self.made[name] = make_photos(template / "photos")
            index_with_colour(template / "home", self.colour_pair, template / "photos")
        shutil.copytree(template / "home", home, dirs_exist_ok=True)
        return self.made[name]
