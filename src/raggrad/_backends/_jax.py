"""JAX backend: ``jax.numpy`` (an array API namespace itself) and ``jax.ops.segment_*`` kernels.

Derivative rules for reductions live in :mod:`._jax_rules`, the Pallas segment kernels in
:mod:`._jax_pallas`; :mod:`._jax_pytree` makes the array classes pytrees.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any, cast

import jax
import jax.extend.core
import jax.numpy as jnp
import numpy as np

from .._structure import Segments
from . import (
    _jax_pytree,  # noqa: F401 - the array classes are pytrees wherever this backend runs
    _jax_transforms,
)
from ._base import NEGATIVE_POWERS, Backend, identity, integer_reciprocal, integer_round
from ._jax_rules import (
    PALLAS,
    cond,
    hypot,
    kernel_expand,
    kernel_reduce,
    ldexp,
    present_extremum,
    present_squares,
    segment_prod_dropping,
    segment_reduce,
    segment_scan,
    zero_gradient,
)

_is_concrete_value: Callable[[Any], Any] | None
try:
    from jax._src.core import is_concrete as _is_concrete_value
except ImportError:  # pragma: no cover - older or newer jax: treat every tracer as staged
    _is_concrete_value = None

xp = jnp  # jax.numpy implements the array API standard itself

#: from this many elements on, traced code on a GPU rebuilds segment ids from the offsets instead
#: of embedding them: on an H200 an embedded id array compiles in ~13 s at 1e8 elements (about
#: 0.1 s per million) while the rebuild costs ~1 ms per call at 1e8
DEVICE_IDS_MIN = 1 << 22


def _on_gpu(array: Any) -> bool:
    try:
        return any(d.platform != "cpu" for d in array.devices())
    except Exception:  # tracers have no devices; decide by the default backend
        return jax.default_backend() != "cpu"


class JaxBackend(Backend):
    name = "jax"
    xp = xp
    np_like = jnp
    #: rg.grad, rg.value_and_grad, rg.jvp, rg.vjp
    transforms = _jax_transforms

    def owns(self, array: Any) -> bool:
        return isinstance(array, jax.Array)

    def number(self, value: Any) -> Any:
        host = np.asarray(value)
        return _fits(host, None) if host.dtype.kind in "iu" else value

    def ufunc(self, name: str) -> Any:
        return _MENDED.get(name) or getattr(jnp, name)

    def api(self, name: str) -> Any:
        return _MENDED.get(name) or getattr(self.xp, name)

    def owns_device(self, device: Any) -> bool:
        return isinstance(device, jax.Device)

    def setitem(self, array: Any, key: Any, value: Any) -> None:
        msg = "jax arrays are immutable: write x = rg.asarray(x.values.at[key].set(value)) instead"
        raise TypeError(msg)

    def put(self, hosts: list[np.ndarray], device: Any = None) -> list[Any]:
        # one call for all; integers that jax would narrow (x64 off) are checked, never wrapped
        return list(jax.device_put([_fits(h, None) for h in hosts], resolve_device(device)))

    # ---- bounded structure: offsets are device arrays (traced under jit) -----------------
    def ids_from_offsets(self, offsets: Any, size: int) -> Any:
        return ids_from_offsets(offsets, size)

    def take_fill(self, data: Any, index: Any, fill: Any) -> Any:
        if data.shape[0] == 0:  # every index is out of range (jnp.take raises on an empty axis)
            return jnp.full((*index.shape, *data.shape[1:]), fill, dtype=data.dtype)
        # a negative index is out of range too: as an unsigned index it is (jnp.take counts a
        # signed one from the end, even with "fill")
        if jnp.issubdtype(index.dtype, jnp.signedinteger):
            index = index.astype(jnp.uint64 if index.dtype.itemsize == 8 else jnp.uint32)
        return jnp.take(data, index, axis=0, mode="fill", fill_value=fill)

    def segment_reduce_ids(self, kind: str, data: Any, ids: Any, n: int, *, sorted_ids: bool = True) -> Any:
        # padding ids (== n) are dropped by jax.ops.segment_*
        return _segment(kind, data, ids, n, sorted_ids=sorted_ids and not _on_gpu(data))

    def segment_scan_flags(self, kind: str, data: Any, starts: Any) -> Any:
        return segment_scan(kind, data, starts)

    def lexsort(self, keys: tuple[Any, ...], axis: int = -1) -> Any:
        # an explicit tie-breaker: XLA's multi-operand sort is not stable by default
        shape = keys[0].shape
        iota = jnp.broadcast_to(jnp.arange(shape[axis], dtype=jnp.int32), shape)
        return jnp.lexsort((iota, *keys), axis=axis)

    def asarray(self, obj: Any, dtype: Any = None, device: Any = None) -> Any:
        if isinstance(obj, np.ndarray):
            obj = _fits(obj, dtype)
        if device is not None:
            # explicit transfers only (jnp.asarray of host data would be an implicit one)
            if not isinstance(obj, jax.Array):
                obj = np.asarray(obj, dtype=dtype)
            elif dtype is not None:
                obj = obj.astype(dtype)
            return jax.device_put(obj, resolve_device(device))
        return jnp.asarray(obj, dtype=dtype)

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.asarray(jax.device_get(array))  # an explicit device-to-host copy

    def device_of(self, array: Any) -> Any:
        try:
            devices = array.devices()
        except Exception:  # a tracer: no concrete device
            return None
        return next(iter(devices)) if len(devices) == 1 else devices

    def is_concrete(self, array: Any) -> bool:
        return not isinstance(array, jax.core.Tracer)

    def default_float(self) -> Any:
        return jax.dtypes.canonicalize_dtype(np.float64)  # float32 unless the user enabled x64

    def default_int(self) -> Any:
        # a config lookup: building an array to ask its dtype costs a dispatch on every batch
        return jax.dtypes.canonicalize_dtype(np.int64)

    def index(self, owner: Any, key: Any, host: np.ndarray, like: Any) -> Any:
        concrete = self.is_concrete(like)
        if not concrete and not _has_concrete_value(like) and _on_gpu(like):
            # Inside a trace for a GPU, a host constant: a device array closed over by jit would
            # be copied back to the host to be lowered (a device-to-host transfer per compile).
            return owner.cached((self.name, "host", key), lambda: _narrow(host))
        device = self.device_of(like) if concrete else None
        if isinstance(device, set):
            device = None

        def make() -> Any:
            # an explicit transfer, once per structure and device. Inside a trace it must run
            # eagerly: a staged device_put would cache a tracer and leak it into the next trace.
            # On the CPU a device array closed over by jit compiles about twice as fast as the
            # same NumPy constant (measured at 1e7 elements).
            with jax.ensure_compile_time_eval():
                return jax.device_put(_narrow(host), device)

        return owner.cached((self.name, device, key), make)

    def result_dtype(self, fname: str, dtype: Any) -> Any:
        # the rule depends on x64 (jnp.sum of int8 is int32 without it, int64 with it)
        key = (self.name, fname, dtype, jax.dtypes.canonicalize_dtype(np.int64))
        try:
            return self._dtype_cache[key]
        except KeyError:
            spec = jax.ShapeDtypeStruct((1,), dtype)
            # jnp's cumulative product keeps small integers (int8 * int8 wraps at the second
            # element); jnp.prod and NumPy's cumprod widen them as sums do
            ref = {"cumulative_prod": "prod", "cumprod": "prod"}.get(fname, fname)
            out = self._dtype_cache[key] = jax.eval_shape(getattr(jnp, ref), spec).dtype
            return out

    def stop_gradient(self, array: Any) -> Any:
        return jax.lax.stop_gradient(array)

    def scan(self, step: Callable[[Any, Any], tuple[Any, Any]], init: Any, xs: Any) -> tuple[Any, Any]:
        return jax.lax.scan(step, init, xs)

    def eager(self) -> contextlib.AbstractContextManager[Any]:
        # jit stages every operation, even on concrete arrays: a value a concrete structure derived
        # inside one trace and cached would be that trace's tracer in the next one
        return cast(contextlib.AbstractContextManager[Any], jax.ensure_compile_time_eval())

    def trace_state(self) -> Any:
        return jax.extend.core.get_opaque_trace_state()

    def once(self, array: Any) -> Any:
        if self.is_concrete(array):
            return array
        if _on_gpu(array):  # a barrier XLA keeps through fusion on GPUs
            return jax.lax.optimization_barrier(array)
        # XLA's CPU compiler drops optimization barriers before fusing; a scatter ends a fusion
        # (measured: a 1e5-event analysis chunk's gradient 2.4x faster with combinations' indices)
        return (
            jnp.zeros_like(array)
            .at[jnp.arange(array.shape[0])]
            .set(array, indices_are_sorted=True, unique_indices=True)
        )

    def zero_gradient(self, array: Any, keep: Any) -> Any:
        return zero_gradient(array, keep)

    def cond(self, pred: Any, shortcut: Callable[[], Any], general: Callable[[], Any]) -> Any:
        return cond(pred, shortcut, general)

    def present_extremum(
        self, kind: str, data: Any, keep: Any, axes: tuple[int, ...], fill: Any, missing: int
    ) -> Any:
        if not jnp.issubdtype(data.dtype, jnp.inexact):
            return super().present_extremum(kind, data, keep, axes, fill, missing)
        return present_extremum(kind, data, keep, axes, fill, missing)  # a rule without the cond

    def present_squares(self, data: Any, mu: Any, keep: Any, axes: tuple[int, ...], missing: int) -> Any:
        return present_squares(data, mu, keep, axes, missing)  # a derivative rule without the cond

    def segment_prod_present(self, data: Any, keep: Any, segments: Segments, ids: Any) -> Any:
        if not jnp.issubdtype(data.dtype, jnp.inexact):
            return super().segment_prod_present(data, keep, segments, ids)
        return segment_prod_dropping(data, ids, self.segment_ids(segments, data), keep, segments.n)

    #: where traced code gets per-element segment ids: "auto" builds them on the device from
    #: the offsets on GPUs for large arrays and embeds them as constants otherwise;
    #: "device" / "constant" force one (benchmarks/GPU-NOTES.md has the measurements)
    ids_route = "auto"

    def segment_ids(self, segments: Segments, like: Any) -> Any:
        route = self.ids_route
        on_device = route == "device" or (
            route == "auto" and segments.size >= DEVICE_IDS_MIN and _on_gpu(like)
        )
        if self.is_concrete(like) or not on_device:
            return self.index(segments, "ids", segments.ids, like)
        # A size-m constant costs compile time (15 s at 1e8 elements on an H200); a size-n one
        # plus a scatter and a cumsum on the device costs a fraction of a millisecond there.
        offsets = self.index(segments, "offsets", segments.offsets, like)
        return ids_from_offsets(offsets, segments.size)

    #: which kernels reduce contiguous segments: "xla" (``jax.ops.segment_*`` over segment ids),
    #: "pallas" (kernels that read only the offsets, lowered to Triton: used for float sum, max
    #: and min on GPUs, "xla" elsewhere) or "interpret" (the same kernels through Pallas'
    #: interpreter on any device, to check them without a GPU); see ``_jax_pallas``
    kernels = "xla"
    #: the Pallas kernels' ``Tiling`` (None: its defaults)
    tiling: Any = None

    def _kernel_plan(self, kind: str, data: Any, segments: Segments) -> Any:
        """The Pallas plan when the kernels take this reduction, else None."""
        if self.kernels == "xla" or (self.kernels == "pallas" and not _on_gpu(data)) or PALLAS is None:
            return None

        if kind not in PALLAS.KINDS or not PALLAS.supported(data, segments):
            return None
        return PALLAS.plan_for(segments, self.tiling or PALLAS.Tiling())

    def segment_reduce(self, kind: str, data: Any, segments: Segments) -> Any:
        plan = self._kernel_plan(kind, data, segments)
        if plan is not None:
            return kernel_reduce(kind, data, plan, interpret=self.kernels == "interpret")
        ids = self.segment_ids(segments, data)
        return _segment(kind, data, ids, segments.n, sorted_ids=not _on_gpu(data))

    def segment_expand(self, values: Any, segments: Segments) -> Any:
        plan = self._kernel_plan("sum", values, segments)
        if plan is not None:
            return kernel_expand(values, plan, interpret=self.kernels == "interpret")
        return values[self.segment_ids(segments, values)]  # device-built ids where they pay

    def scatter_reduce(self, kind: str, data: Any, ids: np.ndarray, n: int, owner: Any, key: Any) -> Any:
        return _segment(kind, data, self.index(owner, key, ids, data), n, sorted_ids=False)

    def segment_scan(self, kind: str, data: Any, segments: Segments) -> Any:
        starts = segments.cached("starts", lambda: segments.local == 0)
        return segment_scan(kind, data, self.index(segments, "starts", starts, data))


def _fits(host: np.ndarray, dtype: Any) -> np.ndarray:
    """``host`` ready for jax: native byte order, and integers checked against the dtype jax will
    use (int32 without x64): values that do not fit raise ``OverflowError``, as ``jnp.asarray``
    does for Python ints, instead of wrapping around."""
    if not host.dtype.isnative:
        host = host.astype(host.dtype.newbyteorder("="))
    target = jax.dtypes.canonicalize_dtype(host.dtype if dtype is None else dtype)
    narrowed = host.dtype.kind in "iu" and np.dtype(target).kind in "iu"
    narrowed = narrowed and not np.can_cast(host.dtype, target)
    if narrowed and host.size:
        info = np.iinfo(target)
        low, high = host.min(), host.max()
        if low < info.min or high > info.max:
            bad = int(high) if high > info.max else int(low)
            msg = (
                f"jax backend: {bad} does not fit in {np.dtype(target)} (jax's integer dtype while "
                "x64 is off); enable it with jax.config.update('jax_enable_x64', True) or keep "
                "these values on the numpy backend"
            )
            raise OverflowError(msg)
    return host


def ids_from_offsets(offsets: Any, size: int) -> Any:
    """Segment id of each of ``size`` slots, built on the device from ``offsets`` (n + 1): a
    scatter of list ends and a cumulative sum, two passes and no search. Ends equal to ``size``
    are dropped, so slots past the last list (padding of a bounded array) get ``n``.

    The optimization barrier keeps XLA from constant-folding the construction when the offsets
    are a compile-time constant (folding a cumsum over 1e7 elements takes minutes).
    """
    offsets = jax.lax.optimization_barrier(offsets)
    marks = jnp.zeros(size, offsets.dtype).at[offsets[1:]].add(1, mode="drop")
    if _on_gpu(offsets):
        return jnp.cumsum(marks)
    # on a CPU XLA's cumsum is a reduce_window; a log-depth scan is twice as fast (1e6: 7 vs 15 ms)
    return jax.lax.associative_scan(jnp.add, marks)


def _has_concrete_value(array: Any) -> bool:
    """True for arrays and for tracers of eager transformations (grad, jvp outside jit)."""
    return _is_concrete_value is not None and bool(_is_concrete_value(array))


def _narrow(host: np.ndarray) -> np.ndarray:
    # int32 indices where they fit (what jax uses without x64); booleans stay as they are
    if host.dtype.kind in "iu" and (host.size == 0 or int(np.abs(host).max()) < 2**31):
        return host.astype(np.int32)
    return host


def resolve_device(device: Any) -> Any:
    """``"cpu"``, ``"gpu"``, ``"cuda"``, a platform name or a ``jax.Device`` → a ``jax.Device``."""
    if device is None or isinstance(device, jax.Device):
        return device
    if isinstance(device, str):
        platform = {"cuda": "gpu"}.get(device, device)
        try:
            return jax.devices(platform)[0]
        except RuntimeError as exc:
            msg = f"no jax device for {device!r}; available: {jax.devices()}"
            raise ValueError(msg) from exc
    msg = f"device must be a string or a jax.Device, not {type(device).__name__}"
    raise TypeError(msg)


def _segment(kind: str, data: Any, ids: Any, n: int, *, sorted_ids: bool) -> Any:
    return _segment_kernel(kind, n, sorted_ids)(data, ids)


@functools.lru_cache(maxsize=512)
def _segment_kernel(kind: str, n: int, sorted_ids: bool) -> Any:
    # one compiled kernel per (kind, segment count): an eager call then costs ~20 µs instead of
    # the ~500 µs of dispatching jax.ops.segment_* op by op; inside a trace it is inlined
    def kernel(data: Any, ids: Any) -> Any:
        return segment_reduce(kind, data, ids, n, sorted_ids, identity(kind, data.dtype))

    return jax.jit(kernel)


def _round(a: Any, decimals: int = 0) -> Any:
    if decimals < 0 and (jnp.issubdtype(a.dtype, jnp.integer) or a.dtype == jnp.bool_):
        return integer_round(jnp, a, decimals)
    return jnp.round(a, decimals)


def _hypot(x: Any, y: Any, /) -> Any:
    """``jnp.hypot``'s promotion and values, the derivatives of :func:`._jax_rules.hypot`."""
    dtype = jnp.result_type(x, y)
    if jnp.issubdtype(dtype, jnp.complexfloating):
        msg = "hypot: complex numbers have no hypot (NumPy refuses them too); use abs"
        raise TypeError(msg)
    if not jnp.issubdtype(dtype, jnp.inexact):  # integers and booleans: the float jax.numpy gives
        dtype = _float_of(dtype, jax.dtypes.canonicalize_dtype(np.float64))
    return hypot(jnp.asarray(x, dtype=dtype), jnp.asarray(y, dtype=dtype))


