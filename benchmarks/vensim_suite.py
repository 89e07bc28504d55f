"""The whole .mdl suite through carbonloop and through PySD, in one invocation (not a test).

    python benchmarks/vensim_suite.py [--suite ../shared/test-models] [--backend numpy]

Each .mdl file is loaded and run once by each tool (carbonloop: read + compile + run; PySD:
translate + load + run). PySD writes its translation beside the model, so every model's folder
is copied to a temporary folder first (the suite is never written to); the copy is not timed.
Prints both wall times, their ratio, the files each tool ran, the load and first-run times of
the largest model carbonloop reads, and the parse (read) time of a generated 1,000-equation model
in each tool.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def carbonloop_one(path: Path, backend: str):
    """(seconds to load, seconds to run) of one model, or None when carbonloop refuses it."""
    from engine.api import Loaded
    from engine.errors import ModelError
    from engine.frontends import read
    t0 = time.perf_counter()
    try:
        loaded = Loaded(read(path))
        t1 = time.perf_counter()
        loaded.run(check=False, backend=backend)
    except ModelError:
        return None
    return t1 - t0, time.perf_counter() - t1


def pysd_one(path: Path, work: Path):
    """(seconds to translate and load, seconds to run) of one model in PySD, or None on failure."""
    import pysd
    copy = work / path.parent.name
    shutil.copytree(path.parent, copy, dirs_exist_ok=True)
    t0 = time.perf_counter()
    try:
        model = pysd.read_vensim(str(copy / path.name))
        t1 = time.perf_counter()
        model.run()
    except Exception:                   # noqa: BLE001 - any PySD failure counts as 'not run'
        return None
    return t1 - t0, time.perf_counter() - t1


def generated(n: int = 1000) -> str:
    """A .mdl text of ``n`` equations: chains of stocks, flows, lookups, SMOOTH and IF THEN ELSE."""
    out = ["{UTF-8}"]
    k = n // 5
    for i in range(k):
        out += [f"Stock {i} = INTEG(Inflow {i} - Outflow {i}, {i % 7 + 1}) ~ Widget ~ stock {i} |",
                f"Inflow {i} = Effect Table {i}(Stock {(i + 1) % k} / {i % 5 + 2}) * Rate {i} ~ Widget/Month ~ |",
                f"Outflow {i} = IF THEN ELSE(Stock {i} > 5, Stock {i} / Delay {i}, 0) ~ Widget/Month ~ |",
                f"Delay {i} = SMOOTH(Rate {i} * 3 + 1, 2) ~ Month ~ |",
                f"Effect Table {i}([(0,0)-(10,2)], (0,0), (1,0.5), (3,1.2), (10,2)) ~ ~ |"]
    out += [f"Rate {i} = 0.{i % 9 + 1} ~ Month ~ |" for i in range(k)]
    out += ["INITIAL TIME = 0 ~ Month ~ |", "FINAL TIME = 100 ~ Month ~ |",
            "TIME STEP = 0.25 ~ Month ~ |", "SAVEPER = 1 ~ Month ~ |"]
    return "\n".join(out) + "\n"


def parse_times(work: Path) -> tuple:
    """(carbonloop read, PySD translate + load) seconds of the generated 1,000-equation model."""
    import pysd

    from engine.frontends import read
    path = work / "generated_1000.mdl"
    path.write_text(generated())
    t0 = time.perf_counter()
    read(path)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        pysd.read_vensim(str(path))
        theirs = time.perf_counter() - t0
    except Exception:                   # noqa: BLE001
        theirs = float("nan")
    return ours, theirs


def main(argv=None) -> int:
    """Time both tools over the suite; print the wall times and their ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", type=Path, default=ROOT.parent / "shared" / "test-models")
    ap.add_argument("--backend", default="numpy", help="carbonloop's backend (default numpy)")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    files = sorted(args.suite.rglob("*.mdl"))
    if not files:
        print(f"no .mdl files under {args.suite}")
        return 1
    t0 = time.perf_counter()
    ours = {p: carbonloop_one(p, args.backend) for p in files}
    ours_wall = time.perf_counter() - t0
    work = Path(tempfile.mkdtemp())
    pysd_wall = 0.0
    theirs = {}
    for p in files:
        t = time.perf_counter()
        theirs[p] = pysd_one(p, work / str(len(theirs)))
        pysd_wall += time.perf_counter() - t
    gen = Path(tempfile.mkdtemp())
    parse_ours, parse_pysd = parse_times(gen)
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(gen, ignore_errors=True)
    ran_ours = [p for p, v in ours.items() if v is not None]
    ran_theirs = [p for p, v in theirs.items() if v is not None]
    both = [p for p in ran_ours if theirs[p] is not None]
    print(f"{len(files)} .mdl files under {args.suite}")
    print(f"carbonloop ({args.backend}): {ours_wall:8.2f} s wall, ran {len(ran_ours)} files "
          "(the rest refused with a message)")
    print(f"PySD:               {pysd_wall:8.2f} s wall, ran {len(ran_theirs)} files")
    print(f"ratio PySD / carbonloop: {pysd_wall / ours_wall:.1f}")
    if both:
        o = sum(sum(ours[p]) for p in both)         # type: ignore[arg-type]
        t = sum(sum(theirs[p]) for p in both)       # type: ignore[arg-type]
        print(f"on the {len(both)} files both ran: carbonloop {o:.2f} s, PySD {t:.2f} s, ratio {t / o:.1f}")
    if ran_ours:
        big = max(ran_ours, key=lambda p: p.stat().st_size)
        load, run = ours[big]                       # type: ignore[misc]
        line = f"largest model carbonloop reads: {big.relative_to(args.suite)} ({big.stat().st_size:,} bytes): " \
               f"load {load * 1000:.0f} ms, first run {run * 1000:.0f} ms"
        if theirs.get(big) is not None:
            pl, pr = theirs[big]                    # type: ignore[misc]
            line += f"; PySD load {pl * 1000:.0f} ms, first run {pr * 1000:.0f} ms"
        print(line)
    print(f"a generated 1,000-equation model (and 200 lookups): carbonloop reads it "
          f"in {parse_ours * 1000:.0f} ms, PySD translates and loads it in {parse_pysd * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
