"""Missing values (awkward's option types): how they are held, and the helpers ops share.

An exact array's missing values are part of its :class:`Structure`, like its list lengths:
``Structure.masks`` is None, or one entry per depth (0: the outer items, ``nlevels``: the innermost
elements), each None (nothing at that depth can be missing) or a read-only boolean NumPy array,
True where the item is present. Two invariants make every other op simpler:

- a missing list is empty (its offsets do not advance), so no content lies under it and every
  element that exists has present ancestors: only the innermost mask touches the content;
- a missing element's content is zero (a defined value), and ops never let it reach a result
  or a gradient: they mask it out, and elementwise ops evaluate their function there on a safe
  input (as on a bounded array's padding).

Because masks are host data in the structure, ``jax.jit`` retraces when they change and
``jax.grad(f)(x)`` differentiates the content alone, as for list lengths. An op takes missing
values only when it is registered with ``options=True``; every other op raises
:class:`~raggrad._errors.OptionTypeError` (``_registry.register``), so no ``None`` is dropped
silently.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from ._bounded import BoundedStructure
from ._structure import Structure

__all__ = [
    "all_masks",
    "both",
    "element_mask",
    "has_options",
    "replace_masks",
    "without_masks",
]

Masks = tuple[np.ndarray | None, ...]


def has_options(s: Any) -> bool:
    """Whether structure ``s`` (exact or bounded) has an option type at any depth."""
    return getattr(s, "masks", None) is not None


def all_masks(s: Structure | BoundedStructure) -> Masks:
    """One entry per depth (None where nothing can be missing), also when ``s.masks`` is None."""
    return s.masks if s.masks is not None else (None,) * (s.nlevels + 1)


def element_mask(s: Structure | BoundedStructure) -> np.ndarray | None:
    """True for the innermost elements that are present (None: all are, and none can be missing)."""
    return None if s.masks is None else s.masks[-1]


def replace_masks(s: Structure, masks: Masks | None) -> Structure:
    """``s`` with other masks (its levels, and the index maps cached on them, are shared).

    A list that becomes missing must already be empty (``Structure`` checks).
    """
    if masks is s.masks:
        return s
    return Structure(s.length, s.levels, s.inner, masks)


def without_masks(s: Structure) -> Structure:
    """``s`` without option types: the structure the content is laid out in."""
    return s if s.masks is None else s.cached("without-masks", lambda: replace_masks(s, None))


def both(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    """Present in both masks (None: no option type, as if all present)."""
    if a is None or b is None:
        return b if a is None else a
    return cast(np.ndarray, a & b)


def present_rows_index(xp: Any, index: Any, s: Structure | BoundedStructure, nbatch: int) -> Any:
    """A flat index into content whose innermost items are regular rows, counted as awkward
    counts them: a missing row (``option[2 * float64]``) has no slots (a missing number keeps its
    one). Unchanged without missing rows (bounded arrays have none) or with batch dims."""
    em = element_mask(s)
    if em is None or not s.inner or nbatch:
        return index
    width = int(np.prod(s.inner))
    before = s.cached("present-rows-before", lambda: (np.cumsum(em) - em).astype(np.int64))  # per row
    return xp.asarray(before)[index // width] * width + index % width
