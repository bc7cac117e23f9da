"""Backends: an array namespace (through array-api-compat) plus a few structure kernels.

Only this package imports jax or torch. Backends are looked up by name, or by the type of an
array without importing optional libraries (``sys.modules`` first, as array-api-compat does).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from ._base import Backend as Backend

__all__ = ["Backend", "backend_of", "get_backend", "maybe_register_pytrees", "names"]

_MODULES = {"numpy": "._numpy", "jax": "._jax", "torch": "._torch"}
_loaded: dict[str, Backend] = {}
_by_type: dict[type, Backend] = {}


def names() -> tuple[str, ...]:
    return tuple(_MODULES)


def get_backend(name: str | Backend) -> Backend:
    """The backend called ``name`` (``"numpy"``, ``"jax"``, ``"torch"``)."""
    if isinstance(name, Backend):
        return name
    try:
        return _loaded[name]
    except KeyError:
        pass
    if name not in _MODULES:
        msg = f"unknown backend {name!r}; choose one of {', '.join(map(repr, _MODULES))}"
        raise ValueError(msg)
    try:
        module = importlib.import_module(_MODULES[name], __name__)
    except ImportError as exc:
        msg = f"backend {name!r} needs the {name} package: pip install 'raggrad[{name}]'"
        raise ImportError(msg) from exc
    backend = _loaded[name] = module.BACKEND
    return backend


def backend_of(array: Any) -> Backend | None:
    """The backend that owns ``array``'s type, or None (Python scalars, lists, foreign types)."""
    tp = type(array)
    try:
        return _by_type[tp]
    except KeyError:
        pass
    for name, module in (("numpy", "numpy"), ("jax", "jax"), ("torch", "torch")):
        if module in sys.modules:
            backend = get_backend(name)
            if backend.owns(array):
                _by_type[tp] = backend
                return backend
    return None


def maybe_register_pytrees() -> None:
    """Register RaggedArray as a JAX pytree if jax has been imported (idempotent, cheap)."""
    if "jax" in sys.modules and "jax" not in _loaded:
        get_backend("jax")
