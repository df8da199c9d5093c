"""Run psutil's own example scripts against real psutil and against the
rpsutil compatibility shim, and compare what they print.

psutil ships a set of small programs in its sdist's ``scripts/`` directory
(ps, free, netstat, pstree, top, ...).  They are ordinary users of the psutil
API, so running them unmodified through ``crates/rpsutil-py/compat/psutil``
is a cheap end-to-end check that the shim behaves like psutil: same names,
same fields in the same order, same exceptions, same exit codes.

How to run (Linux; the harness reads /proc to know which processes were
alive during both runs)::

    PSUTIL_SCRIPTS_DIR=/tmp/psdl/psutil-7.2.2/scripts \
    RPSUTIL_SHIM_DIR=/work/main/crates/rpsutil-py/compat \
        /path/to/venv/bin/python -m pytest -rs -v \
        crates/rpsutil-py/tests/test_example_scripts.py

The interpreter running pytest is the one used for every script
(``sys.executable``): it must have real psutil (the version the scripts come
from, 7.2.2) installed, and ``rpsutil`` importable for the shim to work.

* ``PSUTIL_SCRIPTS_DIR``: psutil's sdist ``scripts/`` directory.
* ``RPSUTIL_SHIM_DIR``: directory put first on PYTHONPATH for the shim side,
  so that ``import psutil`` loads the shim.
* ``RPSUTIL_SHIM_SELFTEST=1``: harness self-test mode, for an empty shim
  directory: both sides are then real psutil, every comparison must pass,
  and ``test_psutil_resolution`` asserts that both sides load the same
  psutil.  Without it, that test fails unless ``import psutil`` on the shim
  side loads a file from RPSUTIL_SHIM_DIR.

Every test is skipped (reason shown with ``-rs``) when either directory is
not given; nothing else is a reason to skip.

What is compared: exit status, and stdout/stderr after ``mask()``, which
turns every number-like token (ints, floats, sizes such as ``12.3M``,
percentages, times such as ``12:34`` or ``0:01.23``, dates, IPv4 addresses,
pids) into ``#`` and squeezes runs of blanks, so that counters that moved
and columns that widened by a character do not matter, while words, headers,
key names, field order and line counts still do.  Scripts that list every
process or socket on the machine (ps, netstat, pstree, procsmem) cannot be
compared line for line, since processes start and end between the two runs
(this repository is usually being compiled at the same time): for those, only
processes alive and unchanged from before the first run to after the second
are compared (read from /proc, not through either psutil), see the comments
on each test.  Two more things move even for such a process and are
normalised: a kernel worker's name suffix (kworker/0:1-<workqueue>) and, in
procinfo, the order of a process's connections (psutil builds that list from
a set).

The full-screen scripts (top, iotop, nettop, cpu_distribution) run under a
pseudo-terminal on both sides; each must draw a complete first screen and
exit cleanly, without a traceback, when asked to stop.
"""

import collections
import difflib
import fcntl
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
import uuid

import pytest

SCRIPTS_DIR = os.environ.get("PSUTIL_SCRIPTS_DIR")
SHIM_DIR = os.environ.get("RPSUTIL_SHIM_DIR")
SELFTEST = os.environ.get("RPSUTIL_SHIM_SELFTEST") == "1"

SIDES = ("psutil", "shim")

# A generous cap per script run: procsmem reads smaps of every process.
RUN_TIMEOUT = 120


# ---------------------------------------------------------------------------
# environment


@pytest.fixture(scope="session")
def dirs():
    missing = [
        name
        for name, value in (
            ("PSUTIL_SCRIPTS_DIR", SCRIPTS_DIR),
            ("RPSUTIL_SHIM_DIR", SHIM_DIR),
        )
        if not value
    ]
    if missing:
        reason = f"{' and '.join(missing)} not set; see the module docstring"
        print(f"skipping psutil example-script tests: {reason}", file=sys.stderr)
        pytest.skip(reason)
    # Given but wrong is a configuration error, not a reason to skip.
    assert os.path.isfile(os.path.join(SCRIPTS_DIR, "ps.py")), (
        f"PSUTIL_SCRIPTS_DIR={SCRIPTS_DIR!r} has no ps.py"
    )
    assert os.path.isdir(SHIM_DIR), f"RPSUTIL_SHIM_DIR={SHIM_DIR!r} is not a directory"
    # The harness identifies processes through /proc (see proc_snapshot).
    assert sys.platform.startswith("linux"), "this harness reads /proc: Linux only"
    return os.path.abspath(SCRIPTS_DIR), os.path.abspath(SHIM_DIR)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    # Scripts run from a directory of their own so that nothing in the
    # caller's cwd can shadow a module, and so their cwd is the same on both
    # sides.
    return str(tmp_path_factory.mktemp("scripts-cwd"))


