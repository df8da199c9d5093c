#!/usr/bin/env bash
# Counts the files each snapshot variant opens under /proc/PID/ in ONE scan
# (strace -f -e trace=open,openat,openat2), to check docs/PERFORMANCE.md's claims:
# no file read twice for one process in one snapshot, and no status read without
# username. Runs on the processes present plus 100 `sleep 1000` of its own.
#
#   ./scripts/bench/strace_counts.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
command -v strace >/dev/null || { apt-get update -qq && apt-get install -y -qq strace >/dev/null; }
OUT=target/bench-compare
mkdir -p "$OUT"
BENCH=$(bench_binary snapshot)

# 100 idle `sleep 1000` processes, reported on their own row ("sleep pids only").
SLEEPERS=()
for _ in $(seq 100); do sleep 1000 & SLEEPERS+=($!); done
trap 'kill "${SLEEPERS[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
printf '%s\n' "${SLEEPERS[@]}" >"$OUT/sleepers.txt"

count() {
  python3 - "$1" "$2" "$OUT/sleepers.txt" <<'PY'
import re, sys
from collections import Counter
name, path = sys.argv[1], sys.argv[2]
sleepers = set(open(sys.argv[3]).read().split())
opens = Counter()
for line in open(path):
    # Absolute paths, or relative to a /proc/PID directory fd (strace -y).
    m = (re.search(r'open(?:at2?)?\((?:AT_FDCWD[^,]*, )?"/proc/(\d+)/([^"]+)"', line)
         or re.search(r'openat2?\(\d+</proc/(\d+)>, "([^"]+)"', line))
    if m and " = -1 " not in line:  # successful (or <unfinished ...>) opens only
        opens[(m.group(1), m.group(2))] += 1
def row(label, opens):
    pids = {p for p, _ in opens}
    files = Counter()
    for (_, f), c in opens.items():
        files[re.sub(r"^task/\d+", "task/TID", f)] += c
    twice = sum(1 for c in opens.values() if c > 1)
    per = ", ".join(f"{f} {c / len(pids):.2f}" for f, c in sorted(files.items())) if pids else "-"
    print(f"| {label} | {len(pids)} | {sum(opens.values()) / max(len(pids), 1):.2f} | {per} | {twice} |")
row(f"{name}, all pids", opens)
row(f"{name}, sleep pids only", Counter({k: c for k, c in opens.items() if k[0] in sleepers}))
PY
}

echo "| variant | pids opened | opens per pid | per file (opens per pid) | (pid, file) opened more than once |"
echo "| --- | ---: | ---: | --- | ---: |"
for v in rpsutil_snapshot rpsutil_snapshot_no_user rpsutil_snapshot_parallel_2 minimal_reader sysinfo_refresh_fresh procfs; do
  RPSUTIL_BENCH_PEAK=$v RPSUTIL_BENCH_SCANS=1 strace -f -qq -y -e trace=open,openat,openat2 \
    -o "$OUT/strace-$v.txt" "$BENCH" --bench >/dev/null 2>&1
  count "$v" "$OUT/strace-$v.txt"
done
if [ -x .venv/bin/python ]; then
  strace -f -qq -y -e trace=open,openat,openat2 -o "$OUT/strace-psutil.txt" .venv/bin/python -c '
import psutil
list(psutil.process_iter(["pid", "ppid", "name", "status", "cpu_times", "memory_info",
    "num_threads", "create_time", "username", "cmdline"]))'
  count psutil_7.2.2 "$OUT/strace-psutil.txt"
fi
