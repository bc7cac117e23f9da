"""The contexts of the reduction engine (:mod:`.reduction_engine`): how to reduce along the chosen
axis, and how a context learns which elements are missing.

A context reduces (``reduce``), sends per-result values back to the elements (``gather``) and
counts the elements of every result (``count``): :class:`DenseAxes` for regular axes (plain ``xp``
reductions with ``keepdims``), :class:`RaggedAxis` for a ragged axis of an exact array (segment
reductions into a cached plan), :class:`BoundedAxis` for one of a bounded array. Missing elements
(awkward's option types) reach a computation as elements its mask leaves out (:func:`attach`).
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np

from .._backends import Backend
from .._bounded import BoundedPlan
from .._structure import ReductionPlan, Structure

__all__ = [
    "BoundedAxis",
    "Context",
    "DenseAxes",
    "RaggedAxis",
    "attach",
    "present_of",
    "squares_about",
    "zero_missing",
]


# ---- contexts: how to reduce along the chosen axis --------------------------------------
class _Options:
    """What a context knows about missing values (see :func:`_attach`): the mask of the present
    elements handed to ``compute`` (None: no missing values reach this reduction), the data handed
    with it (its missing elements hold zeros) and the missing elements' indices on the host."""

    present: Any = None
    content: Any = None
    missing: tuple[int, np.ndarray] | None = None


class DenseAxes(_Options):
    """Regular axes of the content: plain reductions with ``keepdims`` (results broadcast back)."""

    def __init__(self, backend: Backend, axes: tuple[int, ...], shape: tuple[int, ...]) -> None:
        self.backend, self.xp, self.axes = backend, backend.xp, axes
        self.size = math.prod([shape[i] for i in axes])  # a list: torch.compile traces it, not a generator
        self.counted = self.size  # elements per result that take part (fewer when some are missing)

    def reduce(self, kind: str, data: Any) -> Any:
        xp = self.xp
        if kind in ("max", "min") and self.size == 0:
            shape = tuple(1 if i in self.axes else d for i, d in enumerate(data.shape))
            ident = self.backend.identity(kind, data.dtype)
            return xp.full(shape, ident, dtype=data.dtype)
        return getattr(xp, kind)(data, axis=self.axes, keepdims=True)

    def gather(self, values: Any) -> Any:
        return values

    def count(self, like: Any) -> Any:
        return self.counted


class RaggedAxis(_Options):
    """A ragged axis: segment reductions into the plan's targets (data has the elements first)."""

    def __init__(self, backend: Backend, plan: ReductionPlan, rest: int) -> None:
        self.backend, self.xp, self.plan, self.rest = backend, backend.xp, plan, rest
        self.counts: np.ndarray | None = None  # present elements per result (None: all are)
        self.ranks: np.ndarray | None = None  # indices along the axis counting present lists only

    def reduce(self, kind: str, data: Any) -> Any:
        p = self.plan
        if p.segments is not None:
            return self.backend.segment_reduce(kind, data, p.segments)
        return self.backend.scatter_reduce(kind, data, p.targets, p.n, p, "targets")

    def gather(self, values: Any) -> Any:
        p = self.plan
        if p.segments is not None:
            return self.backend.segment_expand(values, p.segments)
        return self.backend.take(values, p.targets, p.owner, "targets")

    def column(self, key: str, host: np.ndarray, like: Any) -> Any:
        """A per-element (or per-result) host int array, shaped to broadcast against the data."""
        a = self.backend.index(self.plan, key, host, like)
        return self.xp.reshape(a, a.shape + (1,) * self.rest)

    def count(self, like: Any) -> Any:
        if self.counts is not None:
            return self.column("present-counts", self.counts, like)
        return self.column("counts", self.plan.counts, like)

    def local(self, like: Any) -> Any:
        """Every element's index along the reduced axis."""
        if self.ranks is not None:
            return self.column("present-local", self.ranks, like)
        return self.column("local", self.plan.local, like)


