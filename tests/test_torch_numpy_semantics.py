"""The torch backend gives NumPy's answers where torch's own kernels depart from them: integer
rounding to tens, NaN in heaviside, integer division by zero, booleans in abs/floor, integers in
hypot; dtypes torch cannot compute on are refused by name; pickle and deepcopy keep every array."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import raggrad as rg  # noqa: E402


def both(lists, **kw):
    return rg.array(lists, **kw), rg.array(lists, backend="torch", **kw)


def same(a, b):
    assert a.to_list() == b.to_list() or np.allclose(
        np.array(a.to_list(), dtype=complex), np.array(b.to_list(), dtype=complex), equal_nan=True
    ), (a.to_list(), b.to_list())


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8"])
@pytest.mark.parametrize("decimals", [-1, -2, -3, -5, -20])
def test_integer_round_to_tens_matches_numpy(dtype, decimals):
    # NumPy rounds integers through floats: its results near the dtype's limits are not exact,
    # so the values stay within half the range (and within int32, which jax holds without x64)
    half = min(np.iinfo(dtype).max // 2, 2**30)
    candidates = [0, 5, -5, 15, 25, 35, 125, 155, -15, -25, 250, 1250, 123456, -98765, half, -half]
    values = np.array(
        [v for v in candidates if -half <= v <= half and (v >= 0 or dtype[0] != "u")], dtype=dtype
    )
    expected = np.round(values, decimals)
    for backend in ("numpy", "torch", "jax"):
        x = rg.from_offsets(np.array([0, 3, len(values)]), values).to_backend(backend)
        got = np.round(x, decimals)
        assert got.dtype == x.dtype
        assert rg.flatten(got).to_list() == expected.tolist(), backend


def test_round_of_booleans_to_tens_is_refused():
    with pytest.raises(TypeError, match="booleans"):
        np.round(rg.array([[True]], backend="torch"), -1)


def test_heaviside_keeps_nan():
    n, t = both([[float("nan"), -1.0, 0.0, 2.0]])
    same(np.heaviside(n, 0.5), np.heaviside(t, 0.5))
    assert np.isnan(np.heaviside(t, 0.5).to_list()[0][0])


def test_integer_division_by_zero_gives_zero_as_numpy():
    n, t = both([[3, -4, 0], [7]])
    with np.errstate(divide="ignore", invalid="ignore"):
        for op in (lambda a: a // 0, lambda a: a % 0, lambda a: np.fmod(a, 0)):
            same(op(n), op(t))
    assert (t // 2).to_list() == [[1, -2, 0], [3]]


@pytest.mark.parametrize("fn", [np.abs, np.floor, np.ceil, np.trunc, rg.abs, rg.floor, rg.ceil, rg.trunc])
def test_booleans_through_unary_functions(fn):
    n, t = both([[True, False], []])
    out = fn(t)
    assert out.to_list() == fn(n).to_list() and out.dtype == torch.bool


@pytest.mark.parametrize("fn", [np.hypot, np.logaddexp, np.logaddexp2, rg.hypot, rg.logaddexp])
def test_integers_in_float_only_functions(fn):
    n, t = both([[3, 0], [1]])
    np.testing.assert_allclose(rg.flatten(fn(t, 4)).to_list(), rg.flatten(fn(n, 4)).to_list(), rtol=1e-6)


def test_complex_mean_var_std():
    n, t = both([[1 + 1j, 2], [3], []])
    for f in (rg.mean, rg.var, rg.std):
        same(f(n, axis=1), f(t, axis=1))


@pytest.mark.parametrize("dtype", ["uint16", "uint32", "uint64"])
def test_wide_unsigned_integers_are_refused_by_name(dtype):
    """torch stores them but has no kernels for arithmetic or reductions on them."""
    x = rg.array([[1, 2], [3]], dtype=dtype, backend="torch")
    assert x.to_list() == [[1, 2], [3]]
    assert rg.astype(x, rg.int64).to_list() == [[1, 2], [3]]
    assert rg.sum(x, axis=1).to_list() == [3, 3]  # sums widen to int64 first, as NumPy's
    for op in (lambda: x + x, lambda: rg.max(x, axis=1), lambda: np.abs(x)):
        with pytest.raises(
            TypeError, match=f"torch backend: torch has no .* kernel for torch.{dtype}.*rg.astype"
        ):
            op()


@pytest.mark.parametrize("dtype", ["uint16", "uint32", "uint64"])
def test_selections_of_wide_unsigned_integers_keep_every_bit(dtype):
    """Event selections carry NanoAOD's uint32 run and uint64 event numbers along: torch has no
    gather for them, so raggrad gathers the same bits as signed integers."""
    top = int(np.iinfo(dtype).max)
    lists = [[1, top], [], [top - 5]]
    x = rg.array(lists, dtype=dtype, backend="torch")
    keep = rg.num(x, axis=1) > 0
    for y in (x, rg.with_capacity(x)):
        assert y[1:].to_list() == lists[1:] and y[keep].to_list() == [lists[0], lists[2]]
        assert y[:, :1].to_list() == [[1], [], [top - 5]] and y[[2, 0]].to_list() == [lists[2], lists[0]]
        assert rg.concat([y, y[::-1]]).to_list() == lists + lists[::-1]
        assert y.dtype == getattr(torch, dtype)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "uint32", "uint64", "int32", "float32", "bool"])
def test_pickle_round_trips_every_dtype(dtype):
    x = rg.array([[1, 0], [], [3]], dtype=dtype, backend="torch")
    r = rg.zip({"a": x, "b": x})
    for obj in (x, r):
        back = pickle.loads(pickle.dumps(obj))
        assert back.to_list() == obj.to_list()
        assert back.type == obj.type


def test_deepcopy_of_a_graph_result_is_refused_by_name():
    x = rg.array([[1.0, 2.0], [3.0]], backend="torch").requires_grad_()
    y = x * 2
    with pytest.raises(TypeError, match=r"copy\.copy"):
        copy.deepcopy(y)
    assert copy.copy(y).to_list() == y.to_list()
    assert copy.deepcopy(x).to_list() == x.to_list()  # a leaf copies


def test_heaviside_and_floor_divide_differentiate_as_on_jax():
    x = rg.array([[0.0, -1.0, 2.0, float("nan")]], backend="torch", dtype="float64").requires_grad_()
    rg.sum(np.heaviside(x, 0.5) + x // 2 + x).backward()  # no derivative of the first two
    assert rg.flatten(x.grad).to_list() == [1.0, 1.0, 1.0, 1.0]
    h = rg.array([[0.5, 0.5]], backend="torch", dtype="float64").requires_grad_()
    rg.sum(np.heaviside(rg.array([[0.0, 1.0]], backend="torch", dtype="float64"), h)).backward()
    assert h.grad.to_list() == [[1.0, 0.0]]  # heaviside(0, h) = h


def test_complex_round_and_integer_divmod_by_zero():
    z = rg.array([[1.26 + 2.54j]], backend="torch")
    np.testing.assert_allclose(np.round(z, 1).to_list(), [[1.3 + 2.5j]])
    q, r = divmod(rg.array([[3, -4]], backend="torch"), 0)
    assert q.to_list() == r.to_list() == [[0, 0]]
    assert np.cbrt(rg.array([[-0.0]], backend="torch")).to_list()[0][0].hex() == "-0x0.0p+0"
    for backend in ("jax", "torch"):
        with pytest.raises(TypeError, match="complex numbers have no hypot"):
            np.hypot(rg.array([[1j]], backend=backend), 1.0)


def test_hypot_and_cbrt_gradients_at_zero_are_not_nan():
    x = rg.array([[0.0, 1.0, -8.0]], backend="torch", dtype="float64").requires_grad_()
    rg.sum(np.hypot(x, x)).backward()
    assert not np.isnan(rg.flatten(x.grad).to_list()).any()
    y = rg.array([[0.0, 1.0, -8.0]], backend="torch", dtype="float64").requires_grad_()
    rg.sum(np.cbrt(y)).backward()
    assert rg.flatten(y.grad).to_list() == pytest.approx([np.inf, 1 / 3, 1 / 12])


def test_cbrt_and_hypot_derivatives_match_finite_differences_to_second_order():
    a = torch.tensor([0.5, -8.0, 2.0, -0.3], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.25, 3.0, -2.0, 0.0], dtype=torch.float64, requires_grad=True)
    offsets = np.array([0, 4])

    def cbrt(v):
        return np.cbrt(rg.from_offsets(offsets, v)).values

    def hypot(u, v):
        return np.hypot(rg.from_offsets(offsets, u), rg.from_offsets(offsets, v)).values

    assert torch.autograd.gradcheck(cbrt, (a,))
    assert torch.autograd.gradcheck(hypot, (a, b))
    (g,) = torch.autograd.grad(cbrt(a).sum(), a, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), a)
    v = a.detach()
    torch.testing.assert_close(h, -2 / 9 * torch.sign(v) * v.abs() ** (-5 / 3))


def test_torch_dtypes_are_accepted_and_compare_through_isdtype():
    x = rg.array([[1.0, 2.0], [3.0]], backend="torch")
    assert rg.array([[1, 2]], dtype=x.dtype, backend="torch").dtype == torch.float64
    assert rg.array([[1, 2]], dtype=x.dtype).dtype == np.float64
    assert rg.array([[1, 2]]).to_backend("numpy", dtype=x.dtype).dtype == np.float64
    assert rg.isdtype(x.dtype, rg.float64) and not rg.isdtype(x.dtype, rg.float32)
    with pytest.raises(TypeError, match="bfloat16"):
        rg.array([[1.0]], dtype=torch.bfloat16)


@pytest.mark.parametrize("dtype", ["uint16", "uint32", "uint64"])
def test_sorting_wide_unsigned_integers_within_lists_keeps_every_bit(dtype):
    # within the lists: the gathers run on the same bits as signed ints; along a regular
    # dimension, descending, torch has no flip for them: a named error
    top = int(np.iinfo(dtype).max)
    n, t = both([[5, 1, top], [], [3, 3, 1]], dtype=dtype)
    for op in (rg.sort, rg.argsort):
        for descending in (False, True):
            assert (
                op(t, axis=1, descending=descending).to_list()
                == op(n, axis=1, descending=descending).to_list()
            )
    dense = rg.from_lengths([2, 0], np.array([[5, 1], [2, 3]], dtype=dtype)).to_backend("torch")
    with pytest.raises(TypeError, match=f"torch has no rg.sort kernel for torch.{dtype}.*rg.astype"):
        rg.sort(dense, axis=-1, descending=True)


def test_numpy_scalars_and_0d_arrays_are_operands_as_in_torch():
    # a NumPy scalar promotes as torch promotes it (as the Python number); a 0-d array as a tensor
    x = rg.array([[1.0, 2.0], [3.0]], backend="torch")
    assert (x + np.array(1.5)).to_list() == [[2.5, 3.5], [4.5]]
    assert (
        np.maximum(x, np.int64(2)).to_list() == rg.maximum(x, np.float32(2)).to_list() == [[2.0, 2.0], [3.0]]
    )
    assert (np.int64(2) < x).to_list() == [[False, False], [True]]
    assert np.logical_and(x, np.int64(0)).to_list() == [[False, False], [False]]
    y = rg.array([[1.0]], backend="torch", dtype="float32")
    assert (y * np.float64(3.0)).dtype == (y * 3.0).dtype == torch.float32


def test_booleans_subtract_as_numbers_and_two_booleans_are_refused():
    n, t = both([[1.0, 2.0]])
    same(t - True, n - True)
    same(True - t, True - n)
    for backend in ("numpy", "torch"):
        with pytest.raises(TypeError, match="boolean"):
            rg.array([[True]], backend=backend) - True


@pytest.mark.parametrize(
    ("fn", "lists", "dtype"),
    [
        (np.fabs, [[-128, 3, 0]], "int8"),
        (np.rint, [[-3, 4]], "int16"),
        (np.reciprocal, [[-128, 3, 0, 1, -1]], "int8"),
        (np.reciprocal, [[True, False]], "bool"),
        (np.square, [[True, False]], "bool"),
    ],
)
def test_unary_functions_of_integers_and_booleans_give_numpys_values_and_kinds(fn, lists, dtype):
    n, t = both(lists, dtype=dtype)
    with np.errstate(divide="ignore", invalid="ignore"):  # NumPy's integer reciprocal of 0
        same(fn(n), fn(t))
    # the kind of NumPy's result (float16 for int8 there: torch's default float here)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert np.dtype(fn(n).dtype).kind == np.dtype(str(fn(t).dtype).removeprefix("torch.")).kind


_UINT8 = [[1, 2, 255], [], [4]]


@pytest.mark.parametrize(
    "call",
    [
        lambda x: np.float_power(x, -1),
        lambda x: np.float_power(-1, x),
        lambda x: np.copysign(x, -1),
        lambda x: np.hypot(x, -1),
        lambda x: np.arctan2(x, -1),
        lambda x: np.logaddexp(x, -1),
        lambda x: np.heaviside(-1, x),
        lambda x: np.ldexp(x, -1),
        lambda x: np.nextafter(x, -1),
        lambda x: np.reciprocal(x),
        lambda x: rg.isclose(x, -1),
        lambda x: rg.isclose(x, 256),
    ],
)
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_a_negative_python_int_beside_unsigned_integers_is_its_value(call, backend):
    # torch and jax hold -1 beside uint8 as 255; NumPy's float functions take its value
    pytest.importorskip(backend)
    x = rg.array(_UINT8, dtype="uint8")
    expected = call(x).to_list()
    got = call(x.to_backend(backend)).to_list()
    np.testing.assert_allclose(
        np.asarray(rg.flatten(rg.array(got)).values, float),
        np.asarray(rg.flatten(rg.array(expected)).values, float),
        rtol=2e-3,
    )


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
def test_fill_values_the_dtype_cannot_hold_raise_overflow_error(backend):
    pytest.importorskip(backend)
    x = rg.array(_UINT8, dtype="uint8", backend=backend)
    for call in (
        lambda: rg.full_like(x, -1),
        lambda: rg.full_like(x, 256),
        lambda: rg.firsts(x, fill_value=-1),
        lambda: rg.lasts(x, fill_value=256),
        lambda: rg.firsts(rg.with_capacity(x), fill_value=-1),
        lambda: rg.full_like(rg.astype(x, "int32"), 2**40),
    ):
        with pytest.raises(OverflowError, match="does not fit in"):
            call()
    assert rg.firsts(x, fill_value=0).to_list() == [1, 0, 4]


def test_integer_and_boolean_vecdot_and_refusals_as_numpy():
    lists = np.array([[1, 2], [3, 4], [5, 6]])
    for dtype in ("int64", "int8", "bool"):
        r = rg.from_offsets([0, 2, 3], lists.astype(dtype))
        expected, got = rg.vecdot(r, r), rg.vecdot(r.to_backend("torch"), r.to_backend("torch"))
        assert got.to_list() == expected.to_list() and got.type == expected.type
    with pytest.raises(TypeError, match="booleans do not negate"):
        -rg.array([[True]], backend="torch")
    with pytest.raises(ValueError, match="negative integer powers"):
        rg.array([[5]], backend="torch") ** -1
    with pytest.raises(TypeError, match="does not promote uint16/32/64"):
        rg.array([[1]], backend="torch") + rg.array(np.array([[1]], dtype=np.uint64), backend="torch")


@pytest.mark.parametrize(
    ("backend", "dtype"),
    [("torch", "int8"), ("torch", "int32"), ("torch", "int64"), ("jax", "int8"), ("jax", "int32")],
)
def test_gcd_and_lcm_at_the_integer_limits_are_numpys(backend, dtype):
    # torch's gcd(INT_MIN, odd) is -1 and its lcm dies of SIGFPE there; jnp.gcd never ends on it
    pytest.importorskip(backend)
    info = np.iinfo(dtype)
    values = [int(info.min), int(info.max), 0, 1, -1, 6, -4, 127]
    a = np.array([v for v in values for _ in values], dtype)
    b = np.array(values * len(values), dtype)
    x, y = rg.array(a, backend=backend), rg.array(b, backend=backend)
    with np.errstate(all="ignore"):
        for fn in (np.gcd, np.lcm):
            np.testing.assert_array_equal(np.asarray(fn(x, y).to_list()), fn(a, b))


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
def test_integers_to_negative_integer_powers_raise_as_in_numpy(backend):
    # jax gave 2 ** -1 as INT_MIN and torch a tensor of exponents as garbage
    pytest.importorskip(backend)
    x = rg.array([[2, 1, -1, 0]], backend=backend)
    for call in (
        lambda: x**-1,
        lambda: rg.pow(x, -2),
        lambda: np.power(x, rg.array([[1, -1, 2, 3]], backend=backend)),
        lambda: np.power(2, x),
    ):
        with pytest.raises(ValueError, match=r"(?i)integers to negative integer powers"):
            call()
    assert (x**2).to_list() == [[4, 1, 1, 0]] and (rg.array([[2.0]], backend=backend) ** -1).to_list() == [
        [0.5]
    ]
