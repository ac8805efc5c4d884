"""Rewriting the code of a mobile-optimized TorchScript file: every ``ops.prepacked.*`` call becomes the aten
op it stands for (``torch.linear``, ``torch.conv2d``, ``torch.conv_transpose2d``, with ``torch.clamp`` for a
fused bound)."""

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

# -- code ----------------------------------------------------------------------------------------

_CONSTANT_RE = re.compile(r"^c(\d+)$")


@dataclass
class _VarContext:
    """An op context made in the code by ``*_prepack`` and bound to a variable (rewritten into a tuple)."""

    name: str
    kind: str
    clamp: tuple[float | None, float | None]


class CodeRewriter:
    """Rewrites every ``ops.prepacked.*`` call of one code file into aten ops."""

    def __init__(self, src: Path, fname: str, text: str, table: ConstantTable, report: ConversionReport) -> None:
        self.src, self.fname, self.table, self.report = src, fname, table, report
        self.code = text.encode("utf-8")
        try:
            self.tree = ast.parse(self.code)
        except SyntaxError as exc:
            raise ModelError(f"{src}: cannot parse {fname} ({exc.msg}, line {exc.lineno})") from None
        self.line_starts = [0]
        for line in self.code.split(b"\n"):
            self.line_starts.append(self.line_starts[-1] + len(line) + 1)
        self.calls: list[tuple[int, int, ast.Call, dict[str, Any]]] = []
        self.prepack_assigns: dict[int, _VarContext] = {}  # id(call) -> the variable it is bound to
        for func in (n for n in ast.walk(self.tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            scope = self._scope(func)
            for node in ast.walk(func):
                if isinstance(node, ast.Call) and (op := _prepacked_op(node)) is not None:
                    self._check_known(op)
                    start, end = self._span(node)
                    self.calls.append((start, end, node, scope))
        self.calls.sort(key=lambda c: (c[0], -c[1]))
        outside = {id(c[2]) for c in self.calls}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and _prepacked_op(node) is not None and id(node) not in outside:
                raise ModelError(f"{src}: cannot convert prepacked::{_prepacked_op(node)} outside a method ({fname})")

    def rewrite(self) -> str:
        text = self._rewrite_range(0, len(self.code)).decode("utf-8")
        for op in re.findall(r"ops\.prepacked\.(\w+)", text):
            raise ModelError(f"{self.src}: cannot convert op prepacked::{op}")
        for cls in re.findall(re.escape(XNNPACK_CLASSES) + r"\.(\w+)", text):
            raise ModelError(f"{self.src}: cannot convert class {XNNPACK_CLASSES}.{cls} ({self.fname})")
        return text

    # scope: variables bound to op contexts within one method
    def _scope(self, func: ast.AST) -> dict[str, Any]:
        scope: dict[str, Any] = {}
        for node in ast.walk(func):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
                continue
            name, value = node.targets[0].id, node.value
            if isinstance(value, ast.Call) and _prepacked_op(value) in PREPACK_OPS:
                op = _prepacked_op(value)
                assert op is not None
                kind = PREPACK_OPS[op]
                args = self._bind(value, op, FIELDS[kind])
                var = _VarContext(
                    name,
                    kind,
                    (self._literal_bound(args, "output_min", op), self._literal_bound(args, "output_max", op)),
                )
                if name in scope and scope[name] != var:
                    raise ModelError(
                        f"{self.src}: cannot convert prepacked::{op}: {name} is bound twice ({self.fname})"
                    )
                scope[name] = var
                self.prepack_assigns[id(value)] = var
        return scope

    def _check_known(self, op: str) -> None:
        if op not in PREPACK_OPS and op not in RUN_OPS:
            raise ModelError(f"{self.src}: cannot convert op prepacked::{op}")

    def _span(self, node: ast.AST) -> tuple[int, int]:
        start = self.line_starts[node.lineno - 1] + node.col_offset  # type: ignore[attr-defined]
        end = self.line_starts[node.end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined]
        return start, end

    def _text(self, node: ast.AST) -> str:
        start, end = self._span(node)
        return self._rewrite_range(start, end).decode("utf-8")

    def _rewrite_range(self, start: int, end: int) -> bytes:
        """The code between two offsets with every prepacked call in it converted (outermost first)."""
        out, pos = [], start
        for c_start, c_end, call, scope in self.calls:  # sorted by start, longest first
            if (c_start, c_end) == (start, end):
                return self._convert(call, scope).encode("utf-8")
            if c_start < pos or c_end > end:
                continue
            out.append(self.code[pos:c_start])
            out.append(self._convert(call, scope).encode("utf-8"))
            pos = c_end
        out.append(self.code[pos:end])
        return b"".join(out)

    def _convert(self, call: ast.Call, scope: dict[str, Any]) -> str:
        op = _prepacked_op(call)
        assert op is not None
        self.report.ops[f"prepacked::{op}"] += 1
        if op in PREPACK_OPS:
            var = self.prepack_assigns.get(id(call))
            if var is None:
                raise ModelError(f"{self.src}: cannot convert prepacked::{op} whose result is not a plain variable")
            kind = PREPACK_OPS[op]
            args = self._bind(call, op, FIELDS[kind])
            parts = [self._arg_text(args, name) for name in FIELDS[kind] if name not in BOUNDS]
            return "(" + ", ".join(parts) + ")"
        kind = RUN_OPS[op]
        args = self._bind(call, op, ("X", "W_prepack"))
        if args["X"] is None or args["W_prepack"] is None:
            raise ModelError(f"{self.src}: cannot convert prepacked::{op} without its two arguments")
        x = self._text(args["X"])
        fields, clamp = self._context_fields(args["W_prepack"], kind, op, scope)
        return _aten_call(kind, x, fields, clamp)

    def _context_fields(
        self, node: ast.AST, kind: str, op: str, scope: dict[str, Any]
    ) -> tuple[dict[str, str], tuple[float | None, float | None]]:
        """Code text for each argument of the op context ``node`` refers to, and its clamp bounds."""
        names = [n for n in FIELDS[kind] if n not in BOUNDS]
        index = _constant_index(node)
        if index is not None:
            ctx = self.table.context(index, kind, op)
            return {n: self.table.field_text(ctx, n) for n in names}, self.table.clamp(ctx)
        if isinstance(node, ast.Name) and isinstance(scope.get(node.id), _VarContext):
            var = scope[node.id]
            if var.kind != kind:
                raise ModelError(f"{self.src}: prepacked::{op} on a {var.kind} op context")
            return {n: f"({var.name})[{i}]" for i, n in enumerate(names)}, var.clamp
        if isinstance(node, ast.Call) and _prepacked_op(node) == f"{kind}_clamp_prepack":
            inner = f"{kind}_clamp_prepack"
            self.report.ops[f"prepacked::{inner}"] += 1
            args = self._bind(node, inner, FIELDS[kind])
            clamp = (self._literal_bound(args, "output_min", inner), self._literal_bound(args, "output_max", inner))
            return {n: self._arg_text(args, n) for n in names}, clamp
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
        node = args[name]
        return DEFAULTS[name] if node is None else self._text(node)

    def _literal_bound(self, args: dict[str, ast.AST | None], name: str, op: str) -> float | None:
        node = args[name]
        if node is None or (isinstance(node, ast.Constant) and node.value is None):
            return None
        try:
            value = ast.literal_eval(node)
        except ValueError:
            value = _float_call(node)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ModelError(f"{self.src}: cannot convert prepacked::{op} whose {name} is not a number")
        return float(value) if math.isfinite(value) else None


def _aten_call(kind: str, x: str, f: dict[str, str], clamp: tuple[float | None, float | None]) -> str:
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
    return f"torch.clamp({text}, {_bound_text(low)}, {_bound_text(high)})"


def _bound_text(value: float | None) -> str:
    return "None" if value is None else repr(float(value))


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
        match = _CONSTANT_RE.match(node.attr)
        if match:
            return int(match.group(1))
    return None
