"""torch.compile on bounded torch RaggedArrays: one graph for every batch of one capacity bucket.

A bounded array's offsets, count and list ids are graph inputs (tensors, pytree leaves) and its
capacities are static (specialized and guarded by value, as shapes are), so batches with new list
lengths and the same capacities run one compiled graph, with ``dynamic=True`` too; the ops'
bounded kernels (segment ids computed on the device) are traced into it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch._dynamo.backends.common import aot_autograd  # noqa: E402
from torch._dynamo.testing import CompileCounterWithBackend  # noqa: E402
from torch._dynamo.utils import counters  # noqa: E402

import raggrad as rg  # noqa: E402
from raggrad._array import RaggedArray  # noqa: E402
from raggrad._backends._base import Backend  # noqa: E402
from raggrad._backends._torch import BACKEND  # noqa: E402
from raggrad._bounded import BoundedStructure  # noqa: E402

#: inductor's own use of torch.jit (torch 2.13) warns; the warning is torch's, not ours
inductor = pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")

LISTS, ELEMENTS = 64, 1024


@pytest.fixture(autouse=True)
def _fresh_dynamo() -> Any:
    # each test compiles anew: no cache entries or recompile counts carried between tests
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def batch(seed: int, n: int = 50, lists: int = LISTS, elements: int = ELEMENTS) -> RaggedArray:
    """A bounded batch of ``n`` lists with new Poisson(10) lengths; its padded content is a leaf
    that requires grad (Dynamo warns when an input is not a leaf)."""
    rng = np.random.default_rng(seed)
    lengths = rng.poisson(10, n)
    values = torch.as_tensor(rng.normal(size=int(lengths.sum())), dtype=torch.float64)
    x = rg.with_capacity(rg.from_lengths(lengths, values), lists=lists, elements=elements)
    return RaggedArray._new(x._structure, x.values.detach().requires_grad_())


def loss(w: Any, x: RaggedArray) -> Any:
    # the workload: sum_i (sum_j sin(w x_ij) x_ij^2)^2
    return rg.sum(rg.sum(rg.sin(rg.multiply(w, x)) * x**2, axis=1) ** 2)


def value_and_grads(f: Any, w: Any, x: RaggedArray) -> tuple[Any, ...]:
    """``f(w, x)`` and its gradients with respect to ``w`` and to ``x``'s content."""
    out = f(w, x)
    gw, gx = torch.autograd.grad(out, (w, x.values))
    return out.detach(), gw, gx


def param() -> Any:
    return torch.tensor(0.7, dtype=torch.float64, requires_grad=True)


def test_bounded_function_compiles_to_one_graph_without_breaks() -> None:
    explained = torch._dynamo.explain(loss)(param(), batch(0))
    assert explained.graph_count == 1, explained.break_reasons
    assert explained.graph_break_count == 0 and not explained.break_reasons


@pytest.mark.parametrize("dynamic", [True, None])
def test_new_lengths_in_one_bucket_do_not_recompile(dynamic: bool | None) -> None:
    counters.clear()
    compiled = torch.compile(loss, backend="aot_eager", dynamic=dynamic)
    w = param()
    for seed in range(10):  # more than torch's recompile limit (8), were each batch to recompile
        x = batch(seed)
        for got, expected in zip(value_and_grads(compiled, w, x), value_and_grads(loss, w, x), strict=True):
            torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    # one compiled frame, one graph: no recompile. (The backend may run twice for that one frame:
    # with dynamic=True, torch restarts the analysis once to specialize the 0-d float tensor w.)
    assert counters["frames"]["total"] == 1 and counters["stats"]["unique_graphs"] == 1


def test_a_new_bucket_compiles_once_more() -> None:
    counter = CompileCounterWithBackend("eager")
    compiled = torch.compile(lambda x: rg.sum(x * x, axis=1), backend=counter, dynamic=True)
    for seed in range(4):
        for elements in (ELEMENTS, 2 * ELEMENTS):
            x = batch(seed, elements=elements)
            out = compiled(x)
            assert rg.capacity(out) == rg.capacity(rg.sum(x * x, axis=1))
            assert out.to_list() == rg.sum(x * x, axis=1).to_list()
    assert counter.frame_count == 2  # one graph per capacity bucket


