"""Run a TorchScript graph op by op in Python, so the ONNX exporter can trace it.

Scripted towers (the seed's files, exported pairs) keep TorchScript control flow such as
``nn.MultiheadAttention``'s fast-path checks, which the TorchScript-based ONNX exporter cannot type.
:class:`Replay` executes the frozen graph node by node: ``prim::If``/``prim::Loop`` are decided in
Python on the example input (they test ranks, flags and options, never data), tensor ops are called
through ``torch.ops.aten`` with their schema, and sizes come from ``Tensor.size`` so that, under tracing,
batch and sequence lengths stay symbolic. What the tracer records is then a straight-line graph.
The exporter's result is always checked against the scripted module (``onnx_export``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from motis_desktop.core.errors import ModelError

_PYTHON_OPS: dict[str, Callable[..., Any]] = {
    "aten::eq": operator.eq,
    "aten::ne": operator.ne,
    "aten::lt": operator.lt,
    "aten::gt": operator.gt,
    "aten::le": operator.le,
    "aten::ge": operator.ge,
    "aten::__not__": operator.not_,
    "aten::__and__": operator.and_,
    "aten::__or__": operator.or_,
    "aten::__getitem__": operator.getitem,
    "aten::len": len,
    "aten::Int": int,
    "aten::Float": float,
    "aten::Bool": bool,
    "aten::add": operator.add,
    "aten::sub": operator.sub,
    "aten::mul": operator.mul,
    "aten::floordiv": operator.floordiv,
    "aten::div": operator.truediv,
    "aten::neg": operator.neg,
    "aten::remainder": operator.mod,
    "aten::format": lambda fmt, *args: str(fmt).format(*args),
    "aten::__contains__": lambda container, item: item in container,
    "aten::list": list,
}


_VIEWS = "views"  # env key: id(view) -> (base, "slice"/"select", arguments, view) for in-place writes


class Replay(nn.Module):
    """A scripted module's frozen ``forward`` graph, run node by node (traceable)."""

    def __init__(self, scripted: torch.jit.ScriptModule) -> None:
        super().__init__()
        self.frozen = torch.jit.freeze(scripted.eval())
        self.graph = self.frozen.graph

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        inputs = list(self.graph.inputs())
        if len(inputs) != 2:
            raise ModelError(f"the tower's forward takes {len(inputs) - 1} inputs, expected one")
        env: dict[Any, Any] = {inputs[0]: None, inputs[1]: x, _VIEWS: {}}
        out = _run_block(self.graph, env)
        return out[0]


def _run_block(block: Any, env: dict[Any, Any]) -> list[Any]:
    for node in block.nodes():
        for value, result in zip(node.outputs(), _run_node(node, env)):
            env[value] = result
    return [env[v] for v in block.outputs()]


def _run_node(node: Any, env: dict[Any, Any]) -> list[Any]:
    kind = node.kind()
    args = [env[v] for v in node.inputs()]
    if kind == "prim::Constant":
        return [node.output().toIValue()]
    if kind == "prim::If":
        then_block, else_block = list(node.blocks())
        return _run_block(then_block if args[0] else else_block, env)
    if kind == "prim::Loop":
        return _run_loop(node, env, args)
    simple = _prim(kind, args)
    if simple is not None:
        return simple
    if not kind.startswith("aten::"):
        raise ModelError(f"cannot convert TorchScript op {kind}")
    name = kind.split("::", 1)[1]
    if name.endswith("_") and not name.startswith("_") and args and isinstance(args[0], torch.Tensor):
        return [_functional(node, name, args, env)]
    out = _run_aten(node, kind, args)
    if name in ("slice", "select") and isinstance(args[0], torch.Tensor):
        env[_VIEWS][id(out[0])] = (args[0], name, args[1:], out[0])
    return out


def _functional(node: Any, name: str, args: list[Any], env: dict[Any, Any]) -> torch.Tensor:
    """An in-place op (``out[:, i] = v``, ``scatter_add_``...) as its out-of-place form, written back into the
    tensors it is a view of with ``slice_scatter``/``select_scatter``: the tracer records no mutation."""
    schema = torch._C.parse_schema(node.schema())
    positional = [a for a, s in zip(args, schema.arguments) if not s.kwarg_only]
    keywords = {s.name: a for a, s in zip(args, schema.arguments) if s.kwarg_only}
    target = args[0]
    if name == "copy_":  # aten::copy has no ONNX form; broadcasting does the same
        new = torch.as_tensor(args[1]).to(target.dtype).expand_as(target)
    elif name == "fill_":
        new = torch.zeros_like(target) + torch.as_tensor(args[1]).to(target.dtype)
    else:
        packet = getattr(torch.ops.aten, name[:-1], None)
        op = getattr(packet, schema.overload_name or "default", None) if packet is not None else None
        if op is None:
            raise ModelError(f"cannot convert the in-place TorchScript op aten::{name}")
        new = op(*positional, **keywords)
    result = new
    views = env[_VIEWS]
    while True:
        _rebind(env, target, new)
        view = views.get(id(target))
        if view is None or view[3] is not target:
            return result
        base, kind, vargs, _ = view
        new, target = _scatter(base, new, kind, vargs), base


