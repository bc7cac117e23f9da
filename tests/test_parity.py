"""awkward parity: ``combinations``/``argcombinations`` (``fields``, ``replacement``, regular
axes), ``cartesian``/``argcartesian`` (dicts), ``with_field``, ``zip`` (tuples, ``with_name``),
``values_astype`` and ``run_lengths``, each against awkward 2.14 on its numpy backend."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import raggrad as rg
from raggrad._records import RecordArray

ak = pytest.importorskip("awkward")
jax = pytest.importorskip("jax")

RAGGED = [[1.0, 2.0, 3.0], [], [4.0, 5.0], [6.0]]
NESTED = [[[1.0, 2.0], [3.0]], [], [[4.0, 5.0, 6.0], []]]
OPTIONS = [[1.0, None, 3.0], None, [4.0], []]


def _same(got: Any, expected: Any) -> None:
    """Equal lists and equal awkward type strings."""
    assert got.to_list() == expected.tolist()
    assert got.type == str(expected.type)


def _as_tuples(members: tuple[Any, ...], axis: int) -> Any:
    """raggrad's members as awkward's record of tuples at ``axis`` (fields hold what is below)."""
    arrays = [rg.to_awkward(m) for m in members]
    return ak.zip(arrays, depth_limit=axis + 1) if axis >= 0 else ak.zip(arrays)


# ---- combinations and argcombinations --------------------------------------------------------------
CASES = [
    ([1.0, 2.0, 3.0, 4.0], 0),
    (RAGGED, 0),
    (RAGGED, 1),
    (NESTED, 1),
    (NESTED, 2),
    (NESTED, -1),
    (OPTIONS, 1),
    ([[[1.0, None], None, [2.0, 3.0, 4.0]], None, [[]]], 2),
    (np.arange(8.0).reshape(2, 4), 1),
    (np.arange(24.0).reshape(2, 3, 4), 2),
    (np.arange(24.0).reshape(2, 3, 4), 1),
]


@pytest.mark.parametrize(("data", "axis"), CASES)
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("replacement", [False, True])
def test_combinations_match_awkward(data, axis, n, replacement):
    x = rg.array(data)
    a = ak.from_numpy(data) if isinstance(data, np.ndarray) else ak.Array(data)
    got = rg.combinations(x, n, axis=axis, replacement=replacement)
    assert isinstance(got, tuple) and len(got) == n
    _same_tuples(got, ak.combinations(a, n, axis=axis, replacement=replacement), axis, x.ndim)
    args = rg.argcombinations(x, n, axis=axis, replacement=replacement)
    _same_tuples(args, ak.argcombinations(a, n, axis=axis, replacement=replacement), axis, x.ndim)


def _same_tuples(got: tuple[Any, ...], expected: Any, axis: int, ndim: int) -> None:
    depth = axis % ndim
    if len(got) == 1:  # awkward's 1-tuples: compare the one field
        expected = expected["0"]
        assert got[0].to_list() == expected.tolist()
        assert got[0].type == str(expected.type)
        return
    joined = _as_tuples(got, depth)
    assert joined.tolist() == expected.tolist()
    assert str(joined.type) == str(expected.type)


@given(
    lists=st.lists(st.lists(st.integers(0, 5).map(float), max_size=5), min_size=1, max_size=5),
    n=st.integers(1, 4),
    replacement=st.booleans(),
)
def test_combinations_of_random_lists_match_awkward(lists, n, replacement):
    x = rg.array(lists, dtype=np.float64)
    expected = ak.combinations(
        ak.Array(lists), n, replacement=replacement, fields=[f"f{i}" for i in range(n)]
    )
    got = rg.combinations(x, n, replacement=replacement, fields=[f"f{i}" for i in range(n)])
    assert got.to_list() == expected.tolist()


@pytest.mark.parametrize("replacement", [False, True])
def test_combinations_fields_give_awkwards_record_form(replacement):
    x, a = rg.array(RAGGED), ak.Array(RAGGED)
    got = rg.combinations(x, 2, fields=["a", "b"], replacement=replacement)
    assert isinstance(got, RecordArray)
    _same(got, ak.combinations(a, 2, fields=["a", "b"], replacement=replacement))
    _same(
        rg.argcombinations(x, 3, fields=["i", "j", "k"], replacement=replacement),
        ak.argcombinations(a, 3, fields=["i", "j", "k"], replacement=replacement),
    )
    _same(rg.combinations(x, 2, with_name="Pair"), ak.combinations(a, 2, with_name="Pair"))
    regular = np.arange(8.0).reshape(2, 4)
    _same(
        rg.combinations(rg.array(regular), 2, fields=["a", "b"]),
        ak.combinations(regular, 2, fields=["a", "b"]),
    )


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_combinations_along_a_regular_axis_on_other_backends(backend):
    pytest.importorskip(backend)
    data = np.arange(24.0).reshape(2, 3, 4)
    x = rg.to_backend(rg.array(data), backend)
    for axis in (1, 2):
        for arg in (rg.combinations, rg.argcombinations):
            got, expected = (
                arg(x, 2, axis=axis, replacement=True),
                arg(rg.array(data), 2, axis=axis, replacement=True),
            )
            assert [m.to_list() for m in got] == [m.to_list() for m in expected]
            # the dims (dtypes follow the backend: float32 and int32 on jax without x64)
            assert [m.shape for m in got] == [m.shape for m in expected]
    if backend == "jax":
        _, b = jax.jit(lambda x: rg.combinations(x, 2, axis=2))(x)
        assert b.to_list() == rg.combinations(rg.array(data), 2, axis=2)[1].to_list()


def test_combinations_fields_with_missing_lists_match_awkward():
    data = [[1.0, 2.0, 3.0], None, [4.0]]
    _same(
        rg.combinations(rg.array(data), 2, fields=["a", "b"]),
        ak.combinations(ak.Array(data), 2, fields=["a", "b"]),
    )


@pytest.mark.parametrize(
    ("call", "error", "phrase"),
    [
        (
            lambda: rg.combinations(rg.array(NESTED), 2, axis=1, fields=["a", "b"]),
            NotImplementedError,
            "axis=-1",
        ),
        (lambda: rg.combinations(rg.array(OPTIONS), 2, fields=["a", "b"]), NotImplementedError, "missing"),
        (  # awkward gives {a: None}; a missing record would be another value
            lambda: rg.combinations(rg.array([[1.0, None, 3.0], None, [4.0]]), 1, fields=["a"]),
            NotImplementedError,
            "would hold None in a field",
        ),
        (
            lambda: rg.combinations(rg.array([[None, 2.0]]), 2, replacement=True, fields=["a", "b"]),
            NotImplementedError,
            "missing",
        ),
        (lambda: rg.combinations(rg.array(RAGGED), 2, fields=["a"]), ValueError, "2 field names"),
        (lambda: rg.combinations(rg.array(RAGGED), 2, fields=["a", "a"]), ValueError, "distinct"),
        (lambda: rg.combinations(rg.array(RAGGED), 2, replacement=1), TypeError, "True or False"),
        (lambda: rg.combinations(rg.array(RAGGED), 2, with_name=3), TypeError, "with_name"),
        (
            lambda: rg.combinations(rg.with_capacity(rg.array([[[1.0], [2.0]], []])), 2, axis=1, capacity=64),
            TypeError,
            r"give capacity= as 2 numbers, the combinations' slots then",
        ),
        (lambda: rg.combinations(rg.array(np.ones((2, 3))), 2, capacity=8), ValueError, "regular"),
    ],
)
def test_combinations_bad_arguments_name_the_fix(call, error, phrase):
    with pytest.raises(error, match=phrase):
        call()


@pytest.mark.parametrize("op", [rg.combinations, rg.argcombinations])
def test_size_guard_counts_repeats_and_regular_axes_first(op):
    with pytest.raises(rg.OutputTooLargeError, match="combinations"):
        op(rg.array([np.arange(200.0)]), 20, replacement=True)
    with pytest.raises(rg.OutputTooLargeError, match="combinations"):
        op(rg.array(np.zeros((1, 200))), 20, axis=1)


def test_combinations_of_a_record_keep_working_with_replacement():
    mu = rg.zip({"pt": rg.array([[3.0, 1.0], []]), "q": rg.array([[1, -1], []])})
    a, b = rg.combinations(mu, 2, replacement=True)
    assert a.to_list() == [[{"pt": 3.0, "q": 1}, {"pt": 3.0, "q": 1}, {"pt": 1.0, "q": -1}], []]
    assert b.pt.to_list() == [[3.0, 1.0, 1.0], []]


def test_bounded_combinations_with_fields():
    x = rg.array([[1, 2, 3], [], [4, 5]])
    got = rg.combinations(rg.with_capacity(x), 2, capacity=8, fields=["a", "b"])
    assert got.to_list() == rg.combinations(x, 2, fields=["a", "b"]).to_list()


# ---- derivatives ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [RAGGED, np.arange(1.0, 9.0).reshape(2, 4)])
def test_gradient_of_pair_products_with_replacement(data):
    # sum over pairs i <= j of x_i x_j = (S**2 + sum x**2) / 2 per list: its gradient is S + x_i
    x = rg.to_backend(rg.array(data), "jax")

    def f(x):
        a, b = rg.combinations(x, 2, axis=-1, replacement=True)
        return rg.sum(a * b, axis=None)

    grad = jax.grad(f)(x)
    expected = rg.sum(x, axis=-1, keepdims=True) + x
    np.testing.assert_allclose(np.asarray(grad.values), np.asarray(expected.values), rtol=1e-6)
    assert float(jax.jit(f)(x)) == pytest.approx(float(f(x)))


def test_gradient_of_record_combinations_and_with_field():
    x = rg.to_backend(rg.array(RAGGED), "jax")

    def f(x):
        pairs = rg.combinations(x, 2, fields=["a", "b"])
        pairs = rg.with_field(pairs, pairs.a - pairs.b, "d")
        return rg.sum(pairs.d * pairs.d, axis=None)

    # d/dx_k sum_{i<j} (x_i - x_j)**2 = 2 * (L x_k - S) within each list
    grad = jax.grad(f)(x)
    lengths = rg.num(x, axis=1)
    expected = 2.0 * (lengths * x - rg.sum(x, axis=1, keepdims=True))
    np.testing.assert_allclose(np.asarray(grad.values), np.asarray(expected.values), rtol=1e-6)


# ---- cartesian and argcartesian ---------------------------------------------------------------------
A = [[1.0, 2.0], None, [3.0], []]
B = [[10.0, None, 30.0], [4.0], [], [5.0]]


def test_cartesian_of_a_dict_is_a_record():
    got = rg.cartesian({"x": rg.array(RAGGED), "y": rg.array(RAGGED) * 10})
    _same(got, ak.cartesian({"x": ak.Array(RAGGED), "y": ak.Array(RAGGED) * 10}))
    got = rg.cartesian({"x": rg.array(RAGGED), "y": rg.array(RAGGED)}, with_name="P")
    _same(got, ak.cartesian({"x": ak.Array(RAGGED), "y": ak.Array(RAGGED)}, with_name="P"))
    _same(
        rg.cartesian([rg.array(RAGGED)] * 2, with_name="P"),
        ak.cartesian([ak.Array(RAGGED)] * 2, with_name="P"),
    )


def test_cartesian_of_arrays_with_missing_lists_and_items():
    got = rg.cartesian([rg.array(A), rg.array(B)])
    joined = _as_tuples(got, 1)
    expected = ak.cartesian([ak.Array(A), ak.Array(B)])
    assert joined.tolist() == expected.tolist() and str(joined.type) == str(expected.type)
    with pytest.raises(NotImplementedError, match="missing"):
        rg.cartesian({"a": rg.array(A), "b": rg.array(B)})


@pytest.mark.parametrize(("first", "second"), [(RAGGED, RAGGED), (A, B), (NESTED, NESTED)])
def test_argcartesian_matches_awkward(first, second):
    got = rg.argcartesian([rg.array(first), rg.array(second)])
    expected = ak.argcartesian([ak.Array(first), ak.Array(second)])
    joined = _as_tuples(got, 1)
    assert joined.tolist() == expected.tolist() and str(joined.type) == str(expected.type)
    if first is not NESTED:
        _same(
            rg.argcartesian({"i": rg.array(first), "j": rg.array(second)}),
            ak.argcartesian({"i": ak.Array(first), "j": ak.Array(second)}),
        )


def test_argcartesian_at_the_inner_axis_and_of_records():
    x = rg.array(NESTED)
    i, j = rg.argcartesian([x, x], axis=2)
    expected = ak.argcartesian([ak.Array(NESTED)] * 2, axis=2)
    assert i.to_list() == expected["0"].tolist() and j.to_list() == expected["1"].tolist()
    mu = rg.zip({"pt": rg.array(RAGGED)})
    assert (
        rg.argcartesian([mu, rg.array(RAGGED)])[1].to_list()
        == rg.argcartesian([rg.array(RAGGED)] * 2)[1].to_list()
    )


def test_argcartesian_of_bounded_arrays_under_jit():
    x, y = rg.array(RAGGED), rg.array([[1.0], [2.0, 3.0], [], [4.0, 5.0]])
    expected = rg.argcartesian({"i": x, "j": y})
    bx = rg.to_backend(rg.with_capacity(x), "jax")
    got = jax.jit(lambda a, b: rg.argcartesian({"i": a, "j": b}, capacity=16))(bx, rg.to_backend(y, "jax"))
    assert got.to_list() == expected.to_list()
    assert rg.argcartesian([x, y], capacity=16)[1].to_list() == expected.j.to_list()


@pytest.mark.parametrize(
    ("call", "error", "phrase"),
    [
        (lambda: rg.cartesian("ab"), TypeError, "list of arrays or a dict"),
        (lambda: rg.cartesian({}), TypeError, "at least one entry"),
        (lambda: rg.argcartesian([rg.array(RAGGED), rg.array([[1.0]])]), ValueError, "same lists"),
        (lambda: rg.argcartesian([rg.with_capacity(rg.array(RAGGED))] * 2), TypeError, "capacity"),
        (lambda: rg.argcartesian([rg.array(A), rg.array(B)], capacity=64), NotImplementedError, "missing"),
        (lambda: rg.argcartesian(rg.array(RAGGED), axis=True), TypeError, "boolean"),
    ],
)
def test_cartesian_bad_arguments_name_the_fix(call, error, phrase):
    with pytest.raises(error, match=phrase):
        call()


# ---- records: zip, with_field, values_astype ----------------------------------------------------------
def _muons() -> Any:
    return rg.zip({"pt": rg.array([[30.0, 15.0], [], [7.0]]), "q": rg.array([[1, -1], [], [1]])})


def _ak_muons() -> Any:
    return ak.zip({"pt": ak.Array([[30.0, 15.0], [], [7.0]]), "q": ak.Array([[1, -1], [], [1]])})


def test_zip_of_a_list_makes_tuples_and_with_name_names_records():
    first, second = [[1, 2], [], [3]], [[1.5, 2.5], [], [3.5]]
    got = rg.zip([rg.array(first), rg.array(second)])
    _same(got, ak.zip([ak.Array(first), ak.Array(second)]))
    assert got["1"].to_list() == second
    assert rg.to_awkward(got).tolist() == got.to_list()
    _same(rg.zip({"a": rg.array(first)}, with_name="P"), ak.zip({"a": ak.Array(first)}, with_name="P"))
    _same(rg.zip((rg.array(first),), with_name="P"), ak.zip((ak.Array(first),), with_name="P"))
    assert (
        str(rg.to_awkward(rg.zip([rg.array(first)] * 2, with_name="P")).type) == "3 * var * P[int64, int64]"
    )
    with pytest.raises(TypeError, match="with_name must be a string"):
        rg.zip({"a": rg.array(first)}, with_name=1)


@pytest.mark.parametrize(
    ("what", "where"),
    [(5, "x"), ([2.0, 3.0, 4.0], "evt"), ("pt2", "pt2"), ("pt2", "pt"), ("pt2", "q")],
)
def test_with_field_matches_awkward(what, where):
    mu, amu = _muons(), _ak_muons()
    if what == "pt2":
        got, expected = rg.with_field(mu, mu.pt * 2, where), ak.with_field(amu, amu.pt * 2, where)
    elif isinstance(what, list):
        got, expected = rg.with_field(mu, rg.array(what), where), ak.with_field(amu, ak.Array(what), where)
    else:
        got, expected = rg.with_field(mu, what, where), ak.with_field(amu, what, where)
    _same(got, expected)
    assert rg.fields(mu) == ["pt", "q"]  # the old record is unchanged


def test_with_field_keeps_the_record_name_and_appends_to_tuples():
    named = rg.zip({"pt": rg.array([[1.0]])}, with_name="P")
    assert rg.with_field(named, 2.0, "e").type == "1 * var * P[pt: float64, e: float64]"
    pair = rg.zip([rg.array([[1]]), rg.array([[2]])])
    _same(
        rg.with_field(pair, rg.array([[3]])),
        ak.with_field(ak.zip([ak.Array([[1]]), ak.Array([[2]])]), ak.Array([[3]])),
    )


def test_field_assignment_is_with_field_rebound():
    mu, amu = _muons(), _ak_muons()
    pt = mu.pt
    mu["e"] = mu.pt * 2
    amu["e"] = amu.pt * 2
    _same(mu, amu)
    assert pt.to_list() == [[30.0, 15.0], [], [7.0]]
    with pytest.raises(NotImplementedError, match="deeper"):
        mu["bad"] = rg.array([[[1.0], [2.0]], [], [[3.0]]])
    assert rg.fields(mu) == ["pt", "q", "e"]


@pytest.mark.parametrize(
    ("call", "error", "phrase"),
    [
        (lambda: rg.with_field(rg.array([[1.0]]), 1.0, "x"), TypeError, "expected a record array"),
        (
            lambda: rg.with_field(_muons(), rg.array([[[1.0], [2.0]], [], [[3.0]]]), "x"),
            NotImplementedError,
            "deeper",
        ),
        (lambda: rg.with_field(_muons(), rg.array([[1.0]]), "x"), ValueError, "does not broadcast"),
        (lambda: rg.with_field(_muons(), 1.0), ValueError, "tuple"),
        (lambda: rg.with_field(_muons(), 1.0, ("a", "b")), NotImplementedError, "records inside records"),
        (lambda: rg.with_field(_muons(), 1.0, 3), TypeError, "field name"),
        (lambda: rg.with_field(_muons(), _muons(), "m"), TypeError, "records of records"),
    ],
)
def test_with_field_bad_arguments(call, error, phrase):
    with pytest.raises(error, match=phrase):
        call()


@pytest.mark.parametrize(
    ("data", "to"),
    [([[1.7, None], None, [-2.2]], "int32"), ([[1.5, -0.0], [2.7]], bool), ([[1, 2], []], np.float32)],
)
def test_values_astype_matches_awkward(data, to):
    _same(rg.values_astype(rg.array(data), to), ak.values_astype(ak.Array(data), to))


def test_values_astype_converts_every_field_and_differentiates():
    _same(rg.values_astype(_muons(), "float32"), ak.values_astype(_ak_muons(), "float32"))
    x = rg.to_backend(rg.array(RAGGED), "jax")
    grad = jax.grad(lambda x: rg.sum(rg.values_astype(x, "float32") * 3.0, axis=None))(x)
    assert grad.to_list() == [[3.0, 3.0, 3.0], [], [3.0, 3.0], [3.0]]


# ---- run_lengths -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [
        [1, 1, 2, 2, 2, 3],
        [[1, 1, 2], [2, 2], [], [3]],
        [[[1, 1], [2]], [], [[3, 3, 3]]],
        [1.0, np.nan, np.nan, 2.0],
        [[1.0, -0.0, 0.0]],
        [True, True, False],
        [[1, None, None, 2]],
        [[1, None, 1]],
        [1, None, 1, 1],
        [[[1, 1]], None, [[2]]],
        np.array([[1, 1, 2], [3, 3, 3]]),
    ],
)
def test_run_lengths_match_awkward(data):
    a = ak.from_numpy(data) if isinstance(data, np.ndarray) else ak.Array(data)
    _same(rg.run_lengths(rg.array(data)), ak.run_lengths(a))


@given(st.lists(st.lists(st.integers(0, 2), max_size=6), max_size=5))
def test_run_lengths_of_random_lists_match_awkward(lists):
    x = rg.array(lists, dtype=np.int64)
    assert rg.run_lengths(x).to_list() == ak.run_lengths(ak.Array(lists)).tolist()
    assert rg.run_lengths(rg.to_backend(x, "jax")).to_list() == rg.run_lengths(x).to_list()


def test_run_lengths_of_a_bounded_array_keep_its_capacities():
    x = rg.with_capacity(rg.array([[1, 1, 2], [], [3, 3]]), lists=(8,), elements=16)
    got = rg.run_lengths(x)
    assert got.to_list() == [[2, 1], [], [2]]
    assert rg.capacity(got) == rg.capacity(x)


def test_run_lengths_keep_missing_lists_aligned_where_awkward_drops_them():
    # awkward 2.14 gives [[2], [1]] (the missing list dropped); raggrad keeps it, as documented
    got = rg.run_lengths(rg.array([[1, 1], None, [2]]))
    assert got.to_list() == [[2], None, [1]] and got.type == "3 * option[var * int64]"
    rows = rg.run_lengths(rg.array([[[1, 1], None], [[2]]]))
    assert rows.to_list() == [[[2], None], [[1]]]


def test_run_lengths_refuse_traced_values_and_unsupported_layouts():
    x = rg.to_backend(rg.array([[1.0, 1.0]]), "jax")
    with pytest.raises(rg.TracedStructureError, match=r"rg\.run_lengths"):
        jax.jit(lambda x: rg.run_lengths(x).values)(x)
    with pytest.raises(rg.TracedStructureError, match=r"rg\.run_lengths"):
        jax.jit(lambda x: rg.run_lengths(x).values)(rg.with_capacity(x))
    with pytest.raises(NotImplementedError, match="regular inner"):
        rg.run_lengths(rg.array(np.zeros((2, 2, 2))))
