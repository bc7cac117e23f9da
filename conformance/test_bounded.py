"""The bounded variant of every spec: each op on ``rg.with_capacity(x)`` (capacity equal to the
size, and the default bucket with padding) must give the exact array's result, eagerly on numpy,
under ``jax.jit``, and through ``rg.grad``; padding slots never show in a value or a gradient.

Ops that do not take bounded inputs yet are listed, with the reason, in ``xfails-bounded.txt``
(strict: an op that starts working must be taken off the list)."""

from __future__ import annotations

import importlib.util
import pathlib
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import raggrad as rg
from raggrad._array import RaggedArray
from raggrad._axes import classify_axis
from raggrad._errors import TracedStructureError
from raggrad._ops.common import depth

from . import _harness as h

HAS_JAX = importlib.util.find_spec("jax") is not None
XFAILS = pathlib.Path(__file__).with_name("xfails-bounded.txt")


def _xfails() -> dict[tuple[str, str], str]:
    """``(check, op) -> reason`` from ``xfails-bounded.txt``: lines ``check:op reason`` where
    check is ``values``, ``jit`` or ``grad`` (a strict xfail), or ``refused`` (the op may refuse
    some bounded inputs with a ``NotImplementedError``/``TracedStructureError`` that names the
    bounded array; such an example counts as refused, not failed); ``op reason``: every check."""
    out = {}
    for raw in XFAILS.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, why = line.partition(" ")
        checks, _, name = key.rpartition(":")
        for check in checks.split(",") if checks else ("values", "jit", "grad"):
            out[check, name] = why.strip() or "not supported on bounded arrays"
    return out


XFAIL = _xfails()
REFUSED = {name for check, name in XFAIL if check == "refused"}


class Refused(Exception):
    """The op refused a bounded input with a named error, as ``xfails-bounded.txt`` allows."""


def refusing(name: str, call: Any) -> Any:
    """``call()``, where an op listed as ``refused`` may raise its documented bounded-array error."""
    try:
        return call()
    except (NotImplementedError, TracedStructureError) as e:
        if name in REFUSED and "bounded array" in str(e):
            raise Refused(str(e)) from None
        raise


def _params(check: str, pred: Any) -> list[Any]:
    out = []
    for p in h.specced(pred):
        name = p.values[0]
        why = XFAIL.get((check, name))
        marks = [pytest.mark.xfail(reason=why, strict=True)] if why else []
        out.append(pytest.param(name, id=name, marks=marks))
    return out


def examples(scale: float) -> Any:
    """The examples of a check: in the ``thorough`` profile the canonical ones and generated ones;
    otherwise only the op's first canonical example (each one compiles anew under jit)."""

    def wrap(test: Any) -> Any:
        if h.PROFILE == "thorough":
            return h.checker_settings(scale)(h.canonical_first(given(data=st.data())(test)))

        def first_canonical(name: str) -> None:
            if not h.canonical(h.op(name).spec):
                pytest.skip("the op has no canonical example")
            test(name, h.Canonical(0))

        first_canonical.__name__ = test.__name__
        first_canonical.__doc__ = test.__doc__
        return first_canonical

    return wrap


def _ragged_input(op: Any, spec: Any) -> bool:
    return spec.extra.get("bounded", True)


#: ops whose output size is not bounded by their inputs' capacities: they take ``capacity=``
CAPACITY_OPS = ("argcartesian", "argcombinations", "cartesian", "combinations")


def _elements(out: Any) -> int:
    if isinstance(out, (tuple, list)):
        return max(_elements(o) for o in out)
    s = out._structure
    return s.levels[-1].size if s.nlevels else s.length


def bound(
    args: list[Any], kwargs: dict[str, Any], padded: bool, name: str = "", expected: Any = None
) -> tuple[list[Any], dict[str, Any]]:
    """Every ragged argument made bounded: capacities equal to the sizes, or the default buckets;
    ops in :data:`CAPACITY_OPS` get the capacity of the ``expected`` output (plus padding)."""

    def one(a: Any) -> Any:
        if not isinstance(a, RaggedArray):
            return a
        if padded:
            return rg.with_capacity(a)
        s = a._structure
        if not s.nlevels:  # no ragged dims: its items are padded (rg.flatten(b, axis=None) gives these)
            return rg.with_capacity(a, elements=s.length)
        lists = tuple(seg.n for seg in s.levels)
        return rg.with_capacity(a, lists=lists, elements=s.levels[-1].size)

    bkwargs = {k: one(v) for k, v in kwargs.items()}
    if name in CAPACITY_OPS:
        bkwargs["capacity"] = _capacity(name, args, kwargs, expected, 5 if padded else 0)
    return [one(a) for a in args], bkwargs


