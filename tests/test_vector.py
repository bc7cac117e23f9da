"""rg.vector: Lorentz vectors against scikit-hep ``vector``, with derivatives.

Values are compared with ``vector``'s awkward backend (``vector.register_awkward()``,
``vector.zip`` of ``rg.to_awkward`` of the same float64 data) for every coordinate system (20),
both flavours (momentum and generic names), every property and method, on ragged data with empty
lists, massless particles and ``|eta|`` up to 12. Tolerances (float64): ``rtol=1e-12``
everywhere; where ``vector``'s own formula is the ill-conditioned one, an absolute tolerance that
is that formula's rounding bound, per element, and mpmath (50 digits) shows raggrad's value is
the accurate one:

* ``theta`` from ``z``: ``vector``'s ``arccos(z / p)`` errs by up to ``4 eps / sin(theta)``;
* ``rapidity`` from a stored mass: ``vector``'s ``log((t + z) / (t - z)) / 2`` errs by up to
  ``4 eps (t / mt)²``;
* ``dot``: ``256 eps (|t1 t2| + |p1||p2|)`` (cancellation; ``vector``'s own error reaches ~100 eps
  of that scale), plus, where ``vector`` converts one longitudinal coordinate into the other's,
  the error of the converted ``z``: ``4 eps (|z eta| + p / sin²(theta))``;
* the mass of a sum (``a ± b``, pairs and triples of ``rg.combinations``): ``256 eps t²`` per
  addition on ``m²`` (compared through ``m``), plus ``8 eps p² |cos| / sin²(theta)`` for a
  result in ``theta`` (``vector``'s ``arccos`` of the sum's ``theta``); three-body masses in
  ``theta`` systems are not compared (an ``arccos`` per intermediate sum);
* other coordinates of a sum: ``8 eps (|p_a| + |p_b|)``, divided by the sum's ``rho`` for angles;
* ``deltaphi``: ``atol=2e-15`` (``vector`` rounds ``(Δφ + π) % 2π - π``), and ``vector``'s ``-π``
  is raggrad's ``π`` (``[-π, π)`` there, ``(-π, π]`` here, as the issue asks); ``deltaeta`` and
  ``deltaR``: ``4 eps (|eta_a| + |eta_b|)`` (cancellation in ``Δη``);
* ``boost_p4``: ``rtol=1e-10`` and ``64 eps γ² t`` (the boost amplifies the rounding);
* jax and torch against numpy: ``rtol=1e-9`` (their ``sin``, ``sinh``, ... differ by ulps).

Derivatives are checked on the jax backend in float64 against central finite differences, on
data where they are meaningful (``E / m`` below 50 in the systems that store ``E``).
"""

from __future__ import annotations

import contextlib
import copy
import math
import pickle
from typing import Any

import numpy as np
import pytest

import raggrad as rg
from raggrad._records import RecordArray

ak = pytest.importorskip("awkward")
vector = pytest.importorskip("vector")
vector.register_awkward()

EPS = np.finfo(np.float64).eps
MOMENTUM = {"x": "px", "y": "py", "rho": "pt", "z": "pz", "t": "E", "tau": "mass"}
SYSTEMS = [
    (*az, *rest)
    for az in (("x", "y"), ("rho", "phi"))
    for rest in [
        (),
        *((lo,) for lo in ("z", "theta", "eta")),
        *((lo, te) for lo in ("z", "theta", "eta") for te in ("t", "tau")),
    ]
]
SYSTEMS_4D = [s for s in SYSTEMS if len(s) == 4]
#: (property, dimension) of every property compared with vector
PROPERTIES = [
    *[(p, 2) for p in ("x", "y", "rho", "phi", "rho2", "px", "py", "pt", "pt2")],
    *[(p, 3) for p in ("z", "theta", "eta", "mag", "mag2", "costheta", "cottheta", "pz", "p", "p2")],
    (("pseudorapidity", 3)),
    *[(p, 4) for p in ("t", "t2", "tau", "tau2", "rapidity", "beta", "gamma", "E", "e", "energy", "E2")],
    *[(p, 4) for p in ("Et", "et", "transverse_energy", "Et2", "et2", "transverse_energy2")],
    *[(p, 4) for p in ("mass", "M", "m", "mass2", "M2", "m2", "Mt", "mt", "transverse_mass", "Mt2", "mt2")],
]


