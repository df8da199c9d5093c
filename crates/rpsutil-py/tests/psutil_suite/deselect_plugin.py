"""pytest plugin (`-p deselect_plugin`): deselects the psutil test ids listed in the
file named by $PSUTIL_DESELECT_FILE (one node id per line, '#' comments), so that
psutil's tests run unmodified."""

import os


def pytest_collection_modifyitems(config, items):
    path = os.environ.get("PSUTIL_DESELECT_FILE")
    if not path:
        return
    with open(path) as f:
        drop = {ln.strip() for ln in f if ln.strip() and not ln.startswith("#")}
    keep, gone = [], []
    for item in items:
        (gone if item.nodeid.split("[")[0] in drop else keep).append(item)
    if gone:
        config.hook.pytest_deselected(items=gone)
        items[:] = keep
