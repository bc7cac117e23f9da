"""Specs of the structure, indexing, creation, conversion and dtype ops.

Structure ops get their own argument strategies (``combinations`` with n = 2 or 3, ``concat`` of
two arrays at axis 0 or 1, ``sort`` ascending and descending, ``unflatten`` with counts that sum to
the length, ``cartesian`` and ``broadcast_arrays`` of pairs that fit, ...). The expected values
are written on nested Python lists, independently of raggrad's index maps; awkward is the second
oracle where it has the op. ``getitem`` (``x[index]``) has its spec in :mod:`.indexing`.

``sort`` is drawn without ties (distinct values 0.1 apart), so its derivative, which follows the
permutation, has no kink; its canonical examples have ties, masked for finite differences
(``_sorted_ties``) and checked against the stable permutation (``_sort_jvp``). ``argsort`` is drawn
with ties (the sort is stable) and compared exactly.
Creation, conversion and dtype functions are exempt from the op checkers (they take no ragged
input or return no ragged output of the op's kind); ``tests/`` covers them directly.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np
from hypothesis import strategies as st

import raggrad as rg
from raggrad._array import RaggedArray
from raggrad._registry import REGISTRY, Spec
from raggrad.testing import strategies as rst

from .._harness import NO_COUNTERPART
from .reductions import (
    FLOATS,
    NESTED,
    PLAIN,
    TIE_NESTED,
    TIE_VALUES,
    TIES,
    _map,
    _with_values,
    arr,
)

_EXEMPT_KINDS = {
    "creation": "creates arrays from Python values or shapes; covered by tests/test_construction.py",
    "conversion": (
        "converts between representations; covered by tests/test_construction.py and tests/test_awkward.py"
    ),
    "dtype": "dtype queries and casts; covered by the namespace tests",
}


def _ak() -> Any:
    import awkward as ak

    return ak


# ---- inputs ------------------------------------------------------------------------------------
def _array(
    draw: Any, depths: Any = (1, 2), values: Any = FLOATS, distinct: bool = False, **kw: Any
) -> RaggedArray:
    x = draw(
        rst.ragged_arrays(
            depth=draw(st.sampled_from(depths)),
            values=values,
            max_outer=3,
            max_list_length=3,
            huge_length=8,
            **kw,
        )
    )
    if distinct:
        m = int(np.size(x.values))
        perm = np.asarray(draw(st.permutations(range(m))), dtype=np.float64)
        x = _with_values(x, (perm - m / 2) * 0.1)
    return x


def _one(values: Any = FLOATS, depths: Any = (1, 2), distinct: bool = False, kwargs: Any = None) -> Any:
    """One array and keyword arguments drawn by ``kwargs(draw, x)``."""

    def inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        x = _array(draw, depths, values, distinct)
        return (x,), (kwargs(draw, x) if kwargs is not None else {})

    return inputs


def _ragged_axis(draw: Any, x: RaggedArray) -> int:
    """A ragged dimension of ``x`` (1 .. depth), sometimes spelled negatively."""
    k = draw(st.integers(1, x._structure.nlevels))
    return k - x.ndim if draw(st.booleans()) else k


def _depth_of(x: RaggedArray, axis: int) -> int:
    return axis % x.ndim


# ---- nested-list helpers -----------------------------------------------------------------------
def _at(tree: Any, depth: int, fn: Any) -> Any:
    """``fn`` applied to every list at ``depth`` (0: the whole array)."""
    if depth == 0:
        return fn(tree)
    return [_at(t, depth - 1, fn) for t in tree]


def _leaves(tree: Any) -> list[Any]:
    return [v for t in tree for v in _leaves(t)] if isinstance(tree, list) else [tree]


def _expected_args(fn: Any) -> Any:
    """An ``expected(args, kwargs)`` from a reference that takes the op's arguments."""
    return lambda args, kwargs: fn(*args, **kwargs)


# ---- per-op references -------------------------------------------------------------------------
def _num(x: RaggedArray, axis: int = 1) -> Any:
    return _at(x.to_list(), _depth_of(x, axis), len)


def _local_index(x: RaggedArray, axis: int = -1) -> Any:
    return _at(x.to_list(), _depth_of(x, axis), lambda t: list(range(len(t))))


