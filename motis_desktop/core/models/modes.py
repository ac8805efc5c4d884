"""Inference modes for both towers of every model format: fp32 (the reference), bf16 and int8.

One mechanism serves our own CLIP, TorchScript pairs (seed, converted or exported) alike:
the tower is scripted if it is eager, frozen (``torch.jit.freeze`` turns weights into
graph constants), and every ``aten::linear`` with constant weights in the frozen graph is
rewritten:

- ``bf16``: the product runs in bfloat16 (input cast, bfloat16 weight constants, output cast
  back to float32); layer norms, softmax and the rest stay float32.
- ``int8``: dynamic quantization, ``quantized::linear_dynamic`` (fbgemm/x86: int8 weights per
  output channel, activations quantized per call) on a prepacked weight constant.

Why not ``torch.ao.quantization.quantize_dynamic``: it is deprecated in torch 2.13 (its
replacement, torchao's ``quantize_``, is a separate package whose CPU int8 path needs
``torch.compile`` to be fast), it only swaps ``nn.Linear`` modules (so it misses attention
input projections done with ``F.linear``) and it cannot touch TorchScript files at all. The
rewrite uses the same fbgemm kernel on every linear of any TorchScript graph. Creating the
qint8 weight still triggers torch 2.13's deprecation warning for quantized dtypes
(pytorch#184982); it is silenced here and the kernel works, but a later torch may remove it.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Callable
from typing import Any

import torch

log = logging.getLogger(__name__)

MODES = ("fp32", "bf16", "int8")
REFERENCE = "fp32"


class ModeUnavailable(Exception):
    """This tower cannot run in the requested mode (message says why)."""


def tower_in_mode(tower: Callable[[torch.Tensor], torch.Tensor], mode: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """A callable computing ``tower`` in ``mode`` (the tower itself for fp32); the original is untouched."""
    if mode == REFERENCE:
        return tower
    if mode not in MODES:
        raise ModeUnavailable(f"unknown inference mode {mode!r} (choose from {', '.join(MODES)})")
    module = getattr(tower, "module", tower)  # BatchFallback wraps a ScriptModule
    frozen = _frozen_copy(module)
    rewritten = _rewrite_linears(frozen.graph, mode)
    if rewritten == 0:
        raise ModeUnavailable("no linear layers with constant weights to convert")
    log.info("%s: %d linear layers converted", mode, rewritten)
    if module is not tower:
        from motis_desktop.core.models.encoders.torchscript_pair import BatchFallback

        wrapped = BatchFallback(frozen)
        wrapped.batched = getattr(tower, "batched", True)
        return wrapped
    return frozen


def _frozen_copy(module: Any) -> torch.jit.ScriptModule:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript is how both formats are run
        if isinstance(module, torch.jit.ScriptModule):
            buffer = io.BytesIO()
            torch.jit.save(module, buffer)  # a private copy: freezing must not change the caller's module
            buffer.seek(0)
            scripted = torch.jit.load(buffer, map_location="cpu")
        elif isinstance(module, torch.nn.Module):
            scripted = torch.jit.script(module)
        else:
            raise ModeUnavailable(f"cannot convert a {type(module).__name__}")
        try:
            return torch.jit.freeze(scripted.eval())
        except Exception as exc:  # already frozen modules have no attributes left to fold
            if not any(True for _ in scripted.named_parameters()):
                return scripted
            raise ModeUnavailable(f"cannot freeze the tower ({exc})") from None


def _rewrite_linears(graph: torch._C.Graph, mode: str) -> int:
    count = 0
    for node in graph.findAllNodes("aten::linear"):
        x, weight, bias = node.inputs()
        if weight.node().kind() != "prim::Constant":
            continue
        w = weight.toIValue()
        b = bias.toIValue() if bias.node().kind() == "prim::Constant" else None
        if not isinstance(w, torch.Tensor) or w.ndim != 2 or not w.is_floating_point():
            continue
        if b is not None and not isinstance(b, torch.Tensor):
            continue
        with graph.insert_point_guard(node):
            out = _bf16_linear(graph, x, w, b) if mode == "bf16" else _int8_linear(graph, x, w, b)
        out.setType(node.output().type())
        node.output().replaceAllUsesWith(out)
        node.destroy()
        count += 1
    torch._C._jit_pass_dce(graph)
    return count


def _insert(graph: torch._C.Graph, kind: str, inputs: list[torch._C.Value]) -> torch._C.Value:
    node = graph.create(kind, inputs)
    graph.insertNode(node)
    return node.output()


def _to_dtype(graph: torch._C.Graph, value: torch._C.Value, dtype: torch.dtype) -> torch._C.Value:
    args = [value, graph.insertConstant(dtype), graph.insertConstant(False), graph.insertConstant(False)]
    args.append(graph.insertConstant(None))
    return _insert(graph, "aten::to", args)


def _bf16_linear(graph: torch._C.Graph, x: torch._C.Value, w: torch.Tensor, b: torch.Tensor | None) -> torch._C.Value:
    weight = graph.insertConstant(w.detach().to(torch.bfloat16))
    bias = graph.insertConstant(b.detach().to(torch.bfloat16) if b is not None else None)
    out = _insert(graph, "aten::linear", [_to_dtype(graph, x, torch.bfloat16), weight, bias])
    return _to_dtype(graph, out, torch.float32)


def _int8_linear(graph: torch._C.Graph, x: torch._C.Value, w: torch.Tensor, b: torch.Tensor | None) -> torch._C.Value:
    packed = graph.insertConstant(int8_packed_weight(w, b))
    return _insert(graph, "quantized::linear_dynamic", [x, packed, graph.insertConstant(True)])


def int8_packed_weight(w: torch.Tensor, b: torch.Tensor | None) -> Any:
    """fbgemm-prepacked int8 weight (symmetric, per output channel) for ``quantized::linear_dynamic``."""
    w = w.detach().float()
    scales = (w.abs().amax(dim=1) / 127.0).clamp(min=1e-8).double()
    zeros = torch.zeros(w.shape[0], dtype=torch.long)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # quantized dtypes are deprecated in 2.13 (pytorch#184982)
        qweight = torch.quantize_per_channel(w, scales, zeros, 0, torch.qint8)
        return torch.ops.quantized.linear_prepack(qweight, b.detach().float() if b is not None else None)
