"""awkward and vector given raggrad arrays: ``ak.Array(x)`` and ``ak.*`` read rg.to_awkward's
layout (same values, same dtypes, no loop over elements) or, on traced content, raise naming
raggrad's function."""

from __future__ import annotations

import numpy as np
import pytest

import raggrad as rg

ak = pytest.importorskip("awkward")


def _x() -> rg.RaggedArray:
    return rg.from_lengths([2, 0, 1, 3], np.arange(6, dtype=np.float32))


def _same(got: object, want: object) -> None:
    assert isinstance(got, ak.Array)
    assert str(got.type) == str(want.type)
    assert got.tolist() == want.tolist()


def test_ak_array_of_a_ragged_array_is_its_awkward_layout() -> None:
    x = _x()
    _same(ak.Array(x), rg.to_awkward(x))  # float32 kept: iterating the lists would give float64
    assert str(ak.Array(x).type) == "4 * var * float32"


def test_ak_array_does_not_iterate_over_the_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: object) -> None:
        msg = "ak.Array iterated over a RaggedArray"
        raise AssertionError(msg)

    monkeypatch.setattr(rg.RaggedArray, "__iter__", refuse)
    x = rg.from_lengths(np.full(50_000, 3), np.ones(150_000, np.float32))
    assert ak.Array(x).layout.length == 50_000
    assert ak.num(x).tolist()[:2] == [3, 3]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: rg.array([[1.0, None], None, []]), id="missing values"),
        pytest.param(lambda: rg.with_capacity(_x()), id="bounded"),
        pytest.param(lambda: rg.array([[[1, 2], []], [[3]]]), id="two ragged dims, ints"),
        pytest.param(lambda: rg.zip({"pt": _x(), "eta": -_x()}, with_name="Particle"), id="record"),
    ],
)
def test_ak_functions_see_what_to_awkward_gives(make: object) -> None:
    x = make()  # type: ignore[operator]  # a factory from the parametrize list
    want = rg.to_awkward(x)
    _same(ak.Array(x), want)
    _same(ak.num(x, axis=1), ak.num(want, axis=1))
    _same(ak.concatenate([x, x]), ak.concatenate([want, want]))
    _same(ak.Array({"a": x}), ak.Array({"a": want}))


def test_event_records_reach_awkward_with_their_dtypes() -> None:
    met = rg.array(np.arange(4, dtype=np.float32))
    events = rg.zip({"Muon": rg.zip({"pt": _x()}), "MET_pt": met}, depth_limit=1)
    want = rg.to_awkward(events)
    _same(ak.Array(events), want)  # MET_pt stays float32: iterating the events would give float64
    _same(ak.concatenate([events, events]), ak.concatenate([want, want]))


def test_record_names_reach_awkward() -> None:
    rec = rg.zip({"x": _x(), "y": _x()}, with_name="Point")
    layout = ak.Array(rec).layout
    assert layout.content.parameter("__record__") == "Point"
    assert ak.Array(rec).tolist() == rg.to_awkward(rec).tolist()


def test_ak_functions_mix_raggrad_and_awkward_arguments() -> None:
    x = _x()
    y = ak.Array([[1.0, 1.0], [], [1.0], [1.0, 1.0, 1.0]])
    assert (x + 0).to_list() == ak.to_list(ak.Array(x))
    assert ak.to_list(ak.where(ak.Array([True, False, True, True]), x, y)) == [
        [0.0, 1.0],
        [],
        [2.0],
        [3.0, 4.0, 5.0],
    ]
    assert ak.flatten(x).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_jax_and_torch_content_is_read_when_concrete() -> None:
    x = _x()
    for backend in ("jax", "torch"):
        pytest.importorskip(backend)
        _same(ak.Array(rg.to_backend(x, backend)), rg.to_awkward(x))


def test_vector_zip_of_raggrad_fields_is_fast_and_keeps_float32() -> None:
    vector = pytest.importorskip("vector")
    x = _x()
    v = vector.zip({"pt": x + 1, "eta": x, "phi": x, "mass": x})
    assert str(v.type) == "4 * var * Momentum4D[rho: float32, phi: float32, eta: float32, tau: float32]"
    assert ak.to_list(v.pt) == (x + 1).to_list()


def test_traced_content_raises_naming_raggrads_function() -> None:
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    lengths = np.array([2, 0, 1])
    with pytest.raises(TypeError, match=r"ak\.num: .*traced.*use rg\.num"):
        jax.grad(lambda c: rg.sum(ak.num(rg.from_lengths(lengths, c))))(jnp.ones(3))
    with pytest.raises(TypeError, match=r"ak\.to_layout: .*rg\.to_awkward\(x\) outside"):
        jax.jit(lambda c: ak.Array(rg.from_lengths(lengths, c)))(jnp.ones(3))
    vector = pytest.importorskip("vector")
    with pytest.raises(TypeError, match=r"ak\.zip: .*rg\.vector\.zip"):
        jax.jit(lambda c: vector.zip({k: rg.from_lengths(lengths, c) for k in ("pt", "eta", "phi", "mass")}))(
            jnp.ones(3)
        )
