"""A short walkthrough of raggrad: ``python -m raggrad.demo``.

The running example is the transverse momentum (pT, in GeV) of the muons found in each collision
event of a particle detector: every event has its own number of muons, zero included. Each
section is a function so that more can be appended; :func:`main` runs them in order.
"""

from __future__ import annotations

import importlib.util
from typing import cast

import numpy as np

import raggrad as rg

# pT of the muons in five events; the third event has none
MUON_PT = [[54.2, 31.7], [88.1, 12.4, 9.9], [], [41.0], [25.3, 22.8]]


def _title(text: str) -> None:
    print(f"\n== {text} ==")


def section_construction() -> rg.RaggedArray:
    """From nested lists, and from a flat buffer plus offsets (how detector data is stored)."""
    _title("construction")
    pt = rg.array(MUON_PT)
    print(f"rg.array(lists)          -> {pt}")
    flat = np.array([54.2, 31.7, 88.1, 12.4, 9.9, 41.0, 25.3, 22.8])
    offsets = np.array([0, 2, 5, 5, 6, 8])
    same = rg.from_offsets(offsets, flat)
    print(f"rg.from_offsets(offsets, flat) gives the same lists: {same.to_list() == pt.to_list()}")
    counts = rg.from_lengths([2, 3, 0, 1, 2], flat)
    print(f"rg.from_lengths([2, 3, 0, 1, 2], flat) -> {counts.to_list()}")
    print(f"rg.offsets(pt)           -> {rg.offsets(pt).tolist()}")
    return cast(rg.RaggedArray, pt)


def section_types() -> None:
    """Type strings and shapes: ragged dimensions are ``var`` in the type, ``None`` in the shape."""
    _title("types and shapes")
    pt = rg.array(MUON_PT)
    print(f"pt.type   = {pt.type!r}")
    print(f"pt.shape  = {pt.shape}, pt.ndim = {pt.ndim}, len(pt) = {len(pt)}")
    print(f"pt.dtype  = {pt.dtype}, pt.backend = {pt.backend!r}, pt.values = {pt.values}")
    # muon momenta (px, py, pz): a regular inner dimension of 3 under the ragged one
    momenta = rg.from_lengths([2, 3, 0, 1, 2], np.zeros((8, 3)))
    print(f"3-momenta per muon: type {momenta.type!r}, shape {momenta.shape}")
    # lists of lists: the muons inside each jet, for the jets of each event
    nested = rg.array([[[54.2], [31.7, 9.0]], [], [[41.0]]])
    print(f"muons per jet per event: type {nested.type!r}")


def section_padding() -> None:
    """To and from a dense array with a mask, for code that wants rectangles."""
    _title("padding")
    pt = rg.array(MUON_PT)
    dense, mask = rg.to_padded(pt, fill_value=0.0, length=2)
    print("rg.to_padded(pt, length=2) -> dense, mask (longer lists are cut):")
    for row, keep in zip(dense.tolist(), mask.tolist(), strict=True):
        print(f"    {row!s:<14} {keep}")
    back = rg.from_padded(dense, mask.sum(axis=1))
    print(f"rg.from_padded(dense, lengths) -> {back.to_list()}")


def section_numpy() -> None:
    """NumPy ufuncs and reducers act list by list; per-event values broadcast into the lists."""
    _title("numpy functions and broadcasting")
    pt = rg.array(MUON_PT)
    eta = rg.array([[0.3, -1.2], [2.1, 0.0, -0.4], [], [1.1], [-0.7, 0.9]])
    pz = pt * np.sinh(eta)
    print(f"pt * np.sinh(eta)        -> {np.round(pz, 1).to_list()}")
    print(f"  np.sinh dispatches to raggrad (NEP-13); the result keeps the lists: {pz.type!r}")
    scale = np.array([1.0, 1.02, 0.98, 1.0, 1.01])  # one calibration factor per event
    print(f"pt * scale (one per event) -> {np.round(pt * scale, 2).to_list()}")
    total = np.sum(pt, axis=1)
    print(f"np.sum(pt, axis=1)       -> {np.round(total, 2).to_list()}  (empty event: 0)")
    centred = pt - rg.mean(pt, axis=1, keepdims=True)
    print(f"pt - rg.mean(pt, axis=1, keepdims=True) -> {np.round(centred, 2).to_list()}")
    print(f"rg.max(pt, axis=1)       -> {rg.max(pt, axis=1).to_list()}  (empty event: -inf)")
    print(f"np.sum(pt[::-1], axis=0) -> {np.round(np.sum(pt[::-1], axis=0), 2).to_list()}  (column-wise)")