def _capacity(name: str, args: list[Any], kwargs: dict[str, Any], expected: Any, pad: int) -> Any:
    """``capacity=`` for the ``expected`` output: its element slots, or for ``combinations`` of
    sublists (an axis above the innermost) the slots of every depth from the combinations down."""
    x = args[0]
    if name == "combinations" and isinstance(x, RaggedArray):
        kind, _ = classify_axis(x, kwargs.get("axis", 1), name)
        d = depth(x, kwargs.get("axis", 1), name) if kind != "inner" else x._structure.nlevels
        if d < x._structure.nlevels:
            members = expected if isinstance(expected, (tuple, list)) else (expected,)
            counts = [
                max(m._structure.count_at(k) for m in members) for k in range(d, x._structure.nlevels + 1)
            ]
            return tuple(c + pad for c in counts)
    return _elements(expected) + pad


def _check_same(name: str, spec: Any, actual: Any, expected: Any, what: str, snippet: str) -> None:
    rtol, atol = spec.extra.get("rtol", 1e-12), spec.extra.get("atol", 1e-12)
    h.assert_nested_close(h.to_lists(actual), h.to_lists(expected), rtol, atol, what, snippet)
    assert h.types(actual) == h.types(expected), f"{what}: type differs\n{snippet}"


def _draw(name: str, data: Any) -> tuple[Any, list[Any], dict[str, Any], str, bool]:
    spec = h.op(name).spec
    args, kwargs = h.inputs(spec, data)
    snippet = h.record(name, args, kwargs)
    padded = bool(data.draw(st.booleans(), label="padded")) if not isinstance(data, h.Canonical) else True
    return spec, args, kwargs, snippet, padded


@pytest.mark.parametrize("name", _params("values", _ragged_input))
@h.checker_settings(scale=0.5)
@h.canonical_first
@given(data=st.data())
def test_bounded_values_equal_exact(name: str, data: Any) -> None:
    check_values(name, data)


def check_values(name: str, data: Any) -> None:
    spec, args, kwargs, snippet, padded = _draw(name, data)
    func = h.call(name)
    expected = func(*args, **kwargs)
    bargs, bkwargs = bound(args, kwargs, padded, name, expected)
    try:
        actual = refusing(name, lambda: func(*bargs, **bkwargs))
    except Refused:
        return
    _check_same(name, spec, actual, expected, f"rg.{name} on a bounded array vs the exact one", snippet)


