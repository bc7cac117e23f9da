"""Event records (``rg.EventArray``): fields that share only the outer dimension, as NanoAOD.

Conversion against awkward (values and types equal, sliced inputs, empty events, record names),
``rg.hep.events`` grouping, ``rg.zip(..., depth_limit=1)``, indexing by events, JAX (pytree, jit,
per-field gradients against central differences, bounded fields through ``rg.grad``) and the
named errors for bad input.
"""

from __future__ import annotations

import copy
import importlib.util
import pickle
from typing import Any

import numpy as np
import pytest

ak = pytest.importorskip("awkward")

import raggrad as rg  # noqa: E402
from raggrad import hep  # noqa: E402

MUON = ("pt", "eta", "phi", "mass", "charge")


def _nano(n: int = 12, seed: int = 3) -> Any:
    """A NanoAOD-like awkward record: counters, per-event values, muon and jet branches."""
    rng = np.random.default_rng(seed)
    nmu = rng.poisson(1.5, n).astype(np.int32)
    nmu[:3] = [0, 2, 0]  # empty events among the first
    njet = rng.poisson(2.0, n).astype(np.int32)
    m, mj = int(nmu.sum()), int(njet.sum())
    branches = {
        "nMuon": nmu,
        "MET_pt": rng.exponential(30.0, n).astype(np.float32),
        "Muon_pt": ak.unflatten((3 + rng.exponential(20.0, m)).astype(np.float32), nmu),
        "Muon_eta": ak.unflatten(rng.uniform(-2.5, 2.5, m).astype(np.float32), nmu),
        "Muon_phi": ak.unflatten(rng.uniform(-np.pi, np.pi, m).astype(np.float32), nmu),
        "Muon_mass": ak.unflatten(np.full(m, 0.1057, dtype=np.float32), nmu),
        "Muon_charge": ak.unflatten(rng.choice([-1, 1], m).astype(np.int32), nmu),
        "nJet": njet,
        "Jet_pt": ak.unflatten((20 + rng.exponential(30.0, mj)).astype(np.float32), njet),
        "Jet_eta": ak.unflatten(rng.uniform(-4.7, 4.7, mj).astype(np.float32), njet),
        "genWeight": rng.uniform(0.5, 1.5, n),
    }
    return ak.Array(branches)


def _convert(a: Any) -> Any:
    return rg.from_awkward(a)


def _same_as_awkward(x: Any, a: Any) -> None:
    assert isinstance(x, rg.EventArray)
    assert x.type == str(a.type)
    assert x.to_list() == a.to_list()
    back = rg.to_awkward(x)
    assert str(back.type) == str(a.type)
    assert back.to_list() == a.to_list()


# ---- conversion ----------------------------------------------------------------------------------
def test_from_awkward_converts_a_nanoaod_record_and_round_trips() -> None:
    a = _nano()
    x = _convert(a)
    _same_as_awkward(x, a)
    assert x.fields == a.fields
    assert x.Muon_pt.type == f"{len(a)} * var * float32"
    assert x.nMuon.dtype == np.int32
    assert len(x) == len(a)
    assert rg.array(a).to_list() == a.to_list()  # the awkward converter every op uses
    if importlib.util.find_spec("jax") is not None:
        assert rg.array(a, backend="jax").backend == "jax"
    with pytest.raises(TypeError, match="dtype= does not apply to an event record"):
        rg.array(a, dtype=np.float64)


@pytest.mark.parametrize(
    "key",
    [slice(2, 7), slice(None, None, -2), [5, 0, 0, 3], np.arange(12) % 3 == 0, slice(4, 4)],
    ids=["range", "negative-step", "fancy", "mask", "empty"],
)
def test_sliced_awkward_inputs_convert_to_the_events_in_view(key: Any) -> None:
    a = _nano()[key]
    _same_as_awkward(rg.from_awkward(a), a)


