#!/usr/bin/env bash
# Side by side, in one sitting: kv's links against the raw TCP + MessagePack baseline of
# ../shared/peers-bench (and kv over TLS against kv in plaintext), runs alternated A B C A B C so
# that the machine's drift hits every contestant alike. Prints each run, then the medians and the
# ratios the issues set targets on (BENCHMARKS.md records them with this command).
#
#   Kv.Benchmarks/side-by-side.sh [ROUNDS=3] [SECONDS=5] [CONTESTANTS="kv kv-tls rawtcp"]
#
# kv:      e2e rpc --callers 1,64,512, then e2e sends --callers 4 (one-way, counted at the receiver)
# kv-tls:  the same with KV_BENCH_TLS=1 (every link TLS 1.3; certificates by scripts/make-certs.sh)
# rawtcp, orleans, proto, akka: ../shared/peers-bench's harness (its README): rr_sequential (1),
#          rr_concurrent 64 and 512, oneway; rawtcp is the hand-rolled baseline, the others peers
# Do not run it while anything else builds or runs: 2 cores are shared by clients and servers.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
seconds=${2:-5}
contestants=${3:-kv kv-tls rawtcp}
peers=${PEERS_BENCH:-../shared/peers-bench}
out=${OUT_DIR:-/tmp/kv-side-by-side}
mkdir -p "$out"
results="$out/results.tsv"
: > "$results" # contestant, workload, ops/s, p50 µs

dotnet build -c Release -nologo -v q Kv.Benchmarks/Kv.Benchmarks.csproj > "$out/build-kv.log" 2>&1 || { cat "$out/build-kv.log"; exit 1; }
bench=Kv.Benchmarks/bin/Release/net10.0/Kv.Benchmarks.dll
export DNPEERS_BUILD=${DNPEERS_BUILD:-/tmp/peers-bench/build-out}
declare -A project=([rawtcp]=RawTcpBench [orleans]=OrleansBench [proto]=ProtoBench [akka]=AkkaBench)
declare -A port=([rawtcp]=19090 [orleans]=30000 [proto]=12000 [akka]=18081)
for contestant in $contestants; do
  if [[ -n ${project[$contestant]:-} ]]; then
    (cd "$peers/$contestant" && dotnet build -c Release -nologo -v q > "$out/build-$contestant.log" 2>&1) || { cat "$out/build-$contestant.log"; exit 1; }
  fi
done

run_kv() { # $1 = contestant name; the environment says whether TLS is on
  local name=$1 log
  log=$(dotnet "$bench" e2e rpc --callers 1,64,512 --duration "$seconds" --warmup 1 2>&1) || { echo "$log" | tail -n 5 >&2; return 0; }
  echo "$log" | grep -E '^clients=' | sed -E 's/clients=([0-9]+) .*ops\/s=([0-9]+) p50=([0-9.]+).*/\1 \2 \3/' |
    while read -r callers rate p50; do printf '%s\trpc %s\t%s\t%s\n' "$name" "$callers" "$rate" "$p50" >> "$results"; done
  log=$(dotnet "$bench" e2e sends --callers 4 --duration "$seconds" --warmup 1 2>&1) || { echo "$log" | tail -n 5 >&2; return 0; }
  echo "$log" | grep -E '^senders=' | sed -E 's/.*received\/s=([0-9]+).*/\1/' |
    while read -r rate; do printf '%s\toneway\t%s\t-\n' "$name" "$rate" >> "$results"; done
}

run_peer() { # $1 = a peers-bench contestant; the same harness for each (../shared/peers-bench/common)
  local name=$1 pid log
  local dll=$DNPEERS_BUILD/bin/${project[$name]}/Release/net10.0/${project[$name]}.dll
  dotnet "$dll" server port="${port[$name]}" > "$out/$name-server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do grep -q READY "$out/$name-server.log" && break; sleep 0.2; done
  log=$(timeout 600 dotnet "$dll" client port="${port[$name]}" seconds="$seconds" warmup=1 conc=64,512 2>&1 || true)
  kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  echo "$log" | grep '^RESULT ' | sed 's/^RESULT //' | NAME=$name python3 -c '
import json, os, sys
for line in sys.stdin:
    r = json.loads(line)
    work = {"rr_sequential": "rpc 1", "rr_concurrent": "rpc %d" % r["concurrency"], "oneway": "oneway"}[r["scenario"]]
    p50 = r.get("p50_us")
    print("%s\t%s\t%.0f\t%s" % (os.environ["NAME"], work, r["ops_per_sec"], "-" if p50 is None else "%.1f" % p50))' >> "$results"
}

for round in $(seq 1 "$rounds"); do
  for contestant in $contestants; do
    echo "== round $round: $contestant"
    case $contestant in
      kv) KV_BENCH_TLS=0 run_kv kv ;;
      kv-tls) KV_BENCH_TLS=1 run_kv kv-tls ;;
      rawtcp|orleans|proto|akka) run_peer "$contestant" ;;
      *) echo "unknown contestant $contestant" >&2; exit 2 ;;
    esac
    grep -P "^$contestant\t" "$results" | tail -n 4 | sed 's/^/   /' || true
  done
done

python3 - "$results" <<'PY'
import statistics, sys
from collections import defaultdict
runs = defaultdict(list)
p50s = defaultdict(list)
for line in open(sys.argv[1]):
    who, work, rate, p50 = line.rstrip("\n").split("\t")
    runs[(who, work)].append(float(rate))
    if p50 != "-": p50s[(who, work)].append(float(p50))
works = ["rpc 1", "rpc 64", "rpc 512", "oneway"]
order = ["kv", "kv-tls", "rawtcp", "orleans", "proto", "akka"]
who = sorted({w for w, _ in runs}, key=lambda w: order.index(w) if w in order else 9)
med = lambda xs: statistics.median(xs) if xs else float("nan")
peers = [w for w in who if w not in ("kv", "kv-tls")]
print("\n| workload | " + " | ".join(f"{w} /s (runs)" for w in who) + "".join(f" | kv / {p}" for p in peers) + " | kv-tls / kv |")
print("| --- |" + " ---: |" * (len(who) + len(peers) + 1))
for work in works:
    cells = []
    for w in who:
        xs = runs.get((w, work), [])
        cells.append(f"{med(xs):,.0f} ({', '.join(f'{x/1000:.0f}k' for x in xs)})" if xs else "-")
    ratio = lambda a, b: f"{med(runs[(a, work)]) / med(runs[(b, work)]):.2f}x" if runs.get((a, work)) and runs.get((b, work)) else "-"
    print(f"| {work} | " + " | ".join(cells) + "".join(f" | {ratio('kv', p)}" for p in peers) + f" | {ratio('kv-tls', 'kv')} |")
print("\np50 µs (median of runs): " + "; ".join(f"{w} {work}: {med(p50s[(w, work)]):.1f}" for w in who for work in ["rpc 1"] if p50s.get((w, work))))
PY
