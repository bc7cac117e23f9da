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

__all__ = ["matmul", "matvec", "vecdot", "vecmat"]


def _core_ok(x: Any, core: int, name: str) -> None:
    if isinstance(x, RaggedArray) and len(x._structure.inner) < core:
        msg = (
            f"{name}: the last {core} dimension(s) must be regular, but the array has type "
            f"{x.type!r}; the contraction runs over regular inner dimensions only. Lists that all "
            "have one length become a regular dimension with rg.to_regular(x, axis=-1) (rg.from_regular "
            "goes back); rg.array of a list of arrays with equal trailing shapes, "
            "[np.zeros((3, 2)), np.zeros((1, 2))], gives 'var * 2'"
        )
        raise ValueError(msg)


def _gufunc(name: str, x1: Any, x2: Any, core1: int, core2: int) -> Any:
    where = f"rg.{name}"
    _core_ok(x1, core1, where)
    _core_ok(x2, core2, where)
    r1, r2 = isinstance(x1, RaggedArray), isinstance(x2, RaggedArray)
    backend = common_backend((x1, x2), where)
    fn = backend.ufunc(name)
    if r1 and r2:
        structure, backend, (c1, c2), nb = broadcast((x1, x2), where)
        return wrap(structure, fn(c1, c2), nb)
    ragged = x1 if r1 else x2
    content = ragged._content
    other = x2 if r1 else x1
    if _backends.backend_of(other) is None:
        other = np.asarray(other)
    out = fn(content, other) if r1 else fn(other, content)
    if r2 and not r1 and len(ragged._structure.inner) < core2 + 1 and name == "matmul":
        msg = f"{name}: dense @ ragged needs two regular inner dims on the ragged operand"
        raise ValueError(msg)
    return wrap(ragged._structure, out, ragged._nbatch)


@register("matmul", "elementwise", ufuncs=(np.matmul,))
def matmul(x1: Any, x2: Any, /) -> Any:
    """Matrix product over regular inner dims: ``(n * var * k) @ (k, m)`` is ``n * var * m``.

    >>> import numpy as np, raggrad as rg
    >>> x = rg.from_offsets([0, 2, 2, 3], np.arange(6.0).reshape(3, 2))
    >>> y = x @ np.ones((2, 4))
    >>> y.type, y.to_list()[0]
    ('3 * var * 4 * float64', [[1.0, 1.0, 1.0, 1.0], [5.0, 5.0, 5.0, 5.0]])
    """
    return _gufunc("matmul", x1, x2, 1, 1)


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
    return _gufunc("vecdot", x1, x2, 1, 1)


@register("matvec", "elementwise", ufuncs=(np.matvec,))
def matvec(x1: Any, x2: Any, /) -> Any:
    """Matrix-vector product over regular inner dims."""
    return _gufunc("matvec", x1, x2, 2, 1)


@register("vecmat", "elementwise", ufuncs=(np.vecmat,))
def vecmat(x1: Any, x2: Any, /) -> Any:
    """Vector-matrix product over regular inner dims."""
    return _gufunc("vecmat", x1, x2, 1, 2)
