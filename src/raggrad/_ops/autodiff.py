"""``rg.grad``, ``rg.value_and_grad``, ``rg.jvp``, ``rg.vjp``: JAX's transformations for functions
of ragged arrays, bounded ones included.

``jax.grad(f)(x)`` works directly for an exact array (its structure is static). A bounded array's
offsets are integer pytree leaves, which JAX cannot differentiate; these functions differentiate
every RaggedArray or RecordArray argument with respect to its floating-point content only and
give the gradient back with that argument's lists. Everything else is as in JAX (the backend's
implementation is ``raggrad._backends._jax_transforms``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

from .. import _backends
from .._array import RaggedArray
from .._bounded import BoundedStructure
from .._registry import register

__all__ = ["grad", "jvp", "value_and_grad", "vjp"]


def _jax() -> Any:
    return cast(Any, _backends.get_backend("jax")).transforms  # the jax backend's own attribute


@register("value_and_grad", "transform", differentiable=False)
def value_and_grad(
    fun: Callable[..., Any], argnums: int | Sequence[int] = 0, *, has_aux: bool = False
) -> Callable[..., Any]:
    """Like ``jax.value_and_grad``, with respect to the floating-point content of the arguments.

    >>> import raggrad as rg
    >>> x = rg.with_capacity(rg.array([[1.0, 2.0], [], [3.0]], backend="jax"))
    >>> value, g = rg.value_and_grad(lambda v: rg.sum(v * v))(x)
    >>> float(value), g.to_list(), rg.is_bounded(g)
    (14.0, [[2.0, 4.0], [], [6.0]], True)
    """
    return cast(Callable[..., Any], _jax().value_and_grad(fun, argnums, has_aux))


@register("grad", "transform", differentiable=False)
def grad(
    fun: Callable[..., Any], argnums: int | Sequence[int] = 0, *, has_aux: bool = False
) -> Callable[..., Any]:
    """Like ``jax.grad``, with respect to the floating-point content of the arguments: the
    gradient of a RaggedArray argument is a RaggedArray with its lists (bounded ones included).

    >>> import raggrad as rg
    >>> x = rg.with_capacity(rg.array([[1.0, 2.0], [], [3.0]], backend="jax"))
    >>> rg.grad(lambda v: rg.sum(rg.sum(v, axis=1) ** 2))(x).to_list()
    [[6.0, 6.0], [], [6.0]]
    """
    inner = _jax().value_and_grad(fun, argnums, has_aux)

    def gradient(*args: Any, **kwargs: Any) -> Any:
        value, g = inner(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return gradient


@register("jvp", "transform", differentiable=False)
def jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Like ``jax.jvp``; tangents of RaggedArrays are RaggedArrays with the primals' lists.

    >>> import raggrad as rg
    >>> x = rg.with_capacity(rg.array([[1.0, 2.0], [3.0]], backend="jax"))
    >>> out, t = rg.jvp(lambda v: v * v, (x,), (rg.ones_like(x),))
    >>> t.to_list()
    [[2.0, 4.0], [6.0]]

    A tangent of a bounded array with other lists than its primal's is refused (where both are
    concrete), as ``rg.vjp`` refuses such a cotangent.
    """
    for i, (tangent, primal) in enumerate(zip(tangents, primals, strict=False)):
        _check_cotangent(tangent, primal, f"[{i}]", ("rg.jvp", "tangent", "primal"))
    return cast(tuple[Any, Any], _jax().jvp(fun, tuple(primals), tuple(tangents)))


@register("vjp", "transform", differentiable=False)
def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """Like ``jax.vjp``; the pullback takes a cotangent with the output's lists.

    >>> import raggrad as rg
    >>> x = rg.with_capacity(rg.array([[1.0, 2.0], [3.0]], backend="jax"))
    >>> out, pullback = rg.vjp(lambda v: v * v, x)
    >>> pullback(rg.ones_like(out))[0].to_list()
    [[2.0, 4.0], [6.0]]

    A cotangent with other lists than the output's is refused, naming both:

    >>> pullback(rg.array([[1.0], [1.0, 1.0]], backend="jax"))
    Traceback (most recent call last):
    ...
    ValueError: rg.vjp: the cotangent's lists differ from the output's: at axis 1 the cotangent
    has 2 lists of lengths [1, 2], the output 2 lists of lengths [2, 1] (list 0: 1 vs 2); pass a
    cotangent with the output's lists, such as rg.ones_like(out)

    (``jax.vjp`` itself compares the structures too, an exact array's lists included, and raises
    JAX's ``ValueError: unexpected tree structure``, which prints both arrays' "pytree metadata"
    ``Structure(... lengths at axis 1: [...])``.)
    """
    # the pullback is a pytree (jax.tree_util.Partial), as jax.vjp's: a jitted function can return it
    return cast(tuple[Any, ...], _jax().vjp(fun, *primals, has_aux=has_aux, check=_check_output_cotangent))


def _check_output_cotangent(cotangent: Any, out: Any) -> None:
    _check_cotangent(cotangent, out, "")


def _list_lengths(x: RaggedArray, name: str) -> list[list[int]] | None:
    """The list lengths of ``x`` at each ragged axis, or None where they are data (traced)."""
    s = x._structure
    if isinstance(s, BoundedStructure):
        if not s.is_concrete():
            return None
        s = x._trimmed(name)._structure
    if s is None:
        return []
    return [np.asarray(level.lengths).tolist() for level in s.levels]


def _check_cotangent(
    cotangent: Any, out: Any, where: str, names: tuple[str, str, str] = ("rg.vjp", "cotangent", "output")
) -> None:
    """Raise a ValueError naming the lists where a RaggedArray in ``cotangent`` has other lists
    than the one at the same place in ``out`` (JAX checks everything else, but not a bounded
    array's lists, which are leaves). ``names``: the function, and what the two are called."""
    op, ct, o = names
    if isinstance(out, RaggedArray) and isinstance(cotangent, RaggedArray):
        mine, theirs = _list_lengths(cotangent, op), _list_lengths(out, op)
        if mine is None or theirs is None or mine == theirs:
            return
        if len(mine) != len(theirs):
            msg = (
                f"{op}: the {ct}{where} has {len(mine)} ragged axes, the {o}{where} "
                f"{len(theirs)} (types {cotangent.type!r} vs {out.type!r})"
            )
            raise ValueError(msg)
        axis = next(k for k, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b)
        a, b = mine[axis], theirs[axis]
        first = next((i for i, (p, q) in enumerate(zip(a, b, strict=False)) if p != q), None)
        which = f" (list {first}: {a[first]} vs {b[first]})" if first is not None else ""
        like = "out" if o == "output" else "x"
        msg = (
            f"{op}: the {ct}{where}'s lists differ from the {o}{where}'s: at axis "
            f"{axis + 1} the {ct} has {len(a)} lists of lengths {a}, the {o} {len(b)} lists "
            f"of lengths {b}{which}; pass a {ct} with the {o}'s lists, such as rg.ones_like({like})"
        )
        raise ValueError(msg)
    if isinstance(out, (tuple, list)) and isinstance(cotangent, (tuple, list)) and len(out) == len(cotangent):
        for i, (c, v) in enumerate(zip(cotangent, out, strict=True)):
            _check_cotangent(c, v, f"{where}[{i}]", names)
    elif isinstance(out, dict) and isinstance(cotangent, dict):
        for key in out.keys() & cotangent.keys():
            _check_cotangent(cotangent[key], out[key], f"{where}[{key!r}]", names)