def _pythonpath_without(shim_dir):
    # Keep whatever the caller put on PYTHONPATH (rpsutil may be found that
    # way), minus the shim itself: the psutil side must get real psutil even
    # if the caller exported the shim.
    entries = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return [p for p in entries if os.path.realpath(p) != os.path.realpath(shim_dir)]


def script_env(side, shim_dir, tty=False):
    env = dict(os.environ)
    path = _pythonpath_without(shim_dir)
    if side == "shim":
        path = [shim_dir] + path
    if path:
        env["PYTHONPATH"] = os.pathsep.join(path)
    else:
        env.pop("PYTHONPATH", None)
    # Do not litter the shim package (or anything else) with __pycache__.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # sensors.py prints a degree sign.
    env["PYTHONIOENCODING"] = "utf-8"
    if tty:
        # curses must take its size from the pty (TIOCSWINSZ), not from env.
        env["TERM"] = "xterm"
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
    else:
        # ps.py and pmap.py cut lines at shutil.get_terminal_size(), which
        # reads COLUMNS first.  A cut at 80 would turn "one column one char
        # wider" into "one char less of the command line", a difference the
        # masking cannot absorb; so make the cut unreachable.
        env["COLUMNS"] = "4000"
        env["LINES"] = "1000"
    return env


Result = collections.namedtuple("Result", "side rc stdout stderr")


def run_script(dirs, workdir, side, name, *args):
    scripts_dir, shim_dir = dirs
    cmd = [sys.executable, os.path.join(scripts_dir, f"{name}.py"), *map(str, args)]
    cp = subprocess.run(
        cmd,
        cwd=workdir,
        env=script_env(side, shim_dir),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=RUN_TIMEOUT,
    )
    return Result(side, cp.returncode, cp.stdout, cp.stderr)


def run_both(dirs, workdir, name, *args):
    return [run_script(dirs, workdir, side, name, *args) for side in SIDES]


# ---------------------------------------------------------------------------
# masking and comparison

# One token for anything number-like.  The separators let a whole time
# ("0:01.23"), date ("2024-05-01"), IPv4 address or "addr:port" collapse into
# a single "#", so that e.g. "9:59" -> "10:00" does not change the shape.  An
# optional size suffix (bytes2human's B/K/M/G..., with "/s" for rates) or "%"
# is swallowed too, but only when no letter follows, so "4Kfoo" keeps "Kfoo".
_NUMBER = re.compile(
    r"(?<![0-9])[-+]?\d+(?:[.:,/-]\d+)*(?:(?:[BKMGTPEZY](?:/s)?|%)(?![A-Za-z]))?"
)
_BLANKS = re.compile(r"[ \t]+")


def mask_line(line):
    line = _NUMBER.sub("#", line)
    return _BLANKS.sub(" ", line).strip()


def mask(text):
    """Masked lines of ``text``: moving numbers gone, blank runs squeezed.

    Line count and empty lines are kept: both are part of the shape.
    """
    return [mask_line(line) for line in text.splitlines()]


def squeeze(line):
    return _BLANKS.sub(" ", line).strip()


def diff(a, b, name_a="psutil", name_b="shim"):
    return "\n".join(
        difflib.unified_diff(a, b, name_a, name_b, lineterm="", n=2)
    )


def describe(res):
    def tail(text, n=15):
        return "\n".join(text.splitlines()[-n:])

    return (
        f"--- {res.side}: exit {res.rc}\n"
        f"stdout (last lines):\n{tail(res.stdout)}\n"
        f"stderr (last lines):\n{tail(res.stderr)}"
    )


def assert_same_exit(real, shim):
    assert real.rc == shim.rc, (
        f"exit status differs: psutil {real.rc}, shim {shim.rc}\n"
        f"{describe(real)}\n{describe(shim)}"
    )


def assert_same_masked(real, shim):
    assert_same_exit(real, shim)
    for stream in ("stdout", "stderr"):
        a = mask(getattr(real, stream))
        b = mask(getattr(shim, stream))
        assert a == b, f"masked {stream} differs:\n{diff(a, b)}"


# ---------------------------------------------------------------------------
# which processes were alive across both runs


