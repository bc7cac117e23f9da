"""Derivatives on arrays with missing values (None), on the jax backend in float64.

Every differentiated op that takes option types (``options=True``; those with an awkward
counterpart are the ones ``test_values.test_missing_values_match_awkward`` compares values for)
runs on its usual inputs, canonical first, with items made missing by
:func:`_harness.with_missing`, as that checker draws them; an example raggrad refuses by name
with None (``include_initial=True`` of a cumulative sum) is skipped. The missing slots are held
fixed: tangents are zero there (a missing element has no value to perturb), so finite
differences move only the present values. Checked:

- the jvp equals central finite differences at the present output slots and is exactly zero at
  the missing ones (their content is zero whatever the inputs); the perturbed outputs have their
  None where the unperturbed one has;
- the gradient (vjp of a cotangent random at the present output slots, zero at the missing ones)
  is exactly zero at the missing input slots, never NaN, and is the transpose of the jvp at the
  present ones: ``<vjp(ct), t> == <ct, jvp(t)>``.

Devices: every plain jax device; the ``+kernels`` ones (Pallas' interpreter on a CPU: slow) in
the ``thorough`` profile only.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from hypothesis import given, reject  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import raggrad as rg  # noqa: E402
from raggrad._array import RaggedArray  # noqa: E402
from raggrad._registry import Spec  # noqa: E402

from . import _harness as h  # noqa: E402
from ._autodiff import H, Problem, present  # noqa: E402
from ._devices import DEVICES, KERNELS, on_device  # noqa: E402
from .test_derivatives import DERIVATIVE_SCALE, assert_transpose  # noqa: E402


def _differentiated_options(op: Any, spec: Any) -> bool:
    # the awkward counterpart test_values needs is no oracle here: every op declared options=True
    return op.options and h.differentiated(op, spec)


DIFF_OPTIONS = h.specced(_differentiated_options)


def checked(spec: Any) -> bool:
    """Whether ``spec`` is the spec of an op these checkers run (``test_mutants``' selection)."""
    return any(h.op(param.values[0]).spec is spec for param in DIFF_OPTIONS)


#: the ``+kernels`` devices (Pallas' interpreter on a CPU: slow) in the ``thorough`` profile only
OPTION_DEVICES = [d for d in DEVICES if h.PROFILE == "thorough" or not d.endswith(KERNELS)]


def _problem(name: str, func: Any, device: str, data: Any) -> tuple[Problem, np.random.Generator, str]:
    """The op on inputs with missing values, drawn as ``test_missing_values_match_awkward`` draws
    them; the random generator for tangents and cotangents."""
    spec = h.op(name).spec
    assert spec is not None, f"rg.{name} has no spec"  # specced() selects ops with one
    args, kwargs = h.inputs(spec, data)
    # lists go missing only where no other argument was drawn for the list structure
    lists = spec.extra.get("missing_lists", True) and not any(map(h.is_ragged, kwargs.values()))
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    args = h.with_missing(args, seed, lists)
    snippet = h.record(name, args, kwargs)
    try:
        problem = Problem(func, _kinks_on_output(spec, func), args, kwargs, on_device(device))
    except NotImplementedError as err:
        if "missing values" not in str(err):
            raise
        reject()  # arguments raggrad refuses with None, by name (include_initial= of a cumsum)
    return problem, np.random.default_rng(seed), snippet


def _kinks_on_output(spec: Spec, func: Any) -> Spec:
    """``spec`` with its kinks laid out as the op's output. A kink computed from one argument
    (``heaviside``'s ``x1 == 0``) has that argument's elements, and with None the output may have
    fewer: a list missing in the other argument is missing (so empty) in the output."""
    if spec.kink is None:
        return spec
    near = spec.kink

    def kink(*args: Any, **kwargs: Any) -> Any:
        k, out = near(*args, **kwargs), func(*args, **kwargs)
        first = out[0] if isinstance(out, (tuple, list)) and out else out
        if isinstance(k, RaggedArray) and isinstance(first, RaggedArray) and k._structure != first._structure:
            return rg.logical_or(k, rg.zeros_like(first, dtype=bool))  # the output's None
        return k

    return dataclasses.replace(spec, kink=kink)


def _held(p: Problem, rng: np.random.Generator) -> tuple[Any, ...]:
    """A random tangent of the differentiated arguments, zero at their missing slots."""

    def zeroed(ti: Any, primal: Any) -> Any:
        leaves = zip(jax.tree.leaves(ti), present(primal), strict=True)
        held = [jnp.where(keep, leaf, jnp.zeros_like(leaf)) for leaf, keep in leaves]
        return jax.tree.unflatten(jax.tree.structure(ti), held)

    t = p.random_like(p.primals, rng)
    return tuple(zeroed(ti, pi) for ti, pi in zip(t, p.primals, strict=True))


def _tolerance(p: Problem, expected: np.ndarray) -> np.ndarray:
    atol = p.spec.extra.get("fd_atol", 1e-7) * p.scale()
    return np.asarray(atol + p.spec.extra.get("fd_rtol", 1e-5) * np.abs(expected), dtype=np.float64)


def check_option_jvp(name: str, func: Any, device: str, data: Any) -> None:
    with jax.enable_x64(True):
        p, rng, snippet = _problem(name, func, device, data)
        t = _held(p, rng)
        out, tangent = jax.jvp(p.f, p.primals, t)
        plus, minus = p.f(*p.shift(t, H)), p.f(*p.shift(t, -H))
        for moved in (plus, minus):
            assert jax.tree.structure(moved) == jax.tree.structure(out), (
                f"rg.{name}: perturbing the present values changed the output's structure (its None)"
                f"\n{snippet}"
            )
        keep = [present(out)[i] for i in p.out_float]
        leaves = zip(
            p.float_leaves(tangent), p.float_leaves(plus), p.float_leaves(minus), p.mask, keep, strict=True
        )
        for k, (tan, a, b, m, kept) in enumerate(leaves):
            what = f"jvp of rg.{name} with None (output {k})"
            zeros = np.zeros(np.shape(tan))
            h.assert_values_close(tan, zeros, 0, 0, f"{what} at missing output slots", snippet, mask=kept)
            with np.errstate(invalid="ignore"):  # inf - inf at masked (non-finite) outputs
                fd = (np.asarray(a) - np.asarray(b)) / (2 * H)
            fd = np.where(m | ~kept, 0.0, fd)
            if p.spec.derivative == "zero":
                h.assert_values_close(tan, zeros, 0, 0, f"{what} must be exactly zero", snippet)
            h.assert_values_close(
                tan,
                fd,
                0,
                _tolerance(p, fd),
                f"{what} vs central finite differences (None held fixed)",
                snippet,
                mask=m | ~kept,
            )


@pytest.mark.parametrize("device", OPTION_DEVICES)
@pytest.mark.parametrize("name", DIFF_OPTIONS)
@h.checker_settings(DERIVATIVE_SCALE)
@h.canonical_first
@given(data=st.data())
def test_option_jvp_matches_finite_differences(name: str, device: str, data: Any) -> None:
    check_option_jvp(name, h.call(name), device, data)


def check_option_vjp(name: str, func: Any, device: str, data: Any) -> None:
    with jax.enable_x64(True):
        p, rng, snippet = _problem(name, func, device, data)
        out, vjp = jax.vjp(p.f, *p.primals)
        leaves, treedef = jax.tree.flatten(out)
        kept = present(out)
        ct_leaves = [
            jnp.asarray(np.where(kept[i], rng.standard_normal(np.shape(leaf)), 0.0), leaf.dtype)
            if i in p.out_float
            else np.zeros(np.shape(leaf), jax.dtypes.float0)
            for i, leaf in enumerate(leaves)
        ]
        grads = vjp(jax.tree.unflatten(treedef, ct_leaves))
        for i, (g, primal) in enumerate(zip(grads, p.primals, strict=True)):
            for leaf, keep in zip(jax.tree.leaves(g), present(primal), strict=True):
                h.assert_values_close(
                    leaf,
                    np.zeros(np.shape(leaf)),
                    0,
                    0,
                    f"gradient of rg.{name} at the missing slots of argument {p.diff[i]}",
                    snippet,
                    mask=keep,
                )
        t = _held(p, rng)

        def jvp_fn(t: Any) -> Any:
            return p.float_leaves(jax.jvp(p.f, p.primals, t)[1])

        float_ct = [ct_leaves[i] for i in p.out_float]
        assert_transpose(jvp_fn, lambda _: grads, t, float_ct, f"rg.{name} with None", snippet)


@pytest.mark.parametrize("device", OPTION_DEVICES)
@pytest.mark.parametrize("name", DIFF_OPTIONS)
@h.checker_settings(DERIVATIVE_SCALE)
@h.canonical_first
@given(data=st.data())
def test_option_vjp_is_transpose_of_jvp(name: str, device: str, data: Any) -> None:
    check_option_vjp(name, h.call(name), device, data)
