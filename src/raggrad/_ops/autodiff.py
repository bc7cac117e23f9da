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
from typing import Any

from .. import _backends
from .._registry import register

__all__ = ["grad", "jvp", "value_and_grad", "vjp"]


def _jax() -> Any:
    return _backends.get_backend("jax").transforms


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
    return _jax().value_and_grad(fun, argnums, has_aux)


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
    """
    return _jax().jvp(fun, tuple(primals), tuple(tangents))


@register("vjp", "transform", differentiable=False)
def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """Like ``jax.vjp``; the pullback takes a cotangent with the output's lists.

    >>> import raggrad as rg
    >>> x = rg.with_capacity(rg.array([[1.0, 2.0], [3.0]], backend="jax"))
    >>> out, pullback = rg.vjp(lambda v: v * v, x)
    >>> pullback(rg.ones_like(out))[0].to_list()
    [[2.0, 4.0], [6.0]]
    """
    return _jax().vjp(fun, *primals, has_aux=has_aux)
