"""Every supported ufunc on generated ragged arrays equals awkward's result and the ufunc on the values."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import raggrad as rg
from raggrad._registry import ufuncs

ak = pytest.importorskip("awkward")

_CODES = {"d": np.float64, "l": np.int64, "?": np.bool_}


def _signature(u: np.ufunc) -> str | None:
    """The input type codes to test ``u`` with: floats if it takes them, else ints, else bools."""
    for preferred in ("d", "l", "?"):
        for t in u.types:
            ins = t.split("->")[0]
            if preferred in ins and set(ins) <= set(_CODES):
                return ins
    return None


UFUNCS = sorted((u for u in ufuncs() if u.signature is None and _signature(u)), key=lambda u: u.__name__)


def _examples() -> int:
    return max(3, settings.default.max_examples // 5)


@st.composite
def layouts(draw):
    """(outer length, list lengths per ragged level, regular inner shape): depth 1 to 3, empty lists."""
    depth = draw(st.integers(1, 3))
    n = draw(st.integers(0, 4))
    levels, count = [], n
    for _ in range(depth - 1):
        lengths = draw(st.lists(st.integers(0, 3), min_size=count, max_size=count))
        levels.append(lengths)
        count = sum(lengths)
    inner = draw(st.sampled_from([(), (), (2,)]))
    return n, levels, inner, count


def _values(draw, code, count, inner):
    size = count * int(np.prod(inner, dtype=int))
    if code == "d":
        elems = st.floats(-3, 3, allow_nan=False, allow_subnormal=False, width=64)
    elif code == "l":
        elems = st.integers(0, 6)
    else:
        elems = st.booleans()
    flat = draw(st.lists(elems, min_size=size, max_size=size))
    return np.asarray(flat, dtype=_CODES[code]).reshape((count, *inner))


def _build(levels, content, backend):
    out = rg.asarray(content, backend=backend)
    for lengths in reversed(levels):
        out = rg.from_lengths(lengths, out)
    return out


def _to_awkward(x):
    # built from the buffers (no raggrad conversion code), regular dims as RegularArrays so
    # that awkward broadcasts them by its left-aligned rules
    layout = ak.from_numpy(np.asarray(x.values), regulararray=True, highlevel=False)
    for level in reversed(x._structure.levels):
        layout = ak.contents.ListOffsetArray(ak.index.Index64(level.offsets), layout)
    return ak.Array(layout)


def _flat(a):
    return np.asarray(ak.flatten(a, axis=None)) if isinstance(a, ak.Array) else np.asarray(a).ravel()


@contextlib.contextmanager
def _backend_context(backend):
    if backend == "jax":
        jax = pytest.importorskip("jax")
        with jax.enable_x64(True):  # compare in float64 with awkward's float64
            yield
    else:
        yield


@pytest.mark.parametrize("backend", ["numpy", pytest.param("jax", marks=pytest.mark.jax)])
@pytest.mark.parametrize("ufunc", UFUNCS, ids=lambda u: u.__name__)
def test_ufunc_equals_awkward_and_values(backend, ufunc):
    sig = _signature(ufunc)

    @settings(max_examples=_examples())
    @given(st.data())
    def check(data):
        _n, levels, inner, count = data.draw(layouts())
        with _backend_context(backend):
            contents = [_values(data.draw, code, count, inner) for code in sig]
            args = [_build(levels, c, backend) for c in contents]
            with np.errstate(all="ignore"):
                got = ufunc(*args)
                want_ak = ufunc(*(_to_awkward(a) for a in args))
                want_values = ufunc(*(a.values for a in args))
            got = got if isinstance(got, tuple) else (got,)
            want_ak = want_ak if isinstance(want_ak, tuple) else (want_ak,)
            want_values = want_values if isinstance(want_values, tuple) else (want_values,)
            for g, wa, wv in zip(got, want_ak, want_values, strict=True):
                assert isinstance(g, rg.RaggedArray)
                assert g.type.rsplit(" * ", 1)[0] == args[0].type.rsplit(" * ", 1)[0]
                values = np.asarray(g.values)
                tol = {"rtol": 1e-9, "atol": 1e-12} if backend == "jax" else {"rtol": 0, "atol": 0}
                np.testing.assert_allclose(
                    values.ravel(), _flat(wa).astype(values.dtype), equal_nan=True, **tol
                )
                np.testing.assert_allclose(values, np.asarray(wv), equal_nan=True, **tol)

    check()


def test_ufunc_with_broadcast_operands_equals_awkward():
    x = rg.array([[[1.0], [2.0, 3.0]], [], [[4.0]]])
    y = rg.array([[0.5, 2.0], [], [-1.0]])
    with np.errstate(all="ignore"):
        for u in (np.add, np.power, np.arctan2, np.maximum, np.hypot):
            assert u(x, y).to_list() == u(_to_awkward(x), _to_awkward(y)).tolist()
            assert u(y, 2.0).to_list() == u(_to_awkward(y), 2.0).tolist()
