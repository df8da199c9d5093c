"""rpsutil: psutil 7.2.2's API on rpsutil, a Rust rebuild of psutil.

    import rpsutil as psutil

Everything that reads or changes the system is Rust (`rpsutil._rpsutil`, which
releases the GIL around every system call). This file holds only what psutil itself
does in Python: `process_iter`'s cache (`_pmap`), `wait_procs`' callbacks, `Popen`'s
wrapping of `subprocess.Popen`, the module's writable `PROCFS_PATH`, and the public
names. The namedtuples are in `_ntuples`, the enums in `_enums`, the exceptions in
`_exceptions`.
"""

import os  # noqa: F401
import signal  # noqa: F401  (psutil exposes these modules; code and tests use them)
import socket  # noqa: F401
import subprocess
import sys
import threading  # noqa: F401
import time
import types
import warnings

try:
    import pwd  # noqa: F401
except ImportError:  # pragma: no cover  (Windows)
    pwd = None

from . import _common  # noqa: F401
from . import _ntuples  # noqa: F401
from . import _rpsutil
from ._common import debug  # noqa: F401
from ._enums import BatteryTime, IOPriority, NicDuplex
from ._exceptions import AccessDenied, Error, NoSuchProcess, TimeoutExpired, ZombieProcess

# --- constants ----------------------------------------------------------------

#: The psutil API version this module implements (code checks it to pick features).
version_info = (7, 2, 2)
__version__ = "7.2.2"
#: rpsutil's own version.
__rpsutil_version__ = "0.1.0"

POSIX = _rpsutil.POSIX
WINDOWS = _rpsutil.WINDOWS
LINUX = _rpsutil.LINUX
MACOS = _rpsutil.MACOS
OSX = MACOS  # psutil's old name, kept as psutil keeps it
FREEBSD = _rpsutil.FREEBSD
OPENBSD = _rpsutil.OPENBSD
NETBSD = _rpsutil.NETBSD
BSD = _rpsutil.BSD
SUNOS = _rpsutil.SUNOS
AIX = _rpsutil.AIX

STATUS_RUNNING = "running"
STATUS_SLEEPING = "sleeping"
STATUS_DISK_SLEEP = "disk-sleep"
STATUS_STOPPED = "stopped"
STATUS_TRACING_STOP = "tracing-stop"
STATUS_ZOMBIE = "zombie"
STATUS_DEAD = "dead"
STATUS_WAKING = "waking"
STATUS_IDLE = "idle"
STATUS_LOCKED = "locked"
STATUS_WAITING = "waiting"
STATUS_PARKED = "parked"

CONN_ESTABLISHED = "ESTABLISHED"
CONN_SYN_SENT = "SYN_SENT"
CONN_SYN_RECV = "SYN_RECV"
CONN_FIN_WAIT1 = "FIN_WAIT1"
CONN_FIN_WAIT2 = "FIN_WAIT2"
CONN_TIME_WAIT = "TIME_WAIT"
CONN_CLOSE = "CLOSE"
CONN_CLOSE_WAIT = "CLOSE_WAIT"
CONN_LAST_ACK = "LAST_ACK"
CONN_LISTEN = "LISTEN"
CONN_CLOSING = "CLOSING"
CONN_NONE = "NONE"
if WINDOWS:
    CONN_DELETE_TCB = "DELETE_TCB"

NIC_DUPLEX_FULL = NicDuplex.NIC_DUPLEX_FULL
NIC_DUPLEX_HALF = NicDuplex.NIC_DUPLEX_HALF
NIC_DUPLEX_UNKNOWN = NicDuplex.NIC_DUPLEX_UNKNOWN
POWER_TIME_UNKNOWN = BatteryTime.POWER_TIME_UNKNOWN
POWER_TIME_UNLIMITED = BatteryTime.POWER_TIME_UNLIMITED

globals().update(IOPriority.__members__)
if LINUX:
    import enum as _enum

    # psutil's AF_LINK on Linux: an IntEnum member equal to socket.AF_PACKET.
    AF_LINK = _enum.IntEnum("AddressFamily", {"AF_LINK": _rpsutil._AF_LINK}).AF_LINK
else:
    AF_LINK = _rpsutil._AF_LINK

if _rpsutil._rlimits():
    RLIM_INFINITY = _rpsutil.RLIM_INFINITY
    globals().update(_rpsutil._rlimits())

# --- processes ----------------------------------------------------------------


class Process(_rpsutil._ProcessBase):
    """A process by pid (None: the calling process), as psutil's Process.

    Raises NoSuchProcess if there is no such process. Methods raise NoSuchProcess
    once it ended (or its pid was reused), AccessDenied when the OS refuses.
    """

    def __init__(self, pid=None):
        self._init(pid)

    def connections(self, kind="inet"):
        """Deprecated: use net_connections()."""
        warnings.warn(
            "connections() is deprecated and will be removed; use net_connections() instead",
            category=DeprecationWarning,
            stacklevel=2,
        )
        return self.net_connections(kind=kind)


Process.__module__ = __name__


