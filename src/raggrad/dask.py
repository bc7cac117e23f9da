"""raggrad on dask: one function, debugged on one chunk, run on every partition of a dataset.

``rg.dask.from_awkward`` turns a dask-awkward array (``uproot.dask``, ``dak.from_parquet``,
``dak.from_awkward``, ``dak.from_map``) into a lazy :class:`Collection` of raggrad partitions:
each partition becomes a *bounded* array on its worker, with capacities in buckets, so a worker
compiles one program per bucket (a handful), not one per partition.
``rg.dask.map_partitions`` runs a function on every partition; ``rg.dask.value_and_grad`` gives
the value and gradient of a loss whose per-partition results are **sums**, computed on the
workers and summed there by a tree reduction.

With ``finalize`` (``finalize(totals) -> scalar``, e.g. a significance from a total histogram)
the gradient is the chain rule done right, in one task graph of two passes:

1. every partition computes ``loss(params, partition)``; the totals are their sum;
2. one task computes ``finalize(totals)`` and its gradient ``ct`` with respect to the totals;
3. every partition computes the vector-Jacobian product ``ct · d loss(params, partition)/d params``;
   the gradient is their sum.

The partition data is read once: dask keeps each partition in its worker's memory from the first
pass to the second (and spills it to disk under memory pressure). The cost is two forward passes
and one backward pass per partition, against one forward and one backward without ``finalize``.

Results equal ``jax.value_and_grad`` of the same computation on the concatenated data in one
process up to the order of summation: sums over partitions are added in a fixed order (the same
on every run, wherever the tasks ran), in the dtype the partitions return.

Every function here runs on the scheduler in effect: ``dask.config.set(scheduler="sync")`` for
debugging, the threaded scheduler by default, a ``distributed.Client`` when one is active.

This module needs the ``dask`` extra (``pip install 'raggrad[dask]'``: ``dask[distributed]``,
``dask-awkward``); ``import raggrad`` alone does not import dask.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import dask
import dask.threaded
import numpy as np
from dask.base import DaskMethodsMixin, tokenize
from dask.core import flatten
from dask.delayed import Delayed
from dask.highlevelgraph import HighLevelGraph

from . import _backends
from ._array import RaggedArray
from ._connect.awkward import from_awkward as _from_awkward
from ._events import EventArray
from ._ops.bounded import is_bounded, with_capacity
from ._ops.construction import to_backend
from ._records import RecordArray

__all__ = ["Collection", "ValueAndGrad", "compilations", "from_awkward", "map_partitions", "value_and_grad"]


def _transforms() -> Any:
    """JAX's transformations, through the jax backend (only ``_backends`` imports jax)."""
    return cast(Any, _backends.get_backend("jax")).transforms  # the jax backend's own attribute


def _x64() -> bool:
    """Whether JAX computes in 64 bits in this thread (``with jax.enable_x64(True):``)."""
    return cast(bool, np.dtype(_backends.get_backend("jax").default_float()) == np.float64)


def _precision(x64: bool | None) -> Any:
    """The caller's JAX precision for one task: JAX's x64 mode is per thread and per process, so a
    task on a worker (or on a thread of the local scheduler) would not see it otherwise."""
    return contextlib.nullcontext() if x64 is None else _transforms().enable_x64(x64)


# ---- the collection ---------------------------------------------------------------------------
def _cull(dsk: Any, keys: Any, **kwargs: Any) -> Any:
    return dsk.cull(set(flatten(keys))) if isinstance(dsk, HighLevelGraph) else dsk


def _as_list(results: Any) -> list[Any]:
    return list(results)


