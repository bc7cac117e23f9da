"""Creation and conversion at their edges: dtypes from another library, ``copy=False``, fill
values an integer dtype cannot hold, offsets past int64, read-only NumPy views, and matmul with a
number (each once gave a quiet wrong answer or another library's error)."""

from __future__ import annotations

import numpy as np
import pytest

import raggrad as rg


def test_asarray_reads_equal_lists_as_regular_whatever_the_dtype_is_spelled() -> None:
    torch = pytest.importorskip("torch")
    for dtype in (rg.float32, np.float32, "float32", torch.float32):
        x = rg.asarray([[1, 2], [3, 4]], dtype=dtype)
        assert x.type == "2 * 2 * float32", (dtype, x.type)
    assert rg.asarray([[1, 2], [3]], dtype=torch.float32).type == "2 * var * float32"
    # None is a missing value in any dtype, not NaN or False; and too large an int is named
    for dt in (torch.float32, np.float64, "float32", rg.bool):
        assert rg.asarray([[1.0, None], [2.0, 3.0]], dtype=dt).to_list()[0][1] is None
    with pytest.raises(TypeError, match=r"rg\.array: cannot convert"):
        rg.asarray([[2**63, 1], [1, 1]], dtype=torch.int64)


def test_asarray_copy_false_refuses_what_it_must_copy() -> None:
    for obj in ([[1.0, 2.0], [3.0, 4.0]], [[1.0], []], 1.0):
        with pytest.raises(ValueError, match="copy=False"):
            rg.asarray(obj, copy=False)
    with pytest.raises(ValueError):  # as NumPy does
        np.asarray([[1.0, 2.0], [3.0, 4.0]], copy=False)
    a = np.ones(3)
    assert np.shares_memory(np.asarray(rg.asarray(a, copy=False)), a)
    x = rg.array([[1.0, 2.0], [3.0]])
    assert rg.asarray(x, copy=False)._content is x._content
    record = rg.zip({"a": x})  # records are taken as they are, without a copy
    same = rg.asarray(record, copy=False)
    assert same.to_list() == record.to_list() and np.shares_memory(same["a"].values, x.values)


@pytest.mark.parametrize("make", ["full", "full_like", "firsts", "lasts"])
@pytest.mark.parametrize("fill", [float("nan"), float("inf"), np.float32("-inf"), 1e30, -1e19])
def test_a_fill_value_without_an_integer_value_is_refused(make: str, fill: float) -> None:
    calls = {
        "full": lambda: rg.full((2,), fill, dtype=rg.int64),
        "full_like": lambda: rg.full_like(rg.array([[1], [2, 3]]), fill),
        "firsts": lambda: rg.firsts(rg.array([[1], []]), fill_value=fill),
        "lasts": lambda: rg.lasts(rg.array([[1], []], dtype=rg.int32), fill_value=fill),
    }
    with pytest.raises(ValueError, match="does not fit in int"):
        calls[make]()
    # a number with an integer value, or a floating-point dtype, is as NumPy has it
    assert rg.full((2,), 2.5, dtype=rg.int64).to_list() == np.full(2, 2.5, dtype=np.int64).tolist()
    assert rg.full((2,), 255.9, dtype=rg.uint8).to_list() == [255, 255]
    assert rg.full((2,), fill, dtype=rg.bool).to_list() == np.full(2, fill, dtype=bool).tolist()  # True
    assert np.isnan(rg.full((2,), fill, dtype=rg.float64).to_list()[0]) == np.isnan(fill)
    assert rg.firsts(rg.array([[1.0], []]), fill_value=fill).to_list()[1] == pytest.approx(fill, nan_ok=True)


@pytest.mark.parametrize("offsets", [[0, 2**63], (0, 2**64), [0, -(2**63) - 1]])
def test_offsets_past_int64_are_named_as_such(offsets: list[int]) -> None:
    with pytest.raises(ValueError, match="must fit in int64"):
        rg.from_offsets(offsets, np.arange(5.0))
    with pytest.raises(TypeError, match="must be integers, not dtype float64"):
        rg.from_offsets([0, 2.5], np.arange(5.0))


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_to_numpy_of_a_ragged_array_is_a_read_only_view(backend: str) -> None:
    pytest.importorskip(backend)
    x = rg.to_backend(rg.array(np.ones((2, 2))), backend)
    flat = rg.ravel(rg.array([[1.0, 2.0], [3.0]]))
    for y in (x, flat):
        out = rg.to_numpy(y)
        before = y.to_list()
        with pytest.raises(ValueError, match="read-only"):
            out[0] = 123.0
        assert y.to_list() == before
        copied = np.array(out)
        copied[0] = 123.0
        assert y.to_list() == before


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_matmul_with_a_number_is_refused_alike_on_every_backend(backend: str) -> None:
    pytest.importorskip(backend)
    x = rg.to_backend(rg.from_lengths([2, 1], np.ones((3, 2))), backend)
    for args in ((x, 2.0), (2.0, x), (x, np.float64(2.0)), (np.ones(2), 3.0)):
        with pytest.raises(ValueError, match=r"rg.matmul: an operand of shape \(\) has 0 dimension"):
            rg.matmul(*args)


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("rg.zeros_like", lambda v: rg.zeros_like(v)),
        ("rg.full_like", lambda v: rg.full_like(v, 1)),
        ("rg.astype", lambda v: rg.astype(v, rg.float64)),
        ("rg.to_numpy", lambda v: rg.to_numpy(v)),
    ],
)
def test_ragged_python_lists_where_an_array_is_read_name_rg_array(name, call) -> None:
    with pytest.raises(ValueError, match=rf"{name}: the nested lists have different lengths .* rg\.array"):
        call([[1, 2], [3]])
    assert np.asarray(call([[1, 2], [3, 4]])).shape == (2, 2)  # equal lengths: NumPy's array
