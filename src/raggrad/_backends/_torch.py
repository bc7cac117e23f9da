"""torch backend: ``array_api_compat.torch``, a NumPy-like shim, and torch structure kernels.

Content is a ``torch.Tensor`` (CPU or CUDA) that may require grad: every op is written with
differentiable torch operations, so ``loss.backward()`` fills ``values.grad``. Structure kernels:
``index_add`` for sums, ``scatter_reduce`` (with the exact rules of :mod:`._torch_rules`) for
products and extrema, ``index_select`` for gathers, a padded ``cumsum``/``cumprod`` for scans. The
index maps come from the host-side structure and are cached per device as int64 tensors, so under
``torch.compile`` they are constants of the graph, never computed inside it (:mod:`._torch_compile`
says how compiled code sees raggrad). A bounded array's index maps are computed on the device from
its offsets (``segment_reduce_ids``, ``segment_scan_flags``), so compiled code traces them.

Dtypes are NumPy's (``BY_NAME``): ``torch.bfloat16`` has no NumPy counterpart for ``to_list`` and
the host-side kernels, so it is refused by name wherever a tensor enters (convert with
``tensor.to(torch.float32)``; the jax backend holds ``bfloat16`` through ``ml_dtypes``).
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, cast

import array_api_compat.torch as xp
import numpy as np
import torch

from .._structure import Segments
from ._base import KINDS, UNCACHED, Backend, identity
from ._torch_compile import host_constants, tracing
from ._torch_np import BY_NAME, api, missing_kernels, to_torch_dtype, translated, ufunc
from ._torch_rules import scan_flags, segment_reduce

#: reduction identities per (kind, torch dtype), looked up without NumPy so torch.compile traces it
_IDENTITIES = {
    (kind, dtype): identity(kind, np.dtype(name)) for kind in KINDS for name, dtype in BY_NAME.items()
}
_NUMPY_DTYPES = {dtype: np.dtype(name) for name, dtype in BY_NAME.items()}


#: dtypes torch stores but has almost no kernels for
_STORAGE_ONLY = (torch.uint16, torch.uint32, torch.uint64)
_SIGNED = dict(zip(_STORAGE_ONLY, (torch.int16, torch.int32, torch.int64), strict=True))
_segment_reduce = translated("reduction", segment_reduce, data=1)


class _HostCopy:
    """Pickles to a copy of a tensor made from a NumPy array (for the dtypes torch cannot unpickle)."""

    def __init__(self, tensor: Any) -> None:
        self.tensor = tensor

    def __reduce__(self) -> tuple[Any, ...]:
        t = self.tensor
        return _from_host, (t.cpu().numpy(), str(t.device))  # integers: no gradient to keep


def _from_host(host: np.ndarray, device: str) -> Any:
    return torch.from_numpy(host).to(device)


def _on_device(host: np.ndarray, device: Any) -> Any:
    # index maps are int64 (what index_select/index_add expect); masks stay boolean
    if host.dtype.kind in "iu":
        host = host.astype(np.int64, copy=False)
    t = torch.from_numpy(np.array(host, copy=True) if not host.flags.writeable else host)
    return t if device is None or t.device == device else t.to(device)


class TorchBackend(Backend):
    name = "torch"
    xp = xp

    def ufunc(self, name: str) -> Any:
        return ufunc(name)

    def api(self, name: str) -> Any:
        return api(name)

    def number(self, value: Any) -> Any:
        # an integer: the Python int it holds, as torch promotes it (int8 + np.int64(3) stays int8),
        # so that the check of Python ints beside integer arrays sees it (np.int8(-1) beside uint8
        # wrapped); floats stay as they are (a 0-d float64 array keeps float64)
        return value.item() if np.asarray(value).dtype.kind in "iu" else value

    def picklable(self, array: Any) -> Any:
        # torch pickles uint16/uint32/uint64 tensors but cannot load them: they travel as NumPy
        return _HostCopy(array) if array.dtype in _STORAGE_ONLY else array

    def deepcopy(self, array: Any, memo: dict[int, Any]) -> Any:
        """``copy.deepcopy`` of a tensor; a ``TypeError`` for one inside torch's graph."""
        if array.grad_fn is not None:  # torch copies only the leaves of its graph
            msg = (
                "copy.deepcopy: the torch content is the result of an operation that requires grad "
                "(not a leaf of the graph), which torch cannot copy; copy.copy(x) serves (raggrad "
                "arrays are immutable, so a shallow copy is safe), or deepcopy the leaves it came from"
            )
            raise TypeError(msg)
        return super().deepcopy(array, memo)

    def owns(self, array: Any) -> bool:
        return isinstance(array, torch.Tensor)

    def owns_device(self, device: Any) -> bool:
        return isinstance(device, torch.device)

    def numpy_dtype(self, dtype: Any) -> np.dtype:
        try:
            return _NUMPY_DTYPES[dtype]
        except KeyError:
            if isinstance(dtype, torch.dtype):
                msg = (
                    f"torch backend: raggrad holds no {dtype} (convert with tensor.to(torch.float32); "
                    "the jax backend holds bfloat16)"
                )
                raise TypeError(msg) from None
            return cast(np.dtype, np.dtype(dtype))

    def dtype(self, spec: Any) -> Any:
        return to_torch_dtype(spec)

    def identity(self, kind: str, dtype: Any) -> Any:
        return _IDENTITIES[kind, dtype]

    def lexsort(self, keys: tuple[Any, ...], axis: int = -1) -> Any:
        # successive stable sorts, the primary (last) key last
        order = None
        for key in keys:
            k = key if order is None else torch.take_along_dim(key, order, dim=axis)
            step = torch.sort(k, dim=axis, stable=True).indices
            order = step if order is None else torch.take_along_dim(order, step, dim=axis)
        return order

    def asarray(self, obj: Any, dtype: Any = None, device: Any = None) -> Any:
        dtype = to_torch_dtype(dtype)
        if isinstance(obj, torch.Tensor):
            return obj.to(device=device, dtype=dtype) if (device is not None or dtype is not None) else obj
        # Python scalars and lists convert as NumPy converts them (1.5 is float64), as
        # rg.array(..., backend="torch") parses nested lists
        arr = np.asarray(obj)
        # torch.from_numpy shares memory with the array; a read-only one (a jax buffer viewed as
        # NumPy) is copied, since torch tensors are writable
        t = torch.from_numpy(arr if arr.flags.writeable else arr.copy())
        return t.to(device=device, dtype=dtype) if (device is not None or dtype is not None) else t

    def to_numpy(self, array: Any) -> np.ndarray:
        # a CPU tensor's NumPy view shares memory; a CUDA one is copied explicitly
        if not isinstance(array, torch.Tensor):  # host values (a check on concrete counts) as they are
            return np.asarray(array)
        return array.detach().cpu().resolve_conj().resolve_neg().numpy()

    def device_of(self, array: Any) -> Any:
        return array.device

    def is_concrete(self, array: Any) -> bool:
        # fake tensors (torch.compile, torch.export) have no values: structure cannot depend on them
        return not tracing(array)

    def default_float(self) -> Any:
        return torch.get_default_dtype()

    def stop_gradient(self, array: Any) -> Any:
        return array.detach()

    def requires_grad_(self, array: Any, flag: bool) -> None:
        array.requires_grad_(flag)

    def grad_of(self, array: Any) -> Any:
        return array.grad

    # ---- conversion between backends without a copy (DLPack) --------------------------------
    def convert_from(self, array: Any, source: Backend) -> Any:
        """A tensor sharing ``array``'s memory when ``source`` is jax (DLPack), else None."""
        if source.name != "jax":
            return None
        try:
            return torch.from_dlpack(array)
        except Exception:
            return None

    def convert_to(self, array: Any, target: Backend) -> Any:
        """A jax array sharing ``array``'s memory (DLPack) where jax can hold its dtype, else None."""
        if target.name != "jax" or "jax" not in sys.modules:
            return None
        jax = sys.modules["jax"]  # a jax target means jax is imported; torch's backend never imports it
        dtype = self.numpy_dtype(array.dtype)
        if jax.dtypes.canonicalize_dtype(dtype) != dtype or array.requires_grad:
            return None  # jax would narrow it (x64 off), or the tensor is part of a graph: copy
        try:
            return jax.dlpack.from_dlpack(array.contiguous())
        except Exception:
            return None

    # ---- structure kernels ------------------------------------------------------------------
    def index(self, owner: Segments | Any, key: Any, host: np.ndarray, like: Any) -> Any:
        device = like.device if isinstance(like, torch.Tensor) else None
        key = (self.name, str(device), key)
        if not tracing(like):
            return owner.cached(key, lambda: _on_device(host, device))
        # traced (torch.compile): the cached tensor is made real, outside the tracing modes, and
        # enters the graph as a constant; lift_fresh_copy is how a traced function takes in a
        # tensor it did not receive (inductor rejects a captured tensor used directly)
        with host_constants():
            index = owner.cached(key, lambda: _on_device(host, device))
        return torch.ops.aten.lift_fresh_copy(index)

    def take(self, data: Any, index: np.ndarray, owner: Any, key: Any) -> Any:
        rows = self.index(owner or UNCACHED, key, index, data)
        if data.dtype in _SIGNED:  # torch gathers no uint16/32/64: the same bits as signed ints
            return torch.index_select(data.view(_SIGNED[data.dtype]), 0, rows).view(data.dtype)
        return torch.index_select(data, 0, rows)

    def kernel_errors(self, name: str, *operands: Any) -> contextlib.AbstractContextManager[Any]:
        return missing_kernels(name, operands)

    def take_along_axis(self, data: Any, index: Any, axis: int) -> Any:
        if data.dtype in _SIGNED:  # as take: a gather of the same bits as signed ints
            return super().take_along_axis(data.view(_SIGNED[data.dtype]), index, axis).view(data.dtype)
        return super().take_along_axis(data, index, axis)

    def take_fill(self, data: Any, index: Any, fill: Any) -> Any:
        if data.dtype in _SIGNED:  # as take: a gather of the same bits as signed ints
            return super().take_fill(data.view(_SIGNED[data.dtype]), index, fill).view(data.dtype)
        return super().take_fill(data, index, fill)

    def segment_reduce(self, kind: str, data: Any, segments: Segments) -> Any:
        ids = self.segment_ids(segments, data)
        return _segment_reduce(kind, data, ids, segments.n, _IDENTITIES[kind, data.dtype])

    def segment_reduce_ids(self, kind: str, data: Any, ids: Any, n: int, *, sorted_ids: bool = True) -> Any:
        # on the device (and under torch.compile, where ids are traced): ids >= n (padding) go
        # to one extra group, which is dropped; torch's kernels need no sorted ids
        ids = torch.clamp(ids.to(torch.int64), max=n)
        return _segment_reduce(kind, data, ids, n + 1, _IDENTITIES[kind, data.dtype])[:n]

    def segment_scan_flags(self, kind: str, data: Any, starts: Any) -> Any:
        # on the device (and under torch.compile, where the flags are traced)
        return scan_flags(kind, data, starts)

    def scatter_reduce(self, kind: str, data: Any, ids: np.ndarray, n: int, owner: Any, key: Any) -> Any:
        ids_d = self.index(owner, key, ids, data)
        return _segment_reduce(kind, data, ids_d, n, _IDENTITIES[kind, data.dtype])

    def segment_scan(self, kind: str, data: Any, segments: Segments) -> Any:
        # sums: pad the lists to the longest one, scan along the padded axis, gather back (no
        # prefix-sum cancellation); products: the flagged scan of shifted products, exact through
        # zeros and infinities (torch.cumprod's backward divides, and a padded scan would carry a
        # list's inf into the padding's zero cotangent: NaN)
        n, width = segments.n, segments.max_length
        if segments.size == 0:
            return data
        if kind == "prod":
            starts = segments.cached("starts", lambda: segments.local == 0)
            return scan_flags(kind, data, self.index(segments, "starts", starts, data))

        def make() -> tuple[np.ndarray, np.ndarray]:
            slots = segments.ids * width + segments.local
            dense = np.full(n * width, segments.size, dtype=np.int64)
            dense[slots] = np.arange(segments.size, dtype=np.int64)
            return dense, slots

        dense, slots = segments.cached(("torch-scan", width), make)
        fill = torch.full((1, *data.shape[1:]), 0, dtype=data.dtype, device=data.device)
        ext = torch.cat([data, fill])
        padded = torch.index_select(ext, 0, self.index(segments, ("scan-dense", width), dense, data))
        padded = padded.reshape(n, width, *data.shape[1:])
        scanned = torch.cumsum(padded, dim=1)
        flat = scanned.reshape(n * width, *data.shape[1:])
        return torch.index_select(flat, 0, self.index(segments, ("scan-slots", width), slots, data))


BACKEND = TorchBackend()
