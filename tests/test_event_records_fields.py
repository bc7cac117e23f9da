"""``rg.with_field`` on event records (``rg.EventArray``): a per-event field, a field of a
collection by path (``("Muon", "iso")``), ``events["name"] = value``; values and types against
``ak.with_field`` on the same events, inputs unchanged, bounded fields eagerly and under
``jax.jit`` (one trace for equal capacities), gradients, and the named errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

ak = pytest.importorskip("awkward")

import raggrad as rg  # noqa: E402
from raggrad import hep  # noqa: E402


def _tree(n: int = 10, seed: int = 5) -> Any:
    """NanoAOD-like branches: a counter, muons and jets, per-event values."""
    rng = np.random.default_rng(seed)
    nmu = rng.poisson(1.5, n).astype(np.int32)
    nmu[:3] = [0, 2, 1]
    njet = rng.poisson(2.0, n).astype(np.int32)
    m, mj = int(nmu.sum()), int(njet.sum())
    return ak.Array(
        {
            "nMuon": nmu,
            "Muon_pt": ak.unflatten(rng.uniform(3.0, 60.0, m), nmu),
            "Muon_eta": ak.unflatten(rng.uniform(-2.5, 2.5, m), nmu),
            "Jet_pt": ak.unflatten(rng.uniform(20.0, 90.0, mj), njet),
            "MET_pt": rng.exponential(30.0, n),
        }
    )


def _events(n: int = 10, seed: int = 5) -> rg.EventArray:
    return hep.events(_tree(n, seed))


def _same(x: rg.EventArray, a: Any) -> None:
    assert x.type == str(a.type)
    assert x.to_list() == a.to_list()


# ---- values against awkward ----------------------------------------------------------------------
def test_a_per_event_field_equals_awkward_and_leaves_the_input_unchanged() -> None:
    events = _events()
    before = events.to_list()
    ht = rg.sum(events.Jet.pt, axis=1)
    out = rg.with_field(events, ht, "HT")
    a = rg.to_awkward(events)
    _same(out, ak.with_field(a, ak.sum(a.Jet.pt, axis=1), "HT"))
    assert out.fields == ["Muon", "Jet", "MET_pt", "HT"]
    assert out.Muon is events.Muon  # untouched fields are shared, not copied
    assert events.to_list() == before and events.fields == ["Muon", "Jet", "MET_pt"]
    # replacing a field keeps its place; a collection may be replaced whole
    doubled = rg.with_field(out, out.MET_pt * 2, "MET_pt")
    assert doubled.fields == out.fields
    assert doubled.MET_pt.to_list() == (np.asarray(events.MET_pt.to_list()) * 2).tolist()
    jets = rg.with_field(out, events.Jet[events.Jet.pt > 40.0], "Jet")
    _same(
        jets, ak.with_field(ak.with_field(a, ak.sum(a.Jet.pt, axis=1), "HT"), a.Jet[a.Jet.pt > 40.0], "Jet")
    )


def test_a_field_of_a_collection_equals_awkward() -> None:
    events = _events()
    a = rg.to_awkward(events)
    iso = events.Muon.pt / 100.0
    out = rg.with_field(events, iso, ("Muon", "iso"))
    _same(out, ak.with_field(a, a.Muon.pt / 100.0, ("Muon", "iso")))
    assert rg.fields(out.Muon) == ["pt", "eta", "iso"]
    assert rg.fields(events.Muon) == ["pt", "eta"]  # the input is unchanged
    # a per-event value or a scalar broadcasts into the lists, as awkward's
    per_event = rg.with_field(events, events.MET_pt, ("Muon", "met"))
    _same(per_event, ak.with_field(a, a.MET_pt, ("Muon", "met")))
    _same(rg.with_field(events, 1.5, ("Muon", "w")), ak.with_field(a, 1.5, ("Muon", "w")))
    # a path of one name is the name
    assert rg.with_field(events, events.MET_pt, ("MET2",)).fields[-1] == "MET2"


def test_a_field_of_a_collection_in_a_nested_event_record() -> None:
    events = _events()
    outer = rg.zip({"reco": events, "w": rg.array(np.linspace(0.5, 1.5, len(events)))}, depth_limit=1)
    out = rg.with_field(outer, events.Muon.eta * 2, ("reco", "Muon", "eta2"))
    assert out.reco.Muon.eta2.to_list() == (rg.to_awkward(events.Muon.eta) * 2).to_list()
    assert out.w is outer.w


def test_setitem_rebinds_the_event_record_as_awkward() -> None:
    events = _events()
    muons = events.Muon
    events["HT"] = rg.sum(events.Jet.pt, axis=1)
    events["Muon", "iso"] = events.Muon.pt / 100.0
    a = rg.to_awkward(_events())
    a["HT"] = ak.sum(a.Jet.pt, axis=1)
    a["Muon", "iso"] = a.Muon.pt / 100.0
    _same(events, a)
    assert rg.fields(muons) == ["pt", "eta"]  # taken before: unchanged


# ---- named errors --------------------------------------------------------------------------------
def test_a_collection_field_with_other_lists_names_the_field_and_the_list() -> None:
    events = _events()
    counts = np.asarray(rg.num(events.Muon, axis=1).to_list())
    counts[4] += 1  # one muon too many in event 4
    wrong = rg.from_lengths(counts, np.ones(int(counts.sum())))
    pattern = r"the field \('Muon', 'iso'\) has other lists than the collection 'Muon' \(list 4 at axis 1"
    with pytest.raises(ValueError, match=pattern):
        rg.with_field(events, wrong, ("Muon", "iso"))
    bounded = rg.with_capacity(events.Muon, lists=16, elements=64)
    bounded_events = rg.zip({"Muon": bounded}, depth_limit=1)
    with pytest.raises(ValueError, match=pattern):
        rg.with_field(bounded_events, rg.with_capacity(wrong, lists=16, elements=64), ("Muon", "iso"))
    with pytest.raises(ValueError, match=r"rg.with_field: the new field 'iso' does not broadcast"):
        rg.with_field(events, rg.array(np.ones(len(events) + 1)), ("Muon", "iso"))


def test_bad_fields_and_paths_are_named() -> None:
    events = _events()
    with pytest.raises(
        ValueError, match=r"rg.with_field: the fields of an event record need one outer length"
    ):
        rg.with_field(events, rg.array([1.0, 2.0]), "short")
    with pytest.raises(TypeError, match=r"field 'x' is a list, not a raggrad array"):
        rg.with_field(events, [1.0] * len(events), "x")
    with pytest.raises(TypeError, match=r"where=3; on an event record it is a field name or a path"):
        rg.with_field(events, events.MET_pt, 3)
    with pytest.raises(ValueError, match=r"no collection 'Electron' for the field \('Electron', 'pt'\)"):
        rg.with_field(events, events.Muon.pt, ("Electron", "pt"))
    with pytest.raises(TypeError, match=r"field 'MET_pt' of the event record is a .* not a collection"):
        rg.with_field(events, events.MET_pt, ("MET_pt", "x"))
    with pytest.raises(NotImplementedError, match=r"records inside records are not supported"):
        rg.with_field(events, events.Muon.pt, ("Muon", "p4", "pt"))
    with pytest.raises(NotImplementedError, match=r"has deeper lists than the record"):
        m = int(rg.sum(rg.num(events.Muon, axis=1)))
        per_muon_lists = rg.from_lengths(np.full(m, 2), np.zeros(2 * m))
        deep = rg.from_offsets(rg.offsets(events.Muon.pt), per_muon_lists)
        rg.with_field(events, deep, ("Muon", "deep"))


# ---- bounded fields, jit, gradients --------------------------------------------------------------
def _bounded(events: rg.EventArray, backend: str = "jax") -> rg.EventArray:
    elements = {n: 64 for n, x in zip(events.fields, rg.unzip(events), strict=True) if rg.fields(x)}
    return rg.with_capacity(events, lists=16, elements=elements).to_backend(backend)


def test_with_capacity_capacity_trim_and_is_bounded_take_event_records() -> None:
    events = _events(10, 5)
    bounded = rg.with_capacity(events, elements={"Muon": 64})
    assert rg.is_bounded(bounded) and not rg.is_bounded(events)
    assert all(rg.is_bounded(x) for x in rg.unzip(bounded))
    assert rg.capacity(events) == {n: None for n in events.fields}
    caps = rg.capacity(bounded)
    assert set(caps) == set(events.fields) and caps["Muon"] == ((16,), 64)
    assert {c.lists[0] for c in caps.values()} == {16}  # one outer capacity: the events'
    assert bounded.type == events.type and bounded.to_list() == events.to_list()
    trimmed = rg.trim(bounded)
    assert isinstance(trimmed, rg.EventArray) and not rg.is_bounded(trimmed)
    assert trimmed.to_list() == events.to_list() and trimmed.fields == events.fields
    assert rg.capacity(rg.with_capacity(bounded, lists=32))["Muon"].lists == (32,)  # re-bounded
    with pytest.raises(ValueError, match="below the number of events, 10"):
        rg.with_capacity(events, lists=8)
    with pytest.raises(TypeError, match="mapping from field name"):
        rg.with_capacity(events, elements=64)
    with pytest.raises(TypeError, match="one outer capacity"):
        rg.with_capacity(events, lists=(16, 16))
    with pytest.raises(ValueError, match=r"\['Tau'\] that the event record lacks"):
        rg.with_capacity(events, elements={"Tau": 64})
    with pytest.raises(ValueError, match="one value per event"):
        rg.with_capacity(events, elements={"MET_pt": 64})
    with pytest.raises(ValueError, match="field 'Muon': capacity 1 for the elements is below"):
        rg.with_capacity(events, elements={"Muon": 1})


def _analysis(events: rg.EventArray) -> Any:
    events = rg.with_field(events, events.Muon.pt * events.Muon.eta, ("Muon", "w"))
    events = rg.with_field(events, rg.sum(events.Muon.w, axis=1) + events.MET_pt, "score")
    return rg.sum(events.score, axis=None)


def test_bounded_event_records_under_jit_trace_once_and_equal_the_exact_result() -> None:
    jax = pytest.importorskip("jax")
    traces = []

    @jax.jit
    def run(events: rg.EventArray) -> Any:
        traces.append(1)
        return _analysis(events)

    for n, seed in ((10, 5), (13, 6), (7, 8)):  # new multiplicities, one capacity bucket
        events = _events(n, seed)
        expected = _analysis(events)
        assert np.isclose(float(run(_bounded(events))), float(expected), rtol=1e-5)
        separately = rg.with_capacity(events.Muon.pt, lists=16, elements=64)  # its own offsets
        eager = rg.with_field(_bounded(events, "numpy"), separately, ("Muon", "copy"))
        assert rg.capacity(eager.Muon) == rg.capacity(_bounded(events).Muon)
        assert eager.Muon.copy.to_list() == events.Muon.pt.to_list()
    assert len(traces) == 1


def test_with_field_on_a_bounded_record_takes_a_separately_bounded_field() -> None:
    muons = rg.with_capacity(rg.zip({"pt": rg.array([[40.0, 15.0], [], [25.0]])}), lists=4, elements=16)
    iso = rg.with_capacity(rg.array([[1.0, 2.0], [], [3.0]]), lists=4, elements=16)
    out = rg.with_field(muons, iso, "iso")
    assert out.to_list() == [
        [{"pt": 40.0, "iso": 1.0}, {"pt": 15.0, "iso": 2.0}],
        [],
        [{"pt": 25.0, "iso": 3.0}],
    ]
    assert rg.capacity(out) == rg.capacity(muons)
    events = rg.with_field(rg.zip({"Muon": muons}, depth_limit=1), iso, ("Muon", "iso"))
    assert events.Muon.iso.to_list() == iso.to_list()


def test_bounded_lists_that_differ_under_jit_are_refused_when_read() -> None:
    jax = pytest.importorskip("jax")
    events = _bounded(_events())
    other = _bounded(_events(10, 9))
    out = jax.jit(lambda e, v: rg.with_field(e, v, ("Muon", "iso")))(events, other.Muon.pt)
    with pytest.raises(
        ValueError, match=r"is invalid: an operation that made it met operands whose lists differ"
    ):
        out.Muon.iso.to_list()


def test_gradients_flow_through_with_field() -> None:
    jax = pytest.importorskip("jax")
    events = _events().to_backend("jax")
    pt, met = events.Muon.pt, events.MET_pt

    def loss(w: Any, m: Any) -> Any:
        out = rg.with_field(events, w * w, ("Muon", "w2"))
        out = rg.with_field(out, m * 3.0, "m3")
        return rg.sum(out.Muon.w2 * out.Muon.eta, axis=None) + rg.sum(out.m3 * out.MET_pt, axis=None)

    gw, gm = jax.grad(loss, argnums=(0, 1))(pt, met)
    eta = rg.to_awkward(events.Muon.eta)
    assert np.allclose(ak.flatten(rg.to_awkward(gw)), ak.flatten(2 * rg.to_awkward(pt) * eta), rtol=1e-5)
    assert np.allclose(gm.to_list(), (3 * np.asarray(met.to_list())).tolist(), rtol=1e-5)
    # bounded fields: rg.grad differentiates the float content, padding never counts
    bounded = _bounded(_events())
    g = rg.grad(lambda w: rg.sum(rg.with_field(bounded, w * w, ("Muon", "w2")).Muon.w2, axis=None))(
        bounded.Muon.pt
    )
    assert np.allclose(ak.flatten(rg.to_awkward(g)), ak.flatten(2 * rg.to_awkward(rg.trim(bounded.Muon.pt))))
