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
