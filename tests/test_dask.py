"""raggrad.dask: partitions of a dask-awkward array as bounded raggrad arrays, functions mapped over
them, and gradients of losses summed over partitions, on dask's synchronous scheduler (fast unit
tests) and on a real ``LocalCluster`` of two worker processes (a worker killed mid-run, a corrupt
partition)."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import textwrap
import time
from typing import Any

import numpy as np
import pytest

import raggrad as rg

MISSING = [m for m in ("dask", "distributed", "dask_awkward", "jax") if importlib.util.find_spec(m) is None]
needs_dask = pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)}")


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_import_raggrad_imports_no_dask() -> None:
    # as tests/test_layers.py checks for jax and torch: the extra is imported on use only
    out = _run("""
        import sys
        import raggrad
        print(sorted(m for m in ("dask", "distributed", "dask_awkward", "jax", "torch") if m in sys.modules))
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@needs_dask
def test_rg_dask_is_loaded_on_first_use() -> None:
    out = _run("""
        import sys
        import raggrad as rg
        print(callable(rg.dask.value_and_grad), "dask" in sys.modules)
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True"]


# ---- data and losses shared by the tests ------------------------------------------------------
def _events(n: int, seed: int) -> Any:
    """Muons per event (pt, eta) as an awkward Array: Poisson(3) muons, float64."""
    import awkward as ak

    rng = np.random.default_rng(seed)
    lengths = rng.poisson(3, n)
    m = int(lengths.sum())
    pt = 5 + rng.exponential(20.0, m)
    eta = rng.uniform(-2.5, 2.5, m)
    return ak.zip({"pt": ak.unflatten(pt, lengths), "eta": ak.unflatten(eta, lengths)})


def _pairs(x: Any) -> Any:
    """All pairs of muons; a bounded partition needs the pairs' capacity (static)."""
    cap = rg.capacity(x)
    return rg.combinations(x, 2, capacity=None if cap is None else 4 * cap.elements)


CENTERS = (20.0, 40.0, 60.0, 80.0)


def _sigmoid(z: Any) -> Any:
    return 1 / (1 + np.exp(-z))


def _weights(theta: Any, muons: Any) -> Any:
    return _sigmoid((muons.pt - theta["pt"]) / 2.0) * _sigmoid((np.abs(muons.eta) - theta["eta"]) / -0.1)


def histogram(theta: Any, muons: Any) -> Any:
    """Per-partition sums: a soft histogram of the selected muons' pt, and the number of events."""
    import jax.numpy as jnp

    w = _weights(theta, muons)
    counts = jnp.stack([rg.sum(w * np.exp(-0.5 * ((muons.pt - c) / 10.0) ** 2)) for c in CENTERS])
    return {"counts": counts, "events": rg.sum(rg.num(muons, axis=1) >= 0)}


def pair_histogram(theta: Any, muons: Any) -> Any:
    """The same of the pairs of muons (their pt sum): combinations on a bounded partition."""
    import jax.numpy as jnp

    w = _weights(theta, muons)
    first, second = _pairs(rg.zip({"pt": muons.pt, "w": w}))
    s, ww = first.pt + second.pt, first.w * second.w
    counts = jnp.stack([rg.sum(ww * np.exp(-0.5 * ((s - 2 * c) / 10.0) ** 2)) for c in CENTERS])
    return {"counts": counts, "events": rg.sum(rg.num(muons, axis=1) >= 0)}


def significance(totals: Any) -> Any:
    import jax.numpy as jnp

    signal = totals["counts"][1] + totals["counts"][2]
    return -signal / jnp.sqrt(totals["counts"].sum() + 1.0) + 1e-3 * totals["events"]


def log_likelihood(theta: Any, muons: Any) -> Any:
    """A sum over events: without finalize= the loss is the total."""
    return -rg.sum(np.log1p(rg.sum(_weights(theta, muons), axis=1)))


def _theta(dtype: Any) -> dict[str, Any]:
    import jax.numpy as jnp

    return {"pt": jnp.asarray(25.0, dtype), "eta": jnp.asarray(2.0, dtype)}


def _reference(loss: Any, theta: Any, events: Any, finalize: Any = None) -> tuple[Any, Any]:
    """``jax.value_and_grad`` of the same computation on all the data, in this process."""
    import jax

    whole = rg.to_backend(rg.from_awkward(events), "jax")
    full = (lambda t, x: finalize(loss(t, x))) if finalize else loss
    return jax.value_and_grad(full)(theta, whole)


def _close(got: Any, expected: Any, rtol: float) -> None:
    import jax

    for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(expected), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=0)


