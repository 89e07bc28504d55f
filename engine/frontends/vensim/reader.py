"""Read a Vensim .mdl file into a carbonloop ``Model``."""
from __future__ import annotations

from pathlib import Path

from ...model import Model, Module, TimeSpec, assemble, check_time
from ..files import read_bytes, refuse_binary
from . import timing
from .build import Builder, parse_range
from .data import Source
from .errors import VensimError
from .sections import DATA_FILES, data_tags, read_sections, settings


def read_text(path: Path) -> str:
    """The file's text (UTF-8; Latin-1 for older files that are not UTF-8)."""
    data = read_bytes(path)
    refuse_binary(data, path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def time_spec(builder: Builder, file: str) -> TimeSpec:
    """INITIAL TIME, FINAL TIME, TIME STEP and SAVEPER as the run's time settings (``timing.py``)."""
    for k in ("initial time", "final time", "time step"):
        if k not in builder.control:
            raise VensimError(f"the model does not define {k.upper()}", file=file,
                              hint="Vensim models define INITIAL TIME, FINAL TIME and TIME STEP")
    start, stop, dt, save, phased = timing.settings(builder)
    dt, save = timing.held(dt), None if save is None else timing.held(save)
    units = parse_range(builder.control["time step"].rec.units)[0] or \
        parse_range(builder.control["final time"].rec.units)[0]
    phases, saves = phased if phased else ((), ())
    spec = TimeSpec(start=start, stop=stop, dt=dt, method="euler", save_step=save, units=units,
                    phases=phases, saves=saves)
    check_time(spec, file, builder.control["time step"].rec.line)
    return spec


def read(path, data=None) -> Model:
    """Import a Vensim .mdl file as a carbonloop model; ``data`` names an external data file
    (.csv or .tab: a time column and one column per data variable)."""
    path = Path(path)
    file = str(path)
    text = read_text(path)
    sections = read_sections(text, file)
    found = settings(text)
    builder = Builder(sections.records, sections.macros, file, Source(path.parent, file, data, data_tags(found)))
    builder.settings_data = found.get(DATA_FILES, [])
    elements = builder.elements()
    time = time_spec(builder, file)
    fixed = timing.constants_read(builder)      # read by the time settings: not a sweep's to change
    elements = [e.with_(kind="auxiliary", value=None, range=None) if e.kind == "parameter" and e.name in fixed else e
                for e in elements]
    module = Module(name="model", elements=tuple(elements), description=f"Vensim model {path.name}")
    return assemble([module], time, name=path.stem, file=file, source_text=text,
                    description=f"imported from {path.name}", dimensions=builder.ranges.dimensions())
