"""High-energy physics helpers: NanoAOD-style ROOT files in chunks, and soft selections.

Reading (the ``hep`` extra: ``pip install 'raggrad[hep]'``; ``import raggrad`` imports no uproot):

- :func:`collections` turns the branches ``uproot`` reads (``tree.arrays([...])``, an awkward
  record) into raggrad arrays grouped the NanoAOD way: ``Muon_pt``, ``Muon_eta`` become the record
  ``"Muon"`` with fields ``pt``, ``eta``; the counter ``nMuon`` is checked against the lists;
  branches without a prefix (``genWeight``) stay arrays of their own.
- :func:`events` makes the same grouping one event record (:class:`raggrad.EventArray`):
  ``events.Muon.pt``, ``events.MET_pt``, ``events[mask]``.
- :func:`iterate` reads files in chunks of ``step_size`` entries and yields each as such an event
  record of **bounded** fields whose capacities are the same for every chunk, so a jitted function
  is compiled once for all chunks (``docs/user-guide/bounded.md``).

Soft selections, raggrad-native where a selection needs the lists (cuts on single objects are
``rg.sigmoid((x - threshold) / width)``, elementwise):

- :func:`at_least`: the probability that at least ``n`` objects of each list pass, when object ``i``
  passes with probability ``w_i`` (a soft per-object cut): "at least two muons" per event,
  differentiable in the weights.
- :func:`soft_histogram`: a binned kernel density estimate of ragged values with per-element
  weights (``relaxed.hist``'s construction, for flat arrays without weights), differentiable in
  the values, the weights and the bin edges; bounded padding never counts.
"""

from __future__ import annotations

import builtins
import difflib
import glob
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, cast

import numpy as np

from . import _backends
from ._array import RaggedArray
from ._axes import classify_axis
from ._bounded import bucket
from ._connect.awkward import from_awkward
from ._errors import OptionTypeError
from ._events import EventArray, from_event_fields
from ._ops.bounded import with_capacity
from ._ops.common import back, moved, new, single
from ._ops.construction import offsets, to_backend
from ._ops.creation import ones_like
from ._ops.cumulative import cumulative_prod
from ._ops.elementwise import where
from ._ops.histogram import logistic_cdf, scalar_bandwidth, soft_binned
from ._ops.manipulation import broadcast_arrays, flatten, flip, local_index
from ._ops.records import unzip
from ._ops.records import zip as _zip
from ._ops.reductions import prod
from ._ops.reductions import sum as rg_sum
from ._records import RecordArray
from ._registry import Spec, register

__all__ = ["at_least", "collections", "events", "iterate", "soft_histogram"]

_TESTED = "tests/test_physics_analysis.py and tests/test_uproot_io.py check it against awkward, NumPy and {}"
Chunk = dict[str, RaggedArray | RecordArray]
_TREES = ("TTree", "TNtuple", "TNtupleD", "ROOT::RNTuple")  # what uproot reads branches of
_IN_FILE = re.compile(r"(.+\.root(?:\.\d+)?):(.*)$", re.IGNORECASE)  # uproot's "file.root:tree"


# ---- reading NanoAOD-style trees ------------------------------------------------------------------
def _uproot() -> Any:
    try:
        import uproot  # in-function: uproot is optional (raggrad[hep]) and slow to import
    except ImportError as exc:
        msg = "rg.hep.iterate needs uproot: pip install 'raggrad[hep]'"
        raise ImportError(msg) from exc
    return uproot


def _split(branch: str) -> tuple[str, str] | None:
    """``("Muon", "pt")`` for ``"Muon_pt"``: NanoAOD's collection prefix; None without one."""
    prefix, sep, field = branch.partition("_")
    return (prefix, field) if sep and prefix and field else None


def _counts(x: RaggedArray, axis: int = 1) -> np.ndarray:
    return np.diff(np.asarray(offsets(x, axis)))


def _first_difference(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.flatnonzero(a != b)[0])


