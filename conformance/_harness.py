"""Shared machinery of the conformance checkers: op selection, inputs, references, comparisons.

Checkers (``test_*.py``) are thin: each takes inputs for one op with :func:`inputs`, runs the op
one way and compares with another way through the ``assert_*`` helpers here, whose messages carry
a reproduction snippet.

Every checker runs first on the op's *canonical* examples (:func:`canonical`: several lists, an
empty one, values away from kinks, and the ties, zeros, empty lists, ``where=`` masks and large
values the op's derivative rules exist for), as hypothesis explicit examples
(:func:`canonical_first`), then on generated ones. A handful of generated examples alone often
misses the one input a rule is for (an empty array, a mask that keeps a single zero).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import math
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, note, reject, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

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


def checker_settings(scale: float = 1.0, profile: str | None = None) -> settings:
    """Settings of a checker: ``EXAMPLES`` of ``profile`` (default the active one) times ``scale``
    examples per op, the first canonical (an op with two or three canonical examples gets them
    all) and the rest generated, at least one; ``max_examples`` counts the generated ones."""
    profile = profile or PROFILE
    n = max(1, int(EXAMPLES.get(profile, EXAMPLES["ci"]) * scale) - 1)
    # every profile but ``thorough`` is reproducible: derandomized, and no example database
    fixed: dict[str, Any] = {"derandomize": True, "database": None} if profile != "thorough" else {}
    return settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        **fixed,
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


# ---- canonical examples ------------------------------------------------------------------------
#: explicit examples every checker runs first; an op with fewer canonical examples skips the rest
MAX_CANONICAL = 3
#: lengths of the lists of a canonical array: several lists, an empty one, a single element
CANONICAL_LENGTHS = (3, 0, 2, 1, 3)
#: how a depth-2 canonical array groups those lists: an empty outer list among them
CANONICAL_OUTER = (2, 0, 3)


class Canonical:
    """Stands in for hypothesis' ``data`` in an explicit example: the ``k``-th canonical input of
    the op (:func:`inputs`), with a fixed seed for random tangents and weights."""

    def __init__(self, k: int) -> None:
        self.k = k

    def __repr__(self) -> str:
        return f"<canonical example {self.k}>"

    def draw(self, strategy: Any, label: Any = None) -> Any:
        if label == "seed":
            return 2026 + self.k
        msg = f"{self!r} fixes the op's inputs and draws only the seed, not {strategy!r}: use h.inputs"
        raise TypeError(msg)


def canonical_first(test: Any) -> Any:
    """Runs a ``@given(data=st.data())`` test on the op's canonical examples before generated ones."""
    for k in reversed(range(MAX_CANONICAL)):  # hypothesis runs explicit examples last-applied first
        test = example(data=Canonical(k))(test)
    return test


_CANONICAL: dict[int, tuple[Spec, list[tuple[list[Any], dict[str, Any]]]]] = {}


def canonical(spec: Spec) -> list[tuple[list[Any], dict[str, Any]]]:
    """The op's canonical inputs: ``spec.extra["examples"]()`` (a list of ``(args, kwargs)``),
    or, for an op drawn by :func:`draw_inputs`, arrays built from its domain
    (:func:`elementwise_examples`)."""
    hit = _CANONICAL.get(id(spec))
    if hit is None or hit[0] is not spec:
        make = spec.extra.get("examples")
        if make is None and spec.inputs is None:
            make = functools.partial(elementwise_examples, spec)
        examples = make() if make is not None else []
        hit = _CANONICAL[id(spec)] = (spec, [(list(a), dict(k)) for a, k in examples])
    return hit[1]


def inputs(spec: Spec, data: Any) -> tuple[list[Any], dict[str, Any]]:
    """Arguments and keyword arguments of one call: a canonical example, or drawn from ``data``."""
    if isinstance(data, Canonical):
        examples = canonical(spec)
        if data.k >= len(examples):
            reject()  # this op has fewer canonical examples: hypothesis skips the explicit example
        args, kwargs = examples[data.k]
        return list(args), dict(kwargs)
    return draw_inputs(data.draw, spec)