@pytest.fixture
def sync() -> Any:
    import dask

    with dask.config.set(scheduler="sync"):
        yield


def _collection(events: Any, npartitions: int, **kwargs: Any) -> Any:
    import dask_awkward as dak

    return rg.dask.from_awkward(dak.from_awkward(events, npartitions=npartitions), **kwargs)


# ---- from_awkward and map_partitions ------------------------------------------------------------
@needs_dask
def test_partitions_are_bounded_arrays_with_the_partitions_lists(sync: Any) -> None:
    import dask_awkward as dak

    events = _events(300, 0)
    source = dak.from_awkward(events, npartitions=4)
    c = rg.dask.from_awkward(source)
    parts = c.compute()
    assert len(parts) == c.npartitions == 4
    for p, expected in zip(parts, dask_compute_partitions(source), strict=True):
        assert isinstance(p, rg.RecordArray) and rg.is_bounded(p)
        assert p.to_list() == rg.from_awkward(expected).to_list()
    # similar sizes share a bucket: one program serves them all
    assert len({rg.capacity(p) for p in parts}) == 1
    assert c.partition(-1).compute().to_list() == parts[-1].to_list()


def dask_compute_partitions(source: Any) -> list[Any]:
    import dask

    return list(dask.compute(*source.to_delayed()))


@needs_dask
def test_capacities_can_be_pinned_and_fields_selected(sync: Any) -> None:
    import dask_awkward as dak

    source = dak.from_awkward(_events(100, 1), npartitions=2)
    (p, _) = rg.dask.from_awkward(source.pt, lists=64, elements=512).compute()
    assert isinstance(p, rg.RaggedArray) and rg.capacity(p) == ((64,), 512)
    with pytest.raises(ValueError, match=r"capacity 8 for the lists at depth 0 is below the size 50"):
        rg.dask.from_awkward(source.pt, lists=8).compute()


@needs_dask
def test_from_awkward_refuses_what_is_not_a_dask_awkward_array() -> None:
    with pytest.raises(TypeError, match=r"dak\.from_awkward\(array, npartitions=\.\.\.\)"):
        rg.dask.from_awkward(_events(10, 0))


@needs_dask
def test_map_partitions_zips_collections_and_passes_other_arguments(sync: Any) -> None:
    events = _events(200, 2)
    a = _collection(events, 3)
    per_event = rg.dask.map_partitions(lambda x, k: k * rg.sum(x.pt, axis=1), a, 2.0)
    expected = rg.sum(rg.from_awkward(events).pt, axis=1) * 2.0
    got = np.concatenate([np.asarray(p.to_list()) for p in per_event.compute()])
    np.testing.assert_allclose(got, expected.to_list(), rtol=1e-12)
    both = rg.dask.map_partitions(lambda x, y: len(x) + len(y), a, per_event)
    assert sum(both.compute()) == 2 * len(events)


@needs_dask
def test_an_error_in_a_mapped_function_names_the_partition(sync: Any) -> None:
    import dask_awkward as dak

    def fails_on_small(x: Any) -> Any:
        if len(x) < 50:
            msg = "too few events"
            raise ValueError(msg)
        return len(x)

    c = _collection(_events(110, 3), 2)  # partitions of 55 and 55 events
    assert rg.dask.map_partitions(fails_on_small, c).compute() == [55, 55]
    events = _events(75, 3)
    parts = [dak.from_awkward(events[:55], 1), dak.from_awkward(events[55:], 1)]
    small = rg.dask.from_awkward(dak.concatenate(parts))  # 55 and 20 events
    with pytest.raises(ValueError, match=r"too few events") as info:
        rg.dask.map_partitions(fails_on_small, small).compute()
    assert "in partition 1 of 2" in "\n".join(info.value.__notes__)


