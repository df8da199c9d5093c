#!/usr/bin/env bash
# The system-wide comparison (docs/PERFORMANCE.md, "System-wide functions") in one
# command:
#
#   ./scripts/bench/compare_system.sh                 # everything, 3 repeats, ~4 minutes
#   REPEAT=1 ./scripts/bench/compare_system.sh        # one pass, ~80 s
#   ROUNDS=5 SECONDS_PER_ROUND=0.5 ./scripts/bench/compare_system.sh
#   SOCKETS="0 600" STRACE=0 ./scripts/bench/compare_system.sh
#
# 1. The system functions (virtual_memory, swap_memory, cpu_times(percpu),
#    disk_partitions + disk_usage, net_io_counters(pernic), net_if_addrs, boot_time,
#    users) by rpsutil, the minimal reader and sysinfo (benches/system.rs, table
#    mode) and psutil 7.2.2 (scripts/bench/psutil_system.py). `users_utmp` reads a
#    fixture utmp file of 4 logged-in users; psutil reads it as /run/utmp inside a
#    private mount namespace (`unshare -m`, a tmpfs over /run there only).
# 2. net_connections('inet') with SOCKETS open loopback TCP sockets (default
#    0 600 10000), held by a helper process of the bench binary: rpsutil with and
#    without owners, netlink and /proc/net minimal readers, rpsutil forced onto its
#    /proc/net fallback (seccomp filter against AF_NETLINK), `ss -tan`/`ss -tanp`
#    and psutil.
# 3. strace: which files each net_connections variant opens (scripts/bench/strace_system.sh).
#
# Every variant runs ROUNDS round-robin rounds of about SECONDS_PER_ROUND per pass;
# the whole measurement is repeated REPEAT times (default 3). The tables show the
# median over the passes of each pass's median, and the minimum of every call; the
# ratios use the medians. Raw lines (one per variant and pass) go to
# target/bench-compare/system.tsv.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
ROOT=$PWD
ROUNDS=${ROUNDS:-3}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-0.3}
SOCKETS=${SOCKETS:-"0 600 10000"}
STRACE=${STRACE:-1}
REPEAT=${REPEAT:-3}
OUT=$ROOT/target/bench-compare
mkdir -p "$OUT"
RESULTS=$OUT/system.tsv
: >"$RESULTS"

ensure_psutil_venv

echo "== building (cargo bench --no-run)" >&2
BENCH=$(bench_binary system)
[ -x "$BENCH" ] || { echo "bench binary not found" >&2; exit 1; }
export RPSUTIL_BENCH_ROUNDS=$ROUNDS RPSUTIL_BENCH_SECONDS=$SECONDS_PER_ROUND

HOLDER=""
stop_holder() {
  if [ -n "$HOLDER" ]; then
    exec 3>&-          # end of the holder's stdin: it closes its sockets and exits
    wait "$HOLDER" 2>/dev/null || true
    HOLDER=""
  fi
}
trap 'stop_holder; rm -f "$OUT/ctl" "$OUT/ready"' EXIT

RPSUTIL_BENCH_WRITE_UTMP=$OUT/utmp "$BENCH"
for rep in $(seq "$REPEAT"); do
  echo "== pass $rep/$REPEAT: system functions (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  RPSUTIL_BENCH_SYSTEM_TABLE=1 RPSUTIL_BENCH_UTMP=$OUT/utmp "$BENCH" --bench >>"$RESULTS"
  .venv/bin/python scripts/bench/psutil_system.py funcs "$ROUNDS" "$SECONDS_PER_ROUND" >>"$RESULTS"
  if unshare -m true 2>/dev/null; then
    unshare -m sh -c "mount -t tmpfs rpsutil-bench /run && cp '$OUT/utmp' /run/utmp &&
      .venv/bin/python scripts/bench/psutil_system.py users_utmp $ROUNDS $SECONDS_PER_ROUND" >>"$RESULTS"
  else
    echo "   (no unshare -m: psutil users_utmp not measured)" >&2
  fi

  for n in $SOCKETS; do
    label=sockets$n
    echo "== net_connections, $label (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    if [ "$n" -gt 0 ]; then
      rm -f "$OUT/ctl" "$OUT/ready" && mkfifo "$OUT/ctl"
      RPSUTIL_BENCH_HOLD_SOCKETS=$n "$BENCH" <"$OUT/ctl" >"$OUT/ready" &
      HOLDER=$!
      exec 3>"$OUT/ctl"
      until grep -q ready "$OUT/ready" 2>/dev/null; do
        kill -0 "$HOLDER" 2>/dev/null || { echo "socket holder died" >&2; exit 1; }
        sleep 0.1
      done
    fi
    echo "   $(ss -Htan | wc -l) TCP sockets in the table" >&2
    RPSUTIL_BENCH_CONN_TABLE=$label "$BENCH" --bench 3<&- >>"$RESULTS"
    RPSUTIL_BENCH_CONN_TABLE=$label RPSUTIL_BENCH_NO_NETLINK=1 \
      RPSUTIL_BENCH_VARIANTS=rpsutil_no_owners,rpsutil_owners "$BENCH" --bench 3<&- >>"$RESULTS"
    .venv/bin/python scripts/bench/psutil_system.py conn "$label" "$ROUNDS" "$SECONDS_PER_ROUND" 3<&- >>"$RESULTS"
    if [ "$STRACE" = 1 ] && [ "$n" = 600 ] && [ "$rep" = 1 ]; then
      BENCH=$BENCH scripts/bench/strace_system.sh 3<&- >"$OUT/strace_system.md" || true
    fi
    stop_holder
  done
