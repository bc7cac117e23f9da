"""Specs of the parity ops: NumPy's NaN reducers and ``ptp``, the activations, the histograms, and the
conversions in and out of raggrad (``to_dense``, ``map_values``, ``to_regular``, ``from_regular``,
``ravel``).

The NaN reducers are drawn as the plain reducers are (``reductions.reducer_inputs``: a random axis,
``keepdims``, a ``where=`` mask), with NaN put in about a quarter of the entries, so that lists of
NaN only and lists emptied by the mask both occur; the reference is NumPy's ``nan*`` function on
every group of values (``reductions.reduce_lists``), with raggrad's identities where NumPy raises
(an empty list; ``nanargmax`` of NaN only). NaN entries are constants for finite differences (a
shifted NaN stays NaN), so the derivative checks see that they get none. ``ptp`` is drawn like
``max``/``min``: distinct values, no kinks. awkward is the second oracle; where its NaN
conventions differ (``nanmax`` of NaN only is its identity) the counterpart fixes the result up,
and ``nanvar``/``nanstd`` have none (its one-pass formula cancels for close values).

Histograms are drawn on a grid of values away from the bin edges, with a fixed ``range``: counts
are then piecewise constant with no jump within a finite-difference step (zero derivative in the
values) and linear in the weights (``bincount`` always gets a static ``length=``, as it must under
``jax.jit``).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

import raggrad as rg
from raggrad._array import RaggedArray
from raggrad._registry import REGISTRY, Spec, attach_spec
from raggrad.testing import strategies as rst

from .._harness import NO_COUNTERPART, ragged, spread
from .reductions import (
    FLOATS,
    TIED,
    TIED_MASK,
    TIED_NESTED,
    _awkward,
    _depth,
    arr,
    reduce_lists,
    reducer_inputs,
)

NAN = math.nan
NONDIFF = {"derivative": "raises", "smooth": False}


# ---- NaN reducers ---------------------------------------------------------------------------------
def _nan_inputs(
    values: Any = FLOATS, *, where: bool = True, distinct: bool = False, params: Any = None, arg: bool = False
) -> Any:
    """The plain reducers' inputs with NaN in about a quarter of the float entries."""
    plain = reducer_inputs(values, where=where, distinct=distinct, params=params, arg=arg)

    def inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        (x,), kwargs = plain(draw)
        if np.dtype(x.dtype).kind == "f":
            holes = draw(
                rst.same_structure(x, dtype="bool", values=st.sampled_from([False, False, False, True]))
            )
            x = rg.where(holes, NAN, x)
        return (x,), kwargs

    return inputs


def _finite(v: np.ndarray) -> np.ndarray:
    return v[~np.isnan(v)] if v.dtype.kind == "f" else v


def _identity(kind: str, dtype: np.dtype) -> Any:
    if dtype.kind == "f":
        return -math.inf if kind == "max" else math.inf
    info = np.iinfo(dtype)
    return info.min if kind == "max" else info.max


def _nan_extremum(kind: str) -> Any:
    fn = np.nanmax if kind == "max" else np.nanmin

    def ref(v: np.ndarray, i: np.ndarray) -> Any:
        return fn(v) if len(v) else _identity(kind, v.dtype)  # NaN only: NaN (NumPy warns)

    return ref


def _nan_arg(kind: str) -> Any:
    fn = np.nanargmax if kind == "max" else np.nanargmin
    return lambda v, i: int(i[fn(v)]) if len(_finite(v)) else -1


REFERENCES: dict[str, Any] = {
    "nansum": lambda v, i: np.nansum(v),
    "nanprod": lambda v, i: np.nanprod(v),
    "nanmean": lambda v, i: np.nanmean(v) if len(v) else NAN,
    "nanvar": lambda v, i, correction=0.0: np.nanvar(v, ddof=correction) if len(v) else NAN,
    "nanstd": lambda v, i, correction=0.0: np.nanstd(v, ddof=correction) if len(v) else NAN,
    "nanmax": _nan_extremum("max"),
    "nanmin": _nan_extremum("min"),
    "nanargmax": _nan_arg("max"),
    "nanargmin": _nan_arg("min"),
    "ptp": lambda v, i: np.ptp(v) if len(v) else v.dtype.type(0),
}


