"""Helpers the structure-op families share: argument checks and the content's layout.

A RaggedArray's content has its batch dims first, then the element axis; structure ops move the
element axis to the front (:func:`moved`), gather along it, and move it back (:func:`back`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import numpy as np
from numpy.exceptions import AxisError

from .. import _backends
from .._array import RaggedArray, as_ragged, bounded_structure, exact_structure
from .._axes import classify_axis
from .._bounded import BoundedStructure, invalid_error
from .._errors import OutputTooLargeError
from .._records import reject
from .._structure import Structure

__all__ = [
    "MANY",
    "back",
    "batched",
    "bounded_structure",
    "check_size",
    "depth",
    "exact_structure",
    "moved",
    "new",
    "poisoned",
    "single",
    "zero_d",
]


def single(x: Any, name: str, verb: str = "apply to") -> RaggedArray:
    """The array argument of an op: a RaggedArray as it is, records refused, anything else that
    ``rg.array`` accepts (backend arrays, scalars, lists, awkward Arrays) converted once."""
    if isinstance(x, RaggedArray):
        return x
    reject(x, name, verb)
    return cast(RaggedArray, as_ragged(x, name))


def batched(backend: Any, content: Any, batch: tuple[int, ...]) -> Any:
    """Content that does not depend on the batch, repeated along it (as a broadcast view)."""
    if not batch:
        return content
    return backend.xp.broadcast_to(content, (*batch, *content.shape))


def moved(x: RaggedArray) -> Any:
    """The content with its element axis first."""
    nb = x._nbatch
    return x._backend.xp.moveaxis(x._content, nb, 0) if nb else x._content


def back(backend: Any, content: Any, nb: int) -> Any:
    """Content with its element axis first, moved back behind ``nb`` batch dims."""
    return backend.xp.moveaxis(content, 0, nb) if nb else content


def new(structure: Structure | BoundedStructure, content: Any, nb: int) -> RaggedArray:
    """A result over ``content`` whose inner dims are read off the content."""
    return RaggedArray._new(structure.with_inner(tuple(content.shape[nb + 1 :])), content)


def depth(x: RaggedArray, axis: Any, name: str) -> int:
    """The ragged dimension ``axis`` names, as a depth below the virtual root (0: outer)."""
    kind, k = classify_axis(x, axis, name)
    if kind == "outer":
        return 0
    if kind == "level":
        return k + 1
    msg = f"{name}: axis={axis} of an array of type {x.type!r} is not the outer or a ragged dimension"
    raise NotImplementedError(msg)


def zero_d(op: Callable[..., Any]) -> Callable[..., Any]:
    """Let a reducer (or ``flip``) take a 0-d array, as the array API asks: the result is a 0-d
    array too, and the only axes a 0-d array has are ``None`` and ``()``.

    RaggedArrays and arrays with dimensions go to ``op`` unchanged.
    """
    name = f"rg.{op.__name__}"

    @functools.wraps(op)
    def wrapper(x: Any, /, *args: Any, **kwargs: Any) -> Any:
        if isinstance(x, RaggedArray) or len(getattr(x, "shape", (0,))) or not _is_number(x):
            return op(x, *args, **kwargs)
        axis = kwargs.pop("axis", None)
        if axis is not None and axis != ():
            msg = f"{name}: axis={axis!r} is out of range for a 0-d array (its axes are None and ())"
            raise AxisError(msg)
        backend = _backends.backend_of(x) or _backends.get_backend("numpy")
        a = x if _backends.backend_of(x) is not None else np.asarray(x)
        if kwargs.pop("keepdims", False):
            kwargs.update(axis=0, keepdims=True)
        else:
            kwargs["axis"] = None
        out = op(backend.xp.reshape(a, (1,)), *args, **kwargs)  # the one value as a 1-d array
        content = out._content if isinstance(out, RaggedArray) else out
        return backend.xp.reshape(content, ())

    return wrapper


def _is_number(x: Any) -> bool:
    return isinstance(x, bool | int | float | complex | np.generic) or _backends.backend_of(x) is not None


def poisoned(backend: _backends.Backend, out: Any, valid: Any, name: str) -> Any:
    """A result that carries no structure (a 0-d sum) from an invalid bounded array: never quietly
    wrong. A float is NaN: a product with 1 or NaN, not a selection, so its derivatives are NaN
    too (a selection would give zeros, a gradient that looks valid). An integer or boolean, which
    cannot hold NaN, raises ``ValueError`` where the flag is concrete; traced (inside
    ``jax.jit``), an integer is its dtype's minimum (the maximum if unsigned: never a count)."""
    xp = backend.xp
    if xp.isdtype(out.dtype, ("real floating", "complex floating")):
        one = xp.asarray(1.0, dtype=out.dtype)
        return out * xp.where(valid, one, xp.asarray(float("nan"), dtype=out.dtype))
    if backend.is_concrete(valid):
        if not bool(backend.to_numpy(valid)):
            raise invalid_error(name, "the bounded array it reduced")
        return out
    if not xp.isdtype(out.dtype, "integral"):
        return out
    info = np.iinfo(backend.numpy_dtype(out.dtype))
    mark = xp.asarray(info.min if info.min < 0 else info.max, dtype=out.dtype)
    return xp.where(valid, out, mark)


# ---- size guard: outputs no memory holds are refused before anything is allocated ----------
_SMALL = 1 << 26  # outputs up to 64 MiB never ask how much memory is free
_UNKNOWN_MEMORY = 1 << 40  # where the platform does not say
_MEMBER_BYTES = 1024  # a rough floor for one returned array (its Python objects and structure)
MANY = 1 << 64  # a count known only to be larger than this (as combinations counts)


def _available_memory() -> int:
    """Bytes this process can still allocate: the smaller of Linux's ``MemAvailable`` and what
    the cgroup's limit leaves; else the physical memory; else 1 TiB."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:  # cgroup v2 (containers): the limit less what is used, page cache that can go back excepted
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            used = int(Path("/sys/fs/cgroup/memory.current").read_text())
            stat = dict(line.split() for line in Path("/sys/fs/cgroup/memory.stat").read_text().splitlines())
            found.append(int(limit) - used + int(stat.get("inactive_file", 0)))
    except (OSError, ValueError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        except (AttributeError, OSError, ValueError):
            found.append(_UNKNOWN_MEMORY)
    return max(min(found), 0)


def check_size(name: str, count: tuple[int, bool], what: str, per_item: int, members: int, fix: str) -> None:
    """Raise :class:`OutputTooLargeError` when ``count`` outputs of ``per_item`` bytes, returned as
    ``members`` arrays, cannot fit."""
    number, exact = count
    need = number * per_item + members * _MEMBER_BYTES
    if need <= _SMALL:
        return
    free = _available_memory()
    if need > free:
        shown = f"{number}" if exact else f"more than {MANY}"
        bound = f"at least {need}" if exact else f"more than {MANY * per_item}"
        msg = (
            f"{name}: the result would hold {shown} {what} in {members} arrays and need {bound} bytes "
            f"({_gib(need)}), more than the {free} bytes ({_gib(free)}) of memory available; "
            f"{fix}, or process the lists in batches (x[i:j])"
        )
        raise OutputTooLargeError(msg)


def _gib(nbytes: int) -> str:
    gib = nbytes >> 30
    return f"{nbytes / 2**30:.1f} GiB" if gib < 10**15 else f"about 10^{len(str(gib)) - 1} GiB"
