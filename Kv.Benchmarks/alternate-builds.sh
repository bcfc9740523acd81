#!/usr/bin/env bash
# Runs the e2e load tool of two builds side by side, alternating them run by run, since figures
# drift up to 2x between runs on a shared machine. Each directory is a checkout whose load tool
# is built in Release (dotnet build -c Release Kv.Benchmarks/Kv.Benchmarks.csproj).
#
#   Kv.Benchmarks/alternate-builds.sh OLD_CHECKOUT NEW_CHECKOUT [ROUNDS]
set -euo pipefail
old=${1:?the old build checkout}
new=${2:?the new build checkout}
rounds=${3:-2}
modes=(
  "e2e rpc --callers 1,64,512 --duration 3 --warmup 1"
  "e2e routed --callers 64 --duration 3 --warmup 1"
  "e2e pingpong --callers 1,64 --duration 3 --warmup 1"
  "e2e sends --callers 4 --duration 3 --warmup 1"
  "e2e server --clients 1,64 --duration 3 --warmup 1"
  "e2e server --routed --clients 64 --duration 3 --warmup 1"
  "e2e server --routed --clients 64 --pipeline 16 --duration 3 --warmup 1"
)
for round in $(seq "$rounds"); do
  for mode in "${modes[@]}"; do
    for build in "$old" "$new"; do
      echo "=== round $round | $build | $mode"
      # shellcheck disable=SC2086
      (cd "$build" && dotnet Kv.Benchmarks/bin/Release/net10.0/Kv.Benchmarks.dll $mode 2>&1 | grep -E "^clients=|^\| [0-9]")
    done
  done
done
