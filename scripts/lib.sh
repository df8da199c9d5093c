# Shell helpers sourced by scripts/test.sh and scripts/bench/*.sh (run from the
# workspace root).

# psutil 7.2.2 in .venv (the oracle of the tests and the baseline of the benchmarks).
ensure_psutil_venv() {
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import psutil, sys; sys.exit(psutil.__version__ != "7.2.2")' 2>/dev/null; then
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check psutil==7.2.2
  fi
  # rpsutil serve's OpenMetrics output is parsed by prometheus-client's strict parser.
  if ! .venv/bin/python -c 'import prometheus_client, sys; sys.exit(prometheus_client.__version__ != "0.26.0")' 2>/dev/null; then
    .venv/bin/pip install -q --disable-pip-version-check prometheus-client==0.26.0
  fi
}

# Builds the criterion bench NAME of crates/rpsutil (without running it) and prints
# the path of its executable.
bench_binary() {
  cargo bench -p rpsutil --bench "$1" --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
name = sys.argv[1]
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == name and m.get("executable"):
        print(m["executable"])' "$1"
}
