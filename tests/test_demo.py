"""The walkthrough behind ``python -m raggrad.demo`` runs and shows what it says it shows."""

from __future__ import annotations

import importlib.util

import pytest

from raggrad import demo


def test_demo_main_prints_the_walkthrough(capsys: pytest.CaptureFixture[str]) -> None:
    demo.main()
    out = capsys.readouterr().out
    assert "type='5 * var * float64'" in out
    assert "(5, None)" in out
    assert "'5 * var * 3 * float64'" in out
    assert "pt * np.sinh(eta)        -> [[16.5, -47.8], [354.3, 0.0, -4.1], [], [54.8], [-19.2, 23.4]]" in out
    assert (
        "pt * scale (one per event) -> [[54.2, 31.7], [89.86, 12.65, 10.1], [], [41.0], [25.55, 23.03]]"
        in out
    )
    assert "np.sum(pt, axis=1)       -> [85.9, 110.4, 0.0, 41.0, 48.1]" in out
    if importlib.util.find_spec("jax") is None:
        assert "jax is not installed; skipping" in out
    else:
        assert "backend 'jax', type '5 * var * float32'" in out
        assert "same lists: True" in out
        assert "jax.grad(sum of leading pT) -> [[1.0, 0.0], [1.0, 0.0, 0.0], [], [1.0], [1.0, 0.0]]" in out
        assert "reverse_sum(x) = [5.0, 7.0, 3.0]; jvp tangent -> [1.0, 1.0, 0.0]" in out
        assert "vjp of cotangent [1, 10, 100] -> [[1.0, 10.0, 100.0], [], [1.0, 10.0]]" in out
        assert "jit(mean pT per event, 0 for none) -> [42.95, 36.8, 0.0, 41.0, 24.05]" in out
        assert "vmap over 3 energy scales -> type '3 * 5 * float32'" in out
