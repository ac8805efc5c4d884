"""Mobile-optimized TorchScript (XNNPACK prepacked ops) → plain TorchScript, without running the file.

``optimize_for_mobile`` freezes a module and replaces ``conv2d``/``linear`` with ``prepacked::*_run`` ops
whose weights live in ``__torch__.torch.classes.xnnpack.*OpContext`` objects. Torch builds without
XNNPACK cannot load those classes. The conversion works on the archive as data:

1. ``constants.pkl``/``data.pkl`` are read with the restricted unpickler of :mod:`.archive`; each op
   context becomes its state (weight, bias, stride, padding, [output_padding,] dilation, groups,
   output_min, output_max), the order its ``__setstate__`` takes.
2. The code text is parsed (it is Python syntax) and every ``ops.prepacked.*`` call is rewritten into
   ``torch.linear`` / ``torch.conv2d`` / ``torch.conv_transpose2d``; a finite ``output_min``/``output_max``
   (a ReLU or Hardtanh fused by ``optimize_for_mobile``) becomes ``torch.clamp``. A context made inside
   the code (``*_prepack``) becomes a tuple of its arguments.
3. A new archive is written (the context's slot in the constants table holds its weight, biases are
   appended; debug info of rewritten code is dropped) and loaded once with plain ``torch.jit.load``.

Anything else from ``prepacked::`` or ``torch.classes`` stops the conversion with a one-line
:class:`ModelError` naming it.
"""

from __future__ import annotations

import ast
import collections
import importlib
import io
import logging
import math
import os
import pickle
import re
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from motis_desktop.core.atomic import write_atomic
from motis_desktop.core.errors import ModelError
from motis_desktop.core.models.encoders.archive import ScriptObjectState, TorchScriptArchive, TypedList

log = logging.getLogger(__name__)

XNNPACK_CLASSES = "__torch__.torch.classes.xnnpack"

