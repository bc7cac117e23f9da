"""Reducers: sum, prod, mean, var, std, max, min, argmax, argmin, any, all, count, count_nonzero.

Each is a short ``compute(ctx, data, mask)`` handed to the reduction engine
(:mod:`.reduction_engine`), which works out the axis, the context and the result's structure.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._array import wrap
from .._bounded import BoundedStructure
from .._registry import register
from .._structure import Segments, Structure
from .common import zero_d
from .reduction_engine import (
    Context,
    DenseAxes,
    cast,
    count_of,
    in_use,
    masked,
    reduction,
    safe_divide,
    single,
    with_content,
)

__all__ = [
    "all",
    "any",
    "argmax",
    "argmin",
    "count",
    "count_nonzero",
    "max",
    "mean",
    "min",
    "prod",
    "std",
    "sum",
    "var",
]


# ---- shared by mean, var and std ------------------------------------------------------
def _mean(ctx: Context, data: Any, mask: Any) -> Any:
    xp = ctx.xp
    total = ctx.reduce("sum", masked(xp, mask, data, 0))
    return safe_divide(xp, total, count_of(ctx, data, mask, data.dtype))


def _var(ctx: Context, data: Any, mask: Any, correction: float) -> Any:
    xp = ctx.xp
    mu = _mean(ctx, data, mask)
    dev = masked(xp, mask, data - ctx.gather(mu), 0)
    square = xp.real(dev * xp.conj(dev)) if xp.isdtype(dev.dtype, "complex floating") else dev * dev
    ss = ctx.reduce("sum", square)
    n = count_of(ctx, data, mask, ss.dtype)
    # NumPy's convention when the degrees of freedom are not positive: inf, or nan for 0 / 0
    fill = xp.where(ss > 0, xp.asarray(math.inf, dtype=ss.dtype), xp.asarray(math.nan, dtype=ss.dtype))
    return safe_divide(xp, ss, n - correction, fill)


def _correction(name: str, correction: float, ddof: float | None) -> float:
    if ddof is None:
        return correction
    if correction not in (0, 0.0) and correction != ddof:
        msg = f"{name}: give correction= or ddof= (NumPy's spelling), not both ({correction=}, {ddof=})"
        raise ValueError(msg)
    return ddof


# ---- sum and prod -----------------------------------------------------------------------
def _sum_or_prod(
    name: str, kind: str, x: Any, axis: Any, dtype: Any, keepdims: bool, initial: Any, where: Any
) -> Any:
    x = single(x, name, "reduce")
    backend = x._backend
    x = with_content(x, cast(backend, x._content, kind, dtype))
    fill = 0 if kind == "sum" else 1

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        out = ctx.reduce(kind, masked(ctx.xp, mask, data, fill))
        if dtype is not None and out.dtype != data.dtype:  # dtype= is the result's dtype
            out = ctx.xp.astype(out, data.dtype)
        if initial is None:
            return out
        return out + initial if kind == "sum" else out * initial

    return reduction(name, x, axis, keepdims, where, compute)


@register("sum", "reduction", numpy=(np.sum,), numpy_signature=True, awkward="ak.sum")
@zero_d
def sum(
    x: Any,
    /,
    *,
    axis: Any = None,
    dtype: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """Sum along ``axis``; empty lists sum to 0.

    ``axis=-1`` sums each innermost list, ``axis=0`` sums column-wise with lists left-aligned
    (awkward's semantics), ``axis=None`` gives a 0-d backend array. ``where`` (a boolean array of
    the same structure) leaves elements out. Integer dtypes follow the backend's rule (NumPy: at
    least int64; ``jax.numpy``: the default int).

    >>> import raggrad as rg
    >>> x = rg.array([[1, 2, 3], [], [4, 5]])
    >>> rg.sum(x, axis=1).to_list(), rg.sum(x, axis=0).to_list(), int(rg.sum(x))
    ([6, 0, 9], [5, 7, 3], 15)
    >>> rg.sum(x, axis=1, where=x > 1).to_list()
    [5, 0, 9]
    """
    return _sum_or_prod("rg.sum", "sum", x, axis, dtype, keepdims, initial, where)


@register("prod", "reduction", numpy=(np.prod,), numpy_signature=True, awkward="ak.prod")
@zero_d
def prod(
    x: Any,
    /,
    *,
    axis: Any = None,
    dtype: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """Product along ``axis``; empty lists give 1. Its derivative at zeros is exact (JAX backend).

    >>> import raggrad as rg
    >>> rg.prod(rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]]), axis=-1).to_list()
    [6.0, 1.0, 20.0]
    """
    return _sum_or_prod("rg.prod", "prod", x, axis, dtype, keepdims, initial, where)


# ---- mean, var, std --------------------------------------------------------------------


@register("mean", "reduction", numpy=(np.mean,), numpy_signature=True, awkward="ak.mean")
@zero_d
def mean(x: Any, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False, where: Any = None) -> Any:
    """Arithmetic mean along ``axis``; empty lists give NaN, with finite derivatives elsewhere.

    >>> import raggrad as rg
    >>> rg.mean(rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]]), axis=1).to_list()
    [2.0, nan, 4.5]
    """
    x = single(x, "rg.mean", "reduce")
    x = with_content(x, cast(x._backend, x._content, "mean", dtype))
    return reduction("rg.mean", x, axis, keepdims, where, _mean)


def _var_or_std(
    name: str,
    x: Any,
    axis: Any,
    correction: float,
    ddof: Any,
    dtype: Any,
    keepdims: bool,
    where: Any,
    root: bool,
) -> Any:
    x = single(x, name, "reduce")
    correction = _correction(name, correction, ddof)
    x = with_content(x, cast(x._backend, x._content, "mean", dtype))

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        v = _var(ctx, data, mask, correction)
        if not root:
            return v
        # sqrt has an infinite derivative at 0 (a list of one element, or of equal ones): there the
        # derivative taken is 0, which is exact for lists of one element
        xp = ctx.xp
        positive = v > 0
        return xp.where(positive, xp.sqrt(xp.where(positive, v, xp.ones_like(v))), v)

    return reduction(name, x, axis, keepdims, where, compute)


@register("var", "reduction", numpy=(np.var,), numpy_signature=True, awkward="ak.var")
@zero_d
def var(
    x: Any,
    /,
    *,
    axis: Any = None,
    correction: float = 0.0,
    keepdims: bool = False,
    where: Any = None,
    ddof: float | None = None,
    dtype: Any = None,
) -> Any:
    """Variance along ``axis``, dividing by ``N - correction`` (``ddof`` is NumPy's spelling).

    Empty lists give NaN.

    >>> import raggrad as rg
    >>> rg.var(rg.array([[1.0, 2.0, 3.0], [], [4.0, 6.0]]), axis=1, correction=1).to_list()
    [1.0, nan, 2.0]
    """
    return _var_or_std("rg.var", x, axis, correction, ddof, dtype, keepdims, where, root=False)


@register("std", "reduction", numpy=(np.std,), numpy_signature=True, awkward="ak.std")
@zero_d
def std(
    x: Any,
    /,
    *,
    axis: Any = None,
    correction: float = 0.0,
    keepdims: bool = False,
    where: Any = None,
    ddof: float | None = None,
    dtype: Any = None,
) -> Any:
    """Standard deviation along ``axis`` (``correction``/``ddof`` as in :func:`var`).

    Empty lists give NaN; where the deviation is 0 the derivative taken is 0.

    >>> import raggrad as rg
    >>> rg.std(rg.array([[1.0, 3.0], [], [5.0]]), axis=1).to_list()
    [1.0, nan, 0.0]
    """
    return _var_or_std("rg.std", x, axis, correction, ddof, dtype, keepdims, where, root=True)


# ---- min and max ------------------------------------------------------------------------
def _extremum(name: str, kind: str, x: Any, axis: Any, keepdims: bool, initial: Any, where: Any) -> Any:
    x = single(x, name, "reduce")
    dtype = x._content.dtype
    fill = x._backend.identity(kind, dtype) if initial is None else initial

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        out = ctx.reduce(kind, masked(ctx.xp, mask, data, fill))
        if initial is None:
            return out
        return (ctx.xp.maximum if kind == "max" else ctx.xp.minimum)(out, initial)

    return reduction(name, x, axis, keepdims, where, compute)


@register("max", "reduction", numpy=(np.max, np.amax), numpy_signature=True, awkward="ak.max")
@zero_d
def max(
    x: Any,
    /,
    *,
    axis: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """Maximum along ``axis``; empty lists give ``initial``, else the identity (-inf, the int minimum).

    Tied maxima share the derivative evenly, as ``jnp.max``.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 3.0, 2.0], [], [4.0]])
    >>> rg.max(x, axis=1).to_list(), rg.max(x, axis=1, initial=0.0).to_list()
    ([3.0, -inf, 4.0], [3.0, 0.0, 4.0])
    """
    return _extremum("rg.max", "max", x, axis, keepdims, initial, where)


@register("min", "reduction", numpy=(np.min, np.amin), numpy_signature=True, awkward="ak.min")
@zero_d
def min(
    x: Any,
    /,
    *,
    axis: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """Minimum along ``axis``; empty lists give ``initial``, else the identity (+inf, the int maximum).

    >>> import raggrad as rg
    >>> rg.min(rg.array([[1, 3], [], [4]]), axis=1).to_list()
    [1, 9223372036854775807, 4]
    """
    return _extremum("rg.min", "min", x, axis, keepdims, initial, where)


# ---- argmin and argmax ----------------------------------------------------------------
def _arg(name: str, kind: str, x: Any, axis: Any, keepdims: bool) -> Any:
    x = single(x, name, "reduce")
    backend = x._backend
    dtype = backend.numpy_dtype(x._content.dtype)
    if dtype == np.bool_:
        x = with_content(x, backend.xp.astype(x._content, backend.xp.int8))
    out_dtype = backend.result_dtype("argmax", x._content.dtype)
    inexact = dtype.kind in "fc"
    if axis is None:
        content = x._content
        if isinstance(x._structure, BoundedStructure):  # padding never wins
            worst = backend.identity(kind, content.dtype)
            content = masked(backend.xp, in_use(x), content, worst)
        flat = backend.xp.reshape(content, (-1,))
        out = getattr(backend.xp, "arg" + kind)(flat)
        if keepdims:
            ones = Structure(1, tuple(Segments(np.array([0, 1])) for _ in x._structure.levels))
            return wrap(ones, backend.xp.reshape(out, (1,) * len(x._content.shape)), x._nbatch)
        return out

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        xp = ctx.xp
        if isinstance(ctx, DenseAxes):
            (i,) = ctx.axes
            return getattr(xp, "arg" + kind)(data, axis=i, keepdims=True)
        best = ctx.gather(ctx.reduce(kind, data))
        hit = data == best
        if inexact:  # the first NaN wins, as in NumPy
            nan = xp.isnan(data)
            hit = xp.where(ctx.gather(ctx.reduce("any", nan)), nan, hit)
        local = ctx.local(data)
        big = np.iinfo(ctx.backend.numpy_dtype(local.dtype)).max
        first = ctx.reduce("min", xp.where(hit, local, big))
        first = xp.where(ctx.count(data) > 0, first, -1)
        return ctx.xp.astype(first, out_dtype)

    return reduction(name, x, axis, keepdims, None, compute, arg=True)


@register(
    "argmax",
    "reduction",
    numpy=(np.argmax,),
    numpy_signature=True,
    awkward="ak.argmax",
    differentiable=False,
)
@zero_d
def argmax(x: Any, /, *, axis: Any = None, keepdims: bool = False) -> Any:
    """Index of the (first) maximum along ``axis``; -1 for an empty list.

    With ``keepdims=True`` and a ragged ``axis=-1`` the result has one index per non-empty list and
    an empty list for an empty one, so ``x[rg.argmax(x, axis=-1, keepdims=True)]`` selects the
    maxima. ``axis=None`` indexes the flattened content.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 3.0, 2.0], [], [4.0]])
    >>> rg.argmax(x, axis=1).to_list(), rg.argmax(x, axis=1, keepdims=True).to_list()
    ([1, -1, 0], [[1], [], [0]])
    """
    return _arg("rg.argmax", "max", x, axis, keepdims)


@register(
    "argmin",
    "reduction",
    numpy=(np.argmin,),
    numpy_signature=True,
    awkward="ak.argmin",
    differentiable=False,
)
@zero_d
def argmin(x: Any, /, *, axis: Any = None, keepdims: bool = False) -> Any:
    """Index of the (first) minimum along ``axis``; -1 for an empty list (see :func:`argmax`).

    >>> import raggrad as rg
    >>> rg.argmin(rg.array([[1.0, 3.0, 0.5], [], [4.0]]), axis=1).to_list()
    [2, -1, 0]
    """
    return _arg("rg.argmin", "min", x, axis, keepdims)


# ---- any, all, count, count_nonzero ----------------------------------------------------
def _logical(name: str, kind: str, x: Any, axis: Any, keepdims: bool, where: Any) -> Any:
    x = single(x, name, "reduce")
    content = x._content
    if x._backend.numpy_dtype(content.dtype) != np.bool_:
        x = with_content(x, content != 0)

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        return ctx.reduce(kind, masked(ctx.xp, mask, data, kind == "all"))

    return reduction(name, x, axis, keepdims, where, compute)


@register(
    "any",
    "reduction",
    numpy=(np.any,),
    numpy_signature=True,
    awkward="ak.any",
    differentiable=False,
)
@zero_d
def any(x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None) -> Any:
    """Whether any element along ``axis`` is true (non-zero); False for empty lists.

    >>> import raggrad as rg
    >>> rg.any(rg.array([[0, 1], [], [0]]), axis=1).to_list()
    [True, False, False]
    """
    return _logical("rg.any", "any", x, axis, keepdims, where)


@register(
    "all",
    "reduction",
    numpy=(np.all,),
    numpy_signature=True,
    awkward="ak.all",
    differentiable=False,
)
@zero_d
def all(x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None) -> Any:
    """Whether every element along ``axis`` is true (non-zero); True for empty lists.

    >>> import raggrad as rg
    >>> rg.all(rg.array([[0, 1], [], [2]]), axis=1).to_list()
    [False, True, True]
    """
    return _logical("rg.all", "all", x, axis, keepdims, where)


@register("count", "reduction", awkward="ak.count", differentiable=False)
@zero_d
def count(x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None) -> Any:
    """Number of elements along ``axis`` (awkward's ``ak.count``); 0 for empty lists.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]])
    >>> rg.count(x, axis=1).to_list(), rg.count(x, axis=0).to_list()
    ([3, 0, 2], [2, 2, 1])
    """
    x = single(x, "rg.count", "reduce")
    dtype = x._backend.result_dtype("sum", np.dtype(np.bool_))

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        if mask is not None:
            return ctx.reduce("sum", ctx.xp.astype(mask, dtype))
        xp, n = ctx.xp, ctx.count(data)
        if isinstance(n, int):  # regular axes: the same count for every result
            shape = tuple(1 if i in ctx.axes else d for i, d in enumerate(data.shape))
            return xp.full(shape, n, dtype=dtype)
        return xp.broadcast_to(xp.astype(n, dtype), (n.shape[0], *data.shape[1:]))

    return reduction("rg.count", x, axis, keepdims, where, compute)


@register(
    "count_nonzero",
    "reduction",
    numpy=(np.count_nonzero,),
    numpy_signature=True,
    awkward="ak.count_nonzero",
    differentiable=False,
)
@zero_d
def count_nonzero(x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None) -> Any:
    """Number of non-zero elements along ``axis``; 0 for empty lists.

    >>> import raggrad as rg
    >>> rg.count_nonzero(rg.array([[0, 1, 2], [], [0]]), axis=1).to_list()
    [2, 0, 0]
    """
    x = single(x, "rg.count_nonzero", "reduce")
    dtype = x._backend.result_dtype("sum", np.dtype(np.bool_))

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        return ctx.reduce("sum", ctx.xp.astype(masked(ctx.xp, mask, data != 0, False), dtype))

    return reduction("rg.count_nonzero", x, axis, keepdims, where, compute)
