"""Loading the model in a command: its first use on this computer is said before it happens."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from motis_desktop.core.services import Services

if TYPE_CHECKING:
    from motis_desktop.core.services import Encoder


def load_model(services: Services, name: str | None) -> Encoder:
    """The named or active model's encoder. Its first use on this computer measures its inference modes (seconds to
    a minute for a large model, in which the command would print nothing): a line on stderr says so first."""
    encoder = services.prepared_encoder(name)
    if encoder is None:
        model = services.model_info(name).name
        print(f"motis: preparing {model} for this computer (its first use here: measuring it, once)…", file=sys.stderr)
        encoder = services.encoder(name)
    return encoder
