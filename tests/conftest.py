"""Small fixtures: write a scenario text to a file and load it."""
from pathlib import Path
import textwrap

import pytest

import engine

ROOT = Path(__file__).resolve().parents[1]
MODELS = Path(__file__).parent / "models"


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
