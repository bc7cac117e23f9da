"""The three workloads, their data, and one function per alternative implementation.

Every alternative computes the same loss and its gradient (``jax.value_and_grad``; awkward's
numpy backend computes the loss only) from the same host-side data, so the harness can check
that they agree before timing them.

- **A** (micro): ``f(x) = sum_i (sum_j sin(x_ij) * x_ij**2)**2``, gradient w.r.t. the values.
- **B** (HEP): muons per event, all pairs, invariant mass, soft cuts, soft mass histogram, squared
  distance to a target histogram; gradient w.r.t. the two cut parameters.
- **C** (ML): ``n * var * 64`` embeddings, ``tanh(x @ W)``, softmax attention pooling per sequence,
  ``mean((pooled @ v)**2)``; gradient w.r.t. ``W``, ``a``, ``v``.

A ``prepare_*`` function takes a :class:`Case` and a JAX device and returns a :class:`Prepared`
(or raises :class:`Unavailable` with the reason the alternative cannot run).
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import raggrad as rg

# ---------------------------------------------------------------------------------------------
# alternatives and what the raggrad variants need


ALTERNATIVES: dict[str, str] = {
    "jax-sorted": "hand-written JAX, segment ids as args, indices_are_sorted=True",
    "jax-unsorted": "hand-written JAX, segment ids as args, indices_are_sorted=False",
    "padded": "padded dense JAX with masks (jit)",
    "awkward-jax": "awkward, JAX backend (grad, eager: it cannot jit)",
    "awkward-np": "awkward, numpy backend (forward only)",
    "raggrad-eager": "raggrad, jax backend, no jit",
    "raggrad-jit": "raggrad, jax.jit(jax.value_and_grad(f))",
    "raggrad-records": "raggrad, jit, muons as one record array (rg.zip), B only",
}
HANDWRITTEN = ("jax-sorted", "jax-unsorted")
#: alternatives that are compiled with jax.jit (AOT: compile time and memory are reported)
JITTED = ("jax-sorted", "jax-unsorted", "padded", "raggrad-jit", "raggrad-records")

#: raggrad functions each workload calls; a variant reports "n/a (op missing)" until they exist
RAGGRAD_OPS: dict[str, tuple[str, ...]] = {
    "A": ("sum",),
    "B": ("combinations",),
    "C": ("softmax", "sum", "mean", "matmul"),
}


class Unavailable(Exception):
    """The alternative cannot run here; the message says why (shown as ``n/a (...)``)."""


def missing_ops(workload: str) -> list[str]:
    return [f"rg.{name}" for name in RAGGRAD_OPS[workload] if not hasattr(rg, name)]


def have_awkward() -> bool:
    return importlib.util.find_spec("awkward") is not None


def _awkward() -> Any:
    if not have_awkward():
        msg = "awkward not installed"
        raise Unavailable(msg)
    import awkward as ak

    # awkward installs a "default" filter for its own modules on import; this one goes in front
    warnings.filterwarnings("ignore", message=".*JAX backend is deprecated", category=DeprecationWarning)
    ak.jax.register_and_check()
    return ak


# ---------------------------------------------------------------------------------------------
# data


@dataclass
class Case:
    """One workload at one size: host-side NumPy data plus the sizes the report needs."""

    workload: str
    dist: str  # list-length distribution
    size: int  # elements (A), events (B), sequences (C)
    offsets: np.ndarray  # int64, one ragged level
    data: dict[str, Any]
    content_bytes: int  # bytes of the ragged content (all parallel arrays)

    @property
    def n(self) -> int:
        return len(self.offsets) - 1

    @property
    def m(self) -> int:
        return int(self.offsets[-1])

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def max_length(self) -> int:
        return int(self.lengths.max(initial=0))

    @property
    def ids(self) -> np.ndarray:
        return np.repeat(np.arange(self.n, dtype=np.int32), self.lengths)

    @property
    def padded_fraction(self) -> float:
        """Padded buffer size (``n * longest``) as a multiple of the number of elements."""
        return self.n * self.max_length / max(self.m, 1)

    @property
    def label(self) -> str:
        return f"{self.workload} {self.dist}" if self.dist else self.workload


def _offsets(lengths: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def list_lengths(dist: str, total: int, rng: np.random.Generator) -> np.ndarray:
    """List lengths with exactly ``total`` elements in all: Poisson(10) or heavy-tailed Pareto.

    ``pareto``: ``floor(numpy pareto(1.5) + 1)`` (mean about 2.6, a power-law tail), drawn until
    the total is reached and the last list cut to fit.
    """
    if dist == "poisson":
        draw = lambda k: rng.poisson(10, k)  # noqa: E731
        mean = 10.0
    elif dist == "pareto":
        draw = lambda k: np.floor(rng.pareto(1.5, k) + 1).astype(np.int64)  # noqa: E731
        mean = 2.6
    else:
        msg = f"unknown length distribution {dist!r}"
        raise ValueError(msg)
    chunks, have = [], 0
    while have < total:
        chunk = draw(int((total - have) / mean * 1.1) + 16)
        chunks.append(chunk)
        have += int(chunk.sum())
    lengths = np.concatenate(chunks).astype(np.int64)
    cum = np.cumsum(lengths)
    last = int(np.searchsorted(cum, total))  # first list that reaches the total
    lengths = lengths[: last + 1].copy()
    lengths[-1] -= int(cum[last]) - total
    return lengths


def make_case(workload: str, dist: str, size: int, seed: int = 0) -> Case:
    rng = np.random.default_rng(seed)
    if workload == "A":
        offsets = _offsets(list_lengths(dist, size, rng))
        values = rng.standard_normal(size).astype(np.float32)
        return Case("A", dist, size, offsets, {"values": values}, values.nbytes)
    if workload == "B":
        offsets = _offsets(rng.poisson(2.5, size))
        m = int(offsets[-1])
        muons = {
            "pt": (5 + rng.exponential(25.0, m)).astype(np.float32),
            "eta": rng.uniform(-3, 3, m).astype(np.float32),
            "phi": rng.uniform(-np.pi, np.pi, m).astype(np.float32),
            "mass": np.full(m, 0.1057, dtype=np.float32),
        }
        i1, i2 = pair_indices(offsets)
        data = {
            **muons,
            "i1": i1,
            "i2": i2,
            "theta": np.array([20.0, 2.4], dtype=np.float32),  # pt cut (GeV), |eta| cut
            "centers": ((np.arange(B_BINS) + 0.5) * B_WIDTH).astype(np.float32),
        }
        data["target"] = _b_target(data, size)
        return Case("B", dist, size, offsets, data, sum(a.nbytes for a in muons.values()))
    if workload == "C":
        offsets = _offsets(rng.poisson(20, size))
        m = int(offsets[-1])
        x = (0.5 * rng.standard_normal((m, C_DIM))).astype(np.float32)
        params = {
            "W": (rng.standard_normal((C_DIM, C_DIM)) / 8).astype(np.float32),
            "a": (rng.standard_normal(C_DIM) / 8).astype(np.float32),
            "v": (rng.standard_normal(C_DIM) / 8).astype(np.float32),
        }
        return Case("C", dist, size, offsets, {"x": x, **params}, x.nbytes)
    msg = f"unknown workload {workload!r}"
    raise ValueError(msg)


def pair_indices(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Global indices of the two members of every pair ``i < j`` within each list (vectorised)."""
    lengths = np.diff(offsets)
    npairs = lengths * (lengths - 1) // 2
    total = int(npairs.sum())
    event = np.repeat(np.arange(len(lengths)), npairs)
    k = np.arange(total) - np.repeat(_offsets(npairs)[:-1], npairs)  # pair number within event
    length = lengths[event]
    # invert k = i*(2L - i - 1)/2 + (j - i - 1) for the lexicographic order of (i, j)
    b = 2 * length - 1
    i = np.floor((b - np.sqrt(b.astype(np.float64) ** 2 - 8 * k)) / 2).astype(np.int64)
    # guard the floating-point floor at the boundaries
    start = i * (2 * length - i - 1) // 2
    i = np.where(start > k, i - 1, i)
    start = i * (2 * length - i - 1) // 2
    i = np.where(k - start >= length - i - 1, i + 1, i)
    start = i * (2 * length - i - 1) // 2
    j = k - start + i + 1
    base = offsets[:-1][event]
    return (base + i).astype(np.int32), (base + j).astype(np.int32)


