"""What Vensim's XMILE export writes that is not plain XMILE: its control variables' names in
<dt> and in equations, a bare '&' in a documentation, LOG with a base, Vensim's SMOOTH / SMOOTH3 /
GAME names, and a lookup written as an aux with a graphical function and no equation."""
import math

import numpy as np
import pytest

import engine
from engine.errors import ModelError

HEAD = """<?xml version="1.0" encoding="utf-8" ?>
<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
  <header><product version="1.0" lang="en">Vensim</product><vendor>Ventana Systems, Inc.</vendor></header>
  <sim_specs method="Euler" time_units="year">
    <start> 0</start><stop> 4</stop><dt> TIME_STEP=0.25</dt>
  </sim_specs>
  <model><variables>
"""
TAIL = "  </variables></model>\n</xmile>\n"
BODY = """
    <aux name="input"><doc>Atmosphere & Upper Ocean (a bare ampersand)</doc><eqn>STEP(1, 1)</eqn></aux>
    <aux name="smoothed"><eqn>SMOOTH(input, 2)</eqn></aux>
    <aux name="smoothed_std"><eqn>SMTH1(input, 2)</eqn></aux>
    <aux name="smoothed3"><eqn>SMOOTH3(input, 3)</eqn></aux>
    <aux name="smoothed3_std"><eqn>SMTH3(input, 3)</eqn></aux>
    <aux name="logs"><eqn>LOG(1000, 10) + GAME(2)</eqn></aux>
    <aux name="steps"><eqn>TIME_STEP * 8 + FINAL_TIME - INITIAL_TIME</eqn></aux>
    <aux name="forcing"><gf><xpts>0,2,4</xpts><ypts>0,1,4</ypts></gf></aux>
    <aux name="forced"><eqn>forcing(Time)</eqn></aux>
"""


def load(tmp_path, body=BODY, name="m.xmile"):
    p = tmp_path / name
    p.write_text(HEAD + body + TAIL)
    return engine.load(p)


def test_what_vensims_export_writes_reads_as_vensim_means_it(tmp_path):
    with pytest.warns(UserWarning, match="bare '&' on line"):
        m = load(tmp_path)
    assert m.model.time.dt == 0.25
    r = m.run(backend="numpy")
    assert np.array_equal(r["smoothed"], r["smoothed_std"]) and np.array_equal(r["smoothed3"], r["smoothed3_std"])
    assert r.at("logs", 0)[0] == pytest.approx(3 + 2, rel=1e-15)
    assert r.at("steps", 0)[0] == 0.25 * 8 + 4 - 0
    assert [r.at("forced", t)[0] for t in (1, 3, 4)] == [0.5, 2.5, 4]
    # SMOOTH of a step of 1 at time 1: 1 - (1 - dt/2)^n after n steps
    assert r.at("smoothed", 3)[0] == pytest.approx(1 - (1 - 0.25 / 2) ** 8, rel=1e-12)
    assert m.model.elements["input"].doc.startswith("Atmosphere & Upper Ocean")


def test_a_named_setting_that_is_not_a_number_and_log_with_one_argument_are_errors(tmp_path):
    with pytest.raises(ModelError, match="<dt> must be a number, got 'TIME_STEP=fast'"):
        engine.load(_write(tmp_path, HEAD.replace("TIME_STEP=0.25", "TIME_STEP=fast") + TAIL))
    with pytest.raises(ModelError, match="LOG"):
        load(tmp_path, '<aux name="x"><eqn>LOG(5)</eqn></aux>', name="b.xmile")
    assert math.isfinite(load(tmp_path, '<aux name="x"><eqn>LOG(5, 2)</eqn></aux>', name="c.xmile")
                         .run(backend="numpy").at("x", 0)[0])


def _write(tmp_path, text):
    p = tmp_path / "w.xmile"
    p.write_text(text)
    return p
