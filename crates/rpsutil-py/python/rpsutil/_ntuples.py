"""Every namedtuple psutil returns, with this OS's fields in psutil's order.

The fields come from the Rust library's per-OS table (`rpsutil::types::fields`), so
the Rust results and these classes cannot disagree. They are real
`collections.namedtuple` classes defined in this module, so they pickle by name.
"""

from collections import namedtuple as _namedtuple

from . import _rpsutil

NTUPLES = {}
for _name, _fields in _rpsutil._ntuple_fields().items():
    NTUPLES[_name] = globals()[_name] = _namedtuple(_name, _fields, module=__name__)
del _name, _fields

__all__ = sorted(NTUPLES)
