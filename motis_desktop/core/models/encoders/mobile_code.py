"""Rewriting the code of a mobile-optimized TorchScript file: every ``ops.prepacked.*`` call becomes the aten
op it stands for (``torch.linear``, ``torch.conv2d``, ``torch.conv_transpose2d``, with ``torch.clamp`` for a
fused bound). The code is Python syntax: it is parsed, rewritten as a tree and printed again."""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from motis_desktop.core.errors import ModelError
from motis_desktop.core.models.encoders.mobile_constants import (
    BOUNDS,
    DEFAULTS,
    FIELDS,
    PREPACK_OPS,
    RUN_OPS,
    XNNPACK_CLASSES,
    ConstantTable,
    ConversionReport,
)

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
        bounds: list[float | None] = []
        for name in BOUNDS:
            node = args[name]
            if node is None or (isinstance(node, ast.Constant) and node.value is None):
                bounds.append(None)
                continue
            try:
                value = ast.literal_eval(node)
            except ValueError:
                value = _float_call(node)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ModelError(f"{self.src}: cannot convert prepacked::{op} whose {name} is not a number")
            bounds.append(float(value) if math.isfinite(value) else None)
        return bounds[0], bounds[1]


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


def _float_call(node: ast.AST) -> Any:
    """``float("inf")`` and ``float("-inf")``, as TorchScript prints infinite constants."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "float"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        try:
            return float(node.args[0].value)
        except ValueError:
            return None
    return None


def _prepacked_op(node: ast.Call) -> str | None:
    func = node.func
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "prepacked"
        and isinstance(func.value.value, ast.Name)
        and func.value.value.id == "ops"
    ):
        return func.attr
    return None


def _constant_index(node: ast.AST) -> int | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "CONSTANTS":
        match = re.fullmatch(r"c(\d+)", node.attr)
        if match:
            return int(match.group(1))
    return None
