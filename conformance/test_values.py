"""Forward values: each op against its dense per-list reference, awkward, and the numpy backend
(the jax backend in float64 on every device must give the numpy backend's result)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import raggrad as rg
from raggrad._array import RaggedArray

from . import _harness as h
from ._devices import DEVICES, on_device


def _has_expected(op: Any, spec: Any) -> bool:
    return spec.reference is not None or "expected" in spec.extra


def check_reference(name: str, func: Any, data: Any) -> None:
    spec = h.op(name).spec
    args, kwargs = h.inputs(spec, data)
    snippet = h.record(name, args, kwargs)
    out = func(*args, **kwargs)
    if "expected" in spec.extra:
        expected = spec.extra["expected"](args, kwargs)
    elif spec.extra.get("nout", 1) > 1:
        expected = [
            h.nested_reference(lambda *a, k=k: spec.reference(*a)[k], args, kwargs)
            for k in range(spec.extra["nout"])
        ]
    else:
        expected = h.nested_reference(spec.reference, args, kwargs)
    actual = h.to_lists(out)
    rtol, atol = spec.extra.get("rtol", 1e-12), spec.extra.get("atol", 1e-12)
    h.assert_nested_close(actual, expected, rtol, atol, f"rg.{name} vs its per-list NumPy reference", snippet)


@pytest.mark.parametrize("name", h.specced(_has_expected))
@h.checker_settings()
@h.canonical_first
@given(data=st.data())
def test_forward_matches_reference(name: str, data: Any) -> None:
    check_reference(name, h.call(name), data)


def _to_awkward(a: Any) -> Any:
    return rg.to_awkward(a) if isinstance(a, RaggedArray) else a


_MASKS = ("undefined", "angles")  # spec.extra's masks of numbers left out or compared modulo 2π


@pytest.mark.parametrize("name", h.specced(lambda op, spec: spec.awkward is not None))
@h.checker_settings()
@h.canonical_first
@given(data=st.data())
def test_forward_matches_awkward(name: str, data: Any) -> None:
    if not h.HAS_AWKWARD:
        pytest.skip("awkward is not installed")
    import awkward as ak

    spec = h.op(name).spec
    args, kwargs = h.inputs(spec, data)
    snippet = h.record(name, args, kwargs)
    out = h.call(name)(*args, **kwargs)
    inputs = [_to_awkward(a) for a in args]
    expected = spec.awkward(*inputs, **kwargs)
    if expected is h.NO_COUNTERPART:
        return
    expected = [ak.to_list(e) for e in expected] if isinstance(expected, tuple) else ak.to_list(expected)
    rtol, atol = spec.extra.get("rtol", 1e-12), spec.extra.get("atol", 1e-12)
    # numbers the op leaves undefined (an angle of a vector of length 0) are not compared, and
    # angles are compared modulo 2π
    undefined, angles = (spec.extra[k](*inputs, **kwargs) if k in spec.extra else None for k in _MASKS)
    what = f"rg.{name} vs awkward"
    h.assert_nested_close(h.to_lists(out), expected, rtol, atol, what, snippet, undefined, angles)


def _takes_missing(op: Any, spec: Any) -> bool:
    return op.options and spec.awkward is not None


def _awkward_types(e: Any) -> list[str]:
    if isinstance(e, tuple):
        return [t for i in e for t in _awkward_types(i)]
    return [str(e.type)] if hasattr(e, "layout") else []


def _ragged_types(out: Any) -> list[str]:
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _ragged_types(o)]
    return [out.type] if isinstance(out, RaggedArray) else []


def check_missing(name: str, func: Any, data: Any) -> None:
    """The op on arguments with missing values (None) against its awkward counterpart: values,
    where the None are, and the type (option types included)."""
    import awkward as ak

    spec = h.op(name).spec
    args, kwargs = h.inputs(spec, data)
    # lists go missing only where no other argument was drawn for the list structure
    lists = spec.extra.get("missing_lists", True) and not any(map(h.is_ragged, kwargs.values()))
    args = h.with_missing(args, data.draw(st.integers(0, 2**32 - 1), label="seed"), lists)
    snippet = h.record(name, args, kwargs)
    expected = spec.awkward(*[_to_awkward(a) for a in args], **kwargs)
    if expected is h.NO_COUNTERPART:
        return
    out = func(*args, **kwargs)
    nested = [ak.to_list(e) for e in expected] if isinstance(expected, tuple) else ak.to_list(expected)
    rtol, atol = spec.extra.get("rtol", 1e-12), spec.extra.get("atol", 1e-12)
    h.assert_nested_close(h.to_lists(out), nested, rtol, atol, f"rg.{name} with None vs awkward", snippet)
    actual, wanted = _ragged_types(out), _awkward_types(expected)
    # (awkward gives a scalar where raggrad gives a 0-d array; keepdims keeps a ragged axis ragged
    # in raggrad, a regular ``1 *`` in awkward)
    # (``awkward_types=False``: the op's documented types differ, e.g. from_regular makes the
    # regular dimensions outside ``axis`` ragged too, where awkward keeps them)
    if len(actual) == len(wanted) and not kwargs.get("keepdims") and spec.extra.get("awkward_types", True):
        if actual != wanted:
            # awkward's result types depend on the data where raggrad's depend on the input's
            # type: awkward keeps an option on numbers that cannot be missing (``max`` with
            # mask_identity=False) or drops one from a level that holds no None. The values
            # agree (above), so compare the types without the option marks of the levels where
            # awkward's result holds no None
            empty = _depths_without_none(nested)
            actual, wanted = ([_without_options(t, empty) for t in ts] for ts in (actual, wanted))
        assert actual == wanted, f"rg.{name} with None: type {actual} vs awkward's {wanted}\n{snippet}"


def _depths_without_none(tree: Any, depth: int = 0, found: set[int] | None = None) -> Any:
    """A predicate: whether nesting depth ``d`` of ``tree`` (items of the outer list: 0) holds no None."""
    found = set() if found is None else found
    if isinstance(tree, (list, tuple)):
        for item in tree:
            if item is None:
                found.add(depth)
            else:
                _depths_without_none(item, depth + 1, found)
    return lambda d: d not in found


def _without_options(t: str, empty: Any) -> str:
    """Type string ``t`` without ``option[...]``/``?`` at the depths where ``empty(depth)``
    (record types: at every depth, if none holds a None)."""
    if "{" in t:
        return t.replace("?", "").replace("option[", "[") if all(map(empty, range(t.count(" * ") + 1))) else t
    parts = t.split(" * ")
    closing = 0
    for i in range(1, len(parts)):
        if not empty(i - 1):
            continue
        if parts[i].startswith("option["):
            parts[i], closing = parts[i][len("option[") :], closing + 1
        elif parts[i].startswith("?"):
            parts[i] = parts[i][1:]
    out = " * ".join(parts)
    return out[: len(out) - closing] if closing else out


@pytest.mark.parametrize("name", h.specced(_takes_missing))
@h.checker_settings(scale=0.5)
@h.canonical_first
@given(data=st.data())
def test_missing_values_match_awkward(name: str, data: Any) -> None:
    """Ops declared ``options=True`` give awkward's answer on arrays with missing values."""
    if not h.HAS_AWKWARD:
        pytest.skip("awkward is not installed")
    check_missing(name, h.call(name), data)


