"""Specs of the reductions and of the ops computed from reductions along an axis (softmax).

Every reducer is drawn at a random valid axis (``None``, the outer axis, each ragged level, each
regular inner dim, negative spellings too), with ``keepdims`` True or False and, for reducers that
take one, a random ``where=`` mask. The reference is written on nested Python lists, independently
of raggrad's index maps: the items along the reduced axis are merged left-aligned (awkward's rule:
item ``j`` of every list combines with item ``j`` of the others), and NumPy reduces each group of
values (:func:`reduce_lists`). Ops computed along an axis (cumulative sums, softmax) use the same
grouping (:func:`along_lists`). awkward is the second oracle where it has the op; ``where=`` is
emulated there by identity fill (``ak.where``) or weights (``ak.mean``/``var``/``std``).

Inputs keep derivatives meaningful: ``max``/``min`` get distinct values 0.1 apart (no ties, so
finite differences see no kink), ``prod`` gets zeros among values of modest size (a product is
multilinear, so central differences are exact up to rounding, zeros included), ``argmax``/
``argmin`` get ties on purpose (the first index wins) since they are compared exactly. The
canonical examples (``EXAMPLES``, run first by every checker) add what generated values rarely
hit: pairs of tied extrema, zeros where a mask keeps only a zero, single elements with
``correction=1``, emptied lists, values near ±1000 and lists of ``-inf``.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np
from hypothesis import strategies as st

import raggrad as rg
from raggrad._array import RaggedArray
from raggrad._registry import Spec
from raggrad.testing import strategies as rst

from .._harness import NO_COUNTERPART

#: (ragged depth, regular inner shape) of the drawn arrays
LAYOUTS = ((1, ()), (2, ()), (1, (2,)))


# ---- inputs ------------------------------------------------------------------------------------
def _array(draw: Any, values: Any, layouts: Any = LAYOUTS, distinct: bool = False) -> RaggedArray:
    depth, inner = draw(st.sampled_from(layouts))
    # small: every example traces (and, under jit, compiles) anew
    x = draw(
        rst.ragged_arrays(
            depth=depth, inner_shape=inner, values=values, max_outer=3, max_list_length=3, huge_length=8
        )
    )
    if distinct:  # a permuted grid: no ties, neighbours 0.1 apart
        m = int(np.size(x.values))
        perm = np.asarray(draw(st.permutations(range(m))), dtype=np.float64).reshape(np.shape(x.values))
        x = _with_values(x, (perm - m / 2) * 0.1)
    return x


def _with_values(x: RaggedArray, content: np.ndarray) -> RaggedArray:
    out: Any = rg.array(content)
    for level in reversed(x._structure.levels):
        out = rg.from_offsets(level.offsets, out)
    return out


FLOATS = rst.elements("float64", min_value=-3.0, max_value=3.0, allow_subnormal=False)
#: values of a product: zeros included, modest magnitudes so every product stays well scaled
FACTORS = st.one_of(
    st.just(0.0), rst.elements("float64", min_value=-1.6, max_value=1.6, allow_subnormal=False)
)
#: values with many ties and zeros, for argmax/argmin and the logical reducers
TIES = st.sampled_from([-1.0, 0.0, 0.0, 1.0, 2.0])


def reducer_inputs(
    values: Any = FLOATS, *, where: bool = True, distinct: bool = False, params: Any = None, arg: bool = False
) -> Any:
    def inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        x = _array(draw, values, distinct=distinct)
        if draw(st.sampled_from(("float", "float", "int", "bool"))) != "float" and values is TIES:
            x = rg.astype(x, draw(st.sampled_from(("int64", "bool"))))
        # argmax/argmin of no elements at all raise, as NumPy's do
        none = not arg or np.size(x.values) > 0
        kwargs: dict[str, Any] = {"axis": draw(rst.axes(x, allow_none=none)), "keepdims": draw(st.booleans())}
        if where and draw(st.booleans()):
            kwargs["where"] = draw(rst.where_masks(x))
        if params is not None:
            kwargs |= draw(params)
        return (x,), kwargs

    return inputs


def along_inputs(values: Any = FLOATS, *, none: bool = True, initial: bool = False) -> Any:
    """Ops with the input's structure (cumulative sums, softmax): an axis, no keepdims."""

    def inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        x = _array(draw, values, layouts=((1, ()), (2, ())))
        axis = draw(rst.axes(x, allow_none=none))
        kwargs: dict[str, Any] = {"axis": axis}
        # include_initial is supported along the innermost axis only (a NotImplementedError elsewhere)
        if initial and axis is not None and axis % x.ndim == x.ndim - 1 and draw(st.booleans()):
            kwargs["include_initial"] = True
        return (x,), kwargs

    return inputs


