"""Fuzzing every constructor with arbitrary integers and nested lists, in a child process.

``rg.array``, ``rg.from_offsets``, ``rg.from_lengths``, ``rg.from_padded``, ``rg.unflatten`` and
``rg.from_awkward`` get integer arrays of every dtype (values near the int64 limits, unsigned
values past them, Python ints past both), nested lists of mixed depths and leaves, and awkward
layouts built from such integers. Every call either raises ``ValueError``/``TypeError``/
``IndexError`` or returns a valid array: offsets that start at 0, do not decrease and cover the
content exactly; ``to_list()`` that round-trips (and equals awkward's own lists for
``from_awkward``); and ``rg.sum(x, axis=-1)``, ``rg.sum(x)`` (equal to a pure-Python sum of the
lists, modulo 2**64 for integers, which wrap as in NumPy), ``x[...]`` and ``repr(x)`` that work.

A wrong offset that reaches a compiled kernel can crash the interpreter instead of raising, and a
crash would end the test run with no report. So :func:`test_constructors_survive_fuzzing` runs
the fuzz tests below in a child ``pytest`` and fails, naming the signal and the last input (each
input is written to a file before its call), when the child dies. The fuzz tests themselves are
skipped in the parent process. ``HYPOTHESIS_PROFILE=ci`` (the default) runs a fixed, derandomized
set of examples in about half a minute; ``thorough`` runs the profile's examples, randomized.
"""

from __future__ import annotations

import itertools
import math
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import raggrad as rg

_LOG_VARIABLE = "RAGGRAD_FUZZ_LOG"
_LOG = os.environ.get(_LOG_VARIABLE)  # set in the child: the file each input is written to
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
_ROOT = Path(__file__).resolve().parents[1]


_FUZZ_TESTS = [
    "test_fuzz_array",
    "test_fuzz_from_offsets",
    "test_fuzz_from_lengths",
    "test_fuzz_from_padded",
    "test_fuzz_unflatten",
    "test_fuzz_from_awkward",
]


# ---- the parent: run the fuzz tests in a child, so that a crash is a failure ---------------------
@pytest.mark.skipif(_LOG is not None, reason="this is the child: it must not start another")
def test_constructors_survive_fuzzing(tmp_path: Path) -> None:
    log = tmp_path / "last-input.txt"
    env = {**os.environ, _LOG_VARIABLE: str(log), "HYPOTHESIS_PROFILE": _PROFILE}
    tests = [f"{__file__}::{name}" for name in _FUZZ_TESTS]
    command = [sys.executable, "-m", "pytest", *tests, "-q", "-x", "-p", "no:cacheprovider"]
    proc = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=_ROOT, timeout=900, check=False
    )
    output = f"{proc.stdout[-12000:]}\n{proc.stderr[-4000:]}"
    if proc.returncode < 0:
        last = log.read_text() if log.exists() else "(none written)"
        pytest.fail(
            f"the fuzzed child process crashed with {signal.Signals(-proc.returncode).name}; "
            f"its last input was:\n{last}\n{output}"
        )
    assert proc.returncode == 0, output
    assert " passed" in proc.stdout, output


# ---- the child: hypothesis tests, run only there -------------------------------------------------
child = pytest.mark.skipif(_LOG is None, reason="runs in the child of test_constructors_survive_fuzzing")

# nested strategies draw much and reject some (assume-free, but layouts fall back to their content)
_SLOW_DRAWS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
if _PROFILE == "ci":  # a fixed set of examples: the same run on every push
    fuzz = settings(
        max_examples=400, derandomize=True, database=None, deadline=None, suppress_health_check=_SLOW_DRAWS
    )
else:
    fuzz = settings(deadline=None, suppress_health_check=_SLOW_DRAWS)

_EXPECTED = (ValueError, TypeError, IndexError)
_INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
_EXTREMES = [
    2**31 - 1,
    -(2**31),
    2**32,
    2**53 + 1,
    2**62,
    -(2**62),
    2**63 - 1,
    -(2**63),
    2**63,
    2**64 - 1,
    2**64,
    -(2**63) - 1,
]


def _record(what: str, *args: Any) -> None:
    """Write the input down before the call: if the call crashes, the parent shows it."""
    if _LOG is not None:
        Path(_LOG).write_text(f"{what}{args!r}\n")


def _call(what: str, f: Any, *args: Any) -> Any:
    """``f(*args)``, or None when it raises one of the errors a bad input may raise."""
    _record(what, *args)
    try:
        result = f(*args)
    except _EXPECTED as exc:
        event(f"{what}: {type(exc).__name__}")  # --hypothesis-show-statistics shows the mix
        return None
    event(f"{what}: valid")
    return result


