"""Segment reductions on torch, with exact derivatives at the edges.

Sums are ``index_add`` (linear: torch differentiates it exactly). Products, maxima and minima are
``scatter_reduce`` forward; their derivatives are ``torch.autograd.Function`` rules with the
semantics of the JAX rules in :mod:`._jax_rules`, each right below its function: a product's
derivative is the product of the other elements, computed without dividing by zero, and tied
maxima/minima share the derivative evenly (as ``jnp.max`` and the JAX backend do). The rules'
backward passes are written with differentiable torch operations, so second derivatives work.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["segment_reduce"]

_SCATTER = {"prod": "prod", "max": "amax", "min": "amin"}


def segment_reduce(kind: str, data: Any, ids: Any, n: int, ident: Any) -> Any:
    """Reduce axis 0 of ``data`` into ``n`` groups given by ``ids``; empty groups get ``ident``."""
    if kind == "sum":
        return segment_sum(data, ids, n)
    if kind in ("any", "all"):
        flags = (data != 0).to(torch.uint8)
        out = _scatter(flags, ids, n, "amax" if kind == "any" else "amin", int(kind == "all"))
        return out > 0
    inexact = data.is_floating_point() or data.is_complex()
    if kind == "prod":
        return _SegmentProd.apply(data, ids, n) if inexact else _scatter(data, ids, n, "prod", ident)  # type: ignore[no-untyped-call]  # torch's Function.apply is unannotated
    if inexact:
        return _SegmentExtremum.apply(data, ids, n, kind)  # type: ignore[no-untyped-call]  # torch's Function.apply is unannotated
    return _scatter(data, ids, n, _SCATTER[kind], ident)


def segment_sum(data: Any, ids: Any, n: int) -> Any:
    return data.new_zeros((n, *data.shape[1:])).index_add(0, ids, data)


def _scatter(data: Any, ids: Any, n: int, reduce: str, ident: Any) -> Any:
    index = ids.reshape(ids.shape + (1,) * (data.dim() - 1)).expand(data.shape)
    out = torch.full((n, *data.shape[1:]), ident, dtype=data.dtype, device=data.device)
    return out.scatter_reduce(0, index, data, reduce=reduce, include_self=True)


# ---- product ---------------------------------------------------------------------------
class _SegmentProd(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, data: Any, ids: Any, n: int) -> Any:
        ctx.save_for_backward(data, ids)
        ctx.n = n
        return _scatter(data, ids, n, "prod", 1)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        data, ids = ctx.saved_tensors
        # torch's convention for complex inputs: grad_in = grad_out · conj(d out / d in)
        return grad[ids] * _others(data, ids, ctx.n).conj(), None, None


def _others(data: Any, ids: Any, n: int) -> Any:
    """Π_{j≠i} x_j within each segment, exact (value and derivative) where some x_j are zero.

    As in ``_jax_rules._segment_prod_jvp``: with ``z`` zeros among the others and ``Q`` the product
    of the non-zero elements, the product of the others is ``Q / x_i`` when ``z = 0``, ``(Q / y_i) ·
    x_k`` (value 0, derivative ``Q / y_i`` along the other zero ``x_k``) when ``z = 1``, else 0.
    """
    is_zero = data == 0
    y = torch.where(is_zero, torch.ones_like(data), data)
    q = _SegmentProd.apply(y, ids, n)  # type: ignore[no-untyped-call]  # torch's Function.apply is unannotated
    count = is_zero.to(torch.int64)
    zeros = segment_sum(count, ids, n)
    zero_values = torch.where(is_zero, data, torch.zeros_like(data))  # 0, derivative 1 at the zeros
    zero_sum = segment_sum(zero_values, ids, n)
    others_zeros = zeros[ids] - count
    factor = torch.where(
        others_zeros == 0,
        torch.ones_like(data),
        torch.where(others_zeros == 1, zero_sum[ids] - zero_values, torch.zeros_like(data)),
    )
    return q[ids] / y * factor


# ---- maximum and minimum ---------------------------------------------------------------
class _SegmentExtremum(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, data: Any, ids: Any, n: int, kind: str) -> Any:
        out = _scatter(data, ids, n, _SCATTER[kind], -torch.inf if kind == "max" else torch.inf)
        ctx.save_for_backward(data, ids, out)
        ctx.n = n
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        # ties share the derivative evenly; empty segments send nothing back
        data, ids, out = ctx.saved_tensors
        hit = (data == out[ids]).to(data.dtype)
        count = segment_sum(hit, ids, ctx.n)
        share = grad / torch.where(count > 0, count, torch.ones_like(count))
        return hit * share[ids], None, None, None