@needs_dask
def test_a_collection_is_a_dask_collection(sync: Any) -> None:
    import dask

    events = _events(90, 10)
    c = _collection(events, 3)
    assert repr(c) == f"rg.dask.Collection<{c.name}, npartitions=3>"
    (parts,) = dask.compute(c)
    assert [len(p) for p in parts] == [30, 30, 30]
    assert [d.compute().to_list() for d in c.to_delayed()] == [p.to_list() for p in parts]
    kept = c.persist()
    assert isinstance(kept, rg.dask.Collection) and kept.npartitions == 3
    assert [p.to_list() for p in kept.compute()] == [p.to_list() for p in parts]
    with pytest.raises(IndexError, match=r"i=3 is out of range for 3 partitions"):
        c.partition(3)


@needs_dask
def test_map_partitions_refuses_no_collection_and_unequal_partitions() -> None:
    a, b = _collection(_events(40, 11), 2), _collection(_events(40, 11), 4)
    with pytest.raises(TypeError, match=r"no argument is an rg\.dask\.Collection"):
        rg.dask.map_partitions(len, [1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"different numbers of partitions: \[2, 4\]"):
        rg.dask.map_partitions(lambda x, y: x, a, b)


# ---- value_and_grad on the synchronous scheduler ------------------------------------------------
@needs_dask
@pytest.mark.parametrize(
    ("loss", "finalize"),
    [(log_likelihood, None), (histogram, significance), (pair_histogram, significance)],
    ids=["sum", "finalize", "pairs"],
)
def test_value_and_grad_equals_jax_on_all_the_data_float64(sync: Any, loss: Any, finalize: Any) -> None:
    import jax

    events = _events(500, 4)
    with jax.enable_x64(True):
        theta = _theta("float64")
        value, grad = rg.dask.value_and_grad(loss, finalize=finalize)(theta, _collection(events, 5))
        expected = _reference(loss, theta, events, finalize)
    assert value.dtype == np.float64 and grad["pt"].dtype == np.float64
    _close((value, grad), expected, rtol=1e-10)


@needs_dask
def test_value_and_grad_float32_differs_by_summation_order_only(sync: Any) -> None:
    import jax

    events = _events(500, 5)
    theta = _theta("float32")
    f = rg.dask.value_and_grad(histogram, finalize=significance)
    value, grad = f(theta, _collection(events, 5))
    expected = _reference(histogram, theta, events, significance)
    assert value.dtype == np.float32
    _close((value, grad), expected, rtol=2e-5)
    assert jax.tree_util.tree_structure(grad) == jax.tree_util.tree_structure(theta)


@needs_dask
def test_argnums_picks_the_parameters_and_refuses_the_data(sync: Any) -> None:
    import jax
    import jax.numpy as jnp

    events = _events(200, 6)
    c = _collection(events, 2)

    def loss(scale: Any, x: Any, shift: Any) -> Any:
        return rg.sum((scale * x.pt - shift) ** 2)

    with jax.enable_x64(True):
        args = (jnp.float64(0.5), c, jnp.float64(3.0))
        value, (g0, g2) = rg.dask.value_and_grad(loss, argnums=(0, 2))(*args)
        whole = rg.to_backend(rg.from_awkward(events), "jax")
        expected = jax.value_and_grad(loss, argnums=(0, 2))(args[0], whole, args[2])
        _close((value, g0, g2), (expected[0], *expected[1]), rtol=1e-10)
        with pytest.raises(TypeError, match=r"names argument 1, a collection"):
            rg.dask.value_and_grad(loss, argnums=1)(*args)


@needs_dask
def test_an_integer_parameter_gets_float0_zeros_not_a_sum_of_its_values(sync: Any) -> None:
    import jax
    import jax.numpy as jnp

    c = _collection(_events(200, 6), 4)

    def loss(p: Any, x: Any) -> Any:
        return rg.sum(x.pt * p["w"]) * p["n"]

    params = {"w": jnp.float32(2.0), "n": 3}
    for finalize in (None, lambda t: t**2):
        _, grad = rg.dask.value_and_grad(loss, finalize=finalize)(params, c)
        assert grad["n"].dtype == jax.dtypes.float0 and grad["n"].shape == ()
        assert isinstance(grad["w"], jax.Array)


@needs_dask
def test_a_loss_that_is_no_scalar_needs_finalize(sync: Any) -> None:
    f = rg.dask.value_and_grad(histogram)
    with pytest.raises(TypeError) as info:
        f(_theta("float32"), _collection(_events(100, 7), 2))
    assert "give finalize=" in "\n".join(info.value.__notes__)


@needs_dask
def test_value_and_grad_refuses_bad_arguments(sync: Any) -> None:
    c = _collection(_events(60, 12), 2)
    with pytest.raises(TypeError, match=r"loss and finalize must be functions"):
        rg.dask.value_and_grad(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"split_every=1 must be an int of at least 2"):
        rg.dask.value_and_grad(log_likelihood, split_every=1)
    with pytest.raises(ValueError, match=r"names argument 5, but the function got 2 arguments"):
        rg.dask.value_and_grad(log_likelihood, argnums=5)(_theta("float32"), c)
    with pytest.raises(TypeError, match=r"finalize must return a scalar, not an array of shape \(4,\)"):
        rg.dask.value_and_grad(histogram, finalize=lambda t: t["counts"])(_theta("float32"), c)


@needs_dask
def test_the_tree_sum_over_many_partitions_equals_jax(sync: Any) -> None:
    import jax

    events = _events(140, 13)
    with jax.enable_x64(True):
        theta = _theta("float64")
        # 7 partitions added 2 at a time: three levels of additions
        f = rg.dask.value_and_grad(histogram, finalize=significance, split_every=2)
        got = f(theta, _collection(events, 7))
        _close(got, _reference(histogram, theta, events, significance), rtol=1e-10)


@needs_dask
def test_one_compilation_per_bucket_and_pass_reused_across_calls(sync: Any) -> None:
    import dask_awkward as dak

    events = _events(400, 8)
    # partitions of 100, 100, 100 and 100 events, then one of 20 in a smaller bucket
    source = dak.concatenate([dak.from_awkward(events, npartitions=4), dak.from_awkward(events[:20], 1)])
    c = rg.dask.from_awkward(source)
    assert len({rg.capacity(p) for p in c.compute()}) == 2
    f = rg.dask.value_and_grad(histogram, finalize=significance)
    before = rg.dask.compilations()
    theta = _theta("float32")
    f(theta, c)
    assert rg.dask.compilations() - before == 2 * 2  # two buckets, two passes
    f({k: v + 1 for k, v in theta.items()}, c)
    assert rg.dask.compilations() - before == 4  # new parameter values: no new program


@needs_dask
def test_a_corrupt_partition_is_named_in_the_error(sync: Any) -> None:
    with pytest.raises(ValueError, match=r"offsets must not decrease") as info:
        rg.dask.value_and_grad(log_likelihood)(_theta("float32"), _corrupt_collection(3, 4))
    assert "in partition 3 of 4" in "\n".join(info.value.__notes__)


class _Source:
    """A dak.from_map source: partition ``i`` of made-up events; ``bad`` gets corrupt offsets."""

    def __init__(self, bad: int = -1, delay: float = 0.0) -> None:
        self.bad, self.delay = bad, delay

    def __call__(self, i: int) -> Any:
        import awkward as ak

        time.sleep(self.delay)  # reading a file
        events = _events(150, 100 + i)
        if i == self.bad:
            pt = events.pt.layout
            offsets = np.asarray(pt.offsets).copy()
            offsets[1], offsets[2] = offsets[2] + 2, offsets[1]  # decreasing: a corrupt file
            content = ak.contents.NumpyArray(np.asarray(pt.content.data))
            bad = ak.contents.ListOffsetArray(ak.index.Index64(offsets), content)
            return ak.zip({"pt": ak.Array(bad), "eta": ak.Array(bad)}, depth_limit=1)
        return events


def _corrupt_collection(bad: int, n: int) -> Any:
    import dask_awkward as dak

    return rg.dask.from_awkward(dak.from_map(_Source(bad), list(range(n)), label="corrupt"))


@needs_dask
def test_progress_bar_of_dask_diagnostics(sync: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from dask.diagnostics import ProgressBar

    with ProgressBar(out=sys.stdout):
        rg.dask.value_and_grad(log_likelihood)(_theta("float32"), _collection(_events(100, 9), 2))
    assert "100%" in capsys.readouterr().out


# ---- a real cluster: two worker processes on localhost ------------------------------------------
class _Slices:
    """Partition ``i`` of ``events`` split at ``bounds`` (for ``dak.from_map``)."""

    def __init__(self, events: Any, bounds: list[int]) -> None:
        self.events, self.bounds = events, bounds

    def __call__(self, i: int) -> Any:
        return self.events[self.bounds[i] : self.bounds[i + 1]]


def _split(events: Any, bounds: list[int]) -> Any:
    import dask_awkward as dak

    parts = dak.from_map(_Slices(events, bounds), list(range(len(bounds) - 1)), label="slices")
    return rg.dask.from_awkward(parts)


@needs_dask
def test_per_event_results_are_refused_not_summed_across_partitions(sync: Any) -> None:
    import awkward as ak
    import jax.numpy as jnp

    events = ak.Array([[1.0, 2.0], [], [3.0], [4.0, 5.0, 6.0], [], [7.0]] + [[8.0]] * 18)
    per_event = rg.dask.value_and_grad(
        lambda t, x: {"s": rg.sum(x * t, axis=1)}, finalize=lambda tt: rg.sum(tt["s"])
    )
    for bounds in ([0, 2, 6], [0, 2, 24], [0, 3, 6]):  # the same capacities; other ones; equal lists
        c = _split(events, bounds)
        with pytest.raises(ValueError, match=r"per-event values"):
            per_event(jnp.float32(1.0), c)  # gave 21 (not 28) for the first split
        total = rg.dask.value_and_grad(lambda t, x: rg.sum(x * t))(jnp.float32(1.0), c)
        assert float(total[0]) == float(ak.sum(events[: bounds[-1]]))


@needs_dask
def test_per_event_values_of_partitions_with_equal_lists_are_refused(sync: Any) -> None:
    # partitions of equal event counts and list lengths: nothing in the sum's leaves differs, so
    # only where the values come from tells; event i of one partition is not event i of the next
    import awkward as ak
    import jax.numpy as jnp

    c = _split(ak.Array([[1.0, 2.0], [3.0], [10.0, 20.0], [30.0]]), [0, 2, 4])
    for loss in (
        lambda w, x: w * x,
        lambda w, x: rg.sum(w * x, axis=1),
        lambda w, x: {"m": rg.mean(x * w, axis=-1)},
    ):
        f = rg.dask.value_and_grad(loss, finalize=lambda t: sum(rg.sum(v**2) for v in jax_leaves(t)))
        with pytest.raises(ValueError, match=r"per-event values"):
            f(jnp.float32(2.0), c)  # gave 6776 for w * x, where the whole dataset gives 5656


def jax_leaves(tree: Any) -> list[Any]:
    return list(tree.values()) if isinstance(tree, dict) else [tree]


@needs_dask
def test_totals_per_position_name_what_differs(sync: Any) -> None:
    import awkward as ak
    import jax.numpy as jnp

    c = _split(ak.Array([[1.0, 2.0, 3.0], [4.0], [], [5.0, 6.0]]), [0, 2, 4])
    f = rg.dask.value_and_grad(lambda w, x: rg.sum(w * x, axis=0), finalize=lambda t: rg.sum(t**2))
    with pytest.raises(ValueError, match=r"lists that differ") as info:
        f(jnp.float32(2.0), c)
    assert "axis=0" not in str(info.value) or "pad" in str(info.value)  # no advice to use what fails


@needs_dask
def test_collections_split_at_other_places_are_refused(sync: Any) -> None:
    import awkward as ak

    events = ak.Array([[1.0], [2.0, 3.0], [4.0]])
    a, b = _split(events, [0, 2, 3]), _split(events, [0, 1, 3])
    with pytest.raises(
        ValueError, match=r"partitions hold different numbers of events here: \[(2, 1|1, 2)\]"
    ):
        rg.dask.map_partitions(lambda x, y: rg.sum(x) + rg.sum(y), a, b).compute()
    with pytest.raises(ValueError, match=r"different numbers of events"):
        rg.dask.value_and_grad(lambda t, x, y: t * (rg.sum(x) + rg.sum(y)))(1.0, a, b)


@pytest.fixture(scope="module")
def client() -> Any:
    if MISSING:
        pytest.skip(f"needs {', '.join(MISSING)}")
    import cloudpickle
    from distributed import Client, LocalCluster

    # this module's functions travel by value: the workers cannot import the test module
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    cluster = LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0"
    )
    with cluster, Client(cluster) as c:
        yield c
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def _slow_collection(n: int, delay: float) -> Any:
    import dask_awkward as dak

    return rg.dask.from_awkward(dak.from_map(_Source(delay=delay), list(range(n)), label="events"))


def _all_events(n: int) -> Any:
    import awkward as ak

    return ak.concatenate([_Source()(i) for i in range(n)])


@needs_dask
def test_cluster_value_and_grad_equals_jax_with_one_program_per_pass(client: Any) -> None:
    import jax

    with jax.enable_x64(True):
        theta = _theta("float64")
        f = rg.dask.value_and_grad(histogram, finalize=significance)
        value, grad = f(theta, _slow_collection(6, 0.0))
        _close((value, grad), _reference(histogram, theta, _all_events(6), significance), rtol=1e-10)
    counts = client.run(rg.dask.compilations)
    assert len(counts) == 2 and all(0 < k <= 2 for k in counts.values()), counts


@needs_dask
def test_a_worker_killed_mid_run_changes_nothing(client: Any) -> None:
    import jax

    with jax.enable_x64(True):
        theta = _theta("float64")
        f = rg.dask.value_and_grad(histogram, finalize=significance)
        undisturbed = jax.tree_util.tree_map(np.asarray, f(theta, _slow_collection(8, 0.0)))
        future = client.compute(f.lazy(theta, _slow_collection(8, 0.4)))
        deadline = time.monotonic() + 30
        while not any(client.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        pids = client.run(os.getpid)
        busy = next((addr for addr, keys in client.processing().items() if keys), next(iter(pids)))
        assert not future.done()  # mid-run: 8 partitions of 0.4 s each are being read
        os.kill(pids[busy], signal.SIGKILL)
        value, grad = future.result(timeout=120)
        value, grad = jax.tree_util.tree_map(np.asarray, (value, grad))
    # the scheduler lost the worker and its tasks ran again elsewhere: the same numbers, exactly
    assert busy not in client.scheduler_info()["workers"]
    assert value == undisturbed[0]
    assert all(grad[k] == undisturbed[1][k] for k in grad)
    client.wait_for_workers(2, timeout=60)  # the nanny starts a new worker


@needs_dask
def test_a_corrupt_partition_on_the_cluster_raises_and_names_it(client: Any) -> None:
    future = client.compute(
        rg.dask.value_and_grad(log_likelihood).lazy(_theta("float32"), _corrupt_collection(1, 4))
    )
    with pytest.raises(ValueError, match=r"offsets must not decrease") as info:
        future.result(timeout=60)  # an error, not a hang
    assert "in partition 1 of 4" in "\n".join(info.value.__notes__)
