#!/usr/bin/env bash
# The Python module's tests (run by ./scripts/test.sh after the Rust tests):
#   1. builds the rpsutil wheel (maturin, release) and installs it into .venv;
#   2. runs psutil 7.2.2's own test suite (from its sdist, unmodified) against real
#      psutil and against rpsutil through the shim, and compares test by test;
#   3. runs psutil's example scripts through both and compares their output shapes;
#   4. runs rpsutil's own Python tests (GIL release, threads, oneshot, types).
# It installs what it needs itself (maturin, pytest, psutil 7.2.2 into .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_psutil_venv
.venv/bin/pip install -q --disable-pip-version-check "maturin==1.16.0" "pytest==8.3.5"

# 1. The wheel, built into target/ (shared with cargo's other builds).
rm -rf target/wheels
.venv/bin/maturin build --release -q -m crates/rpsutil-py/Cargo.toml -o target/wheels \
  --interpreter .venv/bin/python
.venv/bin/pip install -q --disable-pip-version-check --force-reinstall --no-deps target/wheels/rpsutil-*.whl

# 2. psutil's tests and scripts, from its sdist (only tests/ and scripts/ are kept:
# the sdist's own psutil/ package must not shadow anything).
suite=.cache/psutil-7.2.2
if [ ! -f "$suite/tests/test_process.py" ]; then
  tmp=$(mktemp -d)
  .venv/bin/pip download -q --disable-pip-version-check --no-binary :all: --no-deps \
    psutil==7.2.2 -d "$tmp"
  tar -xzf "$tmp"/psutil-7.2.2.tar.gz -C "$tmp"
  mkdir -p "$suite"
  cp -r "$tmp"/psutil-7.2.2/tests "$tmp"/psutil-7.2.2/scripts "$suite"/
  rm -rf "$tmp"
fi
py=crates/rpsutil-py
.venv/bin/python $py/tests/psutil_suite/compare.py --suite "$suite" --shim "$PWD/$py/compat" \
  --deselect $py/tests/psutil_suite/deselect.txt --known $py/tests/psutil_suite/known_differences.txt

# 3. psutil's example scripts, psutil vs rpsutil.
PSUTIL_SCRIPTS_DIR="$PWD/$suite/scripts" RPSUTIL_SHIM_DIR="$PWD/$py/compat" \
  .venv/bin/python -m pytest -c /dev/null --rootdir=$py/tests -p no:cacheprovider -q \
  $py/tests/test_example_scripts.py

# 4. rpsutil's own Python tests.
.venv/bin/python -m pytest -c /dev/null --rootdir=$py/tests -p no:cacheprovider -q \
  $py/tests/test_rpsutil.py
