"""``rg.hep.iterate``'s arguments and errors, and ``rg.hep.soft_histogram``'s bandwidth on torch.

Each test writes a small file of a few events with uproot: capacities apply to every field of
lists or raise named errors, a branch name may be a single string, ``"file.root:tree"`` and glob
patterns are read as ``uproot.iterate`` reads them, bad arguments raise named errors, and an error
in a chunk names the entry within the file. The torch gradient in the bandwidth is checked against
a central finite difference in float64.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

ak = pytest.importorskip("awkward")
uproot = pytest.importorskip("uproot")

import raggrad as rg  # noqa: E402

PT = [[1.0], [], [2.0, 3.0], [4.0], [5.0], [], [6.0], [7.0]]


def _write(path: Path, trees: dict[str, dict[str, Any]], **options: Any) -> Path:
    with uproot.recreate(path) as f:
        for name, branches in trees.items():
            f.mktree(name, branches, **options)
    return path


def _muons(pt: list[list[float]]) -> dict[str, Any]:
    return {"Muon": ak.zip({"pt": ak.Array(pt)}), "MET_pt": np.arange(float(len(pt)))}


@pytest.fixture
def ev8(tmp_path: Path) -> Path:
    """Eight events: ``nMuon``, ``Muon_pt``, ``MET_pt`` in ``Events``; a second tree; a histogram."""
    path = _write(tmp_path / "ev8.root", {"Events": _muons(PT), "Other": {"x": np.arange(3.0)}})
    with uproot.update(path) as f:
        f["h"] = np.histogram([1.0, 2.0])
    return path


def test_capacity_applies_to_a_branch_of_lists_without_a_counter(tmp_path: Path) -> None:
    # "trk" has no prefix and its counter has another name: no ntrk, no collection
    path = _write(tmp_path / "trk.root", {"Events": {"trk": ak.Array(PT)}}, counter_name=lambda n: f"N{n}")
    assert "ntrk" not in uproot.open(path)["Events"]
    chunks = list(rg.hep.iterate(path, ["trk"], step_size=2, capacities={"trk": 64}))
    assert {(rg.capacity(c.trk).lists, rg.capacity(c.trk).elements) for c in chunks} == {((2,), 64)}
    assert [x for c in chunks for x in c.trk.to_list()] == PT


def test_capacities_that_match_nothing_read_are_named(ev8: Path) -> None:
    with pytest.raises(ValueError, match=r"capacities \['Muonn'\] name no collection .*\['Muon'\]"):
        list(rg.hep.iterate(ev8, ["Muon"], step_size=2, capacities={"Muonn": 4096}))
    # one value per event: no element slots to give
    with pytest.raises(ValueError, match=r"capacities \['MET_pt'\] name no collection"):
        list(rg.hep.iterate(ev8, ["Muon", "MET_pt"], step_size=2, capacities={"MET_pt": 8}))


@pytest.mark.parametrize(
    ("capacities", "error", "match"),
    [
        ([("Muon", 4096)], TypeError, r"capacities must be a mapping"),
        ({"Muon": 1000.9}, TypeError, r"capacities\['Muon'\]=1000.9 must be an int"),
        ({"Muon": True}, TypeError, r"capacities\['Muon'\]=True must be an int"),
        ({"Muon": 0}, ValueError, r"capacities\['Muon'\]=0 must be positive"),
        ({"Muon": -4}, ValueError, r"capacities\['Muon'\]=-4 must be positive"),
    ],
)
def test_bad_capacities_are_named(ev8: Path, capacities: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        list(rg.hep.iterate(ev8, ["Muon"], step_size=2, capacities=capacities))


def test_capacities_take_numpy_integers(ev8: Path) -> None:
    chunks = list(rg.hep.iterate(ev8, ["Muon"], step_size=2, capacities={"Muon": np.int64(32)}))
    assert {rg.capacity(c.Muon).elements for c in chunks} == {32}


def test_one_branch_name_is_a_string(ev8: Path) -> None:
    one = list(rg.hep.iterate(ev8, "Muon", step_size=3))
    listed = list(rg.hep.iterate(ev8, ["Muon"], step_size=3))
    assert [c.Muon.pt.to_list() for c in one] == [c.Muon.pt.to_list() for c in listed]
    assert [x for c in one for x in c.Muon.pt.to_list()] == PT


def test_the_tree_may_follow_the_file_path(ev8: Path) -> None:
    chunks = list(rg.hep.iterate(f"{ev8}:Other", ["x"], step_size=2))
    assert [c.x.to_list() for c in chunks] == [[0.0, 1.0], [2.0]]
    # a missing tree: the file's trees are listed, not its branches nor its histograms
    with pytest.raises(ValueError, match=r"ev8.root has no tree 'Nope'; it holds \['Events', 'Other'\]"):
        list(rg.hep.iterate(f"{ev8}:Nope", ["x"], step_size=2))
    with pytest.raises(ValueError, match=r"no tree 'Runs'; it holds \['Events', 'Other'\]"):
        list(rg.hep.iterate(ev8, ["Muon"], step_size=2, tree="Runs"))
    with pytest.raises(ValueError, match=r"no tree 'h'; it holds \['Events', 'Other'\]"):  # a histogram
        list(rg.hep.iterate(ev8, ["Muon"], step_size=2, tree="h"))


def test_glob_patterns_are_expanded_in_order(tmp_path: Path) -> None:
    for i, pt in enumerate((PT[:3], PT[3:])):
        _write(tmp_path / f"part{i}.root", {"Events": _muons(pt)})
    for pattern in (f"{tmp_path}/part*.root", [tmp_path / "part[01].root"], f"{tmp_path}/part?.root:Events"):
        chunks = list(rg.hep.iterate(pattern, ["Muon"], step_size=4))
        assert [c.Muon.pt.to_list() for c in chunks] == [PT[:3], PT[3:7], PT[7:]]
    with pytest.raises(FileNotFoundError, match=r"no file matches the pattern '.*nothing\*\.root'"):
        list(rg.hep.iterate(f"{tmp_path}/nothing*.root", ["Muon"], step_size=4))


def test_bad_branches_and_tree_are_named(ev8: Path) -> None:
    with pytest.raises(ValueError, match=r"rg.hep.iterate: no branches given"):
        list(rg.hep.iterate(ev8, [], step_size=2))
    with pytest.raises(TypeError, match=r"branches must be a branch name or a list of them, not 42"):
        list(rg.hep.iterate(ev8, 42, step_size=2))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"rg.hep.iterate: tree must be a tree's name.*not None"):
        list(rg.hep.iterate(ev8, ["Muon"], step_size=2, tree=None))  # type: ignore[arg-type]
    # before any file is read (it was raised by the first chunk, with a note to raise capacities=)
    with pytest.raises(ValueError, match=r"unknown backend 'cuda'") as info:
        list(rg.hep.iterate(ev8, ["Muon"], step_size=2, backend="cuda"))
    assert not getattr(info.value, "__notes__", None)


def test_an_error_in_a_chunk_names_the_entry_in_the_file(tmp_path: Path) -> None:
    wrong = np.array([len(p) for p in PT], dtype=np.int32)
    wrong[4] += 1
    # uproot's own counter under another name, and a corrupt nMuon beside it
    trees = {"Events": {**_muons(PT), "nMuon": wrong}}
    path = _write(tmp_path / "bad.root", trees, counter_name=lambda name: f"n{name}_")
    with pytest.raises(ValueError, match=r"bad.root, entries 4 to 6\): in entry 4, nMuon = 2 but 1 values"):
        list(rg.hep.iterate(path, ["Muon"], step_size=2))
    with pytest.raises(ValueError, match=r"in entry 0, nMuon = 2 but 1 values"):  # arrays read by hand
        rg.hep.events(uproot.open(path)["Events"].arrays(["nMuon", "Muon_pt"], entry_start=4))


def test_soft_histogram_bandwidth_may_require_grad_on_torch() -> None:
    torch = pytest.importorskip("torch")
    x = rg.array([[1.0, 2.5], [], [3.0]], backend="torch")
    edges = torch.tensor([0.0, 2.0, 4.0], dtype=torch.float64)
    scale = torch.tensor([1.0, 3.0], dtype=torch.float64)

    def total(bandwidth: Any) -> Any:
        return (rg.to_dense(rg.hep.soft_histogram(x, edges, bandwidth=bandwidth)) * scale).sum()

    bw = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    total(bw).backward()
    eps = 1e-6
    up, down = (torch.tensor(0.5 + d, dtype=torch.float64) for d in (eps, -eps))
    fd = (total(up) - total(down)) / (2 * eps)
    assert bw.grad is not None and abs(float(bw.grad)) > 0.1
    assert np.isclose(float(bw.grad), float(fd), rtol=1e-6)
    for bad in (0.0, -0.5):
        with pytest.raises(ValueError, match=r"rg.hep.soft_histogram: bandwidth=.* must be positive"):
            rg.hep.soft_histogram(
                x, edges, bandwidth=torch.tensor(bad, dtype=torch.float64, requires_grad=True)
            )


def test_soft_histogram_of_integers_keeps_fractional_edges_and_refuses_unsorted_edges() -> None:
    # edges were cast to the values' dtype: [0.5, 1.5, ...] became [0, 1, ...] for an int branch
    x = rg.array([[1, 2], [3]])
    assert rg.hep.soft_histogram(x, [0.5, 1.5, 2.5, 3.5], bandwidth=0.01).to_list() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="the edges must increase"):
        rg.hep.soft_histogram(rg.array([[0.5, 2.5]]), [3.0, 0.0, 2.0], bandwidth=0.01)


def test_soft_histogram_differentiates_in_jax_edges_and_bandwidth_of_host_values() -> None:
    jax = pytest.importorskip("jax")
    x = rg.array([[0.5, 1.0, 2.5], [], [2.0]])  # numpy values, the default
    with jax.enable_x64(True):

        def total(edges: Any, bandwidth: Any) -> Any:
            return jax.numpy.sum(rg.to_dense(rg.hep.soft_histogram(x, edges, bandwidth=bandwidth)) ** 2)

        edges = jax.numpy.array([0.0, 1.0, 2.0, 3.0])
        g_edges, g_bw = jax.grad(total, argnums=(0, 1))(edges, 0.3)
        h = 1e-6
        for i in range(4):
            step = jax.numpy.zeros(4).at[i].set(h)
            fd = (total(edges + step, 0.3) - total(edges - step, 0.3)) / (2 * h)
            assert abs(float(g_edges[i]) - float(fd)) < 1e-6
        fd = (total(edges, 0.3 + h) - total(edges, 0.3 - h)) / (2 * h)
        assert abs(float(g_bw) - float(fd)) < 1e-6


def test_collection_errors_on_zero_events_are_named() -> None:
    with pytest.raises(ValueError, match="different lists"):
        rg.hep.collections(ak.Array({"Muon_pt": ak.Array([[1.0]])[:0], "Muon_n": np.zeros(0)}))
    with pytest.raises(ValueError, match="counter 'nMuon' disagrees"):
        rg.hep.events(ak.Array({"nMuon": ak.Array([[1]])[:0], "Muon_pt": ak.Array([[1.0]])[:0]}))