def _flatten(x: RaggedArray, axis: Any = 1) -> Any:
    if axis is None:
        return _leaves(x.to_list())
    return _at(x.to_list(), _depth_of(x, axis) - 1, lambda t: [v for sub in t for v in sub])


def _first_or_last(which: int) -> Any:
    def ref(x: RaggedArray, axis: int = 1, fill_value: Any = None) -> Any:
        return _at(x.to_list(), _depth_of(x, axis), lambda t: t[which] if t else fill_value)

    return ref


def _concat(a: RaggedArray, b: RaggedArray, axis: int = 0) -> Any:
    if axis == 0:
        return a.to_list() + b.to_list()
    return [p + q for p, q in zip(a.to_list(), b.to_list(), strict=True)]


def _sort(x: RaggedArray, axis: int = -1, descending: bool = False) -> Any:
    return _at(x.to_list(), x.ndim - 1, lambda t: sorted(t, reverse=descending))


def _argsort(x: RaggedArray, axis: int = -1, descending: bool = False) -> Any:
    def order(t: list[Any]) -> list[int]:
        v = np.asarray(t, dtype=np.float64)
        return np.argsort(-v if descending else v, kind="stable").tolist()

    return _at(x.to_list(), x.ndim - 1, order)


def _flip(x: RaggedArray, axis: Any = None) -> Any:
    axes = range(x.ndim) if axis is None else [axis % x.ndim]
    tree = x.to_list()
    for a in axes:
        tree = _at(tree, a, lambda t: t[::-1])
    return tree


def _combinations(which: str) -> Any:
    def ref(x: RaggedArray, n: int, axis: int = 1) -> Any:
        d = _depth_of(x, axis)
        tree = x.to_list()
        out = []
        for k in range(n):

            def pick(t: list[Any], k: int = k) -> list[Any]:
                combos = itertools.combinations(range(len(t)), n)
                return [c[k] if which == "arg" else t[c[k]] for c in combos]

            out.append(_at(tree, d, pick))
        return out

    return ref


def _cartesian(a: RaggedArray, b: RaggedArray, axis: int = 1) -> Any:
    pairs = [list(itertools.product(p, q)) for p, q in zip(a.to_list(), b.to_list(), strict=True)]
    return [[[u for u, _ in row] for row in pairs], [[v for _, v in row] for row in pairs]]


def _broadcast(a: Any, b: Any) -> tuple[Any, Any]:
    if isinstance(a, list) and isinstance(b, list):
        pairs = [_broadcast(p, q) for p, q in zip(a, b, strict=True)]
        return [p for p, _ in pairs], [q for _, q in pairs]
    if isinstance(a, list):
        return a, _map(lambda _: b, a)
    if isinstance(b, list):
        return _map(lambda _: a, b), b
    return a, b


def _broadcast_arrays(a: RaggedArray, b: RaggedArray) -> Any:
    return list(_broadcast(a.to_list(), b.to_list()))


def _offsets(x: RaggedArray, axis: int = 1) -> Any:
    lengths = _leaves(_at(x.to_list(), _depth_of(x, axis), lambda t: [len(t)]))
    return np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64).tolist()


# ---- inputs of the ops with partners -----------------------------------------------------------
def _unflatten_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    x = _array(draw, (1,))
    axis = draw(st.sampled_from((0, 1)))
    counts: list[int] = []
    if axis == 0:  # a partition of the outer items, empty lists anywhere
        total = len(x)
        while total or (draw(st.booleans()) and len(counts) < 6):
            c = draw(st.integers(0, total))
            counts.append(c)
            total -= c
    else:  # a partition of every list into non-empty pieces (a zero at a boundary is ambiguous)
        for t in x.to_list():
            total = len(t)
            while total:
                c = draw(st.integers(1, total))
                counts.append(c)
                total -= c
    if not counts:  # (an empty list of counts reads as float64 through np.asarray: rg refuses it)
        axis, counts = 0, [len(x)]
    return (x, counts), {"axis": axis}


def _unflatten(x: RaggedArray, counts: list[int], axis: int = 0) -> Any:
    it = iter(counts)

    def split(items: list[Any]) -> list[Any]:
        out, i = [], 0
        while i < len(items):
            c = next(it)
            out.append(items[i : i + c])
            i += c
        if axis == 0:  # the remaining counts (zeros) are empty lists at the end
            out += [[] for _ in it]
        return out

    return _at(x.to_list(), axis, split)