# ---- the nested-list reference -----------------------------------------------------------------
def _quiet(fn: Any, *args: Any) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args)


def _leaves(tree: Any) -> list[Any]:
    return [v for t in tree for v in _leaves(t)] if isinstance(tree, list) else [tree]


def _nest(v: Any, ndim: int) -> Any:
    for _ in range(ndim):
        v = [v]
    return v


def reduce_lists(
    x: RaggedArray, ref: Any, axis: Any, keepdims: bool, where: Any = None, arg: bool = False
) -> Any:
    """``ref(values, indices)`` over the groups of ``x``'s elements that ``axis`` reduces.

    ``indices`` are the values' positions along the axis (the flat position for ``axis=None``);
    a group is the elements that differ only in their index along ``axis``, lists left-aligned.
    """
    tree = x.to_list()
    mask = where.to_list() if where is not None else _map(lambda _: True, tree)
    ndim = x.ndim
    if axis is None:
        keep = [bool(m) for m in _leaves(mask)]
        vals = np.asarray(_leaves(tree), dtype=x.dtype)
        v = _quiet(ref, vals[keep], np.arange(len(vals))[keep])
        return _nest(v, ndim) if keepdims else v
    a = axis % ndim
    nlevels = x._structure.nlevels
    innermost_ragged = a == nlevels
    inner = tuple(x.shape[nlevels + 1 :])

    def merge(entries: list[Any], remaining: int) -> Any:
        if remaining == 0:
            kept = [(v, i) for v, m, i in entries if m]
            vals = np.asarray([v for v, _ in kept], dtype=x.dtype)
            return _quiet(ref, vals, np.asarray([i for _, i in kept], dtype=np.int64))
        dim = ndim - remaining  # a regular dim keeps its length even with nothing to merge
        n = inner[dim - nlevels - 1] if dim > nlevels else max((len(t) for t, _, _ in entries), default=0)
        return [
            merge([(t[j], m[j], i) for t, m, i in entries if len(t) > j], remaining - 1) for j in range(n)
        ]

    def walk(node: Any, mnode: Any, d: int) -> Any:
        if d == a:
            out = merge([(t, m, i) for i, (t, m) in enumerate(zip(node, mnode))], ndim - a - 1)
            if not keepdims:
                return out
            # argmax/argmin keep one index per non-empty innermost list, an empty list for an empty one
            return [] if arg and innermost_ragged and not node else [out]
        return [walk(t, m, d + 1) for t, m in zip(node, mnode)]

    return _tolist(walk(tree, mask, 0))


def _map(fn: Any, tree: Any) -> Any:
    return [_map(fn, t) for t in tree] if isinstance(tree, list) else fn(tree)


def _tolist(v: Any) -> Any:
    if isinstance(v, list):
        return [_tolist(i) for i in v]
    return np.asarray(v).tolist()


