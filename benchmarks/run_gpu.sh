#!/usr/bin/env bash
# One prepared GPU session: segmented-sum routes, the harness's workload A up to 1e8 elements,
# and the conformance suite on the GPU. Results go to $OUT (or ./gpu-out). Expects the wheels of
# array-api-compat and awkward in .whl/ (the GPU machine lacks them).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu-out}
mkdir -p "$out"
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:src PYTHONUNBUFFERED=1
nvidia-smi -L | tee "$out/card.txt"
timeout 150 python3 -m benchmarks.gpu_segment --size 1e8 --repeats 20 2>&1 | tee "$out/segment.txt"
timeout 170 python3 -m benchmarks.run --full --device gpu --only A --out "$out" 2>&1 | tail -40 > "$out/harness.txt"
XLA_PYTHON_CLIENT_PREALLOCATE=false HYPOTHESIS_PROFILE=ci timeout 150 \
    python3 -m pytest conformance -q -n 8 -p no:cacheprovider -x --tb=line 2>&1 | tail -30 > "$out/conformance.txt"
echo "done"
