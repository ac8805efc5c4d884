"""``python -m motis_desktop`` starts the desktop app."""

import sys

from motis_desktop.gui.app import main

sys.exit(main())
