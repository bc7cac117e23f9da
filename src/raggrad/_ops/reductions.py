"""Reducers: sum, prod, mean, var, std, max, min, any, all, count, count_nonzero (argmax and argmin
are in :mod:`.argreductions`).

Each is a short ``compute(ctx, data, mask)`` handed to the reduction engine
(:mod:`.reduction_engine`), which works out the axis, the context and the result's structure.
"""

from __future__ import annotations

import math
import typing
from typing import Any

import numpy as np

from .._array import RaggedArray
from .._registry import register
from .common import zero_d
from .reduction_contexts import squares_about
from .reduction_engine import (
    Context,
    DenseAxes,
    cast,
    count_of,
    drops,
    masked,
    operand,
    reduce_kept,
    reduction,
    safe_divide,
    with_content,
)

__all__ = [
    "all",
    "any",
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
    total = reduce_kept(ctx, "sum", data, mask, 0)
    return safe_divide(xp, total, count_of(ctx, data, mask, data.dtype))


def _var(ctx: Context, data: Any, mask: Any, correction: float) -> Any:
    xp = ctx.xp
    dropping = drops(ctx, mask)  # then one per-element index, and no mask
    mu = _mean(ctx, data, None if dropping else mask)
    ss = squares_about(ctx, data, None if dropping else mask, mu)
    n = count_of(ctx, data, mask, ss.dtype)
    # NumPy's convention when the degrees of freedom are not positive: inf, or nan for 0 / 0
    fill = xp.where(ss > 0, xp.asarray(math.inf, dtype=ss.dtype), xp.asarray(math.nan, dtype=ss.dtype))
    return safe_divide(xp, ss, n - correction, fill)


def refuse_integer_dtype(name: str, dtype: Any) -> None:
    """Refuse an integer ``dtype=`` for a mean, variance or deviation: the result is a float."""
    if dtype is None or np.dtype(dtype).kind not in "biu":
        return
    msg = (
        f"{name}: dtype={np.dtype(dtype)} is not a floating dtype. The result is a float, and NumPy's "
        "integer answer has no value for an empty list; cast the result instead, e.g. "
        f"rg.astype({name}(x, axis=1), rg.int64)"
    )
    raise TypeError(msg)


def initial_value(x: RaggedArray, initial: Any, dtype: Any, name: str) -> Any:
    """``initial`` converted to the result's ``dtype`` as NumPy converts it: a Python int out of
    the dtype's bounds raises ``OverflowError``, NaN to integers ``ValueError``, and a float toward
    an integer dtype is truncated. A backend array (a traced one under jit) is cast as it is."""
    if initial is None:
        return None
    if not isinstance(initial, (int, float, complex, np.generic, np.ndarray)):
        return x._backend.xp.astype(x._backend.xp.asarray(initial), dtype)
    target = x._backend.numpy_dtype(dtype)
    try:
        v = initial
        if target.kind in "iu" and isinstance(v, (float, np.floating)):
            v = int(v)  # truncated; NaN and inf raise, as NumPy's reduce
        value = np.asarray(v, dtype=target) if type(v) is int else np.asarray(v).astype(target)
    except (OverflowError, ValueError) as e:
        msg = f"{name}: initial={initial!r} cannot be a {target} (NumPy's rule: {e})"
        raise type(e)(msg) from e
    if value.ndim:
        msg = f"{name}: initial must be a scalar, not an array of shape {value.shape}"
        raise ValueError(msg)
    return value[()].item()


def correction_of(name: str, correction: float, ddof: float | None) -> float:
    if ddof is None:
        return correction
    if correction not in (0, 0.0) and correction != ddof:
        msg = f"{name}: give correction= or ddof= (NumPy's spelling), not both ({correction=}, {ddof=})"
        raise ValueError(msg)
    return ddof


# ---- sum and prod -----------------------------------------------------------------------
def _sum_or_prod(
    name: str,
    kind: str,
    x: Any,
    axis: Any,
    dtype: Any,
    keepdims: bool,
    initial: Any,
    where: Any,
    mask_identity: bool,
) -> Any:
    x = operand(x, name)
    backend = x._backend
    x = with_content(x, cast(backend, x._content, kind, dtype))
    initial = initial_value(x, initial, x._content.dtype, name)
    fill = 0 if kind == "sum" else 1

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        out = reduce_kept(ctx, kind, data, mask, fill)
        if dtype is not None and out.dtype != data.dtype:  # dtype= is the result's dtype
            out = ctx.xp.astype(out, data.dtype)
        if initial is None:
            return out
        return out + initial if kind == "sum" else out * initial

    return reduction(name, x, axis, keepdims, where, compute, mask_identity=mask_identity)


@register("sum", "reduction", numpy=(np.sum,), numpy_signature=True, awkward="ak.sum", options=True)
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
    mask_identity: bool = False,
) -> Any:
    """Sum along ``axis``; empty lists sum to 0.

    ``axis=-1`` sums each innermost list, ``axis=0`` sums column-wise with lists left-aligned
    (awkward's semantics), ``axis=None`` gives a 0-d backend array. ``where`` (a boolean array of
    the same structure) leaves elements out. Integer dtypes follow the backend's rule (NumPy: at
    least int64; ``jax.numpy``: the default int).

    Missing values (None) follow awkward: missing elements are left out (their derivative is 0)
    and a missing list sums to None. ``mask_identity=True`` (awkward's option) makes a list with
    nothing to sum (empty, or None only) give None too; the default gives 0, raggrad's contract.

    >>> import raggrad as rg
    >>> x = rg.array([[1, 2, 3], [], [4, 5]])
    >>> rg.sum(x, axis=1).to_list(), rg.sum(x, axis=0).to_list(), int(rg.sum(x))
    ([6, 0, 9], [5, 7, 3], 15)
    >>> rg.sum(x, axis=1, where=x > 1).to_list()
    [5, 0, 9]
    >>> y = rg.array([[1, None, 3], None, [], [None]])
    >>> rg.sum(y, axis=1).to_list(), rg.sum(y, axis=1, mask_identity=True).to_list()
    ([4, None, 0, 0], [4, None, None, None])
    """
    return _sum_or_prod("rg.sum", "sum", x, axis, dtype, keepdims, initial, where, mask_identity)