class Collection(DaskMethodsMixin):
    """A lazy sequence of partitions (raggrad arrays, or what ``map_partitions`` made of them).

    A dask collection: ``c.compute()`` gives the list of partitions, ``c.persist()`` keeps them in
    the cluster's memory, ``dask.compute``, ``dask.visualize`` and ``distributed.progress``
    accept it. ``c.partition(i)`` is partition ``i`` alone as a ``dask.delayed`` object, to debug a
    function on one chunk before running it on all.
    """

    def __init__(self, graph: Any, name: str, npartitions: int) -> None:
        self.dask = graph
        self.name = name
        self.npartitions = npartitions

    def __dask_graph__(self) -> Any:
        return self.dask

    def __dask_keys__(self) -> list[tuple[str, int]]:
        return [(self.name, i) for i in range(self.npartitions)]

    def __dask_layers__(self) -> tuple[str, ...]:
        return (self.name,)

    def __dask_tokenize__(self) -> str:
        return self.name

    __dask_scheduler__ = staticmethod(dask.threaded.get)
    __dask_optimize__ = staticmethod(_cull)

    def __dask_postcompute__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return _as_list, ()

    def __dask_postpersist__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return self._rebuild, ()

    def _rebuild(self, dsk: Any, *, rename: dict[str, str] | None = None) -> Collection:
        name = rename.get(self.name, self.name) if rename else self.name
        return Collection(dsk, name, self.npartitions)

    def partition(self, i: int) -> Delayed:
        """Partition ``i`` as a ``dask.delayed`` object (``.compute()`` gives the array)."""
        if not -self.npartitions <= i < self.npartitions:
            msg = f"Collection.partition: i={i} is out of range for {self.npartitions} partitions"
            raise IndexError(msg)
        return Delayed((self.name, i % self.npartitions), self.dask, layer=self.name)

    def to_delayed(self) -> list[Delayed]:
        """One ``dask.delayed`` object per partition."""
        return [self.partition(i) for i in range(self.npartitions)]

    def __repr__(self) -> str:
        return f"rg.dask.Collection<{self.name}, npartitions={self.npartitions}>"


@dataclass(frozen=True)
class _Load:
    """How a partition becomes a raggrad array on its worker."""

    lists: Any
    elements: Any
    backend: str
    x64: bool | None


def _load(part: Any, index: int, total: int, spec: _Load) -> Any:
    try:
        with _precision(spec.x64):
            x = with_capacity(_from_awkward(part), lists=spec.lists, elements=spec.elements)
            return to_backend(x, spec.backend)
    except (TypeError, ValueError) as exc:
        exc.add_note(f"rg.dask.from_awkward: in partition {index} of {total} ({len(part)} entries)")
        raise


def from_awkward(
    array: Any, /, *, lists: Any = None, elements: Any = None, backend: str = "numpy"
) -> Collection:
    """A lazy collection of bounded raggrad arrays, one per partition of a dask-awkward array.

    Each partition is converted on its worker (``rg.from_awkward``: a RaggedArray, or a
    RecordArray for records) and bounded (``rg.with_capacity(x, lists=lists, elements=elements)``:
    ``None`` picks the power-of-two bucket), so partitions of similar sizes share capacities and a
    jitted function compiles once per bucket.

    ``backend`` is where the arrays live. The default, ``"numpy"``, keeps them on the host as
    awkward gives them: a jitted function (every ``rg.dask.value_and_grad`` program) moves them to
    its device with the precision of its caller, and they travel between workers unchanged.
    ``"jax"`` converts them when they are read, with the precision in effect here (float64 inside
    ``with jax.enable_x64(True):``); a JAX array that travels to another worker takes that
    worker's precision, float32 unless x64 is enabled there.

    Select the fields you need first (``events.Muon[["pt", "eta"]]``): dask-awkward then reads
    only those columns. A partition whose structure is bad (offsets out of order, out of range)
    raises ``ValueError`` with a note naming the partition.

    >>> import awkward as ak, dask_awkward as dak, raggrad as rg, raggrad.dask
    >>> lists = dak.from_awkward(ak.Array([[1.0, 2.0], [], [3.0], [4.0, 5.0]]), npartitions=2)
    >>> c = rg.dask.from_awkward(lists)
    >>> [(p.to_list(), rg.capacity(p).lists) for p in c.compute(scheduler="sync")]
    [([[1.0, 2.0], []], (16,)), ([[3.0], [4.0, 5.0]], (16,))]
    """
    dak = sys.modules.get("dask_awkward")
    if dak is None or not isinstance(array, dak.Array):
        msg = (
            f"rg.dask.from_awkward: expected a dask-awkward array, not {type(array).__name__}; "
            "for an awkward Array in memory use dak.from_awkward(array, npartitions=...) first"
        )
        raise TypeError(msg)
    parts = array.to_delayed(optimize_graph=True)  # column projection: read only the fields used
    if not parts:
        msg = "rg.dask.from_awkward: the array has no partitions"
        raise ValueError(msg)
    x64 = _x64() if backend == "jax" else None
    spec = _Load(lists, elements, backend, x64)
    name = "rg-from-awkward-" + tokenize(array.name, lists, elements, backend, x64)
    n = len(parts)
    layer: dict[Any, Any] = {(name, i): (_load, p.key, i, n, spec) for i, p in enumerate(parts)}
    return Collection(HighLevelGraph.from_collections(name, layer, dependencies=parts[:1]), name, n)


