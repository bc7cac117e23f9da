"""A real training loop over ragged parameters: docs/examples/fit_per_list.py, and equinox."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

jax = pytest.importorskip("jax")
pytest.importorskip("optax")
jnp = jax.numpy

import raggrad as rg  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
EXAMPLE = EXAMPLES / "fit_per_list.py"


def _example(path: Path = EXAMPLE) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_calibration_fit_converges() -> None:
    example = _example()
    params, history = example.fit(steps=120)
    assert history[0] > 10.0  # uncalibrated: about 30 GeV^2
    assert history[-1] < 0.05  # stated target: below 0.05 GeV^2 within 120 steps
    assert params["scale"].type == "64 * var * float32"
    assert params["offset"].type == "64 * float32"


def test_example_main_prints_the_fit(capsys: pytest.CaptureFixture[str]) -> None:
    example = _example()
    example.main()
    out = capsys.readouterr().out
    assert "300 Adam steps on 64 * var * float32 scales" in out


def test_ragged_array_inside_an_equinox_module() -> None:
    eqx = pytest.importorskip("equinox")

    class PerListScale(eqx.Module):
        scale: rg.RaggedArray  # one weight per element, ragged like the data
        name: str = eqx.field(static=True, default="scale")

        def __call__(self, x: rg.RaggedArray) -> Any:
            return rg.sum(self.scale * x, axis=1)

    x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]], backend="jax")
    target = jnp.array([3.0, 0.0, 4.0])
    model = PerListScale(rg.ones_like(x))

    @eqx.filter_jit
    @eqx.filter_grad
    def grads(model: PerListScale) -> Any:
        return jnp.sum((model(x).values - target) ** 2)

    g = grads(model)
    assert isinstance(g.scale, rg.RaggedArray)
    # d/dscale of (sum(scale * x) - target)^2 = 2 * residual * x, residuals [3, 0, 5]
    assert g.scale.to_list() == [[6.0, 12.0, 18.0], [], [40.0, 50.0]]


def test_training_on_a_stream_of_batches_compiles_once() -> None:
    example = _example(EXAMPLES / "train_bounded.py")
    losses, traces = example.train(steps=30, batch_size=60)
    assert traces == 1  # bounded batches: one program for every batch of the bucket
    assert losses[-1] < 0.2 * losses[0]