def _group(names: Sequence[str]) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Branches by collection (``{"Muon": {"pt": "Muon_pt"}}``) and the branches of no collection."""
    groups: dict[str, dict[str, str]] = {}
    alone: list[str] = []
    for name in names:
        parts = _split(name)
        if parts is None:
            alone.append(name)
        else:
            groups.setdefault(parts[0], {})[parts[1]] = name
    return groups, alone


@register("hep.collections", "creation", spec=Spec(exempt=_TESTED.format("uproot"), derivative="none"))
def collections(events: Any, /, *, where: str = "") -> Chunk:
    """NanoAOD branches (an awkward record, as ``tree.arrays([...])`` gives) as raggrad collections.

    Branches ``<Collection>_<field>`` become one :class:`raggrad.RecordArray` per collection
    (``"Muon"`` with fields ``pt``, ``eta``, ...), whose fields must have the same lists; a counter
    branch ``n<Collection>`` among them is checked against those lists and left out (read it under
    another name to keep it). Any other branch (``genWeight``, ``nJet`` without ``Jet_*``) is a
    RaggedArray of its own. Arrays stay on the host (NumPy), with awkward's dtypes. ``where`` is
    added to error messages (``iterate`` names the file and the entries).

    Fields of one collection with different lists (or lists of different depths), or a counter
    that disagrees with them (a corrupt ``nMuon``), raise ``ValueError`` naming the branches and the
    first entry that differs.

    >>> import awkward as ak, raggrad as rg
    >>> events = ak.Array({"nMuon": [2, 0], "Muon_pt": [[40.0, 30.0], []], "Muon_eta": [[0.1, -1.0], []],
    ...                    "genWeight": [1.0, 0.5]})
    >>> chunk = rg.hep.collections(events)
    >>> sorted(chunk), chunk["Muon"].type, chunk["genWeight"].to_list()
    (['Muon', 'genWeight'], '2 * var * {pt: float64, eta: float64}', [1.0, 0.5])
    """
    _check_events(events, "rg.hep.collections")
    at = f" ({where})" if where else ""
    groups, alone = _group(events.fields)
    out: Chunk = {}
    for coll, fields in groups.items():
        out[coll] = _collection(events, coll, fields, alone, at, "rg.hep.collections")
    for name in alone:
        out[name] = _branch(events, name, "rg.hep.collections")
    return out


def _branch(events: Any, name: str, fn: str) -> RaggedArray | RecordArray:
    x = from_awkward(events[name])
    if isinstance(x, EventArray):
        msg = (
            f"{fn}: branch {name!r} holds records whose fields have different lists; NanoAOD "
            "branches hold numbers"
        )
        raise TypeError(msg)
    return x


def _check_events(events: Any, fn: str) -> None:
    ak = sys.modules.get("awkward")
    if ak is None or not isinstance(events, ak.Array) or not events.fields:
        msg = (
            f"{fn}: expected an awkward record of branches (tree.arrays([...])), not {type(events).__name__}"
        )
        raise TypeError(msg)


def _item(a: np.ndarray, entry: int) -> Any:
    """Entry ``entry`` of ``a`` for a message, where there is one (zero events have none)."""
    return a[entry] if entry < len(a) else "no entry"


def _collection(
    events: Any, coll: str, fields: dict[str, str], alone: list[str], at: str, fn: str, start: int = 0
) -> RecordArray:
    """The branches ``fields`` of collection ``coll`` as one record, their lists and the counter
    ``n<coll>`` checked (and removed from ``alone``); errors count entries from ``start``."""
    if coll in alone:
        msg = f"{fn}: branch {coll!r} has the name of the collection {coll}_*{at}"
        raise ValueError(msg)
    arrays: dict[str, RaggedArray] = {}
    for field, branch in fields.items():
        if not isinstance(a := _branch(events, branch, fn), RaggedArray):
            msg = f"{fn}: branch {branch!r} holds records; NanoAOD branches hold numbers{at}"
            raise TypeError(msg)
        arrays[field] = a
    first_field = max(fields, key=lambda f: arrays[f]._structure.nlevels)  # (the order is the file's)
    first = arrays[first_field]
    depth = first._structure.nlevels
    for field, a in arrays.items():
        if a._structure.nlevels != depth and min(a._structure.nlevels, depth):
            types = [x.type.partition(" * ")[2] for x in (first, a)]
            msg = (
                f"{fn}: branches {fields[first_field]!r} and {fields[field]!r} of collection {coll!r} "
                f"have lists of different depths{at} ({types[0]} vs {types[1]}); the "
                "branches of one collection share its lists: read the other one on its own "
                "(rg.from_awkward)"
            )
            raise ValueError(msg)
    # a collection of lists: every field (every level) and the counter agree
    for k in range(1, depth + 1):
        want = _counts(first, k)
        for field, a in arrays.items():
            got = _counts(a, k) if a._structure.nlevels else None
            if got is None or len(got) != len(want) or not np.array_equal(got, want):
                entry = 0 if got is None else _first_difference(got, want)
                theirs = "one value" if got is None else _item(got, entry)
                msg = (
                    f"{fn}: branches {fields[first_field]!r} and {fields[field]!r} of collection "
                    f"{coll!r} have different lists{at}: in "
                    f"{f'entry {start + entry}' if k == 1 else f'list {entry} of axis {k}'}, "
                    f"{_item(want, entry)} vs {theirs}; the branches of one collection share its counter"
                )
                raise ValueError(msg)
    counter = f"n{coll}"
    if depth and counter in alone:
        want = _counts(first)
        alone.remove(counter)
        try:
            n = np.asarray(events[counter])
        except ValueError:  # awkward's, for missing values or lists
            msg = f"{fn}: counter {counter!r} is not one number per event{at} (it holds None or lists)"
            raise ValueError(msg) from None
        if n.shape != want.shape or not np.array_equal(n, want):
            entry = _first_difference(n, want) if n.shape == want.shape else 0
            said = f"{counter} = {n[entry]}" if n.shape == want.shape else f"{counter} has shape {n.shape}"
            msg = (
                f"{fn}: counter {counter!r} disagrees with the lists of {fields[first_field]!r}{at}: "
                f"in entry {start + entry}, {said} but {_item(want, entry)} values; the file is "
                "corrupt or the branches come from different trees"
            )
            raise ValueError(msg)
    try:
        record: RecordArray = _zip(arrays)
    except OptionTypeError:
        msg = (
            f"{fn}: the branches of collection {coll!r} hold missing values (None){at}, which a "
            "collection's shared lists cannot; fill or drop them (ak.fill_none, ak.drop_none) first, "
            "or read the branches one by one with rg.from_awkward"
        )
        raise OptionTypeError(msg) from None
    return record


@register("hep.events", "creation", spec=Spec(exempt=_TESTED.format("uproot"), derivative="none"))
def events(events: Any, /, *, where: str = "") -> EventArray:
    """NanoAOD branches (an awkward record, as ``tree.arrays([...])`` gives) as one event record.

    The branches ``<Collection>_<field>`` of a collection of lists become the record field
    ``<Collection>`` (``events.Muon``, fields ``pt``, ``eta``, ...), checked as
    :func:`collections` checks them: the fields share their lists and the counter ``n<Collection>``
    agrees with them (``ValueError`` naming the branches and the entry otherwise); the counter is
    left out (``rg.num(events.Muon, axis=1)`` gives it). Every other branch (``MET_pt``,
    ``genWeight``, ``HLT_IsoMu24``, a branch of lists without partners) stays a field of its own
    name, as it is in the file; so does a branch of deeper lists than its collection's
    (``Muon_cov``, a list per muon). Arrays stay on the host (NumPy), with awkward's dtypes.

    >>> import awkward as ak, raggrad as rg
    >>> tree = ak.Array({"nMuon": [2, 0], "Muon_pt": [[40.0, 15.0], []], "Muon_eta": [[0.1, -1.0], []],
    ...                  "MET_pt": [10.0, 20.0]})
    >>> events = rg.hep.events(tree)
    >>> events.type
    '2 * {Muon: var * {pt: float64, eta: float64}, MET_pt: float64}'
    >>> events.Muon[events.Muon.pt > 20].pt.to_list(), events.MET_pt.to_list()
    ([[40.0], []], [10.0, 20.0])
    """
    return _event_record(events, where, 0)


def _event_record(events: Any, where: str, start: int) -> EventArray:
    """:func:`events`, its errors counting entries from ``start`` (a chunk's start in its file)."""
    _check_events(events, "rg.hep.events")
    at = f" ({where})" if where else ""
    groups, alone = _group(events.fields)
    collections_ = {}
    for coll, fields in groups.items():  # per event (MET_pt, HLT_*, Muon_n): plain fields
        depth = min((events[v].ndim for v in fields.values() if events[v].ndim > 1), default=0)
        lists = {k: v for k, v in fields.items() if events[v].ndim == depth}  # deeper: fields of their own
        if lists:  # a collection: its branches of lists
            alone.extend(v for v in fields.values() if v not in lists.values())
            collections_[coll] = _collection(events, coll, lists, alone, at, "rg.hep.events", start)
        else:
            alone.extend(fields.values())
    out: dict[str, Any] = dict(collections_)
    for name in events.fields:  # the other branches in the file's order
        if name in alone:
            out[name] = from_awkward(events[name])
    return from_event_fields(out, "rg.hep.events")


def _paths(files: Any) -> list[tuple[str, str | None]]:
    """``(file, tree)`` per file: the tree of uproot's ``"file.root:tree"`` (else None), glob
    patterns (``"data/*.root"``) expanded, sorted, as ``uproot.iterate`` does."""
    listed = [files] if isinstance(files, str | os.PathLike) else files
    if not (
        isinstance(listed, Sequence) and listed and all(isinstance(f, str | os.PathLike) for f in listed)
    ):
        msg = f"rg.hep.iterate: files must be a path or a list of paths, not {files!r}"
        raise TypeError(msg)
    out: list[tuple[str, str | None]] = []
    for f in listed:
        match = _IN_FILE.match(f) if isinstance(f, str) else None
        path, tree = (match[1], match[2] or None) if match else (os.fspath(f), None)
        pattern = "://" not in path and not os.path.exists(path) and any(c in path for c in "*?[")
        if not (found := sorted(glob.glob(path)) if pattern else [path]):
            msg = f"rg.hep.iterate: no file matches the pattern {path!r}"
            raise FileNotFoundError(msg)
        out.extend((p, tree) for p in found)
    return out


def _open_tree(uproot: Any, path: str, tree: str) -> tuple[Any, Any]:
    file = uproot.open({path: None})  # the dict form: no "file.root:tree" left in the path to split
    kinds = {k.split(";")[0]: c for k, c in file.classnames().items()}
    if kinds.get(tree.split(";")[0]) in _TREES:
        return file, file[tree]
    trees = sorted(k for k, c in kinds.items() if c in _TREES)
    file.close()
    msg = f"rg.hep.iterate: {path} has no tree {tree!r}; it holds {trees} (pass tree= or 'file.root:tree')"
    raise ValueError(msg)


def _names(t: Any, branches: Sequence[str], path: str, tree: str) -> list[str]:
    """The branches to read: names as given, a collection name as all its ``<name>_*`` branches, and
    the counters (``nMuon``) of the collections."""
    keys = list(t.keys())
    have = set(keys)
    out: list[str] = []
    missing: list[str] = []
    for b in branches:
        members = [k for k in keys if k.startswith(f"{b}_")] if b not in have else [b]
        if not members:
            missing.append(b)
        out.extend(m for m in members if m not in out)
    if missing:
        hints = {m: difflib.get_close_matches(m, keys, n=3) for m in missing}
        said = "; ".join(f"{m!r} (did you mean {h}?)" if h else repr(m) for m, h in hints.items())
        msg = f"rg.hep.iterate: tree {tree!r} of {path} has no branch {said}"
        raise ValueError(msg)
    return out + [f"n{c}" for c in _group(out)[0] if f"n{c}" in have and f"n{c}" not in out]


def _given(capacities: Any) -> dict[str, int]:
    if not isinstance(capacities, Mapping):
        msg = f"rg.hep.iterate: capacities must be a mapping such as {{'Muon': 4096}}, not {capacities!r}"
        raise TypeError(msg)
    for name, c in capacities.items():
        if isinstance(c, bool) or not isinstance(c, int | np.integer):
            msg = f"rg.hep.iterate: capacities[{name!r}]={c!r} must be an int (element slots), such as 4096"
            raise TypeError(msg)
        if c < 1:
            msg = f"rg.hep.iterate: capacities[{name!r}]={c!r} must be positive (element slots)"
            raise ValueError(msg)
    return {name: int(c) for name, c in capacities.items()}


def _capacities(
    uproot: Any, paths: list[tuple[str, str]], branches: Sequence[str], step: int, given: Mapping[str, int]
) -> dict[str, int | None]:
    """Element slots per field of lists: as given, else the bucket of the largest chunk from the
    counters (``nMuon``), else None (a bucket per chunk). A capacity given for no such field
    raises ValueError."""
    out: dict[str, int | None] = {}
    for path, tree in paths:
        file, t = _open_tree(uproot, path, tree)
        with file:
            keys = set(t.keys())
            empty = events(t.arrays(_names(t, branches, path, tree), entry_stop=0), where=path)
            for field, x in builtins.zip(empty.fields, unzip(empty), strict=True):
                if isinstance(x, RaggedArray) and not x._structure.nlevels:
                    continue  # one value per event: no element slots
                if field in given or not isinstance(x, RecordArray) or f"n{field}" not in keys:
                    out[field] = given.get(field)
                    continue
                n = np.asarray(t[f"n{field}"].array(library="np"), dtype=np.int64)
                largest = int(np.add.reduceat(n, np.arange(0, len(n), step)).max()) if len(n) else 0
                if out.get(field, 0) is not None:
                    out[field] = builtins.max(out.get(field) or 0, bucket(largest))
    if unknown := [name for name in given if name not in out]:
        msg = f"rg.hep.iterate: capacities {unknown} name no collection or branch of lists read: {list(out)}"
        raise ValueError(msg)
    return out


@register("hep.iterate", "creation", spec=Spec(exempt=_TESTED.format("uproot"), derivative="none"))
def iterate(
    files: Any,
    branches: Sequence[str],
    /,
    *,
    step_size: int,
    capacities: Mapping[str, int] | None = None,
    tree: str = "Events",
    backend: str = "numpy",
) -> Iterator[EventArray]:
    """Chunks of ``step_size`` entries of NanoAOD-style ROOT files, as bounded event records.

    Each chunk is :func:`events` of the branches read by ``uproot``: one
    :class:`raggrad.EventArray` with a record per collection (``chunk.Muon.pt``) and the other
    branches as fields of their own (``chunk.MET_pt``, ``chunk.genWeight``). Every field is made
    bounded with the same capacities for every chunk: ``step_size`` list slots (so pass no more
    than the largest file's entries, to have no slot beyond it), and per collection
    (or other branch of lists) the element slots in ``capacities`` (``{"Muon": 8192}``) or, by
    default, the power-of-two bucket of the largest chunk, found from the counters (``nMuon``)
    before the first chunk is read. So a jitted function of the chunk is compiled once for all
    chunks. (Lists with neither a counter nor a capacity get each chunk's bucket: a program each.)

    ``files``: a path, a glob pattern (``"data/*.root"``, expanded and sorted) or a list of them; a
    path ``"file.root:tree"`` names its tree (else ``tree`` does), as in ``uproot.iterate``.
    ``branches``: a branch (``"Muon_pt"``, ``"genWeight"``), a whole collection (``"Muon"``: every
    ``Muon_*`` branch) or a list of them. Counters of the collections read are read too, checked
    and left out (``rg.num(chunk.Muon, axis=1)`` gives them). Chunks never span two files.
    ``backend`` is where the arrays go (``"numpy"``: the host, which a jitted function moves to its
    device).

    A missing file, tree or branch raises ``FileNotFoundError`` or ``ValueError`` naming it (and
    close names, or the file's trees); a chunk whose branches disagree raises :func:`events`'s
    error with the file and entries (counted in the file) added; a capacity below a chunk's size,
    or for no collection or branch of lists read, raises ``ValueError``.

    >>> import os, tempfile, awkward as ak, numpy as np, uproot, raggrad as rg
    >>> path = os.path.join(tempfile.mkdtemp(), "events.root")
    >>> with uproot.recreate(path) as f:
    ...     muons = ak.zip({"pt": ak.Array([[40.0], [], [30.0, 20.0]])})
    ...     tree = f.mktree("Events", {"Muon": muons, "MET_pt": np.array([5.0, 7.0, 9.0])})
    >>> chunks = list(rg.hep.iterate(path, ["Muon", "MET_pt"], step_size=2))
    >>> chunks[0].type
    '2 * {Muon: var * {pt: float64}, MET_pt: float64}'
    >>> [(c.Muon.pt.to_list(), c.MET_pt.to_list()) for c in chunks]
    [([[40.0], []], [5.0, 7.0]), ([[30.0, 20.0]], [9.0])]
    >>> {rg.capacity(c.Muon) for c in chunks}
    {Capacity(lists=(2,), elements=16)}
    """
    uproot = _uproot()
    names = [branches] if isinstance(branches, str) else branches  # one name, as uproot takes it
    if not isinstance(names, Sequence) or not all(isinstance(b, str) for b in names):
        msg = f"rg.hep.iterate: branches must be a branch name or a list of them, not {branches!r}"
        raise TypeError(msg)
    if not names:
        msg = "rg.hep.iterate: no branches given; name branches ('Muon_pt') or collections ('Muon')"
        raise ValueError(msg)
    if not isinstance(tree, str):
        msg = f"rg.hep.iterate: tree must be a tree's name, such as 'Events', not {tree!r}"
        raise TypeError(msg)
    paths = [(path, in_path or tree) for path, in_path in _paths(files)]
    if isinstance(step_size, bool) or not isinstance(step_size, int | np.integer) or step_size < 1:
        msg = f"rg.hep.iterate: step_size={step_size!r} must be a positive number of entries (not bytes)"
        raise (ValueError if isinstance(step_size, int | np.integer) else TypeError)(msg)
    step = int(step_size)
    _backends.get_backend(backend)  # a bad name before any file is read
    elements = _capacities(uproot, paths, names, step, _given({} if capacities is None else capacities))
    for path, tree_name in paths:
        file, t = _open_tree(uproot, path, tree_name)
        with file:
            read = _names(t, names, path, tree_name)
            for arrays, report in t.iterate(read, step_size=step, report=True, library="ak"):
                where = f"{path}, entries {report.tree_entry_start} to {report.tree_entry_stop}"
                chunk = _event_record(arrays, where, report.tree_entry_start)
                try:
                    yield _bounded_chunk(chunk, step, elements, backend)
                except ValueError as exc:
                    exc.add_note(f"rg.hep.iterate: in {where}; raise capacities=")
                    raise


def _bounded_chunk(
    chunk: EventArray, lists: int, elements: Mapping[str, int | None], backend: str
) -> EventArray:
    """Every field bounded (``lists`` slots; ``elements``, else its own bucket), on ``backend``."""
    fields = {
        name: to_backend(with_capacity(x, lists=lists, elements=elements.get(name)), backend)
        for name, x in builtins.zip(chunk.fields, unzip(chunk), strict=True)
    }
    return from_event_fields(fields, "rg.hep.iterate")


# ---- soft selections ------------------------------------------------------------------------------
def _exclusive_cumprod(a: RaggedArray) -> RaggedArray:
    """``prod(a[..., :i])`` for every item ``i`` of the innermost lists (1 for the first): no
    division, so exact and differentiable where ``a`` has zeros. The items of the innermost lists
    are consecutive in the content (a bounded array's padding after them), so the product of the
    items before ``i`` is the inclusive running product over the content shifted by one slot, with
    1 at every list's first item; the shape and the capacities stay those of ``a``."""
    xp, nb = a._backend.xp, a._nbatch
    c = moved(a)
    previous = new(a._structure, back(a._backend, xp.concat([xp.ones_like(c[:1]), c[:-1]], axis=0), nb), nb)
    return cast(RaggedArray, cumulative_prod(where(local_index(a, axis=-1) == 0, 1.0, previous), axis=-1))


@register(
    "hep.at_least",
    "reduction",
    spec=Spec(exempt=_TESTED.format("a brute-force sum over outcomes"), derivative="none"),
)
def at_least(weights: Any, n: int = 1, /, *, axis: int = -1) -> RaggedArray:
    """The probability that at least ``n`` items of each innermost list pass, item ``i`` with
    probability ``weights[i]``, independently (``n`` in 0, 1, 2; default 1, a soft "any"): one
    value per list. ``axis`` is the innermost ragged axis (``-1``, the default, or its number);
    other axes raise ``NotImplementedError``.

    With per-object soft cuts as weights (``rg.sigmoid((pt - threshold) / width)``) this is the
    differentiable "at least ``n`` objects pass" of each event; a hard cut's 0s and 1s give the
    hard count's answer. ``n = 1``: ``1 - prod(1 - w)``; ``n = 2``: the first item that passes is
    ``i`` and one after it passes, ``sum_i w_i prod_{j<i}(1 - w_j) (1 - prod_{j>i}(1 - w_j))``.
    Products of numbers in ``[0, 1]`` and no division, so values and derivatives are finite for
    weights of exactly 0 or 1. Weights outside ``[0, 1]`` are not probabilities (unchecked: under
    ``jax.jit`` they cannot be). Bounded arrays and every backend work.

    >>> import raggrad as rg
    >>> w = rg.array([[0.5, 0.5], [1.0, 0.0, 1.0], [0.9], []])
    >>> rg.hep.at_least(w, 1).to_list(), rg.hep.at_least(w, 2).to_list()
    ([0.75, 1.0, 0.9, 0.0], [0.25, 1.0, 0.0, 0.0])
    """
    w = single(weights, "rg.hep.at_least")
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        msg = f"rg.hep.at_least: n must be an int (0, 1 or 2), not {n!r}"
        raise TypeError(msg)
    if not 0 <= n <= 2:
        msg = (
            f"rg.hep.at_least: n={n}; n is 0, 1 or 2 (for more, a smooth count such as "
            "rg.sigmoid((rg.sum(w, axis=-1) - n + 0.5) / width) is an approximation)"
        )
        raise NotImplementedError(msg)
    if not w._structure.nlevels or w._structure.inner:
        msg = f"rg.hep.at_least: expected weights in lists, one number per item, not {w.type!r}"
        raise TypeError(msg)
    kind, level = classify_axis(w, axis, "rg.hep.at_least")
    if kind != "level" or level != w._structure.nlevels - 1:
        msg = (
            f"rg.hep.at_least: axis={axis!r}; only the innermost lists' axis (-1) is supported, "
            f"of an array of type {w.type!r}"
        )
        raise NotImplementedError(msg)
    if n == 0:
        return cast(RaggedArray, ones_like(rg_sum(w, axis=-1)))
    a = 1 - w
    if n == 1:
        return cast(RaggedArray, 1 - prod(a, axis=-1))
    before = _exclusive_cumprod(a)
    after = flip(_exclusive_cumprod(flip(a, axis=-1)), axis=-1)
    return cast(RaggedArray, rg_sum(w * before * (1 - after), axis=-1))


@register(
    "hep.soft_histogram", "structural", spec=Spec(exempt=_TESTED.format("relaxed.hist"), derivative="none")
)
def soft_histogram(
    x: Any,
    bins: Any,
    /,
    *,
    bandwidth: Any,
    weights: Any = None,
    cdf: Callable[[Any], Any] | None = None,
) -> RaggedArray:
    """A histogram with smooth bin edges of every value of ``x``: a binned kernel density estimate.

    Bin ``k`` holds ``sum_i w_i (cdf((e[k+1] - x_i) / bandwidth) - cdf((e[k] - x_i) / bandwidth))``
    over the values ``x_i`` of all lists, with weights ``w_i`` (``weights``, broadcast against ``x``
    as by awkward: one per value, or one per list; default 1) and edges ``e = bins`` (a 1-d array,
    increasing; a backend array of ``x``'s backend, or anything NumPy takes). ``cdf`` is the
    kernel's cumulative distribution function, of a standard-deviation-one kernel: by default the
    logistic one (``rg.sigmoid(z * pi / sqrt(3))``: stable, every backend); pass the normal CDF
    (e.g. ``lambda z: rg.map_values(jax.scipy.stats.norm.cdf, z)``) for ``relaxed.hist``'s
    Gaussian kernel. As ``bandwidth`` goes to 0 it becomes the hard histogram (up to values on an
    edge). Under ``torch.compile``, pass the edges as a tensor (a list of edges is a graph break).

    Differentiable in ``x``, ``weights``, ``bins`` and ``bandwidth``; the padding of a bounded array
    never counts. Returns the ``len(bins) - 1`` bin contents (a RaggedArray without ragged
    dimensions: ``rg.to_dense`` gives the backend array). Memory: one array of the values' size at a
    time per edge; under ``jax.jit`` the values (``x`` and what computed it) are computed once, not
    once per bin (the edges are a loop in the program: ``lax.scan``).

    >>> import raggrad as rg
    >>> x = rg.array([[1.0, 2.5], [], [3.0]])
    >>> [round(v, 4) for v in rg.hep.soft_histogram(x, [0.0, 2.0, 4.0], bandwidth=0.01).to_list()]
    [1.0, 2.0]
    """
    x, bw = single(x, "rg.hep.soft_histogram"), scalar_bandwidth(bandwidth, bins, "rg.hep.soft_histogram")
    for given in (bins, bw):  # edges or a bandwidth on jax (traced, say) take host values along
        b = _backends.backend_of(given)
        if b is not None and not b.is_host and b is not x._backend:
            x = to_backend(x, b.name)
    backend = x._backend
    host = backend.to_numpy if backend.owns(bw) else np.asarray  # to_numpy: torch's detached
    if backend.is_concrete(bw) and not float(host(bw)) > 0:
        msg = f"rg.hep.soft_histogram: bandwidth={bandwidth!r} must be positive"
        raise ValueError(msg)
    floats = np.result_type(backend.numpy_dtype(x.dtype), np.float32)  # integer values: float edges
    edges = bins if backend.owns(bins) else backend.asarray(np.asarray(bins, dtype=floats))
    if len(edges.shape) != 1 or edges.shape[0] < 2:
        msg = f"rg.hep.soft_histogram: bins must be a 1-d array of at least 2 edges, got shape {edges.shape}"
        raise ValueError(msg)
    if backend.is_concrete(edges) and not np.all(np.diff(backend.to_numpy(edges)) > 0):
        msg = f"rg.hep.soft_histogram: the edges must increase, got {backend.to_numpy(edges).tolist()}"
        raise ValueError(msg)
    w = None
    if weights is not None:  # awkward's broadcasting: one weight per value, or per list (event)
        try:
            x, w = broadcast_arrays(x, weights)
        except ValueError as exc:
            exc.add_note("rg.hep.soft_histogram: weights need the lists of the values, or one per list")
            raise
        w = flatten(w, axis=None)
    values = flatten(x, axis=None)
    return soft_binned(
        values, None if w is None else w._content, edges, bandwidth, logistic_cdf if cdf is None else cdf
    )
