"""Forms of the Vensim language the reader accepts as Vensim does: comments inside equations,
mappings onto subranges, mapped ranges as values, documentation with a further '~', data read
inside an equation, INVERT MATRIX over one range twice; each with the numbers worked out by hand,
and the mistakes near each form named by file, line and element."""
from pathlib import Path

import numpy as np
import pytest

from engine.api import Loaded
from engine.errors import ModelError
from engine.frontends.vensim import read

CONTROL = """
INITIAL TIME = 0 ~~|
FINAL TIME = {stop} ~~|
TIME STEP = 1 ~~|
SAVEPER = TIME STEP ~~|
"""


def model(tmp_path, body: str, stop=1, tail="") -> Path:
    """A .mdl file of ``body``, a control section and ``tail`` (a sketch and settings)."""
    p = tmp_path / "m.mdl"
    p.write_text("{UTF-8}\n" + body + CONTROL.format(stop=stop) + tail)
    return p


def run(path):
    """A model's result on the numpy backend."""
    return Loaded(read(path)).run(check=False, backend="numpy")


# ---------------------------------------------------------------- comments
def test_comments_anywhere_in_an_equation_and_nested(tmp_path):
    p = model(tmp_path, """
a[DimA] = 10, {first} 20, {second
  spans two lines} 30 ~~|
DimA: A1, A2, A3 ~~|
b = 3 {a comment after the equation} ~~|
c = 41 {first part} + 1 {second {nested} part} + Time ~~|
d = 8760 + Time
  {
  The leap year rule, kept as a comment:
  IF THEN ELSE(MODULO(Time, 4) = 0, 8784 {leap year}, 8760 {normal year})
  }
  ~ hours ~ the hours of a year ~ :SUPPLEMENTARY
  |
e = a[A2] {the middle} * b + Time ~~|
total = SUM(a[DimA!]) + Time {a sum {of all three}} ~~|
""", stop=1)
    r = run(p)
    t = np.array([0.0, 1.0])
    assert np.array_equal(r["c"][:, 0], 42 + t) and np.array_equal(r["d"][:, 0], 8760 + t)
    assert np.array_equal(r["e"][:, 0], 20 * 3 + t)
    assert np.array_equal(r["total"][:, 0], 10 + 20 + 30 + t)


def test_an_unclosed_comment_is_named(tmp_path):
    p = model(tmp_path, "x = 1 ~~|\ny = 2 {a comment {nested} never closed\n ~~|\n")
    with pytest.raises(ModelError) as caught:
        read(p)
    e = caught.value
    assert "a comment '{' is never closed with '}'" in str(e)
    assert e.file == str(p) and e.line == 3 and e.element == "y"
