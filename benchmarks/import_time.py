"""``import raggrad`` time, each repeat in a fresh interpreter: ``python -m benchmarks.import_time``.

Every repeat starts new Python processes that time ``import raggrad`` (which includes NumPy's own
import), ``import numpy`` alone (the floor under it), and ``import raggrad`` followed by a first op
on the numpy backend (which imports what the op needs, ``array_api_compat.numpy``): wall time
(``time.perf_counter``) and the CPU time of the process (``time.process_time``), which a machine
shared with other jobs inflates much less than wall time. The report gives the medians, the
optional modules that ``import raggrad`` pulled in (none of jax, torch, dask, uproot, vector,
awkward should be), and, with ``--top N``, the N modules with the largest cumulative import time
in one ``python -X importtime`` run. The target is <= 150 ms for ``import raggrad`` without jax.

Bytecode is cached as an installed wheel has it (``pip`` compiles it at install): the children
write and read it under a temporary ``PYTHONPYCACHEPREFIX`` (nothing is written into ``src/``),
after one warm-up run, even where ``PYTHONDONTWRITEBYTECODE`` is set; ``--no-bytecode`` writes
none, so that raggrad's modules are compiled from source on every import (as in a checkout run with
``PYTHONDONTWRITEBYTECODE=1``).

Options: ``--repeats N`` (default 15), ``--top N`` (default 15; 0 for none), ``--no-bytecode``.
To compare with another checkout, put its ``src`` first:
``PYTHONPATH=/path/to/other/src python -m benchmarks.import_time``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

# optional libraries that `import raggrad` must not import (they load on first use)
HEAVY = ("jax", "torch", "dask", "uproot", "vector", "awkward", "numpy.testing", "numpy.f2py")

# what each child times, by label
STATEMENTS = {
    "import raggrad": "import raggrad",
    "import numpy": "import numpy",
    "raggrad + first op": "import raggrad; raggrad.sum(raggrad.array([[1.0, 2.0], [], [3.0]]), axis=1)",
}

_CHILD = """
import json, sys, time
t, c = time.perf_counter(), time.process_time()
{statement}
wall, cpu = time.perf_counter() - t, time.process_time() - c
print(json.dumps({{"wall": wall, "cpu": cpu, "loaded": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def _time(statement: str, env: dict[str, str]) -> tuple[float, float, list[str]]:
    """Wall and CPU seconds of ``statement`` in a fresh interpreter, and the heavy modules loaded."""
    code = _CHILD.format(statement=statement, heavy=HEAVY)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    return float(result["wall"]), float(result["cpu"]), list(result["loaded"])


def child_env(pycache: str, *, bytecode: bool) -> dict[str, str]:
    """The children's environment: bytecode written and read under ``pycache``, or none written
    (then the installed libraries read their own ``__pycache__`` and a checkout's ``src/``, which
    has none, is compiled on every import)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPYCACHEPREFIX", None)
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = pycache
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def largest_imports(module: str, top: int, env: dict[str, str]) -> list[tuple[int, str]]:
    """The ``top`` modules with the largest cumulative import time (microseconds) in one run."""
    command = [sys.executable, "-X", "importtime", "-c", f"import {module}"]
    err = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stderr
    rows = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:top]


def measure(repeats: int, env: dict[str, str]) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """Median (wall, cpu) seconds of every statement over ``repeats`` fresh processes each, and the
    optional modules that ``import raggrad`` loaded."""
    for statement in STATEMENTS.values():
        _time(statement, env)  # warm-up: writes the bytecode cache, fills the OS file cache
    walls: dict[str, list[float]] = {label: [] for label in STATEMENTS}
    cpus: dict[str, list[float]] = {label: [] for label in STATEMENTS}
    loaded: set[str] = set()
    for _ in range(repeats):
        for label, statement in STATEMENTS.items():
            wall, cpu, heavy = _time(statement, env)
            walls[label].append(wall)
            cpus[label].append(cpu)
            if label == "import raggrad":
                loaded.update(heavy)
    medians = {
        label: (statistics.median(walls[label]), statistics.median(cpus[label])) for label in STATEMENTS
    }
    return medians, sorted(loaded)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--no-bytecode", action="store_true", help="compile every module from source")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="raggrad-pyc-") as pycache:
        env = child_env(pycache, bytecode=not args.no_bytecode)
        medians, heavy = measure(args.repeats, env)
        cache = "no bytecode cache" if args.no_bytecode else "bytecode cached"
        print(f"medians over {args.repeats} fresh processes each ({sys.executable}, {cache}):")
        for label, (wall, cpu) in medians.items():
            print(f"  {label:20} wall {wall * 1e3:6.0f} ms   cpu {cpu * 1e3:6.0f} ms")
        print(f"optional modules imported by import raggrad: {', '.join(heavy) if heavy else 'none'}")
        if args.top:
            print("largest cumulative imports (one run of python -X importtime -c 'import raggrad'):")
            for cumulative, name in largest_imports("raggrad", args.top, env):
                print(f"  {cumulative / 1e3:8.1f} ms  {name}")


if __name__ == "__main__":
    main()
