"""torch.compile on torch RaggedArrays: every op compiles with ``fullgraph=True`` (no graph break)
and gives what eager gives; Python operators and ``rg.*`` functions compile alike; structure is a
constant of the graph (guarded by value, its index maps constants, never recomputed in it).

The registry-wide test compiles each op with ``backend="eager"`` (Dynamo only, no inductor), on the
op's first canonical conformance input; a few tests go through AOTAutograd and inductor.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from conformance import _harness as h  # noqa: E402
from conformance import specs as _specs  # noqa: E402, F401 - attaches the specs to the registry
from torch._dynamo.backends.common import aot_autograd  # noqa: E402

import raggrad as rg  # noqa: E402
from raggrad._array import RaggedArray  # noqa: E402
from raggrad._records import RecordArray  # noqa: E402
from raggrad._registry import REGISTRY  # noqa: E402

OFFSETS = [0, 3, 3, 5, 9]
#: inductor's own use of torch.jit (torch 2.13) warns; the warning is torch's, not ours
inductor = pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")

#: ops not compiled by the registry-wide test, and why
EXEMPT = {
    **dict.fromkeys(("arange", "empty", "full", "linspace", "ones", "zeros"), "creation: takes no array"),
    **dict.fromkeys(("finfo", "iinfo", "isdtype", "result_type"), "dtype function: takes no array"),
    **dict.fromkeys(
        ("to_list", "to_numpy", "to_awkward", "from_awkward"), "host data in or out: not a graph"
    ),
    "allclose": "returns a Python bool, which needs the values on the host",
    "run_lengths": "its output's list lengths depend on the values: a graph break by design",
    **dict.fromkeys(("grad", "value_and_grad", "jvp", "vjp"), "JAX transforms"),
    "trim": "reads the lists in use (data of a bounded array) on the host, as under jax.jit",
}


def torch_array(values: Any, offsets: Any = OFFSETS, **kw: Any) -> RaggedArray:
    return rg.from_offsets(offsets, torch.as_tensor(values, **kw))


def _x(dtype: Any = torch.float64) -> RaggedArray:
    return torch_array(torch.linspace(-0.9, 0.8, 9, dtype=dtype))


#: ops without a conformance spec: a call that makes sense on a torch RaggedArray
GENERIC: dict[str, Any] = {
    "array": lambda: ((_x(),), {}),
    "asarray": lambda: ((_x(),), {}),
    "astype": lambda: ((_x(), rg.float32), {}),
    "zeros_like": lambda: ((_x(),), {}),
    "ones_like": lambda: ((_x(),), {}),
    "full_like": lambda: ((_x(), 2.5), {}),
    "to_backend": lambda: ((_x(), "torch"), {}),
    "to_padded": lambda: ((_x(),), {"fill_value": -1.0}),
    "from_padded": lambda: ((torch.arange(12.0).reshape(3, 4), [4, 0, 2]), {}),
    "from_offsets": lambda: (([0, 2, 2, 5], torch.arange(5.0)), {}),
    "from_lengths": lambda: (([2, 0, 3], torch.arange(5.0)), {}),
    "zip": lambda: (({"a": _x(), "b": _x() * 2.0},), {}),
    "unzip": lambda: ((rg.zip({"a": _x(), "b": _x() * 2.0}),), {}),
    "fields": lambda: ((rg.zip({"a": _x(), "b": _x() * 2.0}),), {}),
    "with_capacity": lambda: ((_x(),), {"lists": 8}),
    "capacity": lambda: ((rg.with_capacity(_x()),), {}),
    "is_bounded": lambda: ((rg.with_capacity(_x()),), {}),
    "stack": lambda: (([rg.with_capacity(_x()), rg.with_capacity(_x() * 2.0)],), {}),
    "unstack": lambda: ((rg.stack([rg.with_capacity(_x()), rg.with_capacity(_x() * 2.0)]),), {}),
}


@pytest.fixture(autouse=True)
def _fresh_dynamo():
    # each test compiles anew: no cache entries or recompile counts carried between tests
    torch._dynamo.reset()


@pytest.fixture(autouse=True, scope="module")
def _leave_dynamo_fresh():
    yield
    torch._dynamo.reset()


def _to_torch(a: Any) -> Any:
    if isinstance(a, RaggedArray):
        return rg.to_backend(a, "torch")
    if isinstance(a, np.ndarray):
        return torch.from_numpy(a.copy())
    if isinstance(a, (list, tuple)):
        return type(a)(_to_torch(b) for b in a)
    return a


#: ops of these kinds with neither: the call every op of the kind takes
BY_KIND: dict[str, Any] = {
    "elementwise-unary": lambda: ((_x(),), {}),
    "elementwise-binary": lambda: ((_x(), _x() * 2.0), {}),
    "reduction": lambda: ((_x(),), {"axis": 1}),
}


def _generic(name: str) -> Any:
    """The generic call of an op without a conformance input, or None."""
    spec = REGISTRY[name].spec
    if spec is not None and not spec.exempt and h.canonical(spec):
        return None
    return GENERIC.get(name) or BY_KIND.get(REGISTRY[name].kind)


def _inputs(name: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    generic = _generic(name)
    if generic is not None:
        args, kwargs = generic()
        return tuple(args), dict(kwargs)
    args, kwargs = h.canonical(h.op(name).spec)[0]
    return tuple(_to_torch(a) for a in args), {k: _to_torch(v) for k, v in kwargs.items()}


def _registry_cases() -> list[Any]:
    cases = []
    for name in sorted(REGISTRY):
        reason = EXEMPT.get(name)
        spec = REGISTRY[name].spec
        has_input = spec is not None and not spec.exempt and h.canonical(spec)
        if reason is None and not has_input and _generic(name) is None:
            reason = "no conformance input and no generic call"  # listed so that it shows up
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        cases.append(pytest.param(name, id=name, marks=marks))
    return cases


def assert_same(actual: Any, expected: Any) -> None:
    """Equal types, structures and values (NaN equal to NaN)."""
    if isinstance(expected, RaggedArray) and rg.is_bounded(expected):
        assert rg.is_bounded(actual) and rg.capacity(actual) == rg.capacity(expected)
        assert actual.to_list() == expected.to_list()
    elif isinstance(expected, RaggedArray):
        assert isinstance(actual, RaggedArray) and actual.type == expected.type, (actual, expected)
        assert actual._structure == expected._structure
        torch.testing.assert_close(actual.values, expected.values, equal_nan=True, rtol=1e-12, atol=0)
    elif isinstance(expected, RecordArray):
        assert isinstance(actual, RecordArray) and rg.fields(actual) == rg.fields(expected)
        assert_same(rg.unzip(actual), rg.unzip(expected))
    elif isinstance(expected, (tuple, list)):
        assert type(actual) is type(expected) and len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            assert_same(a, e)
    elif isinstance(expected, torch.Tensor):
        torch.testing.assert_close(actual, expected, equal_nan=True, rtol=1e-12, atol=0)
    else:
        assert actual == expected


@pytest.mark.parametrize("name", _registry_cases())
def test_every_op_compiles_without_graph_breaks(name: str) -> None:
    func = h.call(name) if _generic(name) is None else REGISTRY[name].func
    args, kwargs = _inputs(name)
    expected = func(*args, **kwargs)
    # arrays made afresh: their structures' caches are cold, as for a user's first call
    args, kwargs = _inputs(name)
    # fullgraph=True: a graph break raises instead of splitting the graph
    compiled = torch.compile(lambda *a: func(*a, **kwargs), fullgraph=True, backend="eager")
    assert_same(compiled(*args), expected)


# ---- the function: operators and rg.sum ------------------------------------------------
def f_operators(x: RaggedArray, y: RaggedArray) -> Any:
    return rg.sum(x * y + x**2, axis=1)


def test_operators_and_sum_compile_with_zero_graph_breaks() -> None:
    x = _x()
    y = x * 2.0 - 1.0
    explained = torch._dynamo.explain(f_operators)(x, y)
    assert explained.graph_break_count == 0 and explained.graph_count == 1, explained.break_reasons
    assert not explained.break_reasons
    out = torch.compile(f_operators, fullgraph=True, backend="eager")(x, y)
    assert_same(out, f_operators(x, y))


def test_operators_and_functions_compile_to_the_same_graph() -> None:
    graphs = []

    def capture(gm: Any, example_inputs: Any) -> Any:
        graphs.append([n.op for n in gm.graph.nodes])
        return gm.forward

    def f_functions(x: RaggedArray, y: RaggedArray) -> Any:
        return rg.sum(rg.add(rg.multiply(x, y), rg.pow(x, 2)), axis=1)

    x = _x()
    y = x * 2.0
    torch.compile(f_operators, fullgraph=True, backend=capture)(x, y)
    torch.compile(f_functions, fullgraph=True, backend=capture)(x, y)
    assert graphs[0] == graphs[1]


@inductor
def test_compiled_gradient_with_inductor_matches_eager() -> None:
    def loss(x: RaggedArray) -> Any:
        return rg.sum(rg.sum(rg.sin(x) * x**2, axis=1) ** 2)

    v = torch.linspace(-1, 1, 9, dtype=torch.float64, requires_grad=True)
    x = torch_array(v)
    expected = loss(x)
    expected.backward()
    grad, v.grad = v.grad.clone(), None
    out = torch.compile(loss, fullgraph=True)(torch_array(v))
    out.backward()
    torch.testing.assert_close(out.detach(), expected.detach())
    torch.testing.assert_close(v.grad, grad)


def test_exact_edge_rules_hold_when_compiled() -> None:
    # the autograd.Function rules (prod through zeros, max ties) trace into the graph
    def f(x: RaggedArray) -> Any:
        return rg.sum(rg.prod(x, axis=1) + rg.max(x, axis=1, initial=-5.0))

    values = torch.tensor([0.0, 2.0, 3.0, 1.0, 1.0, -1.0, 0.0, 0.0, 4.0], dtype=torch.float64)
    v = values.clone().requires_grad_()
    f(torch_array(v)).backward()
    expected, v.grad = v.grad.clone(), None
    torch.compile(f, fullgraph=True, backend="aot_eager")(torch_array(v)).backward()
    torch.testing.assert_close(v.grad, expected)


# ---- structure is a constant of the graph -------------------------------------------------------
def test_index_maps_are_constants_of_the_graph() -> None:
    forward: list[Any] = []

    def fw_compiler(gm: Any, example_inputs: Any) -> Any:
        forward.append(gm)
        return gm.forward

    backend = aot_autograd(fw_compiler=fw_compiler)
    torch.compile(lambda x: rg.sum(x, axis=1).values, fullgraph=True, backend=backend)(_x())
    (gm,) = forward
    targets = {str(n.target) for n in gm.graph.nodes}
    # one graph input (the content); the segment ids are a constant, not computed from offsets
    assert sum(n.op == "placeholder" for n in gm.graph.nodes) == 1
    assert any(n.op == "get_attr" for n in gm.graph.nodes)
    assert not any("repeat_interleave" in t or "cumsum" in t for t in targets), targets


def test_equal_structures_and_new_values_do_not_recompile() -> None:
    compiles = []

    def counting(gm: Any, example_inputs: Any) -> Any:
        compiles.append(gm)
        return gm.forward

    f = torch.compile(lambda x: rg.sum(x * x, axis=1).values, fullgraph=True, backend=counting)
    for k in range(10):  # more than torch's recompile limit (8), were each call to recompile
        x = torch_array(torch.linspace(-1, 1, 9, dtype=torch.float64) * k)  # a new, equal structure
        torch.testing.assert_close(f(x), rg.sum(x * x, axis=1).values)
    assert len(compiles) == 1
    other = torch_array(torch.arange(6.0, dtype=torch.float64), offsets=[0, 1, 6])
    torch.testing.assert_close(f(other), torch.tensor([0.0, 1.0 + 4 + 9 + 16 + 25], dtype=torch.float64))
    assert len(compiles) == 2  # a new structure compiles anew, as a new shape does


def test_shape_len_and_type_are_constants_in_compiled_code() -> None:
    def f(x: RaggedArray) -> Any:
        y = x + 1.0
        return len(y), y.shape, y.ndim, y.type, y.values * len(x)

    x = _x()
    assert torch.compile(f, fullgraph=True, backend="eager")(x)[:4] == (4, (4, None), 2, "4 * var * float64")


def test_structure_from_values_breaks_the_graph_and_runs_eagerly() -> None:
    # x[x > 0]: the output's list lengths depend on values, which a trace does not have; the op
    # runs eagerly, whole (Dynamo never compiles raggrad's own frames one by one)
    def f(x: RaggedArray) -> Any:
        return rg.sum(x[x > 0], axis=1).values * 2.0

    x = _x()
    explained = torch._dynamo.explain(f)(x)
    assert explained.break_reasons
    torch.testing.assert_close(torch.compile(f, backend="eager")(x), f(x))
    torch._dynamo.reset()  # compiled code is cached per function, whatever fullgraph was
    with pytest.raises(torch._dynamo.exc.Unsupported) as info:
        torch.compile(f, fullgraph=True, backend="eager")(x)
    # the docs' promise: raggrad's own error is in the chain of causes, naming the alternatives
    error: BaseException | None = info.value
    causes = []
    while error is not None:
        causes.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(c, rg.TracedStructureError) and "rg.with_capacity" in str(c) for c in causes)


@inductor
def test_compiled_function_returns_ragged_arrays() -> None:
    f = torch.compile(lambda x: (rg.sum(x, axis=1), x[:, ::-1], rg.softmax(x)), fullgraph=True)
    x = _x()
    assert_same(f(x), (rg.sum(x, axis=1), x[:, ::-1], rg.softmax(x)))


def test_numpy_ufuncs_are_not_traced_by_dynamo() -> None:
    # documented (docs/user-guide): Dynamo traces np.sin itself and cannot dispatch it to
    # raggrad (NEP-13), so it breaks the graph; rg.sin is the spelling for compiled code
    x = _x()
    with pytest.raises(torch._dynamo.exc.Unsupported):
        torch.compile(lambda x: np.sin(x), fullgraph=True, backend="eager")(x)
    assert_same(torch.compile(lambda x: np.sin(x), backend="eager")(x), rg.sin(x))
