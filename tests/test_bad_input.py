"""Bad and unusual input: the right answer or a clear, named error; never a crash or a quiet
wrong number. One row per input found by trying raggrad as a hostile user would."""

from __future__ import annotations

import copy
import inspect
import pickle
import subprocess
import sys

import numpy as np
import pytest

import raggrad as rg
from raggrad._registry import REGISTRY

X = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]])
XI = rg.array([[1, 2, 3], [], [4, 5]])
MAX = np.iinfo(np.int64).max


@pytest.mark.parametrize(
    ("call", "error", "phrase"),
    [
        # structure arithmetic that overflows int64 is refused, not wrapped around
        (lambda: rg.from_lengths([MAX, MAX, 7], np.arange(5.0)), ValueError, "past the largest int64"),
        (lambda: rg.from_offsets([0, MAX, -10, 3], np.arange(5.0)), ValueError, "must not decrease"),
        (
            lambda: rg.from_offsets(np.array([0, 2**63 + 5], np.uint64), np.arange(5.0)),
            ValueError,
            "fit in int64",
        ),
        (lambda: rg.from_lengths(np.array([2**63], np.uint64), np.arange(5.0)), ValueError, "fit in int64"),
        (lambda: rg.from_offsets([0, 2**70], np.arange(5.0)), ValueError, "fit in int64"),
        (lambda: rg.unflatten(rg.array([1.0, 2.0]), [MAX, MAX, 4]), ValueError, "past the largest int64"),
        (
            lambda: rg.from_padded(np.zeros((2, 2)), np.array([2**63, 0], np.uint64)),
            ValueError,
            "fit in int64",
        ),
        # axes: booleans refused, NumPy integers accepted, duplicates refused
        (lambda: rg.sum(X, axis=True), TypeError, "not the boolean True"),
        (lambda: rg.flip(X, axis=(1, 1)), ValueError, "more than once"),
        (lambda: rg.num(X, axis=None), TypeError, "axis=None is not supported"),
        (lambda: np.sort(X, kind="bogus"), ValueError, "kind='bogus'"),
        # silent conversions
        (lambda: rg.to_padded(X, length=1.5), TypeError, "length must be an integer"),
        (lambda: rg.to_padded(XI, fill_value=np.nan), ValueError, "cannot be stored"),
        # a length past the memory: named, before anything is allocated (was NumPy's MemoryError,
        # or OverflowError past int64)
        (lambda: rg.to_padded(X, 2**40), rg.OutputTooLargeError, "2 arrays .* pass a smaller length"),
        (lambda: rg.to_padded(X, 2**70), rg.OutputTooLargeError, "pass a smaller length"),
        (lambda: rg.to_padded(rg.with_capacity(X), 2**40), rg.OutputTooLargeError, "padded slots"),
        (lambda: rg.from_padded(np.array([["a", "b"]]), [1]), TypeError, "numbers and booleans"),
        (lambda: rg.full(2, "a"), TypeError, "fill_value must be a number"),
        (lambda: rg.full(2, 1, dtype=object), TypeError, "numbers and booleans"),
        # messages people can act on
        (lambda: X + "x", TypeError, "cannot use str 'x' as an operand"),
        (lambda: rg.sin("x"), TypeError, "cannot use str"),
        (lambda: rg.from_lengths([1], None), TypeError, "not None"),
        (lambda: rg.astype(X, str), TypeError, "numbers and booleans"),
        (lambda: XI + 2**70, OverflowError, r"1180591620717411303424 is out of bounds for int"),
        (lambda: rg.broadcast_arrays(X, 2**70), OverflowError, "does not fit in int64"),
        (lambda: rg.arange(0, 10, 0), ValueError, "step must not be zero"),
        (lambda: rg.to_numpy(X), ValueError, r"rg\.flatten\(x\) or x\.values"),
        (lambda: np.add(X, 1, out=X), NotImplementedError, "immutable"),
        # a ragged Python list where a flat content array is expected: say to use rg.array
        (
            lambda: rg.from_lengths([2, 1], [[1.0, 2.0], [3.0]]),
            TypeError,
            r"rg\.from_lengths: content must be a flat list .* use rg\.array\(lists\)",
        ),
        (
            lambda: rg.from_offsets([0, 2, 3], [[1.0, 2.0], [3.0]]),
            TypeError,
            r"rg\.from_offsets: content must be a flat list .* use rg\.array\(lists\)",
        ),
        (lambda: rg.from_padded([[1.0], [2.0, 3.0]], [1, 2]), TypeError, "must be a rectangular array"),
        # as an operand a ragged list is an array (awkward's rule); other lists are named
        (
            lambda: np.add(X, [[1.0], [], [2.0, 3.0]]),
            ValueError,
            r"np\.add: cannot broadcast .* list 0 at axis 1 has length 1 vs 3",
        ),
        (lambda: np.add(X, [[1.0], [2.0, 3.0]]), ValueError, r"outer lengths differ \(2 vs 3\)"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_input_gets_a_named_error(call, error, phrase):
    with pytest.raises(error, match=phrase):
        call()


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: rg.flip(X, axis=np.int64(1)), [[3.0, 2.0, 1.0], [], [5.0, 4.0]]),
        (lambda: rg.sum(X, axis=np.int32(1)), [6.0, 0.0, 9.0]),
        (lambda: X + [[1.0, 1.0, 1.0], [], [2.0, 2.0]], [[2.0, 3.0, 4.0], [], [6.0, 7.0]]),  # noqa: RUF005
        (lambda: rg.from_lengths(rg.num(X), X.values), X.to_list()),
        (lambda: rg.from_offsets(np.array([0, 2], np.uint64), np.arange(2.0)), [[0.0, 1.0]]),
        (lambda: rg.array(np.array([1.0, 2.0], dtype=">f8")), [1.0, 2.0]),
    ],
)
def test_unusual_input_gets_the_right_answer(call, expected):
    assert call().to_list() == expected


