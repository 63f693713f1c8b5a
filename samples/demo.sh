#!/usr/bin/env bash
# CheckedMmap's main job in one command, on a fresh clone:
#   1. build the sample allocator: the analyzer prints its MMAP warnings on the mmap calls outside Miri's subset;
#   2. run the sample's buggy path on libc: nothing is reported (the partial munmap returns 0 and leaks);
#   3. run the same code built with -p:CheckedMmap=true: the checked runtime reports the Undefined Behavior,
#      with the stack of the bad munmap and the stack that created the mapping.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=false
command -v dotnet >/dev/null || { echo "demo: the .NET SDK (10.x) is required on PATH" >&2; exit 2; }

quiet() { # run a preparatory step; show its output only if it fails
  local log; log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; exit 1; fi
  rm -f "$log"
}

banner() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

banner "Preparing (restore and build the analyzer, the runtime and the sample)"
quiet dotnet build samples/Demo/Demo.csproj -nodeReuse:false

banner "1. dotnet build samples/Allocators: what the analyzer says"
# --no-dependencies --no-incremental: recompile just the sample so its warnings are printed again (once: the
# summary that repeats them is cut).
dotnet build samples/Allocators/Allocators.csproj --no-restore --no-dependencies --no-incremental -nodeReuse:false -v:m \
  | sed -e '/^Build succeeded\./,$d'

banner "2. dotnet run --project samples/Demo: the sample on libc"
dotnet run --project samples/Demo/Demo.csproj --no-build

banner "3. dotnet run --project samples/Demo -p:CheckedMmap=true: the same code on CheckedMmap"
quiet dotnet build samples/Demo/Demo.csproj -p:CheckedMmap=true -nodeReuse:false
dotnet run --project samples/Demo/Demo.csproj --no-build -p:CheckedMmap=true