# ---- strategies ---------------------------------------------------------------------------------
def _ints_of(dtype: Any) -> st.SearchStrategy[int]:
    info = np.iinfo(dtype)
    extremes = [v for v in [0, 1, *_EXTREMES] if info.min <= v <= info.max]
    extremes += [int(info.min), int(info.max)]
    return st.one_of(
        st.integers(max(-2, int(info.min)), 12),
        st.sampled_from(extremes),
        st.integers(int(info.min), int(info.max)),
    )


@st.composite
def int_arrays(draw: Any, max_size: int = 8) -> Any:
    """Python lists of any ints, or NumPy arrays of every integer dtype, extremes included."""
    if draw(st.booleans()):
        return draw(st.lists(st.one_of(st.integers(-2, 8), st.sampled_from(_EXTREMES)), max_size=max_size))
    dtype = draw(st.sampled_from(_INT_DTYPES))
    return np.array(draw(st.lists(_ints_of(dtype), max_size=max_size)), dtype=dtype)


@st.composite
def contents(draw: Any) -> np.ndarray:
    """A flat content buffer: floats, or integers of any dtype with extremes."""
    if draw(st.booleans()):
        return np.arange(float(draw(st.integers(0, 10))))
    dtype = draw(st.sampled_from(_INT_DTYPES))
    return np.array(draw(st.lists(_ints_of(dtype), max_size=10)), dtype=dtype)


@st.composite
def offsets_for(draw: Any, n: int) -> Any:
    """Valid offsets into ``n`` items (possibly not starting at 0), or arbitrary integers."""
    if draw(st.booleans()):
        return draw(int_arrays())
    cuts = sorted(draw(st.lists(st.integers(0, n), min_size=1, max_size=6)))
    dtype = draw(st.sampled_from([np.int64, np.int32, np.uint32, np.uint64, np.int8]))
    return np.array(cuts, dtype=dtype)


@st.composite
def lengths_for(draw: Any, n: int) -> Any:
    """Lengths that add up to ``n``, or arbitrary integers."""
    if draw(st.booleans()):
        return draw(int_arrays())
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=5)))
    lengths = np.diff([0, *cuts, n])
    return lengths.astype(draw(st.sampled_from([np.int64, np.uint8, np.uint64, np.int16])))


_leaves = st.one_of(
    st.integers(-5, 5),
    st.sampled_from(_EXTREMES),
    st.floats(-1e6, 1e6),
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.booleans(),
    st.none(),
    st.just("a"),
)
nested = st.recursive(_leaves, lambda inner: st.lists(inner, max_size=4), max_leaves=16)


def _lists_of(leaf: st.SearchStrategy[Any], depth: int) -> st.SearchStrategy[Any]:
    strategy = st.lists(leaf, max_size=5)
    for _ in range(depth - 1):
        strategy = st.lists(strategy, max_size=4)
    return strategy


#: lists of one depth (1 to 3) holding ints or floats
regular_nested = st.integers(1, 3).flatmap(
    lambda depth: _lists_of(st.integers(-5, 5), depth) | _lists_of(st.floats(-1e3, 1e3), depth)
)