def _expected_reduction(name: str) -> Any:
    ref = REFERENCES[name]

    def expected(args: list[Any], kwargs: dict[str, Any]) -> Any:
        kw = dict(kwargs)
        axis, keepdims, where = kw.pop("axis"), kw.pop("keepdims", False), kw.pop("where", None)
        arg = name.startswith("nanarg")
        return reduce_lists(args[0], lambda v, i: ref(v, i, **kw), axis, keepdims, where, arg=arg)

    return expected


def _nan_awkward(name: str) -> Any:
    """awkward's NaN reducer, ``where=`` emulated by NaN (a masked entry is then left out too)."""
    plain = _awkward(name, NAN)

    def counterpart(x: Any, axis: Any = None, **kwargs: Any) -> Any:
        import awkward as ak

        if axis is None and ak.count(x, axis=None) == 0:  # awkward's nanmean of nothing raises
            return NO_COUNTERPART
        return plain(x, axis=axis, **kwargs)

    return counterpart


def _nan_extremum_awkward(name: str) -> Any:
    """``ak.nanmax``/``ak.nanmin``, with NumPy's NaN for groups of NaN only (awkward: the identity)."""

    def counterpart(x: Any, axis: Any = None, keepdims: bool = False, where: Any = None) -> Any:
        import awkward as ak

        if where is not None or (axis is None and ak.count(x, axis=None) == 0):
            return NO_COUNTERPART  # masked and NaN entries would look alike; awkward fails on nothing
        out = getattr(ak, name)(x, axis=axis, keepdims=keepdims, mask_identity=False)
        nan = np.isnan(x)
        some_nan = ak.sum(nan, axis=axis, keepdims=keepdims) > 0
        only_nan = some_nan & (ak.sum(~nan, axis=axis, keepdims=keepdims) == 0)
        if axis is None and not keepdims:
            return NAN if only_nan else out
        # NaN where only NaN went in: out + sqrt(-1) there, out + sqrt(-0.0) elsewhere (ak.where
        # would turn a missing list into an empty one: [None] -> [[]])
        with np.errstate(invalid="ignore"):
            return out + np.sqrt(-ak.values_astype(only_nan, np.float64))

    return counterpart


