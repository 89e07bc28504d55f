"""The reserved names every front end, check and backend shares (one set, defined once), and the
names a model's values are stored under in a results file."""
from __future__ import annotations

# variables every model has: the current time, the step, the run's start and stop, and pi
RESERVED = frozenset({"time", "dt", "starttime", "stoptime", "initial_time", "final_time", "pi"})
# the reserved variables once aliases are folded (reserved_key), in the order expressions over
# arrays take them as arguments
CANONICAL = ("time", "dt", "starttime", "stoptime", "pi")
# words of the equation syntax that cannot name an element
KEYWORDS = frozenset({"if", "then", "else", "and", "or", "not"})


def is_reserved(name: str) -> bool:
    """True for a reserved variable or a keyword (case-insensitive)."""
    low = str(name).lower()
    return low in RESERVED or low in KEYWORDS


def reserved_key(name: str) -> str:
    """The canonical spelling of a reserved variable ('Initial_Time' -> 'starttime')."""
    low = name.lower()
    return {"initial_time": "starttime", "final_time": "stoptime"}.get(low, low)


# the datasets a results file keeps beside the model's variables: its two axes
RESULT_AXES = ("time", "run")


def stored_name(name: str) -> str:
    """The name a variable is stored under in an HDF5/netCDF file: engine-made names use ':'
    (``check:balance``), and '/' would be a path, so both become safe characters."""
    return name.replace("/", "_").replace(":", "__")
