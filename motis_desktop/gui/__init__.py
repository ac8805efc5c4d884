"""The desktop app: a thin PySide6 layer over :mod:`motis_desktop.core` (no search logic here)."""
