"""Conversion to and from awkward Arrays (rg.from_awkward, rg.to_awkward, rg.array of ak.Array)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import raggrad as rg

ak = pytest.importorskip("awkward")
contents = ak.contents
index = ak.index


def _numbers(n: int = 6) -> ak.contents.NumpyArray:
    return contents.NumpyArray(np.arange(float(n)))


# ---- from_awkward: the supported layouts --------------------------------------------------------


def test_from_numpy_array_layout():
    x = rg.from_awkward(ak.Array(_numbers()))
    assert x.type == "6 * float64"
    assert x.to_list() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_tuples_round_trip_as_raggrads_tuple_records():
    x = rg.array([[1.0, 2.0], [], [3.0]])
    t = rg.zip([x, rg.astype(x, "int32")])
    back = rg.from_awkward(rg.to_awkward(t))
    assert back.type == t.type == "3 * var * (float64, int32)" and back.to_list() == t.to_list()
    pairs = ak.zip((ak.Array([[1.0], []]), ak.Array([[2], []])))
    assert rg.from_awkward(pairs).to_list() == pairs.to_list() == [[(1.0, 2)], []]


def test_typetracer_arrays_are_refused_by_name():
    tracer = ak.Array([[1.0]]).layout.to_typetracer()
    for a in (ak.Array(tracer), ak.Array(ak.Array([[1.0]]).layout.to_typetracer(forget_length=True)), tracer):
        with pytest.raises(TypeError, match=r"typetracer array .* compute it first"):
            rg.from_awkward(a)


def test_from_list_offset_array_layout_normalises_offsets():
    layout = contents.ListOffsetArray(index.Index64(np.array([1, 3, 3, 6])), _numbers())
    x = rg.from_awkward(layout)
    assert x.type == "3 * var * float64"
    assert x.to_list() == [[1.0, 2.0], [], [3.0, 4.0, 5.0]]
    assert rg.offsets(x).tolist() == [0, 2, 2, 5]


def test_from_list_array_layout_out_of_order():
    starts = index.Index64(np.array([4, 0, 2]))
    stops = index.Index64(np.array([6, 2, 2]))
    a = ak.Array(contents.ListArray(starts, stops, _numbers()))
    x = rg.from_awkward(a)
    assert x.type == "3 * var * float64"
    assert x.to_list() == a.to_list() == [[4.0, 5.0], [0.0, 1.0], []]


def test_from_regular_array_layout():
    x = rg.from_awkward(contents.RegularArray(_numbers(), 3))
    assert x.type == "2 * 3 * float64"
    assert x.to_list() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_from_regular_inside_ragged():
    layout = contents.ListOffsetArray(
        index.Index64(np.array([0, 1, 3])), contents.RegularArray(_numbers(), 2)
    )
    x = rg.from_awkward(layout)
    assert x.type == "2 * var * 2 * float64"
    assert x.to_list() == ak.Array(layout).to_list()


def test_regular_above_ragged_becomes_ragged_of_equal_lengths():
    ragged = contents.ListOffsetArray(index.Index64(np.array([0, 2, 2, 6])), _numbers())
    x = rg.from_awkward(contents.RegularArray(ragged, 1))
    assert x.type == "3 * var * var * float64"
    assert rg.offsets(x, axis=1).tolist() == [0, 1, 2, 3]
    assert x.to_list() == [[[0.0, 1.0]], [[]], [[2.0, 3.0, 4.0, 5.0]]]


def test_from_empty_regular_array():
    layout = contents.RegularArray(contents.NumpyArray(np.zeros(0)), 0, zeros_length=4)
    assert rg.from_awkward(layout).type == "4 * 0 * float64"
    assert rg.from_awkward(ak.Array(np.zeros((0, 3)))).type == "0 * 3 * float64"


def test_from_awkward_of_booleans_and_ints():
    assert rg.from_awkward(ak.Array([[True, False], []])).type == "2 * var * bool"
    assert rg.from_awkward(ak.Array([[1, 2], [3]])).type == "2 * var * int64"


def test_array_of_awkward_array_converts_and_switches_backend():
    a = ak.Array([[1.0, 2.0], [], [3.0]])
    x = rg.array(a)
    assert x.type == "3 * var * float64"
    assert x.backend == "numpy"
    assert rg.array(a, dtype=np.float32).type == "3 * var * float32"
    pytest.importorskip("jax")
    assert rg.array(a, backend="jax").backend == "jax"


@pytest.mark.parametrize(
    ("a", "layout"),
    [
        (ak.Array([[1], ["a"]]), "UnionArray"),
        (ak.Array(["abc", "d"]), "ListOffsetArray of strings"),
        (ak.Array([b"abc"]), "ListOffsetArray of bytestrings"),
        (ak.Array([["abc"], []]), "ListOffsetArray of strings"),
    ],
)
def test_unsupported_layouts_name_the_layout(a, layout):
    with pytest.raises(TypeError, match=rf"rg\.from_awkward: layout {layout} is not supported"):
        rg.from_awkward(a)
    with pytest.raises(TypeError, match=f"layout {layout}"):
        rg.array(a)


def _nested_floats(depth: int) -> st.SearchStrategy[list]:
    strategy = st.lists(st.integers(-50, 50).map(float), max_size=5)
    for _ in range(depth - 1):
        strategy = st.lists(strategy, max_size=4)
    return strategy


# ---- from_awkward gives exactly awkward's values, whatever its buffers hold out of view --------
# Each case's buffers hold 100.0 (or 100) where no list looks: a conversion that keeps content
# past the last offset, or ignores where offsets start, shows it in the sums and maxima.

_NUM = np.array([1.0, 2.0, 3.0, 2.0, 1.0, 3.0, 100.0])


def _num() -> ak.contents.NumpyArray:
    return contents.NumpyArray(_NUM.copy())


def _two() -> ak.Array:
    return ak.Array([[1.0, 2.0], [3.0], [100.0]])


def _three() -> ak.Array:
    return ak.Array([[[1.0, 2.0], [3.0]], [], [[2.0], [], [3.0, 1.0]], [[2.0, 1.0, 3.0]], [[100.0]]])


def _offsets(values, dtype=np.int64):
    return index.Index(np.array(values, dtype=dtype))


LAYOUTS = {
    # slices and masks of real arrays
    "sliced": lambda: _two()[:2],
    "sliced in the middle": lambda: ak.Array([[100.0], [1.0, 2.0], [3.0], [100.0, 7.0]])[1:3],
    "masked out of view": lambda: ak.Array([[1.0, 2.0], [100.0], [3.0]])[[True, False, True]],
    "fancy index with repeats": lambda: _two()[[1, 0, 1]],
    "stepped": lambda: ak.Array([[1.0, 2.0], [100.0], [3.0], [100.0], [2.0]])[::2],
    "reversed": lambda: _two()[1::-1],
    "inner slice": lambda: ak.Array([[100.0, 1.0, 2.0], [100.0], [100.0, 3.0]])[:, 1:],
    "inner reversed": lambda: _two()[:2, ::-1],
    "jagged mask": lambda: _two()[_two() < 3.0],
    "ints sliced": lambda: ak.Array([[1, 2], [3], [100]])[:2],
    "three levels sliced": lambda: _three()[:4, ::-1, 1:],
    "three levels masked": lambda: _three()[[True, False, True, True, False]][:, :, ::-1],
    "three levels jagged mask": lambda: _three()[:4][_three()[:4] > 1.5],
    # explicit layouts
    "ListOffsetArray offsets not at 0": lambda: contents.ListOffsetArray(_offsets([1, 3, 3, 6]), _num()),
    "ListOffsetArray int32 offsets": lambda: contents.ListOffsetArray(_offsets([2, 4, 6], np.int32), _num()),
    "ListOffsetArray uint32 offsets": lambda: contents.ListOffsetArray(
        _offsets([0, 0, 5], np.uint32), _num()
    ),
    "ListArray out of order with gaps": lambda: contents.ListArray(
        _offsets([4, 0, 3, 9]),
        _offsets([6, 2, 3, 9]),
        _num(),  # an empty list may start anywhere
    ),
    "ListArray int32 with longer stops": lambda: contents.ListArray(
        _offsets([3, 1], np.int32), _offsets([5, 3, 7], np.int32), _num()
    ),
    "ListArray of ListArray": lambda: contents.ListArray(
        _offsets([1, 0]),
        _offsets([3, 1]),
        contents.ListArray(_offsets([5, 0, 2]), _offsets([6, 2, 4]), _num()),
    ),
    "RegularArray": lambda: contents.RegularArray(_num(), 3),
    "RegularArray of size 0": lambda: contents.RegularArray(
        contents.NumpyArray(np.zeros(0)), 0, zeros_length=3
    ),
    "RegularArray inside ListOffsetArray": lambda: contents.ListOffsetArray(
        _offsets([1, 2, 3]), contents.RegularArray(_num(), 2)
    ),
    "RegularArray above ListArray": lambda: contents.RegularArray(
        contents.ListArray(_offsets([4, 0, 2, 1]), _offsets([6, 2, 2, 3]), _num()), 2
    ),
    "RegularArray of RegularArray in ListArray": lambda: contents.ListArray(
        _offsets([1, 0]), _offsets([2, 1]), contents.RegularArray(contents.RegularArray(_num(), 1), 3)
    ),
    "NumpyArray of 3 dims sliced": lambda: ak.Array(np.arange(24.0).reshape(4, 3, 2) % 5)[1:3],
    "ListOffsetArray of 2-d NumpyArray": lambda: contents.ListOffsetArray(
        _offsets([1, 3, 3, 4]), contents.NumpyArray(np.arange(10.0).reshape(5, 2) % 4)
    ),
    "IndexedArray": lambda: contents.IndexedArray(_offsets([3, 0, 0, 5]), _num()),
    "IndexedArray of lists": lambda: contents.IndexedArray(
        _offsets([2, 0, 2]), contents.ListOffsetArray(_offsets([0, 2, 6, 7]), _num())
    ),
    "lists of IndexedArray": lambda: contents.ListOffsetArray(
        _offsets([1, 3, 4]), contents.IndexedArray(_offsets([6, 1, 0, 5, 4]), _num())
    ),
    "IndexedArray in view only": lambda: contents.IndexedArray(_offsets([1, 2], np.uint32), _num()),
    # empty arrays
    "EmptyArray": lambda: ak.Array([]),
    "lists of EmptyArray": lambda: ak.Array([[], []]),
    "sliced to length 0": lambda: _two()[:0],
    "inner lists sliced to empty": lambda: _two()[:, :0],
    "empty ListArray": lambda: contents.ListArray(_offsets([]), _offsets([]), _num()),
}

# awkward types that raggrad spells differently (regular above ragged becomes var; unknown is float64)
_OTHER_TYPE = {
    "RegularArray above ListArray",
    "RegularArray of RegularArray in ListArray",
    "EmptyArray",
    "lists of EmptyArray",
}


def _py(value):
    if isinstance(value, (rg.RaggedArray, ak.Array)):
        return value.to_list()
    return np.asarray(value).tolist()


@pytest.mark.parametrize("name", LAYOUTS)
def test_from_awkward_gives_awkwards_lists(name):
    a = ak.Array(LAYOUTS[name]())
    x = rg.from_awkward(a)
    assert x.to_list() == a.to_list()
    assert np.asarray(x.values).size == ak.count(a, axis=None)  # nothing out of view is kept
    if name not in _OTHER_TYPE:
        assert x.type == str(a.type)
    for axis in range(1, x.ndim - len(x._structure.inner)):  # offsets of every ragged level start at 0
        assert rg.offsets(x, axis=axis)[0] == 0


_REDUCERS = {
    "sum": (rg.sum, ak.sum),
    "prod": (rg.prod, ak.prod),
    "max": (rg.max, lambda a, axis: ak.max(a, axis=axis, mask_identity=False)),
    "min": (rg.min, lambda a, axis: ak.min(a, axis=axis, mask_identity=False)),
    "count": (rg.count, ak.count),
}


@pytest.mark.parametrize("reducer", _REDUCERS)
@pytest.mark.parametrize("axis", [None, -1, 0])
@pytest.mark.parametrize("name", LAYOUTS)
def test_from_awkward_reducers_equal_awkwards(name, axis, reducer):
    a = ak.Array(LAYOUTS[name]())
    ours, theirs = _REDUCERS[reducer]
    assert _py(ours(rg.from_awkward(a), axis=axis)) == _py(theirs(a, axis=axis))


@pytest.mark.parametrize("name", LAYOUTS)
def test_awkward_layout_round_trip(name):
    a = ak.Array(LAYOUTS[name]())
    back = rg.to_awkward(rg.from_awkward(a))
    assert back.to_list() == a.to_list()
    if name not in _OTHER_TYPE:
        assert str(back.type) == str(a.type)
        assert ak.array_equal(back, a)


@given(st.integers(1, 3).flatmap(_nested_floats), st.data())
def test_randomly_sliced_awkward_arrays_match_awkward(data, draw):
    a = ak.Array(data)
    outer = draw.draw(st.slices(len(a)), label="outer slice")
    a = a[outer if len(range(len(a))[outer]) else slice(0, 0)]  # awkward fails on 1:0:1
    if a.ndim > 1 and draw.draw(st.booleans()):
        a = a[:, draw.draw(st.slices(4), label="inner slice")]
    if draw.draw(st.booleans()):
        a = a[draw.draw(st.lists(st.booleans(), min_size=len(a), max_size=len(a)), label="mask")]
    x = rg.from_awkward(a)
    assert x.to_list() == a.to_list()
    assert _py(rg.sum(x)) == _py(ak.sum(a, axis=None))
    assert _py(rg.max(x, axis=-1)) == _py(ak.max(a, axis=-1, mask_identity=False))
    assert _py(rg.sum(x, axis=0)) == _py(ak.sum(a, axis=0))


def test_from_awkward_of_a_sliced_array_sums_what_it_shows():
    x = rg.array(ak.Array([[1.0, 2.0], [3.0], [100.0]])[:2])
    assert x.to_list() == [[1.0, 2.0], [3.0]]
    assert float(rg.sum(x)) == 6.0
    assert float(rg.max(x)) == 3.0
    assert rg.sum(x, axis=1).to_list() == [3.0, 3.0]


def test_from_awkward_shares_contiguous_content_and_not_awkwards_offsets():
    a = ak.Array([[1.0, 2.0], [3.0], [100.0]])
    x = rg.from_awkward(a[1:])
    assert np.shares_memory(np.asarray(x.values), a.layout.content.data)
    assert a.layout.offsets.data.flags.writeable  # raggrad freezes its own copy of the offsets


# ---- records ---------------------------------------------------------------------------------------
def _records() -> ak.Array:
    lists = ak.Array([[1.0, 2.0], [], [3.0, 1.0, 2.0], [100.0]])
    return ak.zip({"x": lists, "y": lists * 2 + 1})


RECORDS = {
    "records sliced": lambda: ak.Array([{"x": 1.0, "y": 2}, {"x": 3.0, "y": 4}, {"x": 100.0, "y": 100}])[:2],
    "records masked (IndexedArray)": lambda: ak.Array(
        [{"x": 1.0, "y": 2}, {"x": 100.0, "y": 100}, {"x": 3.0, "y": 4}]
    )[[True, False, True]],
    "RecordArray shorter than its fields": lambda: contents.RecordArray(
        [_num(), contents.NumpyArray(np.arange(7))], ["x", "y"], length=3
    ),
    "lists of records sliced": lambda: _records()[1:3, ::-1],
    "lists of records masked": lambda: _records()[[True, False, True, False]],
    "lists of records jagged mask": lambda: _records()[_records().x > 1.5],
    "records from Python lists": lambda: ak.Array([[{"x": 1.0}], [], [{"x": 2.0}, {"x": 3.0}]])[::-2],
    "RegularArray of records": lambda: contents.RegularArray(
        contents.RecordArray([_num(), contents.NumpyArray(np.arange(7))], ["x", "y"], length=6), 3
    ),
    "records of regular fields": lambda: contents.RecordArray(
        [contents.RegularArray(_num(), 2), contents.RegularArray(contents.NumpyArray(np.arange(8)), 2)],
        ["x", "y"],
        length=3,
    ),
}
# raggrad's records hold numbers in their fields: awkward's regular dimensions inside a record's
# fields are zipped to full depth, as ak.zip does (the fields keep awkward's values)
_ZIPPED = {"records of regular fields"}


def test_records_of_sliced_lists_are_event_records_of_awkwards_type():
    # lists inside the fields of an outer record: each field keeps its own lists (an event
    # record), even where their lengths agree, as here
    a = ak.zip({"x": _two()[:2], "y": ak.Array([[7, 8], [100], [9], [100]])[[0, 2]]}, depth_limit=1)
    x = rg.from_awkward(a)
    assert isinstance(x, rg.EventArray)
    assert x.type == str(a.type) and x.to_list() == a.to_list()
    assert rg.to_awkward(x).to_list() == a.to_list()
    for field in a.fields:
        assert x[field].to_list() == a[field].to_list()


@pytest.mark.parametrize("name", RECORDS)
def test_from_awkward_records_give_awkwards_values(name):
    a = ak.Array(RECORDS[name]())
    x = rg.from_awkward(a)
    assert isinstance(x, rg.RecordArray)
    zipped = ak.zip(dict(zip(a.fields, ak.unzip(a))))
    assert x.to_list() == zipped.to_list()
    assert x.type == str(zipped.type)
    if name not in _ZIPPED:
        assert x.to_list() == a.to_list()
    back = rg.to_awkward(x)
    assert back.to_list() == zipped.to_list()
    assert ak.array_equal(back, zipped)
    for field in a.fields:
        assert x[field].to_list() == a[field].to_list()
        for axis in (None, -1, 0):
            assert _py(rg.sum(x[field], axis=axis)) == _py(ak.sum(a[field], axis=axis))
            want = ak.max(a[field], axis=axis, mask_identity=False)
            assert _py(rg.max(x[field], axis=axis)) == _py(want)


def test_records_inside_records_are_not_supported():
    # inside lists (at the outer dimension they make an event record: tests/test_event_records.py)
    inner = ak.zip({"a": ak.Array([[1.0], [2.0]])})
    outer = ak.zip({"r": inner, "b": ak.Array([[3.0], [4.0]])}, depth_limit=2)
    with pytest.raises(TypeError, match="field 'r' holds records; records inside records are not supported"):
        rg.from_awkward(outer)


# ---- jax-backed awkward arrays ---------------------------------------------------------------------
@pytest.fixture
def awkward_jax():
    """awkward's jax backend, and jax's global settings as they were afterwards: awkward's
    ``register_and_check`` turns on x64 and the cpu platform for the whole process."""
    jax = pytest.importorskip("jax")
    saved = {name: jax.config.read(name) for name in ("jax_enable_x64", "jax_platform_name")}
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The JAX backend is deprecated", DeprecationWarning)
            ak.jax.register_and_check()
        yield jax
    finally:
        for name, value in saved.items():
            jax.config.update(name, value)


@pytest.mark.filterwarnings("ignore:The JAX backend is deprecated:DeprecationWarning")
@pytest.mark.parametrize("name", ["sliced", "masked out of view", "three levels sliced", "RegularArray"])
def test_from_jax_backed_awkward_array(awkward_jax, name):
    a = ak.Array(LAYOUTS[name]())
    with awkward_jax.enable_x64(True):  # awkward's jax backend needs 64-bit types
        j = ak.to_backend(a, "jax")
        x = rg.from_awkward(j)
        assert x.backend == "jax"
        assert x.to_list() == a.to_list()
        assert float(rg.sum(x)) == float(ak.sum(a, axis=None))
        assert rg.sum(x, axis=-1).to_list() == ak.sum(a, axis=-1).to_list()


# ---- corrupt layouts: a ValueError that names the problem ------------------------------------------
def _with_data(layout, attribute, values):
    """``layout`` whose index ``attribute`` holds ``values`` as given (awkward's constructors check
    only the dtype; a buffer written by another tool can hold anything)."""
    getattr(layout, attribute)._data = np.asarray(values)
    return layout


_HUGE_EMPTY = 2**58  # rows of zero bytes: length without memory


def _zero_width(n: int) -> ak.contents.RegularArray:
    return contents.RegularArray(contents.NumpyArray(np.zeros(0)), 0, zeros_length=n)


CORRUPT = {
    "decreasing offsets": (
        lambda: contents.ListOffsetArray(_offsets([0, 3, 1, 4]), _num()),
        r"ListOffsetArray offsets must not decrease, but offsets\[1\]=3 > offsets\[2\]=1",
    ),
    "offsets past the content": (
        lambda: contents.ListOffsetArray(_offsets([0, 2, 9]), _num()),
        r"ListOffsetArray offsets\[2\]=9 points past its content \(length 7\)",
    ),
    "negative offsets": (
        lambda: contents.ListOffsetArray(_offsets([-2, -2, 1]), _num()),
        r"ListOffsetArray offsets\[1\]=-2 is negative \(list 1 is not empty\)",
    ),
    "uint64 offsets past int64": (
        lambda: _with_data(
            contents.ListOffsetArray(_offsets([0, 1, 2]), _num()),
            "offsets",
            np.array([0, 1, 2**64 - 1], dtype=np.uint64),
        ),
        r"ListOffsetArray offsets must fit in int64, got 18446744073709551615",
    ),
    "uint64 offsets that wrap to a valid-looking list": (
        # as int64, 2**64 - 5 is -5: a list from -5 to 2 would pass a check that subtracts
        lambda: _with_data(
            contents.ListOffsetArray(_offsets([0, 1, 2]), _num()),
            "offsets",
            np.array([2**64 - 5, 2], dtype=np.uint64),
        ),
        r"must fit in int64, got 18446744073709551611",
    ),
    "ListArray start after stop": (
        lambda: contents.ListArray(_offsets([0, 3]), _offsets([2, 1]), _num()),
        r"ListArray starts\[1\]=3 > stops\[1\]=1",
    ),
    "ListArray negative start": (
        lambda: contents.ListArray(_offsets([-1]), _offsets([2]), _num()),
        r"ListArray starts\[0\]=-1 is negative",
    ),
    "ListArray stop past the content": (
        lambda: contents.ListArray(_offsets([0, 5]), _offsets([1, 8]), _num()),
        r"ListArray stops\[1\]=8 points past its content \(length 7\)",
    ),
    "ListArray near int64 limits": (
        lambda: contents.ListArray(_offsets([-(2**63)]), _offsets([2**63 - 1]), _num()),
        r"ListArray starts\[0\]=-9223372036854775808 is negative",
    ),
    "ListArray lists adding up past int64": (
        lambda: contents.ListArray(
            _offsets(np.zeros(40, dtype=np.int64)),
            _offsets(np.full(40, _HUGE_EMPTY)),
            _zero_width(_HUGE_EMPTY),
        ),
        r"the lengths add up past the largest int64 \(9223372036854775807\) at item 31",
    ),
    "IndexedArray index past the content": (
        lambda: contents.IndexedArray(_offsets([0, 7]), _num()),
        r"IndexedArray index\[1\]=7 is out of range for its content of length 7",
    ),
    "IndexedArray negative index": (
        lambda: contents.IndexedArray(_offsets([-1]), _num()),
        r"IndexedArray index\[0\]=-1 is out of range",
    ),
    "corrupt offsets below a valid level": (
        lambda: contents.ListOffsetArray(
            _offsets([0, 1]), contents.ListOffsetArray(_offsets([0, 9]), _num())
        ),
        r"offsets\[1\]=9 points past its content",
    ),
}


@pytest.mark.parametrize("name", CORRUPT)
def test_corrupt_awkward_structure_raises_value_error(name):
    make, match = CORRUPT[name]
    with pytest.raises(ValueError, match=rf"^rg\.from_awkward: .*{match}"):
        rg.from_awkward(make())


def test_awkward_lengths_near_int64_limit_are_exact():
    # 2 * 2**58 rows of zero width (no memory) in two lists, back to back: offsets that must not wrap
    layout = contents.ListArray(
        _offsets([0, _HUGE_EMPTY]), _offsets([_HUGE_EMPTY, 2 * _HUGE_EMPTY]), _zero_width(2 * _HUGE_EMPTY)
    )
    x = rg.from_awkward(layout)
    assert x.type == "2 * var * 0 * float64"
    assert rg.offsets(x).tolist() == [0, _HUGE_EMPTY, 2 * _HUGE_EMPTY]


# ---- option layouts: missing values, as awkward shows them ------------------------------------------
def _mask(values):
    return index.Index8(np.array(values, dtype=np.int8))


OPTIONS = {
    "IndexedOptionArray": lambda: contents.IndexedOptionArray(_offsets([0, -1, 2]), _num()),
    "ByteMaskedArray": lambda: contents.ByteMaskedArray(_mask([1, 0, 1]), _num(), valid_when=True),
    "ByteMaskedArray valid_when=False": lambda: contents.ByteMaskedArray(
        _mask([0, 1, 0]), _num(), valid_when=False
    ),
    "BitMaskedArray": lambda: contents.BitMaskedArray(
        index.IndexU8(np.array([0b101], dtype=np.uint8)), _num(), valid_when=True, length=3, lsb_order=True
    ),
    "BitMaskedArray msb": lambda: contents.BitMaskedArray(
        index.IndexU8(np.array([0b10100000], dtype=np.uint8)),
        _num(),
        valid_when=True,
        length=3,
        lsb_order=False,
    ),
    "UnmaskedArray": lambda: contents.UnmaskedArray(_num()),
    "lists of IndexedOptionArray": lambda: contents.ListOffsetArray(
        _offsets([0, 2, 3]), contents.IndexedOptionArray(_offsets([0, -1, 2]), _num())
    ),
    "option lists": lambda: ak.Array([[1.0], None, [2.0]]),
    "sliced option lists": lambda: ak.Array([[1.0, None, 3.0], None, [4.0], [], None])[1:4],
    "reordered option lists": lambda: ak.Array([[1.0, None, 3.0], None, [4.0]])[[2, 1, 0, 1]],
    "option records": lambda: ak.Array([[{"x": 1.0, "y": 2}, None], None, []]),
    "option of regular": lambda: ak.mask(ak.to_regular(ak.Array([[1, 2], [3, 4]]), axis=1), [False, True]),
    "IndexedArray of option": lambda: ak.Array([[1.0, None], None])[[1, 1, 0]],
}


@pytest.mark.parametrize("name", OPTIONS)
def test_option_layouts_convert_and_round_trip(name):
    a = ak.Array(OPTIONS[name]())
    x = rg.from_awkward(a)
    assert x.to_list() == a.to_list()
    assert x.type == str(a.type)
    back = rg.to_awkward(x)
    assert back.to_list() == a.to_list()
    assert str(back.type) == str(a.type)


def test_option_content_under_missing_values_is_zero_and_never_shown():
    # awkward keeps whatever its buffers hold under a masked entry; raggrad holds a zero there
    a = contents.ByteMaskedArray(
        _mask([1, 0, 1]), contents.NumpyArray(np.array([1.0, 99.0, 3.0])), valid_when=True
    )
    x = rg.from_awkward(a)
    assert x.values.tolist() == [1.0, 0.0, 3.0]
    assert x.to_list() == [1.0, None, 3.0]


def test_all_missing_over_empty_content_converts():
    # every entry missing: the index holds -1 only and the content is empty
    a = ak.enforce_type(ak.Array([None, None]), "option[var * float64]")
    x = rg.from_awkward(a)
    assert (x.to_list(), x.type) == ([None, None], "2 * option[var * float64]")


def test_option_index_out_of_range_is_an_error():
    bad = contents.IndexedOptionArray(_offsets([0, -1, 10**6]), _num())
    with pytest.raises(ValueError, match=r"IndexedOptionArray index\[2\]=1000000 is out of range"):
        rg.from_awkward(bad)


def test_missing_values_inside_a_regular_dimension_are_refused():
    a = ak.to_regular(ak.Array([[1.0, None], [2.0, 3.0], [4.0, 5.0]]), axis=1)
    # the message names the dimension as it is (2 wide, not the 3 rows)
    with pytest.raises(TypeError, match=r"inside a regular dimension \('2 \* \?float64'\)"):
        rg.from_awkward(a)


def test_missing_values_inside_record_fields_are_refused_not_moved_to_the_record():
    # ak.zip of option fields gives {pt: ?float64, ...}: a record of Nones is not a missing record
    a = ak.zip({"pt": ak.Array([[1.0, None], None]), "eta": ak.Array([[2.0, None], None])})
    with pytest.raises(TypeError, match=r"field 'pt' has missing values \(None\) of its own.*fill_none"):
        rg.from_awkward(a)
    with pytest.raises(TypeError, match="of its own"):
        rg.from_awkward(ak.zip({"x": ak.Array([[1.0, None]]), "y": ak.Array([[2.0, 3.0]])}))
    # an option above the record converts; so do event records whose fields hold their own Nones
    b = ak.Array([[{"pt": 1.0, "eta": 0.5}, None], None])
    assert rg.from_awkward(b).to_list() == b.to_list()
    for e in (
        ak.Array({"MET": [1.0, None], "Muon_pt": [[1.0], []]}),
        ak.zip({"x": ak.Array([1.0, None]), "y": ak.Array([2.0, None])}),
    ):
        assert rg.from_awkward(e).to_list() == e.to_list()
    with pytest.raises(TypeError, match="missing values of their own"):
        rg.from_awkward(ak.Array([{"x": 1.0, "y": None}, None, {"x": 3.0, "y": 2.0}]))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ak.Array([[1], ["a"]]), r"layout UnionArray is not supported"),
        (lambda: ak.Array(["abc", "d"])[1:], r"layout ListOffsetArray of strings is not supported"),
        (lambda: ak.Array([["abc"], []])[[1, 0]], r"layout ListOffsetArray of strings is not supported"),
        (
            lambda: contents.RecordArray([], [], length=2),
            r"layout RecordArray without fields is not supported",
        ),
        (lambda: [[1.0], [2.0]], r"expected an awkward Array or layout, not list; use rg\.array"),
    ],
)
def test_other_unsupported_inputs_name_the_layout(make, match):
    with pytest.raises(TypeError, match=rf"^rg\.from_awkward: {match}"):
        rg.from_awkward(make())


# ---- to_awkward --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "type_"),
    [
        ([[1.0, 2.0], [], [3.0]], "3 * var * float64"),
        ([[[1]], [], [[2, 3], []]], "3 * var * var * int64"),
        ([], "0 * float64"),
        ([[], []], "2 * var * float64"),
    ],
)
def test_to_awkward(data, type_):
    a = rg.to_awkward(rg.array(data))
    assert isinstance(a, ak.Array)
    assert str(a.type) == type_
    assert a.to_list() == data


def test_to_awkward_keeps_inner_dims_regular():
    a = rg.to_awkward(rg.from_offsets([0, 1, 3], np.ones((3, 2))))
    assert str(a.type) == "2 * var * 2 * float64"


def test_to_awkward_does_not_share_offsets():
    x = rg.array([[1, 2], [3]])
    a = rg.to_awkward(x)
    a.layout.offsets.data[1] = 0  # awkward may write; raggrad's read-only offsets stay as they are
    assert rg.offsets(x).tolist() == [0, 2, 3]


def test_to_awkward_from_jax_and_batched():
    jax = pytest.importorskip("jax")
    x = rg.array([[1.0], []], backend="jax")
    assert rg.to_awkward(x).to_list() == [[1.0], []]
    batched = jax.vmap(lambda v: rg.from_offsets(np.array([0, 2, 2, 3]), v))(
        jax.numpy.arange(6.0).reshape(2, 3)
    )
    a = rg.to_awkward(batched)
    assert str(a.type) == "2 * 3 * var * float32"
    assert a.to_list() == batched.to_list()


def test_to_awkward_rejects_other_types():
    with pytest.raises(
        TypeError, match=r"rg\.to_awkward: expected a RaggedArray or RecordArray, not ndarray"
    ):
        rg.to_awkward(np.ones(3))


# ---- round trips -------------------------------------------------------------------------------

_values = st.integers(-1000, 1000)


def _nested(depth: int) -> st.SearchStrategy[list]:
    strategy = st.lists(_values, max_size=5)
    for _ in range(depth - 1):
        strategy = st.lists(strategy, max_size=4)
    return strategy


@given(st.integers(1, 4).flatmap(_nested))
def test_awkward_round_trip(data):
    a = ak.Array(data)
    x = rg.from_awkward(a)
    assert x.to_list() == data
    back = rg.to_awkward(x)
    assert back.to_list() == data
    assert rg.from_awkward(back)._structure == x._structure


@given(_nested(2), st.data())
def test_awkward_list_array_round_trip(data, draw):
    # a ListArray over a permuted, padded content gives the same lists as the list-of-lists
    lengths = [len(row) for row in data]
    order = draw.draw(st.permutations(range(len(data))))
    flat, starts, stops = [], [0] * len(data), [0] * len(data)
    for i in order:
        flat.append(99)  # a gap the lists do not cover
        starts[i] = len(flat)
        flat.extend(data[i])
        stops[i] = starts[i] + lengths[i]
    layout = contents.ListArray(
        index.Index64(np.array(starts, dtype=np.int64)),
        index.Index64(np.array(stops, dtype=np.int64)),
        contents.NumpyArray(np.array(flat, dtype=np.int64)),
    )
    x = rg.from_awkward(layout)
    assert x.to_list() == data
    assert rg.to_awkward(x).to_list() == data
