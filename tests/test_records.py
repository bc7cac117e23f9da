"""Records: construction, broadcasting, field access, types, conversion, structure ops, JAX."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import raggrad as rg
from raggrad._records import RecordArray

PT = [[30.0, 15.0, 25.0], [], [7.0, 40.0], [12.0]]
ETA = [[0.1, -0.2, 0.3], [], [1.0, -1.5], [2.0]]
CHARGE = [[1, -1, 1], [], [-1, 1], [1]]


def _muons(backend: str = "numpy") -> RecordArray:
    return rg.to_backend(
        rg.zip({"pt": rg.array(PT), "eta": rg.array(ETA), "charge": rg.array(CHARGE)}), backend
    )


def ak_type_of(x: Any) -> str:
    pytest.importorskip("awkward")
    return str(rg.to_awkward(x).type)


def _same(record: Any, per_field: dict[str, Any]) -> None:
    """``record`` is a record whose fields equal ``per_field`` (lists and types)."""
    assert isinstance(record, RecordArray)
    assert rg.fields(record) == list(per_field)
    for name, expected in per_field.items():
        assert record[name].to_list() == expected.to_list()
        assert record[name].type == expected.type
    # one structure object shared by every field
    assert len({id(record[name]._structure) for name in per_field}) == 1


# ---- construction ----------------------------------------------------------------------------
def test_zip_shares_one_structure_and_keeps_field_order():
    mu = _muons()
    assert rg.fields(mu) == ["pt", "eta", "charge"] == mu.fields
    assert mu.pt._structure is mu.eta._structure is mu["charge"]._structure
    assert rg.unzip(mu)[1].to_list() == ETA
    assert [a.dtype for a in rg.unzip(mu)] == [np.float64, np.float64, np.int64]


def test_zip_broadcasts_a_per_event_field_into_the_lists():
    mu = rg.zip({"pt": rg.array(PT), "run": np.array([1, 2, 3, 4]), "w": 0.5})
    assert mu.run.to_list() == [[1, 1, 1], [], [3, 3], [4]]
    assert mu.w.to_list() == [[0.5] * 3, [], [0.5] * 2, [0.5]]


def test_zip_of_fields_with_equal_but_distinct_structures():
    mu = rg.zip({"pt": rg.array(PT), "eta": rg.array(ETA)})  # two Structure objects, equal values
    assert mu.pt._structure is mu.eta._structure


def test_zip_mismatch_names_both_fields():
    with pytest.raises(ValueError, match=r"rg.zip: fields 'pt' and 'bad' do not broadcast.*list 0"):
        rg.zip({"pt": rg.array(PT), "eta": rg.array(ETA), "bad": rg.array([[1.0], [], [2.0, 3.0], [4.0]])})
    with pytest.raises(ValueError, match="outer lengths differ"):
        rg.zip({"pt": rg.array(PT), "n": rg.array([1, 2])})


def test_zip_argument_errors():
    with pytest.raises(TypeError, match="mapping"):
        rg.zip(rg.array(PT))  # a list of arrays makes tuples (tests/test_parity.py)
    with pytest.raises(ValueError, match="at least one field"):
        rg.zip({})
    with pytest.raises(TypeError, match="strings"):
        rg.zip({1: rg.array(PT)})
    with pytest.raises(ValueError, match="scalar"):
        rg.zip({"a": 1.0})
    with pytest.raises(TypeError, match="records of records"):
        rg.zip({"mu": _muons()})
    with pytest.raises(TypeError, match="private"):
        RecordArray()


# ---- attributes, field access, conversion ----------------------------------------------------
def test_attributes_and_type_string():
    mu = _muons()
    assert (len(mu), mu.shape, mu.ndim, mu.backend) == (4, (4, None), 2, "numpy")
    assert mu.type == "4 * var * {pt: float64, eta: float64, charge: int64}"
    odd = rg.zip({"a b": rg.array([1.0]), "type": rg.array([2])})
    assert odd.type == '1 * {"a b": float64, type: int64}'  # attributes win over field names
    assert ak_type_of(odd) == odd.type
    assert odd["type"].to_list() == [2]


def test_type_string_on_jax_follows_its_dtypes():
    pytest.importorskip("jax")
    assert _muons("jax").type == "4 * var * {pt: float32, eta: float32, charge: int32}"


def test_field_access_errors():
    mu = _muons()
    with pytest.raises(KeyError, match="no field 'phi'"):
        mu["phi"]
    with pytest.raises(AttributeError, match=r"fields are \['pt', 'eta', 'charge'\]"):
        _ = mu.phi
    assert "pt" in dir(mu)
    _same(mu[["eta", "pt"]], {"eta": mu.eta, "pt": mu.pt})


def test_to_list_gives_dicts_and_repr_is_awkward_style():
    mu = _muons()
    expected = [[{"pt": p, "eta": e, "charge": c} for p, e, c in zip(*row)] for row in zip(PT, ETA, CHARGE)]
    assert mu.to_list() == expected == rg.to_list(mu)
    shown = "<RecordArray [[{x: 1}, {x: 2}], []] type='2 * var * {x: int64}'>"
    assert repr(rg.zip({"x": rg.array([[1, 2], []])})) == shown
    many = rg.zip({"x": rg.array(np.arange(500.0))})
    assert repr(many).endswith("...] type='500 * {x: float64}'>")


def test_awkward_round_trip():
    ak = pytest.importorskip("awkward")
    mu = _muons()
    a = rg.to_awkward(mu)
    assert str(a.type) == mu.type
    assert a.tolist() == mu.to_list()
    back = rg.from_awkward(a)
    _same(back, {"pt": mu.pt, "eta": mu.eta, "charge": mu.charge})
    # a record array sliced in awkward (offsets not starting at 0) and a flat record array
    zipped = ak.zip({"x": ak.Array([[1, 2], [3], []]), "y": ak.Array([[1.5, 2.5], [3.5], []])})
    assert rg.from_awkward(zipped[1:]).to_list() == zipped[1:].tolist()
    flat = ak.zip({"x": ak.Array([1, 2]), "y": ak.Array([0.5, 1.5])})
    assert rg.from_awkward(flat).type == "2 * {x: int64, y: float64}"
    vec = rg.zip({"p": rg.array(np.ones((2, 3))), "q": 2.0})
    assert rg.from_awkward(rg.to_awkward(vec)).to_list() == vec.to_list()
    with pytest.raises(TypeError, match="'x' and 'y' have different lists"):  # inside lists
        rg.from_awkward(ak.Array([[{"x": [1, 2], "y": 1}], [{"x": [3], "y": 2}]]))
    assert rg.from_awkward(ak.zip((ak.Array([1]), ak.Array([2])))).to_list() == [(1, 2)]  # a tuple


def test_awkward_records_convert_to_jax():
    ak = pytest.importorskip("awkward")
    pytest.importorskip("jax")
    zipped = ak.zip({"x": ak.Array([[1, 2], [3], []]), "y": ak.Array([[1.5, 2.5], [3.5], []])})
    assert rg.array(zipped, backend="jax").type == "3 * var * {x: int32, y: float32}"


# ---- structure ops: the same as the op on every field ----------------------------------------
def _per_field(op: Any, mu: RecordArray) -> dict[str, Any]:
    return {name: op(mu[name]) for name in rg.fields(mu)}


STRUCTURE_OPS = {
    "slice": lambda x: x[1:, :2],
    "int": lambda x: x[2],
    "flip-inner": lambda x: x[:, ::-1],
    "outer-array": lambda x: x[np.array([3, 0, 0])],
    "flatten": rg.flatten,
    "flatten-none": lambda x: rg.flatten(x, axis=None),
    "firsts": lambda x: rg.firsts(x, fill_value=0),
    "lasts": lambda x: rg.lasts(x[np.array([0, 2])]),
    "flip": lambda x: rg.flip(x, axis=0),
    "np.flip": lambda x: np.flip(x, axis=-1),
    "unflatten": lambda x: rg.unflatten(rg.flatten(x), [1, 2, 3]),
    "concat-0": lambda x: rg.concat([x, x[:1]]),
    "concat-1": lambda x: rg.concat([x, x], axis=1),
    "np.concatenate": lambda x: np.concatenate([x, x]),
    "to_backend": lambda x: rg.to_backend(x, pytest.importorskip("jax") and "jax"),
}


@pytest.mark.parametrize("name", STRUCTURE_OPS)
def test_structure_op_equals_op_per_field(name):
    mu = _muons()
    op = STRUCTURE_OPS[name]
    _same(op(mu), _per_field(op, mu))


def test_mask_from_a_field_selects_every_field():
    mu = _muons()
    mask = mu.pt > 20
    _same(mu[mask], {n: mu[n][mask] for n in rg.fields(mu)})
    assert mu[mask].to_list() == [
        [{"pt": 30.0, "eta": 0.1, "charge": 1}, {"pt": 25.0, "eta": 0.3, "charge": 1}],
        [],
        [{"pt": 40.0, "eta": -1.5, "charge": 1}],
        [],
    ]


def test_ragged_integer_index_sorts_every_field_by_one():
    mu = _muons()
    order = rg.argsort(mu.pt, axis=1, descending=True)
    ordered = mu[order]
    assert ordered.pt.to_list() == rg.sort(mu.pt, descending=True).to_list()
    assert ordered.eta.to_list() == [[0.1, 0.3, -0.2], [], [-1.5, 1.0], [2.0]]
    lead = mu[rg.argmax(mu.pt, axis=1, keepdims=True)]
    assert lead.charge.to_list() == [[1], [], [1], [1]]


def test_combinations_give_a_tuple_of_records():
    mu = _muons()
    first, second = rg.combinations(mu, 2)
    for i, member in enumerate((first, second)):
        _same(member, {n: rg.combinations(mu[n], 2)[i] for n in rg.fields(mu)})
    i, j = rg.argcombinations(mu, 2)
    assert i.to_list() == rg.argcombinations(mu.pt, 2)[0].to_list()
    assert isinstance(j, rg.RaggedArray)


def test_cartesian_of_records_and_plain_arrays():
    mu = _muons()
    jets = rg.array([[1.0, 2.0], [3.0], [], [4.0]])
    a, b = rg.cartesian([mu, jets])
    expected = {n: rg.cartesian([mu[n], jets])[0] for n in rg.fields(mu)}
    _same(a, expected)
    assert b.to_list() == rg.cartesian([mu.pt, jets])[1].to_list()
    small = mu[["pt"]]
    p, q = rg.cartesian([small, mu])
    _same(p, {"pt": rg.cartesian([mu.pt, mu.pt])[0]})
    _same(q, {n: rg.cartesian([mu.pt, mu[n]])[1] for n in rg.fields(mu)})


def test_broadcast_arrays_with_a_record():
    mu = _muons()
    got = rg.broadcast_arrays(mu, np.array([1.0, 2.0, 3.0, 4.0]))
    assert isinstance(got, list)  # as for plain arrays
    rec, w = got
    _same(rec, {n: mu[n] for n in rg.fields(mu)})
    assert w.to_list() == [[1.0] * 3, [], [3.0] * 2, [4.0]]


def test_num_and_local_index_are_plain_arrays():
    mu = _muons()
    assert rg.num(mu).to_list() == [3, 0, 2, 1]
    assert rg.num(mu, axis=0) == 4
    assert rg.local_index(mu).to_list() == rg.local_index(mu.pt).to_list()


def test_concat_needs_records_of_the_same_fields():
    mu = _muons()
    with pytest.raises(TypeError, match="cannot join a record array"):
        rg.concat([mu, mu[["pt"]]])
    with pytest.raises(TypeError, match="cannot join a record array"):
        rg.concat([mu, mu.pt])


def test_concat_joins_fields_by_name_in_the_first_records_order():
    """As ak.concatenate: chunks of two files that list the same branches in different orders."""
    mu = _muons()
    shuffled = rg.zip({name: mu[name] for name in reversed(mu.fields)})
    joined = rg.concat([mu, shuffled[::-1]])
    assert joined.fields == mu.fields
    for name in mu.fields:
        assert joined[name].to_list() == mu[name].to_list() + mu[name][::-1].to_list()
    ak = pytest.importorskip("awkward")
    expected = ak.concatenate([rg.to_awkward(mu), rg.to_awkward(shuffled[::-1])])
    assert rg.to_awkward(joined).to_list() == expected.to_list()


# ---- arithmetic and reductions need a field --------------------------------------------------
@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda x: x + 1, "np.add"),
        (lambda x: -x, "np.negative"),
        (lambda x: np.sin(x), "np.sin"),
        (lambda x: rg.add(x, 1), "rg.add"),
        (lambda x: rg.sum(x, axis=1), "rg.sum: cannot reduce"),
        (lambda x: np.sum(x), "rg.sum: cannot reduce"),
        (lambda x: rg.max(x), "rg.max: cannot reduce"),
        (lambda x: rg.softmax(x), "rg.softmax"),
        (lambda x: rg.sort(x), "rg.sort"),
        (lambda x: rg.where(x.pt > 0, x, 0), "rg.where"),
        (lambda x: np.mean(x), "rg.mean"),
        (lambda x: np.asarray(x), "NumPy array"),
        (lambda x: np.cumsum(x), "np.cumsum"),
        (lambda x: np.linalg.norm(x), "np.norm"),
    ],
)
def test_whole_record_arithmetic_and_reductions_raise(call, where):
    with pytest.raises(TypeError, match=where) as info:
        call(_muons())
    assert "select a field, e.g. " in str(info.value)


def test_reduction_message_names_the_fields():
    with pytest.raises(TypeError) as info:
        rg.sum(_muons())
    assert str(info.value) == (
        "rg.sum: cannot reduce a record array of fields ['pt', 'eta', 'charge']; select a field, e.g. x['pt']"
    )


# ---- JAX ---------------------------------------------------------------------------------------
jax = pytest.importorskip("jax")
jnp = jax.numpy


def _kinematics() -> RecordArray:
    return rg.to_backend(rg.zip({"pt": rg.array(PT), "eta": rg.array(ETA)}), "jax")


def _loss(mu: RecordArray) -> Any:
    a, b = rg.combinations(mu[mu.pt > 10], 2)
    return rg.sum(a.pt * b.pt * np.cosh(a.eta - b.eta), axis=None) + rg.sum(mu.eta**2, axis=None)


def _flat_loss(pt: Any, eta: Any) -> Any:
    """The same loss over the flat content (pairs listed by hand)."""
    pairs = [(0, 1), (0, 2), (1, 2)]  # pt > 10 leaves one muon in the last two events
    i, j = (jnp.array(c) for c in zip(*pairs))
    return jnp.sum(pt[i] * pt[j] * jnp.cosh(eta[i] - eta[j])) + jnp.sum(eta**2)


def test_grad_arrives_per_field():
    mu = _kinematics()
    g = jax.grad(_loss)(mu)
    assert isinstance(g, RecordArray) and rg.fields(g) == ["pt", "eta"]
    assert g.pt._structure is mu.pt._structure
    want_pt, want_eta = jax.grad(_flat_loss, argnums=(0, 1))(mu.pt.values, mu.eta.values)
    np.testing.assert_allclose(g.pt.values, want_pt, rtol=1e-6)
    np.testing.assert_allclose(g.eta.values, want_eta, rtol=1e-6)


def test_jvp_and_vjp_with_record_tangents():
    mu = _kinematics()
    tangent = rg.zip({"pt": rg.ones_like(mu.pt), "eta": rg.zeros_like(mu.eta)})
    primal, out = jax.jvp(_loss, (mu,), (tangent,))
    np.testing.assert_allclose(primal, _flat_loss(mu.pt.values, mu.eta.values), rtol=1e-6)
    np.testing.assert_allclose(out, jnp.sum(jax.grad(_loss)(mu).pt.values), rtol=1e-5)
    _, pullback = jax.vjp(lambda m: rg.flatten(m, axis=None), mu)
    (ct,) = pullback(rg.flatten(mu, axis=None))
    assert isinstance(ct, RecordArray)
    np.testing.assert_allclose(ct.eta.values, mu.eta.values)


def test_jit_retraces_only_on_structure_change():
    traces = []

    @jax.jit
    def f(mu):
        traces.append(1)
        a, b = rg.combinations(mu, 2)
        return rg.sum(a.pt * b.pt, axis=1)

    mu = _kinematics()
    first = f(mu)
    assert first.to_list() == [30 * 15 + 30 * 25 + 15 * 25, 0.0, 7 * 40, 0.0]
    f(jax.tree.map(lambda c: 2 * c, mu))  # new values, same structure
    assert len(traces) == 1
    f(rg.to_backend(rg.zip({"pt": rg.array([[1.0, 2.0]]), "eta": rg.array([[0.0, 0.0]])}), "jax"))
    assert len(traces) == 2


def test_jit_of_a_function_returning_a_record():
    mu = _kinematics()
    out = jax.jit(lambda m: m[rg.argsort(m.pt, axis=1)])(mu)
    assert isinstance(out, RecordArray)
    assert out.to_list() == mu[rg.argsort(mu.pt, axis=1)].to_list()


def test_vmap_over_batched_record_content():
    offsets = np.array([0, 3, 3, 5])
    pt = jnp.arange(10.0).reshape(2, 5)
    eta = jnp.ones((2, 5))

    def build(p, e):
        return rg.zip({"pt": rg.from_offsets(offsets, p), "eta": rg.from_offsets(offsets, e)})

    batched = jax.vmap(build)(pt, eta)
    assert batched.type == "2 * 3 * var * {pt: float32, eta: float32}"
    summed = jax.vmap(lambda m: rg.sum(m.pt * m.eta, axis=1))(batched)
    assert summed.to_list() == [[3.0, 0.0, 7.0], [18.0, 0.0, 17.0]]
    assert rg.firsts(batched, axis=-1, fill_value=-1.0).pt.to_list() == [[0.0, -1.0, 3.0], [5.0, -1.0, 8.0]]


def test_field_names_inside_a_tuple_key_index_as_in_awkward():
    pytest.importorskip("awkward")
    z = rg.array([[1.0, 5.0], [], [4.0]])
    r = rg.zip({"pt": z, "eta": z * 0.1})
    a = rg.to_awkward(r)
    for key in [(slice(None), "pt"), (0, "pt"), ("pt", 0), (2, ["pt", "eta"]), (["pt", "eta"], 2), ("pt",)]:
        got, want = r[key], a[key]
        assert got.to_list() == want.to_list(), key
    with pytest.raises(KeyError, match="no field 'nope'"):
        r[0, "nope"]


def test_an_element_of_a_tuple_record_is_a_tuple():
    t = rg.zip([rg.array([[1.0, 2.0], []]), rg.array([[4, 5], []])])
    assert t[0, 1] == t[0][1] == (2.0, 5) and isinstance(t[0, 1], tuple)  # was {'0': 2.0, '1': 5}
    assert t.to_list() == [[(1.0, 4), (2.0, 5)], []]