def test_offsets_are_inputs_of_the_graph_and_kernels_are_traced() -> None:
    forward: list[Any] = []

    def fw_compiler(gm: Any, example_inputs: Any) -> Any:
        forward.append(gm)
        return gm.forward

    backend = aot_autograd(fw_compiler=fw_compiler)
    x = batch(0)
    torch.compile(lambda x: rg.sum(x * x, axis=1).values, backend=backend, dynamic=True)(x)
    (gm,) = forward
    nodes = list(gm.graph.nodes)
    # content, count, offsets, validity flag and list ids: every leaf is a graph input; nothing
    # derived from the lists is a constant of the graph
    tensors = [n for n in nodes if n.op == "placeholder" and isinstance(n.meta.get("val"), torch.Tensor)]
    assert len(tensors) == len(torch.utils._pytree.tree_leaves(x))
    assert not any(n.op == "get_attr" for n in nodes)
    assert any("index_add" in str(n.target) for n in nodes)


def test_padding_never_reaches_compiled_results() -> None:
    # the padding slots hold zeros; a NaN there would show in any reduction that read them (every
    # list slot in use: padding elements sit right after the last list)
    x = batch(3, n=LISTS)
    s = x._structure
    assert isinstance(s, BoundedStructure)
    poisoned = RaggedArray._new(s, torch.where(s.slot_mask(1), x.values, torch.nan).detach())

    def f(x: RaggedArray) -> tuple[Any, ...]:
        return rg.sum(x, axis=1), rg.max(x, axis=1), rg.cumulative_prod(x, axis=1)

    for got, expected in zip(torch.compile(f, backend="eager")(poisoned), f(x), strict=True):
        assert got.to_list() == expected.to_list()


def test_bounded_structure_ops_compile_without_graph_breaks() -> None:
    def f(x: RaggedArray) -> Any:
        y = rg.softmax(x, axis=1)
        return rg.sum(rg.cumulative_prod(y, axis=1)[:, 1:], axis=1), rg.flatten(x[x > 0]), rg.stack([x, y])

    x = batch(1)
    compiled = torch.compile(f, fullgraph=True, backend="eager", dynamic=True)
    for got, expected in zip(compiled(x), f(x), strict=True):
        assert rg.capacity(got) == rg.capacity(expected) and got.type == expected.type
        np.testing.assert_allclose(_numbers(got.to_list()), _numbers(expected.to_list()), rtol=1e-12)


def _numbers(lists: Any) -> list[float]:
    return [v for item in lists for v in _numbers(item)] if isinstance(lists, list) else [lists]


@inductor
def test_inductor_runs_every_batch_of_a_bucket_with_one_graph() -> None:
    counters.clear()
    compiled = torch.compile(loss, dynamic=True)
    w = param()
    for seed in range(4):
        x = batch(seed)
        for got, expected in zip(value_and_grads(compiled, w, x), value_and_grads(loss, w, x), strict=True):
            torch.testing.assert_close(got, expected)
    assert counters["frames"]["total"] == 1 and counters["stats"]["unique_graphs"] == 1


