"""Small fixtures: write a scenario text to a file and load it; the backends to compare.

Tests run on the numpy backend (the reference) unless they ask for a backend: compiling every
test model with numba would cost minutes. The ``backend`` fixture runs a test on both.
"""
import os
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("CARBONLOOP_BACKEND", "numpy")

import engine  # noqa: E402
from engine import backends  # noqa: E402

BACKENDS = ["numpy"] + (["numba"] if backends.available("numba") else [])

ROOT = Path(__file__).resolve().parents[1]
MODELS = Path(__file__).parent / "models"
# public reference data the project does not own, read in place beside the repository (CI clones
# the repository next to shared/): the SDXorg XMILE test models and the Loops That Matter case
SHARED = ROOT.parent / "shared"
TEST_MODELS = SHARED / "test-models"
LTM = SHARED / "ltm"


def needs(folder: Path):
    """A skip mark for a test that reads ``folder`` of the shared reference data, saying why."""
    return pytest.mark.skipif(not folder.is_dir(), reason=f"the shared reference data {folder} is not "
                                                          "here (clone the repository beside shared/)")


@pytest.fixture
def write(tmp_path):
    def _write(text, name="model.yaml"):
        p = tmp_path / name
        p.write_text(textwrap.dedent(text))
        return p
    return _write


@pytest.fixture
def build(write):
    def _build(text, name="model.yaml"):
        return engine.load(write(text, name))
    return _build


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Each backend in turn (numba only where it is installed)."""
    return request.param