def test_records_of_records_at_the_outer_dimension_round_trip() -> None:
    a = _nano()
    muons = ak.zip({f: a[f"Muon_{f}"] for f in MUON}, with_name="Momentum4D")
    jets = ak.zip({"pt": a.Jet_pt, "eta": a.Jet_eta})
    met = ak.zip({"pt": a.MET_pt, "weight": a.genWeight})  # a per-event record
    z = ak.zip({"Muon": muons, "Jet": jets, "MET": met, "nMuon": a.nMuon}, depth_limit=1, with_name="Event")
    x = _convert(z)
    _same_as_awkward(x, z)
    assert isinstance(x.Muon, rg.RecordArray)
    assert x.Muon._name == "Momentum4D"  # with_name is kept, also on the inner record
    assert x._name == "Event"
    assert x.type.startswith("12 * Event[Muon: var * Momentum4D[pt: float32")
    # an event record inside an event record
    nested = ak.zip({"inner": z, "w": a.genWeight}, depth_limit=1)
    _same_as_awkward(rg.from_awkward(nested), nested)


def test_record_names_round_trip_for_shared_structure_records_too() -> None:
    # a name without a behaviour: vector.register_awkward() (run by other tests) gives Momentum4D
    # one, which refuses a record of pt and eta alone
    a = ak.zip({"pt": ak.Array([[1.0, 2.0], []]), "eta": ak.Array([[0.5, 0.1], []])}, with_name="Particle")
    x = _convert(a)
    assert isinstance(x, rg.RecordArray)
    assert x.type == str(a.type) == "2 * var * Particle[pt: float64, eta: float64]"
    assert str(rg.to_awkward(x).type) == str(a.type)
    sliced = a[1:]  # a named record seen through a slice keeps its name
    assert rg.from_awkward(sliced).type == str(sliced.type)


def test_missing_events_with_different_lists_are_refused() -> None:
    for a in (ak.Array([{"x": 1.0, "y": [1.0]}, None]), ak.Array([{"x": 1.0, "y": [1.0]}, None])[:1]):
        with pytest.raises(TypeError, match=r"missing records .* different lists"):
            rg.from_awkward(a)


# ---- rg.hep.events ---------------------------------------------------------------------------------
def test_hep_events_groups_collections_and_keeps_the_rest() -> None:
    a = _nano()
    events = hep.events(a)
    assert events.fields == ["Muon", "Jet", "MET_pt", "genWeight"]
    assert events.Muon.fields == list(MUON)
    for f in MUON:
        assert events.Muon[f].to_list() == a[f"Muon_{f}"].to_list()
    assert events["Muon"].pt.to_list() == a.Muon_pt.to_list()
    assert events.Jet.eta.to_list() == a.Jet_eta.to_list()
    assert events.MET_pt.to_list() == a.MET_pt.to_list()
    assert events.genWeight.to_list() == a.genWeight.to_list()
    assert rg.num(events.Muon, axis=1).to_list() == a.nMuon.to_list()
    assert events.type.startswith("12 * {Muon: var * {pt: float32, eta: float32, phi: float32")
    # rg.hep.collections keeps its own behaviour: a dict of collections
    assert sorted(hep.collections(a)) == ["Jet", "MET", "Muon", "genWeight"]


def test_hep_events_checks_the_counters() -> None:
    a = _nano()
    corrupt = ak.with_field(a, a.nMuon + (np.arange(len(a)) == 4), "nMuon")
    with pytest.raises(ValueError, match=r"rg.hep.events: counter 'nMuon' disagrees .* in entry 4"):
        hep.events(corrupt)
    with pytest.raises(TypeError, match=r"rg.hep.events: expected an awkward record"):
        hep.events(rg.array([1.0]))


# ---- rg.zip(..., depth_limit=1) -------------------------------------------------------------------
def _events() -> rg.EventArray:
    events: rg.EventArray = hep.events(_nano())
    return events


