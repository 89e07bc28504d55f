"""Reading YAML safely, keeping the line of every key so that errors can point at it.

Only the safe loader is used. Files are checked before they are parsed (size, binary content,
encoding) and after (how many values the aliases expand to), so that no file can make the
engine allocate without bound.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from ...errors import ModelError
from ..files import read_bytes, refuse_binary

MAX_VALUES = 1_000_000               # values a file may hold once its aliases are expanded


class LDict(dict):
    """A mapping read from YAML that remembers the 1-based line (and file) of each key."""
    lines: dict
    files: dict
    line: int | None = None

    def line_of(self, key) -> int | None:
        """The line where ``key`` was written (or the mapping's own line)."""
        return getattr(self, "lines", {}).get(key, self.line)

    def file_of(self, key, default: str | None = None) -> str | None:
        """The file where ``key`` was written (scenarios merged by 'extends' span several)."""
        return getattr(self, "files", {}).get(key, default)


# libyaml's parser when PyYAML was built with it (about five times faster), else the pure-Python one;
# both are the safe loader, with the same constructor
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineSafeLoader(_SafeBase):  # type: ignore[valid-type,misc]
    """The safe loader, plus key lines and an error on duplicate keys."""

    def construct_mapping(self, node, deep=False):
        """A mapping as an ``LDict`` with the line of each key; duplicate keys are errors."""
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep)
        self.flatten_mapping(node)
        out = LDict()
        out.lines = {}
        out.files = {}
        out.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                raise ModelError("a key must be a name, not a list or mapping",
                                 file=getattr(self, "_path", None), line=line) from None
            if key in out:
                raise ModelError(f"'{key}' is defined twice (first on line {out.lines[key]})",
                                 file=getattr(self, "_path", None), line=line, element=str(key),
                                 hint="each element, parameter and setting may appear only once")
            out[key] = self.construct_object(value_node, deep=deep)
            out.lines[key] = line
            out.files[key] = getattr(self, "_path", None)
        return out


    def construct_yaml_int(self, node):
        """An integer; one of more digits than Python converts (4,300) is an error naming its line."""
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            raise ModelError("this number has thousands of digits, far more than a number may hold "
                             "(about 1.8e308)", file=getattr(self, "_path", None),
                             line=node.start_mark.line + 1) from None


LineSafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                               LineSafeLoader.construct_mapping)
LineSafeLoader.add_constructor("tag:yaml.org,2002:int", LineSafeLoader.construct_yaml_int)


def load_text(text: str, path: str | None = None):
    """Parse YAML text with the safe loader; a syntax error names the file and line."""
    loader = None
    try:
        loader = LineSafeLoader(text)       # checks the characters first: may raise already
        loader._path = path
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        if line is None and isinstance(getattr(exc, "position", None), int):      # a character YAML refuses
            line = text.count("\n", 0, exc.position) + 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ModelError(f"YAML syntax error: {problem}", file=path, line=line,
                         hint="check indentation, colons and quotes") from None
    except RecursionError:
        raise ModelError("the YAML nests too deeply", file=path) from None
    finally:
        if loader is not None:
            loader.dispose()
    if expanded_size(data) > MAX_VALUES:
        raise ModelError(f"the file holds more than {MAX_VALUES:,} values once its aliases (*name) "
                         "are expanded", file=path, hint="write the values out, or use fewer aliases")
    return data


def expanded_size(data) -> int:
    """How many values ``data`` holds with every shared (aliased) part counted each time."""
    sizes: dict = {}
    stack = [(data, False)]
    while stack:
        obj, done = stack.pop()
        if not isinstance(obj, (dict, list)) or (id(obj) in sizes and not done):
            continue
        kids = list(obj.values()) if isinstance(obj, dict) else obj
        if not done:
            sizes[id(obj)] = None
            stack.append((obj, True))
            stack.extend((k, False) for k in kids)
            continue
        sizes[id(obj)] = min(1 + sum(sizes.get(id(k)) or 1 for k in kids), 1 << 62)
    return sizes.get(id(data)) or 1


def read_text(path: str | Path) -> str:
    """The text of a model, scenario or spec file, refusing binary files and other encodings."""
    data = read_bytes(path)
    refuse_binary(data, path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelError(f"the file is not UTF-8 text (byte {exc.start}); it may be in another "
                         "encoding", file=str(path), hint="save it as UTF-8") from None


def load_file(path: str | Path):
    """Read and parse one YAML file; returns (data, text)."""
    text = read_text(path)
    return load_text(text, str(path)), text