def _pair(draw: Any) -> tuple[RaggedArray, RaggedArray]:
    """Two arrays of lists with the same outer length."""
    a = _array(draw, (1,))
    b = draw(
        rst.ragged_arrays(
            depth=1, values=FLOATS, min_outer=len(a), max_outer=len(a), max_list_length=3, huge_length=8
        )
    )
    return a, b


def _concat_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    a, b = _pair(draw)
    axis = draw(st.sampled_from((0, 1)))
    if axis == 0 and draw(st.booleans()):  # axis=0 needs no equal lengths
        b = _array(draw, (1,))
    return (a, b), {"axis": axis}


def _cartesian_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    a, b = _pair(draw)
    return (a, b), {"axis": 1}


def _broadcast_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    x, y = draw(
        rst.broadcastable_pairs(
            kinds=("same", "outer", "swapped"),
            depth=draw(st.sampled_from((1, 2))),
            max_outer=3,
            max_list_length=3,
            huge_length=8,
            min_value=-3.0,
            max_value=3.0,
        )
    )
    # a scalar partner becomes one value per list (broadcast_arrays takes arrays)
    if not isinstance(x, RaggedArray):
        x = rg.array(np.full(len(y), 1.5))
    elif not isinstance(y, RaggedArray):
        y = rg.array(np.full(len(x), 1.5))
    return (x, y), {}


def _reshape_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    x = rg.array(np.asarray(draw(st.lists(FLOATS, min_size=6, max_size=6)), dtype=np.float64))
    return (x,), {"shape": draw(st.sampled_from(((2, 3), (3, 2), (-1,), (1, 6))))}


def _broadcast_to_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    shape = draw(st.sampled_from(((3,), (1, 3), (2, 1))))
    x = rg.array(
        np.asarray(
            draw(st.lists(FLOATS, min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))),
            dtype=np.float64,
        ).reshape(shape)
    )
    return (x,), {"shape": {(3,): (2, 3), (1, 3): (4, 3), (2, 1): (2, 3)}[shape]}


def _sorting_awkward(name: str, x: Any, axis: int, descending: bool) -> Any:
    # with a missing list among the lists it sorts, ak.sort/ak.argsort turn other lists into None
    # ([[None], [None, []]] sorts to [[None], [None, None]]); raggrad keeps them
    if axis % x.ndim > 0 and _ak().any(_ak().is_none(x, axis=axis % x.ndim - 1)):
        return NO_COUNTERPART
    return getattr(_ak(), name)(x, axis=axis, ascending=not descending, stable=True)


def _pair_awkward(fn: Any) -> Any:
    return lambda a, b, **kw: fn([a, b], **kw)


def _cartesian_awkward(fn: Any) -> Any:
    def counterpart(a: Any, b: Any, **kw: Any) -> Any:
        out = fn([a, b], **kw)
        if kw.get("axis", 1) % a.ndim != 1 or not (a.layout.is_option or b.layout.is_option):
            return out
        # ak.cartesian gives [] where a list of either array is missing, raggrad a missing list
        return _ak().mask(out, ~(_ak().is_none(a, axis=0) | _ak().is_none(b, axis=0)))

    return counterpart


def _list_call(func: Any) -> Any:
    return lambda a, b, **kw: func([a, b], **kw)


def _list_repro(name: str) -> Any:
    return lambda names, kwargs: f"rg.{name}([{', '.join(names)}]{''.join(', ' + k for k in kwargs)})"


def _unzip(fn: Any) -> Any:
    def counterpart(*args: Any, **kwargs: Any) -> Any:
        return tuple(_ak().unzip(fn(*args, **kwargs)))

    return counterpart


def _positive(x: Any, axis: int) -> int:
    # awkward resolves a negative axis from the depth of the data it holds, which an array
    # without elements lacks: argcombinations([[]], 2, axis=-2) of type 1 * var * var gives []
    return axis % x.ndim


