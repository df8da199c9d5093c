"""psutil compatibility shim: `import psutil` gives rpsutil.

Put this directory's parent (`compat/`) first on PYTHONPATH and code written for
psutil runs on rpsutil unchanged. The module object *is* rpsutil (so assignments
such as `psutil._pmap = {}` or `psutil.PROCFS_PATH = ...` reach it), its classes
report module "psutil" as psutil's do (reprs and pickles say `psutil.X`), and
psutil's private modules that tests and scripts import (`psutil._common`,
`psutil._psposix`, `psutil._ntuples`) are rpsutil's.
"""

import sys

import rpsutil

for _cls in (
    rpsutil.Error,
    rpsutil.NoSuchProcess,
    rpsutil.ZombieProcess,
    rpsutil.AccessDenied,
    rpsutil.TimeoutExpired,
    rpsutil.Process,
    rpsutil.Popen,
):
    _cls.__module__ = "psutil"

for _sub in ("_common", "_psposix", "_ntuples", "_enums", "_exceptions", "_rpsutil"):
    __import__("rpsutil." + _sub)
    sys.modules["psutil." + _sub] = sys.modules["rpsutil." + _sub]

sys.modules[__name__] = rpsutil