@functools.cache
def _float_of(dtype: Any, default_float: Any) -> Any:  # default_float: x64 on or off
    return jnp.sqrt(jnp.zeros((), dtype)).dtype


def _floor_divide(a: Any, b: Any, /) -> Any:
    """NumPy's ``a // b``: integers divided by 0 give 0 (``jnp.floor_divide`` gives -1 or -2)."""
    if not jnp.issubdtype(jnp.result_type(a, b), jnp.integer):
        return jnp.floor_divide(a, b)
    zero = jnp.asarray(b) == 0
    return jnp.where(zero, 0, jnp.floor_divide(a, jnp.where(zero, 1, b)))


def _divmod(a: Any, b: Any, /) -> tuple[Any, Any]:
    return _floor_divide(a, b), jnp.remainder(a, b)


def _modf(a: Any, /) -> tuple[Any, Any]:
    """NumPy's ``modf``: the fraction of ``±inf`` is ``±0`` (``jnp.modf`` gives NaN)."""
    frac, whole = jnp.modf(a)
    return jnp.where(jnp.isinf(a), jnp.copysign(jnp.zeros_like(frac), a), frac), whole


def _float_power(a: Any, b: Any, /) -> Any:
    """NumPy's ``float_power``: computed in float64 (complex128), jax's widest without x64
    (``jnp.float_power`` keeps float32)."""
    wide = np.complex128 if jnp.issubdtype(jnp.result_type(a, b), jnp.complexfloating) else np.float64
    dtype = jax.dtypes.canonicalize_dtype(wide)
    return jnp.power(jnp.asarray(a, dtype), jnp.asarray(b, dtype))


