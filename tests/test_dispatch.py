"""NEP-13 and NEP-18 dispatch, the namespace, and what is declined."""

from __future__ import annotations

import numpy as np
import pytest

import raggrad as rg
from raggrad._registry import ufuncs

BACKENDS = ["numpy", pytest.param("jax", marks=pytest.mark.jax)]

# 2024.12 elementwise functions of the array API standard
ARRAY_API_ELEMENTWISE = [
    "abs",
    "acos",
    "acosh",
    "add",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "bitwise_and",
    "bitwise_left_shift",
    "bitwise_invert",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "ceil",
    "clip",
    "conj",
    "copysign",
    "cos",
    "cosh",
    "divide",
    "equal",
    "exp",
    "expm1",
    "floor",
    "floor_divide",
    "greater",
    "greater_equal",
    "hypot",
    "imag",
    "isfinite",
    "isinf",
    "isnan",
    "less",
    "less_equal",
    "log",
    "log1p",
    "log2",
    "log10",
    "logaddexp",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "maximum",
    "minimum",
    "multiply",
    "negative",
    "nextafter",
    "not_equal",
    "positive",
    "pow",
    "real",
    "reciprocal",
    "remainder",
    "round",
    "sign",
    "signbit",
    "sin",
    "sinh",
    "square",
    "sqrt",
    "subtract",
    "tan",
    "tanh",
    "trunc",
]

SAMPLES = {
    "d": [[0.5, 0.25], [], [0.75]],
    "l": [[1, 2], [], [3]],
    "?": [[True, False], [], [True]],
}


def _backend(name):
    if name == "jax":
        pytest.importorskip("jax")
    return name


def _cases():
    out = []
    for u in sorted(ufuncs(), key=lambda u: u.__name__):
        if u.signature is not None:
            continue  # gufuncs: tested below
        for code in SAMPLES:
            if any(t.startswith(code * u.nin) for t in u.types):
                out.append((u, code))
    return out


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("ufunc", "code"), _cases(), ids=lambda v: getattr(v, "__name__", v))
def test_every_ufunc_matches_the_backend_on_the_values(backend, ufunc, code):
    # the reference is the backend's own function on the flat values: NumPy's ufunc on numpy,
    # jax.numpy's function of the same name on jax (its dtypes and promotion rules)
    x = rg.array(SAMPLES[code], backend=_backend(backend))
    if backend == "numpy":
        reference = ufunc
    else:
        import jax.numpy as jnp

        reference = getattr(jnp, ufunc.__name__)
        if ufunc is np.reciprocal and code in "?bhilqBHILQ":  # NumPy's: integers truncate
            reference = lambda v: np.reciprocal(np.asarray(v))  # noqa: E731
    with np.errstate(all="ignore"):
        got = ufunc(*(x,) * ufunc.nin)
        want = reference(*(x.values,) * ufunc.nin)
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want) == ufunc.nout
    for g, w in zip(got, want):
        assert isinstance(g, rg.RaggedArray)
        assert g.type.rsplit(" * ", 1)[0] == "3 * var"
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(np.asarray(g.values), np.asarray(w))


def test_sin_of_ints_gives_floats_as_numpy_does():
    assert np.sin(rg.array([[1, 2], []])).dtype == np.float64
    assert np.sin(rg.array([[1, 2], []], dtype=np.int16)).dtype == np.sin(np.int16(1)).dtype


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_output_ufuncs(backend):
    x = rg.array([[7.5, -3.25], [], [2.0]], backend=_backend(backend))
    q, r = np.divmod(x, 2.0)
    assert q.to_list() == [[3.0, -2.0], [], [1.0]] and r.to_list() == [[1.5, 0.75], [], [0.0]]
    m, e = np.frexp(x)
    assert (m * 2.0**e).to_list() == x.to_list()
    frac, whole = np.modf(x)
    assert frac.to_list() == [[0.5, -0.25], [], [0.0]] and whole.to_list() == [[7.0, -3.0], [], [2.0]]


@pytest.mark.parametrize("backend", BACKENDS)
def test_bitwise_on_ints_and_logical_on_bools(backend):
    a = rg.array([[12, 10], [], [7]], backend=_backend(backend))
    assert (a & 6).to_list() == [[4, 2], [], [6]]
    assert (a | 1).to_list() == [[13, 11], [], [7]]
    assert (a ^ a).to_list() == [[0, 0], [], [0]]
    assert (~a).to_list() == [[-13, -11], [], [-8]]
    assert np.left_shift(a, 1).to_list() == [[24, 20], [], [14]]
    b = a > 9
    assert np.logical_and(b, ~b).to_list() == [[False, False], [], [False]]
    assert np.logical_or(b, True).to_list() == [[True, True], [], [True]]


