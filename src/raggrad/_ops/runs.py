"""Runs of equal values: ``run_lengths``, as awkward's ``ak.run_lengths``.

The result's lists depend on the values (how many runs a list has), so the op reads the content on
the host: eager only, a :class:`~raggrad.TracedStructureError` under a transformation. It counts
and is not differentiable.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from .._array import RaggedArray
from .._backends._base import UNCACHED
from .._bounded import BoundedStructure
from .._errors import check_concrete
from .._options import all_masks
from .._registry import register
from .._structure import Segments, Structure, offsets_from_lengths
from .bounded import Capacity, capacity, trim, with_capacity
from .common import single

__all__ = ["run_lengths"]


def _lists(s: Structure, rows: int) -> tuple[np.ndarray, Any, Structure | None]:
    """The innermost lists: their offsets over the elements, the presence of the elements, and the
    structure of the lists themselves (None: one list of everything, a 1-d array)."""
    masks = all_masks(s)
    if s.inner:  # the innermost dimension is regular: every row of the content is one list
        width = s.inner[-1]
        offsets = np.arange(rows + 1, dtype=np.int64) * width
        present = None if masks[-1] is None else np.repeat(masks[-1], width)  # a missing row: no runs
        return offsets, present, Structure(s.length, s.levels, (), s.masks)
    if not s.nlevels:
        return np.array([0, s.length], dtype=np.int64), masks[0], None
    parent = Structure(s.length, s.levels[:-1], (), None if s.masks is None else masks[:-1])
    return s.levels[-1].offsets, masks[-1], parent


@register("run_lengths", "structural", awkward="ak.run_lengths", differentiable=False, options=True)
def run_lengths(x: RaggedArray, /) -> RaggedArray:
    """Lengths of the runs of equal consecutive values in every innermost list (``ak.run_lengths``).

    ``[[1, 1, 2], [2, 2], []]`` gives ``[[2, 1], [2], []]``. Runs never cross a list boundary;
    values compare with ``==``, so ``-0.0`` and ``0.0`` are one run and every NaN is a run of its
    own (awkward's and NumPy's rule). A 1-d array gives one list of runs (a 1-d result); an
    innermost regular dimension becomes a ragged one (``2 * 3 * int64`` gives ``2 * var * int64``,
    as awkward). Missing values: a missing element is skipped, so ``[1, None, 1]`` is one run of 2
    (awkward's answer); a missing list gives a missing list of runs, the lists staying aligned
    (``[[1, 1], None, [2]]`` gives ``[[2], None, [1]]``). Here raggrad differs from awkward 2.14,
    which drops a missing innermost list (``[[2], [1]]``) and, below the outer dimension, moves the
    later lists' runs into the wrong lists.

    Eager only (the number of runs depends on the values): under ``jax.jit``
    :class:`~raggrad.TracedStructureError`. A bounded ``x`` gives a result bounded to its
    capacities. Not differentiable (counts).

    >>> import raggrad as rg
    >>> rg.run_lengths(rg.array([[1, 1, 2], [2, 2], []])).to_list()
    [[2, 1], [2], []]
    >>> rg.run_lengths(rg.array([1.0, 1.0, None, 1.0, 3.0])).to_list()
    [3, 1]
    """
    x = single(x, "rg.run_lengths")
    s, backend = x._structure, x._backend
    if isinstance(s, BoundedStructure):
        return _bounded(x)
    if x._nbatch or len(s.inner) > 1:
        msg = (
            f"rg.run_lengths: an array of type {x.type!r} is not supported: batch dimensions and more "
            "than one regular inner dimension have no ragged form here (rg.from_regular them first)"
        )
        raise NotImplementedError(msg)
    check_concrete(backend, x._content, "rg.run_lengths", "the array's content")
    rows = s.count_at(s.nlevels)
    offsets, mask, parent = _lists(s, rows)
    values = np.asarray(backend.to_numpy(x._content)).reshape(-1)
    lists = np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), np.diff(offsets))
    if mask is not None:  # a missing element is skipped: the present values around it may join
        values, lists = values[mask], lists[mask]
    starts = np.ones(len(values), dtype=np.bool_)
    starts[1:] = (values[1:] != values[:-1]) | (lists[1:] != lists[:-1])
    first = np.flatnonzero(starts)
    lengths = np.diff(np.append(first, len(values))).astype(np.int64)
    content = backend.int_content(UNCACHED, None, lengths, x._content)
    if parent is None:
        return RaggedArray._new(Structure(len(lengths), (), ()), content)
    per_list = np.bincount(lists[first], minlength=len(offsets) - 1).astype(np.int64)
    masks = None if parent.masks is None else (*parent.masks, None)
    runs = Segments(offsets_from_lengths(per_list))
    return RaggedArray._new(Structure(parent.length, (*parent.levels, runs), (), masks), content)


def _bounded(x: RaggedArray) -> RaggedArray:
    """A concrete bounded ``x``: the runs of its lists, bounded to its own capacities (a list has
    no more runs than elements)."""
    check_concrete(x._backend, x._content, "rg.run_lengths", "the bounded array's content")
    if x._structure.inner:
        msg = (
            "rg.run_lengths: a bounded array with regular inner dimensions is not supported; rg.trim(x) first"
        )
        raise NotImplementedError(msg)
    cap = capacity(x)
    assert isinstance(cap, Capacity)  # x is a bounded array
    return cast(RaggedArray, with_capacity(run_lengths(trim(x)), lists=cap.lists, elements=cap.elements))