def test_zip_depth_limit_one_builds_an_event_record() -> None:
    ev = _events()
    x = rg.zip({"Muon": ev.Muon, "MET_pt": ev.MET_pt, "njet": rg.num(ev.Jet, axis=1)}, depth_limit=1)
    a = ak.zip(
        {"Muon": rg.to_awkward(ev.Muon), "MET_pt": rg.to_awkward(ev.MET_pt), "njet": ak.num(_nano().Jet_pt)},
        depth_limit=1,
    )
    assert x.type == str(a.type)
    assert x.to_list() == a.to_list()
    assert rg.fields(x) == ["Muon", "MET_pt", "njet"]
    assert rg.unzip(x)[1] is ev.MET_pt
    named = rg.zip({"MET_pt": ev.MET_pt}, depth_limit=1, with_name="Event")
    assert named.type == "12 * Event[MET_pt: float32]"
    assert str(rg.to_awkward(named).type) == named.type


def test_zip_depth_limit_bad_input() -> None:
    ev = _events()
    with pytest.raises(ValueError, match=r"one outer length.*'MET_pt': 12, 'short': 3"):
        rg.zip({"MET_pt": ev.MET_pt, "short": rg.array([1.0, 2.0, 3.0])}, depth_limit=1)
    with pytest.raises(TypeError, match="field 'w' is a list, not a raggrad array"):
        rg.zip({"MET_pt": ev.MET_pt, "w": [1.0] * 12}, depth_limit=1)
    with pytest.raises(NotImplementedError, match="depth_limit=2"):
        rg.zip({"MET_pt": ev.MET_pt}, depth_limit=2)
    with pytest.raises(ValueError, match="depth_limit must be None or a positive integer"):
        rg.zip({"MET_pt": ev.MET_pt}, depth_limit=0)
    # without depth_limit, fields of different lists are broadcast or refused, naming the way out
    with pytest.raises(TypeError, match=r"record array; .*depth_limit=1"):
        rg.zip({"Muon": ev.Muon, "MET_pt": ev.MET_pt})
    with pytest.raises(ValueError, match=r"'a' and 'b' do not broadcast.*depth_limit=1"):
        rg.zip({"a": rg.array([[1.0], [2.0, 3.0]]), "b": rg.array([[1.0, 2.0], [3.0]])})


# ---- indexing ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make_key",
    [
        lambda ev: np.asarray(ev.MET_pt.to_list()) > 20,
        lambda ev: ev.MET_pt > 20,
        lambda ev: rg.num(ev.Muon, axis=1) > 0,
        lambda ev: slice(2, 5),
        lambda ev: slice(None, None, -3),
        lambda ev: np.array([7, 0, 7, 2]),
        lambda ev: [3, 1],
    ],
    ids=["numpy-mask", "rg-mask", "num-mask", "slice", "negative-step", "int-array", "int-list"],
)
def test_outer_keys_select_events_in_every_field(make_key: Any) -> None:
    a = _nano()
    x = _convert(a)
    key = make_key(hep.events(a))
    ak_key = np.asarray(key.to_list()) if isinstance(key, rg.RaggedArray) else key
    _same_as_awkward(x[key], a[ak_key])


def test_outer_keys_with_a_jax_mask_and_integer() -> None:
    jnp = pytest.importorskip("jax.numpy")
    a = _nano()
    x = _convert(a)
    mask = jnp.asarray(np.asarray(a.MET_pt) > 20)
    assert x[mask].to_list() == a[np.asarray(mask)].to_list()
    one = x[3]  # one event: a dict of its fields' values, as a record array's integer index
    assert isinstance(one, dict)
    assert {k: (v.to_list() if hasattr(v, "to_list") else v.item()) for k, v in one.items()} == a[3].to_list()
    assert x[-1]["MET_pt"] == a[-1].MET_pt
    assert x[jnp.int32(2)]["MET_pt"] == a[2].MET_pt  # a 0-d integer array: one event too
    with pytest.raises(TypeError, match="a bool key"):
        x[True]
    assert x[["MET_pt", "nMuon"]].to_list() == a[["MET_pt", "nMuon"]].to_list()


