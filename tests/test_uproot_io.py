"""Reading NanoAOD-style ROOT files: ``rg.hep.collections`` and ``rg.hep.iterate`` (event records of
bounded fields) against awkward.

Each test writes a small synthetic file with uproot (``nMuon``, ``Muon_pt``, ``Muon_eta``,
``Muon_phi``, ``Muon_mass``, ``Muon_charge``, a jet collection, per-event branches) and reads it
back; every value must equal what uproot gives as awkward Arrays. Bad files (missing branches, a
corrupt counter, fields of one collection with different lists) raise named errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

ak = pytest.importorskip("awkward")
uproot = pytest.importorskip("uproot")

import raggrad as rg  # noqa: E402

MUON = ("pt", "eta", "phi", "mass", "charge")


def _events(n: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    nmu = rng.poisson(2.0, n)
    nmu[:3] = [0, 1, 5]  # an empty event, a single muon, many
    m = int(nmu.sum())
    muons = {
        "pt": (3 + rng.exponential(20.0, m)).astype(np.float32),
        "eta": rng.uniform(-2.5, 2.5, m).astype(np.float32),
        "phi": rng.uniform(-np.pi, np.pi, m).astype(np.float32),
        "mass": np.full(m, 0.1057, dtype=np.float32),
        "charge": rng.choice([-1, 1], m).astype(np.int32),
    }
    njet = rng.poisson(3.0, n)
    mj = int(njet.sum())
    jets = {"pt": (20 + rng.exponential(30.0, mj)).astype(np.float32), "eta": rng.uniform(-4.7, 4.7, mj)}
    return {
        "Muon": ak.zip({k: ak.unflatten(v, nmu) for k, v in muons.items()}),
        "Jet": ak.zip({k: ak.unflatten(v, njet) for k, v in jets.items()}),
        "MET_pt": rng.exponential(30.0, n).astype(np.float32),
        "MET_phi": rng.uniform(-np.pi, np.pi, n).astype(np.float32),
        "genWeight": rng.uniform(0.5, 1.5, n),
    }


def _write(path: Path, events: dict[str, Any], **options: Any) -> Path:
    with uproot.recreate(path) as f:
        f.mktree("Events", events, **options)
    return path


@pytest.fixture(scope="module")
def nano(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("nano") / "nano.root", _events(250, 1))


@pytest.fixture(scope="module")
def two_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    where = tmp_path_factory.mktemp("two")
    return [_write(where / f"f{i}.root", _events(n, 10 + i)) for i, n in enumerate((130, 70))]


def test_the_synthetic_file_is_nanoaod_like(nano: Path) -> None:
    keys = set(uproot.open(nano)["Events"].keys())
    assert {"nMuon", *(f"Muon_{f}" for f in MUON), "nJet", "Jet_pt", "Jet_eta", "MET_pt", "genWeight"} <= keys


def test_from_awkward_of_each_branch_equals_awkward(nano: Path) -> None:
    tree = uproot.open(nano)["Events"]
    for branch in ("Muon_pt", "Muon_charge", "Jet_eta", "genWeight"):
        a = tree[branch].array()
        x = rg.from_awkward(a)
        assert x.to_list() == a.to_list()
        assert x.dtype == np.dtype(a.layout.content.dtype if a.ndim > 1 else a.layout.dtype)


def test_collections_group_branches_and_equal_awkward(nano: Path) -> None:
    events = uproot.open(nano)["Events"].arrays(
        ["nMuon", *(f"Muon_{f}" for f in MUON), "Jet_pt", "MET_pt", "MET_phi", "genWeight"]
    )
    chunk = rg.hep.collections(events)
    assert sorted(chunk) == ["Jet", "MET", "Muon", "genWeight"]  # nMuon checked and left out
    muons = chunk["Muon"]
    assert rg.fields(muons) == list(MUON)
    assert muons.type == "250 * var * {pt: float32, eta: float32, phi: float32, mass: float32, charge: int32}"
    for f in MUON:
        assert muons[f].to_list() == events[f"Muon_{f}"].to_list()
    assert rg.num(muons, axis=1).to_list() == events.nMuon.to_list()
    assert chunk["Jet"].pt.to_list() == events.Jet_pt.to_list()
    assert chunk["MET"].type == "250 * {pt: float32, phi: float32}"  # a per-event record, as NanoAOD's MET
    assert chunk["genWeight"].to_list() == events.genWeight.to_list()


def test_iterate_chunks_equal_uproot_iterate(nano: Path) -> None:
    branches = [*(f"Muon_{f}" for f in MUON), "Jet_pt", "MET_pt", "genWeight"]
    ours = list(rg.hep.iterate(nano, branches, step_size=100))
    theirs = list(uproot.iterate(f"{nano}:Events", branches, step_size=100))
    assert [len(c) for c in ours] == [len(c) for c in theirs] == [100, 100, 50]
    for mine, chunk in zip(ours, theirs, strict=True):
        assert isinstance(mine, rg.EventArray)
        assert mine.fields == ["Muon", "Jet", "MET_pt", "genWeight"]  # collections, then the file's order
        assert mine.type == (
            f"{len(chunk)} * {{Muon: var * {{pt: float32, eta: float32, phi: float32, mass: float32, "
            "charge: int32}, Jet: var * {pt: float32}, MET_pt: float32, genWeight: float64}"
        )
        for f in MUON:
            assert mine.Muon[f].to_list() == chunk[f"Muon_{f}"].to_list()
        assert mine.Jet.pt.to_list() == chunk.Jet_pt.to_list()
        assert mine.MET_pt.to_list() == chunk.MET_pt.to_list()
        assert mine.genWeight.to_list() == chunk.genWeight.to_list()
        assert all(rg.is_bounded(x) and x.backend == "numpy" for x in rg.unzip(mine))
        assert {rg.capacity(x).lists for x in rg.unzip(mine)} == {(100,)}
        assert rg.is_bounded(mine) and {c.lists for c in rg.capacity(mine).values()} == {(100,)}
        assert rg.trim(mine).to_list() == mine.to_list() and not rg.is_bounded(rg.trim(mine))


def test_iterate_gives_every_chunk_the_same_capacities(two_files: list[Path]) -> None:
    chunks = list(rg.hep.iterate(two_files, ["Muon", "Jet", "MET"], step_size=64))
    assert [len(c) for c in chunks] == [64, 64, 2, 64, 6]  # chunks never span files
    counts = [int(rg.sum(rg.num(c.Muon, axis=1))) for c in chunks]
    caps = {rg.capacity(c.Muon) for c in chunks}
    assert len(caps) == 1
    (cap,) = caps
    assert cap.lists == (64,) and cap.elements >= max(counts) and cap.elements < 2 * max(max(counts), 8)
    assert len({rg.capacity(c.Jet) for c in chunks}) == 1
    assert len({rg.capacity(c.MET_pt) for c in chunks}) == 1
    every = ak.concatenate([uproot.open(p)["Events"].arrays(["Muon_pt", "MET_phi"]) for p in two_files])
    assert [e for c in chunks for e in c.Muon.pt.to_list()] == every.Muon_pt.to_list()
    assert [e for c in chunks for e in c.MET_phi.to_list()] == every.MET_phi.to_list()


def test_a_collection_name_reads_all_its_branches(nano: Path) -> None:
    (chunk,) = rg.hep.iterate(nano, ["Muon", "MET"], step_size=1000)
    assert rg.fields(chunk.Muon) == list(MUON)
    assert chunk.fields == ["Muon", "MET_pt", "MET_phi"]  # per-event branches stay fields (file order)
    assert rg.num(chunk.Muon, axis=1).to_list() == uproot.open(nano)["Events"]["nMuon"].array().to_list()


def _selected_sum(events: Any) -> Any:
    """A function of an event record: muons above 20 GeV, a per-object and a per-event field added."""
    events = rg.with_field(events, events.Muon.pt * events.Muon.charge, ("Muon", "qpt"))
    good = events.Muon[events.Muon.pt > 20.0]
    events = rg.with_field(events, rg.sum(good.qpt, axis=1) + events.MET_pt, "score")
    return rg.sum(events.score * events.genWeight, axis=None)


def test_iterate_compiles_one_program_for_every_chunk(two_files: list[Path]) -> None:
    jax = pytest.importorskip("jax")
    traces = []

    @jax.jit
    def step(events: rg.EventArray) -> Any:
        traces.append(1)
        return _selected_sum(events)

    branches = ["Muon_pt", "Muon_charge", "MET_pt", "genWeight"]
    chunks = list(rg.hep.iterate(two_files, branches, step_size=64))
    assert len(chunks) == 5 and len({int(rg.sum(rg.num(c.Muon, axis=1))) for c in chunks}) > 2
    got = [float(step(c)) for c in chunks]
    assert len(traces) == 1
    theirs = [c for p in two_files for c in uproot.iterate(f"{p}:Events", branches, step_size=64)]
    for value, chunk in zip(got, theirs, strict=True):
        qpt = chunk.Muon_pt * chunk.Muon_charge
        score = ak.sum(qpt[chunk.Muon_pt > 20.0], axis=1) + chunk.MET_pt
        assert np.isclose(value, float(ak.sum(score * chunk.genWeight)), rtol=1e-5)
    # the same function eagerly on the exact event record of a chunk
    exact = rg.hep.events(theirs[2])
    assert np.isclose(float(_selected_sum(exact)), got[2], rtol=1e-5)


def test_iterate_takes_capacities_and_a_backend(nano: Path) -> None:
    pytest.importorskip("jax")
    chunks = list(rg.hep.iterate(nano, ["Muon_pt"], step_size=100, capacities={"Muon": 1000}, backend="jax"))
    assert {rg.capacity(c.Muon) for c in chunks} == {rg.capacity(chunks[0].Muon)}
    assert rg.capacity(chunks[0].Muon).elements == 1000 and chunks[0].Muon.backend == "jax"
    with pytest.raises(ValueError, match=r"capacity 10 for the elements is below") as info:
        list(rg.hep.iterate(nano, ["Muon_pt"], step_size=100, capacities={"Muon": 10}))
    assert any("entries 0 to 100" in note and "capacities=" in note for note in info.value.__notes__)


def test_missing_branch_is_named_with_close_matches(nano: Path) -> None:
    with pytest.raises(ValueError, match=r"no branch 'Muon_ptt' \(did you mean \['Muon_pt'") as info:
        list(rg.hep.iterate(nano, ["Muon_ptt", "Jet_pt"], step_size=100))
    assert "nano.root" in str(info.value)
    with pytest.raises(ValueError, match=r"no branch 'Electron'"):
        list(rg.hep.iterate(nano, ["Electron"], step_size=100))


def test_missing_tree_is_named(nano: Path) -> None:
    with pytest.raises(ValueError, match=r"no tree 'Runs'; it holds \['Events'\]"):
        list(rg.hep.iterate(nano, ["Muon_pt"], step_size=100, tree="Runs"))


def test_corrupt_counter_is_named_with_the_entry(tmp_path: Path) -> None:
    events = _events(40, 3)
    wrong = ak.num(events["Muon"]).to_numpy().astype(np.int32)
    wrong[17] += 1
    # uproot's own counter under another name, and a corrupt nMuon beside it
    path = _write(
        tmp_path / "corrupt.root", {**events, "nMuon": wrong}, counter_name=lambda name: f"n{name}_"
    )
    with pytest.raises(
        ValueError, match=r"counter 'nMuon' disagrees .* in entry 17, nMuon = \d+ but \d+ values"
    ) as info:
        list(rg.hep.iterate(path, ["Muon_pt", "Muon_eta"], step_size=25))
    assert "corrupt.root, entries 0 to 25" in str(info.value)
    # the same check on arrays read by hand
    with pytest.raises(ValueError, match=r"counter 'nMuon' disagrees"):
        rg.hep.collections(uproot.open(path)["Events"].arrays(["nMuon", "Muon_pt"]))


def test_fields_of_one_collection_with_different_lists_are_named(tmp_path: Path) -> None:
    events = _events(30, 4)
    other = ak.unflatten(np.arange(60, dtype=np.float32), np.full(30, 2))
    path = _write(tmp_path / "mixed.root", {"Muon_pt": events["Muon"].pt, "Muon_iso": other})
    with pytest.raises(
        ValueError, match=r"branches 'Muon_pt' and 'Muon_iso' of collection 'Muon' have different lists"
    ):
        list(rg.hep.iterate(path, ["Muon"], step_size=100))


def test_bad_arguments_are_named(nano: Path) -> None:
    with pytest.raises(TypeError, match=r"step_size='100 MB' must be a positive number of entries"):
        list(rg.hep.iterate(nano, ["Muon_pt"], step_size="100 MB"))
    with pytest.raises(ValueError, match=r"step_size=0 must be a positive number of entries"):
        list(rg.hep.iterate(nano, ["Muon_pt"], step_size=0))
    with pytest.raises(TypeError, match=r"files must be a path or a list of paths"):
        list(rg.hep.iterate(42, ["Muon_pt"], step_size=10))
    with pytest.raises(TypeError, match=r"expected an awkward record of branches"):
        rg.hep.collections(ak.Array([[1.0], []]))
