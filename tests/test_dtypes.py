"""dtype objects and functions: astype, result_type, isdtype, finfo, iinfo."""

from __future__ import annotations

import numpy as np
import pytest

import raggrad as rg


def test_dtype_objects_compare_with_eq():
    assert rg.array([[1.0]]).dtype == rg.float64
    assert rg.array([[True]]).dtype == rg.bool
    assert rg.float32 != rg.float64


def test_astype_keeps_structure():
    x = rg.array([[1.7, -2.2], []])
    assert rg.astype(x, rg.int64).to_list() == [[1, -2], []]
    assert rg.astype(x, rg.float32).type == "2 * var * float32"


def test_dtype_names_held_in_numpy_strings_are_names():
    # np.str_("float64") (a name read from a NumPy array or a file) was taken as a string scalar
    x = rg.array([[1, 2], [3]])
    for name in (np.str_("float64"), np.array(["float32"])[0]):
        assert rg.astype(x, name).dtype == np.dtype(str(name))
    assert rg.zeros(2, dtype=np.str_("int8")).dtype == np.int8


def test_result_type_follows_the_backend():
    x = rg.array([[1], []], dtype=rg.int32)
    assert rg.result_type(x, rg.float32) == np.result_type(np.int32, np.float32)
    assert rg.result_type(rg.int8, rg.uint8) == rg.int16
    jnp = pytest.importorskip("jax.numpy")
    xj = x.to_backend("jax")
    assert rg.result_type(xj, rg.float32) == jnp.result_type(jnp.int32, jnp.float32)


def test_isdtype_kinds():
    assert rg.isdtype(rg.float64, "real floating")
    assert rg.isdtype(rg.complex64, "complex floating")
    assert rg.isdtype(rg.uint8, ("signed integer", "unsigned integer"))
    assert not rg.isdtype(rg.bool, "numeric")
    assert rg.isdtype(rg.int32, rg.int32)


def test_finfo_and_iinfo_give_python_scalars():
    f = rg.finfo(rg.float32)
    assert all(isinstance(getattr(f, a), float) for a in ("eps", "max", "min", "smallest_normal"))
    assert f.bits == 32 and f.dtype == rg.float32
    assert rg.finfo(rg.complex128).dtype == rg.float64
    i = rg.iinfo(rg.int16)
    assert (i.bits, i.min, i.max) == (16, -32768, 32767) and isinstance(i.max, int)
    with pytest.raises(ValueError, match="iinfo"):
        rg.finfo(rg.int8)
    with pytest.raises(ValueError, match="finfo"):
        rg.iinfo(rg.float64)


def test_ufunc_dtypes_follow_numpy_promotion():
    x = rg.array([[1, 2], []], dtype=rg.int8)
    assert (x + np.int16(1)).dtype == rg.int16
    assert (x / 2).dtype == np.true_divide(np.int8(1), 2).dtype
    assert np.sqrt(rg.array([[1.0]], dtype=rg.float32)).dtype == rg.float32


