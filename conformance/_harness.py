"""Shared machinery of the conformance checkers: op selection, inputs, references, comparisons.

Checkers (``test_*.py``) are thin: each draws inputs for one op with :func:`draw_inputs`, runs
the op one way and compares with another way through the ``assert_*`` helpers here, whose
messages carry a reproduction snippet.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st

import raggrad as rg
from raggrad._array import RaggedArray
from raggrad._registry import REGISTRY, Op, Spec
from raggrad.testing import strategies as rst

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
#: examples per op and checker in each profile
EXAMPLES = {"ci": 6, "thorough": 1000}
HAS_AWKWARD = importlib.util.find_spec("awkward") is not None
#: returned by a spec's ``awkward`` function for arguments awkward has no counterpart for
NO_COUNTERPART = object()


def checker_settings(scale: float = 1.0) -> settings:
    n = max(1, int(EXAMPLES.get(PROFILE, EXAMPLES["ci"]) * scale))
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=PROFILE == "ci",
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# ---- which ops each checker exercises ---------------------------------------------------------
#: ops checked like registered ones that are not public functions (``x[...]``); filled by the specs
EXTRA_OPS: dict[str, Op] = {}


def op(name: str) -> Op:
    """The registered op ``name``, or the conformance-only one."""
    return REGISTRY[name] if name in REGISTRY else EXTRA_OPS[name]


def call(name: str) -> Any:
    """The function the checkers call: the op's, adapted by ``spec.extra["call"]`` where the op
    takes its arrays in a list (``concat``, ``cartesian``), so that every array is an argument."""
    o = op(name)
    adapt = o.spec.extra.get("call") if o.spec is not None else None
    return adapt(o.func) if adapt is not None else o.func


def specced(pred: Any = lambda op, spec: True) -> list[Any]:
    """pytest params (one per op, id = op name) of registered ops with a spec that pass ``pred``."""
    out = []
    for name in sorted({*REGISTRY, *EXTRA_OPS}):
        op = REGISTRY[name] if name in REGISTRY else EXTRA_OPS[name]
        spec = op.spec
        if spec is None or spec.exempt is not None or not pred(op, spec):
            continue
        out.append(pytest.param(name, id=name))
    return out


def differentiated(op: Op, spec: Spec) -> bool:
    return spec.derivative in ("exact", "zero") and any(np.dtype(d).kind in "fc" for d in spec.dtypes)


# ---- inputs ------------------------------------------------------------------------------------
def _per_arg(value: tuple[Any, ...], i: int, pair: bool) -> Any:
    """``value[i]`` where ``value`` is a tuple per argument, else ``value`` itself."""
    if pair:
        return value[i] if isinstance(value[0], (tuple, list)) else value
    return value[i] if len(value) > 1 else value[0]


def _elements(dtype: Any, lo: Any, hi: Any) -> Any:
    # subnormals are left out: XLA flushes them to zero on CPU, so backends legitimately differ
    return rst.elements(dtype, min_value=lo, max_value=hi, allow_subnormal=False)


def draw_inputs(draw: Any, spec: Spec) -> tuple[list[Any], dict[str, Any]]:
    """Arguments (numpy backend) and keyword arguments for one call of the op."""
    if spec.inputs is not None:
        args, kwargs = spec.inputs(draw)
        return list(args), dict(kwargs)
    depth = draw(st.sampled_from(spec.extra.get("depths", (1, 2))))
    inner = spec.extra.get("inner_shape", ())
    args: list[Any] = []
    first = None
    for i in range(spec.arity):
        lo, hi = _per_arg(spec.domain, i, True)
        dtype = _per_arg(spec.dtypes, i, False)
        if first is None:
            first = draw(
                rst.ragged_arrays(
                    depth=depth,
                    dtype=dtype,
                    values=_elements(dtype, lo, hi),
                    inner_shape=inner,
                    max_outer=5,
                    max_list_length=4,
                    huge_length=60,
                )
            )
            args.append(first)
            continue
        kind = "same"
        if spec.extra.get("broadcast", True):
            kind = draw(st.sampled_from(("same", "same", "scalar", "outer")))
        if kind == "same":
            args.append(draw(rst.same_structure(first, dtype=dtype, values=_elements(dtype, lo, hi))))
        elif kind == "scalar":
            v = draw(_elements(dtype, lo, hi))
            args.append(v.item() if hasattr(v, "item") else v)
        else:
            content = draw(st.lists(_elements(dtype, lo, hi), min_size=len(first), max_size=len(first)))
            args.append(rg.array(np.asarray(content, dtype=dtype)))
    if spec.extra.get("swap") and len(args) == 2 and draw(st.booleans()):
        args.reverse()
    return args, {}


def to_device(args: list[Any], kwargs: dict[str, Any], device: Any) -> tuple[list[Any], dict[str, Any]]:
    """Arrays among ``args``/``kwargs`` moved to the jax backend on ``device``."""
    import jax

    def move(a: Any) -> Any:
        if isinstance(a, RaggedArray):
            return rg.to_backend(a, "jax", device=device)
        if isinstance(a, np.ndarray):
            return jax.device_put(a, device)
        if isinstance(a, (list, tuple)):
            return type(a)(move(b) for b in a)
        return a

    return [move(a) for a in args], {k: move(v) for k, v in kwargs.items()}


# ---- outputs -----------------------------------------------------------------------------------
def leaves(out: Any) -> list[np.ndarray]:
    """The content buffers of an op's output, on the host, in a fixed order."""
    if isinstance(out, RaggedArray):
        return [np.asarray(out.values)]
    if isinstance(out, (tuple, list)):
        return [leaf for o in out for leaf in leaves(o)]
    return [np.asarray(out)]


