"""``rg.grad``, ``rg.value_and_grad``, ``rg.jvp``, ``rg.vjp``: JAX's transformations with respect
to the floating-point leaves of the arguments only.

A bounded array's offsets, count and flag are integer and boolean pytree leaves, which
``jax.grad`` refuses to differentiate (and a cotangent could not carry them). These wrappers split
every differentiated argument into its inexact leaves (differentiated) and the others (held fixed,
closed over), call JAX's transformation on the first, and put the others back into the results,
so a gradient comes back as a RaggedArray with its argument's lists. An integer or boolean leaf
that holds values (a parameter ``n: int``, a record's ``charge`` field) is held fixed too, and its
derivative is JAX's ``float0`` zeros, as ``jax.grad(..., allow_int=True)`` gives: it is never its
own value. For arguments without integer leaves (exact arrays, parameter dicts) they are exactly
JAX's own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import backend_of, is_structure_key

__all__ = ["enable_x64", "jit", "jvp", "to_device", "tree_add", "tree_map", "value_and_grad", "vjp"]


def _inexact(leaf: Any) -> bool:
    if isinstance(leaf, float | complex):
        return True
    dtype = getattr(leaf, "dtype", None)
    return dtype is not None and jnp.issubdtype(dtype, jnp.inexact)


def _structural(path: Any) -> bool:
    """Whether the leaf at ``path`` is an array's structure (offsets, count, flag), not values."""
    return bool(path) and isinstance(path[-1], jax.tree_util.DictKey) and is_structure_key(path[-1].key)


def _split(tree: Any) -> tuple[list[Any], list[Any], Any]:
    """(differentiable leaves or None, every leaf, treedef)."""
    with_paths, treedef = jax.tree_util.tree_flatten_with_path(tree)
    leaves = [leaf for _, leaf in with_paths]
    for leaf in leaves:
        other = backend_of(leaf)
        if other is not None and other.name not in ("jax", "numpy"):
            msg = (
                f"rg.grad, rg.value_and_grad, rg.jvp and rg.vjp are JAX's transformations; an argument "
                f"holds {other.name} arrays: convert it with rg.to_backend(x, 'jax'), or on torch call "
                "x.requires_grad_() and backward() (or torch.autograd.grad)"
            )
            raise TypeError(msg)
    return [leaf if _inexact(leaf) else None for leaf in leaves], leaves, treedef


def _merge(part: Sequence[Any], leaves: Sequence[Any], treedef: Any) -> Any:
    """The tree with ``part``'s leaves where given, the original ``leaves`` elsewhere."""
    return treedef.unflatten([p if p is not None else leaf for p, leaf in zip(part, leaves, strict=True)])


def _derivative(part: Sequence[Any], leaves: Sequence[Any], treedef: Any) -> Any:
    """A derivative tree: ``part``'s leaves where given, the structure leaves of ``leaves`` (so it
    keeps its arrays' lists), and ``float0`` zeros for the integer and boolean values."""
    paths = [path for path, _ in jax.tree_util.tree_flatten_with_path(treedef.unflatten(leaves))[0]]
    return treedef.unflatten(
        [
            p if p is not None else leaf if _structural(path) else np.zeros(np.shape(leaf), jax.dtypes.float0)
            for p, leaf, path in zip(part, leaves, paths, strict=True)
        ]
    )


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
            _derivative(grad, leaves, treedef)
            for grad, (_, leaves, treedef) in zip(grads, splits, strict=True)
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


def vjp(
    f: Callable[..., Any],
    *primals: Any,
    has_aux: bool = False,
    check: Callable[[Any, Any], None] | None = None,
) -> tuple[Any, ...]:
    """``jax.vjp`` for the inexact leaves; cotangents are arrays with the output's lists, given to
    ``check(cotangent, output)`` first when it is given."""
    splits = [_split(p) for p in primals]

    def g(*diff: Any) -> Any:
        return f(*(_merge(d, leaves, treedef) for d, (_, leaves, treedef) in zip(diff, splits, strict=True)))

    result = jax.vjp(g, *(part for part, _, _ in splits), has_aux=has_aux)  # type: ignore[call-overload]  # jax.vjp's overloads take has_aux as a literal only
    out, pullback = result[0], result[1]
    # a Partial, as jax.vjp's pullback: a pytree of the arrays it holds, so that a jitted
    # function can return it (the treedefs are static: they go with the function)
    treedefs = tuple(treedef for _, _, treedef in splits)
    leaves = tuple(leaves for _, leaves, _ in splits)
    vjp_fn = jax.tree_util.Partial(functools.partial(_pull, treedefs, check), out, pullback, leaves)
    return (out, vjp_fn, *result[2:])