# ---- running functions on partitions ----------------------------------------------------------
@dataclass(frozen=True)
class _Slot:
    """Where the partition of the ``k``-th collection goes among a function's arguments."""

    k: int


@dataclass(frozen=True)
class _Static:
    """A function's arguments other than partitions (and what to run): one key in the graph, so
    each worker receives them once, not once per task."""

    run: Any
    args: tuple[Any, ...]
    x64: bool | None  # the caller's JAX precision (None: jax not in use)


def _split_args(args: Sequence[Any], name: str) -> tuple[list[Collection], tuple[Any, ...]]:
    colls = [a for a in args if isinstance(a, Collection)]
    if not colls:
        msg = f"{name}: no argument is an rg.dask.Collection (make one with rg.dask.from_awkward)"
        raise TypeError(msg)
    sizes = {c.npartitions for c in colls}
    if len(sizes) > 1:
        msg = f"{name}: the collections have different numbers of partitions: {sorted(sizes)}"
        raise ValueError(msg)
    slots, k = [], 0
    for a in args:
        if isinstance(a, Collection):
            slots.append(_Slot(k))
            k += 1
        else:
            slots.append(a)
    return colls, tuple(slots)


def _fill(static: _Static, parts: Sequence[Any]) -> list[Any]:
    """The arguments of one task, after checking that the collections' partitions line up (the
    same number of partitions can still split the events at other places)."""
    lengths = [len(p) for p in parts if isinstance(p, RaggedArray | RecordArray | EventArray)]
    if len(set(lengths)) > 1:
        msg = (
            f"rg.dask: the collections' partitions hold different numbers of events here: {lengths}; "
            "make the collections from one dask-awkward array (or arrays with the same divisions)"
        )
        raise ValueError(msg)
    return [parts[a.k] if isinstance(a, _Slot) else a for a in static.args]


def _graph(
    name: str, static: _Static, colls: list[Collection], task: Callable[..., Any]
) -> tuple[dict[Any, Any], str]:
    """A layer with the static key and one ``task(static, parts, i, n)`` per partition."""
    skey = f"{name}-static"
    n = colls[0].npartitions
    layer: dict[Any, Any] = {skey: static}
    for i in range(n):
        layer[(name, i)] = (task, skey, [(c.name, i) for c in colls], i, n)
    return layer, skey


def _caller_x64() -> bool | None:
    return _x64() if sys.modules.get("jax") is not None else None


def _apply(static: _Static, parts: list[Any], i: int, n: int) -> Any:
    try:
        with _precision(static.x64):
            return static.run(*_fill(static, parts))
    except Exception as exc:
        exc.add_note(f"rg.dask.map_partitions: in partition {i} of {n}")
        raise


def map_partitions(fn: Callable[..., Any], collection: Collection, /, *args: Any) -> Collection:
    """``fn(partition, *args)`` on every partition, on the workers; the results stay lazy.

    Arguments that are collections (with as many partitions) are passed partition by partition,
    the others as they are, to every call. ``fn`` runs as given: pass ``jax.jit(fn)`` to compile
    it (once per capacity bucket, since the partitions are bounded).

    >>> import awkward as ak, dask_awkward as dak, raggrad as rg, raggrad.dask
    >>> c = rg.dask.from_awkward(dak.from_awkward(ak.Array([[1.0, 2.0], [], [3.0]]), 2))
    >>> sums = rg.dask.map_partitions(lambda x, k: k * rg.sum(x, axis=1), c, 10.0)
    >>> [s.to_list() for s in sums.compute(scheduler="sync")]
    [[30.0, 0.0], [30.0]]
    """
    colls, slots = _split_args((collection, *args), "rg.dask.map_partitions")
    name = "rg-map-partitions-" + uuid.uuid4().hex
    layer, _ = _graph(name, _Static(fn, slots, _caller_x64()), colls, _apply)
    graph = HighLevelGraph.from_collections(name, layer, dependencies=cast(list[Any], colls))
    return Collection(graph, name, colls[0].npartitions)


