"""The ``motis`` command line: a thin layer over :mod:`motis_desktop.core`."""
