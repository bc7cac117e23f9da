"""Specs of ``rg.vector``: Lorentz vectors against scikit-hep ``vector`` (its awkward backend).

The checkers draw ragged arrays and call an op with them; a vector is a record, so every vector
op is called through ``spec.extra["call"]``, which takes the coordinate arrays as separate
arguments (``coords``, and ``other`` for a second vector, name them), zips them with
``rg.vector.zip`` and unzips a vector result into its fields. So the coordinates are what the
derivative, jit and vmap checkers differentiate, trace and batch, and a result's fields are the
outputs compared. The oracle is ``vector`` itself, on the same data as awkward arrays
(``spec.awkward``; a missing ``vector`` package skips those items).

Inputs are physical: ``pt`` 0.5-50, ``|eta| < 2``, masses 5-30 (timelike; ``m = sqrt(E² - p²)``
is so steep where ``m << p`` that central differences lose their digits), drawn once and written
in a coordinate system drawn from every system of the op's dimension, with momentum or generic
names; for ``dot``, ``add`` and ``subtract`` some draws put a third of the particles on the beam
axis (``pt = 0``), where the Minkowski product takes its other branch. The canonical examples add
massless particles (stored masses of 0), ``Δφ`` across ``±π`` and, for those three ops, pairs
stored as ``pt, eta, phi, mass`` with one or both members on the beam axis. Tolerances:
``rtol=atol=1e-12``, except where the result cancels (``dot``, the mass and energy of sums and
differences, boosts): ``1e-9``, ``vector``'s own rounding of ``E² - p²`` (``tests/test_vector.py``
bounds it per element and checks raggrad's values against mpmath).
Kinks left out of finite differences: ``deltaphi`` within 1e-4 of ``±π``, the sign change of a
``scale`` factor and ``phi`` at 0 under a negative factor, masses of differences near 0, and
stored masses of 0 where the op depends on ``m |m|`` (second derivative: a kink). The ``phi`` of a
sum or difference whose transverse part cancels is undefined (``eta`` and ``theta`` too, where
``z`` cancels as well): those angles are left out of the comparison, and the ``phi`` of a sum or
difference is compared modulo 2π (``_masks``).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

import raggrad as rg
from raggrad._array import RaggedArray
from raggrad._records import RecordArray
from raggrad._registry import REGISTRY, Spec, attach_spec
from raggrad.testing import strategies as rst

from .._harness import CANONICAL_LENGTHS, ragged
from .reductions import _with_values

MOMENTUM = {"x": "px", "y": "py", "rho": "pt", "z": "pz", "t": "E", "tau": "mass"}
GENERIC = {v: k for k, v in MOMENTUM.items()} | {"p": "mag"}
_AZIMUTHAL = (("x", "y"), ("rho", "phi"))
SYSTEMS = {
    2: list(_AZIMUTHAL),
    3: [(*az, lo) for az in _AZIMUTHAL for lo in ("z", "theta", "eta")],
    4: [(*az, lo, te) for az in _AZIMUTHAL for lo in ("z", "theta", "eta") for te in ("t", "tau")],
}


# ---- inputs ------------------------------------------------------------------------------------
def coordinates(system: tuple[str, ...], pt: Any, eta: Any, phi: Any, mass: Any) -> dict[str, np.ndarray]:
    """The coordinates ``system`` of particles given by ``pt, eta, phi, mass`` (NumPy arrays)."""
    pz = pt * np.sinh(eta)
    every = {
        "x": pt * np.cos(phi),
        "y": pt * np.sin(phi),
        "rho": pt,
        "phi": phi,
        "z": pz,
        "theta": 2.0 * np.arctan(np.exp(-eta)),
        "eta": eta,
        "t": np.sqrt(mass**2 + pt**2 + pz**2),
        "tau": mass,
    }
    return {g: every[g] for g in system}


def _names(system: tuple[str, ...], momentum: bool) -> tuple[str, ...]:
    return tuple(MOMENTUM.get(g, g) if momentum else g for g in system)


def _element(lo: float, hi: float) -> Any:
    return rst.elements("float64", min_value=lo, max_value=hi, allow_subnormal=False)


def _draw_vector(
    draw: Any,
    like: Any,
    dimensions: tuple[int, ...],
    masses: tuple[float, float] = (5.0, 30.0),
    beam: bool = False,
) -> tuple[list[Any], tuple[str, ...], Any]:
    """Coordinate arrays (the lists of ``like``, or new ones), their names, and the lists.

    ``beam``: some particles lie on the beam axis (``pt = 0``, ``phi`` and ``eta`` still stored
    where the system has them), where the two-vector formulas take another branch."""
    if like is None:
        depth = draw(st.sampled_from((1, 2)))
        arrays = rst.ragged_arrays(
            depth=depth, values=_element(0.5, 50.0), max_outer=4, max_list_length=4, huge_length=8
        )
        like = draw(arrays)
    pt = np.asarray(draw(rst.same_structure(like, values=_element(0.5, 50.0))).values)
    if beam:
        pt = pt * np.asarray(draw(rst.same_structure(like, values=st.sampled_from((0.0, 1.0, 1.0)))).values)
    eta = np.asarray(draw(rst.same_structure(like, values=_element(-2.0, 2.0))).values)
    phi = np.asarray(draw(rst.same_structure(like, values=_element(-3.1, 3.1))).values)
    mass = np.asarray(draw(rst.same_structure(like, values=_element(*masses))).values)
    system = draw(st.sampled_from([s for d in dimensions for s in SYSTEMS[d]]))
    names = _names(system, draw(st.booleans()))
    values = coordinates(system, pt, eta, phi, mass)
    return [_with_values(like, values[g]) for g in system], names, like


def _inputs(dimensions: tuple[int, ...], kind: str, boost: bool = False) -> Any:
    def inputs(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        beam = kind == "same" and draw(st.booleans())  # dot, add, subtract: pt = 0 branches
        arrays, names, like = _draw_vector(draw, None, dimensions, beam=beam)
        kwargs: dict[str, Any] = {"coords": names}
        if kind == "pair":
            other_dims = (len(names),) if draw(st.booleans()) or dimensions == (4,) else dimensions
            # a boost by a heavy vector (gamma below ~15): finite differences stay meaningful
            more, other, _ = _draw_vector(draw, like, other_dims, (20.0, 60.0) if boost else (5.0, 30.0))
            arrays, kwargs = arrays + more, {"coords": names, "other": other}
        elif kind == "same":  # add, subtract, dot: one dimension
            more, other, _ = _draw_vector(draw, like, (len(names),), beam=beam)
            arrays, kwargs = arrays + more, {"coords": names, "other": other}
        elif kind == "scale":
            factors = st.one_of(_element(-3.0, -0.1), _element(0.1, 3.0))  # vector turns phi at 0
            arrays = [*arrays, draw(rst.same_structure(like, values=factors))]
        return tuple(arrays), kwargs

    return inputs


# ---- calls and the oracle ----------------------------------------------------------------------
def _split(
    arrays: tuple[Any, ...], coords: Any, other: Any
) -> tuple[dict[str, Any], dict[str, Any], list[Any]]:
    n = len(coords)
    first = dict(zip(coords, arrays[:n], strict=True))
    m = len(other) if other is not None else 0
    second = dict(zip(other, arrays[n : n + m], strict=True)) if other is not None else {}
    return first, second, list(arrays[n + m :])


def _call(kind: str) -> Any:
    """The checkers' call of a vector op: coordinate arrays in, arrays out."""

    def adapt(func: Any) -> Any:
        def call(*arrays: Any, coords: Any, other: Any = None) -> Any:
            first, second, rest = _split(arrays, coords, other)
            if kind == "zip":
                out = func(first)
            elif kind == "scale":
                out = func(rg.vector.zip(first), rest[0])
            elif kind == "unary":
                out = func(rg.vector.zip(first))
            else:
                out = func(rg.vector.zip(first), rg.vector.zip(second))
            return tuple(rg.unzip(out)) if isinstance(out, RecordArray) else out

        return call

    return adapt


