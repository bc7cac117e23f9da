"""Mutation check of the suite: a small error injected into each derivative rule must make the
``ci`` profile fail.

Each mutant changes one rule at run time (nothing in ``src/`` is edited): a relative error of
:data:`EPS` in what the rule returns, or a dropped case (ties no longer split, a product's zero
case computed by division, a guard with a single ``where``). The checkers of the suite then run
on the ops that reach the rule, with the ``ci`` profile's settings, canonical examples first and
generated ones after; the first failure of a checker catches the mutant. A mutant that no checker
catches fails its test here, named. ``python -m conformance.test_mutants`` prints the score.

Where each rule lives is looked up in :data:`TARGETS` only: when modules move, only that table
changes. A target that no longer exists fails loudly instead of letting every mutant "survive".
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.util
import math
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from hypothesis import Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from jax.extend.core import Primitive  # noqa: E402
from jax.interpreters import ad  # noqa: E402

from . import _harness as h  # noqa: E402
from . import specs  # noqa: E402, F401  (attaches the specs when run as a script)
from . import test_derivatives as td  # noqa: E402
from . import test_jit_vmap as tj  # noqa: E402
from . import test_option_derivatives as to  # noqa: E402
from . import test_values as tv  # noqa: E402
from ._devices import DEVICES, KERNEL_OPS, KERNELS, kernels_for  # noqa: E402

HAS_TORCH = importlib.util.find_spec("torch") is not None

#: where each mutated rule lives: (module, attribute; dotted for a class member)
TARGETS: dict[str, tuple[str, str]] = {
    # jax backend: custom_jvp rules of the segment reductions
    "prod_jvp": ("raggrad._backends._jax_rules", "_segment_prod_jvp"),
    "extremum_jvp": ("raggrad._backends._jax_rules", "_extremum_jvp"),
    # jax backend: the derivative of missing values' content zeroed (sum/mean of option arrays)
    "zero_gradient_jvp": ("raggrad._backends._jax_rules", "_zero_gradient_jvp"),
    # jax backend: ldexp's derivative 2**n (jnp.ldexp's own is 1 at x = 0)
    "ldexp_jvp": ("raggrad._backends._jax_rules", "_ldexp_jvp"),
    # jax backend: hypot's derivative, that of sqrt(x² + y²) (jnp.hypot's Hessian is 0 at |x| = |y|)
    "hypot_jvp": ("raggrad._backends._jax_rules", "_hypot_jvp"),
    # reductions (every backend): guards of empty lists, stabilised exponentials, the sort order
    "safe_divide": ("raggrad._ops.reduction_engine", "safe_divide"),
    "safe_log": ("raggrad._ops.softmax", "_safe_log"),
    "stable_parts": ("raggrad._ops.softmax", "_stable_parts"),
    "sort_order": ("raggrad._ops.sorting", "_sort_order"),
    # Pallas kernels: linear primitives, each the other's transpose
    "segment_sum_p": ("raggrad._backends._jax_pallas", "segment_sum_p"),
    "segment_expand_p": ("raggrad._backends._jax_pallas", "segment_expand_p"),
    # torch backend: autograd.Functions and the product of the others
    "torch_prod_backward": ("raggrad._backends._torch_rules", "_SegmentProd.backward"),
    "torch_others": ("raggrad._backends._torch_rules", "_others"),
    "torch_extremum_backward": ("raggrad._backends._torch_rules", "_SegmentExtremum.backward"),
    "torch_hypot_backward": ("raggrad._backends._torch_np", "_Hypot.backward"),
    "torch_cbrt_backward": ("raggrad._backends._torch_np", "_Cbrt.backward"),
}

#: the relative error injected
EPS = 1e-3


# ---- injected errors ----------------------------------------------------------------------------
def _is_jax(x: Any) -> bool:
    return isinstance(x, jax.Array)  # tracers included


def _scaled(x: Any) -> Any:
    """``x`` with its value unchanged and its derivative times ``1 + EPS`` (jax and torch)."""
    if _is_jax(x):
        return jnp.where(jnp.isfinite(x), x + EPS * (x - jax.lax.stop_gradient(x)), x)
    if HAS_TORCH:
        import torch

        if isinstance(x, torch.Tensor):
            return torch.where(torch.isfinite(x), x + EPS * (x - x.detach()), x)
    return x  # numpy: no derivative to change


def _tangent_off(rule: Callable[..., Any]) -> Callable[..., Any]:
    """A custom_jvp rule whose output tangent is off by ``EPS``."""

    def mutant(*args: Any) -> Any:
        out, tangent = rule(*args)
        return out, tangent * (1 + EPS)

    return mutant


def _jnp_ldexp(rule: Callable[..., Any]) -> Callable[..., Any]:
    """ldexp's rule replaced by ``jnp.ldexp``'s own derivative (1 at ``x = 0``)."""

    def mutant(primals: Any, tangents: Any) -> Any:
        x, n = primals
        return jax.jvp(lambda x: jnp.ldexp(x, n), (x,), (tangents[0],))

    return mutant


def _prod_by_division(rule: Callable[..., Any]) -> Callable[..., Any]:
    """The product's rule with the product of the others as ``prod / x``: wrong at zeros."""

    def mutant(n: int, sorted_ids: bool, primals: Any, tangents: Any) -> Any:
        (data, ids), (t, _) = primals, tangents
        out = jax.ops.segment_prod(data, ids, num_segments=n, indices_are_sorted=sorted_ids)
        others = out[ids] / data
        return out, jax.ops.segment_sum(t * others, ids, num_segments=n, indices_are_sorted=sorted_ids)

    return mutant


