"""psutil's exception hierarchy, with psutil's attributes, messages and pickling.

Error > NoSuchProcess > ZombieProcess; Error > AccessDenied; Error > TimeoutExpired.
The Rust extension raises these classes.
"""

__all__ = ["Error", "NoSuchProcess", "ZombieProcess", "AccessDenied", "TimeoutExpired"]


def _details(exc, names):
    # An attribute shows only when truthy, except pid 0 (a real pid).
    out = {}
    for name in names:
        value = getattr(exc, name, None)
        if value or (name == "pid" and value == 0):
            out[name] = value
    return out


class Error(Exception):
    """Base class of every exception this module raises."""

    def __str__(self):
        info = _details(self, ("pid", "ppid", "name"))
        details = ""
        if info:
            details = "(" + ", ".join(f"{k}={v!r}" for k, v in info.items()) + ")"
        return " ".join(x for x in (getattr(self, "msg", ""), details) if x)

    def __repr__(self):
        info = _details(self, ("pid", "ppid", "name", "seconds", "msg"))
        inner = ", ".join(f"{k}={v!r}" for k, v in info.items())
        return f"{type(self).__module__}.{type(self).__name__}({inner})"


class NoSuchProcess(Error):
    """The process no longer exists (or its pid now belongs to another process)."""

    def __init__(self, pid, name=None, msg=None):
        Error.__init__(self)
        self.pid = pid
        self.name = name
        self.msg = msg or "process no longer exists"

    def __reduce__(self):
        return (type(self), (self.pid, self.name, self.msg))


class ZombieProcess(NoSuchProcess):
    """The process is a zombie: it ended and its parent has not reaped it."""

    def __init__(self, pid, name=None, ppid=None, msg=None):
        NoSuchProcess.__init__(self, pid, name, msg)
        self.ppid = ppid
        self.msg = msg or "PID still exists but it's a zombie"

    def __reduce__(self):
        return (type(self), (self.pid, self.name, self.ppid, self.msg))


class AccessDenied(Error):
    """The OS refused to say (permissions)."""

    def __init__(self, pid=None, name=None, msg=None):
        Error.__init__(self)
        self.pid = pid
        self.name = name
        self.msg = msg or ""

    def __reduce__(self):
        return (type(self), (self.pid, self.name, self.msg))


class TimeoutExpired(Error):
    """wait() ran out of time before the process ended."""

    def __init__(self, seconds, pid=None, name=None):
        Error.__init__(self)
        self.seconds = seconds
        self.pid = pid
        self.name = name
        self.msg = f"timeout after {seconds} seconds"

    def __reduce__(self):
        return (type(self), (self.seconds, self.pid, self.name))


for _cls in (Error, NoSuchProcess, ZombieProcess, AccessDenied, TimeoutExpired):
    _cls.__module__ = "rpsutil"
del _cls
