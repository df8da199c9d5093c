#!/usr/bin/env bash
# The Windows "ps snapshot" comparison (docs/PERFORMANCE.md): rpsutil against
# sysinfo's Windows backend, both in one release binary (scripts/bench/win-snapshot)
# cross-built for x86_64-pc-windows-gnu with Debian's rustc-web and -Zbuild-std, as
# CI builds the Windows tests, and run under Wine 8. Wine is not Windows: the figures
# say how the two libraries compare on Wine's implementation of the same calls.
#
#   ./scripts/bench/compare_windows.sh            # 50 idle children, 5 rounds of 1 s
#   CHILDREN=100 ROUNDS=3 SECONDS_PER_ROUND=2 ./scripts/bench/compare_windows.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
CHILDREN=${CHILDREN:-50}
ROUNDS=${ROUNDS:-5}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-1}
if ! { command -v x86_64-w64-mingw32-gcc >/dev/null && [ -x /usr/lib/wine/wine64 ] && [ -x /usr/bin/cargo ]; }; then
  apt-get update -qq
  apt-get install -y -qq wine64 gcc-mingw-w64-x86-64 rustc-web cargo-web rust-web-src >/dev/null
fi
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
OUT=$PWD/target-cross
RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc /usr/bin/cargo build -q --release -Zbuild-std=std,panic_unwind \
  --target x86_64-pc-windows-gnu --manifest-path scripts/bench/win-snapshot/Cargo.toml \
  --target-dir "$OUT/win-snapshot"
dir=$OUT/win-snapshot/x86_64-pc-windows-gnu/release
# Wine 8 lacks bcryptprimitives.dll (ProcessPrng), which Rust's std imports.
x86_64-w64-mingw32-gcc -shared -O2 -o "$dir/bcryptprimitives.dll" .ci/wine/bcryptprimitives.c -ladvapi32
export WINEDEBUG=-all WINEPREFIX="$OUT/wineprefix"
echo "wine: $(/usr/lib/wine/wine64 --version)"
echo -e "variant\tprocs\tmedian_us_per_proc\tmin_us_per_proc\tscans"
/usr/lib/wine/wine64 "$dir/win-snapshot.exe" "$CHILDREN" "$ROUNDS" "$SECONDS_PER_ROUND"
