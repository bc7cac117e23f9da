"""Leaving and entering raggrad: ``to_dense``, ``map_values``, ``to_regular``, ``from_regular``,
``ravel``, and what JAX's ``__jax_array__`` protocol reads.

An array with no ragged dimension left (a pooled ``n * 64`` result) *is* a dense array: ``to_dense``
returns its content, and JAX takes it wherever it takes an array (``jnp.tanh(x)``, ``jax.nn``,
optax), under ``jax.jit`` too, because :class:`~raggrad.RaggedArray` implements ``__jax_array__``
with :func:`jax_array` here. An array with ragged dimensions is not one: JAX's functions refuse it,
and :func:`map_values` applies any elementwise backend function to its values, keeping the lists.

JAX's operators probe ``__jax_array__`` too (``w * x`` with a traced parameter ``w``): for an array
with ragged dimensions the attribute raises an error that is both a ``TypeError`` (what it is) and
an ``AttributeError`` (what the probe takes for "absent"), so those operators hand over to
raggrad's own and ``w * x`` keeps its lists. torch has no counterpart that keeps autograd short of
intercepting every torch function (``__torch_function__``); there, use ``to_dense``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np

from .. import _backends
from .._array import RaggedArray
from .._axes import classify_axis
from .._bounded import BoundedStructure
from .._dtypes import check_numeric
from .._errors import TracedStructureError, check_concrete
from .._registry import provide, register
from .._structure import Segments, Structure
from .common import back, moved, single
from .manipulation import flatten

__all__ = ["from_regular", "jax_array", "map_values", "ravel", "to_dense", "to_regular"]


# ---- to_dense and __jax_array__ ------------------------------------------------------------------
def _ragged_hint(x: RaggedArray) -> str:
    return (
        f"an array of type {x.type!r} has ragged dimensions; apply a backend function to its values "
        "keeping the lists with rg.map_values(f, x), take the flat values with x.values (or "
        "rg.flatten(x, axis=None)), or pad it with rg.to_padded(x)"
    )


def _dense(x: RaggedArray, name: str, padded: bool) -> Any:
    s = x._structure
    if isinstance(x._content, RaggedArray):
        msg = f"{name}: a Jacobian's content (type {x.type!r}) is itself ragged; use x.to_list()"
        raise TypeError(msg)
    if s.nlevels:
        msg = f"{name}: {_ragged_hint(x)}"
        raise ValueError(msg)
    if getattr(s, "masks", None) is not None:  # missing values hold zeros in the content
        msg = (
            f"{name}: an array of type {x.type!r} has missing values (None); replace them with "
            "rg.fill_none(x, value) or remove them with rg.drop_none(x) first"
        )
        raise TypeError(msg)
    if not isinstance(s, BoundedStructure) or padded:
        return x._content
    if not s.stacked and not s.is_concrete():
        msg = (
            f"{name}: the number of rows of a bounded array is data (traced inside jax.jit), so its "
            f"dense array has no static shape; rg.to_dense(x, padded=True) gives all {s.capacities[0]} "
            "rows (those from rg.num(x, axis=0) on hold zeros)"
        )
        raise TracedStructureError(msg)
    return x._trimmed(name)._content


@register("to_dense", "conversion")
def to_dense(x: Any, /, *, padded: bool = False) -> Any:
    """The backend array of an array with no ragged dimension (``ValueError`` otherwise).

    Differentiable and jittable: the content itself, batch dimensions in front. A bounded array
    gives the rows in use when its count is concrete; inside ``jax.jit`` the count is data, so
    ``padded=True`` is needed there: every row slot, rows past ``rg.num(x, axis=0)`` holding zeros
    (without it, ``TracedStructureError``). ``jnp.asarray(x)`` and JAX's functions read
    ``x.__jax_array__``, which is ``to_dense`` (without ``padded``).

    >>> import raggrad as rg
    >>> pooled = rg.sum(rg.array([[1.0, 2.0], [], [3.0]]), axis=1)
    >>> rg.to_dense(pooled)
    array([3., 0., 3.])
    """
    if _backends.backend_of(x) is not None:
        return x
    return _dense(single(x, "rg.to_dense"), "rg.to_dense", padded)


class _NotDenseError(TypeError, AttributeError):
    """``x.__jax_array__`` of an array that is not dense: a ``TypeError`` that JAX's probes
    (``getattr(x, "__jax_array__", None)``) read as an absent attribute."""


@provide("jax_array")
def jax_array(x: RaggedArray) -> Callable[[], Any]:
    """``x.__jax_array__``: a function returning :func:`to_dense` of ``x``, or ``_NotDenseError``."""
    try:
        dense = _dense(x, "x.__jax_array__", padded=False)
    except (TypeError, ValueError) as exc:
        msg = f"{exc}; rg.to_dense(x) gives the backend array of an array without ragged dimensions"
        raise _NotDenseError(msg) from None
    return lambda: dense


# ---- map_values ----------------------------------------------------------------------------------
@register("map_values", "elementwise")
def map_values(f: Callable[[Any], Any], x: Any, /) -> RaggedArray:
    """``f`` applied to the values, the lists kept: ``rg.map_values(jax.nn.gelu, x)``.

    ``f`` is any function of a backend array (of the backend holding ``x``) that acts on each
    element on its own (``jnp.tanh``, ``jax.nn.gelu``, ``torch.nn.functional.silu``, a dtype cast);
    it receives the content (elements first, regular inner dims after) and must keep the element
    axis; it may change the inner dims (``jax.nn.one_hot`` adds one). Derivatives, ``jax.jit`` and
    ``jax.vmap`` go through ``f``. On a bounded array, ``f`` sees the first element's value in the
    padding slots (a value of its domain, so no NaN reaches a gradient; 1 where no element is in
    use) and the padding is zeroed again afterwards.

    >>> import numpy as np, raggrad as rg
    >>> rg.map_values(np.tanh, rg.array([[0.0, 1.0], [], [2.0]])).to_list()
    [[0.0, 0.7615941559557649], [], [0.9640275800758169]]
    """
    name = "rg.map_values"
    if not callable(f):
        msg = f"{name}: f must be a function of a backend array, got {type(f).__name__} {f!r}"
        raise TypeError(msg)
    x = single(x, name)
    content, backend, nb, s = x._content, x._backend, x._nbatch, x._structure
    if isinstance(content, RaggedArray):
        msg = f"{name}: a Jacobian's content (type {x.type!r}) is itself ragged"
        raise TypeError(msg)
    xp = backend.xp
    bounded = isinstance(s, BoundedStructure)
    if bounded:
        used = s.slot_mask(s.nlevels)
        first = content[(slice(None),) * nb + (slice(0, 1),)]  # in use unless no element is: then 1
        first = xp.where(_lead(xp, used[:1], nb, len(content.shape)), first, xp.ones_like(first))
        content = xp.where(_lead(xp, used, nb, len(content.shape)), content, first)
    out = f(content)
    if _backends.backend_of(out) is not backend:
        msg = f"{name}: f must return an array of the {backend.name} backend, got {type(out).__name__}"
        raise TypeError(msg)
    lead = tuple(content.shape[: nb + 1])
    if tuple(out.shape[: nb + 1]) != lead:
        msg = (
            f"{name}: f must act on each element and keep the element axis: the content of shape "
            f"{tuple(content.shape)} became {tuple(out.shape)}"
        )
        raise ValueError(msg)
    check_numeric(cast(_backends.Backend, backend).numpy_dtype(out.dtype), name)  # narrowed by `is not`
    if bounded:
        out = xp.where(_lead(xp, used, nb, len(out.shape)), out, xp.zeros_like(out))
    return RaggedArray._new(s.with_inner(tuple(out.shape[nb + 1 :])), out)


def _lead(xp: Any, used: Any, nb: int, ndim: int) -> Any:
    """``used`` (one flag per element slot) shaped to broadcast against content of ``ndim`` dims."""
    return xp.reshape(used, (1,) * nb + tuple(used.shape) + (1,) * (ndim - nb - 1))


# ---- to_regular, from_regular --------------------------------------------------------------------
def _uniform(x: RaggedArray, axis: Any, name: str) -> int:
    """The one length of the innermost lists (``ValueError`` naming the first list that differs)."""
    s, backend = x._structure, x._backend
    if isinstance(s, BoundedStructure):
        alternative = "Convert outside the transformation, or rg.trim the array first."
        check_concrete(backend, s.count, name, "the list structure of a bounded array", alternative)
        offsets = np.asarray(backend.to_numpy(s.levels[-1]), dtype=np.int64)
        lengths = np.diff(offsets[: int(backend.to_numpy(s.in_use(s.nlevels - 1))) + 1])
    else:
        lengths = s.levels[-1].lengths
    if lengths.size == 0:
        return 0
    differ = np.flatnonzero(lengths != lengths[0])
    if differ.size:
        i = int(differ[0])
        msg = (
            f"{name}: the lists at axis={axis} of {x.type!r} have different lengths: list {i} has "
            f"{int(lengths[i])} items, list 0 has {int(lengths[0])}; only lists of one length make a "
            "regular dimension (rg.to_padded pads them to one)"
        )
        raise ValueError(msg)
    return int(lengths[0])


def _innermost_regular(x: RaggedArray, axis: Any, name: str) -> RaggedArray:
    s, backend, nb = x._structure, x._backend, x._nbatch
    xp = backend.xp
    n = _uniform(x, x._nbatch + s.nlevels if axis is None else axis, name)
    inner = (n, *s.inner)
    if isinstance(s, BoundedStructure):
        rows = s.capacities[-2]
        index = xp.arange(rows * n, dtype=s.levels[-1].dtype)
        data = backend.take_fill(moved(x), index, 0)  # the lists in use are the first, contiguous
        data = xp.reshape(data, (rows, *inner))
        caps, ids = s.capacities[:-1], s.given_ids[:-1]
        structure: Any = BoundedStructure(s.count, s.levels[:-1], caps, inner, s.valid, ids)
        return RaggedArray._new(structure, back(backend, data, nb))
    content = xp.reshape(x._content, (*x._batch, s.levels[-1].n, *inner))
    return RaggedArray._new(Structure(s.length, s.levels[:-1], inner), content)


@register("to_regular", "structural", awkward="ak.to_regular")
def to_regular(x: Any, /, axis: Any = 1) -> RaggedArray:
    """The ragged dimension ``axis``, whose lists must all have one length, as a regular one.

    ``axis=None`` makes every ragged dimension regular. Lists of different lengths raise
    ``ValueError`` naming the first list that differs. raggrad holds regular dimensions inside the
    lists only, so only the innermost ragged dimension can become regular (make the inner ones
    regular first, or use ``axis=None``); a dimension that is already regular is left as it is.
    On a bounded array the list lengths must be concrete (not traced).

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> x.type, rg.to_regular(x).type
    ('3 * var * float64', '3 * 2 * float64')
    """
    name = "rg.to_regular"
    x = single(x, name)
    if axis is None:
        while x._structure.nlevels:
            x = _innermost_regular(x, None, name)
        return cast(RaggedArray, x)
    kind, k = classify_axis(x, axis, name)
    if kind != "level":
        return cast(RaggedArray, x)
    if k != x._structure.nlevels - 1:
        msg = (
            f"{name}: axis={axis} of {x.type!r} has ragged dimensions inside it, and raggrad holds "
            f"regular dimensions inside the lists only; make the inner ones regular first "
            f"(rg.to_regular(x, axis={x._structure.nlevels + x._nbatch}), or axis=None for all)"
        )
        raise NotImplementedError(msg)
    return _innermost_regular(x, axis, name)


def _ragged_level(x: RaggedArray) -> RaggedArray:
    """The first regular inner dimension of ``x`` as a ragged level of lists of equal length."""
    s, backend = x._structure, x._backend
    xp = backend.xp
    d, rest = s.inner[0], s.inner[1:]
    data = x._content
    if isinstance(s, BoundedStructure):
        items = s.capacities[-1]
        index = s.levels[-1].dtype if s.levels else s.count.dtype
        used = s.in_use(s.nlevels)
        offsets = xp.minimum(xp.arange(items + 1, dtype=index) * d, used * d)  # padding: empty lists
        structure: Any = BoundedStructure(
            s.count, (*s.levels, offsets), (*s.capacities, items * d), rest, s.valid, (*s.given_ids, None)
        )
    else:
        rows = None if s.masks is None or s.masks[-1] is None or s.masks[-1].all() else s.masks[-1]
        lengths = np.full(s.size, d, dtype=np.int64) if rows is None else np.where(rows, d, 0)
        offsets = np.concatenate([[0], np.cumsum(lengths)])  # a missing row: a missing list, empty
        masks = None if s.masks is None else (*s.masks, None)
        structure = Structure(s.length, (*s.levels, Segments(offsets)), rest, masks)
        if rows is not None:  # its content goes (a missing list holds no elements)
            kept = s.cached("present-rows", lambda: np.flatnonzero(rows))
            data = back(backend, backend.take(moved(x), kept, s, "present-rows"), x._nbatch)
    size = structure.capacities[-1] if isinstance(structure, BoundedStructure) else structure.size
    content = xp.reshape(data, (*x._batch, size, *rest))  # (no -1: rest may hold a 0)
    return RaggedArray._new(structure, content)


@register("from_regular", "structural", awkward="ak.from_regular", options=True)
def from_regular(x: Any, /, axis: Any = 1) -> RaggedArray:
    """The regular dimension ``axis`` as a ragged one (lists of equal length): ``n * 3`` becomes
    ``n * var``.

    raggrad holds regular dimensions inside the lists only, so the regular dimensions outside
    ``axis`` become ragged too; ``axis=None`` makes every one ragged. A ragged dimension (or the
    outer one) is left as it is.

    >>> import numpy as np, raggrad as rg
    >>> x = rg.from_regular(rg.array(np.zeros((2, 3))))
    >>> x.type, rg.num(x, axis=1).to_list()
    ('2 * var * float64', [3, 3])
    """
    name = "rg.from_regular"
    x = single(x, name)
    if axis is None:
        count = len(x._structure.inner)
    else:
        kind, k = classify_axis(x, axis, name)
        if kind == "batch":
            msg = f"{name}: axis={axis} is a batch dimension of {x.type!r}"
            raise NotImplementedError(msg)
        count = k + 1 if kind == "inner" else 0
    for _ in range(count):
        x = _ragged_level(x)
    return cast(RaggedArray, x)


# ---- ravel ---------------------------------------------------------------------------------------
@register("ravel", "structural", numpy=(np.ravel,), numpy_signature=True, awkward="ak.ravel")
def ravel(x: Any, /, order: str = "C") -> RaggedArray:
    """Every value in one flat array, as ``np.ravel`` (``rg.flatten(x, axis=None)``).

    >>> import raggrad as rg
    >>> rg.ravel(rg.array([[[1, 2], []], [[3]], []])).to_list()
    [1, 2, 3]
    """
    if order not in ("C", "K", "A"):
        msg = f"rg.ravel: order={order!r} is not supported; the values are in C (row-major) order"
        raise NotImplementedError(msg)
    return cast(RaggedArray, flatten(x, axis=None))