def _scatter(base: torch.Tensor, part: torch.Tensor, kind: str, vargs: list[Any]) -> torch.Tensor:
    """``base`` with its ``slice``/``select`` view replaced by ``part``, by concatenation (the exporter has no
    ``slice_scatter``/``select_scatter``)."""
    dim = vargs[0] % base.dim()
    lead = (slice(None),) * dim
    if kind == "slice":
        start, end, step = vargs[1], vargs[2], vargs[3]
        if step != 1:
            raise ModelError("cannot convert an in-place write into a strided slice")
        before = slice(None, start if start is not None else 0)
        after = slice(end, None) if end is not None else slice(0, 0)
    else:
        index = vargs[1]
        part = part.unsqueeze(dim)
        before, after = slice(None, index), (slice(index + 1, None) if index != -1 else slice(0, 0))
    return torch.cat([base[lead + (before,)], part.to(base.dtype), base[lead + (after,)]], dim=dim)


def _rebind(env: dict[Any, Any], old: torch.Tensor, new: torch.Tensor) -> None:
    for key, value in list(env.items()):
        if value is old:
            env[key] = new


# Ops run in Python as they are: containers, type and shape queries, identity casts.
_PRIMS: dict[str, Callable[..., list[Any]]] = {
    "prim::ListConstruct": lambda *a: [list(a)],
    "prim::TupleConstruct": lambda *a: [tuple(a)],
    "prim::ListUnpack": lambda seq: list(seq),
    "prim::TupleUnpack": lambda seq: list(seq),
    "prim::TupleIndex": lambda seq, i: [seq[i]],
    "prim::Uninitialized": lambda: [None],
    "prim::unchecked_cast": lambda x: [x],
    "aten::detach": lambda x: [x],
    "prim::is_nested": lambda *a: [False],
    "prim::isinstance": lambda *a: [True],
    "prim::dtype": lambda x: [x.dtype],
    "prim::device": lambda x: [x.device],
    "aten::dim": lambda x: [x.dim()],
    "aten::warn": lambda *a: [],
    "aten::__is__": lambda a, b: [a is b],
    "aten::__isnot__": lambda a, b: [a is not b],
    "aten::size": lambda x, *dim: [x.size(*dim) if dim else list(x.shape)],  # stays symbolic while tracing
}


def _prim(kind: str, args: list[Any]) -> list[Any] | None:
    if kind in _PRIMS:
        return _PRIMS[kind](*args)
    if kind == "prim::RaiseException":
        raise ModelError(f"the tower raised an error on a test input: {args[0]}")
    if kind in ("aten::Int", "aten::Float", "aten::ScalarImplicit") and isinstance(args[0], torch.Tensor):
        return [args[0]]
    return None


def _run_loop(node: Any, env: dict[Any, Any], args: list[Any]) -> list[Any]:
    trips, cond, *carried = args
    block = next(iter(node.blocks()))
    params = list(block.inputs())
    i = 0
    while i < trips and cond:
        env[params[0]] = i
        for value, item in zip(params[1:], carried):
            env[value] = item
        cond, *carried = _run_block(block, env)
        i += 1
    return carried


def _run_aten(node: Any, kind: str, args: list[Any]) -> list[Any]:
    schema = torch._C.parse_schema(node.schema())
    types = [str(a.type) for a in schema.arguments]
    if kind in _PYTHON_OPS and not any("Tensor" in t for t in types):
        return [_PYTHON_OPS[kind](*args)]
    positional = [a for a, s in zip(args, schema.arguments) if not s.kwarg_only]
    keywords = {s.name: a for a, s in zip(args, schema.arguments) if s.kwarg_only}
    name = kind.split("::", 1)[1]
    # A size (a 0-d tensor while tracing) passed where the schema wants a number: call the Python
    # function, which accepts it and keeps it symbolic; torch.ops would bake it in as a constant.
    traced_sizes = any("Tensor" not in t and _holds_tensor(a) for a, t in zip(args, types))
    if traced_sizes and name == "slice":
        x, dim, start, end, step = positional
        out = x[(slice(None),) * dim + (slice(start, end, step),)]
    elif traced_sizes:
        fn = getattr(torch, name, None) or getattr(torch.Tensor, name, None)
        if fn is None:
            raise ModelError(f"cannot convert TorchScript op {kind} with a size argument")
        out = fn(*positional, **keywords)
    else:
        packet = getattr(torch.ops.aten, name)
        out = getattr(packet, schema.overload_name or "default")(*positional, **keywords)
    return list(out) if node.outputsSize() > 1 else [out]


def _holds_tensor(value: Any) -> bool:
    return isinstance(value, torch.Tensor) or (
        isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in value)
    )
