"""Rewriting a mobile-optimized TorchScript file for plain torch: every ``ops.prepacked.*`` call in its code
becomes the aten op it stands for (``torch.linear``, ``torch.conv2d``, ``torch.conv_transpose2d``, with
``torch.clamp`` for a fused bound), and in its constants table each op context becomes its weight (in its slot)
and its bias (appended). The code is Python syntax: parsed, rewritten as a tree and printed again."""

from __future__ import annotations

import ast
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
_CONV = ("W", "B", "stride", "padding", "dilation", "groups", "output_min", "output_max")
FIELDS = {
    "linear": ("W", "B", "output_min", "output_max"),
    "conv2d": _CONV,
    "conv2d_transpose": (*_CONV[:4], "output_padding", *_CONV[4:]),
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

    def clamp(self, ctx: OpContext) -> Clamp:
        bounds = (ctx.fields[name] for name in BOUNDS)
        low, high = (_finite(v, f"{self.src}: unexpected clamp bound {v!r} in an op context") for v in bounds)
        return low, high

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


def _finite(value: Any, problem: str) -> float | None:
    """A clamp bound as a finite float, or None (no bound); ModelError ``problem`` if it is not a number."""
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ModelError(problem)
    return float(value) if math.isfinite(value) else None


class _Pickler(pickle.Pickler):
    """Typed lists as TorchScript writes them (``torch.jit._pickle.build_intlist`` & co.)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, TypedList):
            return getattr(importlib.import_module("torch.jit._pickle"), obj.builder), (obj.items,)
        if isinstance(obj, ScriptObjectState):
            raise ModelError(f"cannot write {obj.qualified_name} into a plain model")
        return NotImplemented


# -- code ----------------------------------------------------------------------------------------

Clamp = tuple[float | None, float | None]


@dataclass
class _VarContext:
    """An op context made in the code by ``*_prepack`` and bound to a variable (rewritten into a tuple)."""

    name: str
    kind: str
    clamp: Clamp


class CodeRewriter(ast.NodeTransformer):
    """Rewrites every ``ops.prepacked.*`` call of one code file into aten ops."""

    def __init__(self, src: Path, fname: str, table: ConstantTable, report: ConversionReport) -> None:
        self.src, self.fname, self.table, self.report = src, fname, table, report
        self.scope: dict[str, _VarContext] | None = None  # variables bound to op contexts in the method visited
        self.prepack_assigns: dict[int, _VarContext] = {}  # id(call) -> the variable it is bound to

    def rewrite(self, text: str) -> str:
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            raise ModelError(f"{self.src}: cannot parse {self.fname} ({exc.msg}, line {exc.lineno})") from None
        text = ast.unparse(self.visit(tree)) + "\n"
        for op in re.findall(r"ops\.prepacked\.(\w+)", text):
            raise ModelError(f"{self.src}: cannot convert op prepacked::{op}")
        for cls in re.findall(re.escape(XNNPACK_CLASSES) + r"\.(\w+)", text):
            raise ModelError(f"{self.src}: cannot convert class {XNNPACK_CLASSES}.{cls} ({self.fname})")
        return text

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        outer, self.scope = self.scope, self._scope(node)
        try:
            return self.generic_visit(node)
        finally:
            self.scope = outer

    def visit_Call(self, node: ast.Call) -> ast.AST:
        op = _prepacked_op(node)
        if op is None:
            return self.generic_visit(node)
        if self.scope is None:
            raise ModelError(f"{self.src}: cannot convert prepacked::{op} outside a method ({self.fname})")
        if op not in PREPACK_OPS and op not in RUN_OPS:
            raise ModelError(f"{self.src}: cannot convert op prepacked::{op}")
        self.report.ops[f"prepacked::{op}"] += 1
        if op in PREPACK_OPS:
            if id(node) not in self.prepack_assigns:
                raise ModelError(f"{self.src}: cannot convert prepacked::{op} whose result is not a plain variable")
            kind = PREPACK_OPS[op]
            args = self._bind(node, op, FIELDS[kind])
            return _expr("(" + ", ".join(self._arg_text(args, n) for n in FIELDS[kind] if n not in BOUNDS) + ")")
        kind = RUN_OPS[op]
        args = self._bind(node, op, ("X", "W_prepack"))
        if args["X"] is None or args["W_prepack"] is None:
            raise ModelError(f"{self.src}: cannot convert prepacked::{op} without its two arguments")
        fields, clamp = self._context_fields(args["W_prepack"], kind, op)
        return _expr(_aten_call(kind, self._arg_text(args, "X"), fields, clamp))

    def _scope(self, func: ast.FunctionDef) -> dict[str, _VarContext]:
        """The method's variables bound to op contexts made by ``*_prepack`` calls."""
        scope: dict[str, _VarContext] = {}
        for node in ast.walk(func):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
                continue
            name, value = node.targets[0].id, node.value
            op = _prepacked_op(value) if isinstance(value, ast.Call) else None
            if not isinstance(value, ast.Call) or op not in PREPACK_OPS:
                continue
            var = _VarContext(name, PREPACK_OPS[op], self._clamp(self._bind(value, op, FIELDS[PREPACK_OPS[op]]), op))
            if name in scope and scope[name] != var:
                raise ModelError(f"{self.src}: cannot convert prepacked::{op}: {name} is bound twice ({self.fname})")
            scope[name] = self.prepack_assigns[id(value)] = var
        return scope

    def _context_fields(self, node: ast.AST, kind: str, op: str) -> tuple[dict[str, str], Clamp]:
        """Code text for each argument of the op context ``node`` refers to, and its clamp bounds."""
        names = [n for n in FIELDS[kind] if n not in BOUNDS]
        index = _constant_index(node)
        if index is not None:
            ctx = self.table.context(index, kind, op)
            return {n: self.table.field_text(ctx, n) for n in names}, self.table.clamp(ctx)
        var = self.scope.get(node.id) if isinstance(node, ast.Name) and self.scope else None
        if var is not None:
            if var.kind != kind:
                raise ModelError(f"{self.src}: prepacked::{op} on a {var.kind} op context")
            return {n: f"({var.name})[{i}]" for i, n in enumerate(names)}, var.clamp
        if isinstance(node, ast.Call) and _prepacked_op(node) == f"{kind}_clamp_prepack":
            inner = f"{kind}_clamp_prepack"
            self.report.ops[f"prepacked::{inner}"] += 1
            args = self._bind(node, inner, FIELDS[kind])
            return {n: self._arg_text(args, n) for n in names}, self._clamp(args, inner)
        raise ModelError(f"{self.src}: cannot convert prepacked::{op}: cannot tell which op context it runs")

    def _bind(self, call: ast.Call, op: str, names: tuple[str, ...]) -> dict[str, ast.AST | None]:
        if len(call.args) > len(names) or any(isinstance(a, ast.Starred) for a in call.args):
            raise ModelError(f"{self.src}: cannot convert prepacked::{op} with these arguments")
        bound: dict[str, ast.AST | None] = dict.fromkeys(names)
        bound.update(zip(names, call.args, strict=False))  # the rest keep defaults
        for kw in call.keywords:
            if kw.arg not in bound:
                raise ModelError(f"{self.src}: cannot convert prepacked::{op} with argument {kw.arg}")
            bound[kw.arg] = kw.value
        missing = [n for n, v in bound.items() if v is None and n not in DEFAULTS]
        if missing and not op.endswith("_run"):
            raise ModelError(f"{self.src}: cannot convert prepacked::{op} without {missing[0]}")
        return bound

    def _arg_text(self, args: dict[str, ast.AST | None], name: str) -> str:
        """An argument's code, its own prepacked calls rewritten."""
        node = args[name]
        return DEFAULTS[name] if node is None else ast.unparse(self.visit(node))

    def _clamp(self, args: dict[str, ast.AST | None], op: str) -> Clamp:
        """A ``*_prepack`` call's ``output_min``/``output_max``, as written in the code (literals only)."""
        low, high = (
            _finite(_literal(args[name]), f"{self.src}: cannot convert prepacked::{op} whose {name} is not a number")
            for name in BOUNDS
        )
        return low, high


def _expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _aten_call(kind: str, x: str, f: dict[str, str], clamp: Clamp) -> str:
    if kind == "linear":
        text = f"torch.linear({x}, {f['W']}, {f['B']})"
    elif kind == "conv2d":
        text = f"torch.conv2d({x}, {f['W']}, {f['B']}, {f['stride']}, {f['padding']}, {f['dilation']}, {f['groups']})"
    else:
        text = (
            f"torch.conv_transpose2d({x}, {f['W']}, {f['B']}, {f['stride']}, {f['padding']}, "
            f"{f['output_padding']}, {f['groups']}, {f['dilation']})"
        )
    low, high = clamp
    if low is None and high is None:
        return text
    return f"torch.clamp({text}, {low!r}, {high!r})"


def _literal(node: ast.AST | None) -> Any:
    """A constant as written in the code: a literal, or ``float("inf")``/``float("-inf")`` as TorchScript prints
    infinite constants; anything else comes back as the node (not a number)."""
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except ValueError:
        pass
    call = re.fullmatch(r"float\('([^']*)'\)", ast.unparse(node))
    try:
        return float(call[1]) if call else node
    except ValueError:
        return node


def _prepacked_op(node: ast.Call) -> str | None:
    """``NAME`` of a call ``ops.prepacked.NAME(...)``, else None."""
    match = re.fullmatch(r"ops\.prepacked\.(\w+)", ast.unparse(node.func))
    return match[1] if match else None


def _constant_index(node: ast.AST) -> int | None:
    """``N`` of ``CONSTANTS.cN``, else None."""
    match = re.fullmatch(r"CONSTANTS\.c(\d+)", ast.unparse(node))
    return int(match[1]) if match else None
