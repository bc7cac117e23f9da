"""``rg.grad``, ``rg.value_and_grad``, ``rg.jvp``, ``rg.vjp``: JAX's transformations with respect
to the floating-point leaves of the arguments only.

A bounded array's offsets, count and flag are integer and boolean pytree leaves, which
``jax.grad`` refuses to differentiate (and a cotangent could not carry them). These wrappers split
every differentiated argument into its inexact leaves (differentiated) and the others (held fixed,
closed over), call JAX's transformation on the first, and put the others back into the results,
so a gradient comes back as a RaggedArray with its argument's lists. For arguments without
integer leaves (exact arrays, parameter dicts) they are exactly JAX's own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["enable_x64", "jit", "jvp", "tree_map", "value_and_grad", "vjp"]


def _inexact(leaf: Any) -> bool:
    if isinstance(leaf, float | complex):
        return True
    dtype = getattr(leaf, "dtype", None)
    return dtype is not None and jnp.issubdtype(dtype, jnp.inexact)


def _split(tree: Any) -> tuple[list[Any], list[Any], Any]:
    """(differentiable leaves or None, every leaf, treedef)."""
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    return [leaf if _inexact(leaf) else None for leaf in leaves], leaves, treedef


def _merge(part: Sequence[Any], leaves: Sequence[Any], treedef: Any) -> Any:
    """The tree with ``part``'s leaves where given, the original ``leaves`` elsewhere."""
    return treedef.unflatten([p if p is not None else leaf for p, leaf in zip(part, leaves, strict=True)])


def _argnums(argnums: int | Sequence[int], n: int, name: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in nums:
        if not -n <= i < n:
            msg = f"{name}: argnums={argnums!r} names argument {i}, but the function got {n}"
            raise ValueError(msg)
    return tuple(i % n for i in nums)


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """``jax.value_and_grad`` with respect to the inexact leaves of the ``argnums`` arguments."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), "rg.value_and_grad")
        splits = [_split(args[i]) for i in nums]

        def g(*parts: Any) -> Any:
            full = list(args)
            for i, part, (_, leaves, treedef) in zip(nums, parts, splits, strict=True):
                full[i] = _merge(part, leaves, treedef)
            return f(*full, **kwargs)

        value, grads = jax.value_and_grad(g, argnums=tuple(range(len(nums))), has_aux=has_aux)(
            *(part for part, _, _ in splits)
        )
        out = tuple(
            _merge(grad, leaves, treedef) for grad, (_, leaves, treedef) in zip(grads, splits, strict=True)
        )
        return value, out[0] if isinstance(argnums, int) else out

    return wrapped


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """``jax.jvp`` with tangents for the inexact leaves; the output tangent keeps the output's lists."""
    splits = [_split(p) for p in primals]
    parts = []
    for (part, _, treedef), t in zip(splits, tangents, strict=True):
        t_leaves, t_def = jax.tree_util.tree_flatten(t)
        if t_def != treedef:
            msg = f"rg.jvp: a tangent's structure differs from its primal's: {t_def} vs {treedef}"
            raise ValueError(msg)
        parts.append([tl if p is not None else None for p, tl in zip(part, t_leaves, strict=True)])

    def g(*diff: Any) -> Any:
        return f(*(_merge(d, leaves, treedef) for d, (_, leaves, treedef) in zip(diff, splits, strict=True)))

    out, tangent = jax.jvp(g, tuple(part for part, _, _ in splits), tuple(parts))
    return out, _with_primal_leaves(tangent, out)


def vjp(f: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """``jax.vjp`` for the inexact leaves; cotangents are arrays with the output's lists."""
    splits = [_split(p) for p in primals]

    def g(*diff: Any) -> Any:
        return f(*(_merge(d, leaves, treedef) for d, (_, leaves, treedef) in zip(diff, splits, strict=True)))

    result = jax.vjp(g, *(part for part, _, _ in splits), has_aux=has_aux)  # type: ignore[call-overload]  # jax.vjp's overloads take has_aux as a literal only
    out, pullback = result[0], result[1]

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        out_def: Any  # jax's PyTreeDef, which its stubs leave unresolved
        ct_def: Any
        out_leaves, out_def = jax.tree_util.tree_flatten(out)
        ct_leaves, ct_def = jax.tree_util.tree_flatten(cotangent)
        if ct_def != out_def:
            msg = f"rg.vjp: the cotangent's structure differs from the output's: {ct_def} vs {out_def}"
            raise ValueError(msg)
        # integer leaves (offsets) get JAX's zero cotangent type; inexact ones the given values
        cts = [
            c if _inexact(o) else np.zeros(np.shape(o), jax.dtypes.float0)
            for c, o in zip(ct_leaves, out_leaves)
        ]
        grads = pullback(out_def.unflatten(cts))
        return tuple(
            _merge(gr, leaves, treedef) for gr, (_, leaves, treedef) in zip(grads, splits, strict=True)
        )

    return (out, vjp_fn, *result[2:])


def _with_primal_leaves(tangent: Any, primal: Any) -> Any:
    """``tangent`` with the primal's integer and boolean leaves in place of JAX's float0 zeros."""
    treedef: Any  # jax's PyTreeDef, which its stubs leave unresolved
    t_leaves, treedef = jax.tree_util.tree_flatten(tangent)
    p_leaves = treedef.flatten_up_to(primal)
    return treedef.unflatten([p if not _inexact(p) else t for t, p in zip(t_leaves, p_leaves, strict=True)])


# ---- what raggrad.dask runs on its workers -----------------------------------------------------
def jit(f: Callable[..., Any]) -> Callable[..., Any]:
    """``jax.jit``: raggrad.dask compiles each partition's function once per capacity bucket."""
    return jax.jit(f)


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """``jax.tree_util.tree_map``: raggrad.dask sums and converts the trees partitions return."""
    return jax.tree_util.tree_map(f, tree, *rest)


def enable_x64(flag: bool) -> Any:
    """``jax.enable_x64(flag)``, a context manager for one thread: a task on a dask worker runs
    with the precision its caller had (no global setting changes)."""
    return jax.enable_x64(flag)