# ---- data ----------------------------------------------------------------------------------------
def kinematics(
    seed: int, n: int = 600, *, large_eta: bool = True, eta_max: float = 4.0
) -> dict[str, np.ndarray]:
    """Every generic coordinate of ``n`` random particles: pt 0.5-200, |eta| < 4 (and 6-12 for a
    fifth of them), a third massless, masses up to 20."""
    rng = np.random.default_rng(seed)
    pt = np.exp(rng.uniform(np.log(0.5), np.log(200.0), n))
    eta = rng.uniform(-eta_max, eta_max, n)
    if large_eta:
        big = rng.random(n) < 0.2
        eta[big] = rng.choice([-1.0, 1.0], big.sum()) * rng.uniform(6.0, 12.0, big.sum())
    phi = rng.uniform(-np.pi, np.pi, n)
    mass = np.where(rng.random(n) < 0.3, 0.0, rng.uniform(0.1, 20.0, n))
    pz = pt * np.sinh(eta)
    return {
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


def ragged(values: np.ndarray) -> rg.RaggedArray:
    """``values`` in lists of 0 to 7 (the same lists for every array of the same length)."""
    rng = np.random.default_rng(0)
    lengths: list[int] = []
    while sum(lengths) < len(values):
        lengths.append(min(int(rng.integers(0, 8)), len(values) - sum(lengths)))
    return rg.from_lengths([*lengths, 0], values)


def massive(data: dict[str, np.ndarray], least: float = 1.0) -> dict[str, np.ndarray]:
    """``data`` with masses of at least ``least`` (energies to match)."""
    out = dict(data, tau=np.maximum(data["tau"], least))
    out["t"] = np.sqrt(out["tau"] ** 2 + out["rho"] ** 2 + out["z"] ** 2)
    return out


def names(system: tuple[str, ...], momentum: bool = True) -> list[str]:
    return [MOMENTUM.get(g, g) if momentum else g for g in system]


def pair(data: dict[str, np.ndarray], system: tuple[str, ...], momentum: bool = True) -> tuple[Any, Any]:
    """The same vectors as an rg.vector record and as vector's awkward array."""
    arrays = {name: ragged(data[g]) for name, g in zip(names(system, momentum), system, strict=True)}
    return rg.vector.zip(arrays), vector.zip({k: rg.to_awkward(a) for k, a in arrays.items()})


def flat(a: Any) -> np.ndarray:
    if isinstance(a, rg.RaggedArray):
        return np.asarray(rg.flatten(a, axis=None).values, dtype=np.float64)
    return np.asarray(ak.flatten(a, axis=None), dtype=np.float64)


def assert_close(actual: Any, expected: Any, what: str, rtol: float = 1e-12, atol: Any = 0.0) -> None:
    a, e = flat(actual), flat(expected)
    assert a.shape == e.shape, what
    with np.errstate(invalid="ignore"):
        good = (a == e) | (np.isnan(a) & np.isnan(e)) | (np.abs(a - e) <= atol + rtol * np.abs(e))
    if not good.all():
        i = int(np.argmin(good))
        msg = f"{what}: {int((~good).sum())} of {a.size} differ; first {a[i]!r} vs vector's {e[i]!r}"
        raise AssertionError(msg)


def cond(v: Any, prop: str) -> Any:
    """The absolute tolerance of ``prop`` against vector: vector's own rounding bound."""
    if prop == "theta" and len(v.fields) > 2 and v.fields[2] == "z":
        return 4 * EPS / np.abs(np.sin(flat(v.theta)))
    if prop == "cottheta" and "eta" in v.fields:  # vector's 1 / tan(theta(eta)), raggrad's sinh(eta)
        return 4 * EPS * np.pi * (1 + flat(v.cottheta) ** 2)
    if prop == "rapidity" and "tau" in v.fields:
        return 4 * EPS * flat(v.t) ** 2 / (flat(v.tau2) + flat(v.rho2))
    return 0.0


# ---- values against vector -----------------------------------------------------------------------
@pytest.mark.parametrize("system", SYSTEMS, ids="-".join)
@pytest.mark.parametrize("momentum", [True, False], ids=["momentum", "generic"])
def test_properties_match_vector(system: tuple[str, ...], momentum: bool) -> None:
    mine, theirs = pair(kinematics(1), system, momentum)
    assert type(mine).__name__ == type(theirs).__name__  # MomentumArray4D, VectorArray3D, ...
    assert mine.type == str(theirs.type)
    assert rg.to_list(mine) == ak.to_list(theirs)
    checked = 0
    for prop, dim in PROPERTIES:
        if dim > len(system) or not hasattr(theirs, prop):
            assert hasattr(mine, prop) == hasattr(theirs, prop), prop
            continue
        generic = {"Mt": "Mt", "mt": "Mt", "transverse_mass": "Mt"}.get(prop, prop)
        assert_close(
            getattr(mine, prop), getattr(theirs, prop), f"{prop} of {system}", atol=cond(mine, generic)
        )
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("momentum", [True, False])
def test_properties_are_vectors_own(momentum: bool) -> None:
    """Momentum names exist on momentum vectors only, as in vector; abs is rho, mag or tau."""
    data = kinematics(2, 20)
    for system in (("x", "y"), ("x", "y", "z"), ("x", "y", "z", "t")):
        mine, theirs = pair(data, system, momentum)
        for prop, _ in PROPERTIES:
            assert hasattr(mine, prop) == hasattr(theirs, prop), (system, prop)
        assert_close(abs(mine), abs(theirs), f"abs of {system}")
        assert_close(np.absolute(mine), abs(theirs), f"np.absolute of {system}")


def _fields(mine: Any, theirs: Any, what: str, atol: dict[str, Any], rtol: float = 1e-12) -> None:
    assert mine.type == str(theirs.type), what
    for f in mine.fields:
        if f == "phi":
            a, e = flat(mine[f]), flat(theirs[f])
            # vector wraps to [-π, π): its -π is raggrad's π
            e = np.where((e == -np.pi) & (a > 0), np.pi, e)
            assert_close(a, e, f"{what}.{f}", rtol, atol.get(f, 0.0) + 2e-15)
        else:
            assert_close(mine[f], theirs[f], f"{what}.{f}", rtol, atol.get(f, 0.0))


def _sum_tolerances(a: Any, b: Any, s: Any) -> dict[str, Any]:
    """vector's rounding bounds for the coordinates of ``s = a ± b``: cancellation in the summed
    components; for a result with ``theta``, vector's ``arccos`` of the sum (error ``4 eps /
    sin(theta)``), which also enters its mass through ``p = rho / sin(theta)``."""
    scale = 8 * EPS * (flat(a.mag) + flat(b.mag) if hasattr(a, "mag") else flat(a.rho) + flat(b.rho))
    rho = np.maximum(flat(s.rho), 1e-300)
    out = {"x": scale, "y": scale, "z": scale, "rho": scale, "phi": scale / rho, "eta": scale / rho}
    if "theta" in s.fields:
        sin, cos = np.sin(flat(s.theta)), np.cos(flat(s.theta))
        out["theta"] = scale / rho + 4 * EPS / np.abs(sin)
    if hasattr(a, "t"):
        t1, t2 = flat(a.t), flat(b.t)
        out["t"] = 8 * EPS * (t1 + t2)
        bound = 256 * EPS * ((t1 + t2) ** 2 + (flat(a.mag) + flat(b.mag)) ** 2)
        if "theta" in s.fields:
            bound = bound + 8 * EPS * flat(s.mag2) * np.abs(cos) / sin**2
        out["tau"] = np.minimum(bound / np.maximum(np.abs(flat(s.tau)), 1e-300), np.sqrt(bound))
    return out


@pytest.mark.parametrize("first", SYSTEMS, ids="-".join)
def test_sums_and_differences_match_vector(first: tuple[str, ...]) -> None:
    """``a + b`` and ``a - b`` against every system of the same dimension: vector's fields, record
    names and values."""
    for second in [s for s in SYSTEMS if len(s) == len(first)]:
        a, va = pair(kinematics(3), first)
        b, vb = pair(kinematics(4), second, momentum=len(second) % 2 == 0)
        for op, mine, theirs in [("+", a + b, va + vb), ("-", a - b, va - vb), ("add", a.add(b), va.add(vb))]:
            _fields(mine, theirs, f"{first} {op} {second}", _sum_tolerances(a, b, mine))
        assert rg.vector.subtract(a, b).type == str((va - vb).type)


@pytest.mark.parametrize("first", SYSTEMS, ids="-".join)
def test_pair_methods_match_vector(first: tuple[str, ...]) -> None:
    for second in SYSTEMS:
        a, va = pair(kinematics(5), first)
        b, vb = pair(kinematics(6), second)
        what = f"{first} with {second}"
        dphi, vdphi = flat(a.deltaphi(b)), flat(va.deltaphi(vb))
        vdphi = np.where((vdphi == -np.pi) & (dphi > 0), np.pi, vdphi)
        assert_close(dphi, vdphi, f"deltaphi of {what}", atol=2e-15)
        assert np.all((dphi > -np.pi) & (dphi <= np.pi))
        if len(first) > 2 and len(second) > 2:
            tol = 4 * EPS * (np.abs(flat(a.eta)) + np.abs(flat(b.eta))) + 2e-15  # cancellation in Δη
            assert_close(a.deltaeta(b), va.deltaeta(vb), f"deltaeta of {what}", atol=tol)
            assert_close(a.deltaR(b), va.deltaR(vb), f"deltaR of {what}", atol=tol)
            assert_close(a.deltaR2(b), va.deltaR2(vb), f"deltaR2 of {what}", atol=60 * tol)
        if len(first) == len(second):
            scale = flat(a.mag if len(first) > 2 else a.rho) * flat(b.mag if len(second) > 2 else b.rho)
            if len(first) == 4:
                scale = scale + flat(a.t) * flat(b.t)
            tol = 256 * EPS * scale
            if len(first) > 2 and first[2] != second[2]:
                # vector turns one longitudinal coordinate into the other's (theta by arccos, eta
                # by arcsinh): the converted z errs by up to 4 eps (|z eta| + p / sin²(theta))
                za, zb = np.abs(flat(a.z)), np.abs(flat(b.z))
                dza = np.abs(za * flat(a.eta)) + flat(a.mag) / np.sin(flat(a.theta)) ** 2
                dzb = np.abs(zb * flat(b.eta)) + flat(b.mag) / np.sin(flat(b.theta)) ** 2
                tol = tol + 4 * EPS * (zb * dza + za * dzb)
            assert_close(a.dot(b), va.dot(vb), f"dot of {what}", atol=tol)
        else:
            with pytest.raises(TypeError, match="same dimension"):
                a.dot(b)


@pytest.mark.parametrize("first", SYSTEMS_4D, ids="-".join)
def test_boost_p4_matches_vector(first: tuple[str, ...]) -> None:
    for second in SYSTEMS_4D:
        a, va = pair(kinematics(7, large_eta=False), first)
        b, vb = pair(massive(kinematics(8)), second)  # a rest frame: massive boosts only
        gamma = flat(b.t) / flat(b.tau)
        scale = 64 * EPS * gamma**2 * flat(a.t)  # rounding amplified by the boost
        _fields(
            a.boost_p4(b),
            va.boost_p4(vb),
            f"{first} boosted by {second}",
            dict.fromkeys("xyzt", scale),
            1e-10,
        )


@pytest.mark.parametrize("system", SYSTEMS, ids="-".join)
def test_a_nan_coordinate_gives_nan_where_vector_does(system: tuple[str, ...]) -> None:
    # NaN > 0 is False: a branch for "not positive" must not turn a NaN input into 0 or inf (a
    # NaN candidate would pass every deltaR < 0.4 match)
    values = {"x": 1.0, "y": 2.0, "rho": 3.0, "phi": 0.5, "z": 1.5, "theta": 1.0, "eta": 0.7}
    values |= {"t": 9.0, "tau": 1.0}
    other, vother = pair({g: np.array([values[g]]) for g in system}, system)
    props = ["px", "py", "pt", "phi"] + (["pz", "theta", "eta", "p"] if len(system) > 2 else [])
    props += ["E", "mass", "rapidity"] if len(system) > 3 else []
    for spoilt in system:
        data = {g: np.array([math.nan if g == spoilt else values[g]]) for g in system}
        a, va = pair(data, system)
        checks = [(getattr(a, p), getattr(va, p), p) for p in props]
        checks.append((a + other, va + vother, "a + b"))
        checks += [
            (-a, -va, "-a"),
            (a * -2.0, va * -2.0, "a * -2"),
            (other * math.nan, vother * math.nan, "b * nan"),
        ]
        if len(system) > 2:
            checks.append((a.deltaR(other), va.deltaR(vother), "deltaR"))
        if len(system) == 4:
            checks.append((other.boost_p4(a), vother.boost_p4(va), "boost_p4"))
        for mine, theirs, what in checks:
            fields = mine.fields if isinstance(mine, RecordArray) else [None]
            for f in fields:
                got = flat(mine if f is None else mine[f])
                want = flat(theirs if f is None else theirs[f])
                assert np.isnan(got[np.isnan(want)]).all(), f"{what} {f} of {system}, {spoilt}: {got}"


def test_scale_and_negation_match_vector() -> None:
    for system in SYSTEMS:
        a, va = pair(kinematics(9), system)
        for mine, theirs, what in [
            (a * 2.5, va * 2.5, "v * 2.5"),
            (-1.5 * a, -1.5 * va, "-1.5 * v"),
            (a / -4.0, va / -4.0, "v / -4"),
            (-a, -va, "-v"),
            (a.scale(0.5), va.scale(0.5), "v.scale(0.5)"),
            (+a, va, "+v"),
        ]:
            _fields(mine, theirs, f"{what} of {system}", {})
        factor = ragged(np.random.default_rng(3).uniform(-2.0, 2.0, len(flat(a.x))))
        _fields(a * factor, va * rg.to_awkward(factor), f"v * array of {system}", {})


def _zipped(fields: dict[str, Any]) -> tuple[Any, Any]:
    return (
        rg.vector.zip({k: rg.array(v) for k, v in fields.items()}),
        vector.zip({k: ak.Array(v) for k, v in fields.items()}),
    )


def test_edge_values_are_vectors_own() -> None:
    """A zero vector's rapidity (NaN) and gamma (inf), a spacelike rapidity (NaN), the mass of a
    difference of nearly equal vectors (from the differences), a negative scale of a phi
    outside (-π, π], and integer sums, as vector gives them."""
    with np.errstate(all="ignore"):
        for lorentz in ("E", "mass"):
            v, w = _zipped(
                {"px": [[0.0, 1.0]], "py": [[0.0, 0.0]], "pz": [[0.0, 0.0]], lorentz: [[0.0, 0.0]]}
            )
            np.testing.assert_array_equal(flat(v.rapidity), np.asarray(ak.flatten(w.rapidity)))
            np.testing.assert_array_equal(flat(v.gamma), np.asarray(ak.flatten(w.gamma)))
        v, w = _zipped({"x": [[-3.0]], "y": [[3.0]], "z": [[-30.0]], "tau": [[-50.0]]})
        assert np.isnan(flat(v.rapidity)).all() and np.isnan(np.asarray(ak.flatten(w.rapidity))).all()
        a, wa = _zipped({"pt": [[50.0]], "eta": [[1.0]], "phi": [[2.0]], "mass": [[91.0]]})
        b, wb = _zipped({"pt": [[50.0]], "eta": [[1.0]], "phi": [[2.0]], "mass": [[91.0001]]})
        np.testing.assert_allclose(flat((a - b).mass), np.asarray(ak.flatten((wa - wb).mass)), rtol=1e-9)
        assert flat((a - a).mass).tolist() == [0.0]
        c, wc = _zipped({"pt": [[1.0]], "eta": [[0.0]], "phi": [[7.0]], "mass": [[1.0]]})
        for mine, theirs in ((-c, -wc), (c * -2.0, wc * -2.0)):
            np.testing.assert_allclose(flat(mine.phi), np.asarray(ak.flatten(theirs.phi)), rtol=1e-14)
    i, wi = _zipped({"px": [[1, 2]], "py": [[0, 1]], "pz": [[3, 4]], "E": [[10, 12]]})
    assert str((i + i).type) == str((wi + wi).type) and str((i - i).type) == str((wi - wi).type)
    with pytest.raises(TypeError, match="not the boolean True"):
        c * True
    zero, wzero = _zipped({"pt": [[0.0]], "eta": [[0.0]], "phi": [[0.0]], "mass": [[0.0]]})
    assert flat(zero.Et).tolist() == np.asarray(ak.flatten(wzero.Et)).tolist() == [0.0]


def test_spacelike_masses_beyond_the_momentum_dot_and_add_as_vector() -> None:
    """A stored negative mass larger than the momentum (``m² + p² < 0``, so ``E`` is 0, as in
    vector): ``dot`` and the mass of a sum use that ``E``, not ``E² = m|m| + p²``."""
    a, wa = _zipped({"pt": [[5.0, 5.0]], "eta": [[0.0, 0.5]], "phi": [[3.0, 1.0]], "mass": [[-10.0, -1e3]]})
    b, wb = _zipped({"pt": [[20.0, 20.0]], "eta": [[1.2, 1.2]], "phi": [[0.3, 0.3]], "mass": [[5.0, -30.0]]})
    with np.errstate(all="ignore"):
        for mine, theirs in ((a.dot(b), wa.dot(wb)), (b.dot(a), wb.dot(wa)), ((a + b).mass, (wa + wb).mass)):
            np.testing.assert_allclose(flat(mine), np.asarray(ak.flatten(theirs)), rtol=1e-12)


def test_combinations_of_vectors_and_pair_masses_match_vector() -> None:
    data = kinematics(10)
    for system in SYSTEMS_4D:
        v, av = pair(data, system)
        first, second = rg.combinations(v, 2)
        assert type(first) is type(v) and first.type == str(ak.combinations(av, 2)["0"].type)
        pairs = ak.combinations(av, 2)
        mine, theirs = (first + second).mass, (pairs["0"] + pairs["1"]).mass
        assert rg.num(mine).to_list() == ak.num(theirs).to_list()
        assert_close(mine, theirs, f"(a + b).mass of pairs in {system}", atol=mass_tol(first + second))
        if "theta" not in system:  # vector's arccos of each intermediate sum's theta: no tight bound
            a, b, c = rg.combinations(v, 3)
            trip = ak.combinations(av, 3)
            expected = (trip["0"] + trip["1"] + trip["2"]).mass
            assert_close((a + b + c).mass, expected, "3-body mass", atol=mass_tol(a + b + c, 2))


def mass_tol(s: Any, steps: int = 1) -> np.ndarray:
    """vector's rounding bound for the mass of a sum ``s`` of ``steps + 1`` vectors: ``256 eps t²``
    per step on ``m²``, plus its ``arccos`` for ``theta`` (``8 eps p² |cos| / sin²``)."""
    bound = steps * 256 * EPS * flat(s.t) ** 2
    if "theta" in s.fields:
        theta = flat(s.theta)
        bound = bound + steps * 8 * EPS * flat(s.mag2) * np.abs(np.cos(theta)) / np.sin(theta) ** 2
    return np.minimum(bound / np.maximum(np.abs(flat(s.tau)), 1e-300), np.sqrt(bound))


def test_vectors_of_any_depth() -> None:
    """Vectors in lists of lists: pairs within the innermost lists, as vector's."""
    data = kinematics(25, 40)
    system = ("rho", "phi", "eta", "tau")
    inner, outer = [3, 0, 2, 4, 1, 2, 5, 3, 0, 4], [3, 0, 2, 4, 1]

    def nested(values: np.ndarray) -> rg.RaggedArray:
        return rg.from_lengths(outer, rg.from_lengths(inner, values[: sum(inner)]))

    fields = {n: nested(data[g]) for n, g in zip(names(system), system, strict=True)}
    v = rg.vector.zip(fields)
    assert v.ndim == 3 and type(v).__name__ == "MomentumArray4D"
    a, b = rg.combinations(v, 2, axis=2)
    fa, fb = rg.combinations(rg.flatten(v, axis=1), 2)
    assert rg.flatten((a + b).mass, axis=1).to_list() == (fa + fb).mass.to_list()
    av = vector.zip({k: rg.to_awkward(x) for k, x in fields.items()})
    pairs = ak.combinations(av, 2, axis=2)
    assert_close((a + b).mass, (pairs["0"] + pairs["1"]).mass, "depth 2", atol=mass_tol(a + b))


# ---- precision where the textbook formulas fail ---------------------------------------------------
def _mp() -> Any:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    return mpmath


def _exact_cartesian(mpmath: Any, data: dict[str, np.ndarray], i: int, system: tuple[str, ...]) -> Any:
    """x, y, z, t of particle ``i`` from its float64 coordinates in ``system``, in 50 digits."""
    c = {g: mpmath.mpf(float(data[g][i])) for g in system}
    x, y = (
        (c["x"], c["y"]) if "x" in c else (c["rho"] * mpmath.cos(c["phi"]), c["rho"] * mpmath.sin(c["phi"]))
    )
    rho = mpmath.sqrt(x * x + y * y)
    z = c["z"] if "z" in c else rho * mpmath.sinh(c["eta"]) if "eta" in c else rho / mpmath.tan(c["theta"])
    t = c["t"] if "t" in c else mpmath.sqrt(c.get("tau", 0) ** 2 + rho**2 + z**2)
    return x, y, z, t


def test_pair_mass_keeps_its_digits_where_vector_loses_them() -> None:
    """Massless, nearly collinear pairs (opening angles 1e-7 to 1e-2): the mass of the sum is
    accurate to 1e-13 relative; vector's E² - p² of the sum is not."""
    mpmath = _mp()
    n = 40
    rng = np.random.default_rng(11)
    base = {"rho": rng.uniform(20, 200, n), "eta": rng.uniform(-3, 3, n), "phi": rng.uniform(-3, 3, n)}
    delta = 10.0 ** rng.uniform(-7, -2, n)
    other = {
        "rho": base["rho"] * rng.uniform(0.5, 2, n),
        "eta": base["eta"] + delta,
        "phi": base["phi"] - delta,
    }
    system = ("rho", "phi", "eta", "tau")
    for d in (base, other):
        d["tau"] = np.zeros(n)
    a, va = pair(base, system)
    b, vb = pair(other, system)
    mine, theirs = flat((a + b).mass), flat((va + vb).mass)
    exact = []
    for i in range(n):
        p = _exact_cartesian(mpmath, base, i, system)
        q = _exact_cartesian(mpmath, other, i, system)
        s = [u + w for u, w in zip(p, q, strict=True)]
        exact.append(float(mpmath.sqrt(s[3] ** 2 - s[0] ** 2 - s[1] ** 2 - s[2] ** 2)))
    exact = np.asarray(exact)
    np.testing.assert_allclose(mine, exact, rtol=1e-13)
    assert np.max(np.abs(theirs - exact) / exact) > 1e-6  # the naive formula, for contrast
    # dot of the same pairs: the same cancellation-free form
    assert_close(a.dot(b), 0.5 * exact**2, "a.dot(b) of massless pairs", rtol=1e-12)


def test_float32_pair_mass_of_a_pi0_to_two_photons() -> None:
    """The reason for the cancellation-free pair mass: in float32 (jax's default), E² - p² of a
    100 GeV π0 → 2 photons loses the π0 mass; raggrad keeps it to float32 precision."""
    pt, eta = 50.0, 1.2
    opening = 0.135 / pt  # m² ≈ pt1 pt2 Δ² for a small opening angle Δ

    def event(*values: float) -> rg.RaggedArray:
        return rg.from_lengths([2], np.array(values, dtype=np.float32))

    photons = rg.vector.zip(
        {"pt": event(pt, pt), "eta": event(eta, eta), "phi": event(0.0, opening), "mass": event(0.0, 0.0)}
    )
    a, b = rg.combinations(photons, 2)
    assert (a + b).mass.dtype == np.float32
    mass = flat((a + b).mass)[0]
    expected = 2 * pt * math.sin(float(np.float32(opening)) / 2)  # massless, same eta
    assert abs(mass - expected) / expected < 1e-5
    # the textbook E² - p² of the sum, in float32, for contrast
    f32 = np.float32
    px = f32(pt) * np.cos(np.array([0.0, opening], f32))
    py = f32(pt) * np.sin(np.array([0.0, opening], f32))
    pz = np.full(2, f32(pt) * np.sinh(f32(eta)), f32)
    energy = np.sqrt(px * px + py * py + pz * pz)
    naive2 = energy.sum() ** 2 - px.sum() ** 2 - py.sum() ** 2 - pz.sum() ** 2
    assert abs(np.sqrt(max(naive2, f32(0))) - expected) / expected > 1e-2


def test_angles_and_rapidity_keep_their_digits_at_large_eta() -> None:
    """theta (arctan2), eta (arcsinh) and rapidity (arcsinh(z / mt)) at |eta| up to 12, against
    50 digits; vector's arccos and log forms lose up to 1e-6 here."""
    mpmath = _mp()
    data = kinematics(12, 60)
    system = ("x", "y", "z", "tau")
    v, _ = pair(data, system)
    theta, eta, rap = flat(v.theta), flat(v.eta), flat(v.rapidity)
    for i in range(60):
        x, y, z, t = _exact_cartesian(mpmath, data, i, system)
        rho = mpmath.sqrt(x * x + y * y)
        assert abs(theta[i] - float(mpmath.atan2(rho, z))) <= 4 * EPS * theta[i] + 1e-300
        assert abs(eta[i] - float(mpmath.asinh(z / rho))) <= 4 * EPS * abs(eta[i])
        assert abs(rap[i] - float(mpmath.atanh(z / t))) <= 8 * EPS * abs(rap[i]) + 1e-15


@pytest.mark.parametrize(("dtype", "eta"), [(np.float32, 45.0), (np.float64, 400.0)])
def test_momentum_at_large_negative_eta_is_that_at_positive_eta(dtype: Any, eta: float) -> None:
    """``|p| = pt cosh(eta)`` is even in eta: at large negative eta ``exp(-eta)²`` overflowed and
    gave ``inf`` where the value is finite (``10 cosh(45)`` in float32)."""
    out = []
    for sign in (1.0, -1.0):
        coords = {"pt": [[10.0]], "eta": [[sign * eta]], "phi": [[0.0]], "mass": [[0.0]]}
        v = rg.vector.zip({k: rg.array(c, dtype=dtype) for k, c in coords.items()})
        out.append((flat(v.p)[0], flat(v.pz)[0]))
    (p_up, pz_up), (p_down, pz_down) = out
    assert np.isfinite(p_up) and p_down == p_up
    np.testing.assert_allclose(p_up, 10 * np.cosh(np.float64(eta)), rtol=1e-6)
    assert pz_down == -pz_up


# ---- derivatives ------------------------------------------------------------------------------------
jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")


def _on_jax(d: dict[str, np.ndarray], system: tuple[str, ...]) -> dict[str, Any]:
    return {name: rg.to_backend(ragged(d[g]), "jax") for name, g in zip(names(system), system, strict=True)}


def _check_grad(f: Any, arrays: dict[str, Any], rtol: float = 1e-6, seed: int = 0) -> None:
    """``jax.grad`` of ``f`` (a scalar function of the coordinate arrays) against central
    differences along a random direction, float64."""
    rng = np.random.default_rng(seed)
    grads = jax.grad(f)(arrays)
    direction = jax.tree_util.tree_map(lambda leaf: jnp.asarray(rng.standard_normal(leaf.shape)), arrays)
    h = 1e-6
    plus = {k: a + h * direction[k] for k, a in arrays.items()}
    minus = {k: a - h * direction[k] for k, a in arrays.items()}
    fd = (float(f(plus)) - float(f(minus))) / (2 * h)
    analytic = sum(float(jnp.vdot(grads[k].values, direction[k].values)) for k in arrays)
    assert np.isfinite(analytic)
    assert abs(analytic - fd) <= rtol * abs(fd) + 1e-7, (analytic, fd)


PROPERTY_OPS = ["px", "py", "pz", "E", "pt", "eta", "phi", "mass", "rapidity", "theta", "p"]


@pytest.mark.parametrize(
    "system", [("rho", "phi", "eta", "tau"), ("x", "y", "z", "t"), ("rho", "phi", "theta", "t")], ids="-".join
)
@pytest.mark.parametrize("prop", PROPERTY_OPS)
def test_property_gradients_match_finite_differences(system: tuple[str, ...], prop: str) -> None:
    # E / m below 50: central differences of t² - p² stay meaningful in the t systems
    data = massive(kinematics(13, 40, large_eta=False, eta_max=1.5), 10.0)
    rng = np.random.default_rng(14)
    with jax.enable_x64(True):
        arrays = _on_jax(data, system)
        weights = jnp.asarray(rng.standard_normal(40))

        def f(arrays: dict[str, Any]) -> Any:
            return jnp.sum(weights * getattr(rg.vector.zip(arrays), prop).values)

        _check_grad(f, arrays)


@pytest.mark.parametrize(
    "method", ["add", "subtract", "dot", "deltaR", "deltaphi", "deltaeta", "boost_p4", "scale"]
)
def test_method_gradients_match_finite_differences(method: str) -> None:
    a = kinematics(15, 30, large_eta=False)
    b = massive(kinematics(16, 30, large_eta=False))
    rng = np.random.default_rng(17)
    with jax.enable_x64(True):
        arrays = {**{f"a_{k}": v for k, v in _on_jax(a, ("rho", "phi", "eta", "tau")).items()}}
        arrays |= {f"b_{k}": v for k, v in _on_jax(b, ("x", "y", "z", "tau")).items()}
        weights = jnp.asarray(rng.standard_normal(30))

        def f(arrays: dict[str, Any]) -> Any:
            va = rg.vector.zip({k[2:]: v for k, v in arrays.items() if k.startswith("a_")})
            vb = rg.vector.zip({k[2:]: v for k, v in arrays.items() if k.startswith("b_")})
            out = getattr(rg.vector, method)(va, arrays["b_px"] if method == "scale" else vb)
            leaves = rg.unzip(out) if isinstance(out, RecordArray) else (out,)
            return sum(jnp.sum(weights * leaf.values) for leaf in leaves)

        _check_grad(f, arrays)


def test_near_massless_pair_mass_gradient_matches_finite_differences() -> None:
    """Massless pairs 1e-4 to 1e-2 apart: the mass is ~1e-3 of the energies, its gradient large
    but finite and right."""
    n = 12
    rng = np.random.default_rng(18)
    base = {
        "rho": rng.uniform(20, 60, n),
        "eta": rng.uniform(-2, 2, n),
        "phi": rng.uniform(-3, 3, n),
        "tau": np.zeros(n),
    }
    delta = 10.0 ** rng.uniform(-3, -2, n)
    other = {
        "rho": base["rho"] * 1.3,
        "eta": base["eta"] + delta,
        "phi": base["phi"] + delta,
        "tau": np.zeros(n),
    }
    system = ("rho", "phi", "eta", "tau")
    with jax.enable_x64(True):
        arrays = {**{f"a_{k}": v for k, v in _on_jax(base, system).items()}}
        arrays |= {f"b_{k}": v for k, v in _on_jax(other, system).items()}

        def f(arrays: dict[str, Any]) -> Any:
            va = rg.vector.zip({k[2:]: v for k, v in arrays.items() if k.startswith("a_")})
            vb = rg.vector.zip({k[2:]: v for k, v in arrays.items() if k.startswith("b_")})
            return jnp.sum((va + vb).mass.values)

        _check_grad(f, arrays, rtol=1e-5)


def _finite_gradient(f: Any, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
    grads = jax.grad(f)(arrays)
    out = {k: np.asarray(g.values) for k, g in grads.items()}
    for k, g in out.items():
        assert np.all(np.isfinite(g)), f"NaN or inf in the gradient with respect to {k}: {g}"
    return out


@pytest.mark.parametrize("system", SYSTEMS_4D, ids="-".join)
def test_no_nan_gradient_of_the_zero_vector(system: tuple[str, ...]) -> None:
    """sqrt at 0, arctan2 at the origin, 0/0: every property of the zero vector has a finite
    (zero) gradient."""
    zero = {g: np.zeros(3) for g in system}
    if "theta" in zero:
        zero["theta"] = np.full(3, np.pi / 2)
    with jax.enable_x64(True):
        arrays = _on_jax(zero, system)
        for prop in PROPERTY_OPS:

            def f(arrays: dict[str, Any], prop: str = prop) -> Any:
                return jnp.sum(getattr(rg.vector.zip(arrays), prop).values)

            _finite_gradient(f, arrays)


def test_no_nan_gradient_at_the_stable_points() -> None:
    with jax.enable_x64(True):
        # a lightlike vector stored with its energy: mass = sqrt(0)
        light = _on_jax(
            {"x": np.array([3.0]), "y": np.array([4.0]), "z": np.array([0.0]), "t": np.array([5.0])},
            ("x", "y", "z", "t"),
        )
        assert float(rg.vector.zip(light).mass.values[0]) == 0.0
        _finite_gradient(lambda a: jnp.sum(rg.vector.zip(a).mass.values), light)
        # a massless particle added to itself (collinear): the mass of the sum is 0
        massless = _on_jax(
            {"rho": np.array([40.0]), "phi": np.array([0.3]), "eta": np.array([1.1]), "tau": np.zeros(1)},
            ("rho", "phi", "eta", "tau"),
        )

        def pair_mass(a: dict[str, Any]) -> Any:
            v = rg.vector.zip(a)
            return jnp.sum((v + v).mass.values + v.deltaR(v).values + v.dot(v).values)

        assert float(pair_mass(massless)) == 0.0
        _finite_gradient(pair_mass, massless)
        # the beam axis and the origin for eta, theta, phi and rapidity (massless along z)
        beam = _on_jax(
            {"x": np.zeros(2), "y": np.zeros(2), "z": np.array([5.0, 0.0]), "tau": np.zeros(2)},
            ("x", "y", "z", "tau"),
        )
        for prop in ("eta", "theta", "phi", "rapidity", "pt", "p", "E"):

            def finite_part(a: dict[str, Any], prop: str = prop) -> Any:
                values = getattr(rg.vector.zip(a), prop).values  # eta and rapidity are inf at z = 5
                return jnp.sum(jnp.where(jnp.isfinite(values), values, 0.0))

            _finite_gradient(finite_part, beam)


def test_pair_mass_on_the_beam_axis_has_the_exact_value_and_gradient() -> None:
    """One muon at pt = 0 (where the cancellation-free form does not apply): the mass of the pair
    is vector's, sqrt(m1² + m2² + 2 m1 E2), and its derivative in that muon's pt is the plain
    form's, -pt2 (cos Δφ + sinh η1 sinh η2) / m; in every other coordinate too."""
    m1, m2, pt2, eta1, eta2, phi1, phi2 = 0.1, 0.2, 30.0, 0.7, -1.3, 0.4, 2.9
    e2 = math.sqrt(m2 * m2 + (pt2 * math.cosh(eta2)) ** 2)
    mass = math.sqrt(m1 * m1 + m2 * m2 + 2 * m1 * e2)
    system = ("rho", "phi", "eta", "tau")
    with jax.enable_x64(True):
        first = _on_jax(
            {"rho": np.zeros(1), "phi": np.full(1, phi1), "eta": np.full(1, eta1), "tau": np.full(1, m1)},
            system,
        )
        second = rg.vector.zip(
            _on_jax(
                {
                    "rho": np.full(1, pt2),
                    "phi": np.full(1, phi2),
                    "eta": np.full(1, eta2),
                    "tau": np.full(1, m2),
                },
                system,
            )
        )

        def pair_mass(a: dict[str, Any]) -> Any:
            return jnp.sum((rg.vector.zip(a) + second).mass.values)

        assert float(pair_mass(first)) == pytest.approx(mass, rel=1e-14)
        grads = jax.grad(pair_mass)(first)
        expected = -pt2 * (math.cos(phi1 - phi2) + math.sinh(eta1) * math.sinh(eta2)) / mass
        assert float(grads["pt"].values[0]) == pytest.approx(expected, rel=1e-12)
        assert float(grads["eta"].values[0]) == 0.0 and float(grads["phi"].values[0]) == 0.0
        assert float(grads["mass"].values[0]) == pytest.approx((m1 + e2) / mass, rel=1e-12)


def test_eta_at_large_eta_has_the_exact_gradient() -> None:
    """eta = arcsinh(z / rho): d eta / dz = 1 / p even at |eta| = 19, where rho = 1e-5 z."""
    with jax.enable_x64(True):
        a = _on_jax(
            {"x": np.array([1e-5, -3e-6]), "y": np.array([0.0, 4e-6]), "z": np.array([1.0, -1.0])},
            ("x", "y", "z"),
        )
        grads = jax.grad(lambda a: jnp.sum(rg.vector.zip(a).eta.values))(a)
        p = np.sqrt(np.array([1e-10, 25e-12]) + 1.0)
        np.testing.assert_allclose(np.asarray(grads["pz"].values), 1 / p, rtol=1e-12)
        assert abs(float(rg.vector.zip(a).eta.values[0]) - math.asinh(1e5)) < 1e-14 * 13


def test_z_from_theta_has_exact_second_derivatives_and_vectors_value() -> None:
    """z = rho / tan(theta) (vector's value, -0.0 kept) with the derivatives of rho cos / sin: at
    theta = π/2 the second derivative of 1 / tan(theta) is a difference of terms near 1e81."""
    thetas = np.array([np.pi / 2, np.pi / 2 + 1e-9, 1.0, 2.5, 3.0])
    rhos = np.array([2.0, 2.0, 0.5, 3.0, 0.0])
    with jax.enable_x64(True):

        def z(theta: Any, rho: Any) -> Any:
            def one(values: Any) -> Any:
                return rg.from_lengths(np.array([2, 0, 3]), values)

            v = rg.vector.zip({"rho": one(rho), "phi": one(jnp.zeros(5)), "theta": one(theta)})
            return v.z.values

        value = np.asarray(z(jnp.asarray(thetas), jnp.asarray(rhos)))
        np.testing.assert_array_equal(value, rhos / np.tan(thetas))
        assert np.signbit(value[4])  # 0 / tan(3.0) is -0.0
        for i, (th, rho) in enumerate(zip(thetas, rhos, strict=True)):

            def zi(th: Any, rho: Any, i: int = i) -> Any:
                return z(jnp.asarray(thetas).at[i].set(th), jnp.asarray(rhos).at[i].set(rho))[i]

            h = np.asarray(jax.hessian(zi, argnums=(0, 1))(th, rho))
            cross = -1 / np.sin(th) ** 2
            exact = [[2 * rho * np.cos(th) / np.sin(th) ** 3, cross], [cross, 0.0]]
            np.testing.assert_allclose(h, exact, rtol=1e-12, atol=1e-14)
    torch = pytest.importorskip("torch")
    th = torch.tensor(thetas, dtype=torch.float64, requires_grad=True)
    r = rg.from_lengths(np.array([2, 0, 3]), torch.tensor(rhos, dtype=torch.float64))
    v = rg.vector.zip({"rho": r, "phi": r * 0.0, "theta": rg.from_lengths(np.array([2, 0, 3]), th)})
    (g,) = torch.autograd.grad(v.z.values.sum(), th, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), th)
    exact = 2 * rhos * np.cos(thetas) / np.sin(thetas) ** 3
    np.testing.assert_allclose(h.numpy(), exact, rtol=1e-12, atol=1e-14)


# ---- transformations, bounded arrays, backends --------------------------------------------------------
def test_jit_matches_eager() -> None:
    with jax.enable_x64(True):
        arrays = _on_jax(kinematics(19, 50), ("rho", "phi", "eta", "tau"))

        def f(arrays: dict[str, Any]) -> Any:
            a, b = rg.combinations(rg.vector.zip(arrays), 2)
            s = a + b
            return s.mass, s.rapidity, a.deltaR(b), a.boost_p4(s).E

        eager, jitted = f(arrays), jax.jit(f)(arrays)
        for e, j in zip(eager, jitted, strict=True):
            np.testing.assert_allclose(np.asarray(j.values), np.asarray(e.values), rtol=1e-12, atol=1e-12)
        grads = jax.jit(jax.grad(lambda a: rg.sum(f(a)[0], axis=None)))(arrays)
        assert all(np.all(np.isfinite(np.asarray(g.values))) for g in grads.values())


def test_bounded_arrays_give_the_exact_results_under_jit_and_rg_grad() -> None:
    with jax.enable_x64(True):
        # masses of the order of the momenta: XLA fuses multiply-adds, so E² - p² rounds
        # differently under jit, and the exact and bounded programs differ in those roundings only
        arrays = _on_jax(massive(kinematics(20, 50, large_eta=False, eta_max=2.0), 5.0), ("x", "y", "z", "t"))
        exact = rg.vector.zip(arrays)
        bounded = rg.vector.zip({k: rg.with_capacity(a) for k, a in arrays.items()})
        assert rg.is_bounded(bounded) and type(bounded) is type(exact)

        def masses(v: Any) -> Any:
            a, b = rg.combinations(v, 2, capacity=512) if rg.is_bounded(v) else rg.combinations(v, 2)
            return (a + b).mass

        expected = masses(exact)
        got = rg.trim(jax.jit(masses)(bounded))
        assert rg.num(got).to_list() == rg.num(expected).to_list()
        np.testing.assert_allclose(flat(got), flat(expected), rtol=1e-12)
        grad = rg.grad(lambda v: rg.sum(masses(v), axis=None))(bounded)
        assert type(grad) is type(bounded) and rg.is_bounded(grad)
        exact_grad = jax.grad(lambda v: rg.sum(masses(v), axis=None))(exact)
        for f in exact.fields:
            np.testing.assert_allclose(flat(rg.trim(grad[f])), flat(exact_grad[f]), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_backends_match_numpy(backend: str) -> None:
    pytest.importorskip(backend)
    data = kinematics(21, 60)
    v, _ = pair(data, ("rho", "phi", "eta", "tau"))
    w, _ = pair(massive(kinematics(22, 60)), ("x", "y", "z", "t"))  # boosts need a rest frame
    with jax.enable_x64(True) if backend == "jax" else contextlib.nullcontext():
        vb, wb = rg.to_backend(v, backend), rg.to_backend(w, backend)
        assert type(vb) is type(v) and vb.backend == backend
        for expected, got in [
            ((v + w).E, (vb + wb).E),
            (v.deltaR(w), vb.deltaR(wb)),
            (v.rapidity, vb.rapidity),
            (v.phi, vb.phi),
            (v.boost_p4(w).px, vb.boost_p4(wb).px),
            (rg.combinations(v, 2)[0].mass, rg.combinations(vb, 2)[0].mass),
        ]:
            # the backends' sin, cos, sinh, ... differ by ulps, which a boost amplifies (γ²)
            np.testing.assert_allclose(
                flat(rg.to_backend(got, "numpy")), flat(expected), rtol=1e-9, atol=1e-12
            )


def test_torch_gradient_matches_jax() -> None:
    torch = pytest.importorskip("torch")
    data = kinematics(23, 40, large_eta=False)
    system = ("rho", "phi", "eta", "tau")
    arrays = {n: ragged(data[g]) for n, g in zip(names(system), system, strict=True)}

    def loss(arrays: dict[str, Any]) -> Any:
        a, b = rg.combinations(rg.vector.zip(arrays), 2)
        return rg.sum((a + b).mass + a.deltaR(b), axis=None)

    with jax.enable_x64(True):
        expected = jax.grad(loss)({k: rg.to_backend(a, "jax") for k, a in arrays.items()})
    tarrays = {k: rg.to_backend(a, "torch") for k, a in arrays.items()}
    for a in tarrays.values():
        a.values.requires_grad_()
    loss(tarrays).backward()
    for k, a in tarrays.items():
        np.testing.assert_allclose(
            a.values.grad.numpy(), np.asarray(expected[k].values), rtol=1e-10, atol=1e-12
        )
    assert isinstance(tarrays["pt"].values, torch.Tensor)


# ---- records: names kept, awkward, pickle ------------------------------------------------------------
def test_records_keep_their_vector_name_through_structure_ops_and_conversions() -> None:
    v, _ = pair(kinematics(24, 30), ("rho", "phi", "eta", "tau"))
    kept = [v[v.pt > 1], v[:, ::-1], rg.flatten(v), rg.firsts(v[rg.num(v) > 0]), rg.concat([v, v])]
    kept += [pickle.loads(pickle.dumps(v)), copy.deepcopy(v), copy.copy(v), rg.to_backend(v, "jax")]
    for out in kept:
        assert type(out).__name__ == "MomentumArray4D" and "Momentum4D[" in out.type
    converted = rg.to_awkward(v)
    assert isinstance(converted, vector.backends.awkward.MomentumArray4D)
    back = rg.from_awkward(
        vector.zip({"pt": [[1.0], []], "eta": [[0.5], []], "phi": [[0.0], []], "M": [[0.1], []]})
    )
    assert type(back).__name__ == "MomentumArray4D" and back.mass.to_list() == [[0.1], []]
    # awkward's own with_name on fields given by momentum names: the record name picks the class
    named = rg.from_awkward(ak.zip({"pt": [[3.0]], "phi": [[0.0]]}, with_name="Momentum2D"))
    assert named.px.to_list() == [[3.0]] and named.fields == ["pt", "phi"]
    # a name without a class is kept, not dropped
    particle = rg.from_awkward(ak.zip({"a": [[1.0]], "b": [[2.0]]}, with_name="Particle"))
    assert type(particle) is RecordArray and particle.type == "1 * var * Particle[a: float64, b: float64]"
    assert str(rg.to_awkward(particle).type) == particle.type
    assert particle[:, :1].type == particle.type
    assert particle[["a"]].type == "1 * var * {a: float64}"  # a projection is not a Particle (awkward)


def test_jax_pytree_of_a_vector_is_the_vector() -> None:
    v = rg.to_backend(
        rg.vector.zip({"x": rg.array([[1.0, 2.0], []]), "y": rg.array([[0.5, 0.0], []])}), "jax"
    )
    leaves, treedef = jax.tree_util.tree_flatten(v)
    assert len(leaves) == 2 and type(jax.tree_util.tree_unflatten(treedef, leaves)) is type(v)
    grad = jax.grad(lambda v: jnp.sum(v.rho.values))(v)
    assert type(grad).__name__ == "VectorArray2D"


# ---- errors ---------------------------------------------------------------------------------------------
X = rg.array([[1.0, 2.0], []])


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"pt": X, "eta": X, "phi": X, "mas": X}, r"unknown coordinate name\(s\) \['mas'\]"),
        ({"pt": X, "rho": X, "phi": X}, "'pt' and 'rho' are both the coordinate 'rho'"),
        ({"pt": X, "eta": X}, r"the coordinates \['pt', 'eta'\] do not make a vector"),
        ({"px": X, "py": X, "E": X}, r"do not make a vector"),
        ({"x": X, "y": X, "z": X, "t": X, "tau": X}, "do not make a vector"),
        ({"x": X, "y": rg.array([[True, False], []])}, "coordinate 'y' has dtype bool"),
    ],
)
def test_bad_coordinates_raise_named_errors(fields: dict[str, Any], match: str) -> None:
    with pytest.raises(TypeError, match=match):
        rg.vector.zip(fields)


