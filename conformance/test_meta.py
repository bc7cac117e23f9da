"""Checks of the suite itself: every op has a spec, the derivative contract agrees with the
registry, the xfails files name real tests, and every checker can fail (a deliberately wrong
derivative or value injected here is reported)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import raggrad as rg  # noqa: E402
from raggrad._array import RaggedArray  # noqa: E402
from raggrad._registry import REGISTRY, Op, Spec  # noqa: E402

from . import _harness as h  # noqa: E402
from . import test_derivatives as td  # noqa: E402
from . import test_jit_vmap as tj  # noqa: E402
from . import test_values as tv  # noqa: E402
from .conftest import XFAILS  # noqa: E402

DERIVATIVES = ("exact", "zero", "raises", "none")


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_op_has_a_spec(name: str) -> None:
    spec = REGISTRY[name].spec
    assert spec is not None, (
        f"op {name!r} ({REGISTRY[name].kind}) has no conformance spec; add one in conformance/specs/"
    )
    assert spec.derivative in DERIVATIVES, f"{name}: derivative={spec.derivative!r} not in {DERIVATIVES}"
    if spec.exempt is None:
        assert spec.reference is not None or "expected" in spec.extra or spec.awkward is not None, (
            f"{name}: a spec needs an oracle (reference, expected or awkward), or an exempt reason"
        )


@pytest.mark.parametrize("name", h.specced())
def test_derivative_contract_matches_registry(name: str) -> None:
    """A non-differentiable op refuses or has derivative zero; a differentiable one is checked."""
    op = h.op(name)
    spec = op.spec
    if op.differentiable:
        assert spec.derivative in ("exact", "raises"), (
            f"{name}: differentiable but spec says {spec.derivative}"
        )
    else:
        assert spec.derivative in ("zero", "raises"), (
            f"{name}: the registry marks it non-differentiable, yet its derivative is {spec.derivative!r} "
            "(JAX differentiates it, and correctly): the registry flag and the behaviour disagree"
        )


def test_hypothesis_profiles_match_tests_conftest() -> None:
    """tests/conftest.py and conformance/conftest.py register the same profiles (whichever is
    collected first wins): ``ci`` reproducible, ``thorough`` random."""
    from hypothesis import settings

    from .conftest import PROFILES

    for name, options in PROFILES.items():
        profile = settings.get_profile(name)
        for key, value in {"deadline": None, "derandomize": False, **options}.items():
            assert getattr(profile, key) == value, (
                f"hypothesis profile {name!r} has {key}={getattr(profile, key)!r}, expected {value!r}: "
                "register the same profiles in tests/conftest.py and conformance/conftest.py"
            )


# ---- canonical examples -------------------------------------------------------------------------
def _float_content(example: Any) -> list[np.ndarray]:
    args, kwargs = example
    return [
        np.asarray(a.values, dtype=np.float64)
        for a in [*args, *kwargs.values()]
        if isinstance(a, RaggedArray) and np.dtype(a.dtype).kind in "fiu"
    ]


def _innermost_lists(example: Any) -> list[np.ndarray]:
    out = []
    for a in example[0]:
        if isinstance(a, RaggedArray) and a._structure.nlevels:
            off, v = a._structure.levels[-1].offsets, np.asarray(a.values)
            out += [v[i:j] for i, j in itertools.pairwise(off)]
    return out


def _has_zeros(examples: Any) -> bool:
    return any(np.any(c == 0) for e in examples for c in _float_content(e))


def _has_ties(examples: Any) -> bool:
    return any(len(np.unique(v)) < len(v) for e in examples for v in _innermost_lists(e))


def _guards_empty_lists(examples: Any) -> bool:
    lengths = [len(v) for e in examples for v in _innermost_lists(e)]
    masked = any("where" in kwargs for _, kwargs in examples)
    return 0 in lengths and 1 in lengths and masked


def _has_large_values(examples: Any) -> bool:
    return any(np.max(np.abs(c), initial=0) > 700 for e in examples for c in _float_content(e))


#: what the canonical examples of an op must contain: the inputs its derivative rules exist for
REQUIRED: dict[str, Any] = {
    "prod": _has_zeros,
    "cumulative_prod": _has_zeros,
    "heaviside": _has_zeros,
    "max": _has_ties,
    "min": _has_ties,
    "argmax": _has_ties,
    "argmin": _has_ties,
    "sort": _has_ties,
    "argsort": _has_ties,
    "getitem": _has_ties,
    "mean": _guards_empty_lists,
    "var": lambda e: _guards_empty_lists(e) and any(k.get("correction") == 1 for _, k in e),
    "std": lambda e: _guards_empty_lists(e) and any(k.get("correction") == 1 for _, k in e),
    "logsumexp": lambda e: _has_large_values(e) and _guards_empty_lists(e),
    "softmax": _has_large_values,
    "log_softmax": _has_large_values,
}


@pytest.mark.parametrize("name", h.specced())
def test_canonical_examples_are_not_degenerate(name: str) -> None:
    """Every checker starts from the op's canonical examples: they must exist and reach its rules."""
    examples = h.canonical(h.op(name).spec)
    assert 1 <= len(examples) <= h.MAX_CANONICAL, (
        f"{name}: {len(examples)} canonical examples; give 1 to {h.MAX_CANONICAL} in spec.extra['examples']"
    )
    args, _ = examples[0]
    ragged = [a for a in args if isinstance(a, RaggedArray)]
    assert ragged and max(int(np.size(a.values)) for a in ragged) >= 3, f"{name}: too few elements"
    if any(a._structure.nlevels for a in ragged):
        lengths = [len(v) for v in _innermost_lists(examples[0])]
        assert len(lengths) >= 3 and 0 in lengths, f"{name}: needs several lists, an empty one among them"
    if name in REQUIRED:
        assert REQUIRED[name](examples), f"{name}: the canonical examples lack what its rules are for"


