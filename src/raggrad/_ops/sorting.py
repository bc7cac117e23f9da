"""Sorting within lists: ``sort`` and ``argsort`` (stable, differentiable, jittable).

The permutation depends on values, so it runs on the backend as a stable sort keyed by (list id,
value); ``sort`` gathers with it, so its gradient follows the permutation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._array import RaggedArray
from .._axes import classify_axis
from .._registry import register
from .common import single
from .manipulation import flatten

__all__ = ["argsort", "sort"]


def _sort_order(x: RaggedArray, descending: bool, name: str) -> tuple[Any, Any, Any]:
    """Within-list sorting permutation of the innermost level, on the backend.

    Returns ``(order, values, seg)`` where ``values`` is the content with the element axis last
    and ``order`` the global element indices that sort it (stable) along that axis.
    """
    s, backend = x._structure, x._backend
    xp = backend.xp
    seg = s.levels[-1]
    values = xp.moveaxis(x._content, x._nbatch, -1)
    shape = tuple(values.shape)
    like = x._content
    if descending:
        # stable descending = reverse each list, sort ascending, reverse back (equal values keep
        # their order)
        rev = seg.cached(
            "reversed", lambda: seg.offsets[:-1][seg.ids] + seg.offsets[1:][seg.ids] - 1 - np.arange(seg.size)
        )
        rev_d = backend.index(seg, ("sort", "reversed"), rev, like)
        values = xp.take(values, rev_d, axis=-1)
    ids = xp.broadcast_to(backend.index(seg, ("sort", "ids"), seg.ids, like), shape)
    order = backend.lexsort((values, ids), axis=-1)  # stable: by list, then by value
    if descending:
        order = xp.take(rev_d, xp.take(order, rev_d, axis=-1))
    return order, xp.moveaxis(x._content, x._nbatch, -1), seg


def _sort_axis(x: RaggedArray, axis: int, name: str) -> tuple[str, int]:
    kind, k = classify_axis(x, axis, name)
    s = x._structure
    if kind == "inner":
        return "dense", x._nbatch + 1 + k  # the content axis of that regular dim
    if kind == "outer" and not s.nlevels:
        return "dense", x._nbatch
    if kind == "level" and k == s.nlevels - 1:
        return "ragged", k
    msg = (
        f"{name}: axis={axis} of an array of type {x.type!r} is not supported; sort within the "
        "innermost lists (axis=-1) or along a regular dimension"
    )
    raise NotImplementedError(msg)


_NUMPY_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")


def _numpy_sorting(name: str) -> Any:
    """NEP-18 ``np.sort``/``np.argsort``: ``axis=None`` sorts the flattened values; every sort is
    stable, so each ``kind=`` NumPy accepts is honoured (and any other is refused, as NumPy does)."""

    def impl(
        a: Any,
        axis: int | None = -1,
        kind: str | None = None,
        order: Any = None,
        *,
        stable: bool | None = None,
    ) -> Any:
        if order is not None:
            msg = f"np.{name}: order= (record fields) is not supported on RaggedArrays"
            raise NotImplementedError(msg)
        if kind not in _NUMPY_KINDS:
            msg = f"np.{name}: kind={kind!r} is not one of {_NUMPY_KINDS[1:]}"
            raise ValueError(msg)
        func = sort if name == "sort" else argsort
        return func(flatten(a, axis=None), axis=-1) if axis is None else func(a, axis=axis)

    return impl


@register("sort", "structural", numpy=(np.sort,), numpy_impl=_numpy_sorting("sort"), awkward="ak.sort")
def sort(x: RaggedArray, /, *, axis: int = -1, descending: bool = False, stable: bool = True) -> RaggedArray:
    """Sort within every innermost list (``axis=-1``), or along a regular dimension.

    Always stable (``stable=False`` is allowed and gives the same result). Differentiable: the
    gradient follows the permutation. Works under ``jax.jit`` (a sort keyed by list and value).

    >>> import raggrad as rg
    >>> rg.sort(rg.array([[3.0, 1.0, 2.0], [], [5.0, 4.0]])).to_list()
    [[1.0, 2.0, 3.0], [], [4.0, 5.0]]
    >>> rg.sort(rg.array([[3, 1, 2], [5, 4]]), descending=True).to_list()
    [[3, 2, 1], [5, 4]]
    """
    x = single(x, "rg.sort")
    mode, k = _sort_axis(x, axis, "rg.sort")
    xp = x._backend.xp
    if mode == "dense":
        return RaggedArray._new(x._structure, xp.sort(x._content, axis=k, descending=descending, stable=True))
    order, values, _ = _sort_order(x, descending, "rg.sort")
    out = xp.take_along_axis(values, order, axis=-1)
    return RaggedArray._new(x._structure, xp.moveaxis(out, -1, x._nbatch))


@register(
    "argsort",
    "structural",
    numpy=(np.argsort,),
    numpy_impl=_numpy_sorting("argsort"),
    awkward="ak.argsort",
    differentiable=False,
)
def argsort(
    x: RaggedArray, /, *, axis: int = -1, descending: bool = False, stable: bool = True
) -> RaggedArray:
    """Local indices that sort every innermost list (stable), as ``ak.argsort``.

    ``x[rg.argsort(x)]`` is ``rg.sort(x)``.

    >>> import raggrad as rg
    >>> rg.argsort(rg.array([[3.0, 1.0, 2.0], [], [5.0, 4.0]])).to_list()
    [[1, 2, 0], [], [1, 0]]
    """
    x = single(x, "rg.argsort")
    mode, k = _sort_axis(x, axis, "rg.argsort")
    backend, xp = x._backend, x._backend.xp
    if mode == "dense":
        out = xp.argsort(x._content, axis=k, descending=descending, stable=True)
        return RaggedArray._new(x._structure, xp.astype(out, backend.default_int()))
    order, _, seg = _sort_order(x, descending, "rg.argsort")
    starts = seg.cached("element-starts", lambda: seg.offsets[:-1][seg.ids])
    local = order - backend.index(seg, ("sort", "starts"), starts, x._content)
    local = xp.astype(xp.moveaxis(local, -1, x._nbatch), backend.default_int())
    return RaggedArray._new(x._structure, local)
