"""Helpers psutil keeps in `psutil._common` that code written for psutil imports
(its example scripts use `bytes2human`; its tests use the others).
"""

import datetime
import errno
import functools
import inspect
import os
import socket
import stat
import sys
import threading

PSUTIL_DEBUG = bool(os.getenv("PSUTIL_DEBUG"))

_SYMBOLS = ("B", "K", "M", "G", "T", "P", "E", "Z", "Y")


def bytes2human(n, format="%(value).1f%(symbol)s"):  # noqa: A002
    """10000 -> '9.8K': the largest binary unit that n reaches, as psutil."""
    for power in range(len(_SYMBOLS) - 1, 0, -1):
        unit = 1 << (10 * power)
        if abs(n) >= unit:
            return format % {"value": float(n) / unit, "symbol": _SYMBOLS[power]}
    return format % {"value": n, "symbol": _SYMBOLS[0]}


def usage_percent(used, total, round_=None):
    """used / total in percent (0.0 when total is 0)."""
    try:
        ret = (float(used) / total) * 100
    except ZeroDivisionError:
        return 0.0
    return round(ret, round_) if round_ is not None else ret


def pprint_secs(secs):
    """A start time as psutil's Process.__str__ shows it: the time of day if it
    was today, else the date and time."""
    now = datetime.datetime.now()
    when = datetime.datetime.fromtimestamp(secs)
    fmt = "%H:%M:%S" if when.date() == now.date() else "%Y-%m-%d %H:%M:%S"
    return when.strftime(fmt)


def debug(msg):
    """Prints msg on stderr, with the caller's file and line, when PSUTIL_DEBUG is on."""
    if not PSUTIL_DEBUG:
        return
    caller = inspect.stack()[1]
    if isinstance(msg, Exception):
        msg = f"ignoring {msg}" if isinstance(msg, OSError) else f"ignoring {msg!r}"
    print(f"psutil-debug [{caller.filename}:{caller.lineno}]> {msg}", file=sys.stderr)


def memoize(fun):
    """Caches fun's result per arguments; `fun.cache_clear()` empties the cache."""
    cache = {}

    @functools.wraps(fun)
    def wrapper(*args, **kwargs):
        key = (args, frozenset(sorted(kwargs.items())))
        try:
            return cache[key]
        except KeyError:
            ret = cache[key] = fun(*args, **kwargs)
            return ret

    def cache_clear():
        cache.clear()

    wrapper.cache_clear = cache_clear
    return wrapper


def memoize_when_activated(fun):
    """A method cache that only works between `meth.cache_activate(obj)` and
    `meth.cache_deactivate(obj)` (psutil's oneshot building block)."""

    @functools.wraps(fun)
    def wrapper(self):
        try:
            return self._cache[fun]
        except AttributeError:
            return fun(self)
        except KeyError:
            ret = self._cache[fun] = fun(self)
            return ret

    def cache_activate(proc):
        proc._cache = {}

    def cache_deactivate(proc):
        try:
            del proc._cache
        except AttributeError:
            pass

    wrapper.cache_activate = cache_activate
    wrapper.cache_deactivate = cache_deactivate
    return wrapper


def _stat_strict(path):
    """os.stat, or None when the path does not exist; permission errors raise
    (a file we may not look at is not "absent")."""
    try:
        return os.stat(path)
    except PermissionError:
        raise
    except OSError as err:
        if err.errno in {errno.EPERM, errno.EACCES}:
            raise
        return None


def isfile_strict(path):
    """os.path.isfile that raises on permission errors instead of saying False."""
    st = _stat_strict(path)
    return st is not None and stat.S_ISREG(st.st_mode)


def path_exists_strict(path):
    """os.path.exists that raises on permission errors."""
    return _stat_strict(path) is not None


@memoize
def supports_ipv6():
    """True if this machine can bind an IPv6 socket on ::1."""
    if not socket.has_ipv6 or not hasattr(socket, "AF_INET6"):
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


def parse_environ_block(data):
    """'A=1\\0B=2\\0\\0' -> {'A': '1', 'B': '2'} (entries without '=' skipped)."""
    ret = {}
    for entry in data.split("\0"):
        if not entry:
            if ret or not data:
                break
            continue
        key, sep, value = entry.partition("=")
        # Windows keeps per-drive cwds in entries named "=C:"; skip those.
        if sep and key:
            ret[key] = value
    return ret


def open_binary(fname):
    """Opens fname for reading bytes."""
    return open(fname, "rb", buffering=-1)  # noqa: SIM115


def open_text(fname):
    """Opens fname for reading text as the file system encodes names."""
    return open(  # noqa: SIM115
        fname, encoding=sys.getfilesystemencoding(), errors=_errors()
    )