def proc_snapshot():
    """{pid: (start time, ppid, comm, cmdline)} read straight from /proc.

    Deliberately not through psutil: the harness must not depend on either of
    the two implementations it is judging.
    """
    snap = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        # comm may contain spaces and parentheses: it ends at the last ')'.
        close = stat.rfind(b")")
        comm = stat[stat.find(b"(") + 1 : close]
        fields = stat[close + 2 :].split()
        # After the comm: state, ppid, ...; starttime is field 22 of the
        # whole line, i.e. index 19 here.
        snap[int(entry)] = (int(fields[19]), int(fields[1]), comm, cmdline)
    return snap


# A kernel worker's name ends with the workqueue it is serving right now
# ("kworker/0:1-events", a moment later "kworker/0:1-virtio_vsock"): the
# kernel rewrites it without the process changing, even between two reads
# that find the same name.  Only the part before the "-" identifies it.
# Rescuers ("kworker/R-mm_percpu_wq") keep their names and are left alone.
_KWORKER = re.compile(r"\b(kworker/u?\d+:\d+H?)-\S*")


def unkworker(text):
    return _KWORKER.sub(r"\1-*", text)


def stable_pids(before, after):
    """Pids that existed, unchanged, from before the first run to after the
    second one: both runs must have seen exactly these processes."""
    return {pid for pid, info in before.items() if after.get(pid) == info}


def run_both_around_snapshots(dirs, workdir, name, *args):
    before = proc_snapshot()
    results = run_both(dirs, workdir, name, *args)
    after = proc_snapshot()
    return results, stable_pids(before, after)


# ---------------------------------------------------------------------------
# processes the tests start


