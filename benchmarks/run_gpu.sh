#!/usr/bin/env bash
# One prepared GPU session: the segment kernels compiled for the GPU, workload A through every
# segment-reduction route (sizes 1e5 … 1e8, kernel shapes at 1e8), and the conformance suite on the
# GPU (its +kernels items run the Pallas kernels compiled by Triton). Results go to $OUT (or
# ./gpu-out). Expects the wheels of array-api-compat and awkward in .whl/ (the GPU machine lacks
# them): pip download --only-binary=:all: --python-version 3.12 -d .whl array-api-compat awkward
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu-out}
mkdir -p "$out"
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:src PYTHONUNBUFFERED=1
nvidia-smi -L | tee "$out/card.txt"
timeout 90 python3 -m pytest -q -p no:cacheprovider tests/test_segment_kernels.py 2>&1 | tail -15 > "$out/kernels-tests.txt"
timeout 60 python3 -m benchmarks.segment_kernels --accuracy 2>&1 | tee "$out/accuracy.txt"
timeout 280 python3 -m benchmarks.segment_kernels --tilings --out "$out/segment_kernels.json" 2>&1 | tee "$out/segment_kernels.txt"
XLA_PYTHON_CLIENT_PREALLOCATE=false HYPOTHESIS_PROFILE=ci timeout 150 \
    python3 -m pytest conformance -q -n 8 -p no:cacheprovider --tb=line 2>&1 | tail -30 > "$out/conformance.txt"
echo "done"
