"""The formulas behind :mod:`raggrad.vector`: kinematics of vectors given by their coordinates.

Every function takes the stored coordinates of a vector as a dict ``c`` from ``vector``'s generic
names (``x y rho phi z theta eta t tau``, canonical order) to arrays, and computes from whichever
are there, with raggrad's elementwise ops (so any depth, bounded arrays, every backend, ``jit``
and ``grad``). Values are ``vector``'s (scikit-hep ``vector``, ``vector/_compute/``), with these
choices for stability and finite derivatives (``tests/test_vector.py`` checks each):

* square roots (``rho``, ``mag``, ``t`` from ``tau``, ``tau`` from ``t``, ``deltaR``) have a
  zero derivative where their argument is 0: a double ``where`` replaces the argument before the
  root, so no ``inf * 0 = NaN`` reaches a gradient; elsewhere they are exact. ``tau`` from ``t``
  is ``copysign(sqrt(|t² - p²|), t² - p²)``, ``vector``'s negative mass of a spacelike vector.
* ``phi = arctan2(y, x)`` and ``theta = arctan2(rho, z)`` have a zero derivative at the origin
  (where ``phi`` keeps ``numpy.arctan2``'s signed zeros and ``theta`` is 0, as in ``vector``).
  ``theta`` from ``z`` by ``arctan2``: ``vector``'s ``arccos(z / p)`` loses digits near the beam.
* ``eta = arcsinh(z / rho)``: no cancellation at large ``|eta|`` (``-log(tan(theta / 2))`` from
  ``z`` has it); ``±inf`` on the beam axis, 0 at the origin, as in ``vector``.
* ``z`` from ``theta`` is ``vector``'s ``rho / tan(theta)``, with the derivatives of
  ``rho cos(theta) / sin(theta)``: at ``theta = π/2``, where ``tan`` is about ``1.6e16``, the
  second derivative of ``rho / tan`` cancels huge terms and came out as -16 (``rho = 2``) where
  it is 0.
* ``rapidity = arcsinh(z / mt)`` with ``mt² = tau² + rho²`` when ``tau`` is stored:
  ``log((t + z) / (t - z)) / 2`` cancels at large ``|y|``; from a stored ``t``, the log form.
* The mass of ``a + b`` when both store ``tau`` (``vector``'s result stores ``tau`` then) is
  ``sqrt(m_a² + m_b² + 2 a·b)``, with the Minkowski product written as
  ``a·b = (m_a² p_b² + m_b² p_a² + m_a² m_b²) / (E_a E_b + p_a p_b)
  + 2 pt_a pt_b (sinh²(Δη / 2) + sin²(Δφ / 2))`` (the first term is ``E_a E_b - p_a p_b``, the
  second ``p_a p_b - p_a·p_b``): non-negative terms, so a near-massless, near-collinear pair keeps
  its mass where ``E² - p²`` of the sum cancels (in float32 that loses the π0 mass of a 100 GeV
  photon pair), and pairs given by ``pt, eta, phi`` keep every digit (``Δη``, ``Δφ`` of close
  values are exact). ``dot`` of two such vectors uses the same form. On the beam axis
  (``pt = 0``), for two zero vectors, and for a spacelike vector with ``m² < -p²`` (whose ``E`` is
  0, as in ``vector``, so ``E² = m|m| + p²`` fails; its share of the sum's mass is then ``-p²``),
  the plain ``t1 t2 - p1·p2`` (for two vectors stored
  as ``pt, eta, phi``, with ``p1·p2 = pt1 pt2 (1 - 2 sin²(Δφ / 2) + sinh η1 sinh η2)``: the
  same function, from the sine the first form computes anyway: two sines and two cosines fewer
  per pair, computed for every pair since ``where`` evaluates both forms). The mass of
  ``a - b`` is ``sqrt((t_a - t_b)² - |p_a - p_b|²)`` instead, from the differences, where
  ``m_a² + m_b² - 2 a·b`` cancels for ``b`` near ``a``.
* ``rapidity`` and ``gamma`` are ``vector``'s NaN and ``inf`` for ``0 / 0`` (a zero vector).
* ``deltaphi`` is wrapped to ``(-π, π]``, exactly (no rounding) where ``|Δφ| <= π``;
  ``vector`` wraps to ``[-π, π)``, so the two differ at ``Δφ = ±π`` only. A negative ``scale``
  turns ``phi`` by π into ``(-π, π]`` likewise.
* Divisions by 0 give ``vector``'s values (``±inf``; 0 for 0/0, where ``vector`` replaces NaN by
  0) with a zero derivative and no floating-point warning.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from .._backends import Backend
from .elementwise import (
    apply,
    asinh,
    atan,
    atan2,
    copysign,
    cos,
    exp,
    isfinite,
    log,
    remainder,
    sign,
    signbit,
    sin,
    sinh,
    sqrt,
    tan,
    where,
)

__all__ = ["KERNELS", "boost_p4", "combine", "lorentz_dot", "parse", "scale", "spatial_dot"]

Coords = dict[str, Any]

_PI, _INF = math.pi, math.inf
GENERIC = ("x", "y", "rho", "phi", "z", "theta", "eta", "t", "tau")  # vector's canonical order
ALIASES = {"px": "x", "py": "y", "pt": "rho", "pz": "z", "E": "t", "e": "t", "energy": "t"}
ALIASES |= {"M": "tau", "m": "tau", "mass": "tau"}
_AZIMUTHAL, _LONGITUDINAL, _TEMPORAL = (("x", "y"), ("rho", "phi")), ("z", "theta", "eta"), ("t", "tau")
_SYSTEMS = frozenset(
    (*az, *rest)
    for az in _AZIMUTHAL
    for rest in [
        (),
        *((lo,) for lo in _LONGITUDINAL),
        *((lo, te) for lo in _LONGITUDINAL for te in _TEMPORAL),
    ]
)
_ACCEPTED = (
    "x, y | rho, phi (2D); then z | theta | eta (3D); then t | tau (4D); momentum aliases "
    "px, py, pt, pz, E, e, energy, M, m, mass"
)


@functools.cache
def parse(names: tuple[str, ...], where_: str) -> tuple[bool, tuple[tuple[str, str], ...]]:
    """``(momentum, ((generic, given), ...))`` of field names, canonical order, as ``vector``
    reads them (``vector._methods._check_coordinate_names``); ``TypeError`` naming the culprits.

    >>> parse(("pt", "eta", "phi", "mass"), "f")
    (True, (('rho', 'pt'), ('phi', 'phi'), ('eta', 'eta'), ('tau', 'mass')))
    """
    unknown = [n for n in names if n not in GENERIC and n not in ALIASES]
    if unknown:
        msg = f"{where_}: unknown coordinate name(s) {unknown}; the coordinates are {_ACCEPTED}"
        raise TypeError(msg)
    given: dict[str, str] = {}
    for n in names:
        generic = ALIASES.get(n, n)
        if generic in given:
            msg = f"{where_}: {given[generic]!r} and {n!r} are both the coordinate {generic!r}; give one"
            raise TypeError(msg)
        given[generic] = n
    system = tuple(g for g in GENERIC if g in given)
    if system not in _SYSTEMS:
        msg = f"{where_}: the coordinates {list(names)} do not make a vector; give {_ACCEPTED}"
        raise TypeError(msg)
    return any(n in ALIASES for n in names), tuple((g, given[g]) for g in system)


# ---- safe pieces: exact values, finite derivatives, no floating-point warnings -----------------
def _or_nan(v: Any, value: float) -> Any:
    """``value`` where ``v`` is a number, NaN where ``v`` is NaN: a branch for the cases that a
    comparison rules out must not turn a NaN input into a number (``NaN > 0`` is False)."""
    return where(v == v, value, v)


def safe_sqrt(s: Any) -> Any:
    """``sqrt(max(s, 0))`` with derivative 0 where ``s <= 0`` (double where: no ``inf * 0``);
    NaN stays NaN."""
    ok = s > 0
    return where(ok, sqrt(where(ok, s, 1.0)), _or_nan(s, 0.0))


def signed_sqrt(s: Any) -> Any:
    """``copysign(sqrt(|s|), s)``, derivative 0 at 0."""
    root = sqrt(where(s > 0, s, where(s < 0, -s, 1.0)))
    return where(s > 0, root, where(s < 0, -root, _or_nan(s, 0.0)))


def div(a: Any, b: Any) -> Any:
    """``a / b``; where ``b == 0``: ``±inf``, 0 for 0/0 (``vector``'s NaN replaced), derivative 0;
    NaN for a NaN ``a``."""
    ok = b != 0
    return where(ok, a / where(ok, b, 1.0), where(a > 0, _INF, where(a < 0, -_INF, _or_nan(a, 0.0))))


def _stop_gradient(backend: Backend) -> Callable[[Any], Any]:
    return backend.stop_gradient


def _frozen(a: Any) -> Any:
    """``a`` as a constant: its value, no derivative (the backend's ``stop_gradient``)."""
    return apply(_stop_gradient, (a,), "stop_gradient")


def _log(q: Any) -> Any:
    ok = q > 0
    return where(ok, log(where(ok, q, 1.0)), where(q == 0, -_INF, _or_nan(q, math.nan)))  # q's dtype


def _atan2(y: Any, x: Any, origin: Any) -> Any:
    """``arctan2(y, x)``; ``origin`` at ``(0, 0)``, where the derivative is 0 (not NaN)."""
    ok = (x != 0) | (y != 0)
    return where(ok, atan2(y, where(ok, x, 1.0)), origin)


def wrap(d: Any) -> Any:
    """``d`` wrapped to ``(-π, π]``; exact where it is inside already."""
    inside = (d > -_PI) & (d <= _PI)
    w = _PI - remainder(_PI - where(inside, 0.0, d), 2 * _PI)
    return where(inside, d, where(w > -_PI, w, w + 2 * _PI))  # the remainder may round up to 2π


def _sq(a: Any) -> Any:
    return a * a


def signed_sq(a: Any) -> Any:
    """``vector``'s ``copysign(tau², tau)``: a negative stored mass is a spacelike vector."""
    return a * abs(a)


# ---- one coordinate or property from whichever coordinates are stored --------------------------
def x(c: Coords) -> Any:
    return c["x"] if "x" in c else c["rho"] * cos(c["phi"])


def y(c: Coords) -> Any:
    return c["y"] if "y" in c else c["rho"] * sin(c["phi"])


def rho2(c: Coords) -> Any:
    return _sq(c["x"]) + _sq(c["y"]) if "x" in c else _sq(c["rho"])


def rho(c: Coords) -> Any:
    return c["rho"] if "rho" in c else safe_sqrt(rho2(c))


def phi(c: Coords) -> Any:
    if "phi" in c:
        return c["phi"]
    cx, cy = c["x"], c["y"]
    # arctan2 of signed zeros; ``0 * cy``: an arm of cy's dtype (two numbers give the backend's
    # default float, float32 on torch, and π would lose its float64 digits)
    return _atan2(cy, cx, copysign(where(signbit(cx), _PI, 0.0 * cy), cy))


def z(c: Coords) -> Any:
    if "z" in c:
        return c["z"]
    if "eta" in c:
        return rho(c) * sinh(c["eta"])
    r, th = rho(c), c["theta"]
    smooth = div(r * cos(th), sin(th))  # = rho / tan(theta), with exact derivatives at theta = π/2
    correction = where(isfinite(smooth), _frozen(smooth) - smooth, 0.0)  # value +0.0: keeps -0.0
    return _frozen(div(r, tan(th))) - correction  # vector's value, the derivatives of ``smooth``


def eta(c: Coords) -> Any:
    if "eta" in c:
        return c["eta"]
    if "z" in c:
        return asinh(div(c["z"], rho(c)))
    half = tan(0.5 * c["theta"])  # vector: -log(tan(theta / 2)), NaN replaced by 0
    return where(half > 0, -log(where(half > 0, half, 1.0)), where(half == 0, _INF, _or_nan(half, 0.0)))


def theta(c: Coords) -> Any:
    if "theta" in c:
        return c["theta"]
    if "eta" in c:
        return 2.0 * atan(exp(-c["eta"]))
    return _atan2(rho(c), c["z"], 0.0)


def _cosh(eta_: Any) -> Any:
    # vector's 1 / sin(theta), so that E² - p² of massless vectors agrees; below eta = -40 of
    # -eta (the same value, cosh is even), where exp(-eta)² would overflow float32
    expmeta = exp(where(eta_ < -40.0, eta_, -eta_))
    return 0.5 * (1.0 + expmeta * expmeta) / expmeta


def mag2(c: Coords) -> Any:
    if "z" in c:
        return rho2(c) + _sq(c["z"])
    if "eta" in c:
        return rho2(c) * _sq(_cosh(c["eta"]))
    return div(rho2(c), _sq(sin(c["theta"])))


def mag(c: Coords) -> Any:
    if "z" in c:
        return safe_sqrt(mag2(c))
    if "eta" in c:
        return rho(c) * _cosh(c["eta"])
    return div(rho(c), abs(sin(c["theta"])))


def t2(c: Coords) -> Any:
    if "t" in c:
        return _sq(c["t"])
    s = signed_sq(c["tau"]) + mag2(c)
    return where(s > 0, s, _or_nan(s, 0.0))


def t(c: Coords) -> Any:
    return c["t"] if "t" in c else safe_sqrt(signed_sq(c["tau"]) + mag2(c))


def tau2(c: Coords) -> Any:
    return signed_sq(c["tau"]) if "tau" in c else _sq(c["t"]) - mag2(c)


def _energy_tau2(c: Coords) -> Any:
    """``t² - p²`` of the ``t`` that :func:`t` gives: the stored ``tau²``, except where a
    spacelike ``tau² < -p²`` makes ``t`` 0 (as in vector), where it is ``-p²``."""
    if "tau" not in c:
        return tau2(c)
    m = signed_sq(c["tau"])
    return where(m + mag2(c) >= 0, m, -mag2(c))


def tau(c: Coords) -> Any:
    return c["tau"] if "tau" in c else signed_sqrt(tau2(c))


def mt2(c: Coords) -> Any:
    """The transverse mass squared, ``tau² + rho²`` or ``t² - z²``."""
    return signed_sq(c["tau"]) + rho2(c) if "tau" in c else _sq(c["t"]) - _sq(z(c))


def rapidity(c: Coords) -> Any:
    """NaN where ``vector``'s ``log((t + z) / (t - z)) / 2`` is: 0 / 0, or a negative ratio."""
    if "tau" in c:  # arcsinh(z / mt): no cancellation at large |y|
        m, cz = mt2(c), z(c)
        return where((m < 0) | ((m == 0) & (cz == 0)), math.nan, asinh(div(cz, safe_sqrt(m))))
    ct, cz = c["t"], z(c)
    ahead, behind = ct + cz, ct - cz
    return where((ahead == 0) & (behind == 0), math.nan, 0.5 * _log(div(ahead, behind)))


def transverse_energy(c: Coords) -> Any:
    """``t sin(theta)`` as ``vector`` computes it: ``t / cosh(eta)``, ``t sin(theta)``, else
    ``t rho / |p|`` (NaN where ``|p| = 0``)."""
    ct = t(c)
    if "eta" in c:
        return ct / _cosh(c["eta"])
    if "theta" in c:
        return ct * sin(c["theta"])
    m = mag(c)
    return where(m == 0, math.nan, div(ct * rho(c), m))


def cottheta(c: Coords) -> Any:
    """``sinh(eta)`` from a stored ``eta``, ``1 / tan(theta)`` from ``theta``, else ``z / rho``
    (``inf`` for 0 / 0), as ``vector`` computes it."""
    if "eta" in c:
        return sinh(c["eta"])
    if "theta" in c:
        return div(1.0, tan(c["theta"]))
    cz, r = z(c), rho(c)
    return where((cz == 0) & (r == 0), _INF, div(cz, r))


def gamma(c: Coords) -> Any:
    """``t / tau``, ``inf`` for 0 / 0 (``vector``'s ``nan_to_num(..., nan=inf)``)."""
    ct, ctau = t(c), tau(c)
    return where((ct == 0) & (ctau == 0), _INF, div(ct, ctau))


KERNELS: dict[str, Callable[[Coords], Any]] = {
    "x": x, "y": y, "rho": rho, "phi": phi, "z": z, "theta": theta, "eta": eta, "t": t, "tau": tau,
}  # fmt: skip


# ---- two vectors -------------------------------------------------------------------------------
def spatial_dot(c1: Coords, c2: Coords) -> Any:
    out = x(c1) * x(c2) + y(c1) * y(c2)
    return out + z(c1) * z(c2) if len(c1) > 2 else out


def lorentz_dot(c1: Coords, c2: Coords) -> Any:
    """``t1 t2 - p1·p2``; for two stored masses the cancellation-free form (module docstring)."""
    if "tau" not in c1 or "tau" not in c2:
        return t(c1) * t(c2) - spatial_dot(c1, c2)
    m1, m2, pt1, pt2 = signed_sq(c1["tau"]), signed_sq(c2["tau"]), rho(c1), rho(c2)
    p1, p2, e1, e2 = mag(c1), mag(c2), t(c1), t(c2)
    # off the beam axis, not both zero, and t² = m|m| + p² (not clamped to 0: spacelike m² < -p²)
    ok = (pt1 > 0) & (pt2 > 0) & (e1 * e2 + p1 * p2 > 0) & (m1 + _sq(p1) >= 0) & (m2 + _sq(p2) >= 0)
    both = where(ok, e1 * e2 + p1 * p2, 1.0)
    # t1 t2 - |p1||p2|, and |p1||p2| - p1·p2 = pt1 pt2 (cosh Δη - cos Δφ), without cancellation
    core = (m1 * _sq(p2) + m2 * _sq(p1) + m1 * m2) / both
    deta = where(ok, eta(c1), 0.0) - where(ok, eta(c2), 0.0)
    dphi = phi(c1) - phi(c2)
    half = _sq(sin(0.5 * dphi))
    angle = 2.0 * where(ok, pt1 * pt2, 0.0) * (_sq(sinh(0.5 * deta)) + half)
    if all(k in c for c in (c1, c2) for k in ("rho", "phi", "eta")):
        # the plain form as the same function of the stored coordinates, with 2 transcendental
        # functions instead of 6: p1·p2 = pt1 pt2 (cos Δφ + sinh η1 sinh η2), cos Δφ = 1 - 2 sin²(Δφ/2)
        plain = e1 * e2 - pt1 * pt2 * ((1.0 - 2.0 * half) + sinh(c1["eta"]) * sinh(c2["eta"]))
    else:
        plain = e1 * e2 - spatial_dot(c1, c2)
    return where(ok, core + angle, plain)


def deltaphi(c1: Coords, c2: Coords) -> Any:
    return wrap(phi(c1) - phi(c2))


def deltaR2(c1: Coords, c2: Coords) -> Any:
    return _sq(deltaphi(c1, c2)) + _sq(eta(c1) - eta(c2))


def combine(c1: Coords, c2: Coords, sign_: float) -> Coords:
    """``v1 + v2`` (``sign_ = 1``) or ``v1 - v2`` (``-1``) in ``vector``'s coordinate system: the
    one both share, else ``x y z``; ``t`` if either stores it, else ``tau``."""
    s1, s2 = tuple(c1), tuple(c2)
    spatial = s1[:3] if len(s1) == 4 else s1
    if spatial != (s2[:3] if len(s2) == 4 else s2):
        spatial = ("x", "y", "z")[: len(spatial)]

    def join(a: Any, b: Any) -> Any:  # integers stay integers
        return a + b if sign_ > 0 else a - b

    cart = {"x": join(x(c1), x(c2)), "y": join(y(c1), y(c2))}
    if len(s1) > 2:
        cart["z"] = join(z(c1), z(c2))
    out = {g: KERNELS[g](cart) for g in spatial}
    if len(s1) == 4 and "t" in s1 + s2:
        out["t"] = join(t(c1), t(c2))
    elif len(s1) == 4 and sign_ > 0:
        out["tau"] = signed_sqrt(_energy_tau2(c1) + _energy_tau2(c2) + 2.0 * lorentz_dot(c1, c2))
    elif len(s1) == 4:  # from the differences: m_a² + m_b² - 2 a·b cancels where a is near b
        out["tau"] = signed_sqrt(_sq(join(t(c1), t(c2))) - mag2(cart))
    return out


def scale(c: Coords, factor: Any) -> Coords:
    """Every coordinate times ``factor`` (a number or an array), as ``vector``'s ``scale``."""
    number = isinstance(factor, int | float) and not isinstance(factor, bool)
    negative = factor < 0
    k_sign = ((factor > 0) - negative if factor == factor else factor) if number else sign(factor)
    out: Coords = {}
    for g, a in c.items():
        if g in ("rho", "tau"):
            out[g] = a * abs(factor)
        elif g == "phi":  # turned by π where the factor is negative, into (-π, π]; NaN stays
            turned = wrap(a - _PI)
            if number:
                out[g] = (turned if negative else a) if factor == factor else a * factor
            else:
                out[g] = where(factor == factor, where(negative, turned, a), factor)
        elif g == "eta":
            out[g] = a * k_sign
        elif g == "theta":
            out[g] = abs(a + 0.5 * (k_sign - 1) * _PI)
        else:
            out[g] = a * factor
    return out


def boost_p4(c1: Coords, c2: Coords) -> Coords:
    """``c1`` boosted by the velocity ``p / E`` of ``c2``: ``x y z`` and ``c1``'s ``t`` or ``tau``."""
    p2 = mag2(c2)
    if "tau" in c2:  # NaN for a lightlike (or negative-mass) boost: no rest frame
        m2 = _sq(c2["tau"])
        m, energy = where(c2["tau"] > 0, c2["tau"], math.nan), safe_sqrt(m2 + p2)
    else:  # NaN for a spacelike or lightlike boost, as in vector
        energy, m2 = c2["t"], _sq(c2["t"]) - p2
        m = where(m2 > 0, sqrt(where(m2 > 0, m2, 1.0)), math.nan)
    x2, y2, z2, t1 = x(c2), y(c2), z(c2), t(c1)
    pp = x(c1) * x2 + y(c1) * y2 + z(c1) * z2
    k = pp / (m * (energy + m)) + t1 / m
    out = {"x": x(c1) + k * x2, "y": y(c1) + k * y2, "z": z(c1) + k * z2}
    if "t" in c1:
        out["t"] = (pp + energy * t1) / m
    else:
        out["tau"] = c1["tau"]  # invariant
    return out
