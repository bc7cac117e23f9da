"""The torch backend: forward values against the numpy backend for every op with a spec,
gradients (``loss.backward()``) against the jax backend's ``jax.grad`` on the same float64 input,
and ``torch.autograd.gradcheck`` (finite differences, first and second order) on a few ops.

Items run once per torch device (``torch:cpu``, ``torch:cuda`` where present); known failures live
in ``xfails-torch.txt``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from hypothesis import Phase, given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import raggrad as rg  # noqa: E402
from raggrad._array import RaggedArray  # noqa: E402
from raggrad._registry import REGISTRY  # noqa: E402

from . import _harness as h  # noqa: E402
from ._autodiff import Problem  # noqa: E402

#: the op and the function the checkers call (``x[...]`` and list-taking ops adapted by the harness)
op = getattr(h, "op", lambda name: REGISTRY[name])
call = getattr(h, "call", lambda name: REGISTRY[name].func)
TORCH_DEVICES = ["torch:cpu"] + (["torch:cuda"] if torch.cuda.is_available() else [])
#: gradient checks trace jax anew per example: one example per op in the ci profile
GRADIENT_SCALE = 1 / 6


def to_torch(args: list[Any], kwargs: dict[str, Any], device: str) -> tuple[list[Any], dict[str, Any]]:
    """Arrays among ``args``/``kwargs`` moved to the torch backend on ``device``."""
    dev = device.removeprefix("torch:")

    def move(a: Any) -> Any:
        if isinstance(a, RaggedArray):
            return rg.to_backend(a, "torch", device=dev)
        if isinstance(a, np.ndarray):
            return torch.from_numpy(a.copy()).to(dev)
        if isinstance(a, (list, tuple)):
            return type(a)(move(b) for b in a)
        return a

    return [move(a) for a in args], {k: move(v) for k, v in kwargs.items()}


def tensor_leaves(out: Any) -> list[Any]:
    """The content buffers of an op's torch output, in the order of ``jax.tree.leaves``."""
    if isinstance(out, RaggedArray):
        return [out.values]
    if isinstance(out, (tuple, list)):
        return [leaf for o in out for leaf in tensor_leaves(o)]
    return [out]


def types(out: Any) -> list[str]:
    if isinstance(out, torch.Tensor):
        return [f"shape {tuple(out.shape)}"]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in types(o)]
    return h.types(out)


# ---- forward values ----------------------------------------------------------------------------
def check_torch_values(name: str, func: Any, device: str, data: Any) -> None:
    spec = op(name).spec
    args, kwargs = h.inputs(spec, data)
    snippet = h.record(name, args, kwargs)
    expected = call(name)(*args, **kwargs)
    targs, tkwargs = to_torch(args, kwargs, device)
    out = func(*targs, **tkwargs)
    assert types(out) == h.types(expected), (
        f"rg.{name} on torch gives types {types(out)}, numpy {h.types(expected)}\n{snippet}"
    )
    what = f"rg.{name} on torch ({device}) vs the numpy backend"
    actual = [
        rg.to_backend(leaf, "numpy") if isinstance(leaf, torch.Tensor) else np.asarray(leaf)
        for leaf in tensor_leaves(out)
    ]
    for a, e in zip(actual, h.leaves(expected), strict=True):
        assert np.dtype(a.dtype).kind == np.dtype(e.dtype).kind, (
            f"{what}: dtype {a.dtype} vs {e.dtype}\n{snippet}"
        )
        rtol, atol = spec.extra.get("rtol", 1e-9), spec.extra.get("atol", 1e-12)
        h.assert_values_close(a, e, rtol, atol, what, snippet)


@pytest.mark.parametrize("device", TORCH_DEVICES)
@pytest.mark.parametrize("name", h.specced())
@h.checker_settings()
@h.canonical_first
@given(data=st.data())
def test_torch_forward_matches_numpy_backend(name: str, device: str, data: Any) -> None:
    check_torch_values(name, call(name), device, data)


