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

__all__ = ["scan_flags", "segment_reduce"]

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
    """Π_{j≠i} x_j within each segment, without dividing by x_i.

    As in ``_jax_rules._product_of_others``: the exclusive prefix times the exclusive suffix
    product, from segmented scans over the elements sorted by segment. Exact where elements are
    zero or infinite and where the segment's product under- or overflows (``Q / x_i`` is not:
    ``inf / inf``, or ``0 / 1e-200``); the scans are products, so second derivatives are
    autograd's of them.
    """
    if data.shape[0] == 0:
        return data
    order = torch.argsort(ids, stable=True)
    values, sorted_ids = data[order], ids[order]
    change = sorted_ids[1:] != sorted_ids[:-1]
    edge = torch.ones(1, dtype=torch.bool, device=data.device)
    starts, ends = torch.cat([edge, change]), torch.cat([change, edge])
    one = torch.ones_like(values[:1])
    column = (-1, *([1] * (data.dim() - 1)))
    inclusive = scan_flags("prod", values, starts)
    before = torch.where(starts.reshape(column), one, torch.cat([one, inclusive[:-1]]))
    inclusive_rev = scan_flags("prod", values.flip(0), ends.flip(0)).flip(0)
    after = torch.where(ends.reshape(column), one, torch.cat([inclusive_rev[1:], one]))
    return torch.empty_like(data).index_copy(0, order, before * after)


def scan_flags(kind: str, data: Any, starts: Any) -> Any:
    """Inclusive cumulative ``kind`` ("sum" or "prod") along axis 0, restarting where ``starts``
    is true: the scan of ``jax.lax.associative_scan`` over (flag, value) pairs, as Hillis and
    Steele's log2(n) steps. Each step is a shifted combine, so the derivative is autograd's, exact
    through zeros and infinities. Across a list start the earlier value is replaced by the
    identity before combining (not the combined value discarded after), so no other list's inf
    reaches a gradient."""
    n = data.shape[0]
    combine = torch.add if kind == "sum" else torch.mul
    identity = torch.full((), -0.0 if kind == "sum" else 1, dtype=data.dtype, device=data.device)
    flags = starts.to(torch.bool).reshape(n, *([1] * (data.ndim - 1)))
    step = 1
    while step < n:
        earlier = torch.where(flags[step:], identity, data[:-step])
        data = torch.cat([data[:step], combine(earlier, data[step:])])
        flags = torch.cat([flags[:step], flags[step:] | flags[:-step]])
        step *= 2
    return data


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
