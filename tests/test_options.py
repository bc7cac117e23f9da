"""The option functions (is_none, fill_none, drop_none, pad_none, mask, singletons): awkward's
values and types, derivatives (zero at a missing slot, never NaN), jit/vmap, torch, the errors,
the ``allow_none`` strategy, and the ak → rg table of docs/user-guide/from-awkward.md."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import raggrad as rg
from raggrad._errors import TracedStructureError
from raggrad._options import all_masks
from raggrad._registry import REGISTRY
from raggrad.testing.strategies import ragged_arrays

OPS = ("drop_none", "fill_none", "is_none", "mask", "pad_none", "singletons")
PAGE = Path(__file__).resolve().parent.parent / "docs" / "user-guide" / "from-awkward.md"


# ---- the ak → rg table (no awkward needed) ------------------------------------------------------
def awkward_table() -> str:
    """The Markdown table of every awkward function with a raggrad counterpart, from the registry."""
    rows = sorted(
        (op.awkward, name) for name, op in REGISTRY.items() if op.awkward and op.awkward.startswith("ak.")
    )
    lines = ["| awkward | raggrad |", "| --- | --- |"]
    lines += [f"| `{a}` | `rg.{name}` |" for a, name in rows]
    return "\n".join(lines)


_TABLE = re.compile(r"(<!-- ak-table: start -->\n)(.*?)(\n<!-- ak-table: end -->)", re.DOTALL)


def test_the_migration_page_table_is_generated_from_the_registry() -> None:
    (table,) = [m.group(2) for m in _TABLE.finditer(PAGE.read_text())]
    assert table == awkward_table(), (
        "docs/user-guide/from-awkward.md is stale: run `python tests/test_options.py` "
        "to regenerate its ak → rg table"
    )


def test_every_option_function_is_registered_with_awkward_name_and_options() -> None:
    for name in OPS:
        op = REGISTRY[name]
        assert op.awkward == f"ak.{name}" and op.options, name
        assert getattr(rg, name) is op.func


# ---- values and types against awkward ------------------------------------------------------------
ak = pytest.importorskip("awkward")


def _ak(x: rg.RaggedArray):
    """``x`` as awkward's own constructor lays it out (IndexedOptionArray): awkward 2.14's
    ``pad_none`` mishandles ByteMaskedArray under lists, so the oracle avoids that layout."""

    def unmask(layout, continuation, **kwargs):
        if isinstance(layout, ak.contents.ByteMaskedArray):
            return continuation().to_IndexedOptionArray64()
        return None

    return ak.transform(unmask, rg.to_awkward(x))


def _same(got: rg.RaggedArray, want, *, types: bool = True) -> None:
    assert got.to_list() == want.to_list(), (got.to_list(), want.to_list())
    if types and "unknown" not in str(want.type):
        assert got.type == str(want.type), (got.type, str(want.type))


def _strip(t: str) -> str:
    """A type string without option markers."""
    t = t.replace("?", "")
    while "option[" in t:
        i = t.index("option[")
        depth, j = 0, i + 6
        for j in range(i + 6, len(t)):
            depth += {"[": 1, "]": -1}.get(t[j], 0)
            if depth == 0:
                break
        t = t[:i] + t[i + 7 : j] + t[j + 1 :]
    return t


def _option_arrays(**kwargs):
    return st.integers(0, 2).flatmap(lambda depth: ragged_arrays(depth=depth, allow_none=True, **kwargs))


CASES = [
    [[1.0, None, 3.0], None, [], [4.0]],
    [[[1.0, None], None, []], None, [[2.0]], [None]],
    [[[1.0, 2.0]], [None, [3.0]], []],
    [1.0, None, 3.0],
    [None, None],
    [[], None],  # no number anywhere: the innermost depth still gets its (empty) mask entry
    [[[]], None, [None]],
    [[1.0, 2.0, 3.0], [], [4.0]],
]


@pytest.mark.parametrize("data", CASES, ids=range(len(CASES)))
def test_values_and_types_equal_awkward(data):
    x = rg.array(data)
    a = ak.Array(data)
    for axis in range(-x.ndim, x.ndim):
        _same(rg.is_none(x, axis=axis), ak.is_none(a, axis=axis))
        _same(rg.singletons(x, axis=axis), ak.singletons(a, axis=axis))
        _same(rg.drop_none(x, axis=axis), ak.drop_none(a, axis=axis), types=False)
        if axis != 0:
            _same(rg.pad_none(x, 2, axis=axis), ak.pad_none(a, 2, axis=axis))
        clipped = rg.pad_none(x, 1, axis=axis, clip=True)
        want = ak.pad_none(a, 1, axis=axis, clip=True)
        _same(clipped, want, types=False)  # awkward makes the clipped dimension regular
        head, rest = str(want.type).split(" * ", 1)
        assert "unknown" in rest or clipped.type == f"{head} * " + re.sub(r"(?<!\d)1 \*", "var *", rest)
    _same(rg.drop_none(x), ak.drop_none(a))
    _same(rg.fill_none(x, -1.0), ak.fill_none(a, -1.0))
    _same(rg.pad_none(x, 5, axis=0), ak.pad_none(a, 5, axis=0))
    _same(rg.pad_none(x, 1, axis=0), ak.pad_none(a, 1, axis=0))


def test_fill_none_fills_lists_with_a_list():
    x = rg.array([[1.0, None], None, [2.0]])
    a = ak.Array(x.to_list())
    _same(rg.fill_none(x, [], axis=0), ak.fill_none(a, [], axis=0))
    _same(rg.fill_none(x, [7.0, 8.0], axis=0), ak.fill_none(a, [7.0, 8.0], axis=0), types=False)
    assert rg.fill_none(rg.fill_none(x, [], axis=0), 0.0).type == "3 * var * float64"
    both = rg.fill_none(rg.fill_none(x, [9.0], axis=0), 0.0, axis=None)
    assert both.to_list() == [[1.0, 0.0], [9.0], [2.0]] and both.type == "3 * var * float64"


@pytest.mark.parametrize(("dtype", "value"), [("int8", 1000), ("int32", 2**40), ("uint8", -1)])
def test_fill_none_refuses_an_integer_its_dtype_cannot_hold(dtype, value):
    """As NumPy does for a Python int beside an array: never wrapped into range."""
    x = rg.mask(rg.array(np.array([1, 2], dtype=dtype)), [True, False])
    with pytest.raises(OverflowError, match=f"{value} does not fit in {dtype}.*rg.astype"):
        rg.fill_none(x, value)
    assert rg.fill_none(x, 7).to_list() == [1, 7] and rg.fill_none(x, 7).dtype == np.dtype(dtype)


def test_fill_none_with_a_complex_number_promotes_as_numpy():
    filled = rg.fill_none(rg.array([[1.0, None], [2.0]]), 1j)
    assert filled.type == "2 * var * complex128" and filled.to_list() == [[1.0, 1j], [2.0]]


def test_numpy_arrays_of_missing_values_are_refused_not_zero_filled():
    """np.asarray (and jnp.asarray, which falls back to it) would show the zeros the content holds
    where values are missing."""
    x = rg.array([2.0, None])
    for convert in (np.asarray, lambda v: np.array(v, dtype=float), rg.to_numpy):
        with pytest.raises(rg.OptionTypeError, match=r"missing values.*rg\.fill_none"):
            convert(x)
    assert np.asarray(rg.fill_none(x, 0.0)).tolist() == [2.0, 0.0]
    nothing_missing = rg.max(rg.array([[1.0, 2.0], [3.0]]), axis=1, mask_identity=True)
    assert nothing_missing.type == "2 * ?float64" and np.asarray(nothing_missing).tolist() == [2.0, 3.0]
    assert float(np.mean(rg.max(rg.array([[1.0, 2.0], []]), axis=1, mask_identity=True))) == 2.0


def test_fill_none_keeps_the_float32_dtype_and_takes_an_inner_array():
    x = rg.from_lengths([2, 1], np.arange(6.0, dtype=np.float32).reshape(3, 2))
    x = rg.mask(x, [[True, False], [True]])
    # axis=-1 names the regular dimension, whose entries are never missing: awkward and raggrad
    # leave the array as it is; axis=1 fills the missing elements
    assert rg.fill_none(x, np.float32(1.0)) is x
    value = np.array([-1.0, -2.0], dtype=np.float32)
    _same(rg.fill_none(x, value, axis=1), ak.fill_none(rg.to_awkward(x), value, axis=1))
    y = rg.fill_none(x, value, axis=1)
    assert y.type == "2 * var * 2 * float32"
    assert y.to_list() == [[[0.0, 1.0], [-1.0, -2.0]], [[4.0, 5.0]]]


def test_drop_none_at_an_axis_without_options_changes_nothing():
    # awkward 2.14 drops the Nones one level deeper here ([[[1.0], []]]); its documentation,
    # and raggrad, drop only the items at the axis named
    x = rg.array([[[1.0, None], []]])
    assert rg.drop_none(x, axis=1).to_list() == [[[1.0, None], []]]
    assert rg.drop_none(x, axis=2).to_list() == [[[1.0], []]]


def test_pad_none_of_a_flat_array_long_enough_stays_as_awkward_leaves_it():
    x = rg.array([1.0, 2.0, 3.0])
    _same(rg.pad_none(x, 2, axis=0), ak.pad_none(ak.Array([1.0, 2.0, 3.0]), 2, axis=0))
    _same(rg.pad_none(x, 3, axis=0), ak.pad_none(ak.Array([1.0, 2.0, 3.0]), 3, axis=0))


@pytest.mark.parametrize("valid_when", [True, False])
def test_mask_equals_awkward(valid_when):
    x = rg.array([[1.0, 2.0], [3.0], [], [4.0, None]])
    for m in ([True, False, True, True], [[True, False], [False], [], [True, True]]):
        _same(rg.mask(x, m, valid_when=valid_when), ak.mask(ak.Array(x.to_list()), m, valid_when=valid_when))
    # a None in the mask masks too; a masked list is emptied (so its content is gone)
    assert rg.mask(x, [True, None, True, True]).to_list() == [[1.0, 2.0], None, [], [4.0, None]]


@settings(max_examples=15)
@given(_option_arrays(max_outer=4, max_list_length=3), st.integers(0, 3))
def test_random_option_arrays_equal_awkward(x, target):
    a = _ak(x)
    masks = all_masks(x._structure)
    for axis in range(x.ndim):
        _same(rg.is_none(x, axis=axis), ak.is_none(a, axis=axis))
        _same(rg.singletons(x, axis=axis), ak.singletons(a, axis=axis))
        if masks[axis] is not None:  # see test_drop_none_at_an_axis_without_options_changes_nothing
            _same(rg.drop_none(x, axis=axis), ak.drop_none(a, axis=axis))
        else:
            assert rg.drop_none(x, axis=axis) is x
        try:
            want = ak.pad_none(a, target, axis=axis)
            want.to_list()
        except ValueError:  # awkward 2.14 fails on some option layouts: no oracle
            continue
        got = rg.pad_none(x, target, axis=axis)
        _same(got, want, types=axis == 0 or masks[axis - 1] is None)
        assert _strip(got.type) == _strip(str(want.type))
    _same(rg.drop_none(x), ak.drop_none(a))
    if masks[-1] is not None:
        _same(rg.fill_none(x, 0.5), ak.fill_none(a, 0.5))


# ---- derivatives, jit, vmap ----------------------------------------------------------------------
jax = pytest.importorskip("jax")
jnp = jax.numpy


def _x(backend="jax"):
    return rg.array([[1.0, None, 3.0], None, [], [4.0, 5.0]], backend=backend)


def _dense(y):
    """Missing lists emptied, missing numbers zero: an array without option types."""
    for axis in range(y.ndim - 1):
        y = rg.fill_none(y, [], axis=axis)
    return rg.fill_none(y, 0.0)


def _grad_values(f, x):
    g = jax.grad(f)(x)
    assert g._structure == x._structure
    return np.asarray(g.values)


def test_fill_none_gradient_is_one_at_present_values_and_zero_at_missing():
    x = _x()
    g = _grad_values(lambda x: rg.sum(_dense(x) * 2.0, axis=None), x)
    np.testing.assert_array_equal(g, [2.0, 0.0, 2.0, 2.0, 2.0])
    # with respect to the value: once per slot filled
    dv = jax.grad(lambda v: rg.sum(rg.fill_none(rg.fill_none(x, [], axis=0), v), axis=None))(1.5)
    assert float(dv) == 1.0


@pytest.mark.parametrize(
    ("f", "expected"),
    [
        (lambda x: rg.drop_none(x), [1.0, 0.0, 1.0, 1.0, 1.0]),
        (lambda x: rg.pad_none(x, 3, axis=1), [1.0, 0.0, 1.0, 1.0, 1.0]),
        (lambda x: rg.singletons(x, axis=1), [1.0, 0.0, 1.0, 1.0, 1.0]),
        (lambda x: rg.mask(x, [[True, True, False], None, [], [False, True]]), [1.0, 0.0, 0.0, 0.0, 1.0]),
    ],
    ids=["drop_none", "pad_none", "singletons", "mask"],
)
def test_structure_ops_pass_gradients_to_the_items_that_stay(f, expected):
    x = _x()
    g = _grad_values(lambda x: rg.sum(_dense(f(x)) ** 2, axis=None) / 2.0, x)
    np.testing.assert_array_equal(g, np.asarray(x.values) * np.asarray(expected))
    assert np.all(np.isfinite(g))


def test_derivatives_of_every_order_check_and_jit_gives_the_eager_result():
    from jax.test_util import check_grads

    x = _x()

    def loss(v):
        y = rg.RaggedArray._new(x._structure, v)
        z = rg.fill_none(rg.pad_none(rg.drop_none(y, axis=1), 3, axis=1), 0.5)
        return rg.sum(rg.fill_none(z, [], axis=0) ** 3, axis=None)

    v = jnp.asarray(x.values, dtype=jnp.float32)
    with jax.enable_x64(True):
        check_grads(loss, (jnp.asarray(x.values, dtype=jnp.float64),), order=2, modes=("fwd", "rev"))
    assert float(jax.jit(loss)(v)) == pytest.approx(float(loss(v)))
    op = jax.jit(
        lambda x: (rg.drop_none(x), rg.pad_none(x, 2), rg.singletons(x, axis=1), rg.is_none(x, axis=1))
    )
    for got, want in zip(
        op(x), (rg.drop_none(x), rg.pad_none(x, 2), rg.singletons(x, axis=1), rg.is_none(x, axis=1))
    ):
        assert got.to_list() == want.to_list() and got._structure == want._structure


def test_vmap_over_batched_content_fills_and_drops_per_row():
    x = _x()
    rows = jnp.stack([jnp.asarray(x.values), 10.0 * jnp.asarray(x.values)])
    out = jax.vmap(lambda v: rg.drop_none(rg.RaggedArray._new(x._structure, v)).values)(rows)
    np.testing.assert_allclose(out, [[1.0, 3.0, 4.0, 5.0], [10.0, 30.0, 40.0, 50.0]])
    filled = jax.vmap(lambda v: rg.fill_none(rg.RaggedArray._new(x._structure, v), -1.0).values)(rows)
    np.testing.assert_allclose(filled, [[1.0, -1.0, 3.0, 4.0, 5.0], [10.0, -1.0, 30.0, 40.0, 50.0]])
    for op in (
        lambda y: rg.pad_none(y, 3),
        lambda y: rg.singletons(y, axis=1),
        lambda y: rg.mask(y, [True, True, False, True]),
        lambda y: rg.fill_none(y, [5.0], axis=0),
    ):
        out = jax.vmap(lambda v, op=op: op(rg.RaggedArray._new(x._structure, v)).values)(rows)
        for got, row in zip(out, rows, strict=True):
            np.testing.assert_array_equal(got, op(rg.RaggedArray._new(x._structure, row)).values)


def test_a_traced_mask_names_the_alternatives():
    x = rg.array([[1.0, 2.0], [3.0]], backend="jax")
    with pytest.raises(TracedStructureError, match=r"rg\.where"):
        jax.jit(lambda x: rg.mask(x, x > 1.5))(x)


# ---- torch ---------------------------------------------------------------------------------------
def test_torch_values_and_autograd():
    torch = pytest.importorskip("torch")
    x = _x("torch")
    leaf = x.values.clone().requires_grad_(True)
    y = rg.RaggedArray._new(x._structure, leaf)
    assert rg.fill_none(y, 0.0).to_list() == rg.fill_none(_x("numpy"), 0.0).to_list()
    loss = rg.sum(_dense(rg.pad_none(rg.drop_none(y), 3)) ** 2, axis=None)
    loss.backward()
    torch.testing.assert_close(leaf.grad, torch.tensor([2.0, 0.0, 6.0, 8.0, 10.0], dtype=leaf.dtype))


def test_every_option_function_compiles_with_torch_without_graph_breaks():
    torch = pytest.importorskip("torch")
    x = _x("torch")

    def f(x):
        return (
            rg.is_none(x, axis=1),
            rg.fill_none(rg.fill_none(x, 0.0), [], axis=0),
            rg.drop_none(x),
            rg.pad_none(x, 3),
            rg.mask(x, [True, True, False, True]),
            rg.singletons(x, axis=1),
        )

    compiled = torch.compile(f, fullgraph=True, backend="eager")  # a graph break raises
    for got, want in zip(compiled(x), f(x), strict=True):
        assert got._structure == want._structure
        torch.testing.assert_close(got.values, want.values, rtol=0, atol=0)


# ---- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "phrase"),
    [
        (lambda: rg.fill_none(rg.array([[1.0], None]), 0.0, axis=0), TypeError, "union"),
        (lambda: rg.fill_none(rg.array([1.0, None]), "a"), TypeError, "must be a number"),
        (lambda: rg.fill_none(rg.array([[1.0, None]]), np.zeros(3)), TypeError, "does not broadcast"),
        (lambda: rg.fill_none(rg.array([[1.0], None]), [[1.0]], axis=0), TypeError, "does not fit"),
        # the value is named (the message blamed x and suggested rg.fill_none itself)
        (
            lambda: rg.fill_none(rg.array([[[1.0, None], None]]), [7.0, None], axis=1),
            rg.OptionTypeError,
            r"rg\.fill_none: the fill value \[7\.0, None\] holds missing values",
        ),
        (lambda: rg.pad_none(rg.array([[1.0]]), -1), ValueError, "at least 0"),
        (lambda: rg.pad_none(rg.array([[1.0]]), 1.5), TypeError, "target"),
        (lambda: rg.pad_none(rg.array([[1.0]]), 2, axis=2), ValueError, "axis"),
        (lambda: rg.mask(rg.array([[1.0]]), [[1.0]]), TypeError, "boolean"),
        (lambda: rg.mask(rg.array([[1.0]]), [[True, False]]), ValueError, "other lists"),
        (lambda: rg.mask(rg.array([[1.0]]), [True], valid_when=1), TypeError, "valid_when"),
        (lambda: rg.pad_none(rg.with_capacity(rg.array([[1.0]])), 2), NotImplementedError, r"rg\.trim"),
        (lambda: rg.is_none(rg.array([[1.0]]), axis=True), TypeError, "boolean"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_input_gets_a_named_error(call, error, phrase):
    with pytest.raises(error, match=phrase):
        call()


def test_bounded_arrays_hold_no_missing_values():
    b = rg.with_capacity(rg.array([[1.0, 2.0], []]))
    assert rg.drop_none(b) is b and rg.fill_none(b, 0.0) is b
    assert rg.trim(rg.is_none(b, axis=1)).to_list() == [[False, False], []]


# ---- the strategy --------------------------------------------------------------------------------
@settings(max_examples=20)
@given(st.sampled_from([(), (2,)]).flatmap(lambda inner: _option_arrays(inner_shape=inner)))
def test_allow_none_draws_keep_the_structure_invariants(x):
    s = x._structure
    masks = all_masks(s)
    for d, level in enumerate(s.levels):
        if masks[d] is not None:
            assert np.all(level.lengths[~masks[d]] == 0)  # a missing list is empty
    if masks[-1] is not None:
        assert np.all(np.asarray(x.values)[~masks[-1]] == 0)  # a missing element holds zero
    assert rg.array(x.to_list(), dtype=x.dtype).to_list() == x.to_list()


def test_allow_none_reaches_every_depth_and_is_off_by_default():
    from hypothesis import find

    for depth in range(3):
        found = find(
            ragged_arrays(depth=depth, allow_none=True),
            lambda x, depth=depth: all(m is not None and not m.all() for m in all_masks(x._structure)),
        )
        assert found.type.count("?") + found.type.count("option[") == depth + 1
    plain = find(ragged_arrays(depth=2), lambda x: len(x.values) > 3)
    assert plain._structure.masks is None
    with pytest.raises(InvalidArgument, match="allow_none"):
        find(ragged_arrays(allow_none=1), lambda x: True)


if __name__ == "__main__":  # regenerate the ak → rg table of docs/user-guide/from-awkward.md
    text = PAGE.read_text()
    PAGE.write_text(_TABLE.sub(lambda m: m.group(1) + awkward_table() + m.group(3), text))
    sys.exit(0)
