#!/usr/bin/env bash
# What one net_connections('inet') call opens (strace -f), to check
# docs/PERFORMANCE.md's claims: without owners rpsutil opens no /proc/PID/fd, and
# through netlink it opens no /proc/net/tcp*. Also rpsutil forced onto its /proc/net
# fallback (a seccomp filter fails socket(AF_NETLINK)) and psutil 7.2.2.
#
#   ./scripts/bench/strace_system.sh         # on the sockets present now
#   (compare_system.sh runs it while its 600 sockets are held; BENCH= the bench binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
command -v strace >/dev/null || { apt-get update -qq && apt-get install -y -qq strace >/dev/null; }
OUT=target/bench-compare
mkdir -p "$OUT"
if [ -z "${BENCH:-}" ]; then
  BENCH=$(bench_binary system)
fi

TRACE=open,openat,openat2,readlink,readlinkat,socket,getdents64

count() {
  python3 - "$1" "$2" <<'PY'
import re, sys
name, path = sys.argv[1], sys.argv[2]
fd_dirs = fd_links = net_files = netlink = netlink_fail = 0
net = set()
for line in open(path):
    if " = -1 " in line and "socket(" not in line:
        continue
    if re.search(r'open(?:at2?)?\(.*"/proc/\d+/fd"', line):
        fd_dirs += 1
    elif re.search(r'readlink(?:at)?\(.*(?:"/proc/\d+/fd/\d+"|</proc/\d+/fd>, "\d+")', line):
        fd_links += 1
    m = re.search(r'open(?:at2?)?\(.*"(/proc/(?:self/|\d+/)?net/[^"]+)"', line)
    if m:
        net_files += 1
        net.add(re.sub(r"/proc/(self|\d+)/net", "/proc/net", m.group(1)))
    if "socket(AF_NETLINK" in line:
        if " = -1 " in line:
            netlink_fail += 1
        else:
            netlink += 1
nl = f"{netlink}" + (f" (+{netlink_fail} refused)" if netlink_fail else "")
print(f"| {name} | {nl} | {net_files} ({', '.join(sorted(net)) or '-'}) | {fd_dirs} | {fd_links} |")
PY
}

echo "| variant | netlink sockets | /proc/net files opened | /proc/PID/fd dirs opened | fd links read |"
echo "| --- | ---: | --- | ---: | ---: |"
for v in rpsutil_no_owners rpsutil_owners minimal_netlink; do
  RPSUTIL_BENCH_ONCE=$v strace -f -qq -y -e trace=$TRACE -o "$OUT/strace-conn-$v.txt" \
    "$BENCH" --bench >/dev/null 2>&1
  count "$v" "$OUT/strace-conn-$v.txt"
done
for v in rpsutil_no_owners rpsutil_owners; do
  RPSUTIL_BENCH_ONCE=$v RPSUTIL_BENCH_NO_NETLINK=1 strace -f -qq -y -e trace=$TRACE \
    -o "$OUT/strace-conn-${v}_fallback.txt" "$BENCH" --bench >/dev/null 2>&1
  count "${v}_fallback" "$OUT/strace-conn-${v}_fallback.txt"
done
if [ -x .venv/bin/python ]; then
  strace -f -qq -y -e trace=$TRACE -o "$OUT/strace-conn-psutil.txt" \
    .venv/bin/python -c 'import psutil; psutil.net_connections("inet")'
  count psutil_7.2.2 "$OUT/strace-conn-psutil.txt"
fi