# ---- programs on the workers: compiled once per bucket, counted ---------------------------------
_LOCK = threading.Lock()
_TRACES = [0]
_PROGRAMS: dict[tuple[str, str], Callable[..., Any]] = {}
_MAX_PROGRAMS = 64


def compilations() -> int:
    """How many programs ``rg.dask.value_and_grad`` has traced (and so compiled) in this process.

    A worker compiles one program per capacity bucket and pass; ``client.run(rg.dask.compilations)``
    gives the count of every worker of a cluster.
    """
    return _TRACES[0]


@dataclass(frozen=True)
class _Spec:
    """What a value-and-gradient task runs; ``token`` names its programs in the worker's cache."""

    token: str
    loss: Callable[..., Any]
    argnums: int | tuple[int, ...]
    finalize: Callable[..., Any] | None


def _counted(loss: Callable[..., Any]) -> Callable[..., Any]:
    def traced(*args: Any) -> Any:
        with _LOCK:  # runs once per trace: jit calls the Python function only to trace it
            _TRACES[0] += 1
        out = loss(*args)
        _refuse_per_event(out, args)
        return out

    return traced


def _held(v: Any) -> bool:
    return isinstance(v, RaggedArray | RecordArray)


def _refuse_per_event(out: Any, args: Sequence[Any]) -> None:
    """Refuse a result whose outer dimension is the events of a partition (``w * x``,
    ``rg.sum(v, axis=1)``: their outer count is the input's own leaf). The partitions' results are
    summed, and event i of one partition is not event i of the next; where two partitions have
    equal lists, nothing in the sum would tell."""
    t = _transforms()
    events = [a._structure.count for a in t.tree_leaves(list(args), _held) if _held(a) and is_bounded(a)]
    for leaf in t.tree_leaves(out, _held):
        if _held(leaf) and is_bounded(leaf) and any(leaf._structure.count is c for c in events):
            msg = (
                "rg.dask.value_and_grad: the function returned per-event values (one item per event "
                "of the partition); the partitions' results are summed, and event i of one partition "
                "is not event i of the next. Return totals (rg.sum(v), a histogram) and combine them "
                "in finalize=; per-event values come from rg.dask.map_partitions"
            )
            raise ValueError(msg)


def _pullback(loss: Callable[..., Any], argnums: int | tuple[int, ...], ct: Any, *args: Any) -> Any:
    """``ct · d loss(*args) / d args[argnums]``: one vector-Jacobian product."""
    nums = (argnums,) if isinstance(argnums, int) else argnums

    def of_diff(*diff: Any) -> Any:
        full = list(args)
        for i, d in zip(nums, diff, strict=True):
            full[i] = d
        return loss(*full)

    _, pull = _transforms().vjp(of_diff, *(args[i] for i in nums))[:2]
    grads = pull(ct)
    return grads[0] if isinstance(argnums, int) else grads


def _program(spec: _Spec, kind: str) -> Callable[..., Any]:
    """The jitted program of ``kind`` for ``spec``, made once per worker and reused by every task
    (a task's ``loss`` is unpickled anew, so jax's own cache, keyed by the function, would miss)."""
    key = (spec.token, kind)
    with _LOCK:
        program = _PROGRAMS.get(key)
        if program is not None:
            return program
    t = _transforms()
    loss = _counted(spec.loss)
    if kind == "value":
        program = t.jit(loss)
    elif kind == "value_and_grad":
        program = t.jit(t.value_and_grad(loss, spec.argnums))
    else:
        program = t.jit(functools.partial(_pullback, loss, spec.argnums))
    with _LOCK:
        while len(_PROGRAMS) >= _MAX_PROGRAMS:
            _PROGRAMS.pop(next(iter(_PROGRAMS)))
        return _PROGRAMS.setdefault(key, program)


