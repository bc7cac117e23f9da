"""Hands the array core's pytree classes to ``jax.tree_util`` (imported as soon as jax is).

Structure is auxiliary data and content buffers are the leaves, so ``jax.jit`` specialises on
structure as it does on shapes. The flatten/unflatten functions live next to their classes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from . import pytree_classes


def _register(
    cls: type,
    flatten: Callable[..., Any],
    unflatten: Callable[..., Any],
    flatten_with_keys: Callable[..., Any] | None,
) -> None:
    try:
        if flatten_with_keys is None:
            jax.tree_util.register_pytree_node(cls, flatten, unflatten)
        else:

            def with_keys(x: Any) -> tuple[Any, Any]:
                pairs, aux = flatten_with_keys(x)
                return tuple((jax.tree_util.DictKey(k), leaf) for k, leaf in pairs), aux

            jax.tree_util.register_pytree_with_keys(cls, with_keys, unflatten, flatten)
    except ValueError:  # already registered (the module defining cls ran again)
        pass


pytree_classes(_register)
