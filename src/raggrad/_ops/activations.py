"""Activation functions NumPy lacks: ``sigmoid``, ``log_sigmoid``, ``softplus``, ``relu``.

Written once against the backend's array API namespace, so every backend runs them, with values
*and* derivatives of every order finite in float32 at any magnitude. The textbook
``1 / (1 + exp(-z))`` overflows ``exp(-z)`` for ``z < -88`` in float32: its value still rounds to 0,
but its derivative is ``inf / inf = NaN``, and ``xp.where`` cannot hide a NaN in the branch it
leaves out (the chain rule multiplies it by 0). Here every exponential is ``exp(-|z|) <= 1``, with
``-|z|`` written as ``where(z >= 0, -z, z)`` so that its one-sided derivatives are exact at 0 as well
(``abs`` has derivative 0 there, which would make the derivative of ``sigmoid`` at 0 wrong):

- ``sigmoid(z) = 1 / (1 + e)`` for ``z >= 0``, ``e / (1 + e)`` otherwise, ``e = exp(-|z|)``;
- ``softplus(z) = max(z, 0) + log1p(e)`` and ``log_sigmoid(z) = min(z, 0) - log1p(e)``;
- ``relu(z) = where(z <= 0, 0, z)``: derivative 0 at 0 (as ``jax.nn.relu``), NaN stays NaN.

They are elementwise ops (:func:`.elementwise.apply`): awkward broadcasting, on bounded arrays the
padding slots stay zero, and a missing value (None) stays missing, with zero content and gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._backends import Backend
from .._registry import register
from .elementwise import apply

__all__ = ["log_sigmoid", "relu", "sigmoid", "softplus"]


def _real(backend: Backend, c: Any, name: str, *, keep_ints: bool = False) -> Any:
    """``c`` as a real floating array (integers as the backend's ``exp`` gives them); booleans and
    complex numbers are refused."""
    xp = backend.xp
    if xp.isdtype(c.dtype, "real floating") or (keep_ints and xp.isdtype(c.dtype, "integral")):
        return c
    if not xp.isdtype(c.dtype, "integral"):
        msg = f"{name}: expected an array of real numbers, got dtype {c.dtype}; convert with rg.astype"
        raise TypeError(msg)
    return xp.astype(c, backend.result_dtype("exp", c.dtype))


def _kernel(name: str, fn: Callable[[Any, Any], Any], keep_ints: bool = False) -> Any:
    def kernel(backend: Backend) -> Callable[[Any], Any]:
        return lambda c: fn(backend.xp, _real(backend, c, name, keep_ints=keep_ints))

    return kernel


def _parts(xp: Any, z: Any) -> tuple[Any, Any]:
    """``(z >= 0, exp(-|z|))``, with exact one-sided derivatives at 0."""
    up = z >= 0
    return up, xp.exp(xp.where(up, -z, z))


def _sigmoid(xp: Any, z: Any) -> Any:
    up, e = _parts(xp, z)
    return xp.where(up, 1 / (1 + e), e / (1 + e))


def _softplus(xp: Any, z: Any) -> Any:
    up, e = _parts(xp, z)
    return xp.where(up, z, xp.zeros_like(z)) + xp.log1p(e)


def _log_sigmoid(xp: Any, z: Any) -> Any:
    up, e = _parts(xp, z)
    return xp.where(up, xp.zeros_like(z), z) - xp.log1p(e)


def _relu(xp: Any, z: Any) -> Any:
    return xp.where(z <= 0, xp.zeros_like(z), z)


_SIGMOID = _kernel("rg.sigmoid", _sigmoid)
_SOFTPLUS = _kernel("rg.softplus", _softplus)
_LOG_SIGMOID = _kernel("rg.log_sigmoid", _log_sigmoid)
_RELU = _kernel("rg.relu", _relu, keep_ints=True)


@register("sigmoid", "elementwise-unary", options=True)
def sigmoid(x: Any, /) -> Any:
    """The logistic function ``1 / (1 + exp(-x))``, stable: finite value and derivatives of every
    order at any ``x``, in float32 too (``jax.nn.sigmoid``, ``scipy.special.expit``).

    Integers give floats (as ``exp``). On bounded arrays the padding stays zero.

    >>> import raggrad as rg
    >>> rg.sigmoid(rg.array([[0.0, 1e4], [], [-1e4]])).to_list()
    [[0.5, 1.0], [], [0.0]]
    """
    return apply(_SIGMOID, (x,), "rg.sigmoid")


@register("log_sigmoid", "elementwise-unary", options=True)
def log_sigmoid(x: Any, /) -> Any:
    """``log(sigmoid(x)) = -softplus(-x)``, stable (``jax.nn.log_sigmoid``): ``x`` for large
    negative ``x``, 0 for large positive.

    >>> import raggrad as rg
    >>> rg.log_sigmoid(rg.array([[0.0, 1e4], [], [-1e4]])).to_list()
    [[-0.6931471805599453, 0.0], [], [-10000.0]]
    """
    return apply(_LOG_SIGMOID, (x,), "rg.log_sigmoid")


@register("softplus", "elementwise-unary", options=True)
def softplus(x: Any, /) -> Any:
    """``log(1 + exp(x))``, stable (``jax.nn.softplus``, ``np.logaddexp(x, 0)``); its derivative is
    :func:`sigmoid`.

    >>> import raggrad as rg
    >>> rg.softplus(rg.array([[0.0, 1e4], [], [-1e4]])).to_list()
    [[0.6931471805599453, 10000.0], [], [0.0]]
    """
    return apply(_SOFTPLUS, (x,), "rg.softplus")


@register("relu", "elementwise-unary", options=True)
def relu(x: Any, /) -> Any:
    """``max(x, 0)`` (``jax.nn.relu``): derivative 1 for ``x > 0``, 0 for ``x <= 0``; NaN stays NaN.

    Integers stay integers.

    >>> import raggrad as rg
    >>> rg.relu(rg.array([[-1.5, 0.0, 2.0], [], [-3]])).to_list()
    [[0.0, 0.0, 2.0], [], [0.0]]
    >>> rg.relu(rg.array([[-1.5, None], None])).to_list()
    [[0.0, None], None]
    """
    return apply(_RELU, (x,), "rg.relu")
