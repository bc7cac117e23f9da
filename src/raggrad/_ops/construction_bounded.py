"""Construction and padding of bounded arrays: a level from lengths that are data, and the
padded form of bounded lists (:mod:`.construction` holds the ops; these are their bounded paths)."""

from __future__ import annotations

from typing import Any

from .._array import RaggedArray, bounded_structure
from .._axes import as_index
from .._bounded import BoundedStructure
from .._broadcast import common_backend
from .._convert import content_to
from . import manipulation_bounded as mb
from .common import poisoned

__all__ = ["bounded_level", "bounded_padded", "from_padded_bounded"]


def bounded_level(lengths: Any, content: Any, capacity: Any, name: str) -> RaggedArray:
    """:func:`from_lengths` with a bounded result (lengths as data)."""
    if capacity is not None and as_index(capacity, "capacity", name) < 0:
        msg = f"{name}: capacity must be non-negative, got {capacity}"
        raise ValueError(msg)
    if capacity is None and not mb.is_bounded(lengths) and not mb.is_bounded(content):
        raise mb.traced_counts_error(name, "lengths")
    backend = common_backend((lengths, content), name)
    xp, index = backend.xp, backend.default_int()
    spec = mb.to_counts(lengths, backend, index, name, "lengths")
    cap = spec.capacity if capacity is None else as_index(capacity, "capacity", name)
    offsets, count, checks = mb.level_from_counts(backend, spec, cap, index, name, "lengths")
    total = offsets[-1]
    if isinstance(content, RaggedArray):
        inner = content if mb.is_bounded(content) else mb.bind(content)
        s = bounded_structure(inner)
        checks.append(
            (
                total == s.count,
                lambda: f"{name}: lengths sum to {int(total)} but the content has {int(s.count)} items",
            )
        )
        valid = mb.verdict(backend, s.valid, checks)
        levels, caps, ids = (offsets, *s.levels), (cap, *s.capacities), (None, *s.given_ids)
        return RaggedArray._new(BoundedStructure(count, levels, caps, s.inner, valid, ids), inner._content)
    content = content_to(content, None, backend.name, None)
    size = int(content.shape[0])
    checks.append(
        (total <= size, lambda: f"{name}: lengths sum to {int(total)} but the content has {size} slots")
    )
    valid = mb.verdict(backend, xp.asarray(True), checks)
    content = mb.keep_used(xp, content, xp.arange(size, dtype=index) < total)
    structure = BoundedStructure(count, (offsets,), (cap, size), tuple(content.shape[1:]), valid)
    return RaggedArray._new(structure, content)


def bounded_padded(x: RaggedArray, width: int, fill_value: Any) -> tuple[Any, Any]:
    """:func:`to_padded` of a bounded array: one gather with out-of-range slots filled."""
    s, backend, nb = bounded_structure(x), x._backend, x._nbatch
    xp, rows = backend.xp, s.capacities[0]
    columns = xp.arange(width, dtype=s.count.dtype)
    mask = columns[None, :] < s.lengths(0)[:, None]
    gather = xp.where(mask, s.levels[0][:-1, None] + columns[None, :], s.size)
    content = xp.moveaxis(x._content, nb, 0) if nb else x._content
    dense = backend.take_fill(content, xp.reshape(gather, (-1,)), fill_value)
    dense = xp.reshape(dense, (rows, width, *dense.shape[1:]))
    if nb:
        dense = xp.moveaxis(dense, (0, 1), (nb, nb + 1))
    # an invalid array (an overflow, operands whose lists differ): its values are never read as
    # right ones (raises where the flag is concrete; under jit, NaN or the integer minimum)
    return poisoned(backend, dense, s.valid, "rg.to_padded"), mask


def from_padded_bounded(padded: Any, lengths: Any, n: int, width: int, name: str) -> RaggedArray:
    """:func:`from_padded` with lengths as data: a bounded result of ``n`` lists, ``n * width`` slots."""
    backend = common_backend((padded, lengths), name)
    padded = content_to(padded, None, backend.name, None)
    xp, index, size = backend.xp, backend.default_int(), n * width
    spec = mb.to_counts(lengths, backend, index, name, "lengths")
    if not mb.is_bounded(lengths) and spec.capacity != n:
        msg = f"{name}: {spec.capacity} lengths for {n} rows of padded"
        raise ValueError(msg)
    offsets, count, checks = mb.level_from_counts(backend, spec, n, index, name, "lengths")
    lens = offsets[1:] - offsets[:-1]
    checks.append((xp.all(lens <= width), lambda: f"{name}: lengths must lie in [0, {width}]"))
    valid = mb.verdict(backend, xp.asarray(True), checks)
    ids = backend.ids_from_offsets(offsets, size)
    local = xp.arange(size, dtype=index) - backend.take_fill(offsets, ids, 0)
    flat = xp.reshape(padded, (size, *padded.shape[2:]))
    content = backend.take_fill(flat, xp.where(ids < n, ids * width + local, size), 0)
    structure = BoundedStructure(count, (offsets,), (n, size), tuple(padded.shape[2:]), valid, (ids,))
    return RaggedArray._new(structure, content)
