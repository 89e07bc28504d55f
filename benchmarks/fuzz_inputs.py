"""Random input against the engine: random equations, random bytes, and the kinds of bad input
that once reached internal errors, through the API and the command line, counting what each
raised and timing the slowest case.

    python benchmarks/fuzz_inputs.py [--cases 20000] [--expressions 10000] [--bytes 2000] [--seed 0]

Each random equation is written into a small model, in one of the places an expression may stand
(an auxiliary, a stock's initial value, an event's condition or value, a balance check, an
exogenous series); each random byte string is written as a .yaml, .xmile or .stmx file (pure noise,
printable noise, or a real model with bytes changed). Vensim edits change a .mdl model (lines
deleted, repeated or swapped, characters and tokens, arguments dropped, the text cut short). The
other classes write a model with one odd part: unreadable time units (YAML and XMILE), integers of
hundreds to thousands of digits wherever a number is read, names the engine or the results file
uses for itself, long chains of comparisons and MOD (YAML and XMILE), module names and module lists
of every type, odd paths in 'extends' and 'modules'. Every file goes through
``engine.load(...).run()`` and through ``carbonloop validate`` (``carbonloop run``, which writes
the results file, for the names). A last class calls the API with arguments of the wrong type
(``run(params=...)``, ``with_time``, ``load``). ``--cases N`` shares N cases out among all classes
(half of them random equations).
The engine passes when everything either works or raises its own errors (``ModelError`` and its
kinds; the command exits with 0 or 2), and no case takes more than 2 s.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

os.environ.setdefault("CARBONLOOP_BACKEND", "numpy")      # no kernel compiled per random model

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402
from engine.cli import main as cli  # noqa: E402
from engine.errors import ModelError  # noqa: E402

LIMIT_S = 2.0           # the slowest case must stay under this
GIVE_UP_S = 30.0        # a case still running after this is recorded as a hang

MODEL = """scenario: fuzz
time: {{start: 0, stop: 5, dt: 0.5}}
stocks:
  tea: {{initial: {initial}, outflows: [loss]}}
flows:
  loss: (tea - room) / tau
auxiliaries:
  probe: {aux}
parameters:
  room: {{value: 70, range: [0, 100]}}
  tau: {{value: 10, range: [1, 100]}}
