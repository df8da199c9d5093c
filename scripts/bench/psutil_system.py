#!/usr/bin/env python3
"""psutil's side of the system-wide benchmark (scripts/bench/compare_system.sh).

Times psutil 7.2.2's system functions with time.perf_counter, round-robin over
ROUNDS rounds of about SECONDS each, and prints lines in the format of
benches/system.rs's table modes:

  sys<TAB>FUNCTION<TAB>psutil<TAB>items<TAB>min_us<TAB>median_us<TAB>calls
  conn<TAB>LABEL<TAB>psutil<TAB>rows<TAB>min_ms<TAB>median_ms<TAB>calls

Usage:
  psutil_system.py funcs [ROUNDS] [SECONDS]          # every system function
  psutil_system.py users_utmp [ROUNDS] [SECONDS]     # users() only, as users_utmp
                                                      # (run with a fixture at /run/utmp)
  psutil_system.py conn LABEL [ROUNDS] [SECONDS]     # net_connections('inet')
"""
import sys
import time

import psutil


def partitions_usage():
    return [psutil.disk_usage(p.mountpoint) for p in psutil.disk_partitions()]


FUNCS = {
    "virtual_memory": lambda: psutil.virtual_memory(),
    "swap_memory": lambda: psutil.swap_memory(),
    "cpu_times_percpu": lambda: psutil.cpu_times(percpu=True),
    "disk_partitions_usage": partitions_usage,
    # nowrap=True is psutil's default
    "net_io_counters_pernic": lambda: psutil.net_io_counters(pernic=True),
    "net_if_addrs": lambda: psutil.net_if_addrs(),
    "boot_time": lambda: psutil.boot_time(),
    "users": lambda: psutil.users(),
}


def items(r):
    try:
        return len(r)
    except TypeError:
        return 1


def time_all(funcs, rounds, budget):
    samples = {name: [] for name in funcs}
    counts = {}
    for f in funcs.values():
        f()  # warm-up
    for _ in range(rounds):
        for name, f in funcs.items():
            start = time.perf_counter()
            n = 0
            while n < 3 or time.perf_counter() - start < budget:
                t = time.perf_counter()
                r = f()
                samples[name].append(time.perf_counter() - t)
                counts[name] = items(r)
                n += 1
    for s in samples.values():
        s.sort()
    return samples, counts


def main():
    assert psutil.__version__ == "7.2.2", psutil.__version__
    mode = sys.argv[1] if len(sys.argv) > 1 else "funcs"
    if mode == "conn":
        label = sys.argv[2]
        rest = sys.argv[3:]
    else:
        rest = sys.argv[2:]
    rounds = int(rest[0]) if len(rest) > 0 else 3
    budget = float(rest[1]) if len(rest) > 1 else 0.3
    if mode == "funcs":
        samples, counts = time_all(FUNCS, rounds, budget)
        for name, s in samples.items():
            print(f"sys\t{name}\tpsutil\t{counts[name]}\t{s[0] * 1e6:.3f}\t"
                  f"{s[len(s) // 2] * 1e6:.3f}\t{len(s)}")
    elif mode == "users_utmp":
        samples, counts = time_all({"users_utmp": psutil.users}, rounds, budget)
        s = samples["users_utmp"]
        print(f"sys\tusers_utmp\tpsutil\t{counts['users_utmp']}\t{s[0] * 1e6:.3f}\t"
              f"{s[len(s) // 2] * 1e6:.3f}\t{len(s)}")
    elif mode == "conn":
        samples, counts = time_all(
            {"psutil": lambda: psutil.net_connections("inet")}, rounds, budget)
        s = samples["psutil"]
        print(f"conn\t{label}\tpsutil\t{counts['psutil']}\t{s[0] * 1e3:.4f}\t"
              f"{s[len(s) // 2] * 1e3:.4f}\t{len(s)}")
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
