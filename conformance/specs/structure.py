"""Specs of the structure, indexing, creation, conversion and dtype ops.

Structure ops get their own argument strategies (``combinations`` with n = 2 or 3, ``concat`` of
two arrays at axis 0 or 1, ``sort`` ascending and descending, ``unflatten`` with counts that sum to
the length, ``cartesian`` and ``broadcast_arrays`` of pairs that fit, ...). The expected values
are written on nested Python lists, independently of raggrad's index maps; awkward is the second
oracle where it has the op. ``getitem`` (``x[index]``) is checked as a conformance-only op with a
few representative indices: slices at each depth, negative steps, a ragged boolean mask and ragged
integer indices from ``argsort``.

``sort`` is drawn without ties (distinct values 0.1 apart), so its derivative, which follows the
permutation, has no kink; ``argsort`` is drawn with ties (the sort is stable) and compared exactly.
Creation, conversion and dtype functions are exempt from the op checkers (they take no ragged
input or return no ragged output of the op's kind); ``tests/`` covers them directly.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from hypothesis import strategies as st

import raggrad as rg
from raggrad._array import RaggedArray
from raggrad._registry import REGISTRY, Op, Spec
from raggrad.testing import strategies as rst

from .._harness import EXTRA_OPS, NO_COUNTERPART
from .reductions import FLOATS, TIES, _map, _with_values

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
    if not isinstance(x, RaggedArray) or not isinstance(y, RaggedArray):  # a scalar partner
        y = rg.array(np.full(len(x if isinstance(x, RaggedArray) else y), 1.5))
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


def _getitem_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    x = _array(draw, (1, 2))
    kind = draw(st.sampled_from(("slice", "slice", "argsort", "mask")))
    if kind == "argsort":
        index: Any = rg.argsort(x)
    elif kind == "mask":
        index = draw(rst.where_masks(x))
    else:
        index = draw(st.sampled_from(INDICES[:4] if x._structure.nlevels == 1 else INDICES))
    return (x,), {"index": index}


INDICES = (
    slice(1, None),
    slice(None, None, -1),
    (slice(None), slice(None, None, -1)),
    (slice(None), slice(1, None)),
    (slice(None), slice(None), slice(None, None, -1)),
    (slice(None, 2), slice(None, None, -1), slice(1, None)),
    (Ellipsis, slice(None, 2)),
)


def _take(tree: Any, index: Any) -> Any:
    """``tree[index]`` on nested lists, awkward's semantics for the index forms drawn."""
    if isinstance(index, RaggedArray):
        idx = index.to_list()

        def pick(t: Any, i: Any) -> Any:
            if isinstance(i, list):
                if i and isinstance(i[0], bool):
                    return [v for v, keep in zip(t, i, strict=True) if keep]
                if not i or isinstance(i[0], int):
                    return [t[k] for k in i]
                return [pick(u, j) for u, j in zip(t, i, strict=True)]
            return t

        return [pick(t, i) for t, i in zip(tree, idx, strict=True)]
    items = list(index) if isinstance(index, tuple) else [index]
    if items and items[0] is Ellipsis:
        depth = _depth_tree(tree) - len(items) + 1
        items = [slice(None)] * depth + items[1:]

    def walk(t: Any, k: int) -> Any:
        if k == len(items):
            return t
        return [walk(u, k + 1) for u in t[items[k]]]

    return walk(tree, 0)


def _depth_tree(tree: Any) -> int:
    d, t = 0, tree
    while isinstance(t, list):
        d += 1
        t = next((u for u in t if isinstance(u, list) and u), t[0] if t else None)
    return d


def _getitem_repro(names: list[str], kwargs: list[str]) -> str:
    return f"{names[0]}[{kwargs[0].removeprefix('index=')}]"


def _getitem_awkward(x: Any, index: Any) -> Any:
    if isinstance(index, tuple) and Ellipsis in index:
        return NO_COUNTERPART
    return x[rg.to_awkward(index) if isinstance(index, RaggedArray) else index]


def _pair_awkward(fn: Any) -> Any:
    return lambda a, b, **kw: fn([a, b], **kw)


def _list_call(func: Any) -> Any:
    return lambda a, b, **kw: func([a, b], **kw)


def _list_repro(name: str) -> Any:
    return lambda names, kwargs: f"rg.{name}([{', '.join(names)}]{''.join(', ' + k for k in kwargs)})"


def _unzip(fn: Any) -> Any:
    def counterpart(*args: Any, **kwargs: Any) -> Any:
        return tuple(_ak().unzip(fn(*args, **kwargs)))

    return counterpart


def _firsts_awkward(x: Any, axis: int = 1, fill_value: Any = None) -> Any:
    ak = _ak()
    return ak.fill_none(ak.firsts(x, axis=axis), fill_value, axis=-1)


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
        extra={"expected": _expected_args(_unflatten)},
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
        awkward=lambda x, axis=-1, descending=False: _ak().sort(x, axis=axis, ascending=not descending),
    ),
    "argsort": Spec(
        inputs=_one(values=TIES, kwargs=lambda draw, x: {"axis": -1, "descending": draw(st.booleans())}),
        extra={"expected": _expected_args(_argsort)},
        awkward=lambda x, axis=-1, descending=False: _ak().argsort(
            x, axis=axis, ascending=not descending, stable=True
        ),
        **NONDIFF,
    ),
    "flip": Spec(
        inputs=_one(kwargs=lambda draw, x: {"axis": draw(rst.axes(x))}),
        extra={"expected": _expected_args(_flip)},
    ),
    "combinations": Spec(
        inputs=_combinations_inputs,
        extra={"expected": _expected_args(_combinations("value"))},
        awkward=_unzip(lambda x, n, axis=1: _ak().combinations(x, n, axis=axis)),
    ),
    "argcombinations": Spec(
        inputs=_combinations_inputs,
        extra={"expected": _expected_args(_combinations("arg"))},
        awkward=_unzip(lambda x, n, axis=1: _ak().argcombinations(x, n, axis=axis)),
        **NONDIFF,
    ),
    "cartesian": Spec(
        inputs=_cartesian_inputs,
        arity=2,
        extra={"expected": _expected_args(_cartesian), "call": _list_call, "repro": _list_repro("cartesian")},
        awkward=_unzip(_pair_awkward(lambda arrays, axis=1: _ak().cartesian(arrays, axis=axis))),
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

EXTRA_OPS["getitem"] = Op(
    "getitem",
    "indexing",
    lambda x, index: x[index],
    spec=Spec(
        inputs=_getitem_inputs,
        awkward=_getitem_awkward,
        extra={"expected": lambda args, kw: _take(args[0].to_list(), kw["index"]), "repro": _getitem_repro},
    ),
)