@pytest.mark.parametrize("name", h.specced(h.differentiated))
def test_canonical_examples_avoid_kinks(name: str) -> None:
    """Finite differences compare most outputs of the first canonical example (few kinks)."""
    from ._autodiff import Problem

    spec = h.op(name).spec
    args, kwargs = h.canonical(spec)[0]
    with jax.enable_x64(True):
        p = Problem(h.call(name), spec, args, kwargs, jax.devices("cpu")[0])
    masked = np.concatenate([np.ravel(m) for m in p.mask]) if p.mask else np.zeros(0, bool)
    assert masked.size and np.mean(masked) <= 0.5, (
        f"{name}: {int(np.sum(masked))} of {masked.size} outputs of the first canonical example are "
        "kinks or not finite"
    )


def test_xfail_entries_name_registered_ops() -> None:
    tests = {
        "test_forward_matches_reference",
        "test_forward_matches_awkward",
        "test_forward_matches_numpy_backend",
        "test_jvp_matches_finite_differences",
        "test_vjp_is_transpose_of_jvp",
        "test_grad_matches_finite_differences",
        "test_second_order_matches_finite_differences",
        "test_nondifferentiable_op_refuses_grad",
        "test_jit_matches_eager",
        "test_vmap_matches_loop",
        "test_derivative_contract_matches_registry",
        "test_every_op_has_a_spec",
        "test_canonical_examples_are_not_degenerate",
        "test_canonical_examples_avoid_kinks",
        "test_torch_forward_matches_numpy_backend",
        "test_torch_grad_matches_jax_grad",
        "test_missing_values_match_awkward",
        "test_option_jvp_matches_finite_differences",
        "test_option_vjp_is_transpose_of_jvp",
    }
    for backend, entries in XFAILS.items():
        for key in entries:
            test, _, rest = key.partition("[")
            known = rest.rstrip("]") in REGISTRY or rest.rstrip("]") in h.EXTRA_OPS
            assert test in tests and known, f"xfails-{backend}.txt: stale entry {key!r}"


# ---- every checker can fail ---------------------------------------------------------------------
@jax.custom_jvp
def _sin_wrong_sign(c: Any) -> Any:
    return jnp.sin(c)


@_sin_wrong_sign.defjvp
def _sin_wrong_sign_jvp(primals: Any, tangents: Any) -> Any:
    return jnp.sin(primals[0]), -jnp.cos(primals[0]) * tangents[0]


@jax.custom_jvp
def _cos_wrong_derivative(c: Any) -> Any:
    return jnp.cos(c)


@_cos_wrong_derivative.defjvp
def _cos_wrong_derivative_jvp(primals: Any, tangents: Any) -> Any:
    return jnp.cos(primals[0]), 2.0 * jnp.sin(primals[0]) * tangents[0]


@jax.custom_jvp
def _sin_wrong_second(c: Any) -> Any:
    return jnp.sin(c)


@_sin_wrong_second.defjvp
def _sin_wrong_second_jvp(primals: Any, tangents: Any) -> Any:
    return jnp.sin(primals[0]), _cos_wrong_derivative(primals[0]) * tangents[0]


def _on_content(kernel: Any) -> Any:
    def op(x: Any) -> Any:
        if x.backend == "numpy":
            return rg.sin(x)
        return jax.tree.unflatten(jax.tree.structure(x), [kernel(x.values)])

    return op


def _traced_differs(x: Any) -> Any:
    if isinstance(x.values, jax.core.Tracer):
        return rg.add(rg.sin(x), 1.0)
    return rg.sin(x)


def _fake(monkeypatch: pytest.MonkeyPatch, func: Any) -> str:
    name = "conformance_fake_sin"
    spec = Spec(reference=np.sin, awkward=np.sin)
    monkeypatch.setitem(REGISTRY, name, Op(name, "elementwise-unary", func, spec=spec))
    return name


def _fails(check: Any, name: str, *extra: Any) -> None:
    @h.checker_settings()
    @h.canonical_first
    @given(data=st.data())
    def run(data: Any) -> None:
        check(name, REGISTRY[name].func, *extra, data)

    with pytest.raises((AssertionError, ExceptionGroup)) as info:  # a group: several examples failed
        run()
    if isinstance(info.value, ExceptionGroup):
        assert info.value.split(AssertionError)[1] is None, f"not a checker's failure: {info.value!r}"


