"""Which elements of ``where(condition, x1, x2)`` are missing (None), as awkward's ``ak.where``.

An element is missing where the condition is, or where the branch it selects is; a missing value
in the branch it leaves out does not matter. That depends on the condition's values, so where the
branches' missing values differ, the condition must be concrete (it may be a constant under
``jax.jit``: it is then read on the host); where they agree, it never needs to be.
``_broadcast.broadcast(..., select=True)`` has laid the operands out (a list is missing only where
every operand's is) and gives their element masks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _backends
from .._array import RaggedArray
from .._broadcast import broadcast
from .._errors import TracedStructureError
from .._options import all_masks, replace_masks
from .._structure import Structure

__all__ = ["selected"]


def selected(
    s: Structure,
    backend: _backends.Backend,
    contents: list[Any],
    nb: int,
    elements: list[Any],
    name: str,
    args: tuple[Any, ...],
) -> Structure:
    """``where(condition, x, y)``'s element mask, as awkward's ``ak.where``: missing where the
    condition is missing or the branch it selects is (a missing value in the branch it leaves
    out does not matter). ``elements``: the operands' element masks from ``broadcast(...,
    select=True)``. Where the answer depends on the condition's values, they must be concrete."""
    if all(e is None for e in elements):
        return s
    size = s.size
    c_m, x_m, y_m = (np.ones(size, np.bool_) if e is None else np.asarray(e) for e in elements)
    undecided = c_m & (x_m != y_m)
    if not undecided.any():
        return replace_masks(s, (*all_masks(s)[:-1], c_m & x_m))
    cond = contents[0]
    if not hasattr(cond, "shape"):
        value = np.full(size, bool(cond))
    else:
        original = args[0]._content if isinstance(args[0], RaggedArray) else args[0]
        if not backend.is_concrete(cond) and backend.is_concrete(original):  # a constant under jit
            host_args = tuple(_on_host(backend, a, i == 0) for i, a in enumerate(args))
            s, host_backend, host_contents, nb, elements = broadcast(host_args, name, select=True)
            return selected(s, host_backend, host_contents, nb, elements, name, host_args)
        if not backend.is_concrete(cond):
            msg = (
                f"{name}: which elements of the result are missing (None) depends on the condition's "
                "values, which are being traced; fill the missing values of x1 and x2 first "
                "(rg.fill_none), or compute the condition outside the transformation"
            )
            raise TracedStructureError(msg)
        host = backend.to_numpy(cond)
        lead, n = math.prod(host.shape[:nb]), host.shape[nb] if host.ndim > nb else 1
        host = host.reshape(lead, n, math.prod(host.shape[nb + 1 :])) != 0
        lo, hi = host.all(axis=(0, 2)), host.any(axis=(0, 2))
        if np.any(undecided & (lo != hi)):
            msg = (
                f"{name}: the condition differs within an element (across regular inner or batch "
                "dimensions) where one branch is missing (None) and the other is not; fill the "
                "missing values first (rg.fill_none)"
            )
            raise ValueError(msg)
        value = np.broadcast_to(hi, (size,))
    return replace_masks(s, (*all_masks(s)[:-1], c_m & np.where(value, x_m, y_m)))


def _on_host(backend: _backends.Backend, a: Any, keep: bool) -> Any:
    """``a`` with host content: its values if ``keep``, else zeros (only its structure matters)."""
    content = a._content if isinstance(a, RaggedArray) else a
    if not hasattr(content, "shape"):
        return a
    host = backend.to_numpy(content) if keep else np.broadcast_to(np.False_, tuple(content.shape))
    return RaggedArray._new(a._structure, host) if isinstance(a, RaggedArray) else host
