"""Ops on jax content move no index array from the host to the device implicitly.

Index maps derived from structure are put on the device once, explicitly (``jax.device_put``),
and cached per structure and device; under ``jax.jit`` they are constants of the compiled program.
So a jitted function of ragged arrays runs, traced and compiled included, under
``jax.transfer_guard("disallow")``. Eager calls are checked more loosely: in eager mode JAX itself
sends every Python scalar operand to the device (``jnp.arange(3.0) + 1.0`` trips the guard,
jax-ml/jax#16002), so there the first implicit transfer, if any, must be such a scalar; value-
dependent selections (masks, host index arrays) move their gather index with ``jax.device_put``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = jax.numpy

import raggrad as rg  # noqa: E402

X = [[1.5, -2.0, 3.0], [], [0.5, 4.0], [2.5]]
Y = [[1.0], [2.0, 3.0], [], [4.0]]
NESTED = [[[1.5, -2.0], [3.0]], [], [[0.5], [4.0, 2.5]]]


def _ops() -> dict[str, Callable[[Any, Any, Any], Any]]:
    """Each takes ``(x, y, nested)``; the inputs exist before any guard is entered."""
    return {
        "ufuncs": lambda x, y, n: np.sin(x) * x + np.exp(-x),
        "where": lambda x, y, n: rg.where(x > 0, x, 0.0),
        "broadcast-outer": lambda x, y, n: x * rg.sum(x, axis=1),
        "sum": lambda x, y, n: rg.sum(x**2, axis=1),
        "sum-all": lambda x, y, n: rg.sum(x),
        "sum-axis0": lambda x, y, n: rg.sum(x, axis=0),
        "sum-where": lambda x, y, n: rg.sum(x, axis=1, where=x > 0),
        "max": lambda x, y, n: rg.max(x, axis=1),
        "prod": lambda x, y, n: rg.prod(x, axis=1),
        "mean-keepdims": lambda x, y, n: x - rg.mean(x, axis=1, keepdims=True),
        "std": lambda x, y, n: rg.std(x, axis=1),
        "argmax": lambda x, y, n: rg.argmax(x, axis=1),
        "logsumexp": lambda x, y, n: rg.logsumexp(x, axis=1),
        "softmax": lambda x, y, n: rg.softmax(x, axis=1),
        "cumulative-sum": lambda x, y, n: rg.cumulative_sum(x, axis=1),
        "nested-sum": lambda x, y, n: rg.sum(n, axis=1),
        "slice": lambda x, y, n: x[::-1, :2],
        "int": lambda x, y, n: x[:, -1:],
        "ellipsis": lambda x, y, n: x[..., 1:],
        "argmax-selection": lambda x, y, n: x[rg.argmax(x, axis=1, keepdims=True)],
        "num": lambda x, y, n: rg.num(x, axis=1),
        "local-index": lambda x, y, n: rg.local_index(x),
        "flatten": lambda x, y, n: rg.flatten(n, axis=1),
        "firsts": lambda x, y, n: rg.firsts(x, fill_value=0.0),
        "concat": lambda x, y, n: rg.concat([x, y], axis=1),
        "sort": lambda x, y, n: rg.sort(x, axis=1),
        "flip": lambda x, y, n: rg.flip(x, axis=1),
        "combinations": lambda x, y, n: rg.combinations(x, 2, axis=1),
        "cartesian": lambda x, y, n: rg.cartesian([x, y], axis=1),
        "to-padded": lambda x, y, n: rg.to_padded(x),
        "grad": lambda x, y, n: jax.grad(lambda x: rg.sum(rg.max(x, axis=0) ** 2))(x),
    }


OPS = _ops()


def _inputs() -> tuple[Any, Any, Any]:
    return tuple(rg.array(v, backend="jax") for v in (X, Y, NESTED))  # type: ignore[return-value]


@pytest.mark.parametrize("name", OPS)
def test_jit_runs_under_disallow(name: str) -> None:
    args = _inputs()
    f = jax.jit(OPS[name])  # a fresh function: tracing and compiling happen under the guard
    with jax.transfer_guard("disallow"):
        first = f(*args)
        second = f(*args)
    leaves = zip(jax.tree_util.tree_leaves(first), jax.tree_util.tree_leaves(second), strict=True)
    for a, b in leaves:
        np.testing.assert_array_equal(a, b)


_SCALAR = re.compile(r"host-to-device transfer: aval=ShapedArray\(\w+\[\]")


@pytest.mark.parametrize("name", [*OPS, "mask", "outer-array"])
def test_eager_ops_send_no_arrays_once_cached(name: str) -> None:
    """Eagerly, the only implicit transfer allowed is JAX's own of a Python scalar operand."""
    x, y, n = _inputs()
    mask, index = x > 0, np.array([2, 0, 0])
    f = {"mask": lambda x, y, n: x[mask], "outer-array": lambda x, y, n: x[index]}.get(name) or OPS[name]
    f(x, y, n)  # the first call puts the structure's index maps on the device, explicitly
    try:
        with jax.transfer_guard("disallow"):
            f(x, y, n)
    except jax.errors.JaxRuntimeError as exc:
        assert _SCALAR.search(str(exc)), str(exc)


def test_value_dependent_selection_moves_its_index_explicitly() -> None:
    # the mask's values must come to the host (the result's lists depend on them); only the
    # host-to-device leg, the gather index, is raggrad's to make explicit
    x = rg.array(X, backend="jax")
    mask, index = x > 0, np.array([2, 0, 0])
    with jax.transfer_guard_host_to_device("disallow"):
        assert x[mask].to_list() == [[1.5, 3.0], [], [0.5, 4.0], [2.5]]
        assert x[index].to_list() == [[0.5, 4.0], [1.5, -2.0, 3.0], [1.5, -2.0, 3.0]]