from ._devices import DEVICES, KERNELS, on_device  # noqa: E402

DEVICE = DEVICES[0]


@pytest.mark.parametrize("name", ["sum"])
@pytest.mark.parametrize("device", [d for d in DEVICES if d.endswith(KERNELS)])
def test_kernel_items_run_with_the_segment_kernels(name: str, device: str) -> None:
    """A ``+kernels`` item really reduces with the Pallas kernels (else it would test xla twice)."""
    from raggrad._backends._jax import JaxBackend

    assert JaxBackend.kernels == ("interpret" if on_device(device).platform == "cpu" else "pallas")
    x = rg.to_backend(rg.array([[1.0, 2.0], [], [3.0]]), "jax", device=on_device(device))
    assert "raggrad_segment_sum" in str(jax.make_jaxpr(lambda x: rg.sum(x, axis=1))(x))
    assert rg.sum(x, axis=1).to_list() == [3.0, 0.0, 3.0]


def test_plain_items_run_without_the_segment_kernels() -> None:
    from raggrad._backends._jax import JaxBackend

    assert JaxBackend.kernels == "xla"


def test_wrong_first_derivative_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    name = _fake(monkeypatch, _on_content(_sin_wrong_sign))
    _fails(td.check_jvp, name, DEVICE)
    _fails(td.check_grad, name, DEVICE)


def test_wrong_second_derivative_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    name = _fake(monkeypatch, _on_content(_sin_wrong_second))
    _fails(td.check_second_order, name, DEVICE)


def test_vjp_that_is_not_the_transpose_is_reported() -> None:
    # custom_jvp rules are transposed by JAX itself, so inject the mismatch at the identity
    t, ct = [np.array([1.0, 2.0])], [np.array([0.5, -1.0])]
    with pytest.raises(AssertionError):
        td.assert_transpose(lambda t: t, lambda ct: [2 * c for c in ct], t, ct, "fake", "")


def test_wrong_value_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    name = _fake(monkeypatch, lambda x: rg.add(rg.sin(x), 1e-6))
    _fails(tv.check_reference, name)


def test_backend_mismatch_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    name = _fake(monkeypatch, lambda x: rg.sin(x) if x.backend == "numpy" else rg.cos(x))
    _fails(tv.check_backends, name, DEVICE)


def test_jit_mismatch_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    name = _fake(monkeypatch, _traced_differs)
    _fails(tj.check_jit, name, DEVICE)


def test_vmap_mismatch_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    name = _fake(monkeypatch, _traced_differs)
    _fails(tj.check_vmap, name, DEVICE)


def _leaky_sum(x: Any, axis: Any = None, keepdims: bool = False, where: Any = None) -> Any:
    """``rg.sum`` that forgets the masks: each missing element's slot holds 1.0 and is summed."""
    from raggrad._structure import Structure

    s = x._structure
    if s.masks is None or s.masks[-1] is None:
        return rg.sum(x, axis=axis, keepdims=keepdims, where=where)
    content = np.array(x.values)
    content[~s.masks[-1]] = 1.0
    plain = RaggedArray._new(Structure(s.length, s.levels, s.inner), content)
    return rg.sum(plain, axis=axis, keepdims=keepdims, where=where)


def test_missing_content_leaking_into_a_sum_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    x = rg.array([[1.0, None], None, []])
    assert _leaky_sum(x, axis=1).to_list() == [2.0, 0.0, 0.0]  # the bug the checker must see
    name = "conformance_leaky_sum"
    monkeypatch.setitem(
        REGISTRY, name, Op(name, "reduction", _leaky_sum, spec=REGISTRY["sum"].spec, options=True)
    )
    _fails(tv.check_missing, name)


def test_angles_are_compared_modulo_a_turn_and_nothing_else() -> None:
    """The ``angles`` mask makes π and -π one angle, and still sees a wrong angle; ``mask`` leaves
    a number out and only that number."""
    angles, pi = np.array([True, True, False]), np.pi
    h.assert_nested_close([[pi, -pi], [pi]], [[-pi, pi], [pi]], 1e-12, 1e-12, "", "", None, angles)
    for wrong in ([[pi, 0.0], [pi]], [[pi, -pi], [-pi]]):
        with pytest.raises(AssertionError):
            h.assert_nested_close(wrong, [[-pi, pi], [pi]], 1e-12, 1e-12, "", "", None, angles)
    left_out = np.array([False, True, False])
    h.assert_nested_close([[1.0, 5.0], [2.0]], [[1.0, 0.0], [2.0]], 1e-12, 1e-12, "", "", left_out)
    with pytest.raises(AssertionError):
        h.assert_nested_close([[1.0, 5.0], [3.0]], [[1.0, 0.0], [2.0]], 1e-12, 1e-12, "", "", left_out)
