#!/usr/bin/env bash
# The robustness suite at long-run sizes (the CI run uses the small defaults in the tests).
#   scripts/robustness-long.sh [seed]
# Sizes can be changed through the same variables the tests read:
#   CHECKEDMMAP_FUZZ_CASES (analyzer fuzz cases, default here 200000)
#   CHECKEDMMAP_RUNTIME_FUZZ_OPS (runtime fuzz calls, default here 1000000)
#   CHECKEDMMAP_STRESS_THREADS / CHECKEDMMAP_STRESS_OPS (stress, default here 8 threads x 100000 calls)
#   CHECKEDMMAP_ENDURANCE_CYCLES (endurance, default here 3000000 mappings), CHECKEDMMAP_ENDURANCE_STACKS=1 (keep stack capture on)
set -euo pipefail
cd "$(dirname "$0")/.."
seed="${1:-$(date +%s)}"
export CHECKEDMMAP_FUZZ_SEED="$seed" CHECKEDMMAP_RUNTIME_FUZZ_SEED="$seed" CHECKEDMMAP_STRESS_SEED="$seed"
export CHECKEDMMAP_FUZZ_CASES="${CHECKEDMMAP_FUZZ_CASES:-200000}"
export CHECKEDMMAP_RUNTIME_FUZZ_OPS="${CHECKEDMMAP_RUNTIME_FUZZ_OPS:-1000000}"
export CHECKEDMMAP_STRESS_THREADS="${CHECKEDMMAP_STRESS_THREADS:-8}"
export CHECKEDMMAP_STRESS_OPS="${CHECKEDMMAP_STRESS_OPS:-100000}"
export CHECKEDMMAP_ENDURANCE_CYCLES="${CHECKEDMMAP_ENDURANCE_CYCLES:-3000000}"
echo "robustness (long): seed $seed; analyzer fuzz $CHECKEDMMAP_FUZZ_CASES cases; runtime fuzz $CHECKEDMMAP_RUNTIME_FUZZ_OPS calls;" \
     "stress $CHECKEDMMAP_STRESS_THREADS x $CHECKEDMMAP_STRESS_OPS; endurance $CHECKEDMMAP_ENDURANCE_CYCLES mappings"
dotnet build tests/CheckedMmap.Robustness.Tests -c Release -v:q -nologo
dotnet test tests/CheckedMmap.Robustness.Tests -c Release --no-build --logger "console;verbosity=detailed"