# ---------------------------------------------------------------------------------------------
# the math shared by every implementation of B; `xp` is jnp for flat arrays, numpy for ragged
# arrays (NEP-13 dispatch to raggrad or awkward)

B_BINS, B_WIDTH, B_SIGMA = 20, 10.0, 5.0  # mass bins of 10 GeV, kernel width 5 GeV
B_PT_SOFTNESS, B_ETA_SOFTNESS = 2.0, 0.1
C_DIM = 64


def _sigmoid(xp: Any, z: Any) -> Any:
    """The logistic function, stable (finite value and gradient at any ``z``, in float32 too):
    ``rg.sigmoid`` on raggrad arrays, ``jax.nn.sigmoid`` on JAX arrays, and the same stable form
    ``exp(-logaddexp(0, -z))`` through NumPy's ufuncs on awkward Arrays."""
    if isinstance(z, rg.RaggedArray):
        return rg.sigmoid(z)
    if xp is jnp:
        return jax.nn.sigmoid(z)
    return np.exp(-np.logaddexp(0.0, -z))


def b_weight(xp: Any, pt: Any, eta: Any, theta: Any) -> Any:
    """Soft selection weight of every muon: pt above ``theta[0]``, |eta| below ``theta[1]``."""
    return _sigmoid(xp, (pt - theta[0]) / B_PT_SOFTNESS) * _sigmoid(
        xp, (theta[1] - xp.abs(eta)) / B_ETA_SOFTNESS
    )