def test_in_place_operators_rebind_as_for_jax_arrays():
    y = x = rg.array([[1.0], []])
    x += 1  # a new array bound to x; the one y names is unchanged (arrays are immutable)
    assert x.to_list() == [[2.0], []] and y.to_list() == [[1.0], []]


def _ops_with_an_axis():
    for name, op in sorted(REGISTRY.items()):
        try:
            parameters = inspect.signature(op.func).parameters
        except (TypeError, ValueError):
            continue
        if "axis" in parameters:
            yield name


@pytest.mark.parametrize("name", list(_ops_with_an_axis()))
def test_every_axis_refuses_booleans_and_accepts_numpy_integers(name):
    op = REGISTRY[name].func
    first = [X, X] if name in ("concat", "cartesian") else X
    args = (first, 2) if name in ("combinations", "argcombinations", "pad_none") else (first,)
    if name == "fill_none":
        args = (X, 0.0)
    if name == "unflatten":
        args = (rg.flatten(X, axis=None), [3, 0, 2])
    if name == "vecdot":
        v = rg.from_lengths([2, 0], np.ones((2, 3)))
        args = (v, v)
    with pytest.raises(TypeError, match="boolean"):
        op(*args, axis=True)
    axis = np.int64(0 if name == "unflatten" else 1)
    try:
        expected = op(*args, axis=int(axis))
    except (
        ValueError,
        NotImplementedError,
        TypeError,
    ) as exc:  # the op refuses this axis: it must say so alike
        with pytest.raises(type(exc)):
            op(*args, axis=axis)
        return
    assert repr(op(*args, axis=axis)) == repr(expected)


# ---- lost data: pickle and copies ---------------------------------------------------------------
def _backends():
    out = ["numpy"]
    for name in ("jax", "torch"):
        try:
            __import__(name)
            out.append(name)
        except ImportError:
            pass
    return out


@pytest.mark.parametrize("backend", _backends())
def test_pickle_and_copies_round_trip_on_every_backend(backend):
    x = rg.to_backend(rg.array([[1.5, 2.5], [], [3.5]]), backend)
    r = rg.zip({"pt": x, "q": x * 2})
    for obj in (x, r):
        for back in (pickle.loads(pickle.dumps(obj)), copy.copy(obj), copy.deepcopy(obj)):
            assert type(back) is type(obj)
            assert back.to_list() == obj.to_list() and back.type == obj.type and back.backend == backend


def test_pickle_of_a_numpy_array_after_jax_used_its_structure():
    jax = pytest.importorskip("jax")
    x = rg.array([[1.0, 2.0], [3.0]])
    jax.jit(lambda v: rg.sum(v, axis=1))(x.to_backend("jax"))  # caches device maps on the structure
    assert pickle.loads(pickle.dumps(x)).to_list() == x.to_list()