done

python3 - "$RESULTS" <<'EOF'
import sys
from collections import defaultdict

from statistics import median

# Every pass adds one line per variant: keep (items, min of mins, median of
# medians, calls summed).
raw_sys = defaultdict(lambda: defaultdict(list))
raw_conn = defaultdict(lambda: defaultdict(list))
labels = []
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[0] == "sys":
        raw_sys[f[1]][f[2]].append((int(f[3]), float(f[4]), float(f[5]), int(f[6])))
    elif f[0] == "conn":
        raw_conn[f[2]][f[1]].append((int(f[3]), float(f[4]), float(f[5]), int(f[6])))
        if f[1] not in labels:
            labels.append(f[1])

def combine(runs):
    return (runs[-1][0], min(r[1] for r in runs), median(r[2] for r in runs),
            sum(r[3] for r in runs))

sysrows = {f: {v: combine(r) for v, r in vs.items()} for f, vs in raw_sys.items()}
conn = {v: {l: combine(r) for l, r in ls.items()} for v, ls in raw_conn.items()}
passes = max((len(r) for vs in raw_sys.values() for r in vs.values()), default=0)
print(f"\n(medians over {passes} passes)")

if sysrows:
    print("\n### System functions (µs per call, median / min of every call)\n")
    print("| function | variant | median µs | min µs | items | vs minimal reader | psutil / this |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for func, rows in sysrows.items():
        floor = rows.get("minimal_reader", (0, 0, 0, 0))[2]
        ps = rows.get("psutil", (0, 0, 0, 0))[2]
        for v, (n, lo, med, calls) in sorted(rows.items(), key=lambda kv: kv[1][2]):
            r1 = f"{med / floor:.2f}x" if floor else "-"
            r2 = f"{ps / med:.1f}x" if ps and med else "-"
            bold = "**" if v in ("rpsutil", "minimal_reader", "psutil") else ""
            print(f"| {func} | {bold}{v}{bold} | {med:.2f} | {lo:.2f} | {n} | {r1} | {r2} |")
    print("\n| function | rpsutil / minimal reader | psutil / rpsutil |")
    print("| --- | ---: | ---: |")
    for func, rows in sysrows.items():
        r = rows.get("rpsutil")
        m = rows.get("minimal_reader")
        p = rows.get("psutil")
        a = f"{r[2] / m[2]:.2f}x" if r and m else "-"
        b = f"{p[2] / r[2]:.1f}x" if r and p else "-"
        print(f"| {func} | {a} | {b} |")

if conn:
    print("\n### net_connections('inet') (ms per call, median; rows returned in brackets)\n")
    print("| variant | " + " | ".join(labels) + " |")
    print("| --- |" + " ---: |" * len(labels))
    order = sorted(conn, key=lambda v: conn[v].get(labels[-1], (0, 0, 0))[2])
    for v in order:
        cells = []
        for l in labels:
            x = conn[v].get(l)
            cells.append(f"{x[2]:.3f} ({x[0]})" if x else "-")
        print(f"| {v} | " + " | ".join(cells) + " |")
    print("\n| ratio | " + " | ".join(labels) + " |")
    print("| --- |" + " ---: |" * len(labels))
    for num, den in [("psutil", "rpsutil_owners"), ("psutil", "rpsutil_no_owners"),
                     ("psutil", "minimal_netlink_owners"),
                     ("rpsutil_no_owners", "minimal_netlink"),
                     ("rpsutil_owners", "minimal_netlink_owners"),
                     ("rpsutil_owners", "rpsutil_no_owners"),
                     ("psutil", "rpsutil_owners_fallback"),
                     ("rpsutil_no_owners_fallback", "minimal_proc_net")]:
        cells = []
        for l in labels:
            a, b = conn.get(num, {}).get(l), conn.get(den, {}).get(l)
            cells.append(f"{a[2] / b[2]:.2f}x" if a and b and b[2] else "-")
        print(f"| {num} / {den} | " + " | ".join(cells) + " |")
EOF
if [ -s "$OUT/strace_system.md" ]; then
  echo
  echo "### Files opened by one net_connections call (strace, 600 sockets)"
  echo
  cat "$OUT/strace_system.md"
fi
