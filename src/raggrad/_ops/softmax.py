"""logsumexp, softmax and log_softmax along any axis, stable for large inputs.

The shift by the (finite) maximum is held constant for differentiation (it cancels exactly), so
derivatives come from plain composition of the reduction engine's segment reductions.

Missing values (None) are left out as awkward leaves them out: a missing element stays missing
and takes no share of the normalisation (its derivative is zero), a missing list stays missing;
``logsumexp`` of a list with no present element is that of an empty list (-inf), or None with
``mask_identity=True``.
"""

from __future__ import annotations

import math
from typing import Any

from .._registry import register
from .common import zero_d
from .reduction_engine import Context, along, cast, masked, operand, reduction, with_content

__all__ = ["log_softmax", "logsumexp", "softmax"]


def _stable_parts(ctx: Context, data: Any) -> tuple[Any, Any, Any]:
    """(shift, exp(data - shift), sum of those): the shift is the (finite) maximum, held constant."""
    xp = ctx.xp
    top = ctx.backend.stop_gradient(ctx.reduce("max", data))
    shift = xp.where(xp.isfinite(top), top, xp.zeros_like(top))
    e = xp.exp(data - ctx.gather(shift))
    return shift, e, ctx.reduce("sum", e)


def _safe_log(xp: Any, s: Any) -> Any:
    """``log(s)`` of a sum of exponentials: -inf at 0 (without a warning or a NaN derivative), NaN
    at NaN (a NaN in a list; ``NaN > 0`` is False)."""
    positive = s > 0
    rest = xp.where(xp.isnan(s), s, -math.inf)
    return xp.where(positive, xp.log(xp.where(positive, s, xp.ones_like(s))), rest)


def _inexact(x: Any, name: str) -> Any:
    x = operand(x, name)
    return with_content(x, cast(x._backend, x._content, "exp", None))


@register("logsumexp", "reduction", options=True)
@zero_d
def logsumexp(
    x: Any, /, *, axis: Any = None, keepdims: bool = False, where: Any = None, mask_identity: bool = False
) -> Any:
    """``log(sum(exp(x)))`` along ``axis``, stable for large inputs; empty lists give -inf.

    Missing values are left out (a missing list gives None); ``mask_identity=True`` gives None
    for a list with no present element, as the other reducers.

    >>> import raggrad as rg
    >>> [round(v, 4) for v in rg.logsumexp(rg.array([[1000.0, 1000.0], [], [0.0]]), axis=1).to_list()]
    [1000.6931, -inf, 0.0]
    >>> rg.logsumexp(rg.array([[0.0, None], None, [None]]), axis=1, mask_identity=True).to_list()
    [0.0, None, None]
    """

    def compute(ctx: Context, data: Any, mask: Any) -> Any:
        data = masked(ctx.xp, mask, data, -math.inf)
        shift, _, s = _stable_parts(ctx, data)
        return _safe_log(ctx.xp, s) + shift

    x = _inexact(x, "rg.logsumexp")
    return reduction("rg.logsumexp", x, axis, keepdims, where, compute, mask_identity=mask_identity)


def _softmax(ctx: Context, data: Any, mask: Any) -> Any:
    xp = ctx.xp
    _, e, s = _stable_parts(ctx, masked(xp, mask, data, -math.inf))
    if mask is not None:  # a list of missing elements only sums to 0: divide by 1 there (no NaN)
        s = xp.where(s == 0, xp.ones_like(s), s)
    total = ctx.gather(s)
    return _nan_beside_inf(ctx.xp, total, e / total)


def _nan_beside_inf(xp: Any, total: Any, out: Any) -> Any:
    """NaN for every element of a list holding +inf, as ``jax.nn`` and torch give: ``total`` is
    the list's sum of shifted exponentials (or its log), +inf there only (elsewhere the shift is
    a finite maximum), gathered to the elements (a float: no gather of booleans)."""
    return xp.where(total == math.inf, xp.asarray(math.nan, dtype=out.dtype), out)


def _log_softmax(ctx: Context, data: Any, mask: Any) -> Any:
    shift, _, s = _stable_parts(ctx, masked(ctx.xp, mask, data, -math.inf))
    # (x - shift) - log(s): shift + log(s) first would round log(s) away for large x (1e7 in float32)
    log_total = ctx.gather(_safe_log(ctx.xp, s))
    return _nan_beside_inf(ctx.xp, log_total, (data - ctx.gather(shift)) - log_total)


@register("softmax", "structural", awkward="ak.softmax", options=True)
def softmax(x: Any, /, *, axis: Any = -1) -> Any:
    """Softmax along ``axis``, default the innermost: for ``n * var * 1`` the regular one (use ``axis=1``).

    ``exp(x) / sum(exp(x))``, stable for large inputs. The default axis (-1) is the innermost
    lists' own for scores of type ``n * var * float32``, but the regular length-1 axis for scores
    of type ``n * var * 1`` (a layer with one output), where every value would become 1: pass
    ``axis=1`` to normalise within each list (each set) there.

    Missing values stay missing and take no share, as in awkward's ``ak.softmax``.

    >>> import raggrad as rg
    >>> rg.softmax(rg.array([[0.0, 0.0], [], [1000.0]])).to_list()
    [[0.5, 0.5], [], [1.0]]
    >>> rg.softmax(rg.array([[0.0, None, 0.0], None, [None]])).to_list()
    [[0.5, None, 0.5], None, [None]]
    >>> import numpy as np
    >>> scores = rg.from_lengths(np.array([2, 0, 1]), np.array([[0.0], [0.0], [5.0]]))  # 3 * var * 1
    >>> rg.softmax(scores).to_list(), rg.softmax(scores, axis=1).to_list()
    ([[[1.0], [1.0]], [], [[1.0]]], [[[0.5], [0.5]], [], [[1.0]]])
    """
    return along("rg.softmax", _inexact(x, "rg.softmax"), axis, _softmax)


@register("log_softmax", "structural", options=True)
def log_softmax(x: Any, /, *, axis: Any = -1) -> Any:
    """``x - logsumexp(x)`` along ``axis``, default the innermost: use ``axis=1`` for ``n * var * 1``.

    Stable for large inputs; the default axis is that of :func:`softmax`: for scores of type
    ``n * var * 1`` it is the regular length-1 axis, so pass ``axis=1`` to normalise per list.

    >>> import numpy as np, raggrad as rg
    >>> [[round(v, 4) for v in row] for row in rg.log_softmax(rg.array([[0.0, 0.0], [], [1000.0]])).to_list()]
    [[-0.6931, -0.6931], [], [0.0]]
    >>> scores = rg.from_lengths(np.array([2, 0, 1]), np.array([[0.0], [0.0], [5.0]]))
    >>> [[round(v, 4) for (v,) in row] for row in rg.log_softmax(scores, axis=1).to_list()]
    [[-0.6931, -0.6931], [], [0.0]]
    """
    return along("rg.log_softmax", _inexact(x, "rg.log_softmax"), axis, _log_softmax)
