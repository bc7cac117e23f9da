"""NumPy's NaN-ignoring reducers (``nansum`` ... ``nanargmax``) and ``ptp``, on the reduction engine.

Each NaN reducer is its plain reducer's formula with the NaN entries left out through the engine's
mask, the one ``where=`` fills: an entry takes part when it is selected by ``where`` and is not NaN
(:func:`_kept`). The masked entries never reach a result, so their derivative is exactly zero, and
they are replaced (``xp.where``) before any arithmetic, so no NaN reaches a gradient through them.

Empty lists and lists of NaN only follow NumPy's conventions, with the identities of raggrad's
reducers (DESIGN.md) where NumPy raises: ``nansum`` 0, ``nanprod`` 1, ``nanmean``/``nanvar``/
``nanstd`` NaN (also wherever the degrees of freedom are not positive, as ``np.nanvar``);
``nanmax``/``nanmin`` of an empty list the identity (-inf/+inf, the integer limits) and of a list of
NaN only NaN, as NumPy's, but without NumPy's ``RuntimeWarning``; ``nanargmax``/``nanargmin`` -1
for both (NumPy raises for a list of NaN only). Integer and boolean arrays hold no NaN: the NaN
reducers equal the plain ones there.

Missing values (None) and ``mask_identity=`` are as in the plain reducers (:mod:`.reductions`):
missing elements are left out like NaN entries, a missing list gives None, and
``mask_identity=True`` gives None for a list with no present element. awkward's NaN reducers
turn NaN into None first, so there a list of NaN only gives None with ``mask_identity=True``;
raggrad gives the NaN rule's value above, because which results are missing must follow from
the structure alone (it is static under ``jax.jit``), never from the values.
"""

from __future__ import annotations

import math
import typing
from typing import Any

import numpy as np

from .._array import RaggedArray, wrap
from .._bounded import BoundedStructure
from .._registry import register
from .._structure import Segments, Structure
from .argreductions import argmax, argmin
from .common import zero_d
from .reduction_engine import (
    Context,
    DenseAxes,
    cast,
    count_of,
    in_use,
    masked,
    operand,
    present,
    reduce_kept,
    reduction,
    safe_divide,
    with_content,
)
from .reductions import correction_of, initial_value, refuse_integer_dtype

__all__ = [
    "nanargmax",
    "nanargmin",
    "nanmax",
    "nanmean",
    "nanmin",
    "nanprod",
    "nanstd",
    "nansum",
    "nanvar",
    "ptp",
]


def _inexact(xp: Any, data: Any) -> bool:
    return typing.cast(bool, xp.isdtype(data.dtype, ("real floating", "complex floating")))


def _kept(xp: Any, data: Any, mask: Any) -> Any:
    """The entries that take part: selected by ``mask`` (None: every one) and not NaN."""
    if not _inexact(xp, data):
        return mask
    number = ~xp.isnan(data)
    return number if mask is None else (mask & number)


# ---- nansum, nanprod ----------------------------------------------------------------------------
def _nan_sum_or_prod(
    name: str, kind: str, x: Any, axis: Any, dtype: Any, keepdims: bool, initial: Any, where: Any, mi: bool
) -> Any:
    x = operand(x, name)
    x = with_content(x, cast(x._backend, x._content, kind, dtype))
    initial = initial_value(x, initial, x._content.dtype, name)
    fill = 0 if kind == "sum" else 1

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        out = ctx.reduce(kind, masked(ctx.xp, _kept(ctx.xp, data, mask), data, fill))
        if initial is None:
            return out
        return out + initial if kind == "sum" else out * initial

    return reduction(name, x, axis, keepdims, where, compute, mask_identity=mi)