def along_lists(x: RaggedArray, fn: Any, axis: Any) -> Any:
    """``fn(values)`` (an array of the same length) over the groups of elements along ``axis``
    (every element for ``axis=None``), written back in place: the input's structure."""
    paths: list[tuple[int, ...]] = []
    values: list[Any] = []

    def enumerate_leaves(node: Any, path: tuple[int, ...]) -> None:
        if isinstance(node, list):
            for i, t in enumerate(node):
                enumerate_leaves(t, (*path, i))
        else:
            paths.append(path)
            values.append(node)

    tree = x.to_list()
    enumerate_leaves(tree, ())
    out = list(values)
    groups: dict[Any, list[int]] = {}
    for k, p in enumerate(paths):
        key = () if axis is None else p[: axis % x.ndim] + p[axis % x.ndim + 1 :]
        groups.setdefault(key, []).append(k)
    for members in groups.values():  # members are in order along the axis
        res = _quiet(fn, np.asarray([values[k] for k in members], dtype=x.dtype))
        for k, r in zip(members, np.asarray(res).tolist()):
            out[k] = r
    it = iter(out)
    return _map(lambda _: next(it), tree)


# ---- per-group NumPy references ----------------------------------------------------------------
def _var(v: np.ndarray, correction: float = 0.0) -> float:
    n = len(v)
    ss = float(np.sum((v - np.mean(v)) ** 2)) if n else 0.0
    if n - correction > 0:
        return ss / (n - correction)
    return math.inf if ss > 0 else math.nan


def _identity(kind: str, dtype: np.dtype) -> Any:
    if dtype.kind == "f":
        return -math.inf if kind == "max" else math.inf
    info = np.iinfo(dtype)
    return info.min if kind == "max" else info.max


def _logsumexp(v: np.ndarray) -> float:
    top = np.max(v, initial=-math.inf)
    if not np.isfinite(top):  # no elements, or an infinite one: -inf, inf (or NaN)
        return float(top)
    return float(np.log(np.sum(np.exp(v - top))) + top)


REFERENCES: dict[str, Any] = {
    "sum": lambda v, i: np.sum(v),
    "prod": lambda v, i: np.prod(v),
    "mean": lambda v, i: np.mean(v) if len(v) else math.nan,
    "var": lambda v, i, correction=0.0: _var(v, correction),
    "std": lambda v, i, correction=0.0: math.sqrt(_var(v, correction)),
    "max": lambda v, i: np.max(v, initial=_identity("max", v.dtype)),
    "min": lambda v, i: np.min(v, initial=_identity("min", v.dtype)),
    "argmax": lambda v, i: int(i[np.argmax(v)]) if len(v) else -1,
    "argmin": lambda v, i: int(i[np.argmin(v)]) if len(v) else -1,
    "any": lambda v, i: bool(np.any(v)),
    "all": lambda v, i: bool(np.all(v)),
    "count": lambda v, i: len(v),
    "count_nonzero": lambda v, i: int(np.count_nonzero(v)),
    "logsumexp": lambda v, i: _logsumexp(v),
}


def _expected_reduction(name: str) -> Any:
    ref = REFERENCES[name]

    def expected(args: list[Any], kwargs: dict[str, Any]) -> Any:
        kw = dict(kwargs)
        axis, keepdims, where = kw.pop("axis"), kw.pop("keepdims", False), kw.pop("where", None)
        return reduce_lists(
            args[0], lambda v, i: ref(v, i, **kw), axis, keepdims, where, arg=name.startswith("arg")
        )

    return expected


def _softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - np.max(v))
    return e / np.sum(e)


def _log_softmax(v: np.ndarray) -> np.ndarray:
    return v - (np.log(np.sum(np.exp(v - np.max(v)))) + np.max(v))


def _expected_along(fn: Any) -> Any:
    def expected(args: list[Any], kwargs: dict[str, Any]) -> Any:
        return along_lists(args[0], fn, kwargs.get("axis", -1))

    return expected


def _expected_cumulative(np_fn: Any) -> Any:
    def expected(args: list[Any], kwargs: dict[str, Any]) -> Any:
        x, axis = args[0], kwargs["axis"]
        if kwargs.get("include_initial"):  # innermost axis: each innermost list on its own
            return _map_innermost(
                x.to_list(),
                x._structure.nlevels,
                lambda v: np_fn(np.asarray(v, dtype=x.dtype), include_initial=True),
            )
        return along_lists(x, np_fn, axis)

    return expected