def _vector() -> Any:
    vector = pytest.importorskip("vector")
    vector.register_awkward()
    return vector


def _oracle(name: str, kind: str) -> Any:
    """``vector``'s value: its property or method of the same (generic) name."""
    attr = GENERIC.get(name, name)

    def counterpart(*arrays: Any, coords: Any, other: Any = None) -> Any:
        vector = _vector()
        first, second, rest = _split(arrays, coords, other)
        if kind == "zip":
            out = vector.zip(first)
        elif kind == "unary":
            out = getattr(vector.zip(first), attr)
        elif kind == "scale":
            out = vector.zip(first).scale(rest[0])
        else:
            out = getattr(vector.zip(first), attr)(vector.zip(second))
        if out.fields:
            # a negative scale turns phi by π: vector into [-π, π), raggrad into (-π, π]; a sum's
            # or difference's phi is arctan2 in both, -π included (y = -0.0, x < 0)
            turned = kind == "scale"
            return tuple(_closed(out[f]) if f == "phi" and turned else out[f] for f in out.fields)
        return _closed(out) if name == "deltaphi" else out

    return counterpart


def _masks(name: str) -> dict[str, Any]:
    """The numbers of a sum or difference that are compared specially, as flat masks.

    ``angles``: its ``phi`` is ``arctan2`` of the summed ``x, y`` in both raggrad and ``vector``,
    so at ``phi = ±π`` the sign of a rounded ``y`` picks ``π`` or ``-π``, one angle: ``phi`` is
    compared modulo 2π. ``undefined``: ``phi`` is undefined at ``rho = 0``, and ``eta``, ``theta``
    follow the sign of ``z`` there (or are undefined where ``z`` cancels too). When ``rho`` is
    below 1e-12 of the operands', the angles are the direction of rounding errors: raggrad
    subtracts equal ``x, y`` exactly and gets ``phi = 0`` (``arctan2`` at the origin), ``vector``
    keeps a ``rho`` of 1e-16 and gets ``phi = π/2``, ``eta = 37``. Those angles are left out.
    """
    if name not in ("add", "subtract"):
        return {}

    def masks(*arrays: Any, coords: Any, other: Any = None) -> tuple[Any, Any]:
        vector = _vector()
        ak = pytest.importorskip("awkward")
        first, second, _ = _split(arrays, coords, other)
        a, b = vector.zip(first), vector.zip(second)
        out = getattr(a, name)(b)
        flat = np.asarray(ak.flatten(out.rho <= 1e-12 * (a.rho + b.rho), axis=None))
        no = np.zeros_like(flat)
        undefined = [flat if f in ("phi", "eta", "theta") else no for f in out.fields]
        angles = [~no if f == "phi" else no for f in out.fields]
        return np.concatenate(undefined), np.concatenate(angles)

    return {
        "undefined": lambda *a, **k: masks(*a, **k)[0],
        "angles": lambda *a, **k: masks(*a, **k)[1],
    }


