"""Runs psutil 7.2.2's own test files twice in one go, against real psutil and
against rpsutil through the shim, and compares test by test.

    python compare.py --suite DIR --shim DIR --deselect FILE --known FILE [--out FILE]

DIR (--suite) holds psutil's sdist `tests/` and `scripts/`, unmodified. The only
deselected ids are those of --deselect (tests that patch psutil's internal modules).
Every test that passes with psutil must pass with rpsutil, except the ids listed in
--known, each with its reason (docs/DIFFERENCES.md explains them). The run fails on
any other difference, and also when a --known id passes again (the list must shrink
when a difference is fixed). It prints both sides' pass/skip/fail counts.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

FILES = [
    "tests/test_process.py",
    "tests/test_system.py",
    "tests/test_contracts.py",
    "tests/test_posix.py",
    "tests/test_connections.py",
    "tests/test_unicode.py",
    "tests/test_process_all.py",
    "tests/test_misc.py",
]


def run(suite, pythonpath, deselect, label):
    """Runs pytest on FILES; returns {nodeid: outcome} and the raw counts."""
    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as tmp:
        xml_path = tmp.name
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(pythonpath)
    env["PSUTIL_DESELECT_FILE"] = deselect
    # psutil's helpers start children with the *base* interpreter (realpath of
    # sys.executable); PYTHONPATH carries the venv's packages to them.
    cmd = [
        sys.executable, "-m", "pytest", "-c", os.devnull, "--rootdir=.",
        "-p", "no:cacheprovider", "-p", "deselect_plugin", "-q",
        "-W", "ignore::pytest.PytestUnknownMarkWarning",
        f"--junitxml={xml_path}", "-o", "junit_family=xunit1", *FILES,
    ]
    print(f"--- {label}: {' '.join(cmd)}", flush=True)
    proc = subprocess.run(
        cmd, cwd=suite, env=env, capture_output=True, text=True, errors="backslashreplace"
    )
    tail = "\n".join(proc.stdout.splitlines()[-15:])
    print(tail, flush=True)
    outcomes = {}
    root = ET.parse(xml_path).getroot()
    for case in root.iter("testcase"):
        path = case.get("file") or case.get("classname", "").replace(".", "/")
        cls = case.get("classname", "").split(".")[-1]
        node = f"{path}::{cls}::{case.get('name')}"
        if case.find("skipped") is not None:
            outcome = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        else:
            outcome = "passed"
        # A test reported twice (a failing teardown) counts as failed.
        if outcomes.get(node) != "failed":
            outcomes[node] = outcome
    os.unlink(xml_path)
    return outcomes


def counts(outcomes):
    c = {"passed": 0, "skipped": 0, "failed": 0}
    for o in outcomes.values():
        c[o] += 1
    return c


def read_known(path):
    """{nodeid: reason} from lines `nodeid  # reason`."""
    known = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            node, _, reason = line.partition("#")
            known[node.strip()] = reason.strip()
    return known


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--deselect", required=True)
    ap.add_argument("--known", required=True)
    ap.add_argument("--out")
    args = ap.parse_args()
    # pytest runs in the suite's directory.
    args.shim, args.deselect = os.path.abspath(args.shim), os.path.abspath(args.deselect)

    here = os.path.dirname(os.path.abspath(__file__))
    site = [p for p in sys.path if p.endswith("site-packages")]
    real = run(args.suite, [here, *site], args.deselect, "psutil 7.2.2")
    ours = run(args.suite, [args.shim, here, *site], args.deselect, "rpsutil (shim)")

    import psutil  # the real one: this interpreter has no shim on its path

    assert "rpsutil" not in psutil.__file__, psutil.__file__
    known = read_known(args.known)
    regressions, fixed = [], []
    for node, outcome in sorted(real.items()):
        mine = ours.get(node, "missing")
        if outcome == "passed" and mine != "passed":
            if node in known:
                continue
            regressions.append(f"{node}: psutil passed, rpsutil {mine}")
    for node in known:
        if ours.get(node) == "passed":
            fixed.append(node)
        elif real.get(node) != "passed":
            fixed.append(f"{node} (does not pass with psutil either)")

    cr, co = counts(real), counts(ours)
    with open(args.deselect) as f:
        n_deselect = sum(1 for ln in f if ln.strip() and not ln.startswith("#"))
    print()
    print("| psutil's tests (8 files) | passed | skipped | failed |")
    print("|---|---|---|---|")
    print(f"| psutil 7.2.2 | {cr['passed']} | {cr['skipped']} | {cr['failed']} |")
    print(f"| rpsutil (shim) | {co['passed']} | {co['skipped']} | {co['failed']} |")
    print(f"deselected ids: {n_deselect} (psutil internals); known differences: {len(known)}")
    failed_both = sorted(n for n, o in real.items() if o != "passed" and o != "skipped")
    for node in failed_both:
        print(f"  fails with psutil: {node} (rpsutil: {ours.get(node)})")
    skipped = {side: {n for n, o in res.items() if o == "skipped"} for side, res in (("psutil", real), ("rpsutil", ours))}
    for node in sorted(skipped["psutil"] ^ skipped["rpsutil"]):
        side = "psutil" if node in skipped["psutil"] else "rpsutil"
        print(f"  skipped with {side} only: {node}")
    for node, reason in known.items():
        print(f"  known difference: {node} (rpsutil: {ours.get(node)}): {reason}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"psutil": cr, "rpsutil": co, "regressions": regressions}, f, indent=1)
    ok = True
    if regressions:
        ok = False
        print("\nTests that pass with psutil and not with rpsutil:")
        print("\n".join("  " + r for r in regressions))
    if fixed:
        ok = False
        print("\nListed as known differences but not differing (update the list):")
        print("\n".join("  " + r for r in fixed))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
