"""The RaggedArray: a concrete :class:`Structure` plus one content buffer of a backend.

The content's leading axes are ``batch + (m,) + inner``: ``m`` innermost elements, the regular
inner dims of the structure, and optional *batch* dims in front (``jax.vmap``, Jacobians) that
share one structure.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from . import _backends
from ._structure import Structure

__all__ = ["RaggedArray"]

_REPR_WIDTH = 80


class RaggedArray(NDArrayOperatorsMixin):
    """A ragged (jagged) array: lists of variable length, nested, with optional regular inner dims.

    Create one with :func:`raggrad.array`, :func:`raggrad.from_offsets` or
    :func:`raggrad.from_lengths`; the constructor is private.

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]])
    >>> x
    <RaggedArray [[1.0, 2.0, 3.0], [], [4.0, 5.0]] type='3 * var * float64'>
    >>> x.shape, x.ndim, len(x)
    ((3, None), 2, 3)
    """

    __slots__ = ("__weakref__", "_content", "_structure")
    __array_priority__ = 1000

    _structure: Structure
    _content: Any

    def __new__(cls, *args: Any, **kwargs: Any) -> RaggedArray:
        msg = "RaggedArray() is private; create arrays with rg.array, rg.from_offsets or rg.from_lengths"
        raise TypeError(msg)

    @classmethod
    def _new(cls, structure: Structure, content: Any) -> RaggedArray:
        _backends.maybe_register_pytrees()
        obj = object.__new__(cls)
        obj._structure = structure
        obj._content = content
        return obj

    # ---- attributes ---------------------------------------------------------------------
    @property
    def _backend(self) -> _backends.Backend:
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
    def _nbatch(self) -> int:
        return len(self._content.shape) - 1 - len(self._structure.inner)

    @property
    def _batch(self) -> tuple[int, ...]:
        return tuple(self._content.shape[: self._nbatch])

    @property
    def ndim(self) -> int:
        return self._nbatch + self._structure.ndim

    @property
    def shape(self) -> tuple[int | None, ...]:
        """Shape with ``None`` for ragged dimensions, e.g. ``(3, None)``."""
        return (*self._batch, *self._structure.shape)

    @property
    def type(self) -> str:
        """Awkward's type string, e.g. ``"3 * var * float64"``."""
        return self._structure.type_str(_dtype_of(self._content), self._batch)

    @property
    def values(self) -> Any:
        """The flat content as a backend array (no copy)."""
        return self._content

    # ---- torch.autograd ------------------------------------------------------------------
    def _torch_only(self, what: str) -> None:
        if self.backend != "torch":
            msg = (
                f"x.{what} needs content on the torch backend, not {self.backend!r}; convert with "
                "x.to_backend('torch') (on jax, differentiate with jax.grad instead)"
            )
            raise TypeError(msg)

    def requires_grad_(self, requires_grad: bool = True) -> RaggedArray:
        """Make torch autograd record operations on the content (in place); returns ``x``."""
        self._torch_only("requires_grad_()")
        self._content.requires_grad_(requires_grad)
        return self

    @property
    def grad(self) -> RaggedArray | None:
        """The gradient that ``backward()`` accumulated into the content, as a RaggedArray (or None)."""
        self._torch_only("grad")
        g = self._content.grad
        return None if g is None else RaggedArray._new(self._structure, g)

    def __len__(self) -> int:
        return self.shape[0]  # type: ignore[return-value]

    # ---- conversion ---------------------------------------------------------------------
    def to_list(self) -> list[Any]:
        """Nested Python lists (one row per batch element for batched content)."""
        from ._construction import to_list

        return to_list(self)

    def to_backend(self, name: str, *, device: Any = None) -> RaggedArray:
        """The same array on another backend (or device); see :func:`raggrad.to_backend`."""
        from ._construction import to_backend

        return to_backend(self, name, device=device)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        from ._construction import to_numpy

        out = to_numpy(self)
        if dtype is not None:
            out = out.astype(dtype, copy=False)
        return out

    def __array_namespace__(self, *, api_version: str | None = None) -> Any:
        import raggrad

        if api_version not in (None, "2023.12", "2024.12"):
            msg = f"raggrad implements array API 2024.12, not {api_version!r}"
            raise ValueError(msg)
        return raggrad

    # ---- NumPy protocols and indexing (implemented in their own modules) ----------------
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        from ._connect.numpy import array_ufunc

        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        from ._connect.numpy import array_function

        return array_function(func, types, args, kwargs)

    def __getitem__(self, where: Any) -> Any:
        from ._ops.indexing import getitem

        return getitem(self, where)

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        msg = (
            f"the truth value of a RaggedArray of type {self.type!r} is ambiguous; use rg.any(x) or rg.all(x)"
        )
        raise ValueError(msg)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        from ._construction import _slice_outer, to_list

        if not _is_concrete(self):
            return f"<RaggedArray ?? type={self.type!r}>"
        # convert only the outer items that can show: each takes at least two characters
        head = self
        if not self._nbatch and len(self) > _REPR_WIDTH:
            head = _slice_outer(self, 0, _REPR_WIDTH)
        return f"<RaggedArray {_limited_repr(to_list(head), _REPR_WIDTH)} type={self.type!r}>"

    __str__ = __repr__


def _dtype_of(content: Any) -> Any:
    dtype = content.dtype
    try:
        return np.dtype(dtype)
    except TypeError:  # torch dtypes and other non-NumPy dtypes
        return np.dtype(str(dtype).removeprefix("torch."))


def _is_concrete(x: RaggedArray) -> bool:
    try:
        return x._backend.is_concrete(x._content)
    except TypeError:
        return False


def _limited_repr(obj: Any, width: int) -> str:
    """Awkward-style repr cut to about ``width`` characters: ``[[1, 2, ...], [3], ...]``."""
    out: list[str] = []
    budget = [width]

    def emit(s: str) -> bool:
        if budget[0] - len(s) < 0:
            return False
        out.append(s)
        budget[0] -= len(s)
        return True

    def walk(o: Any) -> bool:
        """Write ``o``; on running out of room, close every list opened and return False."""
        if not isinstance(o, list):
            return emit(repr(o))
        if not emit("["):
            return False
        for i, item in enumerate(o):
            if (i and not emit(", ")) or not walk(item):
                if out[-1].endswith(("[", ", ")):
                    out.append("...]")
                else:  # the item was cut short and closed
                    out.append(", ...]" if i + 1 < len(o) else "]")
                return False
        return emit("]")

    walk(obj)
    return "".join(out)