def test_bad_operands_raise_named_errors() -> None:
    v2 = rg.vector.zip({"x": X, "y": X})
    v4 = rg.vector.zip({"px": X, "py": X, "pz": X, "E": X})
    with pytest.raises(TypeError, match="mapping"):
        rg.vector.zip([X, X])
    with pytest.raises(TypeError, match="same dimension"):
        v2 + v4
    with pytest.raises(TypeError, match="needs a vector of 4 or more dimensions"):
        rg.vector.mass(v2)
    with pytest.raises(TypeError, match=r"expected a vector record made by rg\.vector\.zip, not RecordArray"):
        rg.vector.pt(rg.zip({"pt": X}))
    with pytest.raises(AttributeError, match="'VectorArray2D' object has no attribute 'mass'"):
        v2.mass  # noqa: B018
    with pytest.raises(TypeError, match=r"np\.sin: cannot apply an elementwise function"):
        np.sin(v4)
    with pytest.raises(TypeError, match="record"):
        v4 * v4
    with pytest.raises(ValueError, match="do not broadcast"):
        rg.vector.zip({"x": X, "y": rg.array([[1.0], [2.0]])})


def test_fields_that_are_no_coordinate_ride_along_as_in_vector() -> None:
    # a NanoAOD-style muon record with its charge, named Momentum4D by awkward
    mu = ak.zip(
        {"pt": [[40.0, 30.0], []], "eta": [[0.5, -0.5], []], "phi": [[0.0, 3.0], []],
         "mass": [[0.1, 0.1], []], "charge": [[1, -1], []]},
        with_name="Momentum4D",
    )  # fmt: skip
    m = rg.from_awkward(mu)
    assert_close(m.pt, mu.pt, "pt")
    assert_close(m.mass, mu.mass, "mass")
    a, b = rg.combinations(m, 2)
    c, d = ak.unzip(ak.combinations(mu, 2))
    assert_close((a + b).mass, (c + d).mass, "pair mass")
    # vector keeps the charge through scale and boost_p4, and drops it from sums
    boosted = (m.boost_p4(m[:, ::-1]), mu.boost_p4(mu[:, ::-1]))
    for got, want in [(2.0 * m, 2.0 * mu), (-m, -mu), boosted, (a + b, c + d)]:
        assert got.type == str(want.type)
    assert (m * 2.0).charge.to_list() == [[1, -1], []]