def _map_innermost(tree: Any, levels: int, fn: Any) -> Any:
    if levels:
        return [_map_innermost(t, levels - 1, fn) for t in tree]
    return np.asarray(fn(tree)).tolist()


# ---- awkward counterparts ----------------------------------------------------------------------
def _ak_where(where: Any) -> Any:
    return rg.to_awkward(where) if isinstance(where, RaggedArray) else where


def _awkward(name: str, fill: Any = None, *, weighted: bool = False) -> Any:
    def counterpart(
        x: Any, axis: Any = None, keepdims: bool = False, where: Any = None, correction: float | None = None
    ) -> Any:
        import awkward as ak

        kw: dict[str, Any] = {"axis": axis, "keepdims": keepdims}
        if correction is not None:
            kw["ddof"] = correction
        if name == "count" and where is not None:
            if ak.count(x, axis=None) == 0:  # (ak.mask of [[]] of var * 2 * float64 loses a dim)
                return ak.count(x, **kw)
            if "?" in str(x.type) or "option" in str(x.type):  # the present elements where= keeps
                return ak.count(ak.mask(x, _ak_where(where)), **kw)
            return ak.sum(_ak_where(where), **kw)
        if where is not None:
            if weighted and ak.count(x, axis=None) == 0:
                pass  # (ak.mean with a weight fails on [[]] of type var * 2 * float64; no weight, nan alike)
            elif weighted:
                kw["weight"] = ak.values_astype(_ak_where(where), np.float64)
            else:  # (ak.where of an empty array loses a regular dim under keepdims: fill with rg.where)
                filled = rg.to_awkward(rg.where(where, rg.from_awkward(x), fill))
                # where() drops the option type of a level of lists that holds no None, as ak.where
                # does; the reduction keeps it (rg.sum(x, axis=1) of option[var * float64] is
                # ?float64): put back every option level of x (ak.mask broadcasts the mask)
                for d, part in enumerate(str(x.type).split(" * ")[1:-1]):
                    if part.startswith("option["):
                        filled = ak.mask(filled, ~ak.is_none(x, axis=d))
                x = filled
        # (likewise with a regular dimension inside: [[], [[-1.0, -1.0]]] gives [[0, 0]] in awkward,
        # [[1, 1]] in raggrad and the reference, as [[], [-1.0]] gives [1] in both)
        inner_regular = x.ndim - 1 > _depth(x)
        if (
            name.startswith("arg")
            and axis is not None
            and axis % x.ndim == 0
            and (_depth(x) >= 2 or inner_regular)
        ):
            # awkward's argmax/argmin at axis=0 with two or more ragged levels index a column that
            # only later lists reach differently: x = [[[1.0, 5.0], [2.0]], [[3.0], [0.0, 9.0], [4.0]]]
            # gives [[1, 0], [0, 1], [0]] in awkward, [[1, 0], [0, 1], [1]] in raggrad (4.0 is in
            # list 1 along axis 0); the nested-list reference agrees with raggrad
            return NO_COUNTERPART
        arg_keep = name.startswith("arg") and keepdims and axis is not None and axis % x.ndim == _depth(x)
        if arg_keep and _depth(x) != x.ndim - 1:  # masked entries inside regular dims: no counterpart
            return NO_COUNTERPART
        if name not in ("count", "count_nonzero"):
            # argmax/argmin with keepdims: raggrad gives an empty list for an empty one (DESIGN.md),
            # which is awkward's masked result with the None dropped
            kw["mask_identity"] = arg_keep
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = getattr(ak, name)(x, **kw)
        return _drop_none(ak.to_list(out), axis % x.ndim) if arg_keep else out

    return counterpart