class Popen(Process):
    """subprocess.Popen and Process in one object: the child is started with
    subprocess.Popen's arguments; unknown attributes (stdin, communicate(),
    returncode...) come from the subprocess.Popen object.
    """

    def __init__(self, *args, **kwargs):
        # Set first, so that attribute lookups during _init find it.
        self.__dict__["_subproc"] = subprocess.Popen(*args, **kwargs)
        self._init(self._subproc.pid)

    def __dir__(self):
        return sorted(set(dir(Popen) + dir(subprocess.Popen)))

    def __enter__(self):
        if hasattr(self._subproc, "__enter__"):
            self._subproc.__enter__()
        return self

    def __exit__(self, *args, **kwargs):
        return self._subproc.__exit__(*args, **kwargs)

    def __getattr__(self, name):
        # Only reached when Process has no such attribute.
        sub = self.__dict__.get("_subproc")
        if sub is not None:
            try:
                return getattr(sub, name)
            except AttributeError:
                pass
        raise AttributeError(f"{self.__class__!r} has no attribute {name!r}")

    def wait(self, timeout=None):
        """Waits for the child; its exit status is also set on the subprocess."""
        if self._subproc.returncode is not None:
            return self._subproc.returncode
        ret = super().wait(timeout)
        self._subproc.returncode = ret
        return ret


Popen.__module__ = __name__


def _unavailable(name):
    # hasattr() is psutil's availability test: a descriptor raising AttributeError
    # makes hasattr(Process, name) False for methods this OS does not have.
    class Missing:
        def __get__(self, obj, cls=None):
            raise AttributeError(f"{name} is not available on this platform")

    return Missing()


_FUNCS, _METHODS = _rpsutil._available()
for _kind, _name in _rpsutil._all_capabilities():
    if _kind == "method" and _name not in _METHODS and hasattr(_rpsutil._ProcessBase, _name):
        setattr(Process, _name, _unavailable(_name))


def pids():
    """Every pid, sorted."""
    return _rpsutil.pids()


def pid_exists(pid):
    """True if pid exists (False for a negative pid)."""
    return _rpsutil.pid_exists(pid)


_pmap = {}
_pids_reused = set()
_AS_DICT_NAMES = frozenset(_rpsutil._as_dict_names())


# process_iter(attrs) reads processes in batches of this many, with the GIL released
# and on up to _SCAN_THREADS threads: a loop that stops early has read at most one
# batch ahead.
_SCAN_BATCH = 64
_SCAN_THREADS = max(1, min(4, os.cpu_count() or 1))


def _overridden(names):
    # Attributes (or as_dict itself) that a mock replaced on Process must be read
    # through Python, as psutil's as_dict does (getattr(proc, name)()).
    base = _rpsutil._ProcessBase
    if Process.as_dict is not base.as_dict:
        return True
    return any(getattr(Process, n, None) is not getattr(base, n, None) for n in names if n != "pid")


def process_iter(attrs=None, ad_value=None):
    """Yields a Process for every running process, by pid.

    Process objects are cached between calls (in `_pmap`), so methods that compare
    with the previous call (cpu_percent) work across iterations. With `attrs`, each
    process gets an `info` dict: `as_dict(attrs, ad_value)` (`[]`: every attribute).
    """
    global _pmap
    pmap = _pmap.copy()
    current = pids()
    live = set(current)
    for pid in list(pmap):
        if pid not in live:
            del pmap[pid]
    while _pids_reused:
        pmap.pop(_pids_reused.pop(), None)
    names = None
    if attrs is not None:
        names = _rpsutil._check_attrs(attrs)
    try:
        if names is None or _overridden(names or list(_AS_DICT_NAMES)):
            for pid in current:
                proc = pmap.get(pid)
                try:
                    if proc is None:
                        proc = Process(pid)
                        pmap[pid] = proc
                    if attrs is not None:
                        proc.info = proc.as_dict(attrs=attrs, ad_value=ad_value)
                    yield proc
                except NoSuchProcess:
                    pmap.pop(pid, None)
            return
        for start in range(0, len(current), _SCAN_BATCH):
            batch = [(pid, pmap.get(pid)) for pid in current[start : start + _SCAN_BATCH]]
            rows = _rpsutil._snapshot(batch, names, ad_value, _SCAN_THREADS)
            for pid, proc, info in rows:
                if proc is None:
                    pmap.pop(pid, None)
                    continue
                pmap[pid] = proc
                proc.info = info
                yield proc
    finally:
        _pmap = pmap


def _clear_pmap():
    """Clears process_iter()'s cache."""
    _pmap.clear()


process_iter.cache_clear = _clear_pmap