def test_collection_masks_and_attributes() -> None:
    a = _nano()
    ev = hep.events(a)
    good = ev.Muon[ev.Muon.pt > 20]
    assert good.pt.to_list() == a.Muon_pt[a.Muon_pt > 20].to_list()
    assert good.charge.to_list() == a.Muon_charge[a.Muon_pt > 20].to_list()
    assert "Muon" in dir(ev)
    assert ev.shape == (12,) and ev.ndim == 1 and ev.backend == "numpy"
    assert repr(ev).startswith("<EventArray [{Muon: [")
    assert repr(ev).endswith(f"type={ev.type!r}>")
    assert [e["MET_pt"] for e in ev] == a.MET_pt.to_list()
    assert rg.to_list(ev) == ev.to_list()
    if importlib.util.find_spec("jax") is not None:
        assert rg.to_backend(ev, "jax").Muon.pt.backend == "jax"
    for clone in (pickle.loads(pickle.dumps(ev)), copy.copy(ev), copy.deepcopy(ev)):
        assert clone.type == ev.type and clone.to_list() == ev.to_list()


def test_bad_keys_and_whole_record_operations_raise_named_errors() -> None:
    ev = _events()
    with pytest.raises(
        AttributeError, match=r"no field 'Muonn' \(did you mean 'Muon'\?\); the fields are \['Muon'"
    ):
        _ = ev.Muonn
    with pytest.raises(KeyError, match="no field 'Electron'"):
        ev["Electron"]
    with pytest.raises(TypeError, match=r"ragged key .* below the outer dimension"):
        ev[ev.Muon.pt > 20]
    with pytest.raises(TypeError, match="tuple key"):
        ev[:, 0]
    with pytest.raises(TypeError, match=r"np.add: cannot .* event record of fields \['Muon', 'Jet'"):
        ev + ev
    with pytest.raises(TypeError, match=r"np.multiply: cannot"):
        ev * 2.0
    with pytest.raises(TypeError, match=r"np.sum: cannot apply an event record"):
        np.sum(ev)
    with pytest.raises(TypeError, match="convert to a NumPy array"):
        np.asarray(ev)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(ev)
    with pytest.raises(TypeError, match=r"EventArray.. is private"):
        rg.EventArray()


# ---- JAX ---------------------------------------------------------------------------------------------
def _loss(ev: Any) -> Any:
    jnp = pytest.importorskip("jax.numpy")
    muon = rg.sum(rg.sigmoid(ev.Muon.pt - 20.0) * ev.Muon.eta**2)
    return muon + jnp.sum(rg.to_dense(ev.MET_pt * ev.genWeight)) / 100.0


def test_jit_and_per_field_gradient_match_central_differences() -> None:
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):
        a = ak.values_astype(_nano(), np.float64)
        ev = rg.to_backend(hep.events(a), "jax")
        value = _loss(ev)
        assert float(jax.jit(_loss)(ev)) == pytest.approx(float(value), rel=1e-12)
        g = jax.grad(_loss)(ev)
        assert isinstance(g, rg.EventArray)
        assert g.fields == ev.fields
        assert g.type == ev.type
        # central differences of every muon pt and every MET_pt
        pt = ev.Muon.pt
        flat = np.asarray(rg.flatten(pt).to_list())
        grad_pt = np.asarray(rg.flatten(g.Muon.pt).to_list())
        h = 1e-6
        for i in range(len(flat)):
            step = np.zeros_like(flat)
            step[i] = h

            def moved(d: np.ndarray) -> Any:
                new = rg.from_offsets(rg.offsets(pt), jax.numpy.asarray(flat + d))
                muons = rg.with_field(ev.Muon, new, "pt")
                return _loss(rg.zip({**{n: ev[n] for n in ev.fields}, "Muon": muons}, depth_limit=1))

            fd = (float(moved(step)) - float(moved(-step))) / (2 * h)
            assert grad_pt[i] == pytest.approx(fd, rel=1e-5, abs=1e-8)
        met = np.asarray(ev.MET_pt.to_list())
        weight = np.asarray(ev.genWeight.to_list())
        np.testing.assert_allclose(np.asarray(g.MET_pt.to_list()), weight / 100.0, rtol=1e-12)
        np.testing.assert_allclose(np.asarray(g.genWeight.to_list()), met / 100.0, rtol=1e-12)
        assert g.Muon.charge.dtype == np.float64  # int converted with values_astype: differentiable


