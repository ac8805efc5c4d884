"""The XNNPACK prepacked ops a mobile-optimized TorchScript file may hold, and its constants table: each op
context becomes its weight (in its slot) and its bias (appended), and the table is pickled again as plain
tensors."""

from __future__ import annotations

import collections
import importlib
import io
import math
import pickle
import re
import types
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from motis_desktop.core.errors import ModelError
from motis_desktop.core.models.encoders.archive import ScriptObjectState, TypedList

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

    ops: collections.Counter[str] = field(default_factory=collections.Counter)
    contexts: int = 0
    seconds: float = 0.0


# -- constants ---------------------------------------------------------------------------------


@dataclass
class OpContext:
    """One op context from the constants table: its kind and state fields by name."""

    index: int
    kind: str
    fields: dict[str, Any]
    bias_slot: int | None = None
    uses: int = 0  # references converted by a *_run
    references: int = 0  # references to this constant in the original code


class ConstantTable:
    """The constants tuple: op contexts become their weight (in place) and bias (appended)."""

    def __init__(self, src: Path, constants: list[Any]) -> None:
        self.src = src
        self.values = constants
        self.contexts: dict[int, OpContext] = {}
        for i, value in enumerate(constants):
            if isinstance(value, ScriptObjectState) and value.qualified_name in CONTEXT_CLASSES:
                kind = CONTEXT_CLASSES[value.qualified_name]
                state = value.state
                names = FIELDS[kind]
                if not isinstance(state, tuple) or len(state) != len(names):
                    raise ModelError(f"{src}: unexpected state of {value.qualified_name} (constant c{i})")
                fields = dict(zip(names, state, strict=True))
                if not isinstance(fields["W"], torch.Tensor):
                    raise ModelError(f"{src}: {value.qualified_name} without a weight tensor (constant c{i})")
                self.contexts[i] = OpContext(i, kind, fields)
                self.values[i] = fields["W"]

    def context(self, index: int, kind: str, op: str) -> OpContext:
        ctx = self.contexts.get(index)
        if ctx is None or ctx.kind != kind:
            raise ModelError(f"{self.src}: prepacked::{op} on constant c{index}, which is not a {kind} op context")
        ctx.uses += 1
        return ctx

    def field_text(self, ctx: OpContext, name: str) -> str:
        """Code text for one argument of a constant op context."""
        value = ctx.fields[name]
        if name == "W":
            return f"CONSTANTS.c{ctx.index}"
        if name == "B":
            if value is None:
                return "None"
            if ctx.bias_slot is None:
                ctx.bias_slot = len(self.values)
                self.values.append(value)
            return f"CONSTANTS.c{ctx.bias_slot}"
        if isinstance(value, TypedList):
            value = value.items
        if isinstance(value, (list, tuple)) and all(isinstance(v, int) for v in value):
            return "[" + ", ".join(str(int(v)) for v in value) + "]"
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        raise ModelError(f"{self.src}: unexpected {name} {value!r} in op context c{ctx.index}")

    def clamp(self, ctx: OpContext) -> tuple[float | None, float | None]:
        return _finite(ctx.fields["output_min"], self.src), _finite(ctx.fields["output_max"], self.src)

    def count_references(self, code: str) -> None:
        for index in re.findall(r"\bCONSTANTS\.c(\d+)\b", code):
            if int(index) in self.contexts:
                self.contexts[int(index)].references += 1

    def check_all_consumed(self) -> None:
        """Every reference to an op context must have been a ``*_run`` argument (now its weight)."""
        for ctx in self.contexts.values():
            if ctx.uses != ctx.references:
                raise ModelError(f"{self.src}: op context c{ctx.index} is used by code that cannot be converted")

    def serialize(self) -> list[tuple[str, bytes]]:
        """``constants.pkl`` and its ``constants/<key>`` storages: ``torch.save`` writes this pickle format (as
        ``data.pkl`` and ``data/<key>``)."""
        buf = io.BytesIO()
        torch.save(tuple(self.values), buf, pickle_module=types.SimpleNamespace(__name__="pickle", Pickler=_Pickler))
        members = []
        with zipfile.ZipFile(buf) as zf:
            for name in zf.namelist():
                member = name.split("/", 1)[1]
                if member == "data.pkl" or member.startswith("data/"):
                    members.append(("constants" + member.removeprefix("data"), zf.read(name)))
        return members


def _finite(value: Any, src: Path) -> float | None:
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ModelError(f"{src}: unexpected clamp bound {value!r} in an op context")
    return float(value) if math.isfinite(value) else None


class _Pickler(pickle.Pickler):
    """Typed lists as TorchScript writes them (``torch.jit._pickle.build_intlist`` & co.)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, TypedList):
            return getattr(importlib.import_module("torch.jit._pickle"), obj.builder), (obj.items,)
        if isinstance(obj, ScriptObjectState):
            raise ModelError(f"cannot write {obj.qualified_name} into a plain model")
        return NotImplemented