@register("prod", "reduction", numpy=(np.prod,), numpy_signature=True, awkward="ak.prod", options=True)
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
    mask_identity: bool = False,
) -> Any:
    """Product along ``axis``; empty lists give 1. Its derivative at zeros is exact (JAX backend).

    Missing values and ``mask_identity`` as in :func:`sum` (a list with nothing to multiply gives
    1, or None with ``mask_identity=True``).

    >>> import raggrad as rg
    >>> rg.prod(rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]]), axis=-1).to_list()
    [6.0, 1.0, 20.0]
    >>> rg.prod(rg.array([[2.0, None, 3.0], None, []]), axis=-1, mask_identity=True).to_list()
    [6.0, None, None]
    """
    return _sum_or_prod("rg.prod", "prod", x, axis, dtype, keepdims, initial, where, mask_identity)


# ---- mean, var, std --------------------------------------------------------------------


@register("mean", "reduction", numpy=(np.mean,), numpy_signature=True, awkward="ak.mean", options=True)
@zero_d
def mean(
    x: Any,
    /,
    *,
    axis: Any = None,
    dtype: Any = None,
    keepdims: bool = False,
    where: Any = None,
    mask_identity: bool = False,
) -> Any:
    """Arithmetic mean along ``axis``; empty lists give NaN, with finite derivatives elsewhere.

    Missing values as in :func:`sum`: the mean of the present elements; a list with none gives
    NaN, or None with ``mask_identity=True`` (awkward's option).

    >>> import raggrad as rg
    >>> rg.mean(rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]]), axis=1).to_list()
    [2.0, nan, 4.5]
    >>> rg.mean(rg.array([[1.0, None, 3.0], None, [None]]), axis=1).to_list()
    [2.0, None, nan]
    """
    x = operand(x, "rg.mean")
    refuse_integer_dtype("rg.mean", dtype)
    content = cast(x._backend, x._content, "mean", dtype)
    xp, half = x._backend.xp, content.dtype == x._backend.dtype("float16")
    if half:  # NumPy sums float16 in float32 for a mean (60000 three times is no inf)
        content = xp.astype(content, x._backend.dtype("float32"))
    out = reduction(
        "rg.mean", with_content(x, content), axis, keepdims, where, _mean, mask_identity=mask_identity
    )
    if not half or out is None:
        return out
    if isinstance(out, RaggedArray):
        return with_content(out, xp.astype(out._content, x._backend.dtype("float16")))
    return xp.astype(out, x._backend.dtype("float16"))


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
    mask_identity: bool,
) -> Any:
    x = operand(x, name)
    refuse_integer_dtype(name, dtype)
    correction = correction_of(name, correction, ddof)
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

    return reduction(name, x, axis, keepdims, where, compute, mask_identity=mask_identity)