def _closed(phi: Any) -> Any:
    """vector's angles in [-π, π) as raggrad's, in (-π, π]: its -π is π (the one difference)."""
    ak = pytest.importorskip("awkward")
    return ak.where(phi == -np.pi, np.pi, phi)


def _repro(name: str, kind: str) -> Any:
    def form(names: list[str], kwargs: list[str]) -> str:
        return f"{_call.__module__}._call({kind!r})(rg.vector.{name})({', '.join(names + kwargs)})"

    return form


# ---- kinks -------------------------------------------------------------------------------------


def _sum_kinks(name: str, v: Any, w: Any, dims: int) -> list[Any]:
    """Per output of ``v ± w``: where its transverse part cancels, ``rho`` (a cusp) and the angles
    (undefined) are not differentiable; ``phi`` jumps at ``±π`` (``arctan2``'s cut); in 4D, the
    stored mass enters as ``m |m|`` (``add``) and ``tau`` of a near-lightlike difference is steep."""
    s = getattr(rg.vector, name)(v, w)
    flat = np.asarray(s.rho.values) <= 1e-4 * (np.asarray(v.rho.values) + np.asarray(w.rho.values))
    cut = np.abs(np.abs(np.asarray(s.phi.values)) - np.pi) < 1e-4
    masks = [flat | cut if f == "phi" else flat for f in s.fields]
    if name == "subtract" and dims == 4:
        masks[-1] = masks[-1] | (np.abs(np.asarray(s.tau2.values)) < 1e-3 * np.asarray(s.t2.values))
    if name == "add" and any("tau" in u.fields for u in (v, w)):
        stored = np.logical_or.reduce([np.asarray(u["tau"].values) == 0 for u in (v, w) if "tau" in u.fields])
        masks = [m | stored for m in masks]
    return masks


