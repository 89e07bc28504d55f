"""Checks every request to the app's API before anything is loaded or run: types, names, ranges, sizes."""
from __future__ import annotations

import difflib
import json
import re

from ..model.check import is_finite_number

MAX_BODY_BYTES = 64 * 1024      # a run request is well under 2 kB
MAX_VARIABLES = 32              # variables one request may ask for
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\Z")       # scenario names: file stems, no paths
ELEMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,199}\Z")


class RequestError(Exception):
    """A request the API refuses: ``status`` is the HTTP status, ``message`` says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def _hint(name, candidates) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _refuse_constant(token):
    raise ValueError(f"{token} is not a number JSON allows")


def parse_json(body: bytes):
    """The JSON document of a request body (no NaN or Infinity; UTF-8)."""
    if len(body) > MAX_BODY_BYTES:
        raise RequestError(f"the request body is larger than {MAX_BODY_BYTES} bytes", 413)
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise RequestError("the request body is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        raise RequestError(f"the request body is not valid JSON: {exc}") from None


def fields(obj, required: tuple, optional: tuple = ()) -> dict:
    """``obj`` as a JSON object holding the required keys and no keys but these."""
    if not isinstance(obj, dict):
        raise RequestError("the request body must be a JSON object")
    for key in obj:
        if key not in required and key not in optional:
            raise RequestError(f"unknown field '{key}'{_hint(key, required + optional)}; "
                               f"allowed: {', '.join(required + optional)}")
    for key in required:
        if key not in obj:
            raise RequestError(f"missing field '{key}'")
    return obj


def scenario_name(value, known) -> str:
    """A scenario's name (its file stem in the app's folder); never a path."""
    if not isinstance(value, str) or not NAME.match(value):
        raise RequestError("'scenario' must be the name of a scenario of the folder "
                           "(letters, digits, '_', '-', '.'; no path)")
    if value not in known:
        raise RequestError(f"no scenario '{value}' in the app's folder{_hint(value, known)}", 404)
    return value


def lever_values(value, levers: dict) -> dict:
    """Lever settings ``{parameter: number}``: known levers only, finite, within each lever's range."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RequestError("'params' must be an object mapping lever parameters to numbers")
    out = {}
    for name, v in value.items():
        lever = levers.get(name)
        if lever is None:
            raise RequestError(f"'{name}' is not a lever of this scenario{_hint(name, levers)}")
        if not is_finite_number(v):
            raise RequestError(f"the value of '{name}' must be a finite number, not {json.dumps(v)[:80]}")
        if not lever.low <= v <= lever.high:
            raise RequestError(f"{v:g} is outside the range of '{name}' "
                               f"[{lever.low:g}, {lever.high:g}]")
        out[name] = float(v)
    return out


def variable_names(value, known, what="variables") -> list:
    """A list of distinct variable names the scenario saves, at most ``MAX_VARIABLES``."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise RequestError(f"'{what}' must be a list of variable names")
    if len(value) > MAX_VARIABLES:
        raise RequestError(f"'{what}' asks for {len(value)} variables; at most {MAX_VARIABLES} "
                           "may be asked for at once")
    out: list = []
    for name in value:
        out.append(variable_name(name, known))
    if len(set(out)) != len(out):
        raise RequestError(f"'{what}' names a variable twice")
    return out


def variable_name(name, known) -> str:
    """One variable the scenario saves."""
    if not isinstance(name, str) or not ELEMENT.match(name):
        raise RequestError(f"{json.dumps(name)[:80]} is not a variable name")
    if name not in known:
        raise RequestError(f"'{name}' is not a variable of this scenario{_hint(name, known)}")
    return name


def choice(value, allowed, what) -> str:
    """One of the allowed words."""
    if not isinstance(value, str) or value not in allowed:
        raise RequestError(f"'{what}' must be one of: {', '.join(allowed)}")
    return value