def _to_host(tree: Any) -> Any:
    jax = _backends.get_backend("jax")
    return _transforms().tree_map(lambda leaf: np.asarray(leaf) if jax.owns(leaf) else leaf, tree)


def _host(tree: Any) -> Any:
    """A result as NumPy arrays: light to send between workers, and summed on the host."""
    return _transforms().tree_map(np.asarray, tree)


def _run(static: _Static, parts: list[Any], i: int, n: int, kind: str, *extra: Any) -> Any:
    try:
        with _precision(static.x64):
            return _host(_program(static.run, kind)(*extra, *_fill(static, parts)))
    except Exception as exc:
        exc.add_note(f"rg.dask.value_and_grad: in partition {i} of {n}")
        if kind == "value_and_grad" and isinstance(exc, TypeError):
            exc.add_note(
                "without finalize=, loss must return one scalar per partition (its sum); for a "
                "pytree of sums (a histogram, a count) give finalize=, which makes the scalar"
            )
        raise


def _value_and_grad_task(static: _Static, parts: list[Any], i: int, n: int) -> Any:
    return _run(static, parts, i, n, "value_and_grad")


def _value_task(static: _Static, parts: list[Any], i: int, n: int) -> Any:
    return _run(static, parts, i, n, "value")


def _pullback_task(static: _Static, parts: list[Any], final: Any, i: int, n: int) -> Any:
    return _run(static, parts, i, n, "vjp", final[1])


def _sum_trees(trees: list[Any]) -> Any:
    """The leafwise sum of ``trees``, in their order (so the same on every run)."""
    return _transforms().tree_add(trees)