def _bools_as_int8(fn: Any) -> Any:
    """``fn`` of booleans computed in int8, as NumPy's integer loops take them (jax's bool
    ``//`` and ``fmod`` divide by False unguarded: ``True // False`` gave -2)."""

    def kernel(a: Any, b: Any, /) -> Any:
        if jnp.result_type(a, b) == jnp.bool_:
            a, b = jnp.asarray(a, jnp.int8), jnp.asarray(b, jnp.int8)
        return fn(a, b)

    return kernel


def _reciprocal(a: Any, /) -> Any:
    return jnp.reciprocal(a) if jnp.issubdtype(a.dtype, jnp.inexact) else integer_reciprocal(jnp, a)


#: functions whose jax.numpy version gets another derivative (ldexp at 0, hypot's second) or
#: NumPy's values (round of integers to tens, integer division by 0, integer reciprocals), under
#: their NumPy and array API names alike
def _magnitude(a: Any) -> Any:
    """``|a|`` as the unsigned integer of its width, where ``|INT_MIN|`` fits."""
    u = a.astype(jnp.dtype(f"uint{a.dtype.itemsize * 8}"))
    return jnp.where(a < 0, -u, u)


def _divisors(fn: Any) -> Any:
    """``jnp.gcd``/``jnp.lcm`` of signed integers on their magnitudes (``jnp.gcd`` never ends
    on ``INT_MIN``), cast back as NumPy's results wrap."""

    def kernel(a: Any, b: Any, /) -> Any:
        dtype = jnp.result_type(a, b)
        if not jnp.issubdtype(dtype, jnp.signedinteger):
            return fn(a, b)
        return fn(_magnitude(jnp.asarray(a, dtype)), _magnitude(jnp.asarray(b, dtype))).astype(dtype)

    return kernel


