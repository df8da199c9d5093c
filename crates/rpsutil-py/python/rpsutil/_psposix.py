"""`psutil._psposix.wait_pid`, which psutil's test helpers use to reap children."""

import os
import time

from ._exceptions import TimeoutExpired


def pid_exists(pid):
    """True if pid exists (kill(pid, 0) does not say ESRCH)."""
    if pid == 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_pid(pid, timeout=None, proc_name=None):
    """Waits for pid to end: its exit code if it is our child (minus the signal that
    ended it), else None once it is gone. TimeoutExpired after `timeout` seconds.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = 0.0001
    while True:
        try:
            got, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            # Not our child: poll until it is gone.
            if not pid_exists(pid):
                return None
        except InterruptedError:
            continue
        else:
            if got != 0:
                if os.WIFEXITED(status):
                    return os.WEXITSTATUS(status)
                if os.WIFSIGNALED(status):
                    return -os.WTERMSIG(status)
                # Stopped or continued: keep waiting.
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutExpired(timeout, pid=pid, name=proc_name)
        time.sleep(delay)
        delay = min(delay * 2, 0.04)