def _errors():
    return "replace" if os.name == "nt" else "surrogateescape"


_NOT_GIVEN = object()


def cat(fname, fallback=_NOT_GIVEN, _open=open_text):
    """The content of fname, stripped; `fallback` if it cannot be read."""
    if fallback is _NOT_GIVEN:
        with _open(fname) as f:
            return f.read().strip()
    try:
        with _open(fname) as f:
            return f.read().strip()
    except OSError:
        return fallback


def bcat(fname, fallback=_NOT_GIVEN):
    """cat() in bytes."""
    return cat(fname, fallback=fallback, _open=open_binary)


class _WrapNumbers:
    """Keeps counters that wrap (or reset) growing: psutil's nowrap logic."""

    def __init__(self):
        self.lock = threading.Lock()
        self.cache = {}
        self.reminders = {}
        self.reminder_keys = {}

    def _add_dict(self, input_dict, name):
        self.cache[name] = input_dict
        self.reminders[name] = {}
        self.reminder_keys[name] = {}

    def run(self, input_dict, name):
        if name not in self.cache:
            self._add_dict(input_dict, name)
            return input_dict
        old_dict = self.cache[name]
        for key in set(old_dict) - set(input_dict):
            for rkey in self.reminder_keys[name].pop(key, set()):
                self.reminders[name].pop(rkey, None)
        new_dict = {}
        for key, new in input_dict.items():
            if key not in old_dict:
                new_dict[key] = new
                continue
            old = old_dict[key]
            fixed = []
            for i, (oldv, newv) in enumerate(zip(old, new)):
                rkey = (key, i)
                self.reminders[name].setdefault(rkey, 0)
                if newv < oldv:
                    self.reminders[name][rkey] += oldv
                    self.reminder_keys[name].setdefault(key, set()).add(rkey)
                fixed.append(newv + self.reminders[name][rkey])
            new_dict[key] = type(new)(*fixed)
        self.cache[name] = input_dict
        return new_dict

    def cache_clear(self, name=None):
        with self.lock:
            if name is None:
                self.cache.clear()
                self.reminders.clear()
                self.reminder_keys.clear()
            else:
                self.cache.pop(name, None)
                self.reminders.pop(name, None)
                self.reminder_keys.pop(name, None)

    def cache_info(self):
        with self.lock:
            return (self.cache, self.reminders, self.reminder_keys)


_wn = _WrapNumbers()


def wrap_numbers(input_dict, name):
    """Fixes counters of `input_dict` (name -> namedtuple) that wrapped since the
    last call with the same `name`."""
    with _wn.lock:
        return _wn.run(input_dict, name)


wrap_numbers.cache_clear = _wn.cache_clear
wrap_numbers.cache_info = _wn.cache_info


def broadcast_addr(addr):
    """The broadcast address of a net_if_addrs() entry (ValueError without an
    address or netmask, or for a family other than IPv4/IPv6)."""
    import ipaddress

    if not addr.address:
        raise ValueError("nic address not set")
    if not addr.netmask:
        raise ValueError("nic netmask not set")
    networks = {socket.AF_INET: ipaddress.IPv4Network, socket.AF_INET6: ipaddress.IPv6Network}
    if addr.family not in networks:
        raise ValueError(f"unsupported address family {addr.family}")
    net = networks[addr.family](f"{addr.address}/{addr.netmask}", strict=False)
    return str(net.broadcast_address)


def _conn_tmap():
    # kind -> (families, types) of net_connections(kind), in psutil's order.
    inet46 = [socket.AF_INET, socket.AF_INET6]
    both = [socket.SOCK_STREAM, socket.SOCK_DGRAM]
    tmap = {
        "all": (inet46, both),
        "tcp": (inet46, [socket.SOCK_STREAM]),
        "tcp4": ([socket.AF_INET], [socket.SOCK_STREAM]),
        "udp": (inet46, [socket.SOCK_DGRAM]),
        "udp4": ([socket.AF_INET], [socket.SOCK_DGRAM]),
        "inet": (inet46, both),
        "inet4": ([socket.AF_INET], both),
        "inet6": ([socket.AF_INET6], both),
        "tcp6": ([socket.AF_INET6], [socket.SOCK_STREAM]),
        "udp6": ([socket.AF_INET6], [socket.SOCK_DGRAM]),
    }
    if hasattr(socket, "AF_UNIX"):
        tmap["all"] = ([*inet46, socket.AF_UNIX], both)
        tmap["unix"] = ([socket.AF_UNIX], both)
    return tmap


conn_tmap = _conn_tmap()