# ---- the oracle ---------------------------------------------------------------------------------
def _flat(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [v for item in value for v in _flat(item)]
    if isinstance(value, dict):
        return [v for item in value.values() for v in _flat(item)]
    return [value]


def _same(a: Any, b: Any) -> bool:
    """Equal lists, NaN equal to NaN."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def _check_structure(x: Any) -> None:
    s = x._structure
    count = s.length
    for k, level in enumerate(s.levels):
        o = level.offsets
        assert o.dtype == np.int64 and not o.flags.writeable, k
        assert len(o) == count + 1 and o[0] == 0, (k, o)
        assert bool(np.all(o[1:] >= o[:-1])), (k, o)
        count = int(o[-1])
    content = x._content
    assert tuple(content.shape[x._nbatch :]) == (count, *s.inner), (content.shape, count, s.inner)


def check_valid(x: Any, want: Any = None) -> None:
    """``x`` is a valid array whose lists round-trip (and equal ``want``) and whose ops work."""
    if not isinstance(x, (rg.RaggedArray, rg.RecordArray)):  # rg.array of a scalar: 0-d
        assert np.ndim(x) == 0
        return
    lists = x.to_list()
    if want is not None:
        assert _same(lists, want), (lists, want)
    repr(x)
    if isinstance(x, rg.RecordArray):
        for name in x.fields:
            check_valid(x[name])
        return
    _check_structure(x)
    assert _same(rg.array(lists, dtype=x.dtype).to_list(), lists)
    assert _same(x[...].to_list(), lists)
    per_list = rg.sum(x, axis=-1)
    if isinstance(per_list, rg.RaggedArray):
        _check_structure(per_list)
        per_list.to_list()
    _check_sum(x, lists)


def _check_sum(x: rg.RaggedArray, lists: Any) -> None:
    total = rg.sum(x)
    values = [v for v in _flat(lists) if v is not None]  # reducers skip missing values
    kind = np.dtype(x.dtype).kind
    if kind in "iub":  # integers wrap around as in NumPy: compare modulo 2**64
        assert (int(total) - sum(int(v) for v in values)) % 2**64 == 0, (total, values)
        return
    want = math.fsum(values) if all(math.isfinite(v) for v in values) else sum(values)
    got = float(total)
    if math.isnan(want):
        assert math.isnan(got), (got, values)
    else:
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-6), (got, want, values)


# ---- the fuzz tests (run in the child) ------------------------------------------------------------
@child
@fuzz
@given(st.one_of(nested, regular_nested, st.builds(lambda a: a, int_arrays())))
def test_fuzz_array(obj: Any) -> None:
    x = _call("rg.array", rg.array, obj)
    if x is not None:
        check_valid(x)


@child
@fuzz
@given(contents().flatmap(lambda c: st.tuples(offsets_for(len(c)), st.just(c))))
def test_fuzz_from_offsets(args: tuple[Any, np.ndarray]) -> None:
    offsets, content = args
    x = _call("rg.from_offsets", rg.from_offsets, offsets, content)
    if x is not None:
        offs = np.asarray(offsets, dtype=np.int64)
        check_valid(x, [content[a:b].tolist() for a, b in itertools.pairwise(offs)])


@child
@fuzz
@given(contents().flatmap(lambda c: st.tuples(lengths_for(len(c)), st.just(c))), st.booleans())
def test_fuzz_from_lengths(args: tuple[Any, np.ndarray], nest: bool) -> None:
    lengths, content = args
    if nest:  # one more level over a ragged content of as many lists as there are items
        inner = rg.from_lengths(np.ones(len(content), dtype=np.int64), content)
        x = _call("rg.from_lengths", rg.from_lengths, lengths, inner)
        flat = [[v] for v in content.tolist()]
    else:
        x = _call("rg.from_lengths", rg.from_lengths, lengths, content)
        flat = content.tolist()
    if x is not None:
        offs = np.concatenate([[0], np.cumsum(np.asarray(lengths, dtype=np.int64))])
        check_valid(x, [flat[a:b] for a, b in itertools.pairwise(offs)])


@child
@fuzz
@given(
    st.integers(0, 4).flatmap(
        lambda rows: st.tuples(
            st.integers(0, 4).flatmap(
                lambda width: st.sampled_from([np.int64, np.uint64, np.float64, np.int8]).map(
                    lambda dtype: (np.arange(rows * width) - 3).astype(dtype).reshape(rows, width)
                )
            ),
            st.one_of(int_arrays(), st.lists(st.integers(0, 4), min_size=rows, max_size=rows)),
        )
    )
)
def test_fuzz_from_padded(args: tuple[np.ndarray, Any]) -> None:
    padded, lengths = args
    x = _call("rg.from_padded", rg.from_padded, padded, lengths)
    if x is not None:
        check_valid(x, [row[: int(n)].tolist() for row, n in zip(padded, np.asarray(lengths))])


@child
@fuzz
@given(
    regular_nested.flatmap(
        lambda lists: st.tuples(
            st.just(lists),
            st.one_of(int_arrays(), st.integers(-3, 5), lengths_for(len(lists))),
            st.integers(-3, 3),
        )
    )
)
def test_fuzz_unflatten(args: tuple[Any, Any, int]) -> None:
    lists, counts, axis = args
    x = rg.array(lists)
    y = _call("rg.unflatten", rg.unflatten, x, counts, axis)
    if y is not None:
        check_valid(y)
        # unflatten only adds a level below the axis: flattening it away gives the input back
        assert _same(rg.flatten(y, axis=axis % x.ndim + 1).to_list(), x.to_list())


# ---- from_awkward: layouts built from fuzzed integers ---------------------------------------------
try:
    import awkward as ak
except ImportError:  # pragma: no cover - awkward is a test dependency
    ak = None

_INDEX_DTYPES = [np.int64, np.int32, np.uint32]


@st.composite
def index_values(draw: Any, n: int, count: int | None = None, kind: str = "offsets") -> list[int]:
    """Integers for an awkward index into ``n`` items: mostly plausible, sometimes anything."""
    length = draw(st.integers(0, 5)) if count is None else count
    choice = draw(st.integers(0, 3))
    if choice == 0:  # anything, extremes included
        anything = st.one_of(st.integers(-2, n + 2), st.sampled_from(_EXTREMES))
        return draw(st.lists(anything, min_size=length, max_size=length))
    values = draw(st.lists(st.integers(0, n), min_size=length, max_size=length))
    return sorted(values) if kind == "offsets" and choice > 1 else values


@st.composite
def layouts(draw: Any, depth: int = 0) -> tuple[Any, list[tuple[Any, np.ndarray]]]:
    """An awkward layout, and the uint64 buffers to put in its indices once it is built.

    awkward's constructors check an index's dtype only, so a buffer written by another tool can
    hold anything; values past int64 are put in place after construction, as such a buffer would.
    """
    kinds = (
        ["numpy", "empty"] if depth >= 3 else ["numpy", "listoffset", "list", "indexed", "regular", "record"]
    )
    kind = draw(st.sampled_from(kinds))
    if kind == "numpy":
        return ak.contents.NumpyArray(draw(contents())), []
    if kind == "empty":
        return ak.contents.EmptyArray(), []
    content, swaps = draw(layouts(depth + 1))
    n = len(content)
    if kind == "regular":
        size = draw(st.integers(0, 3))
        return ak.contents.RegularArray(content, size, zeros_length=draw(st.integers(0, 3))), swaps
    if kind == "record":
        other, more = (content, []) if draw(st.booleans()) else draw(layouts(depth + 1))
        length = draw(st.integers(0, min(n, len(other))))
        return ak.contents.RecordArray([content, other], ["x", "y"], length=length), swaps + more
    if kind == "listoffset":
        cls = ak.contents.ListOffsetArray
        values = [draw(index_values(n, count=draw(st.integers(1, 5))))]
    elif kind == "list":
        cls = ak.contents.ListArray
        starts = draw(index_values(n, kind="starts"))
        values = [starts, draw(index_values(n, count=len(starts), kind="stops"))]
    else:
        if type(content).__name__ == "IndexedArray":
            return content, swaps  # awkward has no IndexedArray of an IndexedArray
        cls = ak.contents.IndexedArray
        values = [draw(index_values(n, kind="index"))]
    everything = [v for vals in values for v in vals]
    if any(v >= 2**63 for v in everything):  # past int64: a uint64 buffer, if one holds them all
        if not all(0 <= v < 2**64 for v in everything):
            return content, swaps
        indices = [ak.index.Index64(np.zeros(len(vals), dtype=np.int64)) for vals in values]
        more = [(i, np.array(vals, dtype=np.uint64)) for i, vals in zip(indices, values)]
        return cls(*indices, content), swaps + more
    if any(v < -(2**63) for v in everything):
        return content, swaps  # no integer buffer holds these
    # one dtype for all (a ListArray's starts and stops share theirs)
    fitting = [d for d in _INDEX_DTYPES if all(np.iinfo(d).min <= v <= np.iinfo(d).max for v in everything)]
    dtype = draw(st.sampled_from(fitting))
    return cls(*[ak.index.Index(np.array(vals, dtype=dtype)) for vals in values], content), swaps


def _event_fields_same(x: Any, a: Any) -> bool:
    """Each field of an event record holds awkward's lists (records of one structure zipped to
    full depth, as at the top)."""
    if isinstance(x, rg.EventArray):
        return all(_event_fields_same(x[name], a[name]) for name in x.fields)
    want = a.to_list() if not a.fields else ak.zip(dict(zip(a.fields, ak.unzip(a)))).to_list()
    return bool(_same(x.to_list(), want))


@child
@pytest.mark.skipif(ak is None, reason="needs awkward")
@fuzz
@given(layouts(), st.booleans())
def test_fuzz_from_awkward(built: tuple[Any, list[tuple[Any, np.ndarray]]], through_array: bool) -> None:
    layout, swaps = built
    for placeholder, data in swaps:  # buffers past int64, put in place as another tool would
        placeholder._data = data
    convert = rg.array if through_array else rg.from_awkward
    _record("rg.from_awkward", layout)
    try:
        x = convert(ak.Array(layout))
        event("rg.from_awkward: valid")
    except ValueError as exc:
        event("rg.from_awkward: ValueError")
        # exactly as strict as awkward (ak.validity_error), or the buffers hold values past int64
        assert swaps or ak.validity_error(layout), (exc, layout)
        return
    except TypeError as exc:  # records of fields with different lists, or records in records
        event("rg.from_awkward: TypeError")
        assert "record fields" in str(exc) or "records inside records" in str(exc), (exc, layout)
        return
    assert not swaps, layout
    assert ak.validity_error(layout) == "", layout
    a = ak.Array(layout)
    if isinstance(x, rg.EventArray):  # fields with different lists: each converted on its own
        assert _event_fields_same(x, a), (x, layout)
        return
    want = a.to_list() if not a.fields else ak.zip(dict(zip(a.fields, ak.unzip(a)))).to_list()
    check_valid(x, want)