# ---- the device scan that bounded cumulative ops use (traced under torch.compile) -----------
@pytest.mark.parametrize("kind", ["sum", "prod"])
@pytest.mark.parametrize("shape", [(0,), (1,), (17,), (33, 2)])
def test_device_segment_scan_equals_the_host_scan(kind: str, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(len(shape) * 100 + shape[0])
    data = torch.as_tensor(rng.normal(size=shape))
    data[torch.as_tensor(rng.random(shape) < 0.2)] = 0.0  # zeros: products' derivatives
    starts = torch.as_tensor(rng.random(shape[0]) < 0.3)
    leaf = data.clone().requires_grad_()
    host = data.clone().requires_grad_()
    got = BACKEND.segment_scan_flags(kind, leaf, starts)
    expected = Backend.segment_scan_flags(BACKEND, kind, host, starts)  # reads the flags on the host
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    if data.numel():
        weights = torch.as_tensor(rng.normal(size=shape))
        (got_grad,) = torch.autograd.grad((got * weights).sum(), leaf)
        (expected_grad,) = torch.autograd.grad((expected * weights).sum(), host)
        torch.testing.assert_close(got_grad, expected_grad, rtol=1e-12, atol=1e-12)


def test_device_segment_scan_keeps_an_inf_inside_its_list() -> None:
    # the gradient of list [2, 3] stays finite beside the list [inf, 5] (where's gradient trap)
    data = torch.tensor([2.0, 3.0, torch.inf, 5.0], dtype=torch.float64, requires_grad=True)
    starts = torch.tensor([True, False, True, False])
    out = BACKEND.segment_scan_flags("prod", data, starts)
    (grad,) = torch.autograd.grad(out[:2].sum(), data)
    torch.testing.assert_close(grad[:2], torch.tensor([4.0, 2.0], dtype=torch.float64))
    signed = BACKEND.segment_scan_flags(
        "sum", torch.tensor([-0.0, -0.0, -0.0]), torch.tensor([True, True, False])
    )
    assert torch.signbit(signed).all()  # the sum's identity keeps the sign of zero


@pytest.mark.parametrize("op", [rg.cumulative_sum, rg.cumulative_prod])
def test_bounded_cumulative_ops_equal_the_exact_ones_with_gradients(op: Any) -> None:
    # the device scan beside the exact path's padded host scan, zeros included
    x = batch(5, n=20)
    values = torch.where(torch.arange(ELEMENTS) % 7 == 3, 0.0, x.values.detach()).requires_grad_()
    bounded = RaggedArray._new(x._structure, values)
    exact = rg.trim(bounded)
    got, expected = op(bounded, axis=1), op(exact, axis=1)
    np.testing.assert_allclose(_numbers(got.to_list()), _numbers(expected.to_list()), rtol=1e-12)
    (grad,) = torch.autograd.grad(rg.sum(got * got), values)
    (expected_grad,) = torch.autograd.grad(rg.sum(expected * expected), values)
    torch.testing.assert_close(grad, expected_grad, rtol=1e-12, atol=1e-12)
    used = exact.values.shape[0]
    assert 0 < used < ELEMENTS and not grad[used:].any()  # padding slots get no gradient


def test_bounded_records_share_one_graph_across_batches() -> None:
    # every field of a record shares the bounded structure: its leaves are graph inputs once
    counters.clear()

    def f(r: Any) -> Any:
        return rg.sum(r["pt"] * rg.cos(r.eta), axis=1)  # a field by key and by attribute

    compiled = torch.compile(f, fullgraph=True, backend="eager", dynamic=True)
    for seed in range(4):
        x = rg.map_values(lambda v: v.detach(), batch(seed))  # inputs that need no grad
        r = rg.zip({"pt": x, "eta": x * 2.0})
        assert compiled(r).to_list() == f(r).to_list()
    assert counters["stats"]["unique_graphs"] == 1


def test_a_mask_of_a_bounded_record_compiles_in_one_graph() -> None:
    # selecting a record's items checks that its fields share one structure: under Dynamo that
    # check must not read the dispatch-mode stack, which Dynamo cannot trace
    def f(r: Any) -> Any:
        return rg.sum(r[r.pt > 1.5].pt * 2.0)

    compiled = torch.compile(f, fullgraph=True, backend="eager", dynamic=True)
    for seed in range(3):
        x = rg.map_values(lambda v: v.detach(), batch(seed))
        r = rg.zip({"pt": x, "eta": x * 0.1})
        torch.testing.assert_close(compiled(r), f(r))


def test_eager_checks_on_host_values_of_bounded_torch_arrays():
    # unflatten's count check and an integer index's range check hold host values, which the
    # torch backend's to_numpy took for tensors (AttributeError)
    f = rg.with_capacity(rg.array([1.0, 2.0, 3.0], backend="torch"))
    assert rg.unflatten(f, [2, 1]).to_list() == [[1.0, 2.0], [3.0]]
    with pytest.raises(ValueError, match="counts sum to 6"):
        rg.unflatten(f, [1, 5])
    x = rg.with_capacity(rg.array([[1.0, 2.0], [3.0]], backend="torch"))
    for key in ([5], np.array([0, 5]), torch.tensor([5])):
        with pytest.raises(IndexError, match="index 5 is out of range for axis 0 with length 2"):
            x[key]
