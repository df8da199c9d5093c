"""rpsutil's own Python tests: what psutil's suite does not check.

    .venv/bin/python -m pytest crates/rpsutil-py/tests/test_rpsutil.py

- the GIL is released while the library reads the system (another Python thread
  keeps running);
- the module is safe to use from several threads at once;
- oneshot() reads shared sources once (psutil's own test of this patches its
  internals; this one watches the values of a process that burns CPU);
- results are psutil's types: namedtuples, enums, picklable, JSON-serialisable.
"""

import json
import os
import pickle
import socket
import subprocess
import sys
import threading
import time

import rpsutil


def spin(seconds):
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
    return n


def test_gil_released_during_blocking_calls():
    # cpu_percent(interval=0.5) sleeps in Rust; with the GIL held, this thread
    # could not count at all meanwhile.
    done = threading.Event()

    def blocker():
        rpsutil.cpu_percent(interval=0.5)
        done.set()

    t = threading.Thread(target=blocker)
    t.start()
    counted = 0
    start = time.monotonic()
    while not done.is_set() and time.monotonic() - start < 5:
        counted += spin(0.01)
    t.join()
    elapsed = time.monotonic() - start
    assert done.is_set()
    assert elapsed >= 0.45
    # A spin of 10 ms counts to thousands; 40 of them ran while the other thread
    # was inside cpu_percent.
    assert counted > 1000


def test_wait_releases_the_gil():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.4)"])
    try:
        p = rpsutil.Process(child.pid)
        result = {}
        t = threading.Thread(target=lambda: result.setdefault("code", p.wait(timeout=5)))
        t.start()
        counted = spin(0.2)
        t.join()
        assert result["code"] == 0
        assert counted > 1000
    finally:
        child.kill()
        child.wait()


def test_threads_share_the_module_safely():
    me = os.getpid()
    errors = []

    def worker():
        try:
            for _ in range(20):
                procs = list(rpsutil.process_iter(["pid", "name", "cpu_percent", "memory_info"]))
                mine = [p for p in procs if p.pid == me]
                assert len(mine) == 1
                assert mine[0].info["name"] == rpsutil.Process().name()
                rpsutil.cpu_percent()
                rpsutil.Process(me).as_dict(["cpu_times", "num_threads"])
        except Exception as e:  # noqa: BLE001  (reported below)
            errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_oneshot_reads_cpu_times_once():
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        p = rpsutil.Process(child.pid)
        # Let it burn some CPU first.
        deadline = time.monotonic() + 5
        while p.cpu_times().user < 0.05 and time.monotonic() < deadline:
            time.sleep(0.01)
        with p.oneshot():
            first = p.cpu_times()
            time.sleep(0.2)  # the child burns ~0.2 s of CPU meanwhile
            second = p.cpu_times()
            assert first == second
            with p.oneshot():  # nested: still the same read
                assert p.cpu_times() == first
        third = p.cpu_times()
        assert third.user + third.system > first.user + first.system
    finally:
        child.kill()
        child.wait()


def test_results_are_psutils_types():
    vm = rpsutil.virtual_memory()
    assert type(vm).__bases__ == (tuple,)
    assert vm._fields[:3] == ("total", "available", "percent")
    assert pickle.loads(pickle.dumps(vm)) == vm
    json.dumps(vm)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        conns = [c for c in rpsutil.Process().net_connections("tcp") if c.laddr and c.laddr.port == port]
        assert len(conns) == 1
        c = conns[0]
        assert c.family is socket.AF_INET
        assert c.type is socket.SOCK_STREAM
        assert c.raddr == ()
        assert c.status == rpsutil.CONN_LISTEN
        assert json.loads(json.dumps(c))[1] == int(socket.AF_INET)
    exc = rpsutil.NoSuchProcess(123, "x")
    back = pickle.loads(pickle.dumps(exc))
    assert (back.pid, back.name, str(back)) == (123, "x", str(exc))
    assert isinstance(rpsutil.Process().ionice().ioclass, rpsutil.IOPriority)


def test_subclass_and_attributes():
    class Mine(rpsutil.Process):
        def __init__(self, pid=None):
            super().__init__(pid)
            self.tag = "mine"

        def name(self):
            return "overridden"

    p = Mine()
    assert p.tag == "mine"
    assert p.pid == os.getpid()
    # as_dict goes through the override, as psutil's getattr(self, name)().
    assert p.as_dict(["name", "pid"]) == {"name": "overridden", "pid": os.getpid()}
    assert p == rpsutil.Process()
    assert "overridden" in str(p)