def _ties_not_split(rule: Callable[..., Any]) -> Callable[..., Any]:
    """The extremum's rule giving every tied element the whole derivative."""

    def mutant(layout: Any, kind: str, primals: Any, tangents: Any) -> Any:
        out, _ = rule(layout, kind, primals, tangents)
        (data, index), (t, _) = primals, tangents
        hit = (data == layout.expand(out, index)).astype(data.dtype)
        return out, layout.sum(t * hit, index)

    return mutant


def _gradient_not_zeroed(rule: Callable[..., Any]) -> Callable[..., Any]:
    """``zero_gradient``'s rule as a plain identity: derivatives pass at the missing slots."""

    def mutant(keep: Any, primals: Any, tangents: Any) -> Any:
        out, _ = rule(keep, primals, tangents)
        return out, tangents[0]

    return mutant


def _result_off(fn: Callable[..., Any]) -> Callable[..., Any]:
    def mutant(*args: Any, **kwargs: Any) -> Any:
        return _scaled(fn(*args, **kwargs))

    return mutant


def _divide_single_where(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``num / den`` guarded by one ``where`` only: NaN flows back from the unselected branch."""

    def mutant(xp: Any, num: Any, den: Any, fill: Any = math.nan) -> Any:
        if not _is_jax(num) or isinstance(den, (int, float)):
            return fn(xp, num, den, fill)
        return jnp.where(den > 0, num / den, fill)

    return mutant


def _log_single_where(fn: Callable[..., Any]) -> Callable[..., Any]:
    def mutant(xp: Any, s: Any) -> Any:
        if not _is_jax(s):
            return fn(xp, s)
        return jnp.where(s > 0, jnp.log(s), -math.inf)

    return mutant


def _exponentials_off(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``(shift, exp(x - shift), sum)`` with the derivatives of the last two off by ``EPS``."""

    def mutant(ctx: Any, data: Any, *rest: Any) -> Any:
        shift, e, s = fn(ctx, data, *rest)
        return shift, _scaled(e), _scaled(s)

    return mutant


def _no_shift(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Exponentials taken without subtracting the maximum: they overflow for large values."""

    def mutant(ctx: Any, data: Any, *rest: Any) -> Any:
        shift, e, s = fn(ctx, data, *rest)
        if not _is_jax(data):
            return shift, e, s
        e = jnp.exp(data)
        return jnp.zeros_like(shift), e, ctx.reduce("sum", e)

    return mutant


def _sorted_values_off(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The sort's permutation applied to values whose derivative is off by ``EPS``."""

    def mutant(*args: Any, **kwargs: Any) -> Any:
        order, values, seg = fn(*args, **kwargs)
        return order, _scaled(values), seg

    return mutant


def _transpose_off(rule: Callable[..., Any]) -> Callable[..., Any]:
    def mutant(ct: Any, *args: Any, **params: Any) -> Any:
        out = rule(ct, *args, **params)
        return [c if c is None or isinstance(c, ad.Zero) else c * (1 + EPS) for c in out]

    return mutant


def _backward_off(backward: Callable[..., Any]) -> Callable[..., Any]:
    def mutant(ctx: Any, grad: Any) -> Any:
        return tuple(g if g is None else g * (1 + EPS) for g in backward(ctx, grad))

    return mutant


def _torch_others_by_division(fn: Callable[..., Any]) -> Callable[..., Any]:
    def mutant(data: Any, ids: Any, n: int) -> Any:
        import torch

        index = ids.reshape(ids.shape + (1,) * (data.dim() - 1)).expand(data.shape)
        ones = torch.ones((n, *data.shape[1:]), dtype=data.dtype, device=data.device)
        return ones.scatter_reduce(0, index, data, reduce="prod")[ids] / data

    return mutant


def _torch_ties_not_split(backward: Callable[..., Any]) -> Callable[..., Any]:
    def mutant(ctx: Any, grad: Any) -> Any:
        data, ids, out = ctx.saved_tensors
        hit = (data == out[ids]).to(data.dtype)
        return hit * grad[ids], None, None, None

    return mutant


# ---- the mutants --------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Mutant:
    target: str  #: key of TARGETS
    make: Callable[[Any], Any]  #: the original rule (or transpose rule) → the mutated one
    ops: tuple[str, ...]  #: ops whose checks must catch it
    backend: str  #: "jax" (plain xla and the Pallas kernels), "kernels" or "torch"
    what: str
    #: checkers tried first (only the order changes, for speed): where the others cannot see it
    prefer: tuple[str, ...] = ()


_FLOAT_REDUCERS = ("sum", "mean", "var", "std", "logsumexp", "softmax", "log_softmax")
MUTANTS: dict[str, Mutant] = {
    "prod-jvp-off": Mutant("prod_jvp", _tangent_off, ("prod",), "jax", "prod's JVP x (1 + 1e-3)"),
    "prod-zero-by-division": Mutant(
        "prod_jvp",
        _prod_by_division,
        ("prod",),
        "jax",
        "prod's JVP divides: product of the others = prod / x",
    ),
    "ldexp-jvp-off": Mutant("ldexp_jvp", _tangent_off, ("ldexp",), "jax", "ldexp's JVP x (1 + 1e-3)"),
    "ldexp-jnp-at-zero": Mutant(
        "ldexp_jvp", _jnp_ldexp, ("ldexp",), "jax", "ldexp's JVP as jnp.ldexp's: 1 at x = 0"
    ),
    "hypot-jvp-off": Mutant("hypot_jvp", _tangent_off, ("hypot",), "jax", "hypot's JVP x (1 + 1e-3)"),
    "extremum-jvp-off": Mutant(
        "extremum_jvp", _tangent_off, ("max", "min"), "jax", "max/min JVP (ties split) x (1 + 1e-3)"
    ),
    "ties-not-split": Mutant(
        "extremum_jvp", _ties_not_split, ("max", "min"), "jax", "max/min ties: each gets the whole derivative"
    ),
    "zero-gradient-off": Mutant(
        "zero_gradient_jvp",
        _tangent_off,
        ("sum", "mean"),
        "jax",
        "zero_gradient's JVP (sum/mean of arrays with missing values) x (1 + 1e-3)",
        ("test_option_jvp_matches_finite_differences",),  # only its inputs have missing values
    ),
    "zero-gradient-identity": Mutant(
        "zero_gradient_jvp",
        _gradient_not_zeroed,
        ("sum", "mean"),
        "jax",
        "zero_gradient's JVP an identity: gradients reach the missing slots",
        # tangents are zero at missing slots, so only the gradient sees it
        ("test_option_vjp_is_transpose_of_jvp",),
    ),
    "mean-var-divide-off": Mutant(
        "safe_divide",
        _result_off,
        ("mean", "var", "std"),
        "jax",
        "mean/var/std division: derivative x (1 + 1e-3)",
    ),
    "empty-lists-single-where": Mutant(
        "safe_divide",
        _divide_single_where,
        ("var", "std", "mean"),
        "jax",
        "mean/var/std of empty lists (no degrees of freedom): one where instead of two",
        ("test_grad_matches_finite_differences",),  # the NaN flows back only: JVPs do not see it
    ),
    "logsumexp-empty-single-where": Mutant(
        "safe_log",
        _log_single_where,
        ("logsumexp", "log_softmax"),
        "jax",
        "log of an empty sum: one where",
        ("test_grad_matches_finite_differences",),
    ),
    "stable-exponentials-off": Mutant(
        "stable_parts",
        _exponentials_off,
        ("logsumexp", "softmax", "log_softmax"),
        "jax",
        "logsumexp/softmax: derivative of the shifted exponentials x (1 + 1e-3)",
    ),
    "no-stabilising-shift": Mutant(
        "stable_parts",
        _no_shift,
        ("logsumexp", "softmax", "log_softmax"),
        "jax",
        "exp(x) without the max shift",
        # overflowing outputs are not finite, so finite differences leave them out: values see it
        ("test_forward_matches_numpy_backend",),
    ),
    "sort-permutation-off": Mutant(
        "sort_order", _sorted_values_off, ("sort",), "jax", "sort: permuted derivative x (1 + 1e-3)"
    ),
    "pallas-sum-transpose-off": Mutant(
        "segment_sum_p", _transpose_off, _FLOAT_REDUCERS, "kernels", "segment_sum_p's transpose x (1 + 1e-3)"
    ),
    "pallas-expand-transpose-off": Mutant(
        "segment_expand_p",
        _transpose_off,
        ("add", "multiply", *_FLOAT_REDUCERS),
        "kernels",
        "segment_expand_p's transpose x (1 + 1e-3)",
    ),
    "torch-prod-backward-off": Mutant(
        "torch_prod_backward", _backward_off, ("prod",), "torch", "torch _SegmentProd.backward x (1 + 1e-3)"
    ),
    "torch-prod-zero-by-division": Mutant(
        "torch_others",
        _torch_others_by_division,
        ("prod",),
        "torch",
        "torch product of the others = prod / x",
    ),
    "torch-extremum-backward-off": Mutant(
        "torch_extremum_backward",
        _backward_off,
        ("max", "min"),
        "torch",
        "torch _SegmentExtremum.backward x (1 + 1e-3)",
    ),
    "torch-hypot-backward-off": Mutant(
        "torch_hypot_backward", _backward_off, ("hypot",), "torch", "torch _Hypot.backward x (1 + 1e-3)"
    ),
    "torch-cbrt-backward-off": Mutant(
        "torch_cbrt_backward", _backward_off, ("cbrt",), "torch", "torch _Cbrt.backward x (1 + 1e-3)"
    ),
    "torch-ties-not-split": Mutant(
        "torch_extremum_backward",
        _torch_ties_not_split,
        ("max", "min"),
        "torch",
        "torch max/min ties: each gets the whole gradient",
    ),
}


# ---- installing a mutant ------------------------------------------------------------------------
def locate(key: str) -> tuple[Any, str, Any]:
    """``(owner, attribute, value)`` of ``TARGETS[key]``; a clear error if it moved."""
    module_name, path = TARGETS[key]
    try:
        owner: Any = importlib.import_module(module_name)
        *parents, attr = path.split(".")
        for name in parents:
            owner = getattr(owner, name)
        return owner, attr, getattr(owner, attr)
    except (ImportError, AttributeError) as exc:
        msg = (
            f"mutation target {key!r} = {TARGETS[key]} no longer exists ({exc}); point TARGETS at "
            "where the rule lives now"
        )
        raise LookupError(msg) from exc


def _references(original: Any) -> Iterator[tuple[Any, str, Any]]:
    """Every place raggrad keeps ``original``: module globals (its own module's and those that
    imported it by name) and the ``custom_jvp`` functions it is the rule of."""
    for name, module in list(sys.modules.items()):
        if name != "raggrad" and not name.startswith("raggrad."):
            continue
        for attr, value in list(vars(module).items()):
            if value is original:
                yield module, attr, value
            elif isinstance(value, jax.custom_jvp) and getattr(value, "jvp", None) is original:
                yield value, "jvp", original


@contextlib.contextmanager
def installed(mutant: Mutant, calls: list[int]) -> Iterator[None]:
    """Within the block, ``mutant`` replaces its rule; ``calls[0]`` counts its calls."""
    owner, attr, original = locate(mutant.target)

    def counted(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[0] += 1
            return fn(*args, **kwargs)

        return wrapper

    undo: list[Callable[[], None]] = []
    try:
        if isinstance(original, Primitive):
            rule = ad.primitive_transposes[original]
            ad.primitive_transposes[original] = counted(mutant.make(rule))
            undo.append(lambda: ad.primitive_transposes.__setitem__(original, rule))
        elif isinstance(owner, type):  # a class member (autograd.Function.backward)
            raw = vars(owner)[attr]
            replacement = counted(mutant.make(original))
            setattr(owner, attr, staticmethod(replacement) if isinstance(raw, staticmethod) else replacement)
            undo.append(lambda: setattr(owner, attr, raw))
        else:
            replacement = counted(mutant.make(original))
            places = list(_references(original))
            for place, name, _ in places:
                setattr(place, name, replacement)
                undo.append(lambda place=place, name=name: setattr(place, name, original))
        jax.clear_caches()  # traced programs hold the rules they were traced with
        yield
    finally:
        for step in reversed(undo):
            step()
        jax.clear_caches()


# ---- hunting a mutant with the suite's checkers -------------------------------------------------
@dataclasses.dataclass
class Catch:
    check: str
    op: str
    device: str
    example: str
    message: str

    def __str__(self) -> str:
        return f"{self.check}[{self.op}-{self.device}] on the {self.example} example(s): {self.message}"


class MutantBroken(Exception):
    """A mutant raised something other than a checker's AssertionError: it, not the rule, is wrong."""


def _checks(backend: str) -> list[tuple[str, Any, float, Callable[[Any], bool]]]:
    """``(checker name, check function, example scale, applies(spec))`` for a backend's mutants."""
    diff = lambda spec: h.differentiated(None, spec)  # noqa: E731
    if backend == "torch":
        from . import test_torch as tt

        return [("test_torch_grad_matches_jax_grad", tt.check_torch_grad, tt.GRADIENT_SCALE, diff)]
    return [
        ("test_jvp_matches_finite_differences", td.check_jvp, td.DERIVATIVE_SCALE, diff),
        ("test_vjp_is_transpose_of_jvp", td.check_transpose, td.DERIVATIVE_SCALE, diff),
        ("test_grad_matches_finite_differences", td.check_grad, td.DERIVATIVE_SCALE, diff),
        (
            "test_second_order_matches_finite_differences",
            td.check_second_order,
            td.DERIVATIVE_SCALE,
            lambda spec: diff(spec) and spec.smooth and spec.derivative == "exact",
        ),
        ("test_forward_matches_numpy_backend", tv.check_backends, 1.0, lambda spec: True),
        ("test_jit_matches_eager", tj.check_jit, tj.SCALE, lambda spec: "no_jit" not in spec.extra),
        ("test_vmap_matches_loop", tj.check_vmap, tj.SCALE, lambda spec: "no_vmap" not in spec.extra),
        ("test_option_jvp_matches_finite_differences", to.check_option_jvp, td.DERIVATIVE_SCALE, to.checked),
        ("test_option_vjp_is_transpose_of_jvp", to.check_option_vjp, td.DERIVATIVE_SCALE, to.checked),
    ]


def _devices(backend: str) -> list[str]:
    if backend == "torch":
        return ["torch:cpu"]
    plain = next(d for d in DEVICES if not d.endswith(KERNELS))
    return [plain + KERNELS] if backend == "kernels" else [plain, plain + KERNELS]


def _assertion_only(err: BaseException) -> bool:
    if isinstance(err, BaseExceptionGroup):
        return all(_assertion_only(e) for e in err.exceptions)
    return isinstance(err, AssertionError)


def run_check(check: Any, scale: float, name: str, device: str, canonical: bool) -> BaseException | None:
    """One checker of the suite on op ``name``: its canonical examples, or its generated ones
    (``ci`` profile); the error it raises, if any."""
    phases = [Phase.explicit] if canonical else [Phase.generate]

    @settings(h.checker_settings(scale, profile="ci"), phases=phases)
    @h.canonical_first
    @given(data=st.data())
    def run(data: Any) -> None:
        check(name, h.call(name), device, data)

    try:
        with kernels_for(device):
            run()
    except Exception as err:  # classified by the caller
        return err
    return None


def hunt(mutant: Mutant) -> tuple[Catch | None, int]:
    """The first checker failure with ``mutant`` installed (None: it survived) and its calls."""
    calls = [0]
    with installed(mutant, calls):
        for canonical in (True, False):
            for name in mutant.ops:
                spec = h.op(name).spec
                if spec is None or spec.exempt is not None:
                    continue
                for device in _devices(mutant.backend):
                    if device.endswith(KERNELS) and mutant.backend == "jax" and name not in KERNEL_OPS:
                        continue
                    checks = sorted(_checks(mutant.backend), key=lambda c: c[0] not in mutant.prefer)
                    for check_name, check, scale, applies in checks:
                        if not applies(spec):
                            continue
                        err = run_check(check, scale, name, device, canonical)
                        if err is None:
                            continue
                        if not _assertion_only(err):
                            msg = f"{check_name}[{name}-{device}] raised {type(err).__name__}: {err}"
                            raise MutantBroken(msg) from err
                        first = next((ln for ln in str(err).splitlines() if ln.strip()), "")
                        example = "canonical" if canonical else "generated"
                        return Catch(check_name, name, device, example, first[:160]), calls[0]
    return None, calls[0]


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_caught(name: str) -> None:
    mutant = MUTANTS[name]
    if mutant.backend == "torch" and not HAS_TORCH:
        pytest.skip("torch is not installed")
    catch, calls = hunt(mutant)
    assert catch is not None, (
        f"mutant {name!r} ({mutant.what}) survived the ci profile: no checker of "
        f"{', '.join(mutant.ops)} failed (the mutated rule ran {calls} times"
        + ("" if calls else ": no canonical or generated example reaches it")
        + "); give the ops' specs canonical examples that reach the rule"
    )
    assert calls > 0, f"mutant {name!r} was caught without its rule running: {catch}"
    if catch.example == "canonical":  # the catching checker passes without the mutant
        err = run_check(
            _check_named(catch.check, mutant.backend),
            _scale_named(catch.check),
            catch.op,
            catch.device,
            canonical=True,
        )
        assert err is None, f"{catch.check}[{catch.op}] fails without mutant {name!r} too: {err}"


def _check_named(check_name: str, backend: str) -> Any:
    return next(c for n, c, _, _ in _checks(backend) if n == check_name)


def _scale_named(check_name: str) -> float:
    for backend in ("jax", "torch") if HAS_TORCH else ("jax",):
        for n, _, scale, _ in _checks(backend):
            if n == check_name:
                return scale
    return 1.0


def test_every_target_exists() -> None:
    """Each TARGETS entry names a rule that is there (a moved module fails here first)."""
    for key, (module_name, _) in TARGETS.items():
        if module_name.endswith("_torch_rules") and not HAS_TORCH:
            continue
        locate(key)


def main() -> int:
    """Runs every mutant and prints the mutation score (``python -m conformance.test_mutants``)."""
    start, caught, rows = time.perf_counter(), 0, []
    for name, mutant in MUTANTS.items():
        if mutant.backend == "torch" and not HAS_TORCH:
            rows.append(f"{name:32s} skipped (no torch)")
            continue
        t0 = time.perf_counter()
        catch, calls = hunt(mutant)
        caught += catch is not None
        verdict = f"caught by {catch}" if catch else f"SURVIVED (rule ran {calls} times)"
        rows.append(f"{name:32s} {time.perf_counter() - t0:5.1f} s  {verdict}")
    print("\n".join(rows))
    print(f"mutation score: {caught} / {len(MUTANTS)} caught in {time.perf_counter() - start:.0f} s")
    return 0 if caught == len(MUTANTS) else 1


if __name__ == "__main__":
    sys.exit(main())