@pytest.mark.parametrize("backend", BACKENDS)
def test_operators(backend):
    x = rg.array([[1.0, 2.0], [], [4.0]], backend=_backend(backend))
    assert (-x + +x).to_list() == [[0.0, 0.0], [], [0.0]]
    assert (2**x // 3 % 2).to_list() == [[0.0, 1.0], [], [1.0]]
    assert abs(-x).to_list() == x.to_list()
    assert ((x <= 2) == (x < 3)).to_list() == [[True, True], [], [True]]
    assert (1 / x != x).to_list() == [[False, True], [], [True]]


@pytest.mark.parametrize("backend", BACKENDS)
def test_matmul_contracts_a_regular_inner_dim(backend):
    x = rg.from_offsets([0, 2, 2, 3], np.arange(6.0).reshape(3, 2)).to_backend(_backend(backend))
    y = x @ np.arange(8.0).reshape(2, 4)
    assert y.type.endswith("3 * var * 4 * float64") or y.type == "3 * var * 4 * float32"
    np.testing.assert_allclose(
        np.asarray(y.values), np.arange(6.0).reshape(3, 2) @ np.arange(8.0).reshape(2, 4)
    )
    v = np.vecdot(x, np.array([1.0, 10.0]))
    assert v.to_list() == [[10.0, 32.0], [], [54.0]]


def test_matmul_needs_a_regular_contracted_dim():
    with pytest.raises(ValueError, match="regular"):
        rg.array([[1.0, 2.0], [3.0]]) @ np.ones((2, 2))


def test_out_and_ufunc_methods_are_declined():
    x = rg.array([[1.0], []])
    with pytest.raises(NotImplementedError, match="out="):
        np.sin(x, out=np.zeros(1))
    for call in (lambda: np.add.reduce(x), lambda: np.add.accumulate(x), lambda: np.multiply.outer(x, x)):
        with pytest.raises(NotImplementedError, match=r"rg\.sum"):
            call()
    with pytest.raises(NotImplementedError, match="keyword"):
        np.add(x, x, dtype=np.float32)


def test_unregistered_functions_raise_type_error_naming_them():
    x = rg.array([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="svd"):
        np.linalg.svd(x)
    with pytest.raises(TypeError, match="cross"):
        np.cross(x, x)
    with pytest.raises(TypeError, match="isnat"):
        np.isnat(x)


def test_nep18_functions():
    x = rg.array([[1.0, -2.0, np.nan], [], [np.inf]])
    assert np.where(x > 0, x, 0.0).to_list() == [[1.0, 0.0, 0.0], [], [np.inf]]
    assert np.clip(x, -1, 2).to_list()[0][:2] == [1.0, -1.0]
    assert np.clip(x, a_min=None, a_max=0.0).to_list()[2] == [0.0]
    assert np.round(rg.array([[1.26], []]), 1).to_list() == [[1.3], []]
    assert np.around(rg.array([[2.5], []])).to_list() == [[2.0], []]
    assert np.isclose(x, x, equal_nan=True).to_list() == [[True, True, True], [], [True]]
    assert np.allclose(x, x, equal_nan=True)
    assert not np.allclose(x, x + 1)
    assert np.nan_to_num(x, nan=9.0, posinf=5.0).to_list() == [[1.0, -2.0, 9.0], [], [5.0]]
    assert np.zeros_like(x).to_list() == [[0.0, 0.0, 0.0], [], [0.0]]
    assert np.ones_like(x, dtype=np.int32).to_list() == [[1, 1, 1], [], [1]]
    assert np.full_like(x, 3.5).to_list() == [[3.5, 3.5, 3.5], [], [3.5]]
    assert np.real(rg.array([[1 + 2j]])).to_list() == [[1.0]]
    with pytest.raises(NotImplementedError, match="out="):
        np.clip(x, 0, 1, out=np.zeros(4))
    with pytest.raises(NotImplementedError):
        np.where(x > 0)


def test_namespace_is_raggrad_with_the_array_api_elementwise_functions():
    x = rg.array([[1.0], []])
    assert x.__array_namespace__() is rg
    assert rg.__array_api_version__ == "2024.12"
    missing = [name for name in ARRAY_API_ELEMENTWISE if not callable(getattr(rg, name, None))]
    assert not missing


def test_jvp_of_sin_times_x_is_the_analytic_derivative():
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):
        x = rg.array([[0.5, -1.25], [], [2.0]], backend="jax")
        t = rg.array([[1.0, 2.0], [], [-0.5]], backend="jax")
        y, dy = jax.jvp(lambda a: np.sin(a) * a, (x,), (t,))
        xv, tv = np.asarray(x.values), np.asarray(t.values)
        assert isinstance(dy, rg.RaggedArray) and dy.type == "3 * var * float64"
        np.testing.assert_allclose(np.asarray(y.values), np.sin(xv) * xv)
        np.testing.assert_allclose(np.asarray(dy.values), (np.cos(xv) * xv + np.sin(xv)) * tv)


def test_jit_through_ufuncs():
    jax = pytest.importorskip("jax")
    x = rg.array([[0.5, 1.0], [], [2.0]], backend="jax")
    y = jax.jit(lambda a: np.exp(a) - a * 2)(x)
    np.testing.assert_allclose(
        np.asarray(y.values), np.exp([0.5, 1.0, 2.0]) - 2 * np.array([0.5, 1.0, 2.0]), rtol=1e-6
    )