_TAU_KINK = ("E", "rapidity", "add", "subtract", "dot", "boost_p4")


def _kink(name: str) -> Any:
    """Outputs too close to a point where the op is not differentiable for finite differences."""

    def kink(*arrays: Any, coords: Any, other: Any = None) -> Any:
        first, second, rest = _split(arrays, coords, other)
        v = rg.vector.zip(first)
        if name == "deltaphi":
            d = np.asarray(rg.vector.deltaphi(v, rg.vector.zip(second)).values)
            return np.abs(np.abs(d) - np.pi) < 1e-4
        if name == "deltaR":  # sqrt(Δφ² + Δη²): a cusp where the two directions meet
            return np.asarray(rg.vector.deltaR(v, rg.vector.zip(second)).values) < 1e-4
        if name in ("add", "subtract"):
            return _sum_kinks(name, v, rg.vector.zip(second), len(coords))
        vectors = [v] + ([rg.vector.zip(second)] if second else [])
        if name in _TAU_KINK and any("tau" in w.fields for w in vectors):
            # a stored mass enters as m |m| (vector's spacelike convention): a kink of the second
            # derivative at m = 0, where the first derivative is still exact
            return np.logical_or.reduce(
                [np.asarray(w["tau"].values) == 0 for w in vectors if "tau" in w.fields]
            )
        if name == "scale":
            k = np.asarray(rest[0].values)
            near = np.abs(k) < 1e-3
            if "phi" in first:
                near = near | ((k < 0) & (np.abs(np.asarray(first["phi"].values)) < 1e-4))
            return near
        return np.zeros(np.shape(arrays[0].values), bool)

    return kink


# ---- canonical examples ------------------------------------------------------------------------
#: nine particles in lists of CANONICAL_LENGTHS: muons, a massless photon pair 0.03 apart (a
#: near-collinear pair in list 0), a Z-like heavy particle, a zero-pt partner is left out (phi)
PT = np.array([45.0, 38.0, 12.0, 52.0, 8.0, 29.0, 20.0, 20.5, 33.0])
ETA = np.array([0.3, -1.1, 2.2, -0.4, 0.9, 1.5, 0.35, 0.38, -2.0])
PHI = np.array([0.1, 3.0, -1.2, 1.6, -1.4, 0.0, 2.9, -3.1, -0.7])  # -3.1 and 2.9: Δφ across ±π
MASS = np.array([0.1057, 0.0, 1.777, 0.1057, 4.2, 0.0, 0.0, 0.1396, 9.46])
#: partners: same lists, heavy (a rest frame for boosts, gamma below 8)
PT2 = np.array([31.0, 17.0, 9.5, 40.0, 22.0, 15.0, 11.0, 26.0, 7.0])
ETA2 = np.array([-0.6, 0.2, 1.9, 0.8, -1.7, 1.1, -0.2, 0.5, 2.3])
PHI2 = np.array([2.4, -0.5, 0.7, -2.9, 1.2, 3.0, -2.2, 0.4, 1.8])
MASS2 = np.array([18.0, 5.1, 31.0, 22.0, 9.0, 47.0, 12.0, 7.0, 25.0])


#: particles put on the beam axis (``pt = 0``) in the first example of ``dot``, ``add`` and
#: ``subtract``: one member of a pair (2, 4), both members (6)
BEAM = ((2, 6), (4, 6))


def _canonical_vector(
    system: tuple[str, ...], momentum: bool, which: int = 0, beam: bool = False
) -> tuple[list[Any], tuple[str, ...]]:
    pt, eta, phi, mass = (PT, ETA, PHI, MASS) if which == 0 else (PT2, ETA2, PHI2, MASS2)
    if beam:
        pt = pt.copy()
        pt[list(BEAM[which])] = 0.0
    if "t" in system:  # E from a mass: m = sqrt(E² - p²) is steep where m << p
        mass = np.maximum(mass, 20.0)
    values = coordinates(system, pt, eta, phi, mass)
    return [ragged(values[g], CANONICAL_LENGTHS) for g in system], _names(system, momentum)