def test_integer_fields_follow_jax_rules() -> None:
    jax = pytest.importorskip("jax")
    x = rg.to_backend(rg.from_awkward(_nano()), "jax")

    def loss(v: Any) -> Any:
        return rg.sum(v.Muon_pt**2) + rg.sum(v.MET_pt)

    with pytest.raises(TypeError, match="int"):
        jax.grad(loss)(x)
    g = jax.grad(loss, allow_int=True)(x)
    assert isinstance(g, rg.EventArray)
    assert g.nMuon._content.dtype == jax.dtypes.float0
    assert g.Muon_pt.to_list() == (2 * x.Muon_pt).to_list()
    # rg.grad differentiates the floating-point content only
    g2 = rg.grad(loss)(x)
    assert g2.Muon_pt.to_list() == g.Muon_pt.to_list()


def test_bounded_fields_under_jit_and_rg_grad() -> None:
    jax = pytest.importorskip("jax")
    ev = rg.to_backend(_events(), "jax")
    bounded = rg.zip(
        {"Muon": rg.with_capacity(ev.Muon), "MET_pt": rg.with_capacity(ev.MET_pt)}, depth_limit=1
    )
    assert rg.is_bounded(bounded.Muon.pt)

    def selected(e: Any) -> Any:
        kept = e[e.MET_pt > 20]  # a value-dependent event mask: works on bounded fields
        return rg.sum(kept.MET_pt) + rg.sum(kept.Muon.pt)

    keep = np.asarray(ev.MET_pt.to_list()) > 20
    want = np.sum(np.asarray(ev.MET_pt.to_list())[keep]) + sum(
        sum(row) for row, k in zip(ev.Muon.pt.to_list(), keep, strict=True) if k
    )
    assert float(jax.jit(selected)(bounded)) == pytest.approx(want, rel=1e-5)
    g = rg.grad(lambda e: rg.sum(e.Muon.pt**2) + rg.sum(e.MET_pt))(bounded)
    assert isinstance(g, rg.EventArray)
    assert rg.is_bounded(g.Muon.pt)
    assert rg.trim(g.Muon.pt).to_list() == (2 * ev.Muon.pt).to_list()
    assert rg.trim(g.MET_pt).to_list() == [1.0] * len(ev)


def test_concat_of_event_records_with_bounded_fields() -> None:
    """Capacities add, under jit too; an exact part joins a bounded one; gradients reach both."""
    jax = pytest.importorskip("jax")
    grouped = hep.events(_nano(7, seed=1))
    expected = grouped.Muon.pt[[0, 1, 5, 6]].to_list()
    bounded = rg.with_capacity(rg.to_backend(grouped, "jax"))
    joined = jax.jit(lambda a, b: rg.concat([a, b]))(bounded[:2], bounded[5:])
    assert rg.is_bounded(joined.Muon.pt) and rg.capacity(joined.Muon).lists == (32,)
    mixed = rg.concat([bounded[:2], rg.to_backend(grouped, "jax")[5:]])  # exact part: its sizes as capacities
    for pt in (joined.Muon.pt, mixed.Muon.pt):
        assert rg.num(pt).to_list() == [len(row) for row in expected]
        np.testing.assert_allclose(rg.flatten(pt).to_list(), [v for row in expected for v in row], rtol=1e-6)
    g = rg.grad(lambda e: rg.sum(rg.concat([e, e[::-1]]).Muon.pt))(bounded)
    assert rg.trim(g.Muon.pt).to_list() == (2 * rg.ones_like(grouped.Muon.pt)).to_list()


