"""Eager dispatch overhead of a ufunc on a RaggedArray: ``python -m benchmarks.dispatch``.

``np.sin(x)`` on a 1,000-element ragged array against ``np.sin(x.values)`` (the same kernel on the
flat buffer), on numpy and on jax, and awkward's ``np.sin`` on the same data, in one run. The
overhead is the difference of the medians; the target is <= 10 us per op on numpy.
"""

from __future__ import annotations

import statistics
import timeit

import numpy as np

import raggrad as rg


def _median_us(fn, number: int = 2000, repeat: int = 7) -> float:
    fn()  # warm caches (kernels, index maps, jax dispatch)
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def _data(n_elements: int = 1000, n_lists: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.integers(0, n_elements + 1, n_lists - 1))
    offsets = np.concatenate([[0], cuts, [n_elements]])
    return offsets, rng.normal(size=n_elements)


def main() -> None:
    offsets, values = _data()
    rows = []
    x = rg.from_offsets(offsets, values)
    v = x.values
    base = _median_us(lambda: np.sin(v))
    rows.append(("numpy", "np.sin(x.values)", base, None))
    for label, fn, bare in (
        ("rg.sin(x)", lambda: rg.sin(x), None),
        ("x + x", lambda: x + x, lambda: v + v),
        ("x * 2.0", lambda: x * 2.0, lambda: v * 2.0),
    ):
        t = _median_us(fn)
        ref = base if bare is None else _median_us(bare)
        rows.append(("numpy", label, t, t - ref))
    rows.insert(1, ("numpy", "np.sin(x)", t := _median_us(lambda: np.sin(x)), t - base))
    try:
        import jax

        xj = x.to_backend("jax")
        vj = xj.values
        base_j = _median_us(lambda: jax.numpy.sin(vj).block_until_ready(), number=500)
        rows.append(("jax", "jnp.sin(x.values)", base_j, None))
        t = _median_us(lambda: np.sin(xj).values.block_until_ready(), number=500)
        rows.append(("jax", "np.sin(x)", t, t - base_j))
    except ImportError:
        pass
    try:
        import awkward as ak

        a = ak.Array(ak.contents.ListOffsetArray(ak.index.Index64(offsets), ak.contents.NumpyArray(values)))
        rows.append(("awkward", "np.sin(a)", t := _median_us(lambda: np.sin(a), number=200), t - base))
    except ImportError:
        pass
    print(f"{'backend':<9}{'op':<20}{'median us':>11}{'overhead us':>13}")
    for backend, label, t, over in rows:
        print(f"{backend:<9}{label:<20}{t:>11.2f}{'' if over is None else f'{over:>13.2f}'}")


if __name__ == "__main__":
    main()
