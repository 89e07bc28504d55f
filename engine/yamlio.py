"""Reading YAML safely, keeping the line of every key so that errors can point at it."""
from __future__ import annotations

from pathlib import Path

import yaml

from .errors import ModelError


class LDict(dict):
    """A mapping read from YAML that remembers the 1-based line of each key."""
    lines: dict
    line: int | None = None

    def line_of(self, key) -> int | None:
        return getattr(self, "lines", {}).get(key, self.line)


class LineSafeLoader(yaml.SafeLoader):
    """The safe loader, plus key lines and an error on duplicate keys."""

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep)
        self.flatten_mapping(node)
        out = LDict()
        out.lines = {}
        out.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in out:
                raise ModelError(f"'{key}' is defined twice (first on line {out.lines[key]})",
                                 file=getattr(self, "_path", None), line=line, element=str(key),
                                 hint="each element, parameter and setting may appear only once")
            out[key] = self.construct_object(value_node, deep=deep)
            out.lines[key] = line
        return out


LineSafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                               LineSafeLoader.construct_mapping)


def load_text(text: str, path: str | None = None):
    """Parse YAML text with the safe loader; a syntax error names the file and line."""
    loader = LineSafeLoader(text)
    loader._path = path
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ModelError(f"YAML syntax error: {problem}", file=path, line=line,
                         hint="check indentation, colons and quotes") from None
    finally:
        loader.dispose()


def load_file(path: str | Path):
    """Read and parse one YAML file; returns (data, text)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelError("file not found", file=str(path)) from None
    except OSError as exc:
        raise ModelError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    return load_text(text, str(path)), text