def types(out: Any) -> list[str]:
    if isinstance(out, RaggedArray):
        return [out.type.rsplit(" * ", 1)[0]]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in types(o)]
    return [f"shape {np.shape(out)}"]


def to_lists(out: Any) -> Any:
    if isinstance(out, RaggedArray):
        return out.to_list()
    if isinstance(out, (tuple, list)):
        return [to_lists(o) for o in out]
    return np.asarray(out).tolist()


# ---- references --------------------------------------------------------------------------------
def _nlevels(a: Any) -> int:
    return a._structure.nlevels if isinstance(a, RaggedArray) else 0


def nested_reference(ref: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``ref`` applied to each innermost list of the inputs (dense NumPy), broadcasting outer
    values down as awkward does; returns nested lists like ``to_list``."""
    levels = max(_nlevels(a) for a in args)
    lists = [a.to_list() if isinstance(a, RaggedArray) else a for a in args]
    dtypes = [np.dtype(a.dtype) if isinstance(a, RaggedArray) else None for a in args]

    def walk(items: list[Any], depth: int) -> Any:
        if depth == levels + 1 or not any(isinstance(i, list) for i in items):
            dense = [np.asarray(i, dtype=t) if isinstance(i, list) else i for i, t in zip(items, dtypes)]
            return _tolist(ref(*dense, **kwargs))
        n = max(len(i) for i in items if isinstance(i, list))
        return [walk([i[k] if isinstance(i, list) else i for i in items], depth + 1) for k in range(n)]

    if levels == 0:  # no ragged dimension: the whole array is one list
        return _tolist(
            ref(*[np.asarray(a.values) if isinstance(a, RaggedArray) else a for a in args], **kwargs)
        )
    return walk(lists, 1)


def _tolist(v: Any) -> Any:
    if isinstance(v, tuple):
        return [_tolist(i) for i in v]
    return np.asarray(v).tolist()


# ---- comparisons -------------------------------------------------------------------------------
def reproduction(name: str, args: list[Any], kwargs: dict[str, Any]) -> str:
    parts = [rst.reproduction(a) for a in args]
    parts += [f"{k}={rst.reproduction(v)}" for k, v in kwargs.items()]
    lines = [f"x{i} = {p}" for i, p in enumerate(parts[: len(args)])]
    names = [f"x{i}" for i in range(len(args))]
    spec = op(name).spec if name in REGISTRY or name in EXTRA_OPS else None
    form = spec.extra.get("repro") if spec is not None else None
    line = form(names, parts[len(args) :]) if form else f"rg.{name}({', '.join(names + parts[len(args) :])})"
    return "\n".join(["import numpy as np, raggrad as rg", *lines, f"out = {line}"])


def record(name: str, args: list[Any], kwargs: dict[str, Any]) -> str:
    snippet = reproduction(name, args, kwargs)
    note(f"reproduce with:\n{snippet}")
    return snippet


def _flat(nested: Any) -> list[Any]:
    if isinstance(nested, list):
        return [v for n in nested for v in _flat(n)]
    return [nested]


def _shape(nested: Any) -> Any:
    if isinstance(nested, list):
        return [_shape(n) for n in nested]
    return None


def assert_nested_close(
    actual: Any, expected: Any, rtol: float, atol: float, what: str, snippet: str
) -> None:
    assert _shape(actual) == _shape(expected), (
        f"{what}: list structure differs\n  actual:   {actual}\n  expected: {expected}\n{snippet}"
    )
    a, e = np.asarray(_flat(actual)), np.asarray(_flat(expected))
    assert_values_close(a, e, rtol, atol, what, snippet)


def assert_values_close(
    a: Any, e: Any, rtol: float, atol: Any, what: str, snippet: str, mask: Any = None
) -> None:
    a, e = np.asarray(a), np.asarray(e)
    assert a.shape == e.shape, f"{what}: shape {a.shape} vs expected {e.shape}\n{snippet}"
    if a.dtype.kind in "bOU" or e.dtype.kind in "bOU" or (a.dtype.kind in "iu" and e.dtype.kind in "iu"):
        bad = a != e
    else:
        a64, e64 = a.astype(np.complex128 if "c" in a.dtype.kind + e.dtype.kind else np.float64), e
        e64 = e.astype(a64.dtype)
        both_nan = np.isnan(a64) & np.isnan(e64)
        same_inf = np.isinf(e64) & (a64 == e64)
        with np.errstate(invalid="ignore"):  # inf - inf where both are infinite
            bad = ~(both_nan | same_inf | (np.abs(a64 - e64) <= atol + rtol * np.abs(e64)))
    if mask is not None:
        bad = bad & ~np.broadcast_to(mask, bad.shape)
    if np.any(bad):
        i = tuple(np.argwhere(bad)[0])
        msg = (
            f"{what}: {int(np.sum(bad))} of {bad.size} elements differ; first at {i}: "
            f"{a[i]!r} vs expected {e[i]!r} (rtol={rtol}, atol={np.max(atol)})\n{snippet}"
        )
        raise AssertionError(msg)