def ragged(content: Any, lengths: Any = CANONICAL_LENGTHS, outer: Any = None) -> RaggedArray:
    """``content`` (elements first) in lists of ``lengths``, grouped in lists of ``outer`` lists."""
    out = rg.from_offsets(_offsets(lengths), np.asarray(content))
    return out if outer is None else rg.from_offsets(_offsets(outer), out)


def _offsets(lengths: Any) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


def spread(dtype: Any, lo: Any, hi: Any, n: int, salt: int = 0, phase: float = 0.0) -> np.ndarray:
    """``n`` distinct values well inside ``[lo, hi]``, in no particular order (a golden-ratio
    sequence), rounded to 4 decimals so that reproductions read well; integers and booleans too."""
    k = np.arange(n)
    frac = (phase + 0.6180339887 * (k + 1) + 0.2763932023 * salt) % 1.0
    v = lo + (0.04 + 0.92 * frac) * (hi - lo)
    kind = np.dtype(dtype).kind
    if kind == "b":
        return (k + salt) % 3 != 0
    if kind in "iu":
        return np.clip(np.round(v), lo, hi).astype(dtype)
    return np.round(v, 4).astype(dtype)


def elementwise_examples(spec: Spec) -> list[tuple[list[Any], dict[str, Any]]]:
    """The canonical input of an op drawn by :func:`draw_inputs`: the first argument in the lists
    of :data:`CANONICAL_LENGTHS`; a binary op that broadcasts gets them grouped in outer lists
    (:data:`CANONICAL_OUTER`) against one value per outer list (through ``segment_expand`` and its
    transpose), other ops arguments of the same structure. Values avoid the spec's kinks."""
    inner = tuple(spec.extra.get("inner_shape", ()))
    n = sum(CANONICAL_LENGTHS)
    per_list = spec.arity == 2 and spec.extra.get("broadcast", True)
    outer = CANONICAL_OUTER if per_list and 2 in spec.extra.get("depths", (1, 2)) else None
    for attempt in range(50):  # shift the values until none is near a kink
        args: list[Any] = []
        for i in range(spec.arity):
            lo, hi = _per_arg(spec.domain, i, True)
            values = functools.partial(
                spread, _per_arg(spec.dtypes, i, False), lo, hi, salt=i, phase=0.0731 * attempt
            )
            if i and per_list:
                args.append(rg.array(values(len(args[0]))))
            else:
                args.append(ragged(values(n * math.prod(inner)).reshape(n, *inner), outer=outer))
        if spec.kink is None or not any(np.any(k) for k in leaves(spec.kink(*args))):
            break
    return [(args, {})]


# ---- missing values ----------------------------------------------------------------------------
#: chance that an item of a ragged argument is made missing (None), at each depth
MISSING_RATE = 0.25


def has_missing(a: Any) -> bool:
    return isinstance(a, RaggedArray) and a._structure.masks is not None


def is_ragged(a: Any) -> bool:
    return isinstance(a, RaggedArray) and a._structure.nlevels > 0


