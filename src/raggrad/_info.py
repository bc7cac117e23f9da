"""``rg.__array_namespace_info__()``: the array API's inspection object for the raggrad namespace.

Its defaults are those of the namespace's own arrays, which live on the NumPy backend (on the
host, device ``"cpu"``); an array moved to jax or torch reports that library's device.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtypes
from ._ops.creation import isdtype

__all__ = ["Info"]

_DTYPES = (
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float32 float64 complex64 complex128".split()  # noqa: SIM905
)


class Info:
    """What the namespace supports, its devices and its dtypes (the array API's inspection API).

    >>> import raggrad as rg
    >>> info = rg.__array_namespace_info__()
    >>> info.default_device(), info.default_dtypes()["real floating"], sorted(info.dtypes(kind="bool"))
    ('cpu', dtype('float64'), ['bool'])
    """

    __module__ = "raggrad"

    def capabilities(self) -> dict[str, Any]:
        # masks and value-dependent selections work (eagerly; under jit on bounded arrays)
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": 64}

    def default_device(self) -> str:
        return "cpu"

    def devices(self) -> list[str]:
        return ["cpu"]

    def default_dtypes(self, *, device: Any = None) -> dict[str, Any]:
        self._check(device)
        return {
            "real floating": np.dtype(np.float64),
            "complex floating": np.dtype(np.complex128),
            "integral": np.dtype(np.int64),
            "indexing": np.dtype(np.int64),
        }

    def dtypes(self, *, device: Any = None, kind: Any = None) -> dict[str, Any]:
        self._check(device)
        every = {name: np.dtype(getattr(_dtypes, name)) for name in _DTYPES}
        return every if kind is None else {n: d for n, d in every.items() if isdtype(d, kind)}

    def _check(self, device: Any) -> None:
        if device not in (None, "cpu"):
            msg = f"__array_namespace_info__: the namespace's arrays live on 'cpu', not {device!r}"
            raise ValueError(msg)


def __array_namespace_info__() -> Info:
    """The array API's inspection object (capabilities, devices, dtypes) of the namespace."""
    return Info()