def _nan_arg_awkward(name: str) -> Any:
    def counterpart(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        import awkward as ak

        if keepdims or axis is None:  # a group of NaN only: awkward's masked result; raggrad's -1
            return NO_COUNTERPART
        if axis % x.ndim == 0 and (_depth(x) >= 2 or x.ndim > _depth(x) + 1):
            # as for argmax: at axis=0, under two ragged levels or over regular inner dims, awkward
            # indexes a column that only later lists reach differently ([[], [[-1.0, -1.0]]] gives
            # [[0, 0]] in awkward, [[1, 1]] in raggrad and the nested-list reference)
            return NO_COUNTERPART
        return getattr(ak, name)(x, axis=axis, keepdims=False, mask_identity=False)

    return counterpart


def _ptp_awkward(x: Any, axis: Any = None, keepdims: bool = False, where: Any = None) -> Any:
    import awkward as ak

    if where is not None:  # (awkward's ptp takes no mask)
        return NO_COUNTERPART
    return ak.ptp(x, axis=axis, keepdims=keepdims, mask_identity=False)  # empty lists: 0


def _nan_reducer(name: str, *, values: Any = FLOATS, awkward: Any = None, **kw: Any) -> Spec:
    inputs = _nan_inputs(
        values,
        where=kw.pop("where", True),
        distinct=kw.pop("distinct", False),
        params=kw.pop("params", None),
        arg=name.startswith("nanarg"),
    )
    extra = {"expected": _expected_reduction(name), "rtol": 1e-10, "atol": 1e-12}
    return Spec(inputs=inputs, awkward=awkward, extra=extra, **kw)


def _nan_variance_kink(x: RaggedArray, **kwargs: Any) -> Any:
    """Groups whose variance is below 1e-6: the kink of ``sqrt`` at 0 (as ``std``'s spec)."""
    return rg.less(rg.nanvar(x, **kwargs), 1e-6)


CORRECTION = st.fixed_dictionaries({"correction": st.sampled_from((0.0, 1.0))})
NAN_TIES = st.sampled_from([-1.0, 0.0, 0.0, 1.0, 2.0])

SPECS: dict[str, Spec] = {
    "nansum": _nan_reducer("nansum", awkward=_nan_awkward("nansum")),
    "nanprod": _nan_reducer("nanprod", awkward=_nan_awkward("nanprod")),
    "nanmean": _nan_reducer("nanmean", awkward=_nan_awkward("nanmean")),
    # no awkward counterpart: ak.nanvar's one-pass formula (E[x^2] - E[x]^2) cancels for close
    # values (a group of equal ones: std 4e-8 or NaN instead of 0); np.nanvar is the oracle
    "nanvar": _nan_reducer("nanvar", params=CORRECTION),
    "nanstd": _nan_reducer("nanstd", params=CORRECTION, kink=_nan_variance_kink),
    "nanmax": _nan_reducer("nanmax", awkward=_nan_extremum_awkward("nanmax"), distinct=True, smooth=False),
    "nanmin": _nan_reducer("nanmin", awkward=_nan_extremum_awkward("nanmin"), distinct=True, smooth=False),
    "nanargmax": _nan_reducer(
        "nanargmax", values=NAN_TIES, where=False, awkward=_nan_arg_awkward("nanargmax"), **NONDIFF
    ),
    "nanargmin": _nan_reducer(
        "nanargmin", values=NAN_TIES, where=False, awkward=_nan_arg_awkward("nanargmin"), **NONDIFF
    ),
    "ptp": Spec(
        inputs=reducer_inputs(FLOATS, distinct=True),
        awkward=_ptp_awkward,
        extra={"expected": _expected_reduction("ptp"), "rtol": 1e-10, "atol": 1e-12},
        smooth=False,
    ),
}

#: NaN among several lists, an empty list, a list of NaN only, single elements
NAN_PLAIN = [[0.7, NAN, 2.1, -1.3], [], [NAN], [1.6], [-2.2, 0.3, NAN, 1.1], [0.4, -0.9]]
NAN_NESTED = [[[0.7, NAN], [2.1], []], [], [[NAN, -0.9, 1.6], [-2.2, NAN, 0.5]]]
#: over NAN_NESTED: at axis=1 a column keeps one number, another only NaN
NAN_MASK = [[[True, True], [False], []], [], [[True, True, False], [True, True, False]]]
#: pairs of tied maxima and minima among NaN
NAN_TIED = [[0.3, 1.2, NAN, 1.2, -0.5], [], [NAN], [-1.1, -1.1, 0.4], [2.0, -2.0]]
NAN_TIE_VALUES = [[1.0, NAN, 2.0, 2.0], [], [NAN, NAN], [0.0, 0.0], [NAN, -1.0, 2.0]]


def _two(plain: Any, nested: Any, mask: Any, first: Any = None, second: Any = None) -> Any:
    def examples() -> list[Any]:
        return [
            ((arr(plain),), {"axis": -1, "keepdims": False} | (first or {})),
            ((arr(nested),), {"axis": 1, "keepdims": True, "where": arr(mask, "bool")} | (second or {})),
        ]

    return examples


EXAMPLES: dict[str, Any] = {
    "nansum": _two(NAN_PLAIN, NAN_NESTED, NAN_MASK),
    "nanprod": _two(NAN_PLAIN, NAN_NESTED, NAN_MASK),
    "nanmean": _two(NAN_PLAIN, NAN_NESTED, NAN_MASK),
    "nanvar": _two(NAN_PLAIN, NAN_NESTED, NAN_MASK, {"correction": 1.0}),
    "nanstd": _two(NAN_PLAIN, NAN_NESTED, NAN_MASK, None, {"correction": 1.0}),
    "nanmax": _two(NAN_TIED, NAN_NESTED, NAN_MASK),
    "nanmin": _two(NAN_TIED, NAN_NESTED, NAN_MASK),
    "nanargmax": lambda: [((arr(NAN_TIE_VALUES),), {"axis": 1, "keepdims": True})],
    "nanargmin": lambda: [((arr(NAN_TIE_VALUES),), {"axis": -1, "keepdims": False})],
    "ptp": lambda: [
        ((arr(TIED),), {"axis": -1, "keepdims": False}),
        ((arr(TIED_NESTED),), {"axis": 1, "keepdims": True, "where": arr(TIED_MASK, "bool")}),
    ],
}


# ---- activations ----------------------------------------------------------------------------------
def _near_zero(x: Any) -> Any:
    return rg.less(rg.abs(x), 1e-3)


SPECS |= {
    # a wide domain: the stable forms must agree with float64 references far into the tails
    "sigmoid": Spec(reference=lambda v: 1 / (1 + np.exp(-v)), domain=(-30.0, 30.0)),
    "log_sigmoid": Spec(reference=lambda v: -np.logaddexp(0.0, -v), domain=(-30.0, 30.0)),
    "softplus": Spec(reference=lambda v: np.logaddexp(0.0, v), domain=(-30.0, 30.0)),
    "relu": Spec(reference=lambda v: np.maximum(v, 0.0), kink=_near_zero),
}


# ---- histograms -----------------------------------------------------------------------------------
#: bin centres and values outside the range (-2, 2) of four bins: never within a step of an edge
GRID = st.sampled_from([-2.5, -1.5, -1.25, -0.5, 0.25, 0.5, 1.5, 1.75, 2.5])
SPAN = (-2.0, 2.0)


def _grid_array(draw: Any, values: Any = GRID, dtype: str = "float64") -> RaggedArray:
    depth = draw(st.sampled_from((1, 2)))
    return draw(
        rst.ragged_arrays(
            depth=depth, dtype=dtype, values=values, max_outer=3, max_list_length=4, huge_length=8
        )
    )


def _axis_kwargs(draw: Any, x: RaggedArray) -> dict[str, Any]:
    return {"axis": draw(st.sampled_from((None, x._structure.nlevels, -1)))}


def _weights(draw: Any, x: RaggedArray, always: bool = False) -> tuple[Any, ...]:
    """``(w,)`` with ``x``'s structure, or ``()``: weights travel as a positional argument, which
    the derivative checkers differentiate (they differentiate positional ragged floats only)."""
    if always or draw(st.booleans()):
        return (draw(rst.same_structure(x, dtype="float64", values=FLOATS)),)
    return ()


def _histogram_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    x = _grid_array(draw)
    return (x, *_weights(draw, x)), {"bins": 4, "range": SPAN} | _axis_kwargs(draw, x)


def _histogram2d_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    x = _grid_array(draw)
    y = draw(rst.same_structure(x, values=GRID))
    return (x, y, *_weights(draw, x)), {"bins": (4, 2), "range": [SPAN, SPAN]}


def _bincount_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    # always weighted: with integers alone there is nothing to differentiate
    x = _grid_array(draw, st.integers(0, 6), "int64")
    kwargs = {"length": draw(st.sampled_from((4, 7)))} | _axis_kwargs(draw, x)
    return (x, *_weights(draw, x, always=True)), kwargs


def _per_list(arrays: list[Any], kwargs: dict[str, Any], fn: Any) -> Any:
    """``fn(*dense arrays)`` of the flattened values, or of every innermost list in the lists'
    nesting (``axis`` the innermost ragged axis)."""
    kwargs = dict(kwargs)
    per_list = kwargs.pop("axis", None) is not None
    if not per_list:
        return fn(*[np.ravel(np.asarray(a.values)) for a in arrays], **kwargs)
    levels = arrays[0]._structure.nlevels

    def walk(nodes: list[Any], depth: int) -> Any:
        if depth == levels - 1:
            return [
                fn(*[np.ravel(np.asarray(list(v), dtype=float)) for v in items], **kwargs)
                for items in zip(*nodes)
            ]
        return [walk(list(items), depth + 1) for items in zip(*nodes)]

    return walk([a.to_list() for a in arrays], 0)


def _histogram_expected(args: list[Any], kwargs: dict[str, Any]) -> Any:
    def fn(v: np.ndarray, w: np.ndarray | None = None, **kw: Any) -> Any:
        return np.histogram(v, weights=w, **kw)[0].tolist()

    return [_per_list(args, kwargs, fn), np.linspace(*SPAN, kwargs["bins"] + 1).tolist()]


def _histogram2d_expected(args: list[Any], kwargs: dict[str, Any]) -> Any:
    def fn(u: np.ndarray, v: np.ndarray, w: np.ndarray | None = None, **kw: Any) -> Any:
        return np.histogram2d(u, v, weights=w, **kw)[0].tolist()

    nx, ny = kwargs["bins"]
    return [
        _per_list(args, kwargs, fn),
        np.linspace(*SPAN, nx + 1).tolist(),
        np.linspace(*SPAN, ny + 1).tolist(),
    ]


def _bincount_expected(args: list[Any], kwargs: dict[str, Any]) -> Any:
    kwargs = dict(kwargs)
    length = kwargs.pop("length")

    def fn(v: np.ndarray, w: np.ndarray | None = None) -> Any:
        keep = v < length
        counts = np.bincount(v[keep].astype(np.int64), None if w is None else w[keep], minlength=length)
        return counts.tolist()

    return _per_list(args, kwargs, fn)


def _weighted(arity: int) -> Any:
    """``spec.extra["call"]``: the weights (keyword-only) after the ``arity`` coordinates."""

    def adapt(func: Any) -> Any:
        def call(*arrays: Any, **kwargs: Any) -> Any:
            weights = arrays[arity] if len(arrays) > arity else None
            return func(*arrays[:arity], weights=weights, **kwargs)

        return call

    return adapt


def _weighted_repro(name: str, arity: int) -> Any:
    def repro(names: list[str], kwargs: list[str]) -> str:
        w = [f"weights={names[arity]}"] if len(names) > arity else []
        return f"rg.{name}({', '.join([*names[:arity], *w, *kwargs])})"

    return repro


SPECS |= {
    "histogram": Spec(
        inputs=_histogram_inputs,
        extra={
            "expected": _histogram_expected,
            "call": _weighted(1),
            "repro": _weighted_repro("histogram", 1),
        },
    ),
    "histogram2d": Spec(
        inputs=_histogram2d_inputs,
        arity=2,
        extra={
            "expected": _histogram2d_expected,
            "call": _weighted(2),
            "repro": _weighted_repro("histogram2d", 2),
        },
    ),
    "bincount": Spec(inputs=_bincount_inputs, extra={"expected": _bincount_expected}),
}


def _histogram_examples() -> list[Any]:
    x = ragged(np.array([-1.5, 0.5, 2.5, 0.25, -0.5, 1.75, -1.25, 1.5, -2.5]))
    w = ragged(spread("float64", -3.0, 3.0, 9))
    return [((x, w), {"bins": 4, "range": SPAN}), ((x,), {"bins": 4, "range": SPAN, "axis": 1})]


def _histogram2d_examples() -> list[Any]:
    x = ragged(np.array([-1.5, 0.5, 2.5, 0.25, -0.5, 1.75, -1.25, 1.5, -2.5]))
    y = ragged(np.array([0.5, -1.5, 1.5, 1.75, -0.5, -2.5, 0.25, -1.25, 1.5]))
    w = ragged(spread("float64", -3.0, 3.0, 9))
    return [((x, y, w), {"bins": (4, 2), "range": [SPAN, SPAN]})]


def _bincount_examples() -> list[Any]:
    x = ragged(np.array([0, 3, 3, 1, 5, 2, 0, 6, 2]))
    w = ragged(spread("float64", -3.0, 3.0, 9))
    return [((x, w), {"length": 7}), ((x, w), {"length": 4, "axis": -1})]


EXAMPLES |= {
    "histogram": _histogram_examples,
    "histogram2d": _histogram2d_examples,
    "bincount": _bincount_examples,
}


# ---- conversions ----------------------------------------------------------------------------------
def _poly(c: Any) -> Any:
    """An elementwise function every backend's arrays compute with operators alone."""
    return c * c - 0.5 * c


def _dense_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    inner = draw(st.sampled_from(((), (2,), (2, 3))))
    x = draw(rst.ragged_arrays(depth=0, values=FLOATS, inner_shape=inner, max_outer=4))
    return (x,), {}


def _uniform_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Arrays whose innermost lists all have one length (and an axis naming them, or None)."""
    n, length = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    inner = draw(st.sampled_from(((), (2,))))
    count = n * length
    size = count * math.prod(inner)
    content = np.asarray(draw(st.lists(FLOATS, min_size=size, max_size=size)), dtype=np.float64)
    x: Any = rg.from_lengths(np.full(n, length), content.reshape(count, *inner))
    if draw(st.booleans()):  # an outer level of any lengths
        split = sorted(draw(st.lists(st.integers(0, n), min_size=1, max_size=2)))
        x = rg.from_lengths(np.diff([0, *split, n]), x)
    axis = draw(st.sampled_from((None, x._structure.nlevels, x._structure.nlevels - x.ndim)))
    if axis is None and x._structure.nlevels == 2:
        axis = x._structure.nlevels  # axis=None needs every level uniform
    return (x,), {"axis": axis}


def _regular_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    depth = draw(st.sampled_from((0, 1)))
    inner = draw(st.sampled_from(((2,), (3, 2))))
    x = draw(
        rst.ragged_arrays(
            depth=depth, values=FLOATS, inner_shape=inner, max_outer=3, max_list_length=3, huge_length=6
        )
    )
    axis = draw(st.sampled_from((None, depth + 1, depth + len(inner))))
    return (x,), {"axis": axis}


def _ravel_inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    depth = draw(st.sampled_from((0, 1, 2)))
    inner = draw(st.sampled_from(((), (2,))))
    x = draw(
        rst.ragged_arrays(
            depth=depth, values=FLOATS, inner_shape=inner, max_outer=3, max_list_length=3, huge_length=6
        )
    )
    return (x,), {}


def _same_lists(args: list[Any], kwargs: dict[str, Any]) -> Any:
    return args[0].to_list()


def _leaves(tree: Any) -> list[Any]:
    return [v for t in tree for v in _leaves(t)] if isinstance(tree, list) else [tree]


def _awkward_axis(fn_name: str) -> Any:
    def counterpart(x: Any, axis: Any = 1) -> Any:
        import awkward as ak

        if axis is None:  # awkward's axis=None converts every dimension; raggrad's too, one at a time
            return NO_COUNTERPART
        return getattr(ak, fn_name)(x, axis=axis)

    return counterpart


def _ravel_awkward(x: Any) -> Any:
    import awkward as ak

    return ak.ravel(x)


def _dense_examples() -> list[Any]:
    return [((rg.array(spread("float64", -3.0, 3.0, 12).reshape(4, 3)),), {})]


def _uniform_examples() -> list[Any]:
    # lists of one length cannot include an empty one among others, which the first canonical
    # example must have: it is a dimension that is already regular (left as it is), the second
    # the conversion itself
    x = rg.from_lengths([2, 2, 2, 2], spread("float64", -3.0, 3.0, 16).reshape(8, 2))
    return [
        ((ragged(spread("float64", -3.0, 3.0, 9)),), {"axis": 0}),
        ((rg.from_lengths([3, 0, 1], x),), {"axis": 2}),
    ]


def _regular_examples() -> list[Any]:
    x = rg.from_lengths([2, 0, 1, 3], spread("float64", -3.0, 3.0, 12).reshape(6, 2))
    return [((x,), {"axis": 2})]


SPECS |= {
    "to_dense": Spec(inputs=_dense_inputs, extra={"expected": _same_lists}),
    "map_values": Spec(
        reference=lambda v: _poly(v),
        extra={
            "call": lambda func: lambda x: func(_poly, x),
            "repro": lambda names, kw: f"rg.map_values(lambda c: c * c - 0.5 * c, {names[0]})",
        },
    ),
    "to_regular": Spec(
        inputs=_uniform_inputs, extra={"expected": _same_lists}, awkward=_awkward_axis("to_regular")
    ),
    "from_regular": Spec(
        inputs=_regular_inputs,
        extra={"expected": _same_lists, "awkward_types": False},
        awkward=_awkward_axis("from_regular"),
    ),
    "ravel": Spec(
        inputs=_ravel_inputs,
        extra={"expected": lambda args, kwargs: _leaves(args[0].to_list())},
        awkward=_ravel_awkward,
    ),
}
EXAMPLES |= {
    "to_dense": _dense_examples,
    "to_regular": _uniform_examples,
    "from_regular": _regular_examples,
    "ravel": lambda: [
        ((rg.from_lengths([2, 0, 3], rg.from_lengths([1, 2, 0, 3, 1], spread("float64", -3.0, 3.0, 7))),), {})
    ],
}

SPECS = {
    name: dataclasses.replace(spec, extra=spec.extra | {"examples": EXAMPLES[name]})
    if name in EXAMPLES
    else spec
    for name, spec in SPECS.items()
}

# attached here, after the other families' specs (``specs/__init__.py`` imports this module last),
# so that these replace the exemption the structure specs give every "conversion" op
for _name, _spec in SPECS.items():
    if _name in REGISTRY:
        attach_spec(_name, _spec)
