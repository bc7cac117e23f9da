"""Backends: an array namespace (through array-api-compat) plus a few structure kernels.

Only this package imports jax or torch. Backends are looked up by name, or by the type of an
array without importing optional libraries (``sys.modules`` first, as array-api-compat does).

The array core registers its classes' pytree functions here (:func:`register_pytree`); the jax
backend hands them to ``jax.tree_util`` as soon as jax is imported, whether that happens before
or after raggrad is imported, so an array made before ``import jax`` is a pytree too.
"""

from __future__ import annotations

import copy
import importlib
import importlib.abc
import sys
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from .._dtypes import check_numeric
from ._base import Backend as Backend

__all__ = [
    "Backend",
    "backend_of",
    "backend_of_device",
    "deepcopied",
    "get_backend",
    "is_structure_key",
    "loaded",
    "names",
    "parse_dtype",
    "picklable",
    "pytree_classes",
    "register_pytree",
    "structure_key",
]

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
    except (KeyError, TypeError):
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
    return cast(Backend, backend)


def loaded() -> tuple[Backend, ...]:
    """The backends whose library has been imported (without importing any)."""
    # a library set to None in sys.modules is one that must not be imported
    return tuple(get_backend(name) for name in _MODULES if sys.modules.get(name) is not None)


def backend_of(array: Any) -> Backend | None:
    """The backend that owns ``array``'s type, or None (Python scalars, lists, foreign types)."""
    tp = type(array)
    try:
        return _by_type[tp]
    except KeyError:
        pass
    for backend in loaded():
        if backend.owns(array):
            _by_type[tp] = backend
            return backend
    return None


def picklable(array: Any) -> Any:
    """``array``, or an object that pickles to it where its library's pickle cannot load it."""
    backend = backend_of(array)
    return array if backend is None else backend.picklable(array)


def deepcopied(array: Any, memo: dict[int, Any]) -> Any:
    """``copy.deepcopy(array, memo)``, refused by name where the library cannot copy ``array``."""
    backend = backend_of(array)
    return copy.deepcopy(array, memo) if backend is None else backend.deepcopy(array, memo)


def backend_of_device(device: Any) -> Backend | None:
    """The backend whose library made ``device`` (a device object), or None."""
    for backend in loaded():
        if backend.owns_device(device):
            return backend
    return None


def parse_dtype(spec: Any, name: str) -> np.dtype:
    """The NumPy dtype of ``spec``: a NumPy dtype, type or name, or a dtype of a loaded backend.

    Anything that is not a numeric or boolean dtype raises ``TypeError`` naming it.
    """
    if isinstance(spec, str):  # a NumPy string (np.str_) is a name too, not a string scalar
        spec = str(spec)
    try:
        dtype = np.dtype(spec)
    except TypeError:
        own = ""  # the reason of the backend whose library made ``spec`` (torch.bfloat16)
        for backend in loaded():
            try:
                dtype = backend.numpy_dtype(spec)
                break
            except TypeError as exc:
                if type(spec).__module__.partition(".")[0] == backend.name:
                    own = str(exc)
        else:
            msg = f"{name}: {own or f'{spec!r} is not a dtype raggrad knows'}"
            raise TypeError(msg) from None
    check_numeric(dtype, name)
    return cast(np.dtype, dtype)


# ---- pytrees ---------------------------------------------------------------------------------
_PYTREES: list[tuple[type, Callable[..., Any], Callable[..., Any], Callable[..., Any] | None]] = []
_on_register: list[Callable[[type, Callable[..., Any], Callable[..., Any], Any], None]] = []


def structure_key(i: int) -> str:
    """The key of a pytree class's ``i``-th structure leaf (a bounded array's offsets, count or
    flag) in ``flatten_with_keys``: transformations hold such leaves fixed and give them back."""
    return f"<structure {i}>"


def is_structure_key(key: Any) -> bool:
    return isinstance(key, str) and key.startswith("<structure ")


def register_pytree(
    cls: type,
    flatten: Callable[[Any], tuple[Any, Any]],
    unflatten: Callable[[Any, Any], Any],
    flatten_with_keys: Callable[[Any], tuple[Any, Any]] | None = None,
) -> None:
    """Declare ``cls`` a pytree; the functions follow ``jax.tree_util``'s conventions, except that
    ``flatten_with_keys`` pairs each leaf with a field name (a dict key in jax's paths)."""
    entry = (cls, flatten, unflatten, flatten_with_keys)
    _PYTREES.append(entry)
    for hook in _on_register:
        hook(*entry)


def pytree_classes(hook: Callable[..., None]) -> None:
    """Call ``hook`` for every class declared so far and for every one declared later."""
    _on_register.append(hook)
    for entry in _PYTREES:
        hook(*entry)


class _AfterJaxImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """A one-shot import hook: once the ``jax`` package has run, register the pytrees."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "jax":
            return None
        # stays in sys.meta_path until jax runs: importlib.util.find_spec("jax") asks too
        for finder in sys.meta_path:
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        self._loader = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        # the module keeps jax's own loader (importlib.resources and reloads look at it)
        module.__loader__ = module.__spec__.loader = self._loader
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        self._loader.exec_module(module)
        _register_with_jax()


def _register_with_jax() -> None:
    importlib.import_module("._jax_pytree", __name__)


if sys.modules.get("jax") is not None:
    _register_with_jax()
elif not any(isinstance(f, _AfterJaxImport) for f in sys.meta_path):
    sys.meta_path.insert(0, _AfterJaxImport())