def _tree_sum(layer: dict[Any, Any], name: str, keys: list[Any], split_every: int) -> Any:
    """Tasks that sum the results under ``keys``, ``split_every`` at a time; the last one's key."""
    level = 0
    while len(keys) > 1:
        keys = [
            _put(layer, (name, level, j // split_every), (_sum_trees, keys[j : j + split_every]))
            for j in range(0, len(keys), split_every)
        ]
        level += 1
    return keys[0]


def _put(layer: dict[Any, Any], key: Any, task: Any) -> Any:
    layer[key] = task
    return key


def _finalize_task(static: _Static, totals: Any) -> tuple[Any, Any]:
    """``finalize(totals)`` and its gradient with respect to the totals (the cotangent)."""
    with _precision(static.x64):
        _check_scalar(static.run.finalize(totals), "finalize")  # the totals are small: cheap
        value, ct = _transforms().value_and_grad(static.run.finalize)(totals)
    return np.asarray(value), _host(ct)


def _check_scalar(value: Any, what: str) -> None:
    if np.ndim(value) != 0:
        msg = f"rg.dask.value_and_grad: {what} must return a scalar, not an array of shape {np.shape(value)}"
        raise TypeError(msg)


def _pair(final: tuple[Any, Any], grad: Any) -> tuple[Any, Any]:
    return final[0], grad


class ValueAndGrad:
    """The function ``rg.dask.value_and_grad`` returns: ``f(*args) -> (value, grad)``.

    ``f(params, collection)`` computes on the scheduler in effect and returns JAX arrays;
    ``f.lazy(params, collection)`` is the same computation as a ``dask.delayed`` object (its
    result holds NumPy arrays), for ``client.compute`` and ``distributed.progress``.
    """

    def __init__(
        self,
        loss: Callable[..., Any],
        argnums: int | Sequence[int],
        finalize: Callable[[Any], Any] | None,
        split_every: int,
    ) -> None:
        if not callable(loss) or (finalize is not None and not callable(finalize)):
            msg = "rg.dask.value_and_grad: loss and finalize must be functions"
            raise TypeError(msg)
        if isinstance(split_every, bool) or not isinstance(split_every, int) or split_every < 2:
            msg = f"rg.dask.value_and_grad: split_every={split_every!r} must be an int of at least 2"
            raise ValueError(msg)
        self.loss = loss
        self.argnums = argnums if isinstance(argnums, int) else tuple(argnums)
        self.finalize = finalize
        self.split_every = split_every
        self._token = uuid.uuid4().hex  # the workers' programs, reused across calls of this function

    def _argnums(self, args: Sequence[Any]) -> int | tuple[int, ...]:
        nums = (self.argnums,) if isinstance(self.argnums, int) else self.argnums
        out = []
        for i in nums:
            if isinstance(i, bool) or not isinstance(i, int) or not -len(args) <= i < len(args):
                msg = (
                    f"rg.dask.value_and_grad: argnums={self.argnums!r} names argument {i!r}, but "
                    f"the function got {len(args)} arguments"
                )
                raise ValueError(msg)
            if isinstance(args[i], Collection):
                msg = (
                    f"rg.dask.value_and_grad: argnums={self.argnums!r} names argument {i}, a "
                    "collection; differentiate with respect to parameters, not the data"
                )
                raise TypeError(msg)
            out.append(i % len(args))
        return out[0] if isinstance(self.argnums, int) else tuple(out)

    def lazy(self, *args: Any) -> Delayed:
        """``(value, grad)`` as a ``dask.delayed`` object: nothing runs until it is computed."""
        name = "rg-value-and-grad-" + uuid.uuid4().hex
        colls, slots = _split_args(args, "rg.dask.value_and_grad")
        spec = _Spec(self._token, self.loss, self._argnums(args), self.finalize)
        # JAX arrays travel as NumPy arrays: unpickled on a worker, a JAX array would take that
        # worker's precision; the jitted programs turn them back with the caller's
        static = _Static(spec, tuple(a if isinstance(a, _Slot) else _to_host(a) for a in slots), _x64())
        n = colls[0].npartitions
        if self.finalize is None:
            layer, _ = _graph(name, static, colls, _value_and_grad_task)
            out = _tree_sum(layer, f"{name}-sum", [(name, i) for i in range(n)], self.split_every)
        else:
            layer, skey = _graph(name, static, colls, _value_task)
            totals = _tree_sum(layer, f"{name}-totals", [(name, i) for i in range(n)], self.split_every)
            final = _put(layer, f"{name}-finalize", (_finalize_task, skey, totals))
            keys = []
            for i in range(n):
                parts = [(c.name, i) for c in colls]
                keys.append(_put(layer, (f"{name}-vjp", i), (_pullback_task, skey, parts, final, i, n)))
            grad = _tree_sum(layer, f"{name}-grad", keys, self.split_every)
            out = _put(layer, f"{name}-out", (_pair, final, grad))
        graph = HighLevelGraph.from_collections(name, layer, dependencies=cast(list[Any], colls))
        return Delayed(out, graph, layer=name)

    def __call__(self, *args: Any) -> tuple[Any, Any]:
        (result,) = dask.base.compute(self.lazy(*args))
        return cast(tuple[Any, Any], _transforms().to_device(result))


def value_and_grad(
    loss: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    *,
    finalize: Callable[[Any], Any] | None = None,
    split_every: int = 8,
) -> ValueAndGrad:
    """The value and gradient of a loss summed over partitions, computed on the cluster.

    Returns ``f(params, collection) -> (value, grad)``. ``loss(params, partition)`` returns a pytree
    of per-partition **sums** (histogram counts, a summed log-likelihood, a count); the totals are
    their sum over partitions, added on the workers ``split_every`` at a time. Without
    ``finalize``, ``loss`` returns a scalar and the value is the total. With ``finalize(totals)
    -> scalar`` the value is ``finalize(totals)`` and the gradient comes by the chain rule: the
    totals and their cotangent first, then one vector-Jacobian product per partition, summed (two
    passes over the data). ``argnums`` picks the arguments to differentiate, as in
    ``jax.value_and_grad``; any argument may be a collection (the partition goes there), none
    that is differentiated.

    A loss that is not a sum over partitions (a per-partition mean) gives a wrong answer: return
    the sum and the count, and divide in ``finalize``.

    >>> import awkward as ak, dask_awkward as dak, jax.numpy as jnp, raggrad as rg, raggrad.dask
    >>> data = rg.dask.from_awkward(dak.from_awkward(ak.Array([[1.0, 2.0], [], [3.0]]), 2))
    >>> f = rg.dask.value_and_grad(lambda w, x: rg.sum((w * x) ** 2))
    >>> value, grad = f(jnp.float32(2.0), data)
    >>> float(value), float(grad)
    (56.0, 56.0)
    """
    return ValueAndGrad(loss, argnums, finalize, split_every)
