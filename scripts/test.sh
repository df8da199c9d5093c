#!/usr/bin/env bash
# Runs every test of the workspace (Rust, then the Python module's: scripts/test-python.sh),
# installing what the tests need first:
# a local virtualenv (.venv) with psutil 7.2.2 for the oracle tests (and
# prometheus-client for the exporter's format test), the procps, iproute2,
# util-linux, lsof and e2fsprogs tools the tool-oracle tests call, and Prometheus,
# node_exporter and process-exporter for `rpsutil serve`'s tests.
#
#   ./scripts/test.sh            # everything
#   ./scripts/test.sh -p rpsutil # extra arguments go to `cargo test` (Rust tests only)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# The oracle and real-system tests call these tools (the machine image has them; a
# slimmer one gets them here).
need_apt=()
command -v ps >/dev/null 2>&1 || need_apt+=(procps)
command -v setpriv >/dev/null 2>&1 || need_apt+=(util-linux)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
command -v lsof >/dev/null 2>&1 || need_apt+=(lsof)
command -v mkfs.ext4 >/dev/null 2>&1 || need_apt+=(e2fsprogs)
command -v perl >/dev/null 2>&1 || need_apt+=(perl)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3 python3-venv)
# rpsutil top's screen tests drive the real binary in tmux; iotop's oracle is iotop-c.
command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)
command -v iotop-c >/dev/null 2>&1 || need_apt+=(iotop-c)
# rpsutil serve: a real Prometheus (and its promtool) scrapes it, node_exporter and
# process-exporter are its oracles. Their packages would start daemons where
# systemd runs; the tests start their own on loopback ports.
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
[ -x /usr/bin/prometheus-node-exporter ] || need_apt+=(prometheus-node-exporter)
[ -x /usr/bin/prometheus-process-exporter ] || need_apt+=(prometheus-process-exporter)
if [ "${#need_apt[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

ensure_psutil_venv

export RPSUTIL_PYTHON="$PWD/.venv/bin/python"
# The oracle tests must not skip here: a missing oracle is a failure.
export RPSUTIL_REQUIRE_ORACLE=1
cargo test --workspace "$@"
# The Python module: its wheel, psutil's own suite against it, psutil's example
# scripts (skipped only when the caller narrows the run with cargo arguments).
if [ "$#" -eq 0 ]; then
  ./scripts/test-python.sh
fi
