"""The RaggedArray: a concrete :class:`Structure` plus one content buffer of a backend.

The content's leading axes are ``batch + (m,) + inner``: ``m`` innermost elements, the regular
inner dims of the structure, and optional *batch* dims in front (``jax.vmap``, Jacobians) that
share one structure.

This module sits below the op modules: Python operators and the NumPy protocols (NEP-13
``__array_ufunc__``, NEP-18 ``__array_function__``) find their implementations in the op
registry, and ``x[...]`` calls the indexing op the registry provides, so nothing here imports an
op module.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from . import _backends
from ._bounded import BoundedAux, BoundedStructure
from ._convert import content_to, dtype_of, limited_repr, masked_parts, nested_lists, parse_lists, slice_outer
from ._dtypes import check_numeric
from ._errors import OptionTypeError, check_concrete
from ._registry import convert, numpy_functions, provided, ufuncs
from ._structure import Structure

__all__ = ["RaggedArray", "as_ragged", "bounded_structure", "exact_structure", "wrap"]

_REPR_WIDTH = 80

#: operand types NumPy's own rules handle; any other type that overrides ``__array_ufunc__``
#: (awkward Arrays, record arrays, pint quantities) gets the chance to handle the operation itself
_SIMPLE = (np.ndarray, np.generic, int, float, complex, bool)


def _foreign(values: Any) -> bool:
    for v in values:
        if isinstance(v, (RaggedArray, *_SIMPLE)):
            continue
        handler = getattr(type(v), "__array_ufunc__", np.ndarray.__array_ufunc__)
        if handler is not np.ndarray.__array_ufunc__:
            return True
    return False


def _ufunc_impl(ufunc: np.ufunc) -> Callable[..., Any]:
    """The registered implementation of ``ufunc`` with NumPy's semantics."""
    op = ufuncs().get(ufunc)
    if op is None:
        msg = (
            f"np.{ufunc.__name__} is not supported on RaggedArrays "
            "(the op table in docs/ops.md lists those that are)"
        )
        raise TypeError(msg)
    return op.numpy_impl or op.func


