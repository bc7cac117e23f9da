"""Linear algebra over the regular inner dimensions: ``matmul``, ``vecdot``, ``matvec``,
``vecmat`` (NumPy's gufuncs, dispatched through NEP-13), with ragged dimensions in front.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backends
from .._array import RaggedArray, wrap
from .._axes import as_index
from .._broadcast import broadcast, common_backend
from .._registry import register
from .._structure import Structure

__all__ = ["matmul", "matvec", "vecdot", "vecmat"]


def _core_ok(x: Any, core: int, name: str) -> None:
    if not isinstance(x, RaggedArray) and len(x.shape) < core:  # a 0-d operand (a number) has no core
        msg = (
            f"{name}: an operand of shape {tuple(x.shape)} has {len(x.shape)} dimension(s), and the "
            f"product needs {core} (a vector or a matrix); to scale by a number, use *"
        )
        raise ValueError(msg)
    if isinstance(x, RaggedArray) and len(x._structure.inner) < core:
        msg = (
            f"{name}: the last {core} dimension(s) must be regular, but the array has type "
            f"{x.type!r}; the contraction runs over regular inner dimensions only. Lists that all "
            "have one length become a regular dimension with rg.to_regular(x, axis=-1) (rg.from_regular "
            "goes back); rg.array of a list of arrays with equal trailing shapes, "
            "[np.zeros((3, 2)), np.zeros((1, 2))], gives 'var * 2'"
        )
        raise ValueError(msg)


#: the core dims of each operand (None: matmul's, a vector where an operand has one dim, else a
#: matrix of its last two)
_CORES: dict[str, tuple[int | None, int | None]] = {
    "matmul": (None, None),
    "vecdot": (1, 1),
    "matvec": (2, 1),
    "vecmat": (1, 2),
}


def _dims(x: Any) -> int:
    """The regular dims an operand's core may come from: a ragged array's inner dims."""
    return len(x._structure.inner) if isinstance(x, RaggedArray) else len(x.shape)


def _gufunc(name: str, x1: Any, x2: Any) -> Any:
    """NumPy's gufunc ``name`` with each operand's core in its regular inner dims and every other
    dim a loop dim: ragged dims line up as ``rg.broadcast_arrays`` lines them up (so two ragged
    operands pair element with element), the regular ones before the core from the right."""
    where = f"rg.{name}"
    backend = common_backend((x1, x2), where)
    plain = [_plain(x) for x in (x1, x2)]
    if not any(isinstance(x, RaggedArray) for x in plain):  # no lists: NumPy's arrays
        x1, x2 = plain
    else:  # a list-free RaggedArray beside a ragged one has one item per list, as in broadcasting
        x1, x2 = (x if isinstance(x, RaggedArray) else p for x, p in zip((x1, x2), plain, strict=True))
    # a NumPy array or list beside another backend's arrays: that backend's (its xp reshapes it)
    x1, x2 = (x if isinstance(x, RaggedArray) or backend.owns(x) else backend.asarray(x) for x in (x1, x2))
    cores = [
        c if c is not None else (1 if _dims(x) == 1 else 2)
        for c, x in zip(_CORES[name], (x1, x2), strict=True)
    ]
    for x, core in zip((x1, x2), cores, strict=True):
        _core_ok(x, core, where)
    structure, nb, a, b = _aligned(backend, x1, x2, cores, where)
    xp = backend.xp
    vec1, vec2 = name == "matmul" and cores[0] == 1, name == "matmul" and cores[1] == 1
    r1, r2 = isinstance(x1, RaggedArray), isinstance(x2, RaggedArray)
    if (vec1 and r1 and not r2 and len(b.shape) == cores[1]) or (
        vec2 and r2 and not r1 and len(a.shape) == cores[0]
    ):
        # a vector per element and a dense matrix or vector: the elements' vectors as the rows of
        # one matrix, one product (one GEMM; a unit dim per element halves XLA's speed)
        fn = backend.ufunc(name)
        return wrap(structure, fn(a, b) if r1 else fn(b, xp.matrix_transpose(a) if cores[0] == 2 else a), nb)
    out = backend.ufunc(name)(
        xp.expand_dims(a, axis=-2) if vec1 else a, xp.expand_dims(b, axis=-1) if vec2 else b
    )
    if vec2:  # matmul's vectors: a row and a column, their axes dropped again
        out = xp.squeeze(out, axis=-1)
    if vec1:
        out = xp.squeeze(out, axis=-1 if vec2 else -2)
    return wrap(structure, out, nb)


def _plain(x: Any) -> Any:
    """NumPy's array for a list-free exact array (its outer dim is regular), a backend array or a
    nested list; a ragged array as it is."""
    if not isinstance(x, RaggedArray):
        return x if _backends.backend_of(x) is not None else np.asarray(x)
    s = x._structure
    return x._content if isinstance(s, Structure) and not (s.nlevels or x._nbatch or s.masks) else x


def _aligned(backend: Any, x1: Any, x2: Any, cores: list[int], where: str) -> tuple[Any, int, Any, Any]:
    """The result's structure and batch dims, and the two operands' contents lined up: their
    element axes the same (or a dense operand with no dim of its own there)."""
    r1, r2 = isinstance(x1, RaggedArray), isinstance(x2, RaggedArray)
    if not (r1 or r2):  # NumPy's arrays: NumPy's gufunc
        return None, 0, x1, x2
    if not (r1 and r2):
        ragged, dense, core_r, core_d = (x1, x2, *cores) if r1 else (x2, x1, cores[1], cores[0])
        loops, dense_loops = len(ragged._structure.inner) - core_r, len(dense.shape) - core_d
        if dense_loops > loops:
            msg = (
                f"{where}: the array of shape {tuple(dense.shape)} has {dense_loops} dim(s) before its "
                f"core, more than the {loops} regular dim(s) before the core of {ragged.type!r}: they "
                "would meet its lists (NumPy lines them up from the right); give the array at most "
                f"{loops}, or make it ragged with rg.broadcast_arrays"
            )
            raise ValueError(msg)
        contents = (ragged._content, dense) if r1 else (dense, ragged._content)
        return ragged._structure, ragged._nbatch, *contents
    same = x1._nbatch == x2._nbatch and x1._structure.with_inner(()) == x2._structure.with_inner(())
    if same:  # the same lists: the contents line up as they are
        structure, nb, a, b = x1._structure.with_inner(()), x1._nbatch, x1._content, x2._content
    elif x1._nbatch or x2._nbatch:
        msg = f"{where}: two ragged operands with batch dims need the same lists and batch dims"
        raise NotImplementedError(msg)
    else:  # every element's position in each operand, broadcast as the arrays' lists broadcast
        xp = backend.xp
        index = [
            RaggedArray._new(x._structure.with_inner(()), xp.arange(x._content.shape[0])) for x in (x1, x2)
        ]
        structure, _, (i1, i2), nb = broadcast(tuple(index), where)
        a, b = xp.take(x1._content, i1, axis=0), xp.take(x2._content, i2, axis=0)
    # inner dims before the cores line up from the right, after the element axis
    loops = [len(c.shape) - nb - 1 - core for c, core in zip((a, b), cores, strict=True)]
    shorter = 1 if loops[1] < loops[0] else 0
    short = (a, b)[shorter]
    short = backend.xp.reshape(
        short, (*short.shape[: nb + 1], *(1,) * abs(loops[0] - loops[1]), *short.shape[nb + 1 :])
    )
    return (structure, nb, short, b) if shorter == 0 else (structure, nb, a, short)


@register("matmul", "elementwise", ufuncs=(np.matmul,))
def matmul(x1: Any, x2: Any, /) -> Any:
    """Matrix product over regular inner dims: ``(n * var * k) @ (k, m)`` is ``n * var * m``.

    >>> import numpy as np, raggrad as rg
    >>> x = rg.from_offsets([0, 2, 2, 3], np.arange(6.0).reshape(3, 2))
    >>> y = x @ np.ones((2, 4))
    >>> y.type, y.to_list()[0]
    ('3 * var * 4 * float64', [[1.0, 1.0, 1.0, 1.0], [5.0, 5.0, 5.0, 5.0]])
    """
    return _gufunc("matmul", x1, x2)


@register("vecdot", "elementwise", ufuncs=(np.vecdot,))
def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """Dot product over the last (regular) dimension.

    >>> import numpy as np, raggrad as rg
    >>> x = rg.from_offsets([0, 2, 2], np.arange(4.0).reshape(2, 2))
    >>> rg.vecdot(x, np.array([1.0, 1.0])).to_list()
    [[1.0, 5.0], []]
    """
    if as_index(axis, "axis", "rg.vecdot") != -1:
        msg = f"rg.vecdot: only axis=-1 is supported, got {axis=}"
        raise NotImplementedError(msg)
    return _gufunc("vecdot", x1, x2)


@register("matvec", "elementwise", ufuncs=(np.matvec,))
def matvec(x1: Any, x2: Any, /) -> Any:
    """Matrix-vector product over regular inner dims."""
    return _gufunc("matvec", x1, x2)


@register("vecmat", "elementwise", ufuncs=(np.vecmat,))
def vecmat(x1: Any, x2: Any, /) -> Any:
    """Vector-matrix product over regular inner dims."""
    return _gufunc("vecmat", x1, x2)