lookups:
  curve: {{points: [[0, 0], [1, 1]]}}
{extra}"""
PLACES = ("aux", "initial", "when", "set", "check", "exogenous")
VOCABULARY = ["tea", "room", "tau", "loss", "probe", "curve(", "time", "dt", "pi", "final_time", "TIME",
              "(", ")", "(", ")", ",", "+", "-", "*", "/", "^", "**", "<", ">=", "=", "==", "<>", "!=",
              "and", "or", "not", "if", "then", "else", "0", "1", "2.5", "1e308", "1e999", "-1e-320", "0.0",
              "min(", "max(", "exp(", "ln(", "sqrt(", "mod(", "step(", "ramp(", "pulse(", "pulse_train(",
              "clip(", "zidz(", "xidz(", "if_then_else(", "smooth(", "smooth3(", "smoothn(", "delay_fixed(",
              "delay1(", "delayn(", "trend(", "init(", "previous(", "lookup(", "sum(", "random(",
              "__import__", "os", ".", "system", "'", '"', "[", "]", "{", "}", ":", ";", "lambda", "for",
              "in", "@", "#", "\\", "\n", "\t", " ", "é", "∑", "\x00", "\x08"]


def random_expression(rng) -> str:
    """Token soup, a random well-formed expression, or random characters."""
    kind = rng.integers(3)
    if kind == 0:
        return "".join(rng.choice(VOCABULARY, size=rng.integers(0, 25)))
    if kind == 1:
        return _tree(rng, int(rng.integers(0, 6)))
    chars = rng.integers(0, 0x250, size=rng.integers(0, 40))
    return "".join(chr(c) for c in chars)


def _tree(rng, depth: int) -> str:
    if depth == 0 or rng.random() < 0.2:
        return str(rng.choice(["tea", "room", "tau", "time", "dt", "1", "0", "2.5", "1e300", "-3"]))
    pick = rng.integers(5)
    if pick == 0:
        return f"({_tree(rng, depth - 1)} {rng.choice(['+', '-', '*', '/', '^', '<', 'and'])} {_tree(rng, depth - 1)})"
    if pick == 1:
        fn, n = [("min", 2), ("max", 3), ("exp", 1), ("ln", 1), ("sqrt", 1), ("mod", 2), ("clip", 3),
                 ("step", 2), ("smooth", 2), ("delay_fixed", 3), ("curve", 1), ("zidz", 2)][rng.integers(12)]
        n = max(0, n + int(rng.integers(-1, 2)))            # sometimes the wrong number of arguments
        return f"{fn}(" + ", ".join(_tree(rng, depth - 1) for _ in range(n)) + ")"
    if pick == 2:
        return f"if {_tree(rng, depth - 1)} then {_tree(rng, depth - 1)} else {_tree(rng, depth - 1)}"
    if pick == 3:
        return f"-{_tree(rng, depth - 1)}"
    return f"not {_tree(rng, depth - 1)}"


def model_with(expr: str, place: str) -> str:
    """The fuzz model with ``expr`` written at ``place`` (as a YAML double-quoted string)."""
    q = json.dumps(expr)
    extra = {"when": f"events:\n  - {{name: e, when: {q}, set: {{room: 60}}}}\n",
             "set": f"events:\n  - {{name: e, at: 2, set: {{room: {q}}}}}\n",
             "check": f"checks:\n  - {{name: c, lhs: {q}, rhs: tea, tolerance: 1}}\n",
             "exogenous": f"exogenous:\n  room: {{equation: {q}}}\n"}.get(place, "")
    return MODEL.format(initial=q if place == "initial" else "180", aux=q if place == "aux" else "1",
                        extra=extra)


def random_bytes(rng, seeds: dict) -> tuple[bytes, str]:
    """Random bytes and the suffix to write them under."""
    suffix = str(rng.choice([".yaml", ".xmile", ".stmx"]))
    kind = rng.integers(3)
    if kind == 0:
        data = rng.integers(0, 256, size=rng.integers(0, 2000), dtype=np.uint8).tobytes()
    elif kind == 1:
        data = rng.integers(9, 127, size=rng.integers(0, 2000), dtype=np.uint8).tobytes()
    else:
        base = bytearray(seeds[".yaml" if suffix == ".yaml" else ".xmile"])
        for _ in range(int(rng.integers(1, 20))):
            at = int(rng.integers(0, len(base)))
            op = rng.integers(3)
            if op == 0:
                base[at] = int(rng.integers(0, 256))
            elif op == 1:
                del base[at]
            else:
                base.insert(at, int(rng.integers(0, 256)))
        data = bytes(base)
    return data, suffix


XMILE_MODEL = """<?xml version="1.0" encoding="utf-8"?>
<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
<header><name>fuzz</name></header>
<sim_specs{time_units}><start>0</start><stop>5</stop><dt>0.5</dt></sim_specs>
<model><variables>
<stock name="tea"><eqn>180</eqn><outflow>loss</outflow></stock>
<flow name="loss"><eqn>(tea - room) / 10</eqn></flow>
<aux name="room"><eqn>70</eqn></aux>
{extra}
</variables></model>
{models}
</xmile>
"""
UNITS = ["1/(year", "/", "{}", "Month-->", "year)", "((", "m^x", "kg/", "$", "1/0", "year^1e400", "€/t",
         "a b c", "month", "1/year", "", " ", "\x00", "é", "years/(month*day)", "--", "^2", "**", "1e999"]
NAMES = ["run", "time", "check__c", "check__balance", "smooth", "delay", "delay1", "smooth3", "dt", "pi",
         "if", "and", "__x", "_x", "x_", "chunk_done", "parameter", "unit_samples", "min", "max", "exp",
         "step", "ramp", "sum", "lookup", "init", "TIME", "Run", "final_time", "a" * 300, "x" * 40, "sqrt"]
ODD_PATHS = ["/", "", ".", "..", "../..", "~", "/dev/null", "/proc/self/environ", "C:\\x.yaml", "a" * 300,
             "a/" * 200 + "b", "folder", "folder/", "nul\x00.yaml", "\\\\server\\share", "%s%n", "$HOME/x",
             "seed.xmile", "expr.yaml", "https://example.com/x.yaml", "* ", "-", "-o", "--help"]
# a Vensim model using the reader's main forms (subscripts, :EXCEPT:, a macro, lookups, SMOOTH,
# DELAY N, time settings of each other), edited at random by ``vensim_edit``
VENSIM_MODEL = """{UTF-8}
:MACRO: DOUBLE(x)
DOUBLE = 2 * x
	~	Widget
	~	|
