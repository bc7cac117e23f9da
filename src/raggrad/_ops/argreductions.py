"""Index reducers: argmax and argmin, handed to the reduction engine like the other reducers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._array import wrap
from .._bounded import BoundedStructure
from .._options import present_rows_index
from .._registry import register
from .._structure import Segments, Structure
from .common import poisoned, zero_d
from .reduction_engine import (
    Context,
    DenseAxes,
    count_of,
    in_use,
    kept,
    masked,
    operand,
    present,
    reduce_kept,
    reduction,
    with_content,
)

__all__ = ["argmax", "argmin"]


# ---- argmin and argmax ----------------------------------------------------------------
def _arg(name: str, kind: str, x: Any, axis: Any, keepdims: bool, mask_identity: bool) -> Any:
    x = operand(x, name)
    backend = x._backend
    dtype = backend.numpy_dtype(x._content.dtype)
    if dtype == np.bool_:
        x = with_content(x, backend.xp.astype(x._content, backend.xp.int8))
    out_dtype = backend.result_dtype("argmax", x._content.dtype)
    inexact = dtype.kind in "fc"
    worst = backend.identity(kind, x._content.dtype)
    if axis is None:
        return _arg_flat(x, kind, keepdims, worst, mask_identity, name)

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        xp = ctx.xp
        if isinstance(ctx, DenseAxes):
            (i,) = ctx.axes
            if ctx.size == 0:  # no index to give, as for an empty list
                shape = tuple(1 if j == i else d for j, d in enumerate(data.shape))
                return xp.full(shape, -1, dtype=out_dtype)
            if mask is None:
                return getattr(xp, "arg" + kind)(data, axis=i, keepdims=True)
            first = getattr(xp, "arg" + kind)(kept(ctx, mask, data, worst), axis=i, keepdims=True)
            return xp.astype(xp.where(xp.any(mask, axis=i, keepdims=True), first, -1), out_dtype)
        best = ctx.gather(reduce_kept(ctx, kind, data, mask, worst))
        hit = data == best if mask is None else (data == best) & mask
        if inexact:  # the first NaN wins, as in NumPy (a missing element holds 0, never NaN)
            nan = xp.isnan(data)
            hit = xp.where(ctx.gather(ctx.reduce("any", nan)), nan, hit)
        local = ctx.local(data)
        big = np.iinfo(ctx.backend.numpy_dtype(local.dtype)).max
        first = ctx.reduce("min", xp.where(hit, local, big))
        first = xp.where(count_of(ctx, data, mask, local.dtype) > 0, first, -1)
        return ctx.xp.astype(first, out_dtype)

    return reduction(name, x, axis, keepdims, None, compute, arg=True, mask_identity=mask_identity)


def _arg_flat(x: Any, kind: str, keepdims: bool, worst: Any, mask_identity: bool, name: str) -> Any:
    """``axis=None``: the index into the flattened content, missing slots included as in awkward
    (missing elements and padding never win); -1 (None with ``mask_identity=True``) when no
    element is present."""
    backend, s, xp, content = x._backend, x._structure, x._backend.xp, x._content
    live = in_use(x) if (bounded := isinstance(s, BoundedStructure)) else present(x)
    if live is not None:
        content = masked(xp, live, content, worst)
    em = None if bounded else s.masks[-1] if s.masks is not None else None
    filled = math.prod(content.shape) > 0 and (em is None or bool(em.any()))
    if mask_identity and bounded:
        msg = f"{name}: mask_identity=True is not supported on a bounded array; trim it (rg.trim) first"
        raise NotImplementedError(msg)
    if filled:
        out = present_rows_index(xp, getattr(xp, "arg" + kind)(xp.reshape(content, (-1,))), s, x._nbatch)
        if bounded:  # lists are data: whether any element is in use too, and whether valid
            out = xp.where(xp.any(live), out, xp.asarray(-1, dtype=out.dtype))
            out = poisoned(backend, out, s.valid, name)
    elif mask_identity and not keepdims:
        return None
    else:  # no element present: no index to give (-1, or a missing one)
        out = xp.asarray(0 if mask_identity else -1, dtype=backend.result_dtype("argmax", content.dtype))
    if not keepdims:
        return out
    if mask_identity and s.inner:
        msg = f"{name}: mask_identity=True with keepdims=True needs no regular inner dims"
        raise NotImplementedError(msg)
    masks = (*(None,) * s.nlevels, np.array([filled])) if mask_identity else None
    ones = Structure(1, tuple(Segments(np.array([0, 1])) for _ in s.levels), (), masks)
    return wrap(ones, xp.reshape(out, (1,) * len(x._content.shape)), x._nbatch)


@register(
    "argmax",
    "reduction",
    numpy=(np.argmax,),
    numpy_signature=True,
    awkward="ak.argmax",
    differentiable=False,
    options=True,
)
@zero_d
def argmax(x: Any, /, *, axis: Any = None, keepdims: bool = False, mask_identity: bool = False) -> Any:
    """Index of the (first) maximum along ``axis``; -1 for an empty list.

    With ``keepdims=True`` and a ragged ``axis=-1`` the result has one index per non-empty list and
    an empty list for an empty one, so ``x[rg.argmax(x, axis=-1, keepdims=True)]`` selects the
    maxima. ``axis=None`` indexes the flattened content.

    Missing values (None) follow awkward: missing elements never win (indices count them, as
    awkward's do) and a missing list gives None. ``mask_identity=True`` gives None where the
    default gives -1, and with ``keepdims=True`` ``[None]`` for a list with no present element, so
    ``x[rg.argmax(x, axis=-1, keepdims=True, mask_identity=True)]`` keeps one entry per list
    (awkward's keepdims gives a regular ``1 *`` dimension; raggrad's is ragged, to select with).

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 3.0, 2.0], [], [4.0]])
    >>> rg.argmax(x, axis=1).to_list(), rg.argmax(x, axis=1, keepdims=True).to_list()
    ([1, -1, 0], [[1], [], [0]])
    >>> y = rg.array([[None, 3.0, 2.0], None, [None]])
    >>> rg.argmax(y, axis=1).to_list(), rg.argmax(y, axis=1, keepdims=True, mask_identity=True).to_list()
    ([1, None, -1], [[1], None, [None]])
    """
    return _arg("rg.argmax", "max", x, axis, keepdims, mask_identity)


@register(
    "argmin",
    "reduction",
    numpy=(np.argmin,),
    numpy_signature=True,
    awkward="ak.argmin",
    differentiable=False,
    options=True,
)
@zero_d
def argmin(x: Any, /, *, axis: Any = None, keepdims: bool = False, mask_identity: bool = False) -> Any:
    """Index of the (first) minimum along ``axis``; -1 for an empty list (see :func:`argmax`).

    >>> import raggrad as rg
    >>> rg.argmin(rg.array([[1.0, 3.0, 0.5], [], [4.0]]), axis=1).to_list()
    [2, -1, 0]
    """
    return _arg("rg.argmin", "min", x, axis, keepdims, mask_identity)
