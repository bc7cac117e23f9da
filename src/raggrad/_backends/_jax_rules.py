"""Segment reductions and scans on JAX, with exact derivatives at the edges.

``jax.ops.segment_sum`` is linear and differentiates correctly by itself. ``segment_prod`` has no
derivative in JAX (``scatter_mul`` differentiates only with unique indices) and ``segment_max`` /
``segment_min`` must split ties evenly as ``jnp.max`` does, so those carry ``custom_jvp`` rules,
each right below its function. Scans are ``lax.associative_scan`` over (start flag, value) pairs,
which plain autodiff differentiates exactly (also through zeros of a cumulative product).
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

try:  # Pallas is experimental: without it the kernels are off and jax.ops.segment_* serve
    from . import _jax_pallas
except ImportError:  # pragma: no cover - depends on the jax release
    _jax_pallas = None  # type: ignore[assignment]  # optional module: _Kernels runs only with it

#: the Pallas kernels' module, or None where this jax release cannot import Pallas
PALLAS = _jax_pallas

__all__ = [
    "PALLAS",
    "cond",
    "kernel_expand",
    "kernel_reduce",
    "present_extremum",
    "present_squares",
    "segment_prod_dropping",
    "segment_reduce",
    "segment_scan",
    "zero_gradient",
]


def segment_reduce(kind: str, data: Any, ids: Any, n: int, sorted_ids: bool, ident: Any) -> Any:
    """Reduce axis 0 of ``data`` into ``n`` segments given by ``ids``; empty segments get ``ident``."""
    if kind == "sum":
        return jax.ops.segment_sum(data, ids, num_segments=n, indices_are_sorted=sorted_ids)
    if kind in ("any", "all"):
        # empty segments: segment_max gives the int8 minimum (any → False), segment_min the
        # maximum (all → True)
        fn = jax.ops.segment_max if kind == "any" else jax.ops.segment_min
        flags = (data != 0).astype(jnp.int8)
        return fn(flags, ids, num_segments=n, indices_are_sorted=sorted_ids) > 0
    inexact = jnp.issubdtype(data.dtype, jnp.inexact)
    if kind == "prod":
        if inexact:
            return _segment_prod(data, ids, n, sorted_ids)
        return jax.ops.segment_prod(data, ids, num_segments=n, indices_are_sorted=sorted_ids)
    if inexact:
        return _segment_extremum(data, ids, n, sorted_ids, kind)
    fn = jax.ops.segment_max if kind == "max" else jax.ops.segment_min
    # integer identities: segment_max fills empty segments with the dtype's minimum already
    return fn(data, ids, num_segments=n, indices_are_sorted=sorted_ids)


def _column_like(a: Any, like: Any) -> Any:
    """``a`` of shape ``(m,)`` reshaped to broadcast against ``like`` of shape ``(m, ...)``."""
    return a.reshape(a.shape + (1,) * (like.ndim - a.ndim))


# ---- product ---------------------------------------------------------------------------
@partial(jax.custom_jvp, nondiff_argnums=(2, 3))
def _segment_prod(data: Any, ids: Any, n: int, sorted_ids: bool) -> Any:
    return jax.ops.segment_prod(data, ids, num_segments=n, indices_are_sorted=sorted_ids)


@_segment_prod.defjvp
def _segment_prod_jvp(n: int, sorted_ids: bool, primals: Any, tangents: Any) -> Any:
    # d prod = Σ_i t_i · Π_{j≠i} x_j, with the product of the others computed without division
    # (exclusive prefix times exclusive suffix products): exact at zeros, and its own derivatives
    # (plain autodiff of the scans) stay finite where dividing by x_i would under- or overflow.
    data, ids = primals
    t, _ = tangents
    out = _segment_prod(data, ids, n, sorted_ids)
    others = _product_of_others(data, ids, sorted_ids)
    tangent_out = jax.ops.segment_sum(t * others, ids, num_segments=n, indices_are_sorted=sorted_ids)
    return out, tangent_out


def _product_of_others(data: Any, ids: Any, sorted_ids: bool) -> Any:
    """``Π_{j≠i} x_j`` over the segment of every element ``i``, from segment scans."""
    if data.shape[0] == 0:
        return data
    if not sorted_ids:
        order = jnp.argsort(ids, stable=True)
        others = _product_of_others(data[order], ids[order], True)
        return jnp.zeros_like(data).at[order].set(others, unique_indices=True)
    change = ids[1:] != ids[:-1]
    first = jnp.ones(1, dtype=bool)
    starts = jnp.concatenate([first, change])
    ends = jnp.concatenate([change, first])
    ones = jnp.ones_like(data[:1])
    inclusive = segment_scan("prod", data, starts)
    before = jnp.where(_column_like(starts, data), 1, jnp.concatenate([ones, inclusive[:-1]]))
    inclusive_rev = segment_scan("prod", data[::-1], ends[::-1])[::-1]
    after = jnp.where(_column_like(ends, data), 1, jnp.concatenate([inclusive_rev[1:], ones]))
    return before * after


@partial(jax.custom_jvp, nondiff_argnums=(2, 3, 4))
def segment_prod_dropping(data: Any, ids: Any, order: Any, keep: Any, n: int) -> Any:
    """The product of ``data`` within ``n`` segments by ``ids``, where id ``n`` drops an element
    (a missing value); ``keep`` is False at those, and ``order`` gives every element its segment,
    sorted (the dropped ones in their own segment's place). The forward program is one scatter,
    without a pass that writes ones over the dropped elements (nor ``order`` and ``keep``, held
    by the rule alone); the derivative's scans run over ``order``, since sorting ``ids`` in the
    program would make XLA fold the sort of a constant for minutes."""
    return jax.ops.segment_prod(data, ids, num_segments=n)


@segment_prod_dropping.defjvp
def _segment_prod_dropping_jvp(order: Any, keep: Any, n: int, primals: Any, tangents: Any) -> Any:
    data, ids = primals
    t = tangents[0]
    out = segment_prod_dropping(data, ids, order, keep, n)
    others = _product_of_others(jnp.where(keep, data, jnp.ones_like(data)), order, True)
    return out, jax.ops.segment_sum(t * others, ids, num_segments=n)  # dropped: no tangent


# ---- maximum and minimum ---------------------------------------------------------------
class _Scatter(NamedTuple):
    """Segments given by per-element ids (the ``index`` operand): ``jax.ops.segment_*``."""

    n: int
    sorted_ids: bool

    def extremum(self, kind: str, data: Any, ids: Any) -> Any:
        fn = jax.ops.segment_max if kind == "max" else jax.ops.segment_min
        return fn(data, ids, num_segments=self.n, indices_are_sorted=self.sorted_ids)

    def sum(self, data: Any, ids: Any) -> Any:
        return jax.ops.segment_sum(data, ids, num_segments=self.n, indices_are_sorted=self.sorted_ids)

    def expand(self, values: Any, ids: Any) -> Any:
        return values[ids]


class _Kernels(NamedTuple):
    """Segments given by offsets only (no ``index`` operand): the kernels of ``_jax_pallas``."""

    plan: Any
    interpret: bool

    def extremum(self, kind: str, data: Any, _: Any) -> Any:
        return _jax_pallas.reduce(kind, data, self.plan, self.interpret)

    def sum(self, data: Any, _: Any) -> Any:
        return _jax_pallas.reduce("sum", data, self.plan, self.interpret)

    def expand(self, values: Any, _: Any) -> Any:
        return _jax_pallas.expand(values, self.plan, self.interpret)


def _segment_extremum(data: Any, ids: Any, n: int, sorted_ids: bool, kind: str) -> Any:
    return _extremum(data, ids, _Scatter(n, sorted_ids), kind)


def kernel_reduce(kind: str, data: Any, plan: Any, interpret: bool) -> Any:
    """``kind`` ("sum", "max", "min") within the segments of a ``_jax_pallas.Plan``."""
    layout = _Kernels(plan, interpret)
    if kind == "sum":
        return layout.sum(data, None)  # a linear primitive: it transposes itself
    return _extremum(data, None, layout, kind)


def kernel_expand(values: Any, plan: Any, interpret: bool) -> Any:
    """``values`` (one per segment) repeated over the elements of each segment of ``plan``."""
    return _Kernels(plan, interpret).expand(values, None)


@partial(jax.custom_jvp, nondiff_argnums=(2, 3))
def _extremum(data: Any, index: Any, layout: Any, kind: str) -> Any:
    return layout.extremum(kind, data, index)


@_extremum.defjvp
def _extremum_jvp(layout: Any, kind: str, primals: Any, tangents: Any) -> Any:
    # ties share the derivative evenly, as jnp.max does; empty segments get a zero tangent
    data, index = primals
    t, _ = tangents
    out = _extremum(data, index, layout, kind)
    hit = (data == layout.expand(out, index)).astype(data.dtype)
    count = layout.sum(hit, index)
    total = layout.sum(t * hit, index)
    return out, total / jnp.where(count > 0, count, jnp.ones_like(count))


# ---- missing values --------------------------------------------------------------------
@partial(jax.custom_jvp, nondiff_argnums=(1,))
def zero_gradient(data: Any, keep: Any) -> Any:
    """``data`` itself (zero where ``keep`` is False), with zero derivatives there: a pass through
    in the forward program, one ``where`` on the tangents only when differentiated. ``keep`` is a
    concrete array (structure), so the forward program does not even hold it as a constant."""
    return data


@zero_gradient.defjvp
def _zero_gradient_jvp(keep: Any, primals: Any, tangents: Any) -> Any:
    (data,), (t,) = primals, tangents
    return zero_gradient(data, keep), jnp.where(keep, t, jnp.zeros_like(t))


def cond(pred: Any, shortcut: Any, general: Any) -> Any:
    """``shortcut()`` where scalar ``pred`` holds, else ``general()`` (see ``Backend.cond``): a
    Python branch on a concrete ``pred``, ``lax.cond`` on a traced one, so a jitted program runs
    one branch (both under ``vmap``, where ``lax.cond`` becomes a select)."""
    if not isinstance(pred, jax.core.Tracer):
        return shortcut() if bool(pred) else general()
    return jax.lax.cond(pred, shortcut, general)


@partial(jax.custom_jvp, nondiff_argnums=(0, 2, 3, 4, 5))
def present_extremum(kind: str, data: Any, keep: Any, axes: tuple[int, ...], fill: Any, missing: int) -> Any:
    """``Backend.present_extremum`` on JAX: the masked pass behind a ``lax.cond`` (a select
    would not fuse into the reduction), with a rule of its own so that differentiating it does
    not carry both branches' residuals through the cond."""
    reduce = jnp.max if kind == "max" else jnp.min
    raw = reduce(data, axis=axes, keepdims=True)
    beyond = jnp.all(raw > 0 if kind == "max" else raw < 0)
    return cond(beyond, lambda: raw, lambda: reduce(jnp.where(keep, data, fill), axis=axes, keepdims=True))


@present_extremum.defjvp
def _present_extremum_jvp(
    kind: str, keep: Any, axes: tuple[int, ...], fill: Any, missing: int, primals: Any, tangents: Any
) -> Any:
    # ties among the kept elements share the derivative evenly, as jnp.max does; none kept: zero.
    # The left-out elements (zeros) tie with a result of 0 only: their count comes off then, and
    # the mask reaches the tangents alone (where a select fuses; in the counting pass it would not)
    (data,), (t,) = primals, tangents
    out = present_extremum(kind, data, keep, axes, fill, missing)
    hit = (data == out).astype(data.dtype)
    count = jnp.sum(hit, axis=axes, keepdims=True) - jnp.where(out == 0, missing, 0).astype(data.dtype)
    total = jnp.sum(jnp.where(keep, t, jnp.zeros_like(t)) * hit, axis=axes, keepdims=True)
    return out, total / jnp.where(count > 0, count, jnp.ones_like(count))


@partial(jax.custom_jvp, nondiff_argnums=(2, 3, 4))
def present_squares(data: Any, mu: Any, keep: Any, axes: tuple[int, ...], missing: int) -> Any:
    """``Backend.present_squares`` on JAX: the masked pass behind a ``lax.cond``, with a rule of
    its own (as :func:`present_extremum`)."""
    every = jnp.sum((data - mu) ** 2, axis=axes, keepdims=True)
    extra = missing * mu**2
    return cond(
        jnp.all(extra <= 0.875 * every),  # False for NaN
        lambda: every - extra,
        lambda: jnp.sum(jnp.where(keep, data - mu, 0) ** 2, axis=axes, keepdims=True),
    )


@present_squares.defjvp
def _present_squares_jvp(keep: Any, axes: tuple[int, ...], missing: int, primals: Any, tangents: Any) -> Any:
    # d Σ_kept (x - mu)² = 2 Σ_kept (x - mu) dx - 2 dmu Σ_kept (x - mu): the mask only in the
    # tangents, and none of the left-out elements' tangents reach it
    (data, mu), (t, t_mu) = primals, tangents
    out = present_squares(data, mu, keep, axes, missing)
    dev = jnp.where(keep, data - mu, jnp.zeros_like(data))
    along = jnp.sum(dev * t, axis=axes, keepdims=True)
    return out, 2 * (along - t_mu * jnp.sum(dev, axis=axes, keepdims=True))


# ---- scans -----------------------------------------------------------------------------
def segment_scan(kind: str, data: Any, starts: Any) -> Any:
    """Inclusive cumulative sum/product along axis 0, restarting where ``starts`` is true."""
    op = jnp.add if kind == "sum" else jnp.multiply
    flags = _column_like(jnp.asarray(starts), data) if data.ndim else jnp.asarray(starts)
    flags = jnp.broadcast_to(flags, data.shape)

    identity = jnp.asarray(-0.0 if kind == "sum" else 1, dtype=data.dtype)

    def combine(a: Any, b: Any) -> Any:
        # across a list start the earlier value becomes the identity before combining, rather than
        # the combined value being discarded after: no other list's inf or NaN reaches a gradient
        (fa, va), (fb, vb) = a, b
        return fa | fb, op(jnp.where(fb, identity, va), vb)

    _, out = jax.lax.associative_scan(combine, (flags, data), axis=0)
    return out


@jax.custom_jvp
def ldexp(x: Any, n: Any) -> Any:
    """``jnp.ldexp`` with its derivative ``2**n`` in ``x`` everywhere: ``jnp.ldexp`` gives 1 at
    ``x = 0`` and NaN at subnormal ``x`` (its bit arithmetic is differentiated as is)."""
    return jnp.ldexp(x, n)


@ldexp.defjvp
def _ldexp_jvp(primals: Any, tangents: Any) -> Any:
    x, n = primals
    out = ldexp(x, n)  # the rule again at higher orders
    return out, tangents[0] * jnp.ldexp(jnp.ones_like(out), n)  # 2**n, exact


@jax.custom_jvp
def hypot(x: Any, y: Any) -> Any:
    """``jnp.hypot`` with the derivatives of ``sqrt(x² + y²)`` to every order: ``jnp.hypot``
    differentiates its ``max``/``min`` form, whose second derivative is 0 where ``|x| = |y|``. At
    the origin the derivative is 0 (the smallest subgradient), never NaN."""
    return jnp.hypot(x, y)


@hypot.defjvp
def _hypot_jvp(primals: Any, tangents: Any) -> Any:
    (x, y), (tx, ty) = primals, tangents
    out = hypot(x, y)  # the rule again at higher orders
    zero = out == 0
    safe = jnp.where(zero, jnp.ones_like(out), out)
    return out, jnp.where(zero, jnp.zeros_like(out), (x / safe) * tx + (y / safe) * ty)
