"""Lorentz vectors, differentiable: records with scikit-hep ``vector``'s names and semantics.

``rg.vector.zip`` builds, from ragged arrays of coordinates, a record named as ``vector`` names it
(``Momentum4D``, ``Vector3D``, ...) whose class gives ``vector``'s properties (``px``, ``pt``,
``eta``, ``mass``, ``rapidity``, ...), methods (``deltaR``, ``deltaphi``, ``dot``, ``boost_p4``)
and operators (``+``, ``-``, ``*`` and ``/`` by a factor, unary ``-``, ``abs``). Structure ops
(``rg.combinations``, masks, ``rg.flatten``, ...) keep the record name, so pairs of vectors are
vectors, and ``rg.to_awkward`` gives records that ``vector.register_awkward()`` recognises.
Everything is composed of raggrad's elementwise ops: any depth, bounded arrays, every backend,
``jax.jit``/``jax.grad``/``rg.grad``. The ``vector`` package itself is not needed.

>>> import raggrad as rg
>>> mu = rg.vector.zip({"pt": rg.array([[40.0, 30.0], []]), "eta": rg.array([[0.5, -0.5], []]),
...                     "phi": rg.array([[0.0, 3.0], []]), "mass": rg.array([[0.1, 0.1], []])})
>>> mu.type
'2 * var * Momentum4D[rho: float64, phi: float64, eta: float64, tau: float64]'
>>> a, b = rg.combinations(mu, 2)
>>> [[round(m, 4) for m in row] for row in (a + b).mass.to_list()]
[[77.9706], []]

As in ``vector``: coordinates are stored under their generic names (``rho`` for ``pt``, ``tau``
for ``mass``), in the order azimuthal, longitudinal, temporal; ``a + b`` and ``a - b`` keep the
coordinate system both share, else give ``x, y, z`` with ``t`` if either has ``t`` (``tau``
otherwise); ``boost_p4`` gives ``x, y, z`` and the temporal coordinate of the boosted vector;
masses of spacelike vectors are negative (``copysign(sqrt(|m²|), m²)``); a result is a momentum
vector if either operand is one; a record named as a vector (``rg.from_awkward`` of awkward's
``with_name="Momentum4D"``) may hold fields that are no coordinate (a muon's ``charge``), which
``scale``, ``-v`` and ``boost_p4`` keep and sums drop (``rg.vector.zip`` itself refuses names that
are no coordinate, to catch typos).

The formulas, and the choices made for numerical stability and finite derivatives (double-where
square roots, ``arctan2`` with a safe origin, ``eta = arcsinh(z / rho)``, the cancellation-free
mass of a pair, ``deltaphi`` in ``(-π, π]``), are in ``raggrad._ops.kinematics``.

Not provided yet (``vector`` has them): ``unit``, ``cross``, ``deltaangle``,
``deltaRapidityPhi``, the ``is_*`` predicates, ``isclose``/``equal``, boosts other than
``boost_p4`` (``boost``, ``boostX/Y/Z``, ``boost_beta3``, ``boostCM_of``), rotations,
``transform*D``, the ``to_*`` conversions, ``v == w``, ``v ** 2`` and sums of vectors over a
list (each raises a named ``TypeError`` or ``AttributeError``).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, cast

import numpy as np

from ._array import RaggedArray
from ._convert import dtype_of
from ._ops import kinematics as _k
from ._ops.elementwise import cos
from ._ops.manipulation import broadcast_arrays
from ._ops.records import zip as _zip_records
from ._records import RecordArray, from_fields, record_class
from ._registry import register

__all__ = [
    "E",
    "MomentumArray2D",
    "MomentumArray3D",
    "MomentumArray4D",
    "VectorArray2D",
    "VectorArray3D",
    "VectorArray4D",
    "add",
    "boost_p4",
    "deltaR",
    "deltaeta",
    "deltaphi",
    "dot",
    "eta",
    "mass",
    "p",
    "phi",
    "pt",
    "px",
    "py",
    "pz",
    "rapidity",
    "scale",
    "subtract",
    "theta",
    "zip",
]


def _coords(v: Any, where_: str, dimension: int = 2) -> dict[str, RaggedArray]:
    """The coordinates of vector record ``v`` by generic name, in canonical order."""
    if not isinstance(v, VectorArray2D):
        msg = f"{where_}: expected a vector record made by rg.vector.zip, not {type(v).__name__}"
        raise TypeError(msg)
    # fields that are no coordinate (a muon's charge) ride along, as in vector's records
    names = tuple(n for n in v._names if n in _k.GENERIC or n in _k.ALIASES)
    _, pairs = _k.parse(names, f"{where_} ({type(v).__name__} with fields {list(v._names)})")
    if len(pairs) < v._dimension:  # a record named Momentum4D (awkward's with_name) of 3 coordinates
        msg = (
            f"{where_}: a {v._name} record needs {v._dimension} coordinates; its fields "
            f"{list(v._names)} give {len(pairs)} ({', '.join(g for g, _ in pairs)})"
        )
        raise TypeError(msg)
    if len(pairs) < dimension:
        msg = f"{where_}: needs a vector of {dimension} or more dimensions, not a {v._name}"
        raise TypeError(msg)
    return {generic: v[given] for generic, given in pairs}


def _two(v1: Any, v2: Any, where_: str, dimension: int = 2, same: bool = True) -> tuple[Any, Any]:
    c1, c2 = _coords(v1, where_, dimension), _coords(v2, where_, dimension)
    if same and len(c1) != len(c2):
        msg = (
            f"{where_}: a {v1._name} and a {v2._name} do not have the same dimension; project one "
            "first, e.g. rg.vector.zip({'px': v.px, 'py': v.py, 'pz': v.pz})"
        )
        raise TypeError(msg)
    return c1, c2


def _make(fields: dict[str, Any], momentum: bool, where_: str, of: Any = None) -> Any:
    """A vector record of ``fields`` (generic names, canonical order), broadcast to one structure;
    with ``of``, the fields of vector ``of`` that are no coordinate follow (``vector`` keeps a
    muon's charge through ``scale`` and ``boost_p4``, and drops it from sums)."""
    name = f"{'Momentum' if momentum else 'Vector'}{len(fields)}D"
    if of is not None:
        fields = fields | {n: of[n] for n in of._names if n not in _k.GENERIC and n not in _k.ALIASES}
    values = broadcast_arrays(*fields.values())
    return from_fields(dict(builtins.zip(fields, values)), where_, name)


def _momentum(*vectors: Any) -> bool:
    return builtins.any(isinstance(v, MomentumArray2D) for v in vectors)  # as vector's _flavor_of


# ---- the registered functions (the methods call them; the properties share their kernels) ------
def _property_op(name: str, kernel: Callable[[Any], Any], dimension: int, doc: str) -> Any:
    def op(v: Any, /) -> Any:
        return kernel(_coords(v, f"rg.vector.{name}", dimension))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{doc}, as ``v.{name}``."
    return register(f"vector.{name}", "elementwise")(op)


def _pair_op(name: str, kernel: Callable[..., Any], dimension: int, doc: str) -> Any:
    def op(v1: Any, v2: Any, /) -> Any:
        return kernel(*_two(v1, v2, f"rg.vector.{name}", dimension, same=False))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{doc}, as ``v1.{name}(v2)``."
    return register(f"vector.{name}", "elementwise")(op)


def _deltaeta(c1: Any, c2: Any) -> Any:
    return _k.eta(c1) - _k.eta(c2)


def _deltaR(c1: Any, c2: Any) -> Any:
    return _k.safe_sqrt(_k.deltaR2(c1, c2))


px = _property_op("px", _k.x, 2, "The x component (``x``, ``px``)")
py = _property_op("py", _k.y, 2, "The y component (``y``, ``py``)")
pt = _property_op("pt", _k.rho, 2, "The transverse component (``rho``, ``pt``)")
phi = _property_op("phi", _k.phi, 2, "The azimuthal angle (``phi``), in (-π, π] when computed")
pz = _property_op("pz", _k.z, 3, "The longitudinal component (``z``, ``pz``)")
eta = _property_op("eta", _k.eta, 3, "The pseudorapidity (``eta``)")
theta = _property_op("theta", _k.theta, 3, "The polar angle (``theta``)")
p = _property_op("p", _k.mag, 3, "The magnitude of the spatial part (``mag``, ``p``)")
E = _property_op("E", _k.t, 4, "The temporal component (``t``, ``E``, ``energy``)")
mass = _property_op("mass", _k.tau, 4, "The invariant mass, negative if spacelike (``tau``, ``mass``)")
rapidity = _property_op("rapidity", _k.rapidity, 4, "The rapidity (``rapidity``)")
deltaphi = _pair_op("deltaphi", _k.deltaphi, 2, "The difference ``phi1 - phi2`` wrapped to (-π, π]")
deltaeta = _pair_op("deltaeta", _deltaeta, 3, "The difference ``eta1 - eta2``")
deltaR = _pair_op("deltaR", _deltaR, 3, "The distance ``sqrt(deltaphi² + deltaeta²)``")


@register("vector.dot", "elementwise")
def dot(v1: Any, v2: Any, /) -> RaggedArray:
    """The scalar product (``t1 t2 - p1·p2`` for 4D vectors), as ``v1.dot(v2)``."""
    c1, c2 = _two(v1, v2, "rg.vector.dot")
    return cast(RaggedArray, _k.lorentz_dot(c1, c2) if len(c1) == 4 else _k.spatial_dot(c1, c2))


@register("vector.add", "elementwise")
def add(v1: Any, v2: Any, /) -> VectorArray2D:
    """The sum of two vectors of one dimension, as ``v1 + v2`` and ``v1.add(v2)``."""
    c1, c2 = _two(v1, v2, "rg.vector.add")
    return cast(VectorArray2D, _make(_k.combine(c1, c2, 1.0), _momentum(v1, v2), "rg.vector.add"))


@register("vector.subtract", "elementwise")
def subtract(v1: Any, v2: Any, /) -> VectorArray2D:
    """The difference of two vectors of one dimension, as ``v1 - v2`` and ``v1.subtract(v2)``."""
    c1, c2 = _two(v1, v2, "rg.vector.subtract")
    return cast(VectorArray2D, _make(_k.combine(c1, c2, -1.0), _momentum(v1, v2), "rg.vector.subtract"))


@register("vector.scale", "elementwise")
def scale(v: Any, factor: Any, /) -> VectorArray2D:
    """The vector times a number or an array of factors, as ``v * factor`` and ``v.scale(factor)``."""
    if isinstance(factor, RecordArray):
        msg = f"rg.vector.scale: the factor is a record of fields {factor.fields}, not numbers"
        raise TypeError(msg)
    if isinstance(factor, bool):  # as vector, which refuses them too
        msg = f"rg.vector.scale: the factor must be a number, not the boolean {factor}"
        raise TypeError(msg)
    return cast(
        "VectorArray2D",
        _make(_k.scale(_coords(v, "rg.vector.scale"), factor), _momentum(v), "rg.vector.scale", v),
    )


@register("vector.boost_p4", "elementwise")
def boost_p4(v: Any, boost: Any, /) -> VectorArray2D:
    """``v`` boosted by the velocity ``p / E`` of the 4-vector ``boost``, as ``v.boost_p4(boost)``."""
    c1, c2 = _two(v, boost, "rg.vector.boost_p4", 4)
    return cast(VectorArray2D, _make(_k.boost_p4(c1, c2), _momentum(v, boost), "rg.vector.boost_p4", v))


@register("vector.zip", "structural", awkward="vector.zip")
def zip(fields: Mapping[str, Any], /) -> VectorArray2D:  # noqa: A001 - vector.zip's name
    """A vector record of coordinate arrays, as ``vector.zip`` (fields broadcast as ``rg.zip``).

    The names are ``vector``'s: ``x, y`` or ``rho, phi`` (2D); with one of ``z``, ``theta``,
    ``eta`` (3D); with one of ``t``, ``tau`` (4D); momentum aliases ``px py pt pz E e energy M m
    mass`` make a momentum vector. The record stores them under the generic names, as ``vector``
    does. Any other name, or names that do not make a vector, raise ``TypeError`` naming them
    (``vector`` would keep an unknown name as an extra field: a typo such as ``"mas"`` would
    silently make a 3D vector).

    >>> import raggrad as rg
    >>> v = rg.vector.zip({"px": rg.array([[3.0], []]), "py": rg.array([[4.0], []])})
    >>> v.type, v.pt.to_list()
    ('2 * var * Momentum2D[x: float64, y: float64]', [[5.0], []])
    """
    if not isinstance(fields, Mapping):
        msg = f"rg.vector.zip: expected a mapping of coordinate names to arrays, not {type(fields).__name__}"
        raise TypeError(msg)
    momentum, pairs = _k.parse(tuple(fields), "rg.vector.zip")
    record = _zip_records({generic: fields[given] for generic, given in pairs})
    for (_, given), a in builtins.zip(pairs, record._arrays()):
        if dtype_of(a._content).kind not in "iuf":
            msg = f"rg.vector.zip: coordinate {given!r} has dtype {a.dtype}; coordinates are numbers"
            raise TypeError(msg)
    return cast(
        "VectorArray2D", _make(dict(builtins.zip(record._names, record._arrays())), momentum, "rg.vector.zip")
    )


# ---- the classes: vector's names as properties and methods ------------------------------------
def _prop(kernel: Callable[[Any], Any], name: str) -> property:
    return property(lambda self: kernel(_coords(self, f"v.{name}")), doc=f"``vector``'s ``{name}``.")


_UFUNCS = {np.add: add, np.subtract: subtract}


class VectorArray2D(RecordArray):
    """Records of 2D vectors (record name ``Vector2D``): ``x y rho phi rho2``, ``add subtract scale
    dot deltaphi``, ``v + w``, ``v - w``, ``v * k``, ``k * v``, ``v / k``, ``-v``, ``abs(v)`` (``rho``).

    >>> import raggrad as rg
    >>> v = rg.vector.zip({"x": rg.array([[1.0, 0.0], []]), "y": rg.array([[1.0, -2.0], []])})
    >>> (2 * v).y.to_list(), v.deltaphi(v[:, ::-1]).to_list()
    ([[2.0, -4.0], []], [[2.356194490192345, -2.356194490192345], []])
    """

    __slots__ = ()
    _dimension: ClassVar[int] = 2  # coordinates a record of this name has

    x = _prop(_k.x, "x")
    y = _prop(_k.y, "y")
    rho = _prop(_k.rho, "rho")
    phi = _prop(_k.phi, "phi")
    rho2 = _prop(_k.rho2, "rho2")

    def add(self, other: Any) -> VectorArray2D:
        return add(self, other)

    def subtract(self, other: Any) -> VectorArray2D:
        return subtract(self, other)

    def scale(self, factor: Any) -> VectorArray2D:
        return scale(self, factor)

    def dot(self, other: Any) -> RaggedArray:
        return dot(self, other)

    def deltaphi(self, other: Any) -> RaggedArray:
        return cast(RaggedArray, deltaphi(self, other))

    def __abs__(self) -> RaggedArray:
        c = _coords(self, "abs(v)")
        return cast(RaggedArray, {2: _k.rho, 3: _k.mag, 4: _k.tau}[len(c)](c))

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # vector's arithmetic; anything else is refused as for any record
        vectors = [isinstance(a, VectorArray2D) for a in inputs]
        if method == "__call__" and not kwargs:
            if ufunc in _UFUNCS and builtins.all(vectors):
                return _UFUNCS[ufunc](*inputs)
            if ufunc is np.multiply and builtins.sum(vectors) == 1:
                return scale(inputs[vectors.index(True)], inputs[vectors.index(False)])
            if ufunc is np.true_divide and vectors == [True, False]:
                return scale(inputs[0], 1.0 / inputs[1])
            if ufunc is np.negative:
                return scale(inputs[0], -1.0)
            if ufunc is np.positive:
                return inputs[0]
            if ufunc is np.absolute:
                return abs(inputs[0])
        return super().__array_ufunc__(ufunc, method, *inputs, **kwargs)


class MomentumArray2D(VectorArray2D):
    """Records of 2D momenta (``Momentum2D``): adds ``px py pt pt2``."""

    __slots__ = ()

    px = _prop(_k.x, "px")
    py = _prop(_k.y, "py")
    pt = _prop(_k.rho, "pt")
    pt2 = _prop(_k.rho2, "pt2")


class VectorArray3D(VectorArray2D):
    """Records of 3D vectors (``Vector3D``): adds ``z theta eta mag mag2 costheta cottheta``,
    ``deltaeta deltaR deltaR2``; ``abs(v)`` is ``mag``."""

    __slots__ = ()
    _dimension: ClassVar[int] = 3  # coordinates a record of this name has

    z = _prop(_k.z, "z")
    theta = _prop(_k.theta, "theta")
    eta = _prop(_k.eta, "eta")
    mag = _prop(_k.mag, "mag")
    mag2 = _prop(_k.mag2, "mag2")
    costheta = _prop(lambda c: cos(_k.theta(c)), "costheta")
    cottheta = _prop(_k.cottheta, "cottheta")

    def deltaeta(self, other: Any) -> RaggedArray:
        return cast(RaggedArray, deltaeta(self, other))

    def deltaR(self, other: Any) -> RaggedArray:
        return cast(RaggedArray, deltaR(self, other))

    def deltaR2(self, other: Any) -> RaggedArray:
        return cast(RaggedArray, _k.deltaR2(*_two(self, other, "v.deltaR2", 3, same=False)))


class MomentumArray3D(VectorArray3D, MomentumArray2D):
    """Records of 3D momenta (``Momentum3D``): adds ``pz p p2 pseudorapidity``."""

    __slots__ = ()

    pz = _prop(_k.z, "pz")
    p = _prop(_k.mag, "p")
    p2 = _prop(_k.mag2, "p2")
    pseudorapidity = _prop(_k.eta, "pseudorapidity")


class VectorArray4D(VectorArray3D):
    """Records of Lorentz vectors (``Vector4D``): adds ``t t2 tau tau2 rapidity beta gamma``,
    ``boost_p4``; ``abs(v)`` is ``tau``."""

    __slots__ = ()
    _dimension: ClassVar[int] = 4  # coordinates a record of this name has

    t = _prop(_k.t, "t")
    t2 = _prop(_k.t2, "t2")
    tau = _prop(_k.tau, "tau")
    tau2 = _prop(_k.tau2, "tau2")
    rapidity = _prop(_k.rapidity, "rapidity")
    beta = _prop(lambda c: _k.div(_k.mag(c), _k.t(c)), "beta")
    gamma = _prop(_k.gamma, "gamma")

    def boost_p4(self, boost: Any) -> VectorArray2D:
        return boost_p4(self, boost)


class MomentumArray4D(VectorArray4D, MomentumArray3D):
    """Records of Lorentz momenta (``Momentum4D``): adds ``E e energy E2 e2 energy2 mass M m
    mass2 M2 m2 Mt mt transverse_mass Mt2 mt2 transverse_mass2 Et et transverse_energy Et2 et2
    transverse_energy2``."""

    __slots__ = ()

    E = e = energy = _prop(_k.t, "E")
    E2 = e2 = energy2 = _prop(_k.t2, "E2")
    mass = M = m = _prop(_k.tau, "mass")
    mass2 = M2 = m2 = _prop(_k.tau2, "mass2")
    Et = et = transverse_energy = _prop(_k.transverse_energy, "Et")
    Et2 = et2 = transverse_energy2 = _prop(lambda c: _k.transverse_energy(c) ** 2, "Et2")
    Mt = mt = transverse_mass = _prop(lambda c: _k.signed_sqrt(_k.mt2(c)), "Mt")
    Mt2 = mt2 = transverse_mass2 = _prop(_k.mt2, "Mt2")


# records named Momentum4D (by rg.vector.zip, rg.from_awkward, any structure op) are MomentumArray4D
for _cls in (VectorArray2D, MomentumArray2D, VectorArray3D, MomentumArray3D, VectorArray4D, MomentumArray4D):
    record_class(_cls.__name__.replace("Array", ""))(_cls)