def _jax(args: list[Any], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    import jax.numpy as jnp

    def one(a: Any) -> Any:
        if isinstance(a, RaggedArray):
            return rg.to_backend(a, "jax")
        if isinstance(a, np.ndarray):
            return jnp.asarray(a)
        return a

    return [one(a) for a in args], {k: one(v) for k, v in kwargs.items()}


def _traced_positions(args: list[Any]) -> list[int]:
    return [i for i, a in enumerate(args) if isinstance(a, RaggedArray)]


@pytest.mark.jax
@pytest.mark.parametrize(
    "name", _params("jit", lambda op, spec: _ragged_input(op, spec) and "no_jit" not in spec.extra)
)
@examples(scale=0.2)
def test_bounded_jit_equals_exact(name: str, data: Any) -> None:
    if not HAS_JAX:
        pytest.skip("jax is not installed")
    check_jit(name, data)


def check_jit(name: str, data: Any) -> None:
    import jax

    spec, args, kwargs, snippet, padded = _draw(name, data)
    func = h.call(name)
    expected = func(*args, **kwargs)
    with jax.enable_x64(True):
        jargs, jkwargs = _jax(*bound(args, kwargs, padded, name, expected))
        pos = _traced_positions(jargs)

        def run(*traced: Any) -> Any:
            full = list(jargs)
            for i, t in zip(pos, traced):
                full[i] = t
            return func(*full, **jkwargs)

        try:
            actual = refusing(name, lambda: jax.jit(run)(*[jargs[i] for i in pos]))
        except Refused:
            return
    _check_same(name, spec, actual, expected, f"jax.jit(rg.{name}) on a bounded array vs exact", snippet)


def _loss(out: Any) -> Any:
    import jax.numpy as jnp

    if isinstance(out, RaggedArray):
        return rg.sum(rg.sin(out))
    if isinstance(out, (tuple, list)):
        return sum(_loss(o) for o in out)
    return jnp.sum(jnp.sin(out))


def _float_output(out: Any) -> bool:
    if isinstance(out, (tuple, list)):
        return all(_float_output(o) for o in out)
    return np.dtype(out.dtype).kind == "f"


@pytest.mark.jax
@pytest.mark.parametrize(
    "name", _params("grad", lambda op, spec: _ragged_input(op, spec) and h.differentiated(op, spec))
)
@examples(scale=0.2)
def test_bounded_grad_equals_exact(name: str, data: Any) -> None:
    if not HAS_JAX:
        pytest.skip("jax is not installed")
    import jax

    spec, args, kwargs, snippet, padded = _draw(name, data)
    func = h.call(name)
    with jax.enable_x64(True):
        eargs, ekwargs = _jax(args, kwargs)
        pos = [i for i in _traced_positions(eargs) if np.dtype(eargs[i].dtype).kind == "f"]
        if not pos or not _float_output(func(*eargs, **ekwargs)):
            return
        bargs, bkwargs = _jax(*bound(args, kwargs, padded, name, func(*args, **kwargs)))

        def loss_of(full_args: list[Any], fkwargs: dict[str, Any]) -> Any:
            def f(*diffed: Any) -> Any:
                full = list(full_args)
                for i, d in zip(pos, diffed):
                    full[i] = d
                return _loss(func(*full, **fkwargs))

            return f

        argnums = tuple(range(len(pos)))
        expected = rg.grad(loss_of(eargs, ekwargs), argnums=argnums)(*[eargs[i] for i in pos])
        try:
            grad = rg.grad(loss_of(bargs, bkwargs), argnums=argnums)
            actual = refusing(name, lambda: grad(*[bargs[i] for i in pos]))
        except Refused:
            return
    for a, e in zip(actual, expected):
        rtol, atol = spec.extra.get("rtol", 1e-9), spec.extra.get("atol", 1e-9)
        h.assert_nested_close(
            a.to_list(),
            e.to_list(),
            max(rtol, 1e-9),
            max(atol, 1e-9),
            f"rg.grad through rg.{name} on a bounded array vs exact",
            snippet,
        )


@pytest.mark.jax
@pytest.mark.parametrize("name", ["max", "prod", "softmax", "logsumexp"])
def test_meta_a_reduction_that_reads_padding_is_caught(name: str, monkeypatch: Any) -> None:
    """A mutant whose padding slots belong to the last list in use instead of to none (their
    segment id clamped into range): the bounded jit check must fail on it, and pass without it.
    The last list's values are chosen so that a padding zero changes its result."""
    if not HAS_JAX:
        pytest.skip("jax is not installed")
    import jax

    from raggrad._bounded import BoundedStructure

    x = rg.array([[0.5, 2.0], [], [-3.0, -1.5]])
    func = h.call(name)

    def check() -> None:
        with jax.enable_x64(True):
            b = rg.with_capacity(rg.to_backend(x, "jax"), lists=4, elements=6)
            actual = jax.jit(lambda b: func(b, axis=-1))(b)
        expected = func(x, axis=-1)
        h.assert_nested_close(h.to_lists(actual), h.to_lists(expected), 1e-12, 1e-12, name, "")

    check()
    ids = BoundedStructure.ids

    def leaky(self: Any, level: int) -> Any:
        return self.backend.xp.minimum(ids(self, level), self.in_use(level) - 1)

    monkeypatch.setattr(BoundedStructure, "ids", leaky)
    # caught by the comparison, or (softmax keeps the leaky ids in its result) by the reading of
    # a result whose list ids disagree with its offsets
    with pytest.raises((AssertionError, ValueError)):
        check()


def test_xfail_list_names_registered_ops() -> None:
    names = {p.values[0] for p in h.specced()}
    unknown = sorted({name for _, name in XFAIL} - names)
    assert not unknown, f"xfails-bounded.txt names ops without a spec: {unknown}"
