"""Texts the window shows in more than one place."""

SEARCH_PLACEHOLDER = (
    "Describe a photo, e.g. “sunset over the sea”, or drop a photo here — Enter to search, Esc to reset"
)
NO_MODEL_TEXT = "No model installed yet: choose File ▸ Install model… to download one or to import model files."
DROP_TEXT = "Drop a folder of photos here\nor press Ctrl+O to choose one"


def empty_text(folders: bool, model_missing: bool, photos: int) -> str | None:
    """What the window says where the grid would be, or None for the grid. Folders without a model hold no photos
    yet (the model's indexing reads them): the window says so rather than show an empty grid."""
    if not folders:
        return DROP_TEXT + ("\n\n" + NO_MODEL_TEXT if model_missing else "")
    if model_missing and not photos:
        return "Your folders are added: their photos show up once a model reads them.\n\n" + NO_MODEL_TEXT
    return None