def _drop_none(tree: Any, level: int) -> Any:
    """``tree`` without the None at nesting ``level`` (the masked results of empty lists); a
    missing list above it stays None. (ak.drop_none fails on a RegularArray of length 0.)"""
    if not isinstance(tree, list):
        return tree
    if level == 0:
        return [t for t in tree if t is not None]
    return [_drop_none(t, level - 1) for t in tree]


def _depth(a: Any) -> int:
    """The innermost ragged dimension of an awkward array's type."""
    parts = str(a.type).split(" * ")
    return max(i for i, p in enumerate(parts) if p.removeprefix("option[") == "var")


def _softmax_awkward(x: Any, axis: Any = -1) -> Any:
    import awkward as ak

    if axis is None or axis % x.ndim != x.ndim - 1:  # ak.softmax is defined along axis=-1 only
        return NO_COUNTERPART
    if ak.max(abs(x), axis=None, initial=0.0, mask_identity=False) > 700:  # ak.softmax does not shift
        return NO_COUNTERPART
    return ak.softmax(x, axis=-1)


# ---- canonical examples ------------------------------------------------------------------------
# Each checker runs these first (``_harness.canonical``). Every one has several lists, an empty
# list, a single element and values away from kinks, plus what the op's derivative rules exist
# for: zeros for products, pairs of tied extrema (with two tied values central differences see
# the even split exactly), single elements and emptied lists for mean/var/std, large values for
# the stabilised exponentials.
PLAIN = [[0.7, -1.3, 2.1], [], [0.4, -0.9], [1.6], [-2.2, 0.3, 1.1]]
#: a mask over PLAIN that empties a non-empty list; a partner of PLAIN with the same structure
PLAIN_MASK = [[True, True, False], [], [False, False], [True], [True, False, True]]
SAME = [[1.5, 0.2, -0.6], [], [-1.7, 2.4], [0.9], [0.1, -0.2, 1.3]]
#: depth 2: an empty outer list, an empty inner list
NESTED = [[[0.7, -1.3], [2.1], []], [], [[0.4, -0.9, 1.6], [-2.2, 0.3]]]
#: a mask over NESTED that empties a non-empty list and keeps a single element of another
NESTED_MASK = [[[True, False], [True], []], [], [[False, False, False], [True, True]]]
#: zeros: one in a list, two in a list, a list that is a single zero
ZEROS = [[0.5, -1.2, 0.0, 1.3], [], [0.0, 0.0, 0.7], [-0.8, 1.1], [1.4], [0.0]]
ZEROS_NESTED = [[[0.0, 1.3], [-1.2], []], [], [[0.5, 0.0, 1.5], [-0.9, 0.0]]]
#: over ZEROS_NESTED: merged at axis=1, a column keeps only a zero
ZEROS_MASK = [[[True, False], [False], []], [], [[False, True, False], [True, True]]]
#: pairs of tied maxima (list 0) and minima (list 3), also along axis=1 of the nested one
TIED = [[0.3, 1.2, 1.2, -0.5], [], [0.7], [-1.1, -1.1, 0.4], [2.0, -2.0]]
TIED_NESTED = [[[0.9, -0.4], [0.9, 1.5], []], [], [[-0.6, 0.2, 0.8], [-0.6]]]
TIED_MASK = [[[True, True], [True, False], []], [], [[True, True, False], [True]]]
#: single elements (zero degrees of freedom with correction=1) and equal values (std's sqrt at 0)
SPREAD = [[0.7, -1.3, 2.1], [], [0.5, 0.5], [1.6], [-2.2, 0.3, 1.1], [0.9, -0.4], [1.2, 2.4, -0.6, 0.1]]
#: values whose exponentials overflow float64 unless shifted, ties at the maximum; for logsumexp
#: also a list of -inf (a list masked the way users mask, whose exponentials sum to 0)
LARGE = [[1000.0, 999.0, 1000.0], [-1000.0, -999.5], [], [0.0, 1.0], [750.0], [-math.inf, -math.inf]]
#: softmax and log_softmax: large values, moderate ones and ties, an empty list and a single element
LARGE_NESTED = [[[1000.0, 999.0, 1000.0], [], [0.5, -1.0, 2.0]], [], [[-1000.0, -999.5], [1.5, 1.5], [0.3]]]
#: ties and zeros for argmax/argmin (the first index wins) and the logical reducers
TIE_VALUES = [[1.0, 2.0, 2.0, 0.0], [], [-1.0], [0.0, 0.0], [2.0, -1.0, 2.0]]
TIE_NESTED = [[[1.0, 0.0], [2.0], []], [], [[0.0, 2.0, 2.0], [0.0, -1.0]]]