# ---- gradients against jax ---------------------------------------------------------------------
def check_torch_grad(name: str, func: Any, device: str, data: Any) -> None:
    spec = op(name).spec
    args, kwargs = h.inputs(spec, data)
    snippet = h.record(name, args, kwargs)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    with jax.enable_x64(True):
        try:
            p = Problem(func, spec, args, kwargs, jax.devices("cpu")[0])
            values = [np.asarray(v) for v in p.float_leaves(p.f(*p.primals))]
            weights = [
                np.where(m, 0.0, rng.standard_normal(np.shape(v)))
                for v, m in zip(values, p.mask, strict=True)
            ]

            def g(*diff: Any) -> Any:
                total = jnp.zeros((), jnp.float64)
                for v, w, m in zip(p.float_leaves(p.f(*diff)), weights, p.mask, strict=True):
                    total = total + jnp.sum(w * jnp.where(m, 0.0, v))
                return total

            expected = jax.grad(g, argnums=tuple(range(len(p.primals))))(*p.primals)
            atol = 1e-11 * p.scale()
        except Exception as exc:
            note(f"no jax reference for this input ({type(exc).__name__}: {exc})")
            return
    targs, tkwargs = to_torch(args, kwargs, device)
    for i in p.diff:
        targs[i].requires_grad_()
    leaves = tensor_leaves(func(*targs, **tkwargs))
    floats = [leaves[i] for i in p.out_float]
    total = torch.zeros((), dtype=torch.float64, device=device.removeprefix("torch:"))
    for v, w, m in zip(floats, weights, p.mask, strict=True):
        w_t, m_t = torch.from_numpy(w).to(v.device), torch.from_numpy(np.asarray(m)).to(v.device)
        total = total + torch.sum(w_t * torch.where(m_t, torch.zeros_like(v), v))
    if total.requires_grad:
        total.backward()
    for k, i in enumerate(p.diff):
        grad = targs[i].grad
        shape = np.shape(expected[k].values)
        actual = np.zeros(shape) if grad is None else rg.to_backend(grad.values, "numpy")
        h.assert_values_close(
            actual,
            np.asarray(expected[k].values),
            1e-9,
            atol,
            f"torch gradient of rg.{name} (argument {i}) vs jax.grad",
            snippet,
        )


#: ops whose gradients are compared in the ci profile, one or more per family (every
#: differentiated op in the thorough profile): each example traces jax, which dominates the runtime
CI_GRADIENT_OPS = {
    "sin",
    "multiply",
    "divide",
    "where",
    "sum",
    "prod",
    "max",
    "min",
    "mean",
    "var",
    "std",
    "logsumexp",
    "softmax",
    "cumulative_prod",
    "sort",
    "combinations",
    "firsts",
    "concat",
    "flatten",
    "matmul",
}


def _gradient_ops() -> list[Any]:
    ops = h.specced(h.differentiated)
    if h.PROFILE == "thorough":
        return ops
    return [p for p in ops if p.values[0] in CI_GRADIENT_OPS]


@pytest.mark.parametrize("device", TORCH_DEVICES)
@pytest.mark.parametrize("name", _gradient_ops())
@settings(h.checker_settings(GRADIENT_SCALE), phases=[Phase.explicit, Phase.reuse, Phase.generate])
@h.canonical_first
@given(data=st.data())
def test_torch_grad_matches_jax_grad(name: str, device: str, data: Any) -> None:
    check_torch_grad(name, call(name), device, data)


# ---- gradcheck ---------------------------------------------------------------------------------
_OFFSETS = np.array([0, 3, 3, 5, 6, 9])


def _gradcheck_cases() -> dict[str, Any]:
    def ragged(v: Any) -> Any:
        return rg.from_offsets(_OFFSETS, v)

    return {
        "sum": lambda v: rg.sum(ragged(v) ** 2, axis=1).values,
        "prod": lambda v: rg.prod(ragged(v), axis=1).values,
        "max": lambda v: rg.max(ragged(v), axis=1, initial=-5.0).values,
        "mean": lambda v: rg.where(rg.num(ragged(v)) > 0, rg.mean(ragged(v), axis=1), 0.0).values,
        "std": lambda v: rg.where(rg.num(ragged(v)) > 1, rg.std(ragged(v), axis=1), 0.0).values,
        "logsumexp": lambda v: rg.where(rg.num(ragged(v)) > 0, rg.logsumexp(ragged(v), axis=1), 0.0).values,
        "softmax": lambda v: rg.softmax(ragged(v)).values,
        "cumulative_prod": lambda v: rg.cumulative_prod(ragged(v), axis=1).values,
        "sort": lambda v: rg.sort(ragged(v) * 2.0).values,
        "combinations": lambda v: (
            rg.sum(rg.combinations(ragged(v), 2)[0] * rg.combinations(ragged(v), 2)[1], axis=1).values
        ),
        "sum_axis0": lambda v: rg.sum(ragged(v), axis=0).values,
    }


@pytest.mark.parametrize("device", TORCH_DEVICES)
@pytest.mark.parametrize("case", sorted(_gradcheck_cases()))
def test_torch_gradcheck(case: str, device: str) -> None:
    fn = _gradcheck_cases()[case]
    rng = np.random.default_rng(0)
    # distinct values away from zero: no ties or kinks for finite differences to straddle
    values = rng.permutation(np.linspace(0.3, 2.1, 9)) * rng.choice([-1.0, 1.0], 9)
    v = torch.tensor(values, dtype=torch.float64, device=device.removeprefix("torch:"), requires_grad=True)
    assert torch.autograd.gradcheck(fn, (v,), eps=1e-6, atol=1e-7)
    assert torch.autograd.gradgradcheck(fn, (v,), eps=1e-6, atol=1e-6)