@register("var", "reduction", numpy=(np.var,), numpy_signature=True, awkward="ak.var", options=True)
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
    mask_identity: bool = False,
) -> Any:
    """Variance along ``axis``, dividing by ``N - correction`` (``ddof`` is NumPy's spelling).

    Empty lists give NaN; missing values and ``mask_identity`` as in :func:`mean`.

    >>> import raggrad as rg
    >>> rg.var(rg.array([[1.0, 2.0, 3.0], [], [4.0, 6.0]]), axis=1, correction=1).to_list()
    [1.0, nan, 2.0]
    """
    return _var_or_std("rg.var", x, axis, correction, ddof, dtype, keepdims, where, False, mask_identity)


@register("std", "reduction", numpy=(np.std,), numpy_signature=True, awkward="ak.std", options=True)
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
    mask_identity: bool = False,
) -> Any:
    """Standard deviation along ``axis`` (``correction``/``ddof`` as in :func:`var`).

    Empty lists give NaN; where the deviation is 0 the derivative taken is 0. Missing values and
    ``mask_identity`` as in :func:`mean`.

    >>> import raggrad as rg
    >>> rg.std(rg.array([[1.0, 3.0], [], [5.0]]), axis=1).to_list()
    [1.0, nan, 0.0]
    """
    return _var_or_std("rg.std", x, axis, correction, ddof, dtype, keepdims, where, True, mask_identity)


# ---- min and max ------------------------------------------------------------------------
def _extremum(
    name: str, kind: str, x: Any, axis: Any, keepdims: bool, initial: Any, where: Any, mask_identity: bool
) -> Any:
    x = operand(x, name)
    dtype = x._content.dtype
    initial = initial_value(x, initial, dtype, name)
    fill = x._backend.identity(kind, dtype) if initial is None else initial

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        out = reduce_kept(ctx, kind, data, mask, fill)
        if initial is None:
            return out
        return (ctx.xp.maximum if kind == "max" else ctx.xp.minimum)(out, initial)

    return reduction(name, x, axis, keepdims, where, compute, mask_identity=mask_identity)


@register("max", "reduction", numpy=(np.max, np.amax), numpy_signature=True, awkward="ak.max", options=True)
@zero_d
def max(
    x: Any,
    /,
    *,
    axis: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
    mask_identity: bool = False,
) -> Any:
    """Maximum along ``axis``; empty lists give ``initial``, else the identity (-inf, the int minimum).

    Tied maxima share the derivative evenly, as ``jnp.max``. Missing values as in :func:`sum`;
    ``mask_identity=True`` gives None where the default gives the identity (awkward's own default
    for ``ak.max`` is ``mask_identity=True``; raggrad keeps its version-1 contract). NaN wins, as
    in NumPy and JAX (``ak.max`` skips it, as :func:`nanmax` does).

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 3.0, 2.0], [], [4.0]])
    >>> rg.max(x, axis=1).to_list(), rg.max(x, axis=1, initial=0.0).to_list()
    ([3.0, -inf, 4.0], [3.0, 0.0, 4.0])
    >>> rg.max(x, axis=1, mask_identity=True).to_list()
    [3.0, None, 4.0]
    """
    return _extremum("rg.max", "max", x, axis, keepdims, initial, where, mask_identity)


@register("min", "reduction", numpy=(np.min, np.amin), numpy_signature=True, awkward="ak.min", options=True)
@zero_d
def min(
    x: Any,
    /,
    *,
    axis: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
    mask_identity: bool = False,
) -> Any:
    """Minimum along ``axis``; empty lists give ``initial``, else the identity (+inf, the int maximum).

    Missing values, ``mask_identity`` and NaN as in :func:`max`.

    >>> import raggrad as rg
    >>> rg.min(rg.array([[1, 3], [], [4]]), axis=1).to_list()
    [1, 9223372036854775807, 4]
    >>> rg.min(rg.array([[1, None], [None], None]), axis=1, mask_identity=True).to_list()
    [1, None, None]
    """
    return _extremum("rg.min", "min", x, axis, keepdims, initial, where, mask_identity)


