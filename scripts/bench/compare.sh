#!/usr/bin/env bash
# The whole "ps snapshot" comparison (docs/PERFORMANCE.md) in one command:
#
#   ./scripts/bench/compare.sh              # both populations, 3 rounds
#   ROUNDS=5 SECONDS_PER_ROUND=1 ./scripts/bench/compare.sh
#   POPULATIONS=idle1000 ./scripts/bench/compare.sh
#
# For each population (idle1000: 1,000 `sleep 1000`; threads200x10: 200 processes of
# 10 threads), started and reaped by the benchmark binary itself, it times rpsutil,
# the minimal reader, sysinfo (single-threaded, and multithread from
# scripts/bench/sysinfo-mt), the procfs crate and psutil 7.2.2, then the peak memory
# of each in a fresh process, and prints a table in microseconds per process with
# the ratios to the minimal reader and to psutil. Every variant runs ROUNDS
# round-robin rounds of about SECONDS_PER_ROUND each; the table shows the median
# and the minimum of every scan of every round. Raw lines go to
# target/bench-compare/results.tsv.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
ROOT=$PWD
ROUNDS=${ROUNDS:-3}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-0.5}
POPULATIONS=${POPULATIONS:-"idle1000 threads200x10"}
OUT=$ROOT/target/bench-compare
mkdir -p "$OUT"
RESULTS=$OUT/results.tsv
: >"$RESULTS"

ensure_psutil_venv

echo "== building (cargo bench --no-run, sysinfo-mt)" >&2
BENCH=$(bench_binary snapshot)
[ -x "$BENCH" ] || { echo "bench binary not found" >&2; exit 1; }
CARGO_TARGET_DIR=$ROOT/target/sysinfo-mt cargo build -q --release \
  --manifest-path scripts/bench/sysinfo-mt/Cargo.toml
SYSINFO_MT=$ROOT/target/sysinfo-mt/release/sysinfo-mt

HOLDER=""
stop_population() {
  if [ -n "$HOLDER" ]; then
    exec 3>&-          # end of the holder's stdin: it kills and reaps its children
    wait "$HOLDER" 2>/dev/null || true
    HOLDER=""
  fi
}
trap stop_population EXIT

RUST_VARIANTS="minimal_reader rpsutil_snapshot rpsutil_snapshot_reused rpsutil_snapshot_no_user rpsutil_snapshot_parallel_2 sysinfo_refresh_fresh sysinfo_refresh_reused sysinfo_refresh_fresh_no_tasks procfs"

for pop in $POPULATIONS; do
  echo "== $pop: starting the population (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  rm -f "$OUT/ctl" && mkfifo "$OUT/ctl"
  RPSUTIL_BENCH_HOLD=$pop "$BENCH" --bench <"$OUT/ctl" >"$OUT/ready" &
  HOLDER=$!
  exec 3>"$OUT/ctl"
  until grep -q ready "$OUT/ready" 2>/dev/null; do
    kill -0 "$HOLDER" 2>/dev/null || { echo "population holder died" >&2; exit 1; }
    sleep 0.2
  done
  echo "   $(ls /proc | grep -c '^[0-9]') pids; timing rpsutil, minimal reader, sysinfo, procfs" >&2
  RPSUTIL_BENCH_TABLE=$pop RPSUTIL_BENCH_ROUNDS=$ROUNDS RPSUTIL_BENCH_SECONDS=$SECONDS_PER_ROUND \
    "$BENCH" --bench 3<&- >>"$RESULTS"
  echo "   sysinfo multithread" >&2
  "$SYSINFO_MT" "$pop" "$ROUNDS" "$SECONDS_PER_ROUND" 3<&- | sed "s/^peak\t/peak\t$pop\t/" >>"$RESULTS"
  echo "   psutil 7.2.2" >&2
  .venv/bin/python scripts/bench/psutil_snapshot.py "$pop" "$ROUNDS" "$SECONDS_PER_ROUND" 3<&- |
    sed "s/^peak\t/peak\t$pop\t/" >>"$RESULTS"
  echo "   peak memory" >&2
  for v in $RUST_VARIANTS; do
    RPSUTIL_BENCH_PEAK=$v "$BENCH" --bench 3<&- | sed "s/^peak\t/peak\t$pop\t/" >>"$RESULTS"
  done
  stop_population
done
rm -f "$OUT/ctl" "$OUT/ready"

python3 - "$RESULTS" <<'EOF'
import sys
from collections import defaultdict

times = defaultdict(dict)   # pop -> variant -> (procs, min, median, n)
peaks = defaultdict(dict)   # pop -> variant -> (before, hwm)
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[0] == "time":
        times[f[1]][f[2]] = (int(f[3]), float(f[4]), float(f[5]), int(f[6]))
    elif f[0] == "peak":
        peaks[f[1]][f[2]] = (int(f[3]), int(f[4]))

for pop, rows in times.items():
    floor = rows.get("minimal_reader", (0, 0, 0))[2]
    ps = rows.get("psutil_fresh", (0, 0, 0))[2]
    print(f"\n### {pop} ({rows['minimal_reader'][0]} processes; µs per process, median / min of every scan)\n")
    print("| variant | median µs/proc | min µs/proc | scans | vs minimal reader | psutil (fresh) / this |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for v, (n, lo, med, it) in sorted(rows.items(), key=lambda kv: kv[1][2]):
        r1 = f"{med / floor:.2f}x" if floor else "-"
        r2 = f"{ps / med:.1f}x" if ps and med else "-"
        print(f"| {v} | {med:.2f} | {lo:.2f} | {it} | {r1} | {r2} |")
    if peaks.get(pop):
        print(f"\nPeak memory ({pop}): VmHWM after 3 scans minus VmRSS before, in a fresh process (kB)\n")
        print("| variant | VmRSS before | VmHWM after | growth |")
        print("| --- | ---: | ---: | ---: |")
        for v, (b, h) in sorted(peaks[pop].items(), key=lambda kv: kv[1][1] - kv[1][0]):
            print(f"| {v} | {b} | {h} | {h - b} |")
EOF
