"""Texts the window shows in more than one place."""

SEARCH_PLACEHOLDER = (
    "Describe a photo, e.g. “sunset over the sea”, or drop a photo here — Enter to search, Esc to reset"
)
NO_MODEL_TEXT = "No model installed yet: choose File ▸ Install model… to download one or to import model files."
DROP_TEXT = "Drop a folder of photos here\nor press Ctrl+O to choose one"
