"""Spec of ``getitem`` (``x[index]``), a conformance-only op: a few representative indices,
slices at each depth, negative steps, ``...``, a ragged boolean mask and ragged integer indices
from ``argsort``; the expected values index nested Python lists with awkward's semantics."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import raggrad as rg
from raggrad._array import RaggedArray
from raggrad._registry import Op, Spec
from raggrad.testing import strategies as rst

from .._harness import EXTRA_OPS, NO_COUNTERPART
from .reductions import NESTED, PLAIN, PLAIN_MASK, arr
from .structure import _array


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


def _getitem_examples() -> list[Any]:
    tied = arr([[0.3, 1.2, 1.2, -0.5], [], [0.7], [-1.1, -1.1, 0.4], [2.0, -2.0]])
    return [
        # x[argmax(x, keepdims=True)]: ties (the first index wins), an empty list stays empty
        ((tied,), {"index": rg.argmax(tied, axis=-1, keepdims=True)}),
        ((arr(NESTED),), {"index": (slice(None), slice(None, None, -1))}),
        ((arr(PLAIN),), {"index": arr(PLAIN_MASK, "bool")}),
    ]


EXTRA_OPS["getitem"] = Op(
    "getitem",
    "indexing",
    lambda x, index: x[index],
    spec=Spec(
        inputs=_getitem_inputs,
        awkward=_getitem_awkward,
        extra={
            "expected": lambda args, kw: _take(args[0].to_list(), kw["index"]),
            "repro": _getitem_repro,
            "examples": _getitem_examples,
        },
    ),
)