def with_missing(args: list[Any], seed: int, lists: bool = True) -> list[Any]:
    """``args`` with some items missing: in each ragged argument, outer items, lists at every
    depth (``lists=False``: none, so that the list structure stays the one other arguments were
    drawn for) and elements are each None with probability :data:`MISSING_RATE`, drawn from
    ``seed``; at least one item per argument is missing (where any may be) and at least one per
    depth present; with ``lists=False``, rows over regular inner dims stay whole too. The
    arrays are built by awkward (``ak.mask`` depth by depth, innermost first) and read back with
    ``rg.from_awkward``, independently of raggrad's own ``rg.mask``; a missing list is then empty
    and a missing element's content zero."""
    import awkward as ak

    rng = np.random.default_rng(seed)
    out = []
    for a in args:
        if not isinstance(a, RaggedArray) or not a._structure.nlevels or a._nbatch or not len(a):
            out.append(a)
            continue
        arr = rg.to_awkward(a)
        counts = [len(arr)] + [
            int(np.sum(ak.flatten(ak.num(arr, axis=d), axis=None)))
            for d in range(1, a._structure.nlevels + 1)
        ]
        # rows over regular inner dims stay whole when a where= mask may differ within them
        allowed = [lists] * (len(counts) - 1) + [lists or a.ndim == len(counts)]
        keep = [
            rng.random(n) >= MISSING_RATE if ok else np.ones(n, bool)
            for ok, n in zip(allowed, counts, strict=True)
        ]
        for k in keep:
            if k.size > 1 and not k.any():
                k[rng.integers(k.size)] = True
        if all(k.all() for k in keep):  # at least one missing item, at the deepest depth with items
            d = max((d for d, n in enumerate(counts) if n and allowed[d]), default=None)
            if d is not None:
                keep[d][rng.integers(counts[d])] = False
        for d in reversed(range(len(counts))):
            mask: Any = keep[d]
            for level in range(d, 0, -1):
                mask = ak.unflatten(mask, ak.flatten(ak.num(arr, axis=level), axis=None))
            arr = ak.mask(arr, mask)
        out.append(rg.from_awkward(arr))
    return out


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
    parts = [_reproduction(a) for a in args]
    parts += [f"{k}={_reproduction(v)}" for k, v in kwargs.items()]
    lines = [f"x{i} = {p}" for i, p in enumerate(parts[: len(args)])]
    names = [f"x{i}" for i in range(len(args))]
    spec = op(name).spec if name in REGISTRY or name in EXTRA_OPS else None
    form = spec.extra.get("repro") if spec is not None else None
    line = form(names, parts[len(args) :]) if form else f"rg.{name}({', '.join(names + parts[len(args) :])})"
    header = "import numpy as np, raggrad as rg"
    if any(map(has_missing, [*args, *kwargs.values()])):
        header += "\nimport awkward as ak"
    return "\n".join([header, *lines, f"out = {line}"])


def _reproduction(a: Any) -> str:
    if has_missing(a):  # offsets and content alone would drop the None
        form = a.type.split(" * ", 1)[1]  # the type without the length
        return f"rg.from_awkward(ak.enforce_type(ak.Array({a.to_list()!r}), {form!r}))"
    return rst.reproduction(a)


def record(name: str, args: list[Any], kwargs: dict[str, Any]) -> str:
    snippet = reproduction(name, args, kwargs)
    with contextlib.suppress(InvalidArgument):  # outside a hypothesis test: the messages have it
        note(f"reproduce with:\n{snippet}")
    return snippet


def _flat(nested: Any) -> list[Any]:
    """The numbers of nested lists, in order; None (a missing item) left out."""
    if isinstance(nested, list):
        return [v for n in nested for v in _flat(n)]
    return [] if nested is None else [nested]


def _shape(nested: Any) -> Any:
    """The list structure of nested lists, with the missing items (None) in it."""
    if isinstance(nested, list):
        return [_shape(n) for n in nested]
    return "None" if nested is None else "."


def assert_nested_close(
    actual: Any,
    expected: Any,
    rtol: float,
    atol: float,
    what: str,
    snippet: str,
    mask: Any = None,
    angles: Any = None,
) -> None:
    """``actual`` equals ``expected`` (nested lists): same lists, close numbers. Flat boolean
    masks, in the order of the numbers: ``mask`` leaves numbers out, ``angles`` compares numbers
    modulo 2π (π and -π are one angle)."""
    assert _shape(actual) == _shape(expected), (
        f"{what}: list structure differs\n  actual:   {actual}\n  expected: {expected}\n{snippet}"
    )
    a, e = np.asarray(_flat(actual)), np.asarray(_flat(expected))
    if angles is not None and e.size:
        turn = 2 * np.pi * np.round((e.astype(np.float64) - a) / (2 * np.pi))
        e = np.where(angles & np.isfinite(turn), e - turn, e)
    assert_values_close(a, e, rtol, atol, what, snippet, mask)


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