def check_backends(name: str, func: Any, device: str, data: Any) -> None:
    import jax

    spec = h.op(name).spec
    args, kwargs = h.inputs(spec, data)
    snippet = h.record(name, args, kwargs)
    expected = h.call(name)(*args, **kwargs)
    with jax.enable_x64(True):
        jargs, jkwargs = h.to_device(args, kwargs, on_device(device))
        out = func(*jargs, **jkwargs)
        assert h.types(out) == h.types(expected), (
            f"rg.{name} on jax gives types {h.types(out)}, numpy {h.types(expected)}\n{snippet}"
        )
        what = f"rg.{name} on jax ({device}) vs the numpy backend"
        for a, e in zip(h.leaves(out), h.leaves(expected), strict=True):
            assert np.dtype(a.dtype).kind == np.dtype(e.dtype).kind, (
                f"{what}: dtype {a.dtype} vs {e.dtype}\n{snippet}"
            )
            h.assert_values_close(
                a, e, spec.extra.get("rtol", 1e-9), spec.extra.get("atol", 1e-12), what, snippet
            )


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", h.specced())
@h.checker_settings()
@h.canonical_first
@given(data=st.data())
def test_forward_matches_numpy_backend(name: str, device: str, data: Any) -> None:
    check_backends(name, h.call(name), device, data)