class BoundedAxis(_Options):
    """A ragged axis of a bounded array: segment reductions into the plan's targets, which the
    device computes from the offsets; padding slots (targets out of range) are dropped."""

    def __init__(self, backend: Backend, plan: BoundedPlan, rest: int) -> None:
        self.backend, self.xp, self.plan, self.rest = backend, backend.xp, plan, rest

    def reduce(self, kind: str, data: Any) -> Any:
        p = self.plan
        return self.backend.segment_reduce_ids(kind, data, p.targets, p.n, sorted_ids=p.sorted)

    def gather(self, values: Any) -> Any:
        # padding slots get 1, a value every formula here can divide by or take the log of
        return self.backend.take_fill(values, self.plan.targets, 1)

    def _shaped(self, a: Any) -> Any:
        return self.xp.reshape(a, a.shape + (1,) * self.rest)

    def local(self, like: Any) -> Any:
        return self._shaped(self.plan.local)

    def count(self, like: Any) -> Any:
        return self._shaped(self.plan.counts)


Context = DenseAxes | RaggedAxis | BoundedAxis


def present_of(backend: Backend, s: Structure, like: Any, axis: int) -> Any:
    """The mask of ``s``'s present innermost items, shaped to broadcast against ``like`` (whose
    element axis is ``axis``)."""
    em = cast(tuple[np.ndarray, ...], s.masks)[-1]  # s has missing elements
    flat = backend.index(s, "reduce-present", em, like)
    return backend.xp.reshape(flat, (1,) * axis + (em.shape[0],) + (1,) * (len(like.shape) - axis - 1))


def attach(ctx: Context, s: Structure, data: Any, axis: int) -> Any:
    """Tell ``ctx`` which elements of ``data`` (element axis ``axis``) are present (and a
    :class:`DenseAxes` how many take part in each result); returns that mask, shaped like
    ``data``."""
    em = cast(tuple[np.ndarray, ...], s.masks)[-1]  # s has missing elements
    if isinstance(ctx, DenseAxes):  # the elements' own axis is among the reduced ones
        others = math.prod([data.shape[i] for i in ctx.axes if i != axis])
        ctx.counted = s.cached("present-count", lambda: int(em.sum())) * others
    ctx.present = ctx.xp.broadcast_to(present_of(ctx.backend, s, data, axis), tuple(data.shape))
    ctx.content = data
    ctx.missing = (axis, s.cached("reduce-missing", lambda: np.flatnonzero(~em)))
    return ctx.present


def zero_missing(backend: Backend, s: Structure, content: Any, nb: int) -> Any:
    """``content`` (over ``s``, ``nb`` batch dims) with zeros at the missing innermost items."""
    em = s.masks[-1] if s.masks is not None else None
    if em is None or s.cached("all-present", lambda: bool(em.all())):
        return content
    xp = backend.xp
    return xp.where(present_of(backend, s, content, nb), content, xp.zeros_like(content))


def squares_about(ctx: Context, data: Any, mask: Any, mu: Any) -> Any:
    """``Σ (x - mu)²`` over the elements ``mask`` keeps (every element where it is None); ``mu``
    has one value per result. Over a whole array (or its elements' own axis) with missing values
    only, the backend's ``present_squares`` avoids a pass that masks the data."""
    xp = ctx.xp
    if mask is None:
        return ctx.reduce("sum", _square(xp, data - ctx.gather(mu)))
    if (
        isinstance(ctx, DenseAxes)
        and mask is ctx.present
        and data is ctx.content
        and xp.isdtype(data.dtype, "real floating")
        and ctx.size > ctx.counted
    ):
        return ctx.backend.present_squares(data, mu, mask, ctx.axes, ctx.size - ctx.counted)
    return ctx.reduce("sum", _square(xp, xp.where(mask, data - ctx.gather(mu), 0)))


def _square(xp: Any, dev: Any) -> Any:
    return xp.real(dev * xp.conj(dev)) if xp.isdtype(dev.dtype, "complex floating") else dev * dev
