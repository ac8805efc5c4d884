"""Headless core: no Qt, no printing, never exits the process.

Packages follow the data: ``images`` (bytes to pixels), ``library`` (the SQLite library and indexing),
``models`` (getting and running encoders), ``search`` (answering queries); beside them small shared
modules (``errors``, ``paths``, ``atomic``, ``formatting``, ``vectors``, ``resources``) and ``evaluation``.
The GUI and the CLI are thin layers over :class:`motis_desktop.core.services.Services`, the one door.
"""

import logging

# A library logs, it never prints: front ends decide where log records go.
logging.getLogger("motis_desktop").addHandler(logging.NullHandler())
