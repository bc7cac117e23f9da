"""What elementwise functions compute where slots are not in use: a bounded array's padding and
missing elements (None).

Those slots hold zeros, and every result holds zeros there again. A function whose value or
derivative is not finite at 0 sees safe inputs there (:data:`_PAD`); a function that maps zeros to
zero with a finite derivative runs without the select (:data:`_ZERO_AT_ZERO`, and the arithmetic
that :func:`keeps_zeros` lists).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._backends import Backend

__all__ = ["guarded", "keep_present", "keep_used", "keeps_zeros", "present"]


def present(structure: Any, backend: Backend, contents: Any) -> Any:
    """The innermost elements of ``structure`` that are present, as a backend bool array (a
    structure without an element mask: None), on the device of the first array in ``contents``."""
    mask = structure.masks[-1]
    if mask is None:
        return None
    like = next(c for c in contents if hasattr(c, "shape") and len(c.shape))
    return backend.index(structure, "present", mask, like)


#: Padding slots of a bounded array and missing elements (None) hold zeros, and every result holds
#: zeros there again. Before a function whose value or derivative is not finite at 0 (log, 1/x,
#: the derivative of sqrt), the inputs at those slots are replaced by these values (one per
#: argument), so nothing non-finite is computed there and no NaN reaches a gradient through them.
_PAD = {
    "log": (1,),
    "log2": (1,),
    "log10": (1,),
    "sqrt": (1,),
    "cbrt": (1,),
    "reciprocal": (1,),
    "acosh": (2,),
    "arccosh": (2,),
    "divide": (0, 1),
    "floor_divide": (0, 1),
    "remainder": (0, 1),
    "fmod": (0, 1),
    "divmod": (0, 1),
    "pow": (1, 1),
    "power": (1, 1),
    "float_power": (1, 1),
    "atan2": (0, 1),
    "arctan2": (0, 1),
    "hypot": (1, 0),
}


#: Functions of one argument with ``f(0) = 0`` and a finite derivative at 0: on a bounded array's
#: content, whose padding holds zeros, their result holds zeros there too and a zero cotangent
#: stays zero, so they run without the select that keeps padding zero (a pass over the content).
_ZERO_AT_ZERO = frozenset(
    """sin tan tanh sinh asin arcsin atan arctan asinh arcsinh expm1 log1p negative positive square
    abs absolute fabs sign conj conjugate real deg2rad rad2deg radians degrees trunc floor ceil
    rint""".split()  # noqa: SIM905 (rg.<name> and np.<name> of a RaggedArray)
)


def keeps_zeros(name: str, contents: list[Any], nb: int, size: int, backend: Backend | None = None) -> bool:
    """Whether the function ``name`` of ``contents`` keeps the zeros of a bounded array's padding,
    value and derivative, so it can run without the select:

    - one of :data:`_ZERO_AT_ZERO` of one array over the element slots;
    - ``add``/``subtract`` of arrays that all span the element slots (``0 + 0``);
    - ``multiply`` of such arrays and numbers finite in the content's dtype (``0 * c``);
    - ``divide`` of such an array by a number that is finite and a normal number (not 0, and not
      flushed to 0) in the content's dtype, ``power`` of one to an integer power of at least 1
      (``0 ** 2``: value and derivative 0).

    Numbers are Python or NumPy scalars (a traced or device array may be non-finite: it keeps
    the select), read in the dtype of the content (of ``backend``), which the arithmetic runs in;
    with content that is not floating point (integers, complex) they keep the select. With one
    element slot a dense operand cannot be told from the content: never."""
    base = name.rsplit(".", 1)[-1]
    if size < 2:
        return False
    spans = [_spans(c, nb, size) for c in contents]
    if base in _ZERO_AT_ZERO:
        return len(contents) == 1 and spans[0]
    if len(contents) != 2 or not any(spans):
        return False
    if base in ("add", "subtract"):
        return all(spans)
    content = contents[spans.index(True)]
    dtype = None if backend is None else backend.numpy_dtype(content.dtype)
    if base == "multiply":
        return all(spans) or _in_dtype(_number(contents[spans.index(False)]), dtype)
    other = None if spans[1] or not spans[0] else _number(contents[1])
    if base in ("divide", "true_divide"):
        return _in_dtype(other, dtype, normal=True)
    if base in ("power", "pow"):
        return other is not None and other.is_integer() and other >= 1
    return False


def _in_dtype(c: float | None, dtype: Any, *, normal: bool = False) -> bool:
    """Whether number ``c``, in floating-point ``dtype``, is finite (and with ``normal`` at least
    the smallest normal number in magnitude: not 0, and not flushed to 0)."""
    if c is None or dtype is None or np.dtype(dtype).kind != "f":
        return False
    with np.errstate(over="ignore", under="ignore"):
        v = np.dtype(dtype).type(c)
    floor = float(np.finfo(dtype).tiny) if normal else 0.0
    return bool(np.isfinite(v)) and abs(float(v)) >= floor


def _spans(c: Any, nb: int, size: int) -> bool:
    """Whether content ``c`` spans the ``size`` element slots (a broadcast operand has 1 there)."""
    return hasattr(c, "shape") and len(c.shape) > nb and c.shape[nb] == size


def _number(c: Any) -> float | None:
    """``c`` as a float when it is a real Python or NumPy number (or 0-d NumPy array), else None
    (operands are int64 at most: :func:`raggrad._broadcast._operand`)."""
    if isinstance(c, bool | int | float):
        return float(c)
    if isinstance(c, np.generic | np.ndarray) and np.ndim(c) == 0 and np.asarray(c).dtype.kind in "biuf":
        return float(c)
    return None


def guarded(
    fn: Callable[..., Any],
    used: Any,
    size: int,
    backend: Backend,
    contents: list[Any],
    nb: int,
    name: str,
    kw: Any,
) -> Any:
    """``fn`` on contents whose elements are in use only where ``used`` (a bounded array's slots in
    use, or the elements that are not missing): inputs elsewhere made safe, outputs zero there.
    ``used=None``: every element is in use."""
    if used is None:
        return fn(*contents, **kw)
    xp = backend.xp

    def in_use(c: Any) -> Any:
        return _expand(used, c, nb, backend)

    pads = _PAD.get(name.rsplit(".", 1)[-1], ())
    safe = []
    for i, c in enumerate(contents):
        pad = pads[i] if i < len(pads) else 0
        safe.append(xp.where(in_use(c), c, pad) if pad and _spans(c, nb, size) else c)
    out = fn(*safe, **kw)
    if isinstance(out, tuple):
        return tuple(xp.where(in_use(o), o, _zero(backend, o)) for o in out)
    return xp.where(in_use(out), out, _zero(backend, out))


def keep_present(structure: Any, backend: Backend, content: Any, nb: int = 0) -> Any:
    """``content`` with zero at the missing elements of ``structure`` (the invariant results keep)."""
    used = present(structure, backend, (content,))
    if used is None:
        return content
    return backend.xp.where(_expand(used, content, nb, backend), content, _zero(backend, content))


def keep_used(structure: Any, backend: Backend, content: Any, nb: int = 0) -> Any:
    """``content`` with zero at the padding slots of bounded ``structure`` (the invariant)."""
    used = structure.slot_mask(structure.nlevels)
    return backend.xp.where(_expand(used, content, nb, backend), content, _zero(backend, content))


def _zero(backend: Backend, like: Any) -> Any:
    """A 0-d zero of ``like``'s dtype and device (``where(used, out, zeros_like(out))`` would fill a
    whole array with zeros first: measured 2x slower on 1e6 NumPy elements)."""
    device = backend.device_of(like)
    return backend.xp.zeros((), dtype=like.dtype, device=None if isinstance(device, set) else device)


def _expand(used: Any, c: Any, nb: int, backend: Backend) -> Any:
    """``used`` (one flag per element) shaped to broadcast against content ``c``."""
    return backend.xp.reshape(used, (1,) * nb + tuple(used.shape) + (1,) * (len(c.shape) - nb - 1))