def _firsts_awkward(x: Any, axis: int = 1, fill_value: Any = None) -> Any:
    ak = _ak()
    first = ak.firsts(x, axis=axis)
    if fill_value is None:
        return first
    if "?" not in str(x.type) and "option" not in str(x.type):
        return ak.fill_none(first, fill_value, axis=-1)
    # fill_value stands for an empty list only; a missing list stays None (a list, no type)
    return _fill_empty(ak.to_list(first), ak.to_list(ak.num(x, axis=axis)), fill_value)


def _fill_empty(first: Any, num: Any, fill: Any) -> Any:
    if isinstance(num, list):
        return [_fill_empty(f, n, fill) for f, n in zip(first, num, strict=True)]
    return fill if num == 0 else first


NONDIFF = {"derivative": "raises", "smooth": False}
RAGGED_AXIS = lambda draw, x: {"axis": _ragged_axis(draw, x)}  # noqa: E731
ANY_AXIS = lambda draw, x: {"axis": draw(rst.axes(x, allow_none=False))}  # noqa: E731
N = st.sampled_from((2, 3))


def _innermost(draw: Any, x: RaggedArray) -> dict[str, Any]:
    # fill_value (for empty lists) is supported at the innermost ragged dimension only
    k = x._structure.nlevels
    return {"axis": draw(st.sampled_from((k, k - x.ndim))), "fill_value": -7.0}


def _combinations_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    x = _array(draw, (1, 2))
    return (x, draw(N)), {"axis": _ragged_axis(draw, x)}


SPECS: dict[str, Spec] = {
    name: Spec(exempt=_EXEMPT_KINDS[op.kind], derivative="none")
    for name, op in REGISTRY.items()
    if op.kind in _EXEMPT_KINDS
}

SPECS |= {
    "num": Spec(
        inputs=_one(kwargs=RAGGED_AXIS),
        extra={"expected": _expected_args(_num)},
        awkward=lambda x, axis=1: _ak().num(x, axis=axis),
        **NONDIFF,
    ),
    "local_index": Spec(
        inputs=_one(kwargs=ANY_AXIS),
        extra={"expected": _expected_args(_local_index)},
        awkward=lambda x, axis=-1: _ak().local_index(x, axis=axis),
        **NONDIFF,
    ),
    "offsets": Spec(inputs=_one(kwargs=RAGGED_AXIS), extra={"expected": _expected_args(_offsets)}, **NONDIFF),
    "flatten": Spec(
        inputs=_one(
            kwargs=lambda draw, x: {
                "axis": draw(st.sampled_from((None, *range(1, x._structure.nlevels + 1))))
            }
        ),
        extra={"expected": _expected_args(_flatten)},
        awkward=lambda x, axis=1: _ak().flatten(x, axis=axis),
    ),
    "unflatten": Spec(
        inputs=_unflatten_inputs,
        # counts were drawn for the lists' lengths, which a missing (empty) list would change
        extra={"expected": _expected_args(_unflatten), "missing_lists": False},
        awkward=lambda x, counts, axis=0: _ak().unflatten(x, counts, axis=axis),
    ),
    "firsts": Spec(
        inputs=_one(kwargs=_innermost),
        extra={"expected": _expected_args(_first_or_last(0))},
        awkward=_firsts_awkward,
    ),
    "lasts": Spec(inputs=_one(kwargs=_innermost), extra={"expected": _expected_args(_first_or_last(-1))}),
    "concat": Spec(
        inputs=_concat_inputs,
        arity=2,
        extra={"expected": _expected_args(_concat), "call": _list_call, "repro": _list_repro("concat")},
        awkward=_pair_awkward(lambda arrays, axis=0: _ak().concatenate(arrays, axis=axis)),
    ),
    "sort": Spec(
        inputs=_one(distinct=True, kwargs=lambda draw, x: {"axis": -1, "descending": draw(st.booleans())}),
        extra={"expected": _expected_args(_sort)},
        awkward=lambda x, axis=-1, descending=False: _sorting_awkward("sort", x, axis, descending),
    ),
    "argsort": Spec(
        inputs=_one(values=TIES, kwargs=lambda draw, x: {"axis": -1, "descending": draw(st.booleans())}),
        extra={"expected": _expected_args(_argsort)},
        awkward=lambda x, axis=-1, descending=False: _sorting_awkward("argsort", x, axis, descending),
        **NONDIFF,
    ),
    "flip": Spec(
        inputs=_one(kwargs=lambda draw, x: {"axis": draw(rst.axes(x))}),
        extra={"expected": _expected_args(_flip)},
    ),
    "combinations": Spec(
        inputs=_combinations_inputs,
        extra={"expected": _expected_args(_combinations("value"))},
        awkward=_unzip(lambda x, n, axis=1: _ak().combinations(x, n, axis=_positive(x, axis))),
    ),
    "argcombinations": Spec(
        inputs=_combinations_inputs,
        extra={"expected": _expected_args(_combinations("arg"))},
        awkward=_unzip(lambda x, n, axis=1: _ak().argcombinations(x, n, axis=_positive(x, axis))),
        **NONDIFF,
    ),
    "cartesian": Spec(
        inputs=_cartesian_inputs,
        arity=2,
        extra={"expected": _expected_args(_cartesian), "call": _list_call, "repro": _list_repro("cartesian")},
        awkward=_unzip(_cartesian_awkward(lambda arrays, axis=1: _ak().cartesian(arrays, axis=axis))),
    ),
    "broadcast_arrays": Spec(
        inputs=_broadcast_inputs,
        arity=2,
        extra={"expected": _expected_args(_broadcast_arrays)},
        awkward=lambda a, b: tuple(_ak().broadcast_arrays(a, b)),
    ),
    "reshape": Spec(
        inputs=_reshape_inputs,
        extra={"expected": lambda args, kw: np.reshape(np.asarray(args[0].values), kw["shape"]).tolist()},
    ),
    "broadcast_to": Spec(
        inputs=_broadcast_to_inputs,
        extra={
            "expected": lambda args, kw: np.broadcast_to(np.asarray(args[0].values), kw["shape"]).tolist()
        },
    ),
}