def _power(a: Any, b: Any, /) -> Any:
    dtype = jnp.result_type(a, b)
    if not jnp.issubdtype(dtype, jnp.integer):
        return jnp.power(a, b)
    known = not isinstance(b, jax.core.Tracer)
    if known:  # one read of the exponents' range: NumPy's ValueError (jax gives 2 ** -1 as INT_MIN)
        e = jnp.asarray(b)
        low, high = (int(v) for v in jax.device_get((jnp.min(e), jnp.max(e)))) if e.size else (0, 0)
        if low < 0:
            raise ValueError(NEGATIVE_POWERS)
    if isinstance(b, int):  # lax.integer_pow: x ** 2 stays a multiplication
        return jnp.power(a, b)
    # jnp.power of an integer array exponent reads its lowest 6 bits only (2 ** 64 gave 1):
    # square and multiply over every bit the exponents use (all where traced), wrapping as NumPy's
    width = dtype.itemsize * 8
    a, b = jnp.asarray(a, dtype), jnp.asarray(b, dtype).astype(jnp.dtype(f"uint{width}"))
    out, base = jnp.ones(jnp.broadcast_shapes(a.shape, b.shape), dtype), a
    for k in range(high.bit_length() if known else width):
        out = jnp.where((b >> k) & 1, out * base, out)
        base = base * base
    return out


_MENDED = {
    "power": _power,
    "pow": _power,
    "gcd": _divisors(jnp.gcd),
    "lcm": _divisors(jnp.lcm),
    "ldexp": ldexp,
    "round": _round,
    "hypot": _hypot,
    "floor_divide": _bools_as_int8(_floor_divide),
    "divmod": _bools_as_int8(_divmod),
    "fmod": _bools_as_int8(jnp.fmod),
    "remainder": _bools_as_int8(jnp.remainder),
    "mod": _bools_as_int8(jnp.remainder),
    "reciprocal": _reciprocal,
    "modf": _modf,
    "float_power": _float_power,
}

BACKEND = JaxBackend()