# ---- any, all, count, count_nonzero ----------------------------------------------------
def _logical(name: str, kind: str, x: Any, axis: Any, keepdims: bool, where: Any, mask_identity: bool) -> Any:
    x = operand(x, name)
    content = x._content
    if x._backend.numpy_dtype(content.dtype) != np.bool_:
        x = with_content(x, content != 0)

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        return reduce_kept(ctx, kind, data, mask, kind == "all")

    return reduction(name, x, axis, keepdims, where, compute, mask_identity=mask_identity)


@register(
    "any",
    "reduction",
    numpy=(np.any,),
    numpy_signature=True,
    awkward="ak.any",
    differentiable=False,
    options=True,
)
@zero_d
def any(
    x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None, mask_identity: bool = False
) -> Any:
    """Whether any element along ``axis`` is true (non-zero); False for empty lists.

    Missing values as in :func:`sum` (skipped; a missing list gives None); ``mask_identity=True``
    gives None for a list with no present element.

    >>> import raggrad as rg
    >>> rg.any(rg.array([[0, 1], [], [0]]), axis=1).to_list()
    [True, False, False]
    """
    return _logical("rg.any", "any", x, axis, keepdims, where, mask_identity)


@register(
    "all",
    "reduction",
    numpy=(np.all,),
    numpy_signature=True,
    awkward="ak.all",
    differentiable=False,
    options=True,
)
@zero_d
def all(
    x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None, mask_identity: bool = False
) -> Any:
    """Whether every element along ``axis`` is true (non-zero); True for empty lists.

    Missing values and ``mask_identity`` as in :func:`any`.

    >>> import raggrad as rg
    >>> rg.all(rg.array([[0, 1], [], [2]]), axis=1).to_list()
    [False, True, True]
    """
    return _logical("rg.all", "all", x, axis, keepdims, where, mask_identity)


@register("count", "reduction", awkward="ak.count", differentiable=False, options=True)
@zero_d
def count(
    x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None, mask_identity: bool = False
) -> Any:
    """Number of elements along ``axis`` (awkward's ``ak.count``); 0 for empty lists.

    Missing elements are not counted and a missing list gives None, as in awkward;
    ``mask_identity=True`` gives None for a list with no present element.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]])
    >>> rg.count(x, axis=1).to_list(), rg.count(x, axis=0).to_list()
    ([3, 0, 2], [2, 2, 1])
    >>> rg.count(rg.array([[1.0, None], None, [None]]), axis=1).to_list()
    [1, None, 0]
    """
    x = operand(x, "rg.count")
    dtype = x._backend.result_dtype("sum", np.dtype(np.bool_))

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        if mask is not None:
            return ctx.reduce("sum", ctx.xp.astype(mask, dtype))
        xp, n = ctx.xp, ctx.count(data)
        if isinstance(n, int):  # regular axes: the same count for every result
            shape = tuple(1 if i in typing.cast(DenseAxes, ctx).axes else d for i, d in enumerate(data.shape))
            return xp.full(shape, n, dtype=dtype)
        return xp.broadcast_to(xp.astype(n, dtype), (n.shape[0], *data.shape[1:]))

    return reduction("rg.count", x, axis, keepdims, where, compute, mask_identity=mask_identity)


@register(
    "count_nonzero",
    "reduction",
    numpy=(np.count_nonzero,),
    numpy_signature=True,
    awkward="ak.count_nonzero",
    differentiable=False,
    options=True,
)
@zero_d
def count_nonzero(
    x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None, mask_identity: bool = False
) -> Any:
    """Number of non-zero elements along ``axis``; 0 for empty lists (missing values and
    ``mask_identity`` as in :func:`count`).

    >>> import raggrad as rg
    >>> rg.count_nonzero(rg.array([[0, 1, 2], [], [0]]), axis=1).to_list()
    [2, 0, 0]
    """
    x = operand(x, "rg.count_nonzero")
    dtype = x._backend.result_dtype("sum", np.dtype(np.bool_))

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        return ctx.reduce("sum", ctx.xp.astype(masked(ctx.xp, mask, data != 0, False), dtype))

    return reduction("rg.count_nonzero", x, axis, keepdims, where, compute, mask_identity=mask_identity)
