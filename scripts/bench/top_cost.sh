#!/usr/bin/env bash
# The cost of watching: CPU time used by `rpsutil top`, procps `top` and `htop`
# over the same 30 seconds, side by side in one run, each in its own tmux session
# (a real terminal), with N extra processes on the machine (default 1000), and
# rpsutil top's own time to build one frame (read, sort, draw).
#
#   ./scripts/bench/top_cost.sh            # 1000 extra processes, 30 s, 1.5 s refresh
#   PROCS=300 SECONDS_RUN=10 ./scripts/bench/top_cost.sh
#
# CPU time is utime+stime of each tool's process from /proc/PID/stat, read at the
# start and the end of the window (clock ticks, converted to seconds). Needs tmux,
# procps top and htop (installed with apt-get when missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/../.."
PROCS=${PROCS:-1000}
SECONDS_RUN=${SECONDS_RUN:-30}
DELAY=${DELAY:-1.5}
for t in tmux top htop; do
  if ! command -v "$t" >/dev/null; then
    apt-get install -y -qq "$([ "$t" = top ] && echo procps || echo "$t")" >/dev/null
  fi
done
cargo build --release -q -p rpsutil-cli
BIN=$PWD/target/release/rpsutil
SOCK=rpsutil-bench-$$
pids=()
cleanup() {
  tmux -L "$SOCK" kill-server 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq "$PROCS"); do sleep 600 & pids+=($!); done
sleep 1
TICKS=$(getconf CLK_TCK)
start_tool() { # name command
  tmux -L "$SOCK" new-session -d -s "$1" -x 200 -y 50 "$2"
}
start_tool rpsutil "$BIN top -d $DELAY --stats 2>/tmp/rpsutil-top-stats.$$; sleep 5"
start_tool procps "top -d $DELAY"
# htop's delay is in tenths of a second.
start_tool htop "htop -d $(python3 -c "print(round($DELAY*10))")"
sleep 2
pid_of() { # session -> the tool's pid (the pane runs it directly or under sh -c)
  local pane
  pane=$(tmux -L "$SOCK" display-message -p -t "$1" '#{pane_pid}')
  local child
  child=$(cat "/proc/$pane/task/$pane/children" 2>/dev/null | awk '{print $1}')
  echo "${child:-$pane}"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
declare -A P T0
for s in rpsutil procps htop; do
  P[$s]=$(pid_of "$s")
  T0[$s]=$(cpu_ticks "${P[$s]}")
done
sleep "$SECONDS_RUN"
echo "# $(nproc) CPUs, $(ls /proc | grep -c '^[0-9]') processes, ${SECONDS_RUN} s, refresh ${DELAY} s"
echo "| tool | CPU seconds in ${SECONDS_RUN} s | % of one CPU |"
echo "|---|---:|---:|"
for s in rpsutil procps htop; do
  t1=$(cpu_ticks "${P[$s]}")
  python3 -c "d=($t1-${T0[$s]})/$TICKS; print(f'| $s | {d:.2f} | {d/$SECONDS_RUN*100:.2f} |')"
done
tmux -L "$SOCK" send-keys -t rpsutil q
sleep 1
cat /tmp/rpsutil-top-stats.$$ 2>/dev/null || true
rm -f /tmp/rpsutil-top-stats.$$