def _reap(proc):
    # Kill by pid (only processes this module started) and always reap.
    if proc.poll() is None:
        try:
            proc.kill()
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _kill_pid(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def named_sleep(tmp_path, name, seconds=600):
    """Start ``sleep`` under a name of our own (a copy of the binary), so that
    name-based scripts (pidof, killall) can only match our process."""
    exe = tmp_path / name
    if not exe.exists():
        shutil.copy(shutil.which("sleep"), exe)
        exe.chmod(0o755)
    return subprocess.Popen(
        [str(exe), str(seconds)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def unique_name(prefix):
    # The kernel keeps 15 chars of comm; stay under that so that name() is
    # plain comm on both sides and not a cmdline-based guess.
    return f"{prefix}{uuid.uuid4().hex[:6]}"


# The long-lived subject of pmap/procinfo.  It gives procinfo something to
# print in every optional section: a child, an open regular file, TCP and UDP
# sockets, a second thread.  It reports its child's pid so the test can kill
# both by pid.
_TARGET_CODE = r"""
import socket, subprocess, sys, threading, time
child = subprocess.Popen(["sleep", "600"])
f = open("target-open-file.txt", "w")
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.bind(("127.0.0.1", 0))
tcp.listen(1)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
print("READY", child.pid, flush=True)
time.sleep(600)
"""


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("target")
    proc = subprocess.Popen(
        [sys.executable, "-c", _TARGET_CODE],
        cwd=str(cwd),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    child_pid = None
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        assert ready, "target process did not report READY within 20 s"
        words = proc.stdout.readline().split()
        assert words[:1] == [b"READY"], f"unexpected target output {words!r}"
        child_pid = int(words[1])
        # Let /proc settle: the thread and the child must be visible.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if len(os.listdir(f"/proc/{proc.pid}/task")) >= 2:
                break
            time.sleep(0.05)
        yield proc.pid
    finally:
        if child_pid:
            _kill_pid(child_pid)
        _reap(proc)
        proc.stdout.close()


@pytest.fixture
def own_sockets():
    """Sockets owned by the test process itself, so netstat has lines whose
    addresses and pid are known and stable between the two runs."""
    socks = []
    try:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        socks.append(listener)
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        client = socket.create_connection(listener.getsockname())
        socks.append(client)
        server, _ = listener.accept()
        socks.append(server)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        socks.append(udp)
        udp.bind(("127.0.0.1", 0))
        ports = {s.getsockname()[1] for s in socks}
        if socket.has_ipv6:
            try:
                v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
                socks.append(v6)
                v6.bind(("::1", 0))
                v6.listen(1)
                ports.add(v6.getsockname()[1])
            except OSError:
                pass  # no IPv6 loopback here: fine, IPv4 is enough
        yield ports
    finally:
        for s in socks:
            s.close()


# ---------------------------------------------------------------------------
# sanity: which psutil each side imports


def _psutil_identity(dirs, workdir, side):
    """(file ``import psutil`` loads, psutil.__version__) on one side.

    The file comes from the import system's spec rather than from
    ``psutil.__file__``: the shim replaces itself in sys.modules with
    rpsutil, whose __file__ is rpsutil's own.
    """
    _, shim_dir = dirs
    code = (
        "import importlib.util; print(importlib.util.find_spec('psutil').origin); "
        "import psutil; print(psutil.__version__)"
    )
    cp = subprocess.run(
        [sys.executable, "-c", code],
        cwd=workdir,
        env=script_env(side, shim_dir),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert cp.returncode == 0, f"{side}: import psutil failed:\n{cp.stderr}"
    path, version = cp.stdout.split()
    return os.path.realpath(path), version


def _sdist_version(scripts_dir):
    # The scripts come from an sdist; its psutil/__init__.py says which
    # version they were written for.
    init = os.path.join(os.path.dirname(scripts_dir), "psutil", "__init__.py")
    try:
        with open(init) as f:
            m = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M)
    except OSError:
        return None
    return m.group(1) if m else None


def test_psutil_resolution(dirs, workdir):
    """Without this, every comparison below could be psutil against itself."""
    scripts_dir, shim_dir = dirs
    shim_root = os.path.realpath(shim_dir) + os.sep
    real_path, real_version = _psutil_identity(dirs, workdir, "psutil")
    assert not real_path.startswith(shim_root), (
        f"the psutil side imported the shim ({real_path})"
    )
    expected = _sdist_version(scripts_dir)
    if expected is not None:
        assert real_version == expected, (
            f"scripts are from psutil {expected} but the interpreter has "
            f"psutil {real_version}"
        )
    shim_path, _ = _psutil_identity(dirs, workdir, "shim")
    if SELFTEST:
        assert shim_path == real_path, (
            "RPSUTIL_SHIM_SELFTEST=1 expects the shim dir to hold no psutil, "
            f"but the shim side imported {shim_path}"
        )
    else:
        assert shim_path.startswith(shim_root), (
            f"the shim side imported {shim_path}, not a psutil from {shim_dir}"
        )


# ---------------------------------------------------------------------------
# scripts whose output is a fixed shape on a given machine


# Machine-wide, but the set of lines does not move between two runs a second
# apart: memory and swap fields, mounted partitions, network interfaces,
# logged-in users, sensors.  Whole masked outputs must be equal.
@pytest.mark.parametrize(
    "name",
    [
        "free",
        "meminfo",
        "disk_usage",
        "ifconfig",
        "who",
        "sensors",
        "temperatures",
        "fans",
        "battery",
    ],
)
def test_fixed_shape_script(dirs, workdir, name):
    real, shim = run_both(dirs, workdir, name)
    assert_same_masked(real, shim)
    # On machines without sensors/battery/users these print nothing or a
    # fixed "no ..." message (and temperatures/battery exit 1): then the
    # output has no moving part at all and must be identical, byte for byte.
    if not re.search(r"\d", real.stdout + real.stderr):
        assert (shim.stdout, shim.stderr) == (real.stdout, real.stderr)


def _sort_section(res, title):
    """Sort the rows of one procinfo section.

    psutil collects a process's connections in a set, so their order differs
    from one psutil run to the next (string hashing is randomised): it is
    not part of the API's contract and must not be part of the comparison.
    A section is its title line plus the indented lines that follow it.
    """
    out, rows, inside = [], [], False
    for line in res.stdout.splitlines():
        if inside and line.startswith(" "):
            rows.append(line)
            continue
        if inside:
            out.extend(sorted(rows))
            rows, inside = [], False
        out.append(line)
        inside = line.split(" ", 1)[0] == title
    out.extend(sorted(rows))
    return res._replace(stdout="\n".join(out) + "\n")


def _procinfo(dirs, workdir, *args):
    real, shim = run_both(dirs, workdir, "procinfo", *args)
    return [_sort_section(r, "connections") for r in (real, shim)]


def test_procinfo(dirs, workdir, target):
    # Same live process on both sides: only its counters move.
    real, shim = _procinfo(dirs, workdir, target)
    assert real.rc == 0, describe(real)
    assert re.search(rf"^pid\s+{target}$", real.stdout, re.M), describe(real)
    # The target has a TCP listener and a UDP socket.
    assert re.search(r"^\s+TCP .* LISTEN$", real.stdout, re.M), describe(real)
    assert re.search(r"^\s+UDP .* NONE$", real.stdout, re.M), describe(real)
    assert_same_masked(real, shim)


def test_procinfo_verbose(dirs, workdir, target):
    # -v prints every open file, thread, env var and mapping.
    real, shim = _procinfo(dirs, workdir, "-v", target)
    assert real.rc == 0, describe(real)
    assert_same_masked(real, shim)


def test_procinfo_no_such_process(dirs, workdir):
    # procinfo turns NoSuchProcess into its exit message: the shim's
    # exception must carry psutil's text.  The pid is one we just reaped, so
    # it is free (pid reuse within the next second is not a concern here).
    proc = subprocess.Popen(["true"])
    proc.wait()
    assert not os.path.exists(f"/proc/{proc.pid}")
    real, shim = run_both(dirs, workdir, "procinfo", proc.pid)
    assert real.rc == 1 and str(proc.pid) in real.stderr, describe(real)
    assert_same_masked(real, shim)


def test_pmap(dirs, workdir, target):
    # One line per mapping of an idle process: count and order are fixed.
    real, shim = run_both(dirs, workdir, "pmap", target)
    assert real.rc == 0, describe(real)
    assert real.stdout.count("\n") > 10
    assert_same_masked(real, shim)


# ---------------------------------------------------------------------------
# scripts driven by a process name: exact comparisons on our own processes


def test_pidof(dirs, workdir, tmp_path):
    name = unique_name("rpspid")
    procs = [named_sleep(tmp_path, name) for _ in range(2)]
    try:
        expected = " ".join(str(p.pid) for p in sorted(procs, key=lambda p: p.pid))
        for res in run_both(dirs, workdir, "pidof", name):
            # Exact: the only processes with this name are ours, listed in
            # pid order (process_iter's order).
            assert (res.rc, res.stdout, res.stderr) == (0, expected + "\n", ""), describe(res)
        # And a name nobody has: nothing printed, exit 0.
        for res in run_both(dirs, workdir, "pidof", unique_name("nobody")):
            assert (res.rc, res.stdout, res.stderr) == (0, "", ""), describe(res)
    finally:
        for p in procs:
            _reap(p)


def test_killall(dirs, workdir, tmp_path):
    name = unique_name("rpskil")
    results = []
    for side in SIDES:
        # A fresh victim for each side: the first run kills its own.
        victim = named_sleep(tmp_path, name)
        try:
            res = run_script(dirs, workdir, side, "killall", name)
            results.append(res)
            assert (res.rc, res.stdout, res.stderr) == (0, "", ""), describe(res)
            try:
                status = victim.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pytest.fail(f"{side}: killall exited 0 but pid {victim.pid} is alive")
            assert status == -signal.SIGKILL, f"{side}: victim ended with {status}"
        finally:
            _reap(victim)
    assert_same_masked(*results)
    # Nothing to kill: exit 1 with "<name>: no process found" on stderr.
    real, shim = run_both(dirs, workdir, "killall", name)
    assert real.rc == 1 and "no process found" in real.stderr, describe(real)
    assert (shim.rc, shim.stdout, shim.stderr) == (real.rc, real.stdout, real.stderr)


# ---------------------------------------------------------------------------
# scripts that list every process or socket
#
# Between the two runs processes come and go, so neither the line count nor
# the full set of lines is stable.  What is stable are the processes that
# were alive, unchanged, from before the first run until after the second
# (stable_pids): each of them must be listed by both sides, and its line must
# have the same shape.  Headers must be equal outright.


_PS_STATUS = re.compile(
    r"(?<=\s)(runni|sleep|disk-|stopp|traci|zombi|dead|wake-|idle|locke|waiti|parke)(?=\s)"
)
_PS_PID = re.compile(r"^(\S*)\s+(\d+)\s")


def _rows(lines, pid_of):
    """{pid: row text} where a row may span several lines: a command line
    can contain newlines (e.g. ``python -c "..."`` or ``bash <<EOF``), and the
    scripts print it as is.  A line with no pid where ``pid_of`` expects one
    continues the previous row."""
    rows, last = {}, None
    for line in lines:
        pid = pid_of(line)
        if pid is None:
            assert last is not None, f"first row has no pid: {line!r}"
            rows[last] += "\n" + line
        else:
            rows[pid] = line
            last = pid
    return rows


def _ps_pid(line):
    m = _PS_PID.match(line)
    return int(m.group(2)) if m else None


def _ps_lines(text):
    """{pid: masked row} of ps.py's output (header excluded).

    The STATUS column is masked as well: a process that is busy in one run
    and asleep in the other is not a difference between the libraries.  Its
    vocabulary is checked separately.
    """
    rows = _rows(text.splitlines()[1:], _ps_pid)
    return {
        pid: mask_line(_PS_STATUS.sub("STATUS", unkworker(row), count=1))
        for pid, row in rows.items()
    }


def test_ps(dirs, workdir):
    (real, shim), stable = run_both_around_snapshots(dirs, workdir, "ps")
    assert_same_exit(real, shim)
    assert real.rc == 0, describe(real)
    assert real.stdout.splitlines()[0] == shim.stdout.splitlines()[0], "header differs"
    assert shim.stderr == real.stderr == ""
    # Every status shim prints must be one psutil can print.
    for row in _rows(shim.stdout.splitlines()[1:], _ps_pid).values():
        assert _PS_STATUS.search(row), f"no known STATUS in shim row {row!r}"
    a, b = _ps_lines(real.stdout), _ps_lines(shim.stdout)
    assert len(stable) > 10 and stable <= set(a), "psutil missed stable processes?"
    missing = sorted(stable - set(b))
    assert not missing, f"shim did not list these long-lived pids: {missing}"
    wrong = [f"{pid}:\n  psutil {a[pid]}\n  shim   {b[pid]}" for pid in sorted(stable) if a[pid] != b[pid]]
    assert not wrong, "lines of long-lived processes differ:\n" + "\n".join(wrong)


_TREE = re.compile(r"^((?:\| |  )*)(\|- |`_ )?(\d+) (.*)$")


def _pstree(text):
    """{pid: (depth, parent pid, name)} rebuilt from pstree.py's drawing."""
    nodes, stack = {}, []
    for line in text.splitlines():
        m = _TREE.match(line)
        assert m, f"not a pstree line: {line!r}"
        depth = len(m.group(1)) // 2 + (1 if m.group(2) else 0)
        pid = int(m.group(3))
        assert depth <= len(stack), f"tree skips a level at {line!r}"
        del stack[depth:]
        nodes[pid] = (depth, stack[-1] if stack else None, unkworker(m.group(4)))
        stack.append(pid)
    return nodes


def test_pstree(dirs, workdir):
    # The drawing characters ("|-" versus "`_") of a long-lived process
    # depend on whether a short-lived sibling sorted after it, so compare the
    # tree itself: depth, parent and name of every long-lived process.
    (real, shim), stable = run_both_around_snapshots(dirs, workdir, "pstree")
    assert_same_exit(real, shim)
    assert real.rc == 0, describe(real)
    assert shim.stderr == real.stderr == ""
    assert real.stdout.splitlines()[0] == shim.stdout.splitlines()[0], "root differs"
    a, b = _pstree(real.stdout), _pstree(shim.stdout)
    assert os.getpid() in a and os.getpid() in stable
    # Processes whose ancestry is outside our pid namespace are not drawn
    # by either side; all others must be drawn by both.
    drawn = {pid for pid in stable if pid in a}
    assert len(drawn) > 10
    assert {pid for pid in stable if pid in b} == drawn, (
        f"drawn by only one side: psutil-only {sorted(drawn - set(b))}, "
        f"shim-only {sorted({p for p in stable if p in b} - drawn)}"
    )
    wrong = [f"{pid}: psutil {a[pid]} shim {b[pid]}" for pid in sorted(drawn) if a[pid] != b[pid]]
    assert not wrong, "tree position of long-lived processes differs:\n" + "\n".join(wrong)


def test_procsmem(dirs, workdir):
    # Rows are sorted by USS, which moves, so the order is not compared; the
    # header, each long-lived process's row and the access-denied warning
    # (pid 1 here, whose smaps even root may not read) are.
    (real, shim), stable = run_both_around_snapshots(dirs, workdir, "procsmem")
    assert_same_exit(real, shim)
    assert real.rc == 0, describe(real)
    ra, sa = real.stdout.splitlines(), shim.stdout.splitlines()
    assert ra[:2] == sa[:2], "header differs"

    def split(lines):
        body = lines[2:]
        warnings = [mask_line(x) for x in body if x.startswith("warning:")]
        body = [x for x in body if not x.startswith("warning:")]
        rows = _rows(body, lambda x: int(x[:7]) if x[:7].strip().isdigit() else None)
        return {pid: mask_line(row) for pid, row in rows.items()}, warnings

    (a, wa), (b, wb) = split(ra), split(sa)
    assert wa == wb, f"warnings differ: {wa} vs {wb}"
    # The script prints at most 86 rows; below that every long-lived process
    # with a USS must be there on both sides.
    if len(a) < 86 and len(b) < 86:
        mine = stable & set(a)
        assert os.getpid() in mine
        assert stable & set(b) == mine, (
            f"psutil-only {sorted(mine - set(b))}, shim-only {sorted((stable & set(b)) - mine)}"
        )
    common = stable & set(a) & set(b)
    assert common
    wrong = [f"{pid}:\n  psutil {a[pid]}\n  shim   {b[pid]}" for pid in sorted(common) if a[pid] != b[pid]]
    assert not wrong, "rows of long-lived processes differ:\n" + "\n".join(wrong)


_NETSTAT_PROTOS = {"tcp", "tcp6", "udp", "udp6"}
_NETSTAT_STATUSES = {
    "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
    "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
    "NONE",
}


def _netstat_rows(text):
    rows = []
    for line in text.splitlines()[1:]:
        fields = line.split(None, 5)
        assert len(fields) >= 5, f"short netstat line {line!r}"
        proto, laddr, raddr, status, pid = fields[:5]
        assert proto in _NETSTAT_PROTOS, f"unknown proto in {line!r}"
        assert status in _NETSTAT_STATUSES, f"unknown status in {line!r}"
        rows.append((proto, laddr, raddr, status, pid, line))
    return rows


def listen_snapshot():
    """{(proto, port, inode)} of listening TCP sockets, from /proc/net."""
    found = set()
    for proto in ("tcp", "tcp6"):
        try:
            with open(f"/proc/net/{proto}") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    # local_address is HEXIP:HEXPORT; state 0A is LISTEN.
                    if fields[3] == "0A":
                        port = int(fields[1].rsplit(":", 1)[1], 16)
                        found.add((proto, port, fields[9]))
        except OSError:
            pass
    return found


def test_netstat(dirs, workdir, own_sockets):
    # Connections of other processes open and close between the runs (a
    # compiler downloading crates, DNS lookups, TIME_WAIT leftovers), and so
    # do some listeners (a test server somewhere).  The stable part is: the
    # test's own sockets (known ports, compared exactly), and the listening
    # sockets that existed (same inode) from before the first run to after
    # the second, owned by a long-lived process or by one outside our pid
    # namespace (pid "-"), compared as a multiset of masked lines.
    listen_before = listen_snapshot()
    (real, shim), stable = run_both_around_snapshots(dirs, workdir, "netstat")
    stable_listen = {(proto, str(port)) for proto, port, _ in listen_before & listen_snapshot()}
    assert_same_exit(real, shim)
    assert real.rc == 0, describe(real)
    assert shim.stderr == real.stderr == ""
    assert real.stdout.splitlines()[0] == shim.stdout.splitlines()[0], "header differs"
    me = str(os.getpid())

    def mine(rows):
        return sorted(squeeze(r[5]) for r in rows if r[4] == me)

    def listening(rows):
        return collections.Counter(
            mask_line(r[5]) for r in rows
            if r[3] == "LISTEN"
            and (r[0], r[1].rsplit(":", 1)[1]) in stable_listen
            and (r[4] == "-" or (r[4].isdigit() and int(r[4]) in stable))
        )

    a, b = _netstat_rows(real.stdout), _netstat_rows(shim.stdout)
    # Our listener, both ends of the connected pair and the UDP socket.
    assert len(mine(a)) >= 4, f"psutil did not see the test's sockets:\n{real.stdout}"
    assert {r[3] for r in a if r[4] == me} >= {"LISTEN", "ESTABLISHED", "NONE"}
    assert mine(a) == mine(b), f"the test's own sockets differ:\n{diff(mine(a), mine(b))}"
    la, lb = listening(a), listening(b)
    assert sum(la.values()) >= 1, "our own listeners were not kept"
    assert la == lb, (
        f"listening sockets differ: psutil-only {dict(la - lb)}, shim-only {dict(lb - la)}"
    )


# ---------------------------------------------------------------------------
# full-screen scripts, under a pseudo-terminal

PTY_ROWS, PTY_COLS = 40, 120
DRAW_TIMEOUT = 20  # seconds to wait for the first screen
STOP_TIMEOUT = 10  # seconds to wait for the script to exit once asked

# For each script: the texts that make up a complete first screen, in the
# order the script draws them (curses sends each addstr() as one run of
# characters, with cursor moves only between fields that are separated by
# long blank runs, so these short fragments appear verbatim), and how to stop
# it.
#
# top/iotop/nettop poll the keyboard each round and quit on "q" (exit 0).
# cpu_distribution.py is a print loop without any key handling or
# KeyboardInterrupt handler: SIGINT would end it *with* a traceback on
# either side, so it is stopped with SIGTERM (exit -15, no traceback).
# Its screen is complete once a process name (our own "python..." cut to 5
# chars) follows the per-CPU header.
CURSES_SCRIPTS = {
    "top": (
        [" CPU0", "Mem", "Swap", "Processes:", "Load average:", "PID", "TIME+"],
        "q",
    ),
    "iotop": (["Total DISK READ:", "Total DISK WRITE:", "DISK READ", "COMMAND"], "q"),
    "nettop": (
        ["total bytes:", "sent:", "received:", "TOTAL", "PER-SEC", "bytes-sent",
         "bytes-recv", "pkts-sent", "pkts-recv"],
        "q",
    ),
    "cpu_distribution": (["CPU 0", "pytho"], "SIGTERM"),
}

PtyResult = collections.namedtuple("PtyResult", "side rc drawn output stopped_by")


def _in_order(text, fragments):
    pos = 0
    for frag in fragments:
        pos = text.find(frag, pos)
        if pos < 0:
            return False
        pos += len(frag)
    return True


def _default_sigint():
    # A process started from a non-interactive shell's background job
    # inherits SIGINT ignored, and Python then installs no KeyboardInterrupt
    # handler: undo that so the SIGINT fallback below means what it says.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_in_pty(dirs, workdir, side, name):
    scripts_dir, shim_dir = dirs
    expected, stop = CURSES_SCRIPTS[name]
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", PTY_ROWS, PTY_COLS, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, os.path.join(scripts_dir, f"{name}.py")],
        cwd=workdir,
        env=script_env(side, shim_dir, tty=True),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=_default_sigint,
    )
    os.close(slave)
    buf = bytearray()
    eof = False

    def pump(until):
        # Read whatever the script writes until `until()` holds, EOF (the
        # pty reports EIO once the script has closed its end), or the deadline.
        nonlocal eof
        while not eof and not until():
            r, _, _ = select.select([master], [], [], 0.1)
            if r:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    eof = True
                buf.extend(chunk)
            elif proc.poll() is not None:
                # Exited and nothing left to read.
                eof = True

    text = lambda: buf.decode("utf-8", "replace")
    stopped_by = None
    try:
        deadline = time.monotonic() + DRAW_TIMEOUT
        pump(lambda: _in_order(text(), expected) or time.monotonic() > deadline)
        drawn = _in_order(text(), expected)
        if proc.poll() is None:
            # Ask politely first, then insist: each step gets its own time.
            if stop == "q":
                steps = [
                    ("q", lambda: os.write(master, b"q")),
                    ("SIGINT", lambda: os.kill(proc.pid, signal.SIGINT)),
                ]
            else:
                steps = [("SIGTERM", lambda: os.kill(proc.pid, signal.SIGTERM))]
            for label, action in steps:
                action()
                stopped_by = label
                t = time.monotonic() + STOP_TIMEOUT
                pump(lambda: proc.poll() is not None or time.monotonic() > t)
                # EOF on the pty comes before the exit status can be
                # collected: wait for the latter before escalating.
                try:
                    proc.wait(timeout=max(0.1, t - time.monotonic()))
                    break
                except subprocess.TimeoutExpired:
                    pass
            pump(lambda: False)  # drain what was written before exiting
        try:
            rc = proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            rc = None  # reported as a failure by the caller
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return PtyResult(side, rc, drawn, text(), stopped_by)


def _pty_describe(res):
    # Drop escape sequences to make the failure message readable.
    plain = re.sub(r"\x1b(\[[0-9;?]*[A-Za-z]|[()][0-9A-Za-z]|[=>])", " ", res.output)
    return (
        f"--- {res.side}: exit {res.rc}, drawn {res.drawn}, stopped by {res.stopped_by}\n"
        f"{plain[-2000:]}"
    )


@pytest.mark.parametrize("name", sorted(CURSES_SCRIPTS))
def test_curses_script(dirs, workdir, name):
    _, stop = CURSES_SCRIPTS[name]
    expected_rc = 0 if stop == "q" else -signal.SIGTERM
    real = run_in_pty(dirs, workdir, "psutil", name)
    shim = run_in_pty(dirs, workdir, "shim", name)
    if not real.drawn:
        # psutil itself cannot run this script here (e.g. iotop without
        # access to /proc/PID/io): the shim must fail the same way.
        assert not shim.drawn and shim.rc == real.rc, (
            f"{_pty_describe(real)}\n{_pty_describe(shim)}"
        )
        assert ("Traceback" in real.output) == ("Traceback" in shim.output)
        return
    for res in (real, shim):
        assert res.drawn, f"no complete first screen\n{_pty_describe(res)}"
        assert "Traceback" not in res.output, _pty_describe(res)
        assert res.rc == expected_rc, _pty_describe(res)
    # Both should have honoured the same way of stopping ("q" for curses).
    assert shim.stopped_by == real.stopped_by, f"{_pty_describe(real)}\n{_pty_describe(shim)}"