# ---- canonical examples ------------------------------------------------------------------------
#: partners of PLAIN: the same outer length (PAIRED), shorter (SHORT)
PAIRED = [[1.5], [0.2, -0.6], [], [-1.7, 2.4], [0.9]]
SHORT = [[-0.3, 0.8], []]
#: ties for sort: the permutation is the stable one, which ``_sort_jvp`` checks exactly
SORT_TIES = [[0.3, -1.2, 0.3, 2.0], [], [0.8], [-0.5, -0.5], [1.1, -0.4, 0.9]]
SORT_TIES_NESTED = [[[0.3, -1.2, 0.3], [2.0]], [], [[0.8, -0.5, -0.5, 1.1], []]]
PER_OUTER = np.array([0.5, -1.5, 2.5])


EXAMPLES: dict[str, Any] = {
    "num": lambda: [((arr(NESTED),), {"axis": -1})],
    "local_index": lambda: [((arr(NESTED),), {"axis": 1})],
    "offsets": lambda: [((arr(NESTED),), {"axis": 2})],
    "flatten": lambda: [((arr(NESTED),), {"axis": 1})],
    "unflatten": lambda: [
        ((arr(PLAIN), [2, 0, 3]), {"axis": 0}),
        ((arr(PLAIN), [1, 2, 2, 1, 2, 1]), {"axis": 1}),
    ],
    "firsts": lambda: [((arr(NESTED),), {"axis": 2, "fill_value": -7.0})],
    "lasts": lambda: [((arr(NESTED),), {"axis": -1, "fill_value": -7.0})],
    "concat": lambda: [((arr(PLAIN), arr(PAIRED)), {"axis": 1}), ((arr(PLAIN), arr(SHORT)), {"axis": 0})],
    "sort": lambda: [
        ((arr(SORT_TIES),), {"axis": -1, "descending": False}),
        ((arr(SORT_TIES_NESTED),), {"axis": -1, "descending": True}),
    ],
    "argsort": lambda: [((arr(TIE_NESTED),), {"axis": -1, "descending": True})],
    "flip": lambda: [((arr(NESTED),), {"axis": None})],
    "combinations": lambda: [((arr(PLAIN), 2), {"axis": 1})],
    "argcombinations": lambda: [((arr(NESTED), 3), {"axis": -1})],
    "cartesian": lambda: [((arr(PLAIN), arr(PAIRED)), {"axis": 1})],
    "broadcast_arrays": lambda: [((rg.array(PER_OUTER), arr(NESTED)), {})],
    "reshape": lambda: [((rg.array(np.array([0.7, -1.3, 2.1, 0.4, -0.9, 1.6])),), {"shape": (2, 3)})],
    "broadcast_to": lambda: [((rg.array(np.array([[0.7, -1.3, 2.1]])),), {"shape": (4, 3)})],
}