@register("nansum", "reduction", numpy=(np.nansum,), numpy_signature=True, awkward="ak.nansum", options=True)
@zero_d
def nansum(
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
    """Sum along ``axis`` with NaN entries left out (as zeros); empty and all-NaN lists give 0.

    NaN entries get a zero derivative. ``axis``, ``keepdims`` and ``where`` as in :func:`sum`.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, float("nan"), 3.0], [], [float("nan")]])
    >>> rg.nansum(x, axis=1).to_list()
    [4.0, 0.0, 0.0]
    >>> rg.nansum(rg.array([[1.0, None, float("nan")], None, []]), axis=1, mask_identity=True).to_list()
    [1.0, None, None]
    """
    return _nan_sum_or_prod("rg.nansum", "sum", x, axis, dtype, keepdims, initial, where, mask_identity)


@register(
    "nanprod", "reduction", numpy=(np.nanprod,), numpy_signature=True, awkward="ak.nanprod", options=True
)
@zero_d
def nanprod(
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
    """Product along ``axis`` with NaN entries left out (as ones); empty and all-NaN lists give 1.

    >>> import raggrad as rg
    >>> rg.nanprod(rg.array([[2.0, float("nan"), 3.0], [], [float("nan")]]), axis=1).to_list()
    [6.0, 1.0, 1.0]
    """
    return _nan_sum_or_prod("rg.nanprod", "prod", x, axis, dtype, keepdims, initial, where, mask_identity)


# ---- nanmean, nanvar, nanstd --------------------------------------------------------------------
def _nan_mean(ctx: Context, data: Any, mask: Any) -> Any:
    xp = ctx.xp
    kept = _kept(xp, data, mask)
    total = ctx.reduce("sum", masked(xp, kept, data, 0))
    return safe_divide(xp, total, count_of(ctx, data, kept, data.dtype))


def _nan_var(ctx: Context, data: Any, mask: Any, correction: float) -> Any:
    xp = ctx.xp
    kept = _kept(xp, data, mask)
    dev = masked(xp, kept, data - ctx.gather(_nan_mean(ctx, data, mask)), 0)
    square = xp.real(dev * xp.conj(dev)) if xp.isdtype(dev.dtype, "complex floating") else dev * dev
    ss = ctx.reduce("sum", square)
    # np.nanvar: NaN wherever the degrees of freedom are not positive (np.var gives inf where ss > 0)
    return safe_divide(xp, ss, count_of(ctx, data, kept, ss.dtype) - correction)


def _nan_var_or_std(
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
        v = _nan_var(ctx, data, mask, correction)
        if not root:
            return v
        # sqrt's derivative is infinite at 0: there the derivative taken is 0 (exact for one entry)
        xp = ctx.xp
        positive = v > 0
        return xp.where(positive, xp.sqrt(xp.where(positive, v, xp.ones_like(v))), v)

    return reduction(name, x, axis, keepdims, where, compute, mask_identity=mask_identity)


@register(
    "nanmean", "reduction", numpy=(np.nanmean,), numpy_signature=True, awkward="ak.nanmean", options=True
)
@zero_d
def nanmean(
    x: Any,
    /,
    *,
    axis: Any = None,
    dtype: Any = None,
    keepdims: bool = False,
    where: Any = None,
    mask_identity: bool = False,
) -> Any:
    """Mean along ``axis`` of the entries that are not NaN; empty and all-NaN lists give NaN.

    NumPy warns (``RuntimeWarning``) for a list of NaN only; raggrad does not. Derivatives are
    finite wherever the value is, and zero for the NaN entries.

    >>> import raggrad as rg
    >>> rg.nanmean(rg.array([[1.0, float("nan"), 3.0], [], [float("nan")]]), axis=1).to_list()
    [2.0, nan, nan]
    """
    x = operand(x, "rg.nanmean")
    refuse_integer_dtype("rg.nanmean", dtype)
    x = with_content(x, cast(x._backend, x._content, "mean", dtype))
    return reduction("rg.nanmean", x, axis, keepdims, where, _nan_mean, mask_identity=mask_identity)


@register("nanvar", "reduction", numpy=(np.nanvar,), numpy_signature=True, awkward="ak.nanvar", options=True)
@zero_d
def nanvar(
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
    """Variance along ``axis`` of the entries that are not NaN, dividing by ``N - correction``.

    NaN for empty and all-NaN lists and wherever ``N - correction <= 0`` (``np.nanvar``'s rule; the
    plain :func:`var` gives inf there when the squares do not sum to 0).

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, float("nan"), 3.0], [], [5.0, float("nan")]])
    >>> rg.nanvar(x, axis=1).to_list(), rg.nanvar(x, axis=1, ddof=1).to_list()
    ([1.0, nan, 0.0], [2.0, nan, nan])
    """
    return _nan_var_or_std(
        "rg.nanvar", x, axis, correction, ddof, dtype, keepdims, where, False, mask_identity
    )


@register("nanstd", "reduction", numpy=(np.nanstd,), numpy_signature=True, awkward="ak.nanstd", options=True)
@zero_d
def nanstd(
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
    """Standard deviation along ``axis`` of the entries that are not NaN (see :func:`nanvar`).

    Where the deviation is 0 the derivative taken is 0.

    >>> import raggrad as rg
    >>> rg.nanstd(rg.array([[1.0, float("nan"), 3.0], [], [5.0]]), axis=1).to_list()
    [1.0, nan, 0.0]
    """
    return _nan_var_or_std(
        "rg.nanstd", x, axis, correction, ddof, dtype, keepdims, where, True, mask_identity
    )


# ---- nanmax, nanmin -----------------------------------------------------------------------------
def _nan_extremum(
    name: str, kind: str, x: Any, axis: Any, keepdims: bool, initial: Any, where: Any, mask_identity: bool
) -> Any:
    x = operand(x, name)
    fill = x._backend.identity(kind, x._content.dtype)

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        xp = ctx.xp
        kept = _kept(xp, data, mask)
        out = ctx.reduce(kind, masked(xp, kept, data, fill))
        if initial is not None:  # NumPy's fmax.reduce with initial: NaN entries never win
            return (xp.maximum if kind == "max" else xp.minimum)(out, initial)
        if not _inexact(xp, data):
            return out
        # NumPy: a list of NaN only gives NaN (an empty one gets the identity, as rg.max)
        nan = xp.isnan(data) if mask is None else (mask & xp.isnan(data))
        only_nan = ctx.reduce("any", nan) & ~ctx.reduce("any", kept)
        return xp.where(only_nan, xp.asarray(math.nan, dtype=out.dtype), out)

    return reduction(name, x, axis, keepdims, where, compute, mask_identity=mask_identity)


@register("nanmax", "reduction", numpy=(np.nanmax,), numpy_signature=True, awkward="ak.nanmax", options=True)
@zero_d
def nanmax(
    x: Any,
    /,
    *,
    axis: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
    mask_identity: bool = False,
) -> Any:
    """Maximum along ``axis`` of the entries that are not NaN.

    A list of NaN only gives NaN (as NumPy's, without its ``RuntimeWarning``), an empty list
    ``initial`` or else the identity (as :func:`max`). Tied maxima share the derivative evenly;
    NaN entries get none.

    >>> import raggrad as rg
    >>> rg.nanmax(rg.array([[1.0, float("nan"), 3.0], [], [float("nan")]]), axis=1).to_list()
    [3.0, -inf, nan]
    """
    return _nan_extremum("rg.nanmax", "max", x, axis, keepdims, initial, where, mask_identity)


@register("nanmin", "reduction", numpy=(np.nanmin,), numpy_signature=True, awkward="ak.nanmin", options=True)
@zero_d
def nanmin(
    x: Any,
    /,
    *,
    axis: Any = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
    mask_identity: bool = False,
) -> Any:
    """Minimum along ``axis`` of the entries that are not NaN (see :func:`nanmax`).

    >>> import raggrad as rg
    >>> rg.nanmin(rg.array([[1.0, float("nan"), 3.0], [], [float("nan")]]), axis=1).to_list()
    [1.0, inf, nan]
    """
    return _nan_extremum("rg.nanmin", "min", x, axis, keepdims, initial, where, mask_identity)


# ---- nanargmax, nanargmin -----------------------------------------------------------------------
def _positions(ctx: Context, data: Any) -> Any:
    """Every element's index along the reduced axis, shaped to broadcast against ``data``."""
    if not isinstance(ctx, DenseAxes):
        return ctx.local(data)
    xp, (i,) = ctx.xp, ctx.axes
    shape = tuple(d if k == i else 1 for k, d in enumerate(data.shape))
    return xp.reshape(xp.arange(data.shape[i], dtype=ctx.backend.default_int()), shape)


def _nan_arg(name: str, kind: str, x: Any, axis: Any, keepdims: bool, mask_identity: bool) -> Any:
    x = operand(x, name)
    backend = x._backend
    plain = argmax if kind == "max" else argmin
    if axis is None and mask_identity and isinstance(x._structure, BoundedStructure):
        msg = f"{name}: mask_identity=True is not supported on a bounded array; trim it (rg.trim) first"
        raise NotImplementedError(msg)  # as argmax's
    if backend.numpy_dtype(x._content.dtype).kind not in "fc" or (axis is None and _none_present(x)):
        return plain(x, axis=axis, keepdims=keepdims, mask_identity=mask_identity)  # no NaN to leave out
    out_dtype = backend.result_dtype("argmax", x._content.dtype)
    worst = backend.identity(kind, x._content.dtype)
    if axis is None:
        return _nan_arg_flat(x, kind, keepdims, worst, out_dtype, mask_identity)

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        xp = ctx.xp
        kept = _kept(xp, data, mask)
        best = ctx.gather(ctx.reduce(kind, xp.where(kept, data, worst)))
        local = _positions(ctx, data)
        big = np.iinfo(ctx.backend.numpy_dtype(local.dtype)).max
        first = ctx.reduce("min", xp.where(kept & (data == best), local, big))
        return xp.astype(xp.where(first == big, -1, first), out_dtype)  # -1: nothing but NaN

    return reduction(name, x, axis, keepdims, None, compute, arg=True, mask_identity=mask_identity)


def _none_present(x: RaggedArray) -> bool:
    """Whether ``x`` is known, from its structure, to hold no present element (none at all, or
    all missing): then :func:`argmax`'s answer, None with ``mask_identity=True``."""
    masks = getattr(x._structure, "masks", None)
    if not math.prod(x._content.shape) and not isinstance(x._structure, BoundedStructure):
        return True
    return masks is not None and masks[-1] is not None and not masks[-1].any()


def _nan_arg_flat(x: RaggedArray, kind: str, keepdims: bool, worst: Any, out_dtype: Any, mi: bool) -> Any:
    """``axis=None``: the index into the flattened content; -1 when every entry is NaN or there
    is none (as :func:`argmax` of an empty array)."""
    backend = x._backend
    xp = backend.xp
    flat = xp.reshape(x._content, (-1,))
    kept = ~xp.isnan(flat)
    live = in_use(x) if isinstance(x._structure, BoundedStructure) else present(x)
    if live is not None:  # padding and missing elements never win
        kept = kept & xp.reshape(live, (-1,))
    if flat.shape[0]:
        best = getattr(xp, kind)(xp.where(kept, flat, worst))
        out = xp.argmax(xp.astype(kept & (flat == best), xp.int8))  # the first hit
        out = xp.astype(xp.where(xp.any(kept), out, -1), out_dtype)
    else:
        out = xp.asarray(-1, dtype=out_dtype)
    if keepdims:
        levels = x._structure.levels  # with mask_identity=True: an option type, never missing here
        masks = (*(None,) * len(levels), np.array([True])) if mi else None
        ones = Structure(1, tuple(Segments(np.array([0, 1])) for _ in levels), (), masks)
        return wrap(ones, xp.reshape(out, (1,) * len(x._content.shape)), x._nbatch)
    return out


@register(
    "nanargmax",
    "reduction",
    numpy=(np.nanargmax,),
    numpy_signature=True,
    awkward="ak.nanargmax",
    differentiable=False,
    options=True,
)
@zero_d
def nanargmax(x: Any, /, *, axis: Any = None, keepdims: bool = False, mask_identity: bool = False) -> Any:
    """Index of the (first) maximum along ``axis`` among the entries that are not NaN.

    -1 for an empty list and for a list of NaN only, and with ``axis=None`` for an array with
    no element (NumPy raises there). ``keepdims=True`` gives
    one index per non-empty list, as :func:`argmax` (a list of NaN only keeps its -1).

    >>> import raggrad as rg
    >>> rg.nanargmax(rg.array([[float("nan"), 3.0, 2.0], [], [float("nan")]]), axis=1).to_list()
    [1, -1, -1]
    """
    return _nan_arg("rg.nanargmax", "max", x, axis, keepdims, mask_identity)


@register(
    "nanargmin",
    "reduction",
    numpy=(np.nanargmin,),
    numpy_signature=True,
    awkward="ak.nanargmin",
    differentiable=False,
    options=True,
)
@zero_d
def nanargmin(x: Any, /, *, axis: Any = None, keepdims: bool = False, mask_identity: bool = False) -> Any:
    """Index of the (first) minimum along ``axis`` among the entries that are not NaN (see
    :func:`nanargmax`).

    >>> import raggrad as rg
    >>> rg.nanargmin(rg.array([[float("nan"), 3.0, 2.0], [], [float("nan")]]), axis=1).to_list()
    [2, -1, -1]
    """
    return _nan_arg("rg.nanargmin", "min", x, axis, keepdims, mask_identity)


# ---- ptp ----------------------------------------------------------------------------------------
@register("ptp", "reduction", numpy=(np.ptp,), numpy_signature=True, awkward="ak.ptp", options=True)
@zero_d
def ptp(
    x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None, mask_identity: bool = False
) -> Any:
    """Peak to peak, ``max - min``, along ``axis``; empty lists give 0.

    NumPy raises for an empty list; 0 is awkward's value with ``mask_identity=False`` (awkward's
    default is ``mask_identity=True``: None there). The derivative is that of :func:`max` minus
    that of :func:`min` (ties share it evenly). Missing values as in :func:`sum`.

    >>> import raggrad as rg
    >>> rg.ptp(rg.array([[1.0, 5.0, 2.0], [], [4.0]]), axis=1).to_list()
    [4.0, 0.0, 0.0]
    >>> rg.ptp(rg.array([[1.0, None, 5.0], None, [None]]), axis=1, mask_identity=True).to_list()
    [4.0, None, None]
    """
    x = operand(x, "rg.ptp")
    backend = x._backend
    if backend.numpy_dtype(x._content.dtype) == np.bool_:
        msg = "rg.ptp: the peak-to-peak range of booleans is undefined (as in NumPy); use rg.any/rg.all"
        raise TypeError(msg)
    dtype = x._content.dtype
    top, bottom = backend.identity("max", dtype), backend.identity("min", dtype)

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        xp = ctx.xp
        hi = reduce_kept(ctx, "max", data, mask, top)
        lo = reduce_kept(ctx, "min", data, mask, bottom)
        n = count_of(ctx, data, mask, ctx.backend.default_int())
        if isinstance(n, int):  # regular axes: every result has n elements
            return hi - lo if n else xp.zeros_like(hi)
        some = n > 0  # an empty list's identities would overflow (ints) or give -inf
        return xp.where(some, hi, xp.zeros_like(hi)) - xp.where(some, lo, xp.zeros_like(lo))

    return reduction("rg.ptp", x, axis, keepdims, where, compute, mask_identity=mask_identity)
