#!/usr/bin/env bash
# The cost of a scrape of `rpsutil serve` against node_exporter and process-exporter
# (see serve_cost.py for what is measured). Installs the two Go exporters with
# apt-get when missing (as root).
#
#   ./scripts/bench/serve_cost.sh                    # 1000 extra processes, 200 scrapes
#   PROCS=0 SCRAPES=100 ./scripts/bench/serve_cost.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
for p in prometheus-node-exporter prometheus-process-exporter; do
  [ -x "/usr/bin/$p" ] || apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done
cargo build --release -q -p rpsutil-cli
exec python3 scripts/bench/serve_cost.py "$PWD/target/release/rpsutil"