def test_concat_appends_events_field_by_field_as_awkward() -> None:
    a = _nano(7, seed=1)
    grouped = hep.events(a)
    x = rg.from_awkward(a)
    for left, right in ((x[:3], x[3:]), (x, x[::-1])):
        joined = rg.concat([left, right], axis=0)
        _same_as_awkward(joined, ak.concatenate([rg.to_awkward(left), rg.to_awkward(right)]))
        assert np.concatenate([left, right]).to_list() == joined.to_list()
    nested = rg.concat([grouped[:2], grouped[5:]])
    assert nested.Muon.pt.to_list() == grouped.Muon.pt[[0, 1, 5, 6]].to_list()
    assert rg.num(nested, axis=0) == 4 == ak.num(rg.to_awkward(nested), axis=0)
    with pytest.raises(TypeError, match="same fields"):
        rg.concat([x, grouped])
    with pytest.raises(NotImplementedError, match=r"axis=0.*rg\.concat\(\[a\.Muon_pt, b\.Muon_pt\]"):
        rg.concat([x, x], axis=1)
    with pytest.raises(TypeError, match="boolean"):
        rg.concat([x, x], axis=True)
    with pytest.raises(np.exceptions.AxisError, match=r"rg\.num\(x\.Muon_pt, axis=1\)"):
        rg.num(x)  # a field that has lists, not the first field (nMuon)


def test_hep_events_names_a_collection_with_missing_values() -> None:
    tree = ak.Array({"nMuon": [2, 1], "Muon_pt": [[40.0, None], [1.0]], "Muon_eta": [[0.1, -1.0], [2.0]]})
    with pytest.raises(rg.OptionTypeError, match=r"rg\.hep\.events: the branches of collection 'Muon'"):
        hep.events(tree)


def test_the_awkward_type_not_the_lengths_decides_the_kind_of_record() -> None:
    # {a: var, b: var} at the outer dimension is an event record whether or not the lengths agree
    for b in ([[2.0], []], [[2.0], [3.0]]):
        a = ak.Array({"Jet_pt": [[1.0], []], "Muon_pt": b})
        x = rg.from_awkward(a)
        _same_as_awkward(x, a)  # equal lengths made a RecordArray of type 2 * var * {...}
    zipped = ak.zip({"pt": [[1.0], []], "eta": [[2.0], []]})  # var * {...}: one structure
    assert isinstance(rg.from_awkward(zipped), rg.RecordArray)


def test_field_paths_in_tuple_keys_and_repeated_fields() -> None:
    ev = _events()
    a = _nano()
    assert ev["Muon", "pt"].to_list() == a.Muon_pt.to_list()
    assert ev["Muon", "pt", 1].to_list() == a.Muon_pt[1].to_list()
    assert ev[1, "MET_pt"] == ev.MET_pt[1]
    assert ev[ev.MET_pt > 20.0, "Muon", "pt"].to_list() == a.Muon_pt[a.MET_pt > 20.0].to_list()
    with pytest.raises(TypeError, match="tuple key"):
        ev[:, 0]  # no field name: still below the outer dimension
    with pytest.raises(ValueError, match=r"fields \['pt'\] are asked for more than once"):
        ev.Muon[["pt", "eta", "pt"]]  # a record of one pt field came back
    with pytest.raises(ValueError, match=r"fields \['MET_pt'\] are asked for more than once"):
        ev[["MET_pt", "MET_pt"]]


def test_a_collections_per_event_branch_is_a_field_of_its_own_in_any_order() -> None:
    pt = ak.Array([[1.0, 2.0], [], [3.0]])
    for branches in ({"Muon_n": [2, 0, 1], "Muon_pt": pt}, {"Muon_pt": pt, "Muon_n": [2, 0, 1]}):
        ev = hep.events(ak.Array(branches))  # the first order dropped the collection
        assert ev.type == "3 * {Muon: var * {pt: float64}, Muon_n: int64}"
        assert ev.Muon.pt.to_list() == pt.to_list() and ev.Muon_n.to_list() == [2, 0, 1]


