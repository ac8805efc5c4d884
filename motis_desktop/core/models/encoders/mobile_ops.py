"""The XNNPACK prepacked ops a mobile-optimized TorchScript file may hold, and the conversion's report."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from pathlib import Path

XNNPACK_CLASSES = "__torch__.torch.classes.xnnpack"

# Argument names of each prepack op (= the op context's pickled state), from the ``prepacked`` schemas.
FIELDS = {
    "linear": ("W", "B", "output_min", "output_max"),
    "conv2d": ("W", "B", "stride", "padding", "dilation", "groups", "output_min", "output_max"),
    "conv2d_transpose": (
        "W",
        "B",
        "stride",
        "padding",
        "output_padding",
        "dilation",
        "groups",
        "output_min",
        "output_max",
    ),
}
DEFAULTS = {"B": "None", "output_min": "None", "output_max": "None"}
BOUNDS = ("output_min", "output_max")
PREPACK_OPS = {f"{kind}_clamp_prepack": kind for kind in FIELDS}
RUN_OPS = {f"{kind}_clamp_run": kind for kind in FIELDS}
CONTEXT_CLASSES = {
    f"{XNNPACK_CLASSES}.LinearOpContext": "linear",
    f"{XNNPACK_CLASSES}.Conv2dOpContext": "conv2d",
    f"{XNNPACK_CLASSES}.TransposeConv2dOpContext": "conv2d_transpose",
}


@dataclass
class ConversionReport:
    """What a conversion did: ops rewritten by name, op contexts unpacked, seconds taken."""

    source: Path
    ops: collections.Counter[str] = field(default_factory=collections.Counter)
    contexts: int = 0
    seconds: float = 0.0