def arr(tree: Any, dtype: Any = "float64") -> RaggedArray:
    return rg.array(tree, dtype=dtype)


def _reducer_examples(
    plain: Any,
    nested: Any,
    mask: Any = None,
    first: Any = None,
    second: Any = None,
    dtype: Any = "float64",
    whole: bool = False,
) -> Any:
    """Innermost lists of ``plain`` (axis=-1), then the columns of ``nested`` (axis=1, keepdims,
    through the scatter path) under ``mask``; ``whole``: also all of ``plain`` (axis=None, which
    has derivative rules of its own with missing values)."""

    def examples() -> list[Any]:
        e2: dict[str, Any] = {"axis": 1, "keepdims": True} | (second or {})
        if mask is not None:
            e2["where"] = arr(mask, "bool")
        return [
            ((arr(plain, dtype),), {"axis": -1, "keepdims": False} | (first or {})),
            ((arr(nested, dtype),), e2),
        ] + ([((arr(plain, dtype),), {"axis": None} | (first or {}))] if whole else [])

    return examples


def _nested_only(nested: Any, mask: Any, kwargs: Any = None, dtype: Any = "float64") -> Any:
    def examples() -> list[Any]:
        kw: dict[str, Any] = {"axis": 1, "keepdims": True} | (kwargs or {})
        if mask is not None:
            kw["where"] = arr(mask, "bool")
        return [((arr(nested, dtype),), kw)]

    return examples


def _along_examples(*cases: tuple[Any, dict[str, Any]]) -> Any:
    return lambda: [((arr(tree),), dict(kwargs)) for tree, kwargs in cases]


#: softmax and log_softmax: within the innermost lists, then along a ragged axis that is not the last
_ALONG = ((LARGE_NESTED, {"axis": -1}), (NESTED, {"axis": 1}))


def _logsumexp_examples() -> list[Any]:
    return [
        ((arr(PLAIN),), {"axis": -1, "keepdims": False, "where": arr(PLAIN_MASK, "bool")}),
        ((arr(LARGE),), {"axis": -1, "keepdims": True}),
    ]


EXAMPLES: dict[str, Any] = {
    "sum": _reducer_examples(PLAIN, NESTED, NESTED_MASK),
    "prod": _reducer_examples(ZEROS, ZEROS_NESTED, ZEROS_MASK),
    "mean": _reducer_examples(SPREAD, NESTED, NESTED_MASK),
    "var": _reducer_examples(
        SPREAD, NESTED, NESTED_MASK, {"correction": 1.0}, {"correction": 0.0}, whole=True
    ),
    "std": _reducer_examples(
        SPREAD, NESTED, NESTED_MASK, {"correction": 1.0}, {"correction": 0.0}, whole=True
    ),
    "max": _reducer_examples(TIED, TIED_NESTED, TIED_MASK),
    "min": _reducer_examples(TIED, TIED_NESTED, TIED_MASK),
    # not differentiated: one example each, at axis=1 of the nested ties (the scatter path)
    "argmax": _nested_only(TIE_NESTED, None, {"keepdims": True}),
    "argmin": _nested_only(TIE_NESTED, None, {"keepdims": False}, dtype="int64"),
    "any": _nested_only(TIE_NESTED, NESTED_MASK),
    "all": _nested_only(TIE_NESTED, NESTED_MASK, dtype="bool"),
    "count": _nested_only(TIE_NESTED, NESTED_MASK),
    "count_nonzero": _nested_only(TIE_NESTED, NESTED_MASK, dtype="int64"),
    "logsumexp": _logsumexp_examples,
    "softmax": _along_examples(*_ALONG),
    "log_softmax": _along_examples(*_ALONG),
    "cumulative_sum": _along_examples((PLAIN, {"axis": -1, "include_initial": True}), (NESTED, {"axis": 1})),
    "cumulative_prod": _along_examples(
        (ZEROS, {"axis": -1, "include_initial": True}), (ZEROS_NESTED, {"axis": 1})
    ),
}