def _sorted_ties(x: RaggedArray, axis: int = -1, descending: bool = False) -> np.ndarray:
    """Elements of ``sort``'s output tied with a neighbour: the sort is not differentiable there
    (central differences see the mean of the tied tangents, the stable permutation one of them)."""
    v, out = np.asarray(x.values), np.zeros(np.shape(x.values), bool)
    off = x._structure.levels[-1].offsets
    for a, b in itertools.pairwise(off):
        if b - a < 2:
            continue
        near = np.abs(np.diff(np.sort(v[a:b]))) < 1e-3
        if descending:
            near = near[::-1]
        out[a : b - 1] |= near
        out[a + 1 : b] |= near
    return out


def _sort_jvp(args: list[Any], kwargs: dict[str, Any], tangents: list[Any]) -> Any:
    """The derivative of ``sort`` follows the stable sorting permutation: ``t[argsort(x)]``."""
    x, t = args[0], tangents[0]
    v, tv = np.asarray(x.values), np.asarray(t.values)
    out = np.empty_like(tv)
    off = x._structure.levels[-1].offsets
    for a, b in itertools.pairwise(off):
        key = -v[a:b] if kwargs.get("descending") else v[a:b]
        out[a:b] = tv[a:b][np.argsort(key, kind="stable")]
    return _with_values(x, out).to_list()


SPECS["sort"] = dataclasses.replace(
    SPECS["sort"], kink=_sorted_ties, extra=SPECS["sort"].extra | {"jvp": _sort_jvp}
)
SPECS = {
    name: dataclasses.replace(spec, extra=spec.extra | {"examples": EXAMPLES[name]})
    if name in EXAMPLES
    else spec
    for name, spec in SPECS.items()
}


# ---- ops added by later families ----------------------------------------------------------------
def _run_lengths_awkward(x: Any) -> Any:
    if "?" in str(x.type):  # missing elements: awkward 2.14 has no run_lengths on ByteMaskedArray
        return NO_COUNTERPART
    return _ak().run_lengths(x)


_BOUNDED = (
    "builds, queries or trims bounded arrays; covered by tests/test_bounded.py, and "
    "conformance/test_bounded.py runs every spec on bounded inputs"
)
_TRANSFORMS = (
    "a function transformation (rg.grad and friends), not an op on arrays; test_derivatives.py checks "
    "what JAX's transformations compute, tests/test_bounded.py the rg spellings"
)
SPECS |= {
    **{n: Spec(exempt=_BOUNDED, derivative="none") for n in ("with_capacity", "capacity", "is_bounded")},
    **{n: Spec(exempt=_BOUNDED, derivative="none") for n in ("trim", "stack", "unstack")},
    **{n: Spec(exempt=_TRANSFORMS, derivative="none") for n in ("grad", "value_and_grad", "jvp", "vjp")},
    # NumPy's spelling of concat (axis may be positional)
    "concatenate": dataclasses.replace(
        SPECS["concat"], extra=SPECS["concat"].extra | {"repro": _list_repro("concatenate")}
    ),
    "argcartesian": Spec(
        inputs=_cartesian_inputs,
        arity=2,
        extra={
            "call": _list_call,
            "repro": _list_repro("argcartesian"),
            "examples": SPECS["cartesian"].extra["examples"],
        },
        awkward=_unzip(_cartesian_awkward(lambda arrays, axis=1: _ak().argcartesian(arrays, axis=axis))),
        **NONDIFF,
    ),
    "run_lengths": Spec(
        inputs=_one(TIES),
        # the output's list lengths depend on the values: refused under jit (TracedStructureError)
        extra={"examples": lambda: [((arr(TIE_VALUES),), {})], "no_jit": True, "no_vmap": True},
        awkward=_run_lengths_awkward,
        **NONDIFF,
    ),
}