def section_backends() -> None:
    """The same array on the jax backend and back; skipped when jax is not installed."""
    _title("backends")
    if importlib.util.find_spec("jax") is None:
        print("jax is not installed; skipping (pip install 'raggrad[jax]')")
        return
    pt = rg.array(MUON_PT)
    on_jax = pt.to_backend("jax", device="cpu")
    print(f"pt.to_backend('jax')     -> backend {on_jax.backend!r}, type {on_jax.type!r}")
    print(f"  device {on_jax.device}; float32 because jax's x64 mode is off by default")
    back = rg.to_backend(on_jax, "numpy")
    error = float(np.max(np.abs(back.values - pt.values)))
    print(f"rg.to_backend(_, 'numpy') -> backend {back.backend!r}, type {back.type!r}")
    same = rg.offsets(back).tolist() == rg.offsets(pt).tolist()
    print(f"  same lists: {same}; largest rounding error {error:.1e} GeV")


def _jax_or_skip() -> bool:
    if importlib.util.find_spec("jax") is None:
        print("jax is not installed; skipping (pip install 'raggrad[jax]')")
        return False
    return True


def section_grad() -> None:
    """A reduction and its gradient: the derivative comes back ragged, like the input."""
    _title("jax.grad of a reduction")
    if not _jax_or_skip():
        return
    import jax

    pt = rg.array(MUON_PT, backend="jax")

    def scalar_sum_pt(pt: rg.RaggedArray) -> object:
        return rg.sum(rg.max(pt, axis=1, initial=0.0))  # leading-muon pT, summed over events

    leading = np.round(rg.max(pt, axis=1, initial=0.0).to_list(), 1).tolist()
    print(f"leading muon pT per event (0 for none) -> {leading}")
    grad = jax.grad(scalar_sum_pt)(pt)
    print(f"jax.grad(sum of leading pT) -> {grad.to_list()}")
    print(f"  type {grad.type!r}: the input's lists, 1 at each event's leading muon")


def section_jvp_vjp() -> None:
    """Forward and reverse mode with ragged tangents and cotangents."""
    _title("jax.jvp and jax.vjp")
    if not _jax_or_skip():
        return
    import jax

    x = rg.array([[1.0, 2.0, 3.0], [], [4.0, 5.0]], backend="jax")

    def reverse_sum(x: rg.RaggedArray) -> rg.RaggedArray:
        return cast(rg.RaggedArray, rg.sum(x[::-1], axis=0))

    tangent = rg.array([[0.0, 1.0, 0.0], [], [1.0, 0.0]], backend="jax")
    value, value_tangent = jax.jvp(reverse_sum, (x,), (tangent,))
    print(f"reverse_sum(x) = {value.to_list()}; jvp tangent -> {value_tangent.to_list()}")
    _, pullback = jax.vjp(reverse_sum, x)
    (cotangent,) = pullback(rg.array([1.0, 10.0, 100.0], backend="jax"))
    print(f"vjp of cotangent [1, 10, 100] -> {cotangent.to_list()}")


def section_jit() -> None:
    """jax.jit compiles once per structure; new values reuse the compiled program."""
    _title("jax.jit")
    if not _jax_or_skip():
        return
    import jax

    pt = rg.array(MUON_PT, backend="jax")
    mean_pt = jax.jit(lambda pt: rg.where(rg.num(pt, axis=1) > 0, rg.mean(pt, axis=1), 0.0))
    print(f"jit(mean pT per event, 0 for none) -> {np.round(mean_pt(pt).to_list(), 2).tolist()}")
    print(f"  on 2 * pT (same lists, no recompilation) -> {np.round(mean_pt(2 * pt).to_list(), 2).tolist()}")


def section_vmap() -> None:
    """jax.vmap over many value sets that share one structure."""
    _title("jax.vmap")
    if not _jax_or_skip():
        return
    import jax
    import jax.numpy as jnp

    pt = rg.array(MUON_PT, backend="jax")
    scales = jnp.array([0.98, 1.0, 1.02])  # a calibration systematic: down, nominal, up
    per_scale = jax.vmap(lambda s: rg.sum(pt * s, axis=1))(scales)
    print(f"vmap over 3 energy scales -> type {per_scale.type!r}")
    for s, row in zip(scales.tolist(), per_scale.to_list(), strict=True):
        print(f"  scale {s:.2f}: summed pT per event {np.round(row, 1).tolist()}")


SECTIONS = [
    section_construction,
    section_types,
    section_padding,
    section_numpy,
    section_backends,
    section_grad,
    section_jvp_vjp,
    section_jit,
    section_vmap,
]


def main() -> None:
    print("raggrad: differentiable ragged arrays. Example: muon pT (GeV) per collision event.")
    for section in SECTIONS:
        section()


if __name__ == "__main__":
    main()
