"""The structures the bounded indexing walk reads (:mod:`.indexing_bounded`): an exact or a bounded
structure as offsets, capacities and lists in use per level below a virtual root; and the index
arithmetic on the device that traced indices share with the exact walk (:mod:`.indexing`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backends
from .._bounded import BoundedStructure
from .._structure import Structure, ext

__all__ = [
    "Source",
    "device_wrap",
    "fill_value",
    "filled",
    "from_bounded",
    "from_exact",
    "host_local",
    "longest",
    "on",
]


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


# ---- traced indices: JAX's out-of-bounds rule, list by list -----------------------------------
def fill_value(dtype: np.dtype) -> Any:
    # jnp.take(..., mode="fill")'s defaults (checked in the tests): NaN, INT_MIN, UINT_MAX, True
    if dtype.kind in "iu":
        return np.iinfo(dtype).min if dtype.kind == "i" else np.iinfo(dtype).max
    return np.nan if dtype.kind in "fc" else True


def device_wrap(b: Any, local: Any, lens: Any, longest: int, dtype: Any) -> tuple[Any, Any]:
    """Traced ``local`` indices into lists of lengths ``lens`` (at most ``longest``), negative ones
    counted from the end: ``(wrapped, in range)``. Values beyond ``±(longest + 1)`` are clamped
    there first, so that the cast to the index ``dtype`` cannot wrap one into range."""
    xp, info, limit = b.xp, np.iinfo(b.numpy_dtype(local.dtype)), longest + 1
    if info.max > np.iinfo(np.int64).max and b.is_concrete(local):  # uint64: NumPy has kernels, torch not
        local, info = b.asarray(host_local(b, local)), np.iinfo(np.int64)
    if limit < info.max:
        local = xp.minimum(local, limit)
    if info.min < -limit:
        local = xp.maximum(local, -limit)
    local = xp.astype(local, dtype)
    j = xp.where(local < 0, local + lens, local)
    return j, (j >= 0) & (j < lens)


def filled(b: Any, gathered: Any, ok: Any) -> Any:
    """``gathered`` (axis 0 along ``ok``) with the fill value where ``ok`` is False: no value of
    another list, and a zero gradient (the cotangent of the discarded branch of a where is zero)."""
    xp = b.xp
    fill = xp.asarray(fill_value(b.numpy_dtype(gathered.dtype)), dtype=gathered.dtype)
    ok = xp.reshape(ok, (ok.shape[0],) + (1,) * (len(gathered.shape) - 1))
    return xp.where(ok, gathered, fill)


def on(b: Any, content: Any) -> Any:
    """``content`` on backend ``b`` (a traced index of another backend decides where it runs)."""
    cb = _backends.backend_of(content)
    assert cb is not None  # a backend array
    return content if cb is b else b.asarray(cb.to_numpy(content))


def host_local(b: Any, content: Any) -> np.ndarray:
    """The local indices of a concrete ragged key as int64 on the host; uint64 ones past int64
    become its largest value (out of range, as they are: a cast would wrap 2**64 - 1 to -1)."""
    host = np.asarray(b.to_numpy(content))
    if host.dtype == np.uint64:
        host = np.minimum(host, np.iinfo(np.int64).max)
    return host.astype(np.int64)