def test_a_pickled_numpy_array_loads_without_jax():
    data = pickle.dumps(rg.array([[1.0, 2.0], [], [3.0]]))
    code = (
        "import pickle, sys; sys.modules['jax'] = None; sys.modules['torch'] = None; "
        f"x = pickle.loads({data!r}); print(x.to_list())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[[1.0, 2.0], [], [3.0]]"


# ---- JAX: silent conversions, printable results ----------------------------------------------
def test_jax_refuses_integers_it_would_wrap_without_x64():
    jax = pytest.importorskip("jax")
    if jax.numpy.asarray(0).dtype == np.int64:
        pytest.skip("x64 is enabled")
    with pytest.raises(OverflowError, match="does not fit in int32"):
        rg.array([[2**40, 1]], backend="jax")
    assert rg.array([[2**30, 1]], backend="jax").to_list() == [[2**30, 1]]
    # a bounded array moves its content with its structure, in one transfer: checked the same
    for big, dtype in ((2**40 + 1, np.int64), (2**64 - 1, np.uint64)):
        bounded = rg.with_capacity(rg.from_lengths([1, 0, 1], np.array([big, 5], dtype)))
        with pytest.raises(OverflowError, match=f"{big} does not fit in u?int32"):
            bounded.to_backend("jax")
    small = rg.with_capacity(rg.from_lengths([1, 0, 1], np.array([2**31 - 1, 5])))
    assert small.to_backend("jax").to_list() == [[2**31 - 1], [], [5]]


def test_zero_tangents_of_booleans_print_as_float0():
    jax = pytest.importorskip("jax")
    x = X.to_backend("jax")
    _, t = jax.jvp(lambda v: v > 0, (x,), (x,))
    assert t.type == "3 * var * float0"
    assert t.to_list() == [[0, 0, 0], [], [0, 0]]


def test_jacobian_of_ragged_in_ragged_out_is_printable_and_convertible():
    jax = pytest.importorskip("jax")
    x = X.to_backend("jax")
    jac = jax.jacfwd(lambda v: v[:, 1:] * 2)(x)
    # for every output element, the derivatives with the input's lists
    assert jac.type == "3 * var * 3 * var * float32"
    assert jac.to_list() == [
        [[[0.0, 2.0, 0.0], [], [0.0, 0.0]], [[0.0, 0.0, 2.0], [], [0.0, 0.0]]],
        [],
        [[[0.0, 0.0, 0.0], [], [0.0, 2.0]]],
    ]
    assert "type='3 * var * 3 * var * float32'" in repr(jac)
    assert jax.jacrev(lambda v: v[:, 1:] * 2)(x).to_list() == jac.to_list()
    assert jac.to_backend("numpy").to_list() == jac.to_list()


def test_arrays_without_ragged_dimensions_take_in_place_assignment_as_numpy_does():
    x = rg.asarray(np.array([1, 2, 3], np.uint8))
    x[0] = 7
    assert x.to_list() == [7, 2, 3]
    with pytest.raises(TypeError, match="immutable"):
        X[0] = 1.0


def test_reducers_keep_the_dtype_asked_for_and_reduce_over_no_axis():
    x = rg.asarray(np.array([200, 100], np.uint8))
    assert rg.sum(x, dtype=np.uint8).dtype == np.uint8 and int(rg.sum(x, dtype=np.uint8)) == 44  # wraps
    assert rg.sum(x, axis=()).to_list() == [200, 100]
    assert rg.concat([np.array(1.0), np.array(2.0)], axis=None).to_list() == [1.0, 2.0]


# ---- backend-specific input -------------------------------------------------------------------
def test_torch_bfloat16_is_refused_by_name_where_jax_holds_it():
    torch = pytest.importorskip("torch")
    content = torch.tensor([1.0, 2.0, 3.0], dtype=torch.bfloat16)
    phrase = r"torch backend: raggrad holds no torch\.bfloat16 \(convert with tensor\.to\(torch\.float32\)"
    for call in (
        lambda: rg.from_offsets([0, 2, 3], content),
        lambda: rg.from_lengths([2, 1], content),
        lambda: rg.array(content),
        lambda: rg.array([[1.0, 2.0], [3.0]], backend="torch") + content[:1],
    ):
        with pytest.raises(TypeError, match=phrase):
            call()
    x = rg.array([[1.0, 2.0], [3.0]], backend="torch")
    for call in (lambda: rg.astype(x, torch.bfloat16), lambda: rg.full(2, 1.0, dtype=torch.bfloat16)):
        with pytest.raises(TypeError, match=r"rg\.(astype|full): " + phrase):
            call()
    jnp = pytest.importorskip("jax.numpy")
    y = rg.from_offsets([0, 2, 3], jnp.asarray([1.0, 2.0, 3.0], dtype=jnp.bfloat16))
    assert rg.sum(y, axis=1).type == "2 * bfloat16" and rg.sum(y, axis=1).to_list() == [3.0, 3.0]


def test_jvp_names_the_lists_where_a_bounded_tangent_differs_from_its_primal():
    # bounded arrays of one capacity have one treedef: a tangent with other lists was read with
    # the primal's lists, a quietly wrong derivative (234.0 here)
    pytest.importorskip("jax")
    primal = rg.with_capacity(rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]], backend="jax"), lists=4, elements=8)
    other = rg.with_capacity(rg.array([[1.0], [2.0, 3.0, 4.0], [5.0]], backend="jax"), lists=4, elements=8)

    def loss(v):
        return rg.sum(rg.sum(v, axis=1) ** 2)

    with pytest.raises(ValueError, match=r"rg\.jvp: the tangent\[0\]'s lists differ from the primal\[0\]'s"):
        rg.jvp(loss, (primal,), (other,))
    assert float(rg.jvp(loss, (primal,), (rg.ones_like(primal),))[1]) == 2 * (6.0 * 3 + 9.0 * 2)


