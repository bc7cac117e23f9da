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
    if importlib.util.find_spec("jax") is None:
        assert "jax is not installed; skipping" in out
    else:
        assert "backend 'jax', type '5 * var * float32'" in out
        assert "same lists: True" in out
