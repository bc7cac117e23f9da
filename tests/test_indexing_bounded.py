"""x[...] on bounded arrays: every index form equals the exact array's, eagerly and under jax.jit.

The oracle is indexing of the exact array (itself checked against awkward and NumPy in
test_indexing). Results are bounded, with capacities that are static functions of the input
capacities and of the index's shape; padding slots hold zeros and get zero gradients.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import raggrad as rg

try:
    import jax
    import jax.numpy as jnp
except ImportError:  # the numpy half still runs
    jax = None

needs_jax = pytest.mark.skipif(jax is None, reason="needs jax")
MODES = [
    ("numpy", False),
    pytest.param("jax", False, marks=needs_jax),
    pytest.param("jax", True, marks=needs_jax),
]
CAPS = {2: {"lists": 8, "elements": 32}, 3: {"lists": (8, 16), "elements": 48}}
LISTS = [[3.0, 1.0, 2.0], [], [5.0, 4.0], [6.0]]
NESTED = [[[1.0, 2.0], [], [3.0]], [], [[4.0], [5.0, 6.0, 7.0]]]


# ---- helpers ---------------------------------------------------------------------------------------
def _exact(lists, depth):
    """``n * var`` or ``n * var * var`` even when lists are empty (rg.array would infer less)."""
    if depth == 2:
        values = np.array([v for row in lists for v in row], dtype=np.float64)
        return rg.from_lengths([len(r) for r in lists], values)
    inner = [sub for row in lists for sub in row]
    values = np.array([v for sub in inner for v in sub], dtype=np.float64)
    return rg.from_lengths([len(r) for r in lists], rg.from_lengths([len(s) for s in inner], values))


def _bounded(x, backend, depth=None):
    depth = depth or x.ndim
    return rg.with_capacity(x, **CAPS[depth]).to_backend(backend)


def _out(r):
    """A result as lists (bounded ones trimmed first, after checking their padding holds zeros)."""
    if isinstance(r, rg.RaggedArray):
        if rg.is_bounded(r):
            t = rg.trim(r)
            np.testing.assert_equal(t.to_list(), r.to_list())
            used = int(np.asarray(t.values).shape[0])
            assert not np.any(np.asarray(r.values)[used:]), "padding slots hold zeros"
            return t.to_list()
        return r.to_list()
    return np.asarray(r).tolist()


def _outcome(f):
    try:
        return "ok", _out(f())
    except (IndexError, ValueError, NotImplementedError) as exc:
        return "error", type(exc)


_JITTED = {}


def _apply(f, b, jit, *args):
    """``f(b, *args)``, under ``jax.jit`` when ``jit`` (module-level functions compile once per bucket)."""
    if jit:
        f = _JITTED.setdefault(f, jax.jit(f))
    return f(b, *args)


def _get(v, i):
    return v[i]


def _get_tail(v, i):
    return v[i, 1:]


def _positive(v, t):
    return v[v > t]


def _by_sum(v, t):
    return v[rg.sum(v, axis=2) > t]


def _by_count(v, t):
    return v[rg.num(v, axis=1) > t]


def _at_maxima(v):
    return v[rg.argmax(v, axis=1, keepdims=True)]


def _check(f, x, backend, jit, *args, depth=None):
    """``f`` of the bounded ``x`` equals ``f`` of ``x``, or raises the same error eagerly; returns
    the bounded result (None when the exact one raised)."""
    want = _outcome(lambda: f(x, *args))
    b = _bounded(x, backend, depth)
    if want[0] == "error":
        if not jit:
            assert _outcome(lambda: f(b, *args)) == want
        return None
    got = _apply(f, b, jit, *args)
    assert _out(got) == want[1]
    assert rg.is_bounded(got) or not isinstance(got, rg.RaggedArray)  # (no regular inner dims here)
    return got


def _capacity(r):
    return rg.capacity(r) if isinstance(r, rg.RaggedArray) else None


# ---- integers, slices, None and ... at every dimension -------------------------------------------
ragged2 = st.lists(st.lists(st.integers(-9, 9).map(float), max_size=5), max_size=6)
ragged3 = st.lists(st.lists(st.lists(st.integers(-9, 9).map(float), max_size=3), max_size=3), max_size=4)
bounds = st.one_of(st.none(), st.integers(-5, 5))
slices = st.builds(slice, bounds, bounds, st.sampled_from([None, 1, 2, 3, -1, -2, -3]))


@st.composite
def basic_keys(draw, ndim):
    items, used, ellipsis = [], 0, False
    for _ in range(draw(st.integers(1, ndim + 1))):
        kind = draw(st.sampled_from(["int", "slice", "slice", "none", "ellipsis"]))
        if kind in ("int", "slice") and used < ndim:
            used += 1
            items.append(draw(st.integers(-4, 4)) if kind == "int" else draw(slices))
        elif kind == "none":
            items.append(None)
        elif kind == "ellipsis" and not ellipsis:
            ellipsis = True
            items.append(Ellipsis)
    return tuple(items)


@pytest.mark.parametrize(("backend", "jit"), MODES)
@given(data=st.data(), depth=st.sampled_from([2, 3]))
def test_basic_indices_equal_the_exact_ones(backend, jit, data, depth):
    x = _exact(data.draw(ragged2 if depth == 2 else ragged3), depth)
    key = data.draw(basic_keys(depth))
    got = _check(lambda v: v[key], x, backend, jit, depth=depth)
    if got is not None and jit:  # capacities are static: the same eagerly
        assert _capacity(got) == _capacity(_bounded(x, "numpy", depth)[key])


def test_capacities_of_basic_indices():
    b = rg.with_capacity(rg.array(NESTED), lists=(4, 8), elements=16)
    assert rg.capacity(b[0]) == ((8,), 16)  # x[i]: the capacities after the first
    assert rg.capacity(b[1:, ::-1]) == ((4, 8), 16)
    assert rg.capacity(b[2:, 0]) == ((4,), 16)
    assert rg.capacity(b[None]) == ((1, 4, 8), 16)
    assert rg.capacity(b[:, None]) == ((4, 4, 8), 16)
    assert rg.capacity(b[2:, :, -1]) == ((4,), 8)
    assert b[0, 1, 2:].to_list() == [] and float(b[2, 1, -1]) == 7.0


@needs_jax
def test_traced_integers_pick_under_jit_and_fill_out_of_range():
    x = rg.array(NESTED, backend="jax")
    b = rg.with_capacity(x)
    outer = jax.jit(lambda v, i: v[i])
    assert outer(b, jnp.int32(2)).to_list() == x[2].to_list()
    assert outer(b, jnp.int32(-3)).to_list() == x[0].to_list()
    with pytest.raises(ValueError, match="invalid"):  # a missing list is never silently empty
        outer(b, jnp.int32(3)).to_list()
    assert jax.jit(lambda v, i: v[i, 2, i])(b, jnp.int32(0)).tolist() == 3.0
    # within lists: JAX's fill rule, list by list
    inner = jax.jit(lambda v, i: v[:, :, i])(b, jnp.int32(1)).to_list()
    assert inner[0][0] == 2.0 and np.isnan(inner[0][1]) and np.isnan(inner[2][0]) and inner[2][1] == 6.0
    assert jax.jit(lambda v, i: v[0, :, i])(b, jnp.int32(-1)).to_list()[::2] == [2.0, 3.0]
    # eagerly, with concrete offsets, the exact error
    with pytest.raises(IndexError, match="out of range for axis 0 with length 3"):
        b[jnp.int32(3)]
    with pytest.raises(IndexError, match="list 1 at axis 2 is empty"):
        b[:, :, 0]


def test_regular_inner_dims():
    vectors = rg.from_offsets([0, 2, 2, 3], np.arange(9.0).reshape(3, 3))
    b = rg.with_capacity(vectors)
    for key in [
        (slice(None), slice(None), 1),
        (Ellipsis, [0, 2]),
        (0, slice(1, None), 2),
        (2, 0),
        (..., None),
    ]:
        assert _out(b[key]) == _out(vectors[key]), key
    assert rg.capacity(b[..., [0, 2]]) == rg.capacity(b)
    if jax is not None:
        jb = b.to_backend("jax")
        got = jax.jit(lambda v, i: v[:, :, i])(jb, jnp.int32(-1))
        assert _out(got) == _out(vectors[:, :, -1])
        assert np.isnan(_out(jax.jit(lambda v, i: v[:, :, i])(jb, jnp.int32(3)))[0]).all()


# ---- boolean masks: capacities unchanged -----------------------------------------------------------
@pytest.mark.parametrize(("backend", "jit"), MODES)
@given(lists=ragged3, t=st.integers(-9, 9), depth=st.sampled_from([1, 2, 3]))
def test_ragged_masks_equal_the_exact_ones(backend, jit, lists, t, depth):
    x = _exact(lists, 3)
    select, threshold = {3: (_positive, t), 2: (_by_sum, t), 1: (_by_count, t % 3)}[depth]
    threshold = np.float32(threshold) if backend == "jax" else threshold
    got = _check(select, x, backend, jit, threshold, depth=3)
    assert rg.capacity(got) == ((8, 16), 48)
    two = _exact([[v for sub in row for v in sub] for row in lists], 2)
    assert rg.capacity(_check(_positive, two, backend, jit, threshold)) == ((8,), 32)


@pytest.mark.parametrize(("backend", "jit"), MODES)
@given(lists=ragged2, data=st.data())
def test_dense_masks_on_the_outer_axis(backend, jit, lists, data):
    x = _exact(lists, 2)
    keep = np.array(data.draw(st.lists(st.booleans(), min_size=len(lists), max_size=len(lists))), dtype=bool)
    got = _check(_get, x, backend, jit, keep)  # the length of the count
    assert rg.capacity(got) == ((8,), 32)
    padded = np.concatenate([keep, np.ones(8 - len(keep), bool)])  # the capacity's: padding ignored
    assert _out(_apply(_get, _bounded(x, backend), jit, padded)) == x[keep].to_list()
    # a bounded mask of the same lists (capacity 8)
    assert _out(_apply(_by_count, _bounded(x, backend), jit, 1)) == _out(x[rg.num(x, axis=1) > 1])


def test_a_dense_mask_of_another_length_raises_eagerly_and_invalidates_under_jit():
    b = rg.with_capacity(rg.array(LISTS), lists=8)
    with pytest.raises(
        IndexError, match="boolean index of length 3 does not match axis 0, which has length 4"
    ):
        b[np.array([True, False, True])]
    if jax is not None:
        out = jax.jit(lambda v, m: v[m])(b.to_backend("jax"), jnp.array([True, False, True]))
        with pytest.raises(ValueError, match="invalid"):
            out.to_list()


def test_mask_lists_must_be_the_arrays():
    b = rg.with_capacity(rg.array(LISTS), lists=8, elements=16)
    other = rg.with_capacity(rg.array([[1.0], [2.0, 3.0], [], [4.0]]), lists=8, elements=16)
    with pytest.raises(ValueError, match=r"does not match the array's lists: list 0 at axis 1"):
        b[other > 0]
    with pytest.raises(ValueError, match="capacities"):
        b[rg.with_capacity(rg.array(LISTS)) > 0]
    assert b[rg.array(LISTS) > 2].to_list() == [[3.0], [], [5.0, 4.0], [6.0]]  # an exact mask is bounded
    if jax is not None:
        out = jax.jit(lambda v, m: v[m])(b.to_backend("jax"), (other > 0).to_backend("jax"))
        with pytest.raises(ValueError, match="invalid"):
            out.to_list()


# ---- ragged integer indices ----------------------------------------------------------------------------
@st.composite
def nested_with_index(draw):
    lists = draw(ragged2)
    index = [draw(st.lists(st.integers(-len(r), len(r) - 1), max_size=4)) if r else [] for r in lists]
    return lists, index


@pytest.mark.parametrize(("backend", "jit"), MODES)
@given(pair=nested_with_index(), bound_index=st.booleans())
def test_ragged_integer_indices_equal_the_exact_ones(backend, jit, pair, bound_index):
    lists, index = pair
    x = _exact(lists, 2)
    exact_index = rg.from_lengths(
        [len(r) for r in index], np.array([v for r in index for v in r], dtype=np.int64)
    )
    if bound_index or not jit:  # (an exact index is static under jit: a program per example)
        i = rg.with_capacity(exact_index, lists=8, elements=32) if bound_index else exact_index
        got = _check(_get, x, backend, jit, i.to_backend(backend))
        if bound_index:
            assert rg.capacity(got) == ((8,), 32)  # the index's capacities
    picks = _check(_at_maxima, x, backend, jit)
    assert rg.capacity(picks) == ((8,), 8)
    order = rg.with_capacity(rg.argsort(x, axis=1), **CAPS[2]).to_backend(backend)
    assert _out(_apply(_get, _bounded(x, backend), jit, order)) == rg.sort(x, axis=1).to_list()


def test_ragged_integer_index_out_of_range():
    b = rg.with_capacity(rg.array(LISTS))
    with pytest.raises(IndexError, match="index 3 is out of range for list 0 at axis 1, which has length 3"):
        b[rg.array([[3], [], [0], [0]])]
    if jax is not None:
        jb = b.to_backend("jax")
        out = jax.jit(lambda v, i: v[i])(
            jb, rg.with_capacity(rg.array([[3, -1], [], [-2], [0]], backend="jax"))
        )
        got = out.to_list()
        assert np.isnan(got[0][0]) and got[0][1] == 2.0 and got[2:] == [[5.0], [6.0]]


def test_ragged_index_of_sublists_and_then_more_items():
    x = rg.array(NESTED)
    b = rg.with_capacity(x)
    index = rg.array([[2, 0], [], [-1]])
    assert b[index].to_list() == x[index].to_list()
    assert b[index, 1:].to_list() == x[index, 1:].to_list()
    if jax is not None:  # traced: works on bounded arrays (the exact ones need concrete indices)
        out = jax.jit(lambda v, i: v[i])(b.to_backend("jax"), rg.with_capacity(index).to_backend("jax"))
        assert out.to_list() == x[index].to_list()


# ---- integer arrays on the outer axis: mini-batches -----------------------------------------------------
@pytest.mark.parametrize(("backend", "jit"), MODES)
@given(lists=ragged2.filter(len), data=st.data())
def test_outer_integer_arrays_equal_the_exact_ones(backend, jit, lists, data):
    x = _exact(lists, 2)
    n = len(lists)
    idx = np.array(data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=5)), dtype=np.int64)
    if backend == "jax":
        idx = jnp.asarray(idx, dtype=jnp.int32)
    got = _check(_get, x, backend, jit, idx)
    assert rg.capacity(got).lists == (16,)  # the bucket of len(idx)
    tail = _check(_get_tail, x, backend, jit, idx)
    assert tail is None or rg.capacity(tail).lists == (16,)


@needs_jax
def test_mini_batches_compile_once_from_bounded_and_exact_arrays():
    rng = np.random.default_rng(0)
    lengths = rng.poisson(3, 100)
    data = rg.from_lengths(lengths, rng.normal(size=int(lengths.sum())).astype(np.float32)).to_backend("jax")
    traces = []

    def loss(x, idx):
        traces.append(1)
        return rg.sum(rg.sum(x[idx], axis=1) ** 2)

    step = jax.jit(loss)
    bounded = rg.with_capacity(data)
    for _ in range(5):
        idx = jnp.asarray(rng.choice(100, size=32, replace=False), dtype=jnp.int32)
        want = float(loss(data, np.asarray(idx)))
        np.testing.assert_allclose(float(step(bounded, idx)), want, rtol=1e-5)
        np.testing.assert_allclose(float(step(data, idx)), want, rtol=1e-5)  # exact: bounded inside
    assert len(traces) == 5 + 2  # one eager reference per step, one trace per input kind
    batch = jax.jit(lambda x, i: x[i])(data, idx)
    longest = int(lengths.max())
    assert rg.is_bounded(batch)
    assert rg.capacity(batch) == (
        (32,),
        min(rg.capacity(bounded).elements, 1 << (32 * longest - 1).bit_length()),
    )


def test_repeated_picks_beyond_the_capacity_invalidate_the_result():
    b = rg.with_capacity(rg.array([[1.0] * 10, [2.0]]), lists=2, elements=16)
    assert b[[0, 1]].to_list() == [[1.0] * 10, [2.0]]
    with pytest.raises(ValueError, match="holds 20 items at axis 1, over its capacity 16"):
        b[[0, 0]]  # 20 elements in 16 slots: never silently cut (eagerly its sum was NaN)
    jax = pytest.importorskip("jax")
    picked = jax.jit(lambda v: v[np.array([0, 0])])(rg.to_backend(b, "jax"))  # traced: invalid
    with pytest.raises(ValueError, match="invalid"):
        picked.to_list()
    assert np.isnan(float(jax.jit(lambda v: rg.sum(v[np.array([0, 0])]))(rg.to_backend(b, "jax"))))


def test_bounded_one_dimensional_index_keeps_its_capacity():
    x = rg.array(LISTS)
    b = rg.with_capacity(x)
    order = rg.with_capacity(rg.array([3, 0, 2]), lists=4)
    assert b[order].to_list() == x[[3, 0, 2]].to_list() and rg.capacity(b[order]).lists == (4,)
    assert x[order].to_list() == x[[3, 0, 2]].to_list() and rg.is_bounded(x[order])


# ---- records, gradients, vmap -------------------------------------------------------------------------
@pytest.mark.parametrize(("backend", "jit"), MODES)
def test_records_select_field_by_field(backend, jit):
    def f(v):
        rec = rg.zip({"pt": v, "q": v * 2.0})
        return rec[rec.pt > 2.0], rec[[3, 0]], rec[:, ::-1]

    b = rg.with_capacity(rg.array(LISTS, backend=backend))
    for got, want in zip(_apply(f, b, jit), f(rg.array(LISTS)), strict=True):
        assert got.to_list() == want.to_list()
    if not jit:
        rec = rg.zip({"pt": b, "q": b * 2.0})
        assert rg.is_bounded(rec[rec.pt > 2.0])


GRADIENT_FORMS = {
    "int": lambda v: v[2],
    "slice": lambda v: v[::-1, 1:],
    "mask": lambda v: v[v > 2.5],
    "argmax": lambda v: v[rg.argmax(v, axis=1, keepdims=True)],
    "outer-array": lambda v: v[np.array([3, 0, 0, 2])],
    "outer-mask": lambda v: v[np.array([True, False, True, True])],
    "paired": lambda v: v[[0, 2, 0], [-1, 0, -1]],
}


@needs_jax
@pytest.mark.parametrize("form", sorted(GRADIENT_FORMS))
def test_gradients_equal_the_exact_ones_and_are_zero_at_padding(form):
    pick = GRADIENT_FORMS[form]

    def f(v):
        return rg.sum(np.sin(pick(v)) * 3.0)

    x = rg.array(LISTS, backend="jax")
    want = jax.grad(f)(x)
    b = rg.with_capacity(x)
    for g in (rg.grad(f)(b), jax.jit(rg.grad(f))(b)):
        assert rg.is_bounded(g)
        np.testing.assert_allclose(np.asarray(rg.trim(g).values), np.asarray(want.values), rtol=1e-6)
        assert not np.any(np.asarray(g.values)[6:])


@needs_jax
def test_gradient_through_traced_indices_under_jit():
    x = rg.array(LISTS, backend="jax")
    b = rg.with_capacity(x)
    idx = jnp.array([3, 0, 0])
    g = jax.jit(rg.grad(lambda v, i: rg.sum(v[i] ** 2)))(b, idx)
    assert rg.trim(g).to_list() == jax.grad(lambda v: rg.sum(v[np.array([3, 0, 0])] ** 2))(x).to_list()
    g = jax.jit(rg.grad(lambda v, i: rg.sum(v[:, i] ** 2)))(
        rg.with_capacity(rg.array([[1.0, 2.0], [3.0]], backend="jax")), jnp.int32(0)
    )
    assert rg.trim(g).to_list() == [[2.0, 0.0], [6.0]]


@needs_jax
def test_vmap_over_stacked_bounded_arrays():
    a = rg.with_capacity(rg.array(LISTS, backend="jax"))
    c = rg.with_capacity(rg.array([[1.0, 7.0], [], [9.0]], backend="jax"))
    out = rg.unstack(jax.vmap(lambda v: v[v > 2.5][:, ::-1])(rg.stack([a, c])))
    assert [o.to_list() for o in out] == [[[3.0], [], [4.0, 5.0], [6.0]], [[7.0], [], [9.0]]]


# ---- exact arrays ------------------------------------------------------------------------------------
@needs_jax
def test_traced_masks_on_exact_arrays_name_rg_with_capacity():
    x = rg.array(LISTS, backend="jax")
    with pytest.raises(rg.TracedStructureError, match=r"rg\.with_capacity\(x\)\[mask\]"):
        jax.jit(lambda v: v[v > 2])(x)
    with pytest.raises(rg.TracedStructureError, match=r"rg\.with_capacity"):
        jax.jit(lambda v, i: v[i])(x, jnp.int32(0))
    assert jax.jit(lambda v: v[v > 2])(rg.with_capacity(x)).to_list() == x[x > 2].to_list()


def test_unsupported_forms_say_what_to_do():
    b = rg.with_capacity(rg.array(NESTED))
    with pytest.raises(NotImplementedError, match="adjacent"):
        b[0, :, [0, 1]]
    with pytest.raises(IndexError, match="shape mismatch"):
        b[[0, 2], [0, 1, 0]]
    with pytest.raises(NotImplementedError, match="boolean array cannot be combined"):
        b[np.array([True, False, True]), [0, 1]]


def test_a_host_index_changed_in_place_is_read_again():
    b = rg.with_capacity(rg.array(LISTS))
    idx, mask = np.array([0, 1]), np.array([True, False, False, True])
    assert b[idx].to_list() == [[3.0, 1.0, 2.0], []] and b[mask].to_list() == [[3.0, 1.0, 2.0], [6.0]]
    idx[0], mask[0] = 2, False
    assert b[idx].to_list() == [[5.0, 4.0], []] and b[mask].to_list() == [[6.0]]


@needs_jax
@pytest.mark.parametrize("form", sorted(GRADIENT_FORMS))
def test_jit_sends_nothing_from_the_host(form):
    b = rg.with_capacity(rg.array(LISTS, backend="jax"))
    f = jax.jit(GRADIENT_FORMS[form])  # traced and compiled under the guard
    with jax.transfer_guard("disallow"):
        got = f(b)
    assert _out(got) == _out(GRADIENT_FORMS[form](rg.array(LISTS)))


@pytest.mark.parametrize(
    ("array_backend", "key_backend"), [("numpy", "torch"), ("torch", "jax"), ("jax", "torch")]
)
def test_concrete_masks_of_another_backend_index_as_numpy_ones(array_backend, key_backend):
    # a concrete jax or torch mask met the array's namespace as it was (torch.bool as a NumPy
    # dtype: TypeError), and at an inner dimension was refused as "traced"
    for lib in {array_backend, key_backend} - {"numpy"}:
        pytest.importorskip(lib)
    exact = rg.to_backend(rg.array([[1.0, 5.0, 3.0], [], [4.0, 2.0], [9.0, 7.0, 8.0, 6.0]]), array_backend)
    x = rg.with_capacity(exact)
    flags = [True, False, True, True]
    host = np.array(flags)
    mask = rg.to_backend(rg.array(flags), key_backend).values
    assert x[mask].to_list() == exact[host].to_list() == [[1.0, 5.0, 3.0], [4.0, 2.0], [9.0, 7.0, 8.0, 6.0]]
    inner = rg.to_backend(rg.array([True, False, True]), key_backend).values
    assert x[0, inner].to_list() == exact[0, np.array([True, False, True])].to_list() == [1.0, 3.0]


def test_uint64_ragged_keys_on_bounded_torch_arrays():
    # torch has no minimum for uint64 ("minimum_cpu" not implemented): the clamp of concrete
    # local indices runs on the host
    pytest.importorskip("torch")
    x = rg.to_backend(rg.array([[1.0, 5.0, 3.0], [], [4.0, 2.0]]), "torch")
    k = rg.astype(rg.local_index(x), rg.uint64)
    assert x[rg.with_capacity(k)].to_list() == rg.with_capacity(x)[k].to_list() == x[k].to_list()


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_uint64_ragged_keys_past_int64_are_out_of_range_not_wrapped(backend):
    # 2**64 - 1 was cast to int64 -1 and picked the last item of the list, exact and bounded
    pytest.importorskip(backend)
    x = rg.to_backend(rg.array([[1.0, 5.0, 3.0], [], [4.0, 2.0]]), backend)
    far = rg.to_backend(rg.from_lengths([1, 0, 1], np.array([2**64 - 1, 0], np.uint64)), backend)
    for array, key in ((x, far), (x, rg.with_capacity(far)), (rg.with_capacity(x), far)):
        with pytest.raises(IndexError, match="out of range for list 0 at axis 1"):
            array[key]
