"""Headless core: no Qt, no printing, never exits the process.

The GUI and the CLI are thin layers over the services built in
:mod:`motis_desktop.core.services`.
"""

import logging

# A library logs, it never prints: front ends decide where log records go.
logging.getLogger("motis_desktop").addHandler(logging.NullHandler())
