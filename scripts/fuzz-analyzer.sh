#!/usr/bin/env bash
# Longer analyzer fuzz run: scripts/fuzz-analyzer.sh [seed] [count]
#   seed  default: a new one from the clock (printed, so a failure can be reproduced)
#   count default: 100000 cases
# Reproduce one case: CHECKEDMMAP_FUZZ_SEED=<seed> CHECKEDMMAP_FUZZ_CASE=<n> scripts/fuzz-analyzer.sh
# Failing sources are written to $CHECKEDMMAP_FUZZ_OUT (default /tmp/checkedmmap-fuzz-failures).
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKEDMMAP_FUZZ_SEED="${1:-${CHECKEDMMAP_FUZZ_SEED:-$(date +%s)}}"
export CHECKEDMMAP_FUZZ_CASES="${2:-${CHECKEDMMAP_FUZZ_CASES:-100000}}"
echo "analyzer fuzz: seed $CHECKEDMMAP_FUZZ_SEED, $CHECKEDMMAP_FUZZ_CASES cases${CHECKEDMMAP_FUZZ_CASE:+, only case $CHECKEDMMAP_FUZZ_CASE}"
dotnet build tests/CheckedMmap.Robustness.Tests -c Release -v:q -nologo
dotnet test tests/CheckedMmap.Robustness.Tests -c Release --no-build \
  --filter "FullyQualifiedName~AnalyzerFuzzTests.Mutated_sources_never_make_an_analyzer_throw" \
  --logger "console;verbosity=detailed"