def b_pair_mass(xp: Any, first: tuple[Any, ...], second: tuple[Any, ...]) -> Any:
    """Invariant mass of two muons given as (pt, eta, phi, mass, mt), ``mt = sqrt(pt**2 + mass**2)``.

    ``m**2 = m1**2 + m2**2 + 2 (mt1 mt2 cosh(eta1 - eta2) - pt1 pt2 cos(phi1 - phi2))``.
    """
    pt1, eta1, phi1, mass1, mt1 = first
    pt2, eta2, phi2, mass2, mt2 = second
    m2 = (
        mass1 * mass1
        + mass2 * mass2
        + 2 * (mt1 * mt2 * xp.cosh(eta1 - eta2) - pt1 * pt2 * xp.cos(phi1 - phi2))
    )
    return xp.sqrt(m2)


def b_histogram(xp: Any, mass: Any, weight: Any, centers: Any, nevents: int) -> Any:
    """Gaussian-kernel histogram of flat pair masses (weighted), per event."""
    kernel = xp.exp(-0.5 * ((mass[:, None] - centers) / B_SIGMA) ** 2)
    return xp.sum(weight[:, None] * kernel, axis=0) / nevents


def b_histogram_loss(xp: Any, mass: Any, weight: Any, centers: Any, target: Any, nevents: int) -> Any:
    """Squared distance of the soft histogram to the target histogram."""
    return xp.sum((b_histogram(xp, mass, weight, centers, nevents) - target) ** 2)


def _b_target(data: dict[str, Any], nevents: int) -> np.ndarray:
    """The histogram at other cuts (30 GeV, 2.0), in float64 NumPy: the loss's target."""
    theta = np.array([30.0, 2.0])
    pt, eta, phi, mass = (data[k].astype(np.float64) for k in ("pt", "eta", "phi", "mass"))
    w = b_weight(np, pt, eta, theta)
    mt = np.sqrt(pt * pt + mass * mass)
    i1, i2 = data["i1"], data["i2"]
    m = b_pair_mass(
        np, (pt[i1], eta[i1], phi[i1], mass[i1], mt[i1]), (pt[i2], eta[i2], phi[i2], mass[i2], mt[i2])
    )
    return b_histogram(np, m, w[i1] * w[i2], data["centers"], nevents).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# what an alternative hands to the harness


@dataclass
class Prepared:
    """A ready-to-run alternative.

    ``fn(*args)`` returns ``(loss, grads)`` (or the loss alone for forward-only alternatives).
    Jitted alternatives are compiled by the harness (``jax.jit(fn, static_argnums)``), the others
    called as they are. ``check(out)`` turns the output into ``(loss, [flat NumPy gradients])`` in
    one layout shared by all alternatives of the workload.
    """

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    check: Callable[[Any], tuple[float, list[np.ndarray]]]
    static_argnums: tuple[int, ...] = ()
    forward_only: bool = False
    padded_bytes: int | None = None
    notes: list[str] = field(default_factory=list)


def _put(device: Any, *arrays: np.ndarray) -> list[Any]:
    return [jax.device_put(a, device) for a in arrays]