def _examples(kind: str, dimension: int) -> Any:
    systems = {2: [("rho", "phi"), ("x", "y")], 3: [("rho", "phi", "eta"), ("x", "y", "z")]}
    systems[4] = [("rho", "phi", "eta", "tau"), ("x", "y", "z", "t"), ("rho", "phi", "theta", "t")]

    def examples() -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        out = []
        for k, (system, momentum) in enumerate(zip(systems[dimension], itertools.cycle((True, False)))):
            # dot, add, subtract of two vectors stored as pt, eta, phi, mass, some on the beam axis
            beam = kind == "same" and dimension == 4 and k == 0
            arrays, names = _canonical_vector(system, momentum, 0, beam)
            if kind in ("pair", "same"):
                partner = system if beam else systems[dimension][(k + 1) % len(systems[dimension])]
                more, other = _canonical_vector(partner, not momentum, 1, beam)
                out.append(((*arrays, *more), {"coords": names, "other": other}))
            elif kind == "scale":
                factor = ragged(
                    np.array([2.5, -1.5, 0.5, -0.8, 3.0, -2.0, 1.2, -0.4, 0.9]), CANONICAL_LENGTHS
                )
                out.append(((*arrays, factor), {"coords": names}))
            else:
                out.append((tuple(arrays), {"coords": names}))
        return out

    return examples


# ---- the specs ---------------------------------------------------------------------------------
#: op: (kind, dimensions drawn, dimension of the canonical examples, tolerance)
OPS: dict[str, tuple[str, tuple[int, ...], int, float]] = {
    "zip": ("zip", (2, 3, 4), 4, 1e-12),
    "px": ("unary", (2, 3, 4), 2, 1e-12),
    "py": ("unary", (2, 3, 4), 2, 1e-12),
    "pt": ("unary", (2, 3, 4), 2, 1e-12),
    "phi": ("unary", (2, 3, 4), 2, 1e-12),
    "pz": ("unary", (3, 4), 3, 1e-12),
    "eta": ("unary", (3, 4), 3, 1e-12),
    "theta": ("unary", (3, 4), 3, 1e-12),
    "p": ("unary", (3, 4), 3, 1e-12),
    "E": ("unary", (4,), 4, 1e-12),
    "mass": ("unary", (4,), 4, 1e-12),
    "rapidity": ("unary", (4,), 4, 1e-12),
    "deltaphi": ("pair", (2, 3, 4), 2, 1e-12),
    "deltaeta": ("pair", (3, 4), 3, 1e-12),
    "deltaR": ("pair", (3, 4), 3, 1e-12),
    "dot": ("same", (2, 3, 4), 4, 1e-9),
    "add": ("same", (2, 3, 4), 4, 1e-9),
    "subtract": ("same", (2, 3, 4), 4, 1e-9),
    "scale": ("scale", (2, 3, 4), 4, 1e-12),
    "boost_p4": ("pair", (4,), 4, 1e-9),
}


def _spec(name: str, kind: str, dimensions: tuple[int, ...], canonical: int, tol: float) -> Spec:
    return Spec(
        inputs=_inputs(dimensions, kind, boost=name == "boost_p4"),
        awkward=_oracle(name, kind),
        kink=_kink(name),
        extra={
            "call": _call(kind),
            "examples": _examples(kind, canonical),
            "repro": _repro(name, kind),
            **_masks(name),
            "rtol": tol,
            "atol": tol,
        },
    )


SPECS: dict[str, Spec] = {f"vector.{name}": _spec(name, *entry) for name, entry in OPS.items()}

for _name, _spec_of in SPECS.items():  # attached here, as parity's: one import line in __init__
    if _name in REGISTRY:
        attach_spec(_name, _spec_of)
_ = RaggedArray  # the arrays the checkers pass are RaggedArrays of coordinates
