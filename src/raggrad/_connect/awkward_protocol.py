"""awkward's dispatch protocol: ``ak.*`` functions and ``ak.Array(x)`` given raggrad arrays.

Every high-level awkward function, ``ak.to_layout`` among them (which ``ak.Array(obj)`` calls),
first asks its array arguments for ``__awkward_function__``. A RaggedArray, RecordArray or
EventArray answers by handing awkward the layout :func:`raggrad.to_awkward` builds (one buffer
per level, no loop over elements), so ``ak.Array(x)``, ``ak.num(x)``, ``ak.flatten(x)`` or
``vector.zip({"pt": x, ...})`` compute exactly what they compute on ``rg.to_awkward(x)``, keep
the dtypes, and return awkward arrays. awkward computes on NumPy: inside ``jax.jit``/``jax.grad``/
``jax.vmap``, where the content is traced, these calls raise ``TypeError`` naming raggrad's own
function instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .._array import RaggedArray
from .._events import EventArray
from .._records import RecordArray
from .._registry import REGISTRY, provide
from .awkward import to_awkward

# what to call instead, for awkward functions whose raggrad counterpart is not the op registered
# with that awkward alias
_INSTEAD = {
    "to_layout": "raggrad's own functions on it (awkward Arrays hold NumPy buffers); convert with "
    "rg.to_awkward(x) outside the traced function",
    "zip": "rg.zip, or rg.vector.zip for Lorentz vectors, which differentiate and compile",
}


#: the raggrad arrays awkward may be handed
_ARRAYS = (RaggedArray, RecordArray, EventArray)
Array = RaggedArray | RecordArray | EventArray


def _leaves(obj: Any) -> Iterator[Array]:
    if isinstance(obj, _ARRAYS):
        yield obj
    elif isinstance(obj, Mapping):
        for v in obj.values():
            yield from _leaves(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _leaves(v)


def _replace(obj: Any) -> Any:
    if isinstance(obj, _ARRAYS):
        return to_awkward(obj)
    if isinstance(obj, Mapping):
        return {k: _replace(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_replace(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_replace(v) for v in obj)
    return obj


def _traced(x: Array) -> bool:
    if isinstance(x, RaggedArray):
        return not x._backend.is_concrete(x._content)
    return any(_traced(x[name]) for name in x.fields)  # a record: its fields


def _instead(name: str) -> str:
    if name in _INSTEAD:
        return _INSTEAD[name]
    ops = sorted(op.name for op in REGISTRY.values() if op.awkward in (f"ak.{name}", name))
    if ops:
        return " or ".join(f"rg.{op}" for op in ops) + ", which differentiates and compiles"
    return "raggrad's functions (rg.*) inside it, and rg.to_awkward(x) outside the traced function"


@provide("awkward_function")
def awkward_function(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``func`` (an ``ak.*`` function) called with every raggrad array in ``args``/``kwargs``
    replaced by its awkward Array; a traced raggrad array raises ``TypeError``."""
    name = getattr(func, "__name__", "function")
    arrays = [*_leaves(args), *_leaves(kwargs)]
    if any(_traced(x) for x in arrays):
        msg = (
            f"ak.{name}: awkward computes on NumPy and cannot read a raggrad array whose content is "
            f"traced (inside jax.jit, jax.grad or jax.vmap); use {_instead(name)}"
        )
        raise TypeError(msg)
    return func(*_replace(args), **_replace(kwargs))