# ---- the specs ---------------------------------------------------------------------------------
def _reducer(
    name: str,
    *,
    values: Any = FLOATS,
    where: bool = True,
    fill: Any = None,
    weighted: bool = False,
    awkward: bool = True,
    params: Any = None,
    **kw: Any,
) -> Spec:
    return Spec(
        inputs=reducer_inputs(
            values, where=where, distinct=kw.pop("distinct", False), params=params, arg=name.startswith("arg")
        ),
        awkward=_awkward(name, fill, weighted=weighted) if awkward else None,
        extra={"expected": _expected_reduction(name), "rtol": 1e-10, "atol": 1e-12} | kw.pop("extra", {}),
        **kw,
    )


def _zero_variance(x: RaggedArray, **kwargs: Any) -> Any:
    """Lists whose variance is below 1e-6 (spread below ~1e-3): std has a kink at 0."""
    return rg.less(rg.var(x, **kwargs), 1e-6)


CORRECTION = st.fixed_dictionaries({"correction": st.sampled_from((0.0, 1.0))})
NONDIFF = {"derivative": "raises", "smooth": False}

SPECS: dict[str, Spec] = {
    "sum": _reducer("sum", fill=0.0),
    "prod": _reducer("prod", values=FACTORS, fill=1.0),
    "mean": _reducer("mean", weighted=True),
    "var": _reducer("var", weighted=True, params=CORRECTION),
    # std of (nearly) equal values: sqrt's kink at 0, where central differences with a step of
    # 1e-6 stop being linear; its derivative there is taken to be 0 (the grad check still sees a
    # NaN leak through the guard, since the masked outputs are in the scalarisation with weight 0)
    "std": _reducer("std", weighted=True, params=CORRECTION, kink=_zero_variance),
    # distinct values: no ties, so no kinks for finite differences
    "max": _reducer("max", fill=-math.inf, distinct=True, smooth=False),
    "min": _reducer("min", fill=math.inf, distinct=True, smooth=False),
    "argmax": _reducer("argmax", values=TIES, where=False, **NONDIFF),
    "argmin": _reducer("argmin", values=TIES, where=False, **NONDIFF),
    "any": _reducer("any", values=TIES, fill=False, **NONDIFF),
    "all": _reducer("all", values=TIES, fill=True, **NONDIFF),
    "count": _reducer("count", values=TIES, **NONDIFF),
    "count_nonzero": _reducer("count_nonzero", values=TIES, fill=0, **NONDIFF),
    "logsumexp": _reducer("logsumexp", awkward=False),
    "softmax": Spec(
        inputs=along_inputs(), extra={"expected": _expected_along(_softmax)}, awkward=_softmax_awkward
    ),
    "log_softmax": Spec(inputs=along_inputs(), extra={"expected": _expected_along(_log_softmax)}),
    "cumulative_sum": Spec(
        inputs=along_inputs(none=False, initial=True),
        extra={"expected": _expected_cumulative(np.cumulative_sum)},
    ),
    "cumulative_prod": Spec(
        inputs=along_inputs(FACTORS, none=False, initial=True),
        extra={"expected": _expected_cumulative(np.cumulative_prod)},
    ),
}

SPECS = {
    name: dataclasses.replace(spec, extra=spec.extra | {"examples": EXAMPLES[name]})
    if name in EXAMPLES
    else spec
    for name, spec in SPECS.items()
}
