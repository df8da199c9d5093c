"""psutil's enums: NicDuplex, BatteryTime, IOPriority (this OS's classes), Negsignal."""

import enum
import signal

from . import _rpsutil


class NicDuplex(enum.IntEnum):
    """A NIC's duplex (net_if_stats().duplex)."""

    NIC_DUPLEX_FULL = 2
    NIC_DUPLEX_HALF = 1
    NIC_DUPLEX_UNKNOWN = 0


class BatteryTime(enum.IntEnum):
    """sensors_battery().secsleft when it is not a number of seconds."""

    POWER_TIME_UNKNOWN = -1
    POWER_TIME_UNLIMITED = -2


# Linux: IOPRIO_CLASS_NONE/RT/BE/IDLE; Windows: IOPRIO_VERYLOW/LOW/NORMAL/HIGH.
IOPriority = enum.IntEnum("IOPriority", dict(_rpsutil._ioprio_classes()), module=__name__)

if hasattr(signal, "Signals"):
    # wait() of a process a signal ended: minus the signal, as psutil on POSIX.
    Negsignal = enum.IntEnum(
        "Negsignal", {s.name: -s.value for s in signal.Signals}, module=__name__
    )
else:  # pragma: no cover
    Negsignal = int

for _e in (NicDuplex, BatteryTime):
    _e.__module__ = __name__