def test_vjp_names_the_lists_where_the_cotangent_differs_from_the_output():
    jax = pytest.importorskip("jax")
    x = X.to_backend("jax")
    _, pullback = rg.vjp(lambda v: v * 2, x)
    with pytest.raises(
        ValueError, match=r"at axis 1 the cotangent has 2 lists of lengths \[1, 1\], the output 3 "
    ):
        pullback(rg.array([[1.0], [2.0]], backend="jax"))
    with pytest.raises(
        ValueError, match=r"lengths \[3, 1, 1\], the output 3 lists of lengths \[3, 0, 2\] \(list 1: 1 vs 0\)"
    ):
        pullback(rg.array([[1.0, 1.0, 1.0], [2.0], [1.0]], backend="jax"))
    _, pullback = rg.vjp(lambda v: (v, {"y": v * 2}), x)
    with pytest.raises(
        ValueError, match=r"the cotangent\[1\]\['y'\]'s lists differ from the output\[1\]\['y'\]'s"
    ):
        pullback((x, {"y": rg.array([[1.0, 1.0, 1.0], [2.0], [1.0]], backend="jax")}))
    # bounded arrays of one capacity: JAX's own check sees equal structures, the lists still differ
    b = rg.with_capacity(rg.array([[1.0, 2.0], [3.0]], backend="jax"))
    _, pullback = rg.vjp(lambda v: v * 2, b)
    with pytest.raises(ValueError, match=r"lengths \[1, 2\], the output 2 lists of lengths \[2, 1\]"):
        pullback(rg.with_capacity(rg.array([[1.0], [1.0, 1.0]], backend="jax")))
    assert pullback(rg.ones_like(b))[0].to_list() == [[2.0, 2.0], [2.0]]
    # plain jax.vjp: JAX's own message, which prints both structures' list lengths
    _, pullback = jax.vjp(lambda v: v * 2, x)
    with pytest.raises(ValueError, match=r"(?s)unexpected tree structure.*lengths at axis 1: \[3, 0, 2\]"):
        pullback(rg.array([[1.0], [2.0]], backend="jax"))


def test_traced_structure_says_what_to_pass_instead():
    jax = pytest.importorskip("jax")
    lengths, offsets, content = np.array([2, 1]), np.array([0, 2, 3]), np.arange(3.0)
    with pytest.raises(
        rg.TracedStructureError, match=r"(?s)lengths is being traced.*capacity=.*rg\.with_capacity"
    ):
        jax.jit(rg.from_lengths)(lengths, content)
    with pytest.raises(
        rg.TracedStructureError, match=r"(?s)offsets is being traced.*capacity=.*rg\.with_capacity"
    ):
        jax.jit(rg.from_offsets)(offsets, content)
    out = jax.jit(lambda n, c: rg.from_lengths(n, c, capacity=4))(lengths, content)
    assert rg.trim(out).to_list() == [[0.0, 1.0], [2.0]]
    padded = jax.jit(rg.from_padded)(np.arange(4.0).reshape(2, 2), lengths)  # bounded: lengths are data
    assert rg.trim(padded).to_list() == [[0.0, 1.0], [2.0]]
