"""The structures the bounded indexing walk reads (:mod:`.indexing_bounded`): an exact or a bounded
structure as offsets, capacities and lists in use per level below a virtual root."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._bounded import BoundedStructure
from .._structure import Structure, ext

__all__ = ["Source", "from_bounded", "from_exact", "longest"]


class Source:
    """Per level ``e`` below the virtual root (``e = 0``: its one list of the outer items): offsets,
    capacity of the items, lists in use, host-made ids; ``exact``: the exact structure, if any."""

    __slots__ = ("b", "caps", "exact", "given", "offsets", "used", "valid")

    b: Any
    caps: tuple[int, ...]
    exact: Structure | None
    given: list[Any]
    offsets: list[Any]
    used: list[Any]
    valid: Any


def from_bounded(s: BoundedStructure) -> Source:
    src, xp = Source(), s.backend.xp
    src.b, src.caps, src.valid, src.exact = s.backend, s.capacities, s.valid, None
    root = s.cached("outer-offsets", lambda: xp.stack([xp.zeros((), dtype=s.count.dtype), s.count]))
    src.offsets, src.given = [root, *s.levels], [None, *s.given_ids]
    src.used = [1, *(s.in_use(d) for d in range(s.nlevels))]
    return src


def from_exact(s: Structure, b: Any, like: Any) -> Source:
    """An exact structure as a bounded one of capacities its sizes: offsets only (DESIGN.md, 1)."""
    src, xp, it = Source(), b.xp, b.default_int()
    src.b, src.exact, src.valid = b, s, xp.asarray(True)
    src.offsets = [xp.astype(xp.asarray(b.index(g, "bounded-offsets", g.offsets, like)), it) for g in ext(s)]
    src.caps = tuple(s.count_at(d) for d in range(s.nlevels + 1))
    src.used, src.given = [1, *src.caps[:-1]], [None] * (s.nlevels + 1)
    return src


def longest(s: Structure, a: int, d: int) -> int:
    """The most depth-``d`` items below one depth-``a`` item of exact ``s`` (depth 0: outer items)."""

    def make() -> int:
        off = np.arange(s.count_at(a) + 1)
        for level in s.levels[a:d]:
            off = level.offsets[off]
        return int(np.diff(off).max(initial=0))

    return 1 if a >= d else s.cached(("longest", a, d), make)