def _np(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float64).ravel()


def _grads(tree: Any) -> list[np.ndarray]:
    return [_np(leaf) for leaf in jax.tree_util.tree_leaves(tree)]


def _plain_check(out: Any) -> tuple[float, list[np.ndarray]]:
    loss, grads = out
    return float(loss), _grads(grads)


def _ragged(case: Case, device: Any, values: np.ndarray) -> rg.RaggedArray:
    return rg.to_backend(rg.from_offsets(case.offsets, values), "jax", device=device)


def _need_ops(case: Case) -> None:
    missing = missing_ops(case.workload)
    if missing:
        raise Unavailable("op missing: " + ", ".join(missing))


def _padded(case: Case, values: np.ndarray, fill: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``(n, longest, ...)`` dense copy of ``values`` and its ``(n, longest)`` mask, built on the host."""
    n, longest = case.n, case.max_length
    mask = np.zeros((n, longest), dtype=bool)
    local = np.arange(case.m) - np.repeat(case.offsets[:-1], case.lengths)
    rows = np.repeat(np.arange(n), case.lengths)
    mask[rows, local] = True
    dense = np.full((n, longest, *values.shape[1:]), fill, dtype=values.dtype)
    dense[rows, local] = values
    return dense, mask


def padded_bytes(case: Case) -> int:
    """Bytes of the padded copies of the ragged content (all parallel arrays)."""
    return int(case.content_bytes * case.padded_fraction)


# ---------------------------------------------------------------------------------------------
# A: sum_i (sum_j sin(x_ij) x_ij^2)^2


def _a_loss_segment(sorted_ids: bool) -> Callable[..., Any]:
    def loss(values: Any, ids: Any, n: int) -> Any:
        per_list = jax.ops.segment_sum(
            jnp.sin(values) * values * values, ids, num_segments=n, indices_are_sorted=sorted_ids
        )
        return jnp.sum(per_list**2)

    return jax.value_and_grad(loss)


def a_handwritten(case: Case, device: Any, sorted_ids: bool) -> Prepared:
    values, ids = _put(device, case.data["values"], case.ids)
    return Prepared(_a_loss_segment(sorted_ids), (values, ids, case.n), _plain_check, static_argnums=(2,))


def a_padded(case: Case, device: Any) -> Prepared:
    dense, mask = _padded(case, case.data["values"])

    def loss(dense: Any, mask: Any) -> Any:
        terms = jnp.where(mask, jnp.sin(dense) * dense * dense, 0)
        return jnp.sum(jnp.sum(terms, axis=1) ** 2)

    def check(out: Any) -> tuple[float, list[np.ndarray]]:
        loss_value, grad = out
        return float(loss_value), [_np(np.asarray(grad)[mask])]  # row-major = list order

    return Prepared(
        jax.value_and_grad(loss),
        tuple(_put(device, dense, mask)),
        check,
        padded_bytes=dense.nbytes + mask.nbytes,
    )


def _a_awkward_loss(x: Any) -> Any:
    ak = _awkward()
    per_list = ak.sum(np.sin(x) * x * x, axis=1)
    return ak.sum(per_list * per_list, axis=None)


def _ak_flat(ak: Any, array: Any) -> np.ndarray:
    return _np(ak.to_numpy(ak.flatten(ak.to_backend(array, "cpu"), axis=None)))


def a_awkward_jax(case: Case, device: Any) -> Prepared:
    ak = _awkward()
    x = ak.to_backend(ak.unflatten(case.data["values"], case.lengths), "jax")

    def check(out: Any) -> tuple[float, list[np.ndarray]]:
        loss, grad = out
        return float(loss), [_ak_flat(ak, grad)]

    return Prepared(jax.value_and_grad(_a_awkward_loss), (x,), check)


def a_awkward_np(case: Case, device: Any) -> Prepared:
    ak = _awkward()
    x = ak.unflatten(case.data["values"], case.lengths)
    return Prepared(_a_awkward_loss, (x,), lambda out: (float(out), []), forward_only=True)


def _a_raggrad_loss(x: rg.RaggedArray) -> Any:
    per_list = rg.sum(np.sin(x) * x * x, axis=1)
    return rg.sum(per_list**2, axis=None)


def _raggrad_a(case: Case, device: Any) -> Prepared:
    _need_ops(case)
    x = _ragged(case, device, case.data["values"])

    def check(out: Any) -> tuple[float, list[np.ndarray]]:
        loss, grad = out
        return float(loss), [_np(grad.values)]

    return Prepared(jax.value_and_grad(_a_raggrad_loss), (x,), check)


# ---------------------------------------------------------------------------------------------
# B: muon pairs, invariant mass, soft cuts, soft histogram


def _b_flat_loss(
    theta: Any,
    pt: Any,
    eta: Any,
    phi: Any,
    mass: Any,
    i1: Any,
    i2: Any,
    centers: Any,
    target: Any,
    nevents: int,
) -> Any:
    w = b_weight(jnp, pt, eta, theta)
    mt = jnp.sqrt(pt * pt + mass * mass)
    muon = (pt, eta, phi, mass, mt)
    m = b_pair_mass(jnp, tuple(q[i1] for q in muon), tuple(q[i2] for q in muon))
    return b_histogram_loss(jnp, m, w[i1] * w[i2], centers, target, nevents)


def b_handwritten(case: Case, device: Any, sorted_ids: bool) -> Prepared:
    if not sorted_ids:
        msg = "B has no segment reduction: the pair gather is the same code"
        raise Unavailable(msg)
    d = case.data
    args = _put(
        device, *(d[k] for k in ("theta", "pt", "eta", "phi", "mass", "i1", "i2", "centers", "target"))
    )
    return Prepared(jax.value_and_grad(_b_flat_loss), (*args, case.n), _plain_check, static_argnums=(9,))


def b_padded(case: Case, device: Any) -> Prepared:
    d = case.data
    # fill padding with a harmless muon so that sqrt and its derivative stay finite
    fills = {"pt": 1.0, "eta": 0.0, "phi": 0.0, "mass": 0.1057}
    dense = {k: _padded(case, d[k], fills[k])[0] for k in fills}
    mask = _padded(case, d["pt"])[1]
    iu, ju = (a.astype(np.int32) for a in np.triu_indices(case.max_length, 1))

    def loss(theta: Any, pt: Any, eta: Any, phi: Any, mass: Any, mask: Any, centers: Any, target: Any) -> Any:
        w = jnp.where(mask, b_weight(jnp, pt, eta, theta), 0)
        mt = jnp.sqrt(pt * pt + mass * mass)
        muon = (pt, eta, phi, mass, mt)
        m = b_pair_mass(jnp, tuple(q[:, iu] for q in muon), tuple(q[:, ju] for q in muon))
        return b_histogram_loss(jnp, m.ravel(), (w[:, iu] * w[:, ju]).ravel(), centers, target, case.n)

    args = _put(device, d["theta"], *dense.values(), mask, d["centers"], d["target"])
    nbytes = sum(a.nbytes for a in dense.values()) + mask.nbytes
    return Prepared(jax.value_and_grad(loss), tuple(args), _plain_check, padded_bytes=nbytes)


def _b_awkward_loss(
    theta: Any, events: Any, centers: Any, target: Any, nevents: int, xp: Any, to_flat: Callable[[Any], Any]
) -> Any:
    ak = _awkward()
    w = b_weight(np, events.pt, events.eta, theta)
    mt = np.sqrt(events.pt * events.pt + events.mass * events.mass)
    muons = ak.zip(
        {"pt": events.pt, "eta": events.eta, "phi": events.phi, "mass": events.mass, "mt": mt, "w": w}
    )
    first, second = ak.unzip(ak.combinations(muons, 2, axis=1))
    fields = ("pt", "eta", "phi", "mass", "mt")
    m = b_pair_mass(np, tuple(first[f] for f in fields), tuple(second[f] for f in fields))
    flat_m = to_flat(ak.flatten(m, axis=None))
    flat_w = to_flat(ak.flatten(first.w * second.w, axis=None))
    return b_histogram_loss(xp, flat_m, flat_w, centers, target, nevents)


def _b_events(ak: Any, case: Case, backend: str) -> Any:
    d = case.data
    events = ak.zip({k: ak.unflatten(d[k], case.lengths) for k in ("pt", "eta", "phi", "mass")})
    return ak.to_backend(events, backend)


def b_awkward_jax(case: Case, device: Any) -> Prepared:
    ak = _awkward()
    events = _b_events(ak, case, "jax")
    d = case.data

    def fn(theta: Any) -> Any:
        return _b_awkward_loss(theta, events, d["centers"], d["target"], case.n, jnp, ak.to_jax)

    return Prepared(jax.value_and_grad(fn), (jnp.asarray(d["theta"]),), _plain_check)


def b_awkward_np(case: Case, device: Any) -> Prepared:
    ak = _awkward()
    events = _b_events(ak, case, "cpu")
    d = case.data

    def fn(theta: Any) -> Any:
        return _b_awkward_loss(theta, events, d["centers"], d["target"], case.n, np, ak.to_numpy)

    return Prepared(fn, (d["theta"],), lambda out: (float(out), []), forward_only=True)


def _b_raggrad_loss(theta: Any, muons: tuple[rg.RaggedArray, ...], centers: Any, target: Any) -> Any:
    pt, eta, phi, mass = muons
    w = b_weight(np, pt, eta, theta)
    mt = np.sqrt(pt * pt + mass * mass)
    pairs = [rg.combinations(q, 2, axis=1) for q in (pt, eta, phi, mass, mt, w)]
    m = b_pair_mass(np, tuple(p[0] for p in pairs[:5]), tuple(p[1] for p in pairs[:5]))
    w1, w2 = pairs[5]
    return b_histogram_loss(jnp, m.values, (w1 * w2).values, centers, target, len(pt))


def _raggrad_b(case: Case, device: Any) -> Prepared:
    _need_ops(case)
    d = case.data
    muons = tuple(_ragged(case, device, d[k]) for k in ("pt", "eta", "phi", "mass"))
    theta, centers, target = _put(device, d["theta"], d["centers"], d["target"])
    return Prepared(jax.value_and_grad(_b_raggrad_loss), (theta, muons, centers, target), _plain_check)


def _b_records_loss(theta: Any, muons: rg.RecordArray, centers: Any, target: Any) -> Any:
    """B written with records, as the awkward version is: one zip, one combinations call."""
    w = b_weight(np, muons.pt, muons.eta, theta)
    mt = np.sqrt(muons.pt * muons.pt + muons.mass * muons.mass)
    muons = rg.zip({"pt": muons.pt, "eta": muons.eta, "phi": muons.phi, "mass": muons.mass, "mt": mt, "w": w})
    first, second = rg.combinations(muons, 2, axis=1)
    fields = ("pt", "eta", "phi", "mass", "mt")
    m = b_pair_mass(np, tuple(first[f] for f in fields), tuple(second[f] for f in fields))
    return b_histogram_loss(jnp, m.values, (first.w * second.w).values, centers, target, len(muons))


def _raggrad_b_records(case: Case, device: Any) -> Prepared:
    _need_ops(case)
    d = case.data
    muons = rg.zip({k: _ragged(case, device, d[k]) for k in ("pt", "eta", "phi", "mass")})
    theta, centers, target = _put(device, d["theta"], d["centers"], d["target"])
    return Prepared(jax.value_and_grad(_b_records_loss), (theta, muons, centers, target), _plain_check)


# ---------------------------------------------------------------------------------------------
# C: attention pooling over variable-length sequences of 64-dim embeddings


def _c_params(case: Case, device: Any) -> dict[str, Any]:
    return dict(zip("Wav", _put(device, *(case.data[k] for k in "Wav")), strict=True))


def _c_handwritten_loss(sorted_ids: bool) -> Callable[..., Any]:
    def loss(params: dict[str, Any], x: Any, ids: Any, n: int) -> Any:
        h = jnp.tanh(x @ params["W"])
        scores = h @ params["a"]
        # softmax within each sequence; the max only stabilises, so no gradient through it
        top = jax.lax.stop_gradient(jax.ops.segment_max(scores, ids, n, indices_are_sorted=sorted_ids))
        e = jnp.exp(scores - top[ids])
        total = jax.ops.segment_sum(e, ids, n, indices_are_sorted=sorted_ids)
        p = e / total[ids]
        pooled = jax.ops.segment_sum(p[:, None] * h, ids, n, indices_are_sorted=sorted_ids)
        return jnp.mean((pooled @ params["v"]) ** 2)

    return jax.value_and_grad(loss)


def c_handwritten(case: Case, device: Any, sorted_ids: bool) -> Prepared:
    x, ids = _put(device, case.data["x"], case.ids)
    args = (_c_params(case, device), x, ids, case.n)
    return Prepared(_c_handwritten_loss(sorted_ids), args, _plain_check, static_argnums=(3,))


def c_padded(case: Case, device: Any) -> Prepared:
    dense, mask = _padded(case, case.data["x"])

    def loss(params: dict[str, Any], x: Any, mask: Any) -> Any:
        h = jnp.tanh(x @ params["W"])
        scores = jnp.where(mask, h @ params["a"], -jnp.inf)
        p = jnp.where(mask, jax.nn.softmax(scores, axis=1), 0)
        pooled = jnp.sum(p[..., None] * h, axis=1)
        return jnp.mean((pooled @ params["v"]) ** 2)

    args = (_c_params(case, device), *_put(device, dense, mask))
    return Prepared(jax.value_and_grad(loss), args, _plain_check, padded_bytes=dense.nbytes + mask.nbytes)


def _c_awkward_loss(params: dict[str, Any], x: Any) -> Any:
    ak = _awkward()
    h = np.tanh(x @ params["W"])
    scores = h @ params["a"]
    p = ak.softmax(scores, axis=1)
    pooled = ak.sum(p * h, axis=1)
    return ak.mean((pooled @ params["v"]) ** 2, axis=None)


def c_awkward_jax(case: Case, device: Any) -> Prepared:
    ak = _awkward()
    x = ak.to_backend(ak.unflatten(case.data["x"], case.lengths), "jax")
    params = {k: jnp.asarray(case.data[k]) for k in "Wav"}
    return Prepared(jax.value_and_grad(_c_awkward_loss), (params, x), _plain_check)


def c_awkward_np(case: Case, device: Any) -> Prepared:
    ak = _awkward()
    x = ak.unflatten(case.data["x"], case.lengths)
    params = {k: case.data[k] for k in "Wav"}
    return Prepared(_c_awkward_loss, (params, x), lambda out: (float(out), []), forward_only=True)


def _c_raggrad_loss(params: dict[str, Any], x: rg.RaggedArray) -> Any:
    h = np.tanh(x @ params["W"])
    p = rg.softmax(h @ params["a"], axis=1)  # n * var
    pooled = rg.sum(p * h, axis=1)  # n * var times n * var * 64, per element: n * 64
    return rg.mean((pooled @ params["v"]) ** 2, axis=None)


def _raggrad_c(case: Case, device: Any) -> Prepared:
    _need_ops(case)
    x = _ragged(case, device, case.data["x"])
    return Prepared(jax.value_and_grad(_c_raggrad_loss), (_c_params(case, device), x), _plain_check)


# ---------------------------------------------------------------------------------------------
# the table the harness walks: workload -> alternative -> prepare(case, device)

IMPLEMENTATIONS: dict[str, dict[str, Callable[[Case, Any], Prepared]]] = {
    "A": {
        "jax-sorted": lambda c, d: a_handwritten(c, d, sorted_ids=True),
        "jax-unsorted": lambda c, d: a_handwritten(c, d, sorted_ids=False),
        "padded": a_padded,
        "awkward-jax": a_awkward_jax,
        "awkward-np": a_awkward_np,
        "raggrad-eager": _raggrad_a,
        "raggrad-jit": _raggrad_a,
    },
    "B": {
        "jax-sorted": lambda c, d: b_handwritten(c, d, sorted_ids=True),
        "jax-unsorted": lambda c, d: b_handwritten(c, d, sorted_ids=False),
        "padded": b_padded,
        "awkward-jax": b_awkward_jax,
        "awkward-np": b_awkward_np,
        "raggrad-eager": _raggrad_b,
        "raggrad-jit": _raggrad_b,
        "raggrad-records": _raggrad_b_records,
    },
    "C": {
        "jax-sorted": lambda c, d: c_handwritten(c, d, sorted_ids=True),
        "jax-unsorted": lambda c, d: c_handwritten(c, d, sorted_ids=False),
        "padded": c_padded,
        "awkward-jax": c_awkward_jax,
        "awkward-np": c_awkward_np,
        "raggrad-eager": _raggrad_c,
        "raggrad-jit": _raggrad_c,
    },
}


def padded_footprint(case: Case) -> int:
    """Bytes the padded alternative would hold for its inputs (B also pairs: ``longest**2 / 2``)."""
    base = padded_bytes(case)
    if case.workload == "B":
        pairs = case.n * math.comb(max(case.max_length, 2), 2)
        return base + pairs * 4 * (B_BINS + 8)
    return base