:END OF MACRO:
region: north, south, east
	~	|
stock[region] = INTEG(inflow[region] - outflow[region], 10)
	~	Widget
	~	A stock per region.	|
inflow[region] = SMOOTH(demand[region], 2) + DOUBLE(1)
	~	Widget/Month
	~	|
outflow[region] :EXCEPT: [east] = stock[region] / life
	~	Widget/Month
	~	|
outflow[east] = DELAY N(inflow[east], 3, 0, 2)
	~	Widget/Month
	~	|
demand[region] = IF THEN ELSE(Time > 5, curve(Time), 1) * share[region]
	~	Widget/Month
	~	|
share[region] = 0.2, 0.3, 0.5
	~	Dmnl
	~	|
total = SUM(stock[region!]) + XIDZ(1, life - 4, 0)
	~	Widget
	~	|
curve([(0, 0) - (10, 5)], (0, 1), (5, 2), (10, 4))
	~	Dmnl
	~	|
life = 4
	~	Month
	~	|
INITIAL TIME = 0
	~	Month
	~	|
FINAL TIME = 10
	~	Month
	~	|
TIME STEP = 0.5
	~	Month
	~	|
SAVEPER = TIME STEP
	~	Month
	~	|
"""
VENSIM_TOKENS = [" + ", " * ", "(", ")", "[", "]", ",", "IF THEN ELSE(", " :EXCEPT: ", " -> ", ":=", ":NA:",
                 "1e999", "-", "Time", "DELAY N(", "INTEG(", ":AND:", '"', "!", "..", "|", "~", "SAVEPER",
                 "TIME STEP", "region", "east", "DOUBLE(", ":MACRO:", ":END OF MACRO:", "\\\\", "{", "}"]


def vensim_edit(rng) -> str:
    """``VENSIM_MODEL`` with one to three random edits: a line deleted, repeated or swapped, a
    character changed or deleted, a token inserted, an argument dropped, or the text cut short."""
    text = VENSIM_MODEL
    for _ in range(int(rng.integers(1, 4))):
        lines = text.split("\n")
        i, j = int(rng.integers(len(lines))), int(rng.integers(len(lines)))
        kind = int(rng.integers(7))
        if kind == 0:
            del lines[i]
        elif kind == 1:
            lines.insert(i, lines[i])
        elif kind == 2:
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == 3:
            at = int(rng.integers(len(lines[i]) + 1))
            lines[i] = lines[i][:at] + VENSIM_TOKENS[int(rng.integers(len(VENSIM_TOKENS)))] + lines[i][at:]
        elif kind == 4 and lines[i]:
            at = int(rng.integers(len(lines[i])))
            chars = "()[],;:=|~!-+*/^<>0123456789.eE aZ_\t"
            lines[i] = lines[i][:at] + (chars[int(rng.integers(len(chars)))] if rng.random() < 0.5 else "") + \
                lines[i][at + 1:]
        elif kind == 5 and "," in lines[i]:
            at = lines[i].rfind(",")
            close = lines[i].find(")", at)
            lines[i] = lines[i][:at] + (lines[i][close:] if close > 0 else "")
        elif kind == 6:
            return "\n".join(lines)[:int(rng.integers(len(text) + 1))]
        text = "\n".join(lines)
    return text


CLASSES = ("time units", "huge integers", "reserved names", "comparison chains", "module names",
           "odd paths", "vensim edits", "api arguments")


def huge_integer(rng) -> str:
    """An unquoted integer of 300 to 6,000 digits (over a float's range from 309 on)."""
    digits = int(rng.choice([309, 310, 400, 1000, 4300, 4301, 6000]))
    return str(int(rng.integers(1, 10))) + "".join(str(d) for d in rng.integers(0, 10, size=digits - 1))


def class_case(rng, kind: str) -> tuple[str, str]:
    """(text, suffix) of one model with one odd part of the class ``kind``."""
    pick = lambda xs: xs[int(rng.integers(len(xs)))]     # noqa: E731
    if kind == "vensim edits":
        return vensim_edit(rng), ".mdl"
    if kind == "time units":
        units = pick(UNITS)
        if rng.random() < 0.5:
            time_line = f"time: {{start: 0, stop: 5, dt: 0.5, units: {json.dumps(units)}}}"
            return MODEL.format(initial="180", aux="1", extra="").replace(
                "time: {start: 0, stop: 5, dt: 0.5}", time_line), ".yaml"
        return XMILE_MODEL.format(time_units=f' time_units="{_xml(units)}"', extra="", models=""), ".xmile"
    if kind == "huge integers":
        n = huge_integer(rng)
        where = int(rng.integers(9))
        extra = ["", "", "", f"events:\n  - {{name: e, at: {n}, set: {{room: 60}}}}\n",
                 f"events:\n  - {{name: e, at: 2, set: {{room: {n}}}}}\n", "", f"exogenous:\n  room: {n}\n",
                 f"exogenous:\n  room: {{table: [[0, 70], [1, {n}]]}}\n", f"overrides:\n  tau: {n}\n"][where]
        text = MODEL.format(initial=n if where == 1 else "180", aux=n if where == 0 else "1", extra=extra)
        if where == 2:
            text = text.replace("value: 70", f"value: {n}")
        if where == 5:
            text = text.replace("[[0, 0], [1, 1]]", f"[[0, 0], [1, {n}]]")
        return text, ".yaml"
    if kind == "reserved names":
        name = pick(NAMES)
        extra = f"checks:\n  - {{name: {pick(['c', 'balance', name])}, lhs: tea, rhs: tea, tolerance: 1}}\n" \
            if rng.random() < 0.5 else ""
        use = pick([f"{name} + 1", f"{name}(tea, 2)", "tea", f"smooth(tea, {name})"])
        return MODEL.format(initial="180", aux=json.dumps(use), extra=extra).replace(
            "  probe: ", f"  {json.dumps(name)}: tea * 2\n  probe: "), ".yaml"
    if kind == "comparison chains":
        n = int(rng.choice([2, 10, 64, 80, 81, 82, 200, 500, 2000]))
        op = pick(["=", "<>", "<", ">=", "MOD", "=="])
        chain = f" {op} ".join(["1"] * n)
        if rng.random() < 0.5:
            return MODEL.format(initial="180", aux=json.dumps(chain), extra=""), ".yaml"
        return XMILE_MODEL.format(time_units="", extra=f'<aux name="c"><eqn>{_xml(chain)}</eqn></aux>',
                                  models=""), ".xmile"
    if kind == "module names":
        value = pick(["[a, b]", "{a: 1}", "1", "true", "null", '"a/b"', '"../x"', '""', '"' + "m" * 300 + '"',
                      "m", '"_m"', "[]", '"run"'])
        if rng.random() < 0.5:
            return MODEL.format(initial="180", aux="1", extra="").replace("scenario: fuzz", f"scenario: {value}"), \
                ".yaml"
        inner = pick(["_x", "__x", "x_", "x", "_", "a.b", "run", "time"])
        mod = pick(["sub", "_sub", "Sub", "a b", "run"])
        models = f'<model name="{mod}"><variables><aux name="{inner}"><eqn>TIME + 1</eqn></aux></variables></model>'
        return XMILE_MODEL.format(time_units="", extra=f'<module name="{mod}"/><aux name="total"><eqn>'
                                  f'{mod}.{inner} * 2</eqn></aux>', models=models), ".xmile"
    # odd paths
    path = pick(ODD_PATHS)
    if rng.random() < 0.5:
        return f"extends: {json.dumps(path)}\n", ".yaml"
    return MODEL.format(initial="180", aux="1", extra=f"modules: [{json.dumps(path)}]\n"), ".yaml"


def _xml(text: str) -> str:
    """Text as it may stand in an XML attribute or element."""
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def api_case(rng, loaded) -> str:
    """One call of the API with an argument of a random wrong (or right) type; 'ok' or the error."""
    values = [None, "x", "", 1, 1.5, -1, 0, float("nan"), float("inf"), 10 ** 400, True, [], [1, 2], [[1]], {},
              {"room": {}}, {"room": "warm"}, {"room": 10 ** 400}, {"room": [1, 10 ** 400]}, {"room": float("nan")},
              {"nope": 1}, {1: 2}, {"room": [60, 70]}, {"room": 60}, b"x", object(), "1/2", (1,), {"room": (1, 2)}]
    pick = lambda: values[int(rng.integers(len(values)))]     # noqa: E731
    which = int(rng.integers(4))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if which == 0:
                loaded.run(params=pick(), backend="numpy")
            elif which == 1:
                loaded.with_time(**{str(rng.choice(["start", "stop", "dt", "method", "save_step", "units",
                                                   "nope", "n_steps"])): pick()})
            elif which == 2:
                engine.load(pick())
            else:
                loaded.run(params={"room": 60}, keep=pick(), n_runs=pick(), backend="numpy")
        return "ok"
    except ModelError as exc:
        return type(exc).__name__
    except Hang:
        raise
    except Exception as exc:  # noqa: BLE001 - counted: anything not the engine's own is a defect
        return f"DEFECT {type(exc).__name__}: {str(exc)[:120]}"


class Hang(Exception):
    """A case that ran longer than GIVE_UP_S."""


def _alarm(signum, frame):
    raise Hang()


def through_api(path: Path) -> str:
    """What loading and running the file gave: 'ok', or the name of the exception raised."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            engine.load(path).run(backend="numpy")
        return "ok"
    except ModelError as exc:
        return type(exc).__name__
    except Hang:
        raise
    except Exception as exc:  # noqa: BLE001 - counted: anything not the engine's own is a defect
        return f"DEFECT {type(exc).__name__}: {str(exc)[:120]}"


def through_cli(path: Path, command: str = "validate") -> str:
    """What ``carbonloop validate`` (or ``run``) gave: 'exit 0', 'exit 2', or an internal error (exit 3)."""
    err = io.StringIO()
    argv = ["validate", str(path)] if command == "validate" else \
        ["run", str(path), "-o", str(path.parent / "out" / "results.h5"), "--no-figures", "--backend", "numpy"]
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = cli(argv)
    if status == 3 or "Traceback" in err.getvalue():
        return f"DEFECT exit {status}: {err.getvalue().strip()[:160]}"
    return f"exit {status}"


def run_case(path: Path, label: str, tally: Counter, slow: list, command: str = "validate") -> None:
    """Both ways through the engine, timed; the outcomes are counted under ``label``."""
    for way, fn in (("api", through_api), (command, lambda p: through_cli(p, command))):
        signal.setitimer(signal.ITIMER_REAL, GIVE_UP_S)
        t0 = time.perf_counter()
        try:
            outcome = fn(path)
        except Hang:
            outcome = "DEFECT hang"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        took = time.perf_counter() - t0
        tally[(label, way, outcome)] += 1
        slow.append((took, label, way, path.read_bytes()[:200]))


def main(argv=None) -> int:
    """Run the fuzz cases; print the outcomes, the slowest case and whether the engine passed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, help="total cases, shared out among all classes (overrides the "
                                                   "counts below)")
    ap.add_argument("--expressions", type=int, default=10_000)
    ap.add_argument("--bytes", type=int, default=2_000)
    ap.add_argument("--per-class", type=int, default=300, help="cases of each other class")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.cases is not None:
        args.expressions = args.cases // 2
        args.bytes = args.cases // 10
        args.per_class = (args.cases - args.expressions - args.bytes) // len(CLASSES)
        args.expressions += args.cases - args.expressions - args.bytes - args.per_class * len(CLASSES)
    signal.signal(signal.SIGALRM, _alarm)
    rng = np.random.default_rng(args.seed)
    tally: Counter = Counter()
    slow: list = []
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as d, contextlib.chdir(d):
        folder = Path(d)
        xmile = folder / "seed.xmile"
        with contextlib.redirect_stdout(io.StringIO()):
            cli(["export", str(ROOT / "scenarios" / "teacup.yaml"), "-o", str(xmile)])
        seeds = {".yaml": (ROOT / "scenarios" / "teacup.yaml").read_bytes(), ".xmile": xmile.read_bytes()}
        for i in range(args.expressions):
            place = PLACES[i % len(PLACES)]
            path = folder / "expr.yaml"
            path.write_text(model_with(random_expression(rng), place))
            run_case(path, f"expression ({place})", tally, slow)
        for _ in range(args.bytes):
            data, suffix = random_bytes(rng, seeds)
            path = folder / f"noise{suffix}"
            path.write_bytes(data)
            run_case(path, f"bytes ({suffix})", tally, slow)
        (folder / "folder").mkdir()
        (folder / "folder.yaml").mkdir()
        for kind in CLASSES[:-1]:
            for _ in range(args.per_class):
                text, suffix = class_case(rng, kind)
                path = folder / f"case{suffix}"
                path.write_text(text)
                run_case(path, kind, tally, slow, "run" if kind == "reserved names" else "validate")
        (folder / "seed-model.yaml").write_text(MODEL.format(initial="180", aux="1", extra=""))
        loaded = engine.load(folder / "seed-model.yaml")
        for _ in range(args.per_class):
            signal.setitimer(signal.ITIMER_REAL, GIVE_UP_S)
            t0 = time.perf_counter()
            try:
                outcome = api_case(rng, loaded)
            except Hang:
                outcome = "DEFECT hang"
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            tally[("api arguments", "api", outcome)] += 1
            slow.append((time.perf_counter() - t0, "api arguments", "api", b""))
    report(tally, slow, time.perf_counter() - t_start)
    defects = sum(n for (_, _, outcome), n in tally.items() if outcome.startswith("DEFECT"))
    worst = max(slow)[0] if slow else 0.0
    print(f"\nengine's own errors only: {'yes' if not defects else f'NO ({defects} defects)'}; "
          f"slowest case {worst:.2f} s ({'under' if worst < LIMIT_S else 'OVER'} {LIMIT_S:g} s)")
    return 0 if not defects and worst < LIMIT_S else 1


def report(tally: Counter, slow: list, seconds: float) -> None:
    """Print the outcomes per kind of input and way through, and the timing."""
    print(f"{'input':<24}{'through':<10}{'outcome':<40}{'cases':>8}")
    for (label, way, outcome), n in sorted(tally.items()):
        print(f"{label:<24}{way:<10}{outcome[:40]:<40}{n:>8,}")
    times = np.array([s[0] for s in slow])
    took, label, way, head = max(slow)
    print(f"\n{len(times):,} cases in {seconds:.0f} s; per case median {np.median(times) * 1e3:.1f} ms, "
          f"99th percentile {np.percentile(times, 99) * 1e3:.1f} ms")
    print(f"slowest: {took:.2f} s, {label} through {way}: {head!r}")


if __name__ == "__main__":
    sys.exit(main())