def test_a_record_named_as_a_vector_without_its_coordinates_raises_a_named_error() -> None:
    three = {"pt": rg.array([[1.0]]), "eta": rg.array([[0.1]]), "phi": rg.array([[0.0]])}
    v = rg.zip(three, with_name="Momentum4D")
    for prop in ("pt", "mass", "E", "rapidity"):
        with pytest.raises(TypeError, match=r"a Momentum4D record needs 4 coordinates; its fields"):
            getattr(v, prop)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("system", [("x", "y", "z", "t"), ("rho", "phi", "eta", "tau")], ids="-".join)
def test_float32_coordinates_give_float32_results(backend: str, system: tuple[str, ...]) -> None:
    pytest.importorskip(backend)
    data = kinematics(31, 40, large_eta=False)
    for g in ("x", "y", "rho", "z"):  # three at the origin: the safe branches
        data[g][:3] = 0.0
    data["t"][:3] = data["tau"][:3]
    coords = zip(names(system), system, strict=True)
    v = rg.vector.zip({n: rg.to_backend(ragged(data[g].astype(np.float32)), backend) for n, g in coords})
    for prop in ("px", "pt", "phi", "eta", "theta", "rapidity", "mass", "E", "p"):
        assert str(getattr(v, prop).dtype).endswith("float32"), prop
    for out in (v.deltaR(v), v.deltaphi(v), (v + v).mass, v.dot(v)):
        assert str(out.dtype).endswith("float32")
    # float64 keeps its digits: arctan2(±0, -0) is ±π, not a float32 π (torch's default float)
    x, y = rg.array([[-0.0, -0.0]], backend=backend), rg.array([[0.0, -0.0]], backend=backend)
    w = rg.vector.zip({"x": x, "y": y})
    assert rg.to_backend(w.phi, "numpy").to_list() == [[math.pi, -math.pi]]
