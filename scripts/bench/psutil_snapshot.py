#!/usr/bin/env python3
"""psutil's side of the "ps snapshot" benchmark (scripts/bench/compare.sh).

Times list(psutil.process_iter(attrs)) with time.perf_counter, in microseconds per
process, "fresh" (process_iter.cache_clear() before each scan: new Process objects,
as a new `ps`) and "warm" (the cache kept between scans, psutil's normal use).
Prints lines in the format of benches/snapshot.rs's table mode:

  time<TAB>LABEL<TAB>variant<TAB>procs<TAB>min_us<TAB>median_us<TAB>iterations
  peak<TAB>variant<TAB>rss_before_kB<TAB>hwm_kB

Usage: psutil_snapshot.py LABEL [ROUNDS] [SECONDS_PER_ROUND]
"""
import sys
import time

import psutil

ATTRS = ["pid", "ppid", "name", "status", "cpu_times", "memory_info",
         "num_threads", "create_time", "username", "cmdline"]


def status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def scan(fresh):
    if fresh:
        psutil.process_iter.cache_clear()
    return len(list(psutil.process_iter(ATTRS)))


def main():
    label = sys.argv[1] if len(sys.argv) > 1 else "current"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    budget = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
    assert psutil.__version__ == "7.2.2", psutil.__version__
    before = status_kb("VmRSS:")
    scan(True)  # warm-up (imports, user database)
    samples = {"psutil_fresh": [], "psutil_warm": []}
    procs = {}
    for _ in range(rounds):
        for name in samples:
            fresh = name == "psutil_fresh"
            start = time.perf_counter()
            iters = 0
            while iters < 3 or time.perf_counter() - start < budget:
                t = time.perf_counter()
                n = scan(fresh)
                us = (time.perf_counter() - t) * 1e6
                samples[name].append(us / max(n, 1))
                procs[name] = n
                iters += 1
    for name, s in samples.items():
        s.sort()
        print(f"time\t{label}\t{name}\t{procs[name]}\t{s[0]:.3f}\t"
              f"{s[len(s) // 2]:.3f}\t{len(s)}")
    print(f"peak\tpsutil_fresh\t{before}\t{status_kb('VmHWM:')}")


if __name__ == "__main__":
    main()