def wait_procs(procs, timeout=None, callback=None):
    """Waits for several processes; returns (gone, alive).

    Each gone process gets a `returncode` attribute and is passed to `callback`.
    Never raises TimeoutExpired: what is still running after `timeout` is `alive`.
    """
    if timeout is not None and not timeout >= 0:
        raise ValueError(f"timeout must be a positive integer, got {timeout}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback {callback!r} is not a callable")
    gone, alive = [], list(procs)
    deadline = None if timeout is None else time.monotonic() + timeout

    def reap(proc, wait_for):
        try:
            code = proc.wait(timeout=wait_for)
        except (TimeoutExpired, subprocess.TimeoutExpired):
            return False
        if code is None and proc.is_running():
            return False
        proc.returncode = code
        gone.append(proc)
        if callback is not None:
            callback(proc)
        return True

    while alive:
        if deadline is not None and time.monotonic() >= deadline:
            break
        # Share each round's second between the processes still alive.
        slice_ = 1.0 / len(alive)
        for proc in list(alive):
            wait_for = slice_
            if deadline is not None:
                wait_for = min(slice_, deadline - time.monotonic())
                if wait_for <= 0:
                    break
            if reap(proc, wait_for):
                alive.remove(proc)
    # One last non-blocking look at what is left.
    for proc in list(alive):
        if reap(proc, 0):
            alive.remove(proc)
    return gone, alive


# --- system -------------------------------------------------------------------

cpu_count = _rpsutil.cpu_count
cpu_times = _rpsutil.cpu_times
cpu_percent = _rpsutil.cpu_percent
cpu_times_percent = _rpsutil.cpu_times_percent
cpu_stats = _rpsutil.cpu_stats
cpu_freq = _rpsutil.cpu_freq
getloadavg = _rpsutil.getloadavg
virtual_memory = _rpsutil.virtual_memory
swap_memory = _rpsutil.swap_memory
disk_usage = _rpsutil.disk_usage
disk_partitions = _rpsutil.disk_partitions
net_connections = _rpsutil.net_connections
net_if_addrs = _rpsutil.net_if_addrs
net_if_stats = _rpsutil.net_if_stats
sensors_temperatures = _rpsutil.sensors_temperatures
sensors_fans = _rpsutil.sensors_fans
sensors_battery = _rpsutil.sensors_battery
boot_time = _rpsutil.boot_time
users = _rpsutil.users
heap_info = _rpsutil.heap_info
heap_trim = _rpsutil.heap_trim


def disk_io_counters(perdisk=False, nowrap=True):
    """System-wide disk I/O counters (a dict per disk with `perdisk`); None when
    the system has no disks. With `nowrap`, counters that wrapped keep growing.
    """
    return _rpsutil.disk_io_counters(perdisk, nowrap)


disk_io_counters.cache_clear = _rpsutil.disk_io_counters_cache_clear


def net_io_counters(pernic=False, nowrap=True):
    """System-wide network I/O counters (a dict per NIC with `pernic`); None when
    the system has no NICs. With `nowrap`, counters that wrapped keep growing.
    """
    return _rpsutil.net_io_counters(pernic, nowrap)


net_io_counters.cache_clear = _rpsutil.net_io_counters_cache_clear

# Functions psutil has on this OS but this build does not implement (or psutil
# does not have here) are not defined: psutil's availability test is hasattr().
for _kind, _name in _rpsutil._all_capabilities():
    if _kind == "function" and _name not in _FUNCS and _name in globals():
        del globals()[_name]
# win_service_iter/win_service_get are not bound yet (the Windows build of this
# module is type-checked only; README).


# --- private names psutil's tests and scripts use ------------------------------


def _cpu_tot_time(times):
    """All CPU time of a scputimes (on Linux guest time is already in user/nice)."""
    total = sum(times)
    if LINUX:
        total -= times.guest + times.guest_nice
    return total


def _cpu_busy_time(times):
    """CPU time that was not idle (nor waiting for I/O)."""
    return _cpu_tot_time(times) - times.idle - getattr(times, "iowait", 0)


def _set_debug(value):
    """Turns debug messages on stderr on or off (PSUTIL_DEBUG)."""
    _common.PSUTIL_DEBUG = bool(value)


class _Module(types.ModuleType):
    """The module's type: makes PROCFS_PATH a writable attribute the Rust library
    reads, as psutil's (`psutil.PROCFS_PATH = "/host/proc"`)."""

    @property
    def PROCFS_PATH(self):  # noqa: N802
        return _rpsutil.get_procfs_path()

    @PROCFS_PATH.setter
    def PROCFS_PATH(self, value):  # noqa: N802
        _rpsutil.set_procfs_path(value)


if "PROCFS_PATH" in _FUNCS:
    sys.modules[__name__].__class__ = _Module


def __dir__():
    # PROCFS_PATH lives on the module's type; list it with the rest.
    extra = ["PROCFS_PATH"] if "PROCFS_PATH" in _FUNCS else []
    return sorted(list(globals()) + extra)

_EXCLUDED = {"debug", "pwd", "types", "warnings"}
__all__ = sorted(
    n
    for n, v in globals().items()
    if not n.startswith("_")
    and n not in _EXCLUDED
    and not isinstance(v, types.ModuleType)
)
if "PROCFS_PATH" in _FUNCS:
    __all__.append("PROCFS_PATH")
del _kind, _name, _EXCLUDED
