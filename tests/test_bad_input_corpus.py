"""The bad-input corpus (tests/bad_inputs): every case exits with status 2 and one message that
names its file (and element, and line where the file has lines), prints no traceback and
changes no file: not the inputs, not an earlier result in outputs/."""
import os
import shutil
from pathlib import Path

import pytest
import yaml

from engine.cli import main

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text())
EARLIER = ("outputs/teacup/results.h5", "outputs/wrap/results.h5", "outputs/case-xmile/results.h5")


def command(case: str, folder: Path) -> list:
    """The command line a case runs: scenarios and XMILE models are run, specs swept or calibrated,
    a module file runs inside a scenario that lists it."""
    kind = case.split("/")[0]
    if kind == "module":
        wrap = folder / "module" / f"_run-{Path(case).name}"
        wrap.write_text(f"scenario: wrap\ntime: {{start: 0, stop: 10, dt: 1}}\nmodules: [{Path(case).name}]\n")
        return ["run", wrap.relative_to(folder).as_posix()]
    if kind == "sweep":
        return ["sweep", case, "--no-progress"]
    if kind == "calibration":
        return ["calibrate", case, "--no-mcmc", "--no-figures"]
    return ["run", case]


def snapshot(folder: Path) -> dict:
    """Every file under ``folder`` with its size and modification time (any write changes them)."""
    out = {}
    for root, _, names in os.walk(folder):
        for name in names:
            st = os.stat(os.path.join(root, name))
            out[os.path.join(root, name)] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """One copy of the corpus per test process, with results of an earlier run in outputs/ that a
    bad input must leave alone."""
    folder = tmp_path_factory.mktemp("corpus") / "work"
    shutil.copytree(CORPUS, folder, ignore=shutil.ignore_patterns("_tools"))
    for name in EARLIER:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"an earlier result")
    return folder


def test_the_corpus_covers_every_kind_of_file():
    kinds = {case.split("/")[0] for case in CASES}
    assert kinds == {"scenario", "module", "sweep", "calibration", "xmile", "vensim"}
    assert len(CASES) >= 80
    files = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file()}
    assert set(CASES) <= files


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_input_is_refused_with_one_clear_message(case, work, monkeypatch, capsys):
    expect = CASES[case]
    monkeypatch.chdir(work)
    argv = command(case, work)
    before = snapshot(work)
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 2, err
    assert err.startswith("carbonloop: error: "), err
    assert "Traceback" not in err + out and "internal error" not in err
    named = expect.get("names", case)
    where = f"{named}:{expect['line']}" if "line" in expect else named
    assert where in err, err
    assert expect["says"] in err, err
    if "element" in expect:
        assert f"in '{expect['element']}'" in err, err
    assert snapshot(work) == before
    assert all((work / name).read_bytes() == b"an earlier result" for name in EARLIER)