def test_a_counter_beside_per_event_branches_groups_nothing() -> None:
    """With no branch of lists under a counter's prefix there is no collection: the branches stay
    fields of their own (a record ``Muon: {pt}`` was made, and ``nMuon`` was never checked)."""
    ev = hep.events(ak.Array({"nMuon": [5, 0], "Muon_pt": [1.0, 2.0], "MET_pt": [3.0, 4.0]}))
    assert ev.type == "2 * {nMuon: int64, Muon_pt: float64, MET_pt: float64}"
    assert ev.Muon_pt.to_list() == [1.0, 2.0] and ev.nMuon.to_list() == [5, 0]


def test_a_branch_of_deeper_lists_stays_a_field_of_its_own() -> None:
    # it was broadcast into the collection: a muon with an empty covariance list was lost
    tree = ak.Array(
        {"nMuon": [1, 2], "Muon_pt": [[40.0], [10.0, 20.0]], "Muon_cov": [[[]], [[1.0, 2.0], [3.0]]]}
    )
    ev = hep.events(tree)
    assert ev.type == "2 * {Muon: var * {pt: float64}, Muon_cov: var * var * float64}"
    assert rg.sum(ev.Muon.pt, axis=1).to_list() == [40.0, 30.0]
    assert ev.Muon_cov.to_list() == tree.Muon_cov.to_list()
    with pytest.raises(
        ValueError, match=r"'Muon_cov' and 'Muon_pt' .* different depths \(var \* var \* float64 vs"
    ):
        hep.collections(tree)
    deeper = ak.Array({"Muon_a": [[[]], [[1.0, 2.0], [3.0]]], "Muon_b": [[[1.0]], [[1.0], [3.0, 4.0]]]})
    with pytest.raises(ValueError, match=r"'Muon_a' and 'Muon_b' .* different lists: in list 0 of axis 2"):
        hep.collections(deeper)
    per_event_first = ak.Array(
        {"Muon_n": [2, 0], "Muon_pt": [[1.0, 2.0], []]}
    )  # was broadcast into the lists
    with pytest.raises(ValueError, match=r"'Muon_pt' and 'Muon_n' .* in entry 0, 2 vs one value"):
        hep.collections(per_event_first)


def test_bad_counters_and_record_branches_are_named() -> None:
    with pytest.raises(ValueError, match=r"counter 'nMuon' is not one number per event"):
        hep.events(ak.Array({"Muon_pt": [[1.0], []], "nMuon": [1, None]}))
    with pytest.raises(TypeError, match=r"branch 'Muon_p4' holds records"):  # it said "one value"
        hep.events(ak.Array({"Muon_pt": [[1.0], []], "Muon_p4": [[{"x": 1.0}], []]}))


@pytest.mark.parametrize(
    "key",
    [
        lambda ev: rg.firsts(ev.Muon.pt) > 20,
        lambda ev: rg.array([2, None, 0]),
        lambda ev: [True, None, True],
        lambda ev: ak.Array([True, None, True]),
        lambda ev: np.ma.array([True, True, False], mask=[0, 1, 0]),
    ],
)
def test_keys_with_missing_values_are_refused_by_event_records(key: Any) -> None:
    # each field took its own None: a record of Nones, not a missing event as in awkward
    ev = hep.events(ak.Array({"Muon_pt": [[40.0, 15.0], [], [25.0]], "MET_pt": [10.0, 20.0, 30.0]}))
    with pytest.raises(TypeError, match=r"has missing values \(None\), which would make missing events"):
        ev[key(ev)]
    assert ev[ak.Array([True, False, True])].MET_pt.to_list() == [10.0, 30.0]
    assert ev[np.ma.masked_array(1)]["MET_pt"] == 20.0  # a 0-d key is one event, as ev[1]