# Argument names of each prepack op (= the op context's pickled state), from the ``prepacked`` schemas.
_FIELDS = {
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
_DEFAULTS = {"B": "None", "output_min": "None", "output_max": "None"}
_BOUNDS = ("output_min", "output_max")
_PREPACK_OPS = {f"{kind}_clamp_prepack": kind for kind in _FIELDS}
_RUN_OPS = {f"{kind}_clamp_run": kind for kind in _FIELDS}
_CONTEXT_CLASSES = {
    f"{XNNPACK_CLASSES}.LinearOpContext": "linear",
    f"{XNNPACK_CLASSES}.Conv2dOpContext": "conv2d",
    f"{XNNPACK_CLASSES}.TransposeConv2dOpContext": "conv2d_transpose",
}


@dataclass
class ConversionReport:
    """What a conversion did: ops rewritten by name, op contexts unpacked, seconds taken."""

    source: Path
    ops: collections.Counter = field(default_factory=collections.Counter)
    contexts: int = 0
    seconds: float = 0.0


def needs_conversion(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a TorchScript zip that uses XNNPACK prepacked ops or op contexts (cheap look).

    Only code files and ``constants.pkl`` are read, at most 64 MiB of them; call
    :func:`~.archive.check_model_file` first on files from outside.
    """
    budget = 64 << 20
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = info.filename
                if not (name.endswith("constants.pkl") or (name.endswith(".py") and "/code/" in f"/{name}")):
                    continue
                budget -= info.file_size
                if budget < 0:
                    return False
                data = zf.read(info)
                if b"ops.prepacked." in data or XNNPACK_CLASSES.encode() in data:
                    return True
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return False
    return False


def convert_mobile_torchscript(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> ConversionReport:
    """Write a plain TorchScript equivalent of the mobile-optimized file ``src`` to ``dst``."""
    src, dst = Path(src), Path(dst)
    started = time.perf_counter()
    report = ConversionReport(src)
    with TorchScriptArchive(src) as archive:
        constants = archive.unpickle("constants.pkl", "constants")
        if not isinstance(constants, tuple):
            raise ModelError(f"{src}: constants.pkl is not a tuple")
        _refuse_foreign_objects(src, archive.unpickle("data.pkl", "data"), "data.pkl", allow_contexts=False)
        _refuse_foreign_objects(src, constants, "constants.pkl", allow_contexts=True)
        table = _ConstantTable(src, list(constants))
        members: list[tuple[str, bytes]] = []
        for name in archive.names:
            if name == "constants.pkl" or name.startswith("constants/"):
                continue
            if name.startswith("code/__torch__/torch/classes/"):
                if name.endswith(".py") and archive.read(name).strip():
                    raise ModelError(f"{src}: cannot convert code of torch.classes ({name})")
                continue  # the empty namespace file of the xnnpack classes
            if name.startswith("code/") and name.endswith(".py"):
                try:
                    text = archive.read(name).decode("utf-8")
                except UnicodeDecodeError:
                    raise ModelError(f"{src}: code file {name} is not UTF-8 text") from None
                table.count_references(text)
                if "ops.prepacked." in text or XNNPACK_CLASSES in text:
                    new = _CodeRewriter(src, name, text, table, report).rewrite()
                    members.append((name, new.encode("utf-8")))
                    continue
            if name.endswith(".py.debug_pkl") and _rewritten(name[: -len(".debug_pkl")], archive):
                continue  # source ranges of rewritten code would point at the wrong text
            members.append((name, archive.read(name)))
        table.check_all_consumed()
        members += table.serialize()
        prefix = archive.prefix
    report.contexts = len(table.contexts)
    _write_and_reload(src, dst, prefix, members)
    report.seconds = time.perf_counter() - started
    log.info(
        "converted %s: %d op contexts, ops %s, %.2f s",
        src,
        report.contexts,
        dict(report.ops),
        report.seconds,
    )
    return report


def _rewritten(code_name: str, archive: TorchScriptArchive) -> bool:
    if code_name not in archive.names:
        return False
    text = archive.read(code_name)
    return b"ops.prepacked." in text or XNNPACK_CLASSES.encode() in text


def _refuse_foreign_objects(src: Path, obj: Any, label: str, allow_contexts: bool, depth: int = 0) -> None:
    """Custom C++ classes other than the XNNPACK op contexts cannot be turned into plain TorchScript."""
    if depth > 100:
        raise ModelError(f"{src}: {label} is nested too deeply")
    if isinstance(obj, ScriptObjectState):
        name = obj.qualified_name
        if name.startswith("__torch__.torch.classes."):
            if not (allow_contexts and depth <= 1 and name in _CONTEXT_CLASSES):
                raise ModelError(f"{src}: cannot convert class {name} (in {label})")
        _refuse_foreign_objects(src, obj.state, label, allow_contexts, depth + 1)
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            _refuse_foreign_objects(src, item, label, allow_contexts, depth + 1)
    elif isinstance(obj, TypedList):
        _refuse_foreign_objects(src, obj.items, label, allow_contexts, depth + 1)
    elif isinstance(obj, dict):
        for item in obj.values():
            _refuse_foreign_objects(src, item, label, allow_contexts, depth + 1)


def _write_and_reload(src: Path, dst: Path, prefix: str, members: list[tuple[str, bytes]]) -> None:
    """Write the rewritten archive next to ``dst``, prove that plain ``torch.jit.load`` loads it, rename it."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    staged = dst.with_name(f".{dst.name}.converting")

    def write(fh: Any) -> None:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
            for name, data in members:
                zf.writestr(zipfile.ZipInfo(f"{prefix}/{name}", date_time=(1980, 1, 1, 0, 0, 0)), data)

    try:
        write_atomic(staged, write)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                torch.jit.load(str(staged), map_location="cpu")
        except Exception as exc:  # torch's errors for code it cannot compile
            first = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
            raise ModelError(f"{src}: converted model does not load ({first[:200]})") from None
        os.replace(staged, dst)
    finally:
        staged.unlink(missing_ok=True)


# -- constants ---------------------------------------------------------------------------------


@dataclass
class _Context:
    """One op context from the constants table: its kind and state fields by name."""

    index: int
    kind: str
    fields: dict[str, Any]
    bias_slot: int | None = None
    uses: int = 0  # references converted by a *_run
    references: int = 0  # references to this constant in the original code


class _ConstantTable:
    """The constants tuple: op contexts become their weight (in place) and bias (appended)."""

    def __init__(self, src: Path, constants: list[Any]) -> None:
        self.src = src
        self.values = constants
        self.contexts: dict[int, _Context] = {}
        for i, value in enumerate(constants):
            if isinstance(value, ScriptObjectState) and value.qualified_name in _CONTEXT_CLASSES:
                kind = _CONTEXT_CLASSES[value.qualified_name]
                state = value.state
                names = _FIELDS[kind]
                if not isinstance(state, tuple) or len(state) != len(names):
                    raise ModelError(f"{src}: unexpected state of {value.qualified_name} (constant c{i})")
                fields = dict(zip(names, state, strict=True))
                if not isinstance(fields["W"], torch.Tensor):
                    raise ModelError(f"{src}: {value.qualified_name} without a weight tensor (constant c{i})")
                self.contexts[i] = _Context(i, kind, fields)
                self.values[i] = fields["W"]

    def context(self, index: int, kind: str, op: str) -> _Context:
        ctx = self.contexts.get(index)
        if ctx is None or ctx.kind != kind:
            raise ModelError(f"{self.src}: prepacked::{op} on constant c{index}, which is not a {kind} op context")
        ctx.uses += 1
        return ctx

    def field_text(self, ctx: _Context, name: str) -> str:
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

    def clamp(self, ctx: _Context) -> tuple[float | None, float | None]:
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
        """``constants.pkl`` and ``constants/<key>`` storages, in TorchScript's pickle format."""
        storages: list[torch.Tensor] = []
        buf = io.BytesIO()
        _ConstantsPickler(buf, storages).dump(tuple(self.values))
        members = [("constants.pkl", buf.getvalue())]
        for key, tensor in enumerate(storages):
            members.append((f"constants/{key}", _tensor_bytes(tensor)))
        return members


def _finite(value: Any, src: Path) -> float | None:
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ModelError(f"{src}: unexpected clamp bound {value!r} in an op context")
    return float(value) if math.isfinite(value) else None


def _tensor_bytes(tensor: torch.Tensor) -> bytes:
    return tensor.numpy().tobytes() if tensor.numel() else b""


class _StorageRef:
    def __init__(self, storage_type: type, key: str, numel: int) -> None:
        self.storage_type, self.key, self.numel = storage_type, key, numel


class _ConstantsPickler(pickle.Pickler):
    """Writes tensors the way TorchScript's pickler does: ``_rebuild_tensor_v2`` over persistent storages."""

    def __init__(self, fh: io.BytesIO, storages: list[torch.Tensor]) -> None:
        super().__init__(fh, protocol=2)
        self.storages = storages  # whole storages as uint8 tensors, written as constants/<index>
        self.keys: dict[tuple[int, torch.dtype], str] = {}

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _StorageRef):
            return ("storage", obj.storage_type, obj.key, "cpu", obj.numel)
        return None

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, torch.Tensor):
            tensor = obj.detach()
            storage = tensor.untyped_storage()
            itemsize = tensor.element_size()
            ident = (storage.data_ptr(), tensor.dtype)
            if ident not in self.keys:  # each storage is written once; tensors sharing it stay views
                self.keys[ident] = str(len(self.storages))
                self.storages.append(torch.empty(0, dtype=torch.uint8).set_(storage, 0, (storage.nbytes(),), (1,)))
            key = self.keys[ident]
            ref = _StorageRef(_STORAGE_CLASSES[tensor.dtype], key, storage.nbytes() // itemsize)
            args: tuple[Any, ...] = (
                ref,
                tensor.storage_offset(),
                tuple(tensor.shape),
                tuple(tensor.stride()),
                False,
                collections.OrderedDict(),
            )
            return torch._utils._rebuild_tensor_v2, args
        if isinstance(obj, TypedList):
            return getattr(importlib.import_module("torch.jit._pickle"), obj.builder), (obj.items,)
        if isinstance(obj, ScriptObjectState):
            raise ModelError(f"cannot write {obj.qualified_name} into a plain model")
        return NotImplemented


_STORAGE_CLASSES = {
    torch.float32: torch.FloatStorage,
    torch.float64: torch.DoubleStorage,
    torch.float16: torch.HalfStorage,
    torch.bfloat16: torch.BFloat16Storage,
    torch.int64: torch.LongStorage,
    torch.int32: torch.IntStorage,
    torch.int16: torch.ShortStorage,
    torch.int8: torch.CharStorage,
    torch.uint8: torch.ByteStorage,
    torch.bool: torch.BoolStorage,
}


# -- code ----------------------------------------------------------------------------------------

_CONSTANT_RE = re.compile(r"^c(\d+)$")


@dataclass
class _VarContext:
    """An op context made in the code by ``*_prepack`` and bound to a variable (rewritten into a tuple)."""

    name: str
    kind: str
    clamp: tuple[float | None, float | None]


class _CodeRewriter:
    """Rewrites every ``ops.prepacked.*`` call of one code file into aten ops."""

    def __init__(self, src: Path, fname: str, text: str, table: _ConstantTable, report: ConversionReport) -> None:
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
            if isinstance(value, ast.Call) and _prepacked_op(value) in _PREPACK_OPS:
                op = _prepacked_op(value)
                assert op is not None
                kind = _PREPACK_OPS[op]
                args = self._bind(value, op, _FIELDS[kind])
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
        if op not in _PREPACK_OPS and op not in _RUN_OPS:
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
        if op in _PREPACK_OPS:
            var = self.prepack_assigns.get(id(call))
            if var is None:
                raise ModelError(f"{self.src}: cannot convert prepacked::{op} whose result is not a plain variable")
            kind = _PREPACK_OPS[op]
            args = self._bind(call, op, _FIELDS[kind])
            parts = [self._arg_text(args, name) for name in _FIELDS[kind] if name not in _BOUNDS]
            return "(" + ", ".join(parts) + ")"
        kind = _RUN_OPS[op]
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
        names = [n for n in _FIELDS[kind] if n not in _BOUNDS]
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
            args = self._bind(node, inner, _FIELDS[kind])
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
        missing = [n for n, v in bound.items() if v is None and n not in _DEFAULTS]
        if missing and not op.endswith("_run"):
            raise ModelError(f"{self.src}: cannot convert prepacked::{op} without {missing[0]}")
        return bound

    def _arg_text(self, args: dict[str, ast.AST | None], name: str) -> str:
        node = args[name]
        return _DEFAULTS[name] if node is None else self._text(node)

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
