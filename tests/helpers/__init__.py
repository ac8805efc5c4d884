"""Helpers shared by the tests (import as ``from helpers.<module> import ...``)."""