def _pull(
    treedefs: tuple[Any, ...], check: Any, out: Any, pullback: Any, leaves: Any, cotangent: Any
) -> tuple[Any, ...]:
    """``rg.vjp``'s pullback: ``cotangent`` (with the output's lists) to the primals' cotangents."""
    if check is not None:
        check(cotangent, out)
    out_def: Any  # jax's PyTreeDef, which its stubs leave unresolved
    ct_def: Any
    out_leaves, out_def = jax.tree_util.tree_flatten(out)
    ct_leaves, ct_def = jax.tree_util.tree_flatten(cotangent)
    if ct_def != out_def:
        msg = f"rg.vjp: the cotangent's structure differs from the output's: {ct_def} vs {out_def}"
        raise ValueError(msg)
    # integer leaves (offsets) get JAX's zero cotangent type; inexact ones the given values
    zero = jax.dtypes.float0
    cts = [c if _inexact(o) else np.zeros(np.shape(o), zero) for c, o in zip(ct_leaves, out_leaves)]
    grads = pullback(out_def.unflatten(cts))
    return tuple(_derivative(gr, lv, td) for gr, lv, td in zip(grads, leaves, treedefs, strict=True))


def _with_primal_leaves(tangent: Any, primal: Any) -> Any:
    """``tangent`` with the primal's structure leaves in place of JAX's float0 zeros."""
    treedef: Any  # jax's PyTreeDef, which its stubs leave unresolved
    t_leaves, treedef = jax.tree_util.tree_flatten(tangent)
    p_leaves = treedef.flatten_up_to(primal)
    part = [t if _inexact(p) else None for t, p in zip(t_leaves, p_leaves, strict=True)]
    return _derivative(part, p_leaves, treedef)


# ---- what raggrad.dask runs on its workers -----------------------------------------------------
def jit(f: Callable[..., Any]) -> Callable[..., Any]:
    """``jax.jit``: raggrad.dask compiles each partition's function once per capacity bucket."""
    return jax.jit(f)


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """``jax.tree_util.tree_map``: raggrad.dask sums and converts the trees partitions return."""
    return jax.tree_util.tree_map(f, tree, *rest)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list[Any]:
    """``jax.tree_util.tree_leaves``: raggrad.dask finds the arrays a partition's loss returns."""
    return jax.tree_util.tree_leaves(tree, is_leaf=is_leaf)


def _float0(leaf: Any) -> bool:
    return getattr(leaf, "dtype", None) == jax.dtypes.float0


def tree_add(trees: Sequence[Any]) -> Any:
    """The leafwise sum of ``trees`` (in their order); structure leaves, which must be equal in
    every tree, and ``float0`` zeros are the first tree's. raggrad.dask sums the partitions'
    results with it: lists that differ between them are per-event values, which no sum can join."""

    def add(path: Any, *leaves: Any) -> Any:
        if _structural(path):
            if any(not np.array_equal(np.asarray(leaf), np.asarray(leaves[0])) for leaf in leaves[1:]):
                raise _different_lists(jax.tree_util.keystr(path))
            return leaves[0]
        if _float0(leaves[0]):
            return leaves[0]
        return functools.reduce(np.add, leaves)

    first: Any = jax.tree_util.tree_structure(trees[0])
    if any(jax.tree_util.tree_structure(t) != first for t in trees[1:]):
        raise _different_lists()  # another structure: lists in other capacities, or of another depth
    return jax.tree_util.tree_map_with_path(add, *trees)


def _different_lists(where: str = "") -> ValueError:
    return ValueError(
        "rg.dask: the partitions' results are summed leaf by leaf, but an array in them"
        f"{' (at ' + where + ')' if where else ''} has lists that differ from one partition to the "
        "next, so no sum can join them: per-event values, or totals per position of lists whose "
        "lengths differ (rg.sum(v, axis=0)). Return totals of a fixed shape from the function "
        "(rg.sum(v), a histogram; pad totals per position to one length with rg.to_padded), and "
        "per-event values from rg.dask.map_partitions instead"
    )


def to_device(tree: Any) -> Any:
    """Every leaf a JAX array (``float0`` zeros stay NumPy's, as JAX's own derivatives give them)."""
    return jax.tree_util.tree_map(lambda leaf: leaf if _float0(leaf) else jnp.asarray(leaf), tree)


def enable_x64(flag: bool) -> Any:
    """``jax.enable_x64(flag)``, a context manager for one thread: a task on a dask worker runs
    with the precision its caller had (no global setting changes)."""
    return jax.enable_x64(flag)
