#!/usr/bin/env bash
# Run the conformance suite (and optionally tests/) with JAX on the GPU.
# Expects wheels of the dependencies the machine lacks (array-api-compat; awkward optional) in
# .whl/ at the repository root. Usage: conformance/run_gpu.sh [--with-tests] [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
log="conformance-gpu-$(date +%Y%m%d-%H%M%S).log"
if compgen -G ".whl/*.whl" > /dev/null; then
    python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl
fi
export PYTHONPATH=/tmp/site:src
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
paths=(conformance)
if [[ "${1:-}" == "--with-tests" ]]; then
    paths+=(tests)
    shift
fi
{
    echo "== $(date) profile=$HYPOTHESIS_PROFILE"
    python3 -c "import jax; print('jax', jax.__version__, jax.devices())"
    python3 -c "import awkward" 2>/dev/null || echo "awkward missing: awkward checks skip"
    python3 -m pytest "${paths[@]}" -q -rfEsx "$@"
} 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