def _binary(ufunc: np.ufunc) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``x <op> y`` and its reflection, straight to the registered implementation (no NumPy in
    between, so tracers such as torch.compile's see plain Python calls)."""

    def forward(self: RaggedArray, other: Any) -> Any:
        if _foreign((other,)):
            return NotImplemented
        return _ufunc_impl(ufunc)(self, other)

    def reflected(self: RaggedArray, other: Any) -> Any:
        if _foreign((other,)):
            return NotImplemented
        return _ufunc_impl(ufunc)(other, self)

    forward.__name__ = reflected.__name__ = ufunc.__name__
    return forward, reflected


def _unary(ufunc: np.ufunc) -> Callable[..., Any]:
    def op(self: RaggedArray) -> Any:
        return _ufunc_impl(ufunc)(self)

    op.__name__ = ufunc.__name__
    return op


class RaggedArray:
    """A ragged (jagged) array: lists of variable length, nested, with optional regular inner dims.

    Create one with :func:`raggrad.array`, :func:`raggrad.from_offsets` or
    :func:`raggrad.from_lengths`; the constructor is private. Arrays are immutable: ``x += 1``
    makes a new array and rebinds ``x``, as for JAX arrays.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]])
    >>> x
    <RaggedArray [[1.0, 2.0, 3.0], [], [4.0, 5.0]] type='3 * var * float64'>
    >>> x.shape, x.ndim, len(x)
    ((3, None), 2, 3)
    """

    __slots__ = ("__weakref__", "_content", "_structure")
    __array_priority__ = 1000

    _structure: Structure | BoundedStructure
    _content: Any

    def __new__(cls, *args: Any, **kwargs: Any) -> RaggedArray:
        msg = "RaggedArray() is private; create arrays with rg.array, rg.from_offsets or rg.from_lengths"
        raise TypeError(msg)

    @classmethod
    def _new(cls, structure: Structure | BoundedStructure, content: Any) -> RaggedArray:
        obj = object.__new__(cls)
        obj._structure = structure
        obj._content = content
        return obj

    # ---- pickle and copy: the structure's offsets and the content, never the caches ------
    def __reduce__(self) -> tuple[Any, ...]:
        return RaggedArray._new, (self._structure, _backends.picklable(self._content))

    def __copy__(self) -> RaggedArray:
        return RaggedArray._new(self._structure, self._content)

    def __deepcopy__(self, memo: dict[int, Any]) -> RaggedArray:
        content = _backends.deepcopied(self._content, memo)
        return RaggedArray._new(copy.deepcopy(self._structure, memo), content)

    # ---- pytree: an exact structure is auxiliary data and the content the only leaf; a bounded
    # structure's count, offsets and flag are leaves too, and only its capacities are static
    def _tree_flatten(self) -> tuple[tuple[Any, ...], Any]:
        s = self._structure
        if isinstance(s, BoundedStructure):
            return (self._content, *s.leaves), s.aux
        return (self._content,), s

    def _tree_flatten_with_keys(self) -> tuple[tuple[Any, ...], Any]:
        leaves, aux = self._tree_flatten()
        keys = ("<content>", *map(_backends.structure_key, range(len(leaves) - 1)))
        return tuple(zip(keys, leaves, strict=True)), aux

    @classmethod
    def _tree_unflatten(cls, aux: Any, leaves: Any) -> RaggedArray:
        # never validate: JAX passes placeholders (object(), None, tracers) through unflatten
        if isinstance(aux, BoundedAux):
            return cls._new(BoundedStructure.from_leaves(aux, leaves[1:]), leaves[0])
        return cls._new(aux, leaves[0])

    # ---- attributes ---------------------------------------------------------------------
    @property
    def _backend(self) -> _backends.Backend:
        if isinstance(self._content, RaggedArray):  # a Jacobian's: see _host_values
            return self._content._backend
        backend = _backends.backend_of(self._content)
        if backend is None:
            msg = f"RaggedArray content of type {type(self._content).__name__} has no backend"
            raise TypeError(msg)
        return backend

    @property
    def backend(self) -> str:
        """Name of the backend that holds the content: ``"numpy"``, ``"jax"`` or ``"torch"``."""
        return self._backend.name

    @property
    def device(self) -> Any:
        """Device of the content (``"cpu"`` for numpy; a ``jax.Device`` for jax)."""
        return self._backend.device_of(self._content)

    @property
    def dtype(self) -> Any:
        return self._content.dtype

    @property
    def _leading(self) -> tuple[int, ...]:
        """The content's axes that this array's structure and batch describe: its whole shape, or
        for a Jacobian's nested content (see :meth:`_host_values`) the inner array's batch."""
        c = self._content
        return tuple(c._batch if isinstance(c, RaggedArray) else c.shape)

    @property
    def _nbatch(self) -> int:
        lead, s = self._leading, self._structure
        n = len(lead) - 1 - len(s.inner)
        if isinstance(s, Structure) and (
            n < 0 or (lead[n] != s.size and not isinstance(self._content, RaggedArray))
        ):
            # a content laid out otherwise (jax.vmap with out_axes=1, a Jacobian of a plain array
            # into a ragged one, a tree_map that slices the leaf): checked on use, not in
            # unflatten, which JAX also calls with intermediate leaves
            msg = (
                f"a RaggedArray of {s.size} elements (inner dims {tuple(s.inner)}) cannot hold a "
                f"content of shape {lead}: its axis -{len(s.inner) + 1} must be the elements, extra "
                "axes batch dims in front. jax.vmap maps ragged arrays along in_axes=0 and out_axes=0 "
                "of their content, and a Jacobian of a plain array into a ragged one has no ragged "
                "layout (take it of f(x).values)"
            )
            raise ValueError(msg)
        return n

    @property
    def _batch(self) -> tuple[int, ...]:
        return self._leading[: self._nbatch]

    @property
    def ndim(self) -> int:
        inner = self._content._structure.ndim if isinstance(self._content, RaggedArray) else 0
        return self._nbatch + self._structure.ndim + inner

    @property
    def shape(self) -> tuple[int | None, ...]:
        """Shape with ``None`` for ragged dimensions, e.g. ``(3, None)``."""
        inner = self._content._structure.shape if isinstance(self._content, RaggedArray) else ()
        return (*self._batch, *self._structure.shape, *inner)

    @property
    def type(self) -> str:
        """Awkward's type string, e.g. ``"3 * var * float64"``."""
        c = self._content
        if isinstance(c, RaggedArray):  # "3 * var * 3 * var * float64": per element, the inner lists
            return " * ".join(
                [*self._structure.type_str(None, self._batch).split(" * ")[:-1], c._element_type()]
            )
        return self._structure.type_str(dtype_of(c), self._batch)

    def _element_type(self) -> str:
        return self._structure.type_str(dtype_of(self._content))

    @property
    def values(self) -> Any:
        """The flat content as a backend array (no copy)."""
        return self._content

    def __len__(self) -> int:
        s = self._structure
        if self._nbatch == 0 and isinstance(s, BoundedStructure) and not s.stacked:
            return s.concrete_count("len(x)")
        return cast(int, self.shape[0])  # the outer length: always known

    def _members(self) -> list[RaggedArray]:
        """The members of a stack of bounded arrays (``rg.stack``)."""
        s = self._structure
        assert isinstance(s, BoundedStructure)  # only a stack of bounded arrays has members
        return [RaggedArray._new(s.member(i), self._content[i]) for i in range(self._content.shape[0])]

    def _trimmed(self, name: str = "rg.trim") -> RaggedArray:
        """The exact array of a bounded one (the items in use); an exact array itself."""
        s = self._structure
        if not isinstance(s, BoundedStructure):
            return self
        exact, used = s.trim(name)
        content = self._content[(slice(None),) * self._nbatch + (slice(0, int(used)),)]
        return RaggedArray._new(exact, content)

    # ---- torch.autograd: the content's own autograd state --------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> RaggedArray:
        """Make the backend record operations on the content for ``backward()`` (torch: in place,
        as ``Tensor.requires_grad_``); returns ``x``. On jax, differentiate with ``jax.grad``."""
        self._backend.requires_grad_(self._content, requires_grad)
        return self

    @property
    def grad(self) -> RaggedArray | None:
        """The gradient ``backward()`` accumulated into the content (torch), as a RaggedArray."""
        g = self._backend.grad_of(self._content)
        return None if g is None else RaggedArray._new(self._structure, g)

    # ---- conversion ---------------------------------------------------------------------
    def to_list(self) -> list[Any]:
        """Nested Python lists (one row per batch element for batched content)."""
        if isinstance(self._structure, BoundedStructure) and self._structure.stacked:
            return [member.to_list() for member in self._members()]
        x = self._trimmed("x.to_list()")
        s = x._structure
        assert isinstance(s, Structure)  # trimmed: exact
        check_concrete(
            x._backend, x._content, "x.to_list()", "the content", reason="Python lists hold its numbers",
            alternative="Return the array from the traced function and call to_list() outside.",
        )  # fmt: skip
        return cast(list[Any], nested_lists(s, x._host_values(x._content), x._batch))

    @staticmethod
    def _host_values(content: Any) -> np.ndarray:
        """Content on the host, for lists and repr.

        The Jacobian of a function from a RaggedArray to a RaggedArray (``jax.jacfwd``) has a
        RaggedArray as content: for every output element, the derivatives with the input's lists
        (an inner array batched over the output's elements). Each element then shows as those lists.
        """
        if not isinstance(content, RaggedArray):
            return cast(_backends.Backend, _backends.backend_of(content)).to_numpy(content)
        rows = np.empty(content._batch, dtype=object)
        flat = rows.reshape(-1)
        lists = content.to_list()
        for i, index in enumerate(np.ndindex(*content._batch)):
            item = lists
            for j in index:
                item = item[j]
            flat[i] = item
        return rows

    def to_backend(self, name: str | None, *, device: Any = None, dtype: Any = None) -> RaggedArray:
        """The same array on another backend (or device); see :func:`raggrad.to_backend`."""
        if dtype is not None:  # a NumPy dtype for any backend's (torch.float64 too)
            dtype = _backends.parse_dtype(dtype, "to_backend")
        c, s = self._content, self._structure
        if isinstance(s, BoundedStructure) and dtype is None and self._backend.is_host and name:
            # a batch built on the host: the content and the structure's arrays in one transfer
            s, content = s.to_backend(name, device, c)
            return RaggedArray._new(s, c if content is None else content)
        if isinstance(c, RaggedArray):
            content = c.to_backend(name, device=device, dtype=dtype)
        else:
            content = content_to(c, dtype, name, device)
        if isinstance(s, BoundedStructure):  # its offsets, count and flag go along
            s, _ = s.to_backend(name or self.backend, device)
        return RaggedArray._new(s, content)

    def _to_numpy(self, name: str) -> np.ndarray:
        if isinstance(self._structure, BoundedStructure):
            return self._trimmed(name)._to_numpy(name)
        if self._structure.nlevels:
            msg = (
                f"{name}: an array of type {self.type!r} has ragged dimensions; use rg.flatten(x) "
                "or x.values for the flat values, rg.to_padded(x) for a dense array and mask, or "
                "x.to_list()"
            )
            raise ValueError(msg)
        masks = self._structure.masks  # the content holds zeros where values are missing
        if masks is not None and any(m is not None and not m.all() for m in masks):
            msg = (
                f"{name}: an array of type {self.type!r} has missing values (None), which a NumPy "
                "array cannot hold; replace them with rg.fill_none(x, value), remove them with "
                "rg.drop_none(x), or use x.to_list()"
            )
            raise OptionTypeError(msg)
        return self._backend.to_numpy(self._content)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(x)`` is a read-only view of the content (the array is immutable, as
        ``np.asarray`` of a JAX array is read-only); ``np.array(x)`` (``copy=True``) a copy."""
        out = self._to_numpy("np.asarray (or jnp.asarray, which calls it)")
        if dtype is not None and out.dtype != np.dtype(dtype):
            if copy is False:
                msg = f"np.asarray(x, dtype={dtype!r}, copy=False): x holds {out.dtype}; a cast copies"
                raise ValueError(msg)
            return out.astype(dtype)
        if copy:
            return out.copy()
        out = out.view()
        out.flags.writeable = False
        return out

    @property
    def __jax_array__(self) -> Callable[[], Any]:
        """JAX's protocol: ``jnp.asarray(x)``, ``jax.nn`` and optax take an array without ragged
        dimensions as its content (``rg.to_dense``), under ``jax.jit`` too. For an array with ragged
        dimensions the attribute raises a ``TypeError`` that is also an ``AttributeError``, so JAX's
        operators (``w * x``) find none and leave ``x`` to raggrad's."""
        return cast(Callable[[], Any], provided("jax_array")(self))

    def __array_namespace__(self, *, api_version: str | None = None) -> Any:
        if api_version not in (None, "2023.12", "2024.12"):
            msg = f"raggrad implements array API 2024.12, not {api_version!r}"
            raise ValueError(msg)
        return sys.modules[__package__]  # the package: an array exists only once it is imported

    # ---- NumPy protocols ----------------------------------------------------------------
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NEP-13: decline ``out=`` and methods other than ``__call__``, then the registry."""
        if method != "__call__":
            msg = (
                f"np.{ufunc.__name__}.{method} is not supported on RaggedArrays; use the raggrad "
                "reducers (rg.sum, rg.prod, rg.max, rg.cumulative_sum, ...) with axis="
            )
            raise NotImplementedError(msg)
        if kwargs:
            _check_ufunc_kwargs(ufunc.__name__, kwargs)
        if _foreign(inputs):
            return NotImplemented
        return _ufunc_impl(ufunc)(*inputs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """NEP-18: registered functions only; anything else makes NumPy raise ``TypeError``."""
        impl = numpy_functions().get(func)
        if impl is None:
            return NotImplemented
        for t in types:
            if not issubclass(t, (RaggedArray, np.ndarray)):
                return NotImplemented
        return impl(*args, **kwargs)

    def __awkward_function__(self, func: Any, array_likes: Any, args: Any, kwargs: Any) -> Any:
        """awkward's protocol: ``ak.Array(x)`` and ``ak.*`` functions read :func:`raggrad.to_awkward`'s
        layout (no loop over elements); inside ``jax.jit``/``grad`` they raise ``TypeError``."""
        return provided("awkward_function")(func, args, kwargs)

    # ---- Python operators ---------------------------------------------------------------
    __add__, __radd__ = _binary(np.add)
    __sub__, __rsub__ = _binary(np.subtract)
    __mul__, __rmul__ = _binary(np.multiply)
    __matmul__, __rmatmul__ = _binary(np.matmul)
    __truediv__, __rtruediv__ = _binary(np.true_divide)
    __floordiv__, __rfloordiv__ = _binary(np.floor_divide)
    __mod__, __rmod__ = _binary(np.remainder)
    __divmod__, __rdivmod__ = _binary(np.divmod)
    __pow__, __rpow__ = _binary(np.power)
    __lshift__, __rlshift__ = _binary(np.left_shift)
    __rshift__, __rrshift__ = _binary(np.right_shift)
    __and__, __rand__ = _binary(np.bitwise_and)
    __xor__, __rxor__ = _binary(np.bitwise_xor)
    __or__, __ror__ = _binary(np.bitwise_or)
    __lt__, __gt__ = _binary(np.less)[0], _binary(np.greater)[0]
    __le__, __ge__ = _binary(np.less_equal)[0], _binary(np.greater_equal)[0]
    __eq__, __ne__ = _binary(np.equal)[0], _binary(np.not_equal)[0]
    __neg__ = _unary(np.negative)
    __pos__ = _unary(np.positive)
    __abs__ = _unary(np.absolute)
    __invert__ = _unary(np.invert)

    # ---- indexing and the rest ----------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        return provided("getitem")(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        """In-place assignment, as NumPy has it, for arrays without ragged dimensions on backends
        whose arrays are mutable (numpy, torch); ragged arrays are immutable, as JAX arrays are."""
        s = self._structure
        if isinstance(s, BoundedStructure) or s.nlevels or isinstance(self._content, RaggedArray):
            msg = (
                f"an array of type {self.type!r} is immutable (its lists are structure); build a new "
                "one: rg.where(mask, value, x), or x + ... (x = ... rebinds the name)"
            )
            raise TypeError(msg)
        if isinstance(key, RaggedArray):
            key = key._content
        if isinstance(value, RaggedArray):
            value = value._content
        self._backend.setitem(self._content, key, value)

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        msg = (
            f"the truth value of a RaggedArray of type {self.type!r} is ambiguous; use rg.any(x) or rg.all(x)"
        )
        raise ValueError(msg)

    __hash__ = None  # type: ignore[assignment]  # unhashable (Python's data model); typeshed: a method

    def __repr__(self) -> str:
        if not _is_concrete(self) or (
            isinstance(self._structure, BoundedStructure) and not self._structure.is_concrete()
        ):
            return f"<RaggedArray ?? type={self.type!r}>"
        if isinstance(self._structure, BoundedStructure):
            if self._structure.stacked:
                return f"<RaggedArray {limited_repr(self.to_list(), _REPR_WIDTH)} type={self.type!r}>"
            return repr(self._trimmed("repr(x)"))
        # convert only the outer items that can show: each takes at least two characters
        structure, content = self._structure, self._content
        if not self._nbatch and len(self) > _REPR_WIDTH and not isinstance(content, RaggedArray):
            structure, content = slice_outer(structure, content, 0, 0, _REPR_WIDTH)
        lists = nested_lists(structure, self._host_values(content), self._batch)
        return f"<RaggedArray {limited_repr(lists, _REPR_WIDTH)} type={self.type!r}>"

    __str__ = __repr__


_backends.register_pytree(
    RaggedArray, RaggedArray._tree_flatten, RaggedArray._tree_unflatten, RaggedArray._tree_flatten_with_keys
)


def _check_ufunc_kwargs(name: str, kwargs: dict[str, Any]) -> None:
    out = kwargs.pop("out", None)
    if out is not None and any(o is not None for o in (out if isinstance(out, tuple) else (out,))):
        msg = (
            f"np.{name}: out= is not supported: RaggedArrays are immutable; use the result "
            "(write x = x + 1, not x += 1 with out=)"
        )
        raise NotImplementedError(msg)
    if kwargs:
        msg = f"np.{name}: keyword arguments {sorted(kwargs)} are not supported on RaggedArrays"
        raise NotImplementedError(msg)


def _is_concrete(x: RaggedArray) -> bool:
    try:
        return x._backend.is_concrete(x._content)
    except TypeError:
        return False


# ---- results and arguments ------------------------------------------------------------------
def wrap(structure: Structure | BoundedStructure | None, content: Any, nbatch: int = 0) -> Any:
    """A result: a RaggedArray over ``content`` (inner dims read off it), or 0-d content itself."""
    shape = tuple(content.shape)
    if len(shape) == 0 or structure is None:
        if len(shape) == 0:
            return content
        structure, nbatch = Structure(shape[0], (), ()), 0
    inner = shape[nbatch + 1 :]
    return RaggedArray._new(structure.with_inner(inner), content)


def exact_structure(x: RaggedArray) -> Structure:
    """The structure of ``x``, which the caller knows to be exact (not bounded)."""
    s = x._structure
    assert isinstance(s, Structure)
    return s


def bounded_structure(x: RaggedArray) -> BoundedStructure:
    """The structure of ``x``, which the caller knows to be bounded."""
    s = x._structure
    assert isinstance(s, BoundedStructure)
    return s


def as_ragged(obj: Any, name: str, *, allow_scalar: bool = False, options: bool = False) -> Any:
    """An op's array argument as a RaggedArray: the one place arguments are normalised.

    RaggedArrays pass through untouched. Backend arrays and Python/NumPy scalars become arrays
    without ragged dimensions (0-d ones stay 0-d backend arrays when ``allow_scalar``), nested
    lists are parsed, and foreign arrays (awkward) go through their registered converter. Lists or
    awkward Arrays with missing values (``None``) are refused unless the op takes them
    (``options=True``; the registry refuses RaggedArrays with missing values the same way).
    """
    if isinstance(obj, RaggedArray):
        return obj
    if isinstance(obj, np.ma.MaskedArray):  # masked entries are missing values, as in rg.array
        obj = masked_parts(obj, name)
        if isinstance(obj, tuple):
            return _no_options(RaggedArray._new(*obj), name, options)
    converted = convert(obj)
    if converted is not None:
        return converted if options else _no_options(converted, name)
    backend = _backends.backend_of(obj)
    if backend is None:
        if isinstance(obj, (list, tuple)):
            structure, content = parse_lists(obj, None, name)
            return _no_options(RaggedArray._new(structure, content), name, options)
        if not isinstance(obj, (bool, int, float, complex, np.generic)):
            msg = f"{name}: expected an array, not {type(obj).__name__} {obj!r}"
            raise TypeError(msg)
        backend, obj = _backends.get_backend("numpy"), np.asarray(obj)
    check_numeric(backend.numpy_dtype(obj.dtype), name)  # str, object, torch.bfloat16: by name
    shape = tuple(obj.shape)
    if not shape:
        if allow_scalar:
            return obj
        msg = f"{name}: expected an array with at least one dimension, got a 0-d array"
        raise ValueError(msg)
    return RaggedArray._new(Structure(shape[0], (), shape[1:]), obj)


def _no_options(x: Any, name: str, options: bool = False) -> Any:
    """``x``, unless it has missing values and the op ``name`` does not take them."""
    if options or getattr(getattr(x, "_structure", None), "masks", None) is None:
        return x
    msg = (
        f"{name} does not take arrays with missing values (None); replace them with "
        "rg.fill_none(x, value) or remove them with rg.drop_none(x) first"
    )
    raise OptionTypeError(msg)
