#!/usr/bin/env bash
# Release check: build the sdist and the wheel, check their metadata and contents, and install the
# wheel into fresh virtual environments, first without jax (import raggrad must not import it, the
# numpy backend must work), then with the jax extra (the demo runs).
# Usage: bash .ci/wheel-smoke.sh   (from anywhere; prints the seconds it took at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python=${PYTHON:-python3}

echo "== build tools"
"$python" -m venv "$work/tools"
"$work/tools/bin/python" -m pip install -q --upgrade pip
"$work/tools/bin/python" -m pip install -q build twine

echo "== build sdist and wheel"
"$work/tools/bin/python" -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || {
    cat "$work/build.log"
    exit 1
}
"$work/tools/bin/python" -m twine check --strict "$work"/dist/*
wheel=$(ls "$work"/dist/raggrad-*.whl)
sdist=$(ls "$work"/dist/raggrad-*.tar.gz)
echo "built $(basename "$wheel") and $(basename "$sdist")"

echo "== wheel contents"
"$work/tools/bin/python" - "$wheel" <<'EOF'
import sys
import zipfile

names = zipfile.ZipFile(sys.argv[1]).namelist()
problems = []
if "raggrad/py.typed" not in names:
    problems.append("raggrad/py.typed is missing")
for name in names:
    top = name.split("/")[0]
    base = name.rsplit("/", 1)[-1]
    if top in {"tests", "benchmarks", "conformance", "docs"} or base.startswith(("test_", "conftest")):
        problems.append(f"{name} does not belong in the wheel")
    elif not (top == "raggrad" or top.endswith(".dist-info")):
        problems.append(f"{name}: unexpected top-level entry")
if problems:
    sys.exit("wheel contents:\n  " + "\n  ".join(problems))
print(f"{len(names)} files; py.typed present; no tests, benchmarks, conformance or docs")
EOF

echo "== install the wheel without jax"
"$python" -m venv "$work/plain"
"$work/plain/bin/python" -m pip install -q --upgrade pip
"$work/plain/bin/python" -m pip install -q "$wheel"
(
    cd "$work" # not the repository root, so the installed wheel is imported, not src/
    "$work/plain/bin/python" -c "import raggrad, sys; assert 'jax' not in sys.modules; assert 'torch' not in sys.modules"
    "$work/plain/bin/python" -c "
import raggrad as rg
assert rg.__file__.startswith('$work'), rg.__file__
assert rg.sum(rg.array([[1.0, 2.0], []]), axis=1).to_list() == [3.0, 0.0]
print('numpy smoke ok:', rg.__version__, rg.__file__)
"
)

echo "== install the wheel with the jax extra and run the demo"
"$work/plain/bin/python" -m pip install -q "${wheel}[jax]"
(cd "$work" && "$work/plain/bin/python" -m raggrad.demo >"$work/demo.log") || {
    cat "$work/demo.log"
    exit 1
}
tail -n 3 "$work/demo.log"

echo "wheel smoke test passed in $((SECONDS - start)) s"
