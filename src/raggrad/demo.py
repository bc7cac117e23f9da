"""A short walkthrough of raggrad: ``python -m raggrad.demo``.

The running example is the transverse momentum (pT, in GeV) of the muons found in each collision
event of a particle detector: every event has its own number of muons, zero included. Each
section is a function so that more can be appended; :func:`main` runs them in order.
"""

from __future__ import annotations

import importlib.util

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
    return pt


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


SECTIONS = [section_construction, section_types, section_padding, section_backends]


def main() -> None:
    print("raggrad: differentiable ragged arrays. Example: muon pT (GeV) per collision event.")
    for section in SECTIONS:
        section()


if __name__ == "__main__":
    main()
