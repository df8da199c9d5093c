#!/usr/bin/env python3
"""The cost of a scrape: `rpsutil serve` against node_exporter (the same system
collectors) and against process-exporter (the same process groups), side by side
in one run, on this machine, with N extra processes (default 1000).

For each exporter: SCRAPES scrapes (default 200) one after the other over a
kept-alive connection, each sent as Prometheus 2.42 sends it (its Accept header,
gzip); the wall time of each scrape (p50, p99, max) and the exporter's own CPU
time per scrape (utime + stime from /proc/PID/stat, before and after).

    ./scripts/bench/serve_cost.sh            # builds rpsutil, then runs this
    PROCS=0 SCRAPES=100 ./scripts/bench/serve_cost.sh

Needs Debian's prometheus-node-exporter and prometheus-process-exporter.
"""
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

RPSUTIL = sys.argv[1]
PROCS = int(os.environ.get("PROCS", "1000"))
SCRAPES = int(os.environ.get("SCRAPES", "200"))
TICKS = os.sysconf("SC_CLK_TCK")
ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
          "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
# node_exporter 1.5's default collectors that rpsutil serve has too.
SYSTEM = ["cpu", "diskstats", "filesystem", "hwmon", "loadavg", "meminfo", "netclass",
          "netdev", "os", "stat", "thermal_zone", "time", "uname"]
# process-exporter's Debian default config: every process, grouped by comm.
GROUPS = 'process_names:\n  - name: "{{.Comm}}"\n    cmdline:\n    - \'.+\'\n'


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wait_up(port, path="/metrics"):
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"exporter on port {port} did not come up")


def measure(name, cmd, port, path="/metrics"):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(port, path)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Accept": ACCEPT, "Accept-Encoding": "gzip"}
        # Two warm-up scrapes (first reads, caches of both sides).
        for _ in range(2):
            conn.request("GET", path, headers=headers)
            conn.getresponse().read()
        cpu0 = cpu_seconds(proc.pid)
        times = []
        size = 0
        for _ in range(SCRAPES):
            t = time.perf_counter()
            conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            body = r.read()
            times.append(time.perf_counter() - t)
            assert r.status == 200, (name, r.status)
            size = len(body)
        cpu = (cpu_seconds(proc.pid) - cpu0) / SCRAPES
        times.sort()
        p = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1e3
        return {"name": name, "p50": p(0.5), "p99": p(0.99), "max": times[-1] * 1e3,
                "cpu": cpu * 1e3, "bytes": size}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()


def main():
    sleepers = [subprocess.Popen(["sleep", "600"]) for _ in range(PROCS)]
    try:
        tmp = tempfile.mkdtemp(prefix="serve-bench-")
        groups = os.path.join(tmp, "groups.yml")
        with open(groups, "w") as f:
            f.write(GROUPS)
        rows = []
        port = free_port()
        sys_flags = [f"--collector.{c}" for c in SYSTEM]
        rows.append(measure("rpsutil serve (system)",
                            [RPSUTIL, "serve", f"--web.listen-address=127.0.0.1:{port}",
                             "--web.disable-exporter-metrics",
                             "--collector.disable-defaults", *sys_flags], port))
        port = free_port()
        rows.append(measure("node_exporter 1.5 (system)",
                            ["/usr/bin/prometheus-node-exporter",
                             f"--web.listen-address=127.0.0.1:{port}",
                             # Both without their own go_*/process_*/promhttp_*
                             # metrics: the same node_* series on both sides.
                             "--web.disable-exporter-metrics",
                             "--collector.disable-defaults", *sys_flags], port))
        port = free_port()
        rows.append(measure("rpsutil serve (process groups)",
                            [RPSUTIL, "serve", f"--web.listen-address=127.0.0.1:{port}",
                             # Its own process_*/promhttp_* metrics stay on, as
                             # process-exporter always serves its own.
                             "--collector.disable-defaults", "--collector.process",
                             f"--config.path={groups}"], port))
        port = free_port()
        rows.append(measure("process-exporter 0.7 (process groups)",
                            ["/usr/bin/prometheus-process-exporter",
                             f"-web.listen-address=127.0.0.1:{port}",
                             f"-config.path={groups}"], port))
        nproc = len([d for d in os.listdir("/proc") if d.isdigit()])
        print(f"# {os.cpu_count()} CPUs, {nproc} processes, {SCRAPES} scrapes each "
              f"(Prometheus's Accept header, gzip)")
        print("| exporter | p50 ms | p99 ms | max ms | CPU ms/scrape | body bytes (gzip) |")
        print("|---|---:|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r['name']} | {r['p50']:.2f} | {r['p99']:.2f} | {r['max']:.2f} "
                  f"| {r['cpu']:.2f} | {r['bytes']} |")
        for ours, theirs in ((rows[0], rows[1]), (rows[2], rows[3])):
            print(f"{ours['name']} vs {theirs['name']}: p50 {theirs['p50'] / ours['p50']:.1f}x, "
                  f"p99 {theirs['p99'] / ours['p99']:.1f}x, CPU {theirs['cpu'] / max(ours['cpu'], 1e-9):.1f}x")
    finally:
        for s in sleepers:
            s.kill()
        for s in sleepers:
            s.wait()


if __name__ == "__main__":
    main()
