"""The public hypothesis strategies: what they draw, and argument errors that echo the value."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import raggrad as rg
from raggrad.testing import strategies as rst


@given(rst.ragged_arrays(depth=2, dtype="int32", inner_shape=(2,), min_value=-5, max_value=5))
def test_ragged_arrays_respect_depth_dtype_inner_and_bounds(x: rg.RaggedArray) -> None:
    assert x.type.endswith("var * var * 2 * int32")
    values = np.asarray(x.values)
    assert values.shape[1:] == (2,) and (values.size == 0 or (values.min() >= -5 and values.max() <= 5))


@given(rst.ragged_arrays(lengths="empty", min_outer=1))
def test_empty_distribution_gives_only_empty_lists(x: rg.RaggedArray) -> None:
    assert all(row == [] for row in x.to_list())


@settings(max_examples=10)
@given(rst.ragged_arrays(lengths="huge", huge_length=50, min_outer=1))
def test_huge_distribution_has_one_huge_list(x: rg.RaggedArray) -> None:
    assert max(map(len, x.to_list())) == 50


@given(rst.equal_structure_pairs(depth=2))
def test_equal_structure_pairs_share_lists(pair: tuple[rg.RaggedArray, rg.RaggedArray]) -> None:
    x, y = pair
    assert rg.to_list(rg.subtract(x, x)) == rg.to_list(rg.subtract(y, y))


@given(rst.broadcastable_pairs())
def test_broadcastable_pairs_broadcast(pair: tuple[object, object]) -> None:
    x, y = pair
    out = rg.add(x, y)
    ragged = x if isinstance(x, rg.RaggedArray) and "var" in x.type else y
    assert out.type == ragged.type


@given(st.data())
def test_axes_and_masks_fit_the_array(data: st.DataObject) -> None:
    x = data.draw(rst.ragged_arrays(depth=2))
    axis = data.draw(rst.axes(x))
    assert axis is None or -x.ndim <= axis < x.ndim
    mask = data.draw(rst.where_masks(x))
    assert mask.dtype == np.bool_ and rg.to_list(rg.logical_and(mask, False)) is not None


@given(rst.ragged_arrays(depth=2))
def test_reproduction_rebuilds_the_array(x: rg.RaggedArray) -> None:
    rebuilt = eval(rst.reproduction(x), {"rg": rg, "np": np})
    assert rebuilt.type == x.type and rebuilt.to_list() == x.to_list()


def test_jax_is_imported_only_when_drawn() -> None:
    import subprocess

    code = (
        "import raggrad.testing.strategies as s; s.ragged_arrays(backend='jax'); "
        "import sys; print('jax' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("call", "echo"),
    [
        (lambda: rst.ragged_arrays(depth=-1), "depth=-1"),
        (lambda: rst.ragged_arrays(dtype="U3"), "dtype='U3'"),
        (lambda: rst.ragged_arrays(backend="torchy"), "backend='torchy'"),
        (lambda: rst.ragged_arrays(lengths="long"), "lengths='long'"),
        (lambda: rst.ragged_arrays(device="gpu"), "device='gpu'"),
        (lambda: rst.elements(min_value=2, max_value=1), "min_value=2"),
        (lambda: rst.broadcastable_pairs(kinds=("diagonal",)), "diagonal"),
        (lambda: rst.axes(0), "ndim=0"),
    ],
)
def test_argument_errors_echo_the_value(call: object, echo: str) -> None:
    with pytest.raises(InvalidArgument, match=echo.replace("(", r"\(")):
        call()  # type: ignore[operator]


def test_jax_backend_draws_jax_arrays() -> None:
    jax = pytest.importorskip("jax")

    @settings(max_examples=3)
    @given(rst.ragged_arrays(backend="jax", device="cpu"))
    def check(x: rg.RaggedArray) -> None:
        assert x.backend == "jax" and isinstance(x.values, jax.Array)

    check()