BACKENDS = ["numpy", "jax", "torch"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_python_int_the_array_dtype_cannot_hold_is_refused_on_every_backend(backend):
    # NumPy's rule (NEP 50); jax and torch wrapped it around (int8 + 300 gave -112), and
    # np.where reads its numbers as int64 arrays (rg.where(c, int8, 1000) gave -24)
    pytest.importorskip(backend)
    x8 = rg.to_backend(rg.array([[100, 5], []], dtype="int8"), backend)
    for op in (lambda: x8 + 300, lambda: x8 * 1000, lambda: np.maximum(x8, 300), lambda: 300 - x8):
        with pytest.raises(OverflowError, match=r"300|1000"):
            op()
    with pytest.raises(OverflowError, match="out of bounds for int8"):
        rg.where(x8 > 50, x8, 1000)
    assert (x8 + 27).to_list() == [[127, 32], []] and (x8 / 300).to_list()[0][0] == pytest.approx(1 / 3)
    # comparisons take any int, as its value (jax and torch compared it wrapped: 100 < 300 False)
    assert (x8 < 300).to_list() == np.greater(300, x8).to_list() == [[True, True], []]
    assert (x8 == 300).to_list() == [[False, False], []] and (x8 > -300).to_list() == [[True, True], []]
    assert (rg.to_backend(rg.array([[True]]), backend) + 300).to_list() == [[301]]  # bools take ints


def test_numpy_integer_scalars_beside_torch_arrays_are_checked_as_python_ints():
    # torch reads a NumPy scalar as its value (int8 + np.int64(3) stays int8) and wrapped one
    # its dtype cannot hold: uint8 + np.int8(-1) gave 255, uint8 < np.int8(-1) True
    pytest.importorskip("torch")
    u = rg.array([[0, 1], [], [255]], dtype="uint8", backend="torch")
    i = rg.array([[0, -1], [], [127]], dtype="int8", backend="torch")
    for op in (lambda: u + np.int8(-1), lambda: np.maximum(u, np.int8(-1)), lambda: i + np.uint8(200)):
        with pytest.raises(OverflowError, match=r"NumPy scalar .* out of bounds for u?int8"):
            op()
    assert (u < np.int8(-1)).to_list() == [[False, False], [], [False]]
    assert (i < np.uint8(200)).to_list() == [[True, True], [], [True]]
    assert np.equal(np.uint8(200), i).to_list() == [[False, False], [], [False]]
    assert (i + np.int64(3)).to_list() == [[3, 2], [], [-126]]  # (torch's rule: wraps, as documented)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_int_beyond_int64_beside_floats_is_its_value(backend):
    # NumPy reads it as a float there; raggrad refused it on every backend
    pytest.importorskip(backend)
    f = rg.to_backend(rg.array([[0.5, 1.0], []], dtype="float32"), backend)
    assert "float32" in str((f + 2**70).dtype)
    assert (f + 2**70).to_list() == [[np.float32(2**70 + 0.5), np.float32(2**70 + 1.0)], []]
    assert np.hypot(rg.to_backend(rg.array([[3]]), backend), 2**70).to_list() == [[float(2**70)]]
    assert (rg.to_backend(rg.array([[3]]), backend) < 2**70).to_list() == [[True]]
    with pytest.raises(OverflowError, match="out of bounds"):
        rg.to_backend(rg.array([[True]]), backend) + 2**70  # booleans and an int add in int64


def test_numpy_integers_jax_cannot_hold_without_x64_are_refused():
    jax = pytest.importorskip("jax")
    if jax.config.jax_enable_x64:
        pytest.skip("x64 is on")
    x = rg.array([[1, 2], [3]], backend="jax")  # int32
    for big in (np.int64(2**40 + 5), np.array(2**40 + 5)):
        with pytest.raises(OverflowError, match="does not fit in int32"):
            x + big
    assert (x + np.int64(5)).to_list() == [[6, 7], [8]]


@pytest.mark.parametrize("backend", BACKENDS)
def test_integer_floor_division_by_zero_and_reciprocals_give_numpys_values(backend):
    pytest.importorskip(backend)
    x = rg.to_backend(rg.array([[7, -7, 0], [5]]), backend)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert (x // 0).to_list() == divmod(x, 0)[0].to_list() == [[0, 0, 0], [0]]
        assert (x // rg.to_backend(rg.array([[2, 0, 3], [0]]), backend)).to_list() == [[3, 0, 0], [0]]
        assert np.reciprocal(rg.to_backend(rg.array([[2, 1, -1]]), backend)).to_list() == [[0, 1, -1]]


@pytest.mark.parametrize("backend", BACKENDS)
def test_array_api_names_give_the_numpy_names_integer_results(backend):
    # torch's rg.pow wrapped 2 ** -1 to 0 and rg.reciprocal of ints gave floats (np.power and
    # np.reciprocal were right); jax's bool // and fmod divided by False (True // False gave -2)
    pytest.importorskip(backend)
    a = rg.to_backend(rg.array([[2, 1], [], [3]], dtype="int8"), backend)
    with pytest.raises(ValueError, match="negative integer powers"):
        rg.pow(a, rg.to_backend(rg.array([[-1, -1], [], [-2]], dtype="int8"), backend))
    assert rg.reciprocal(a).to_list() == np.reciprocal(a).to_list() == [[0, 1], [], [0]]
    assert "int8" in str(rg.reciprocal(a).dtype)
    t = rg.to_backend(rg.array([[True, True], [], [False]]), backend)
    f = rg.to_backend(rg.array([[False, True], [], [False]]), backend)
    bools = [np.floor_divide, np.fmod, np.remainder, rg.floor_divide, rg.remainder]
    if backend == "torch":  # torch has no kernels for them: a named error
        with pytest.raises(TypeError, match=r"no 'floor_divide' kernel for torch\.bool"):
            np.floor_divide(t, f)
        bools = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for fn in bools:
            expected = getattr(np, fn.__name__)(np.array([True, True, False]), np.array([False, True, False]))
            expected = expected.tolist()
            assert rg.flatten(fn(t, f)).to_list() == expected, fn
    for r in (lambda: rg.round(t), lambda: np.round(t), lambda: np.round(t, -1)):
        with pytest.raises(TypeError, match="booleans cannot be rounded"):
            r()
    x = rg.to_backend(rg.array([[-np.inf, 1.5], [], [np.inf]]), backend)  # jax's fraction was NaN
    assert [str(v) for v in rg.flatten(np.modf(x)[0]).to_list()] == ["-0.0", "0.5", "0.0"]


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_clip_bounds_beyond_the_integer_dtype_bound_nothing(backend):
    pytest.importorskip(backend)
    x = rg.array([[1, 2, 3], [250]], dtype=np.uint8).to_backend(backend)
    a = np.array([1, 2, 3, 250], np.uint8)
    for lo, hi in [(-1, 2), (0, 300), (2, None), (None, 300), (-7, 1000)]:
        out = rg.clip(x, lo, hi)
        assert rg.flatten(out).to_list() == np.clip(a, lo, hi).tolist() and "uint8" in str(out.dtype)
    for lo, hi in [(-5, -1), (300, 400), (None, -1)]:  # a bound that clips everything: NumPy raises
        with pytest.raises(OverflowError, match="out of bounds for uint8"):
            rg.clip(x, lo, hi)


def test_numpy_backend_holds_bfloat16_once_ml_dtypes_is_loaded():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = rg.astype(rg.array([[1.0, 2.5], []]), ml_dtypes.bfloat16)
    assert x.type == "2 * var * bfloat16" and x.to_list() == [[1.0, 2.5], []]
    # reducers that divide asked np.isdtype, which refuses ml_dtypes' floats
    y = rg.from_lengths([2, 3], np.arange(5).astype(ml_dtypes.bfloat16))
    for fn in (rg.mean, rg.nanmean, rg.var, rg.std):
        want = [getattr(np, fn.__name__)(row) for row in ([0, 1], [2, 3, 4])]
        assert rg.to_list(fn(y, axis=1)) == pytest.approx(want, rel=1e-2)
    assert rg.isdtype(ml_dtypes.bfloat16, "real floating") and not rg.isdtype(ml_dtypes.bfloat16, "integral")


def test_jax_integer_powers_read_every_bit_of_the_exponent():
    # jnp.power of an integer array exponent reads its lowest 6 bits: 2 ** 64 gave 1, 3 ** 65 gave 3
    pytest.importorskip("jax")
    a = np.array([3, 2, -1, 127, 5], np.int32)
    b = np.array([65, 64, 127, 128, 3], np.int32)
    x, y = (
        rg.array([a.tolist()], dtype="int32", backend="jax"),
        rg.array([b.tolist()], dtype="int32", backend="jax"),
    )
    assert rg.flatten(x**y).to_list() == np.power(a, b).tolist()
    assert rg.flatten(np.power(x, 2)).to_list() == (a * a).tolist()


@pytest.mark.parametrize("backend", BACKENDS)
def test_float_power_and_ldexp_keep_their_exponents(backend):
    # torch promoted the operands first: float32 -1 ** (2**31 - 1) met an even float32 exponent,
    # and ldexp(0.0, 300) in float32 made 2**300 overflow (NaN); jax's float_power kept float32
    pytest.importorskip(backend)
    jax = pytest.importorskip("jax") if backend == "jax" else None
    f = rg.to_backend(rg.array([[-1.0, 2.0]], dtype="float32"), backend)
    i = rg.to_backend(rg.array([[2**31 - 1, 3]], dtype="int32"), backend)
    wide = backend != "jax" or jax.config.jax_enable_x64
    assert np.float_power(f, i).to_list() == [[-1.0 if wide else 1.0, 8.0]]
    assert "float64" in str(np.float_power(f, i).dtype) or not wide
    z = rg.to_backend(rg.array([[0.0, 1.5]], dtype="float32"), backend)
    with np.errstate(over="ignore"):
        assert np.ldexp(z, 300).to_list() == [[0.0, float("inf")]]
    assert np.ldexp(z, rg.to_backend(rg.array([[2, 3]], dtype="int32"), backend)).to_list() == [[0.0, 12.0]]
    with pytest.raises((TypeError, ValueError), match="ldexp"):
        np.ldexp(z, 2.5)


def test_the_array_api_constants_are_numpys():
    assert (rg.e, rg.pi, rg.inf) == (np.e, np.pi, np.inf) and np.isnan(rg.nan) and rg.newaxis is None
    assert all(type(c) is float for c in (rg.e, rg.pi, rg.inf, rg.nan))  # the standard's Python floats
    x = rg.array([[1.0, 2.0], []])
    assert x[rg.newaxis].to_list() == [x.to_list()]


def test_the_namespace_info_describes_the_numpy_backends_arrays():
    info = rg.__array_namespace_info__()
    assert info.capabilities()["boolean indexing"] and info.default_device() in info.devices()
    assert rg.array([[1.0]]).device == info.default_device()
    assert info.default_dtypes()["real floating"] == rg.array([[1.0]]).dtype
    assert sorted(info.dtypes(kind="unsigned integer")) == ["uint16", "uint32", "uint64", "uint8"]
    assert len(info.dtypes()) == 13 and info.dtypes(kind=("bool", "complex floating")).keys() == {
        "bool",
        "complex64",
        "complex128",
    }
    with pytest.raises(ValueError, match="live on 'cpu'"):
        info.dtypes(device="gpu")


@pytest.mark.parametrize("backend", BACKENDS)
def test_booleans_compare_with_python_ints_and_numpy_floats_keep_their_dtype(backend):
    # regressions of the number checks: booleans beside an int raised, and torch read a 0-d
    # float64 array as a Python float (float32)
    pytest.importorskip(backend)
    b = rg.to_backend(rg.array([[True, False], [True]]), backend)
    assert (b != 0).to_list() == [[True, False], [True]] and (b == 5).to_list() == [[False, False], [False]]
    assert (b < 2**70).to_list() == [[True, True], [True]] and (b + 1).to_list() == [[2, 1], [2]]
    i = rg.to_backend(rg.array([[1, 2], [3]]), backend)
    assert (i + np.array(0.1)).dtype == rg.to_backend(rg.array([[0.5]]), backend).dtype  # float64's
    f = rg.to_backend(rg.array([[1.0, 2.0]], dtype="float32"), backend)
    assert np.ldexp(f, True).to_list() == [[2.0, 4.0]]  # a boolean exponent is NumPy's 1
