r"""A .mdl file's text -> its records: one per ``lhs = expression ~ units ~ documentation |``.

The sketch (after the ``\\\\\\---///`` line) is skipped. Macros (``:MACRO: name(args)`` ...
``:END OF MACRO:``) are collected with their own records. Group headers (``****`` lines around a
``.name``) set the group of the records that follow. Quoted names may hold ``~`` and ``|``; the
units and documentation are free text up to the next ``~`` or ``|``. Every record keeps the line
its left-hand side starts on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...lang.vensim import comment_end
from .errors import VensimError

SKETCH = re.compile(r"\\{2,}---///")
_MACRO = re.compile(r"^\s*:MACRO:\s*(.+?)\s*\((.*)\)\s*$", re.S | re.I)
_END_MACRO = re.compile(r":END OF MACRO:", re.I)
_GROUP = re.compile(r"^\s*\*{3,}\s*(.*?)\s*\*{3,}\s*$", re.S)


@dataclass
class Record:
    """One definition as written: its equation text (``lhs = rhs``), units, documentation,
    the line it starts on and its group."""
    text: str
    units: str
    doc: str
    line: int
    group: str = ""


@dataclass
class Macro:
    """A macro: its name, parameters (inputs, then outputs after ':'), its records and line."""
    name: str
    inputs: tuple
    outputs: tuple
    records: list = field(default_factory=list)
    line: int = 0


@dataclass
class Sections:
    """The records of the model and its macros."""
    records: list
    macros: list


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def split_sketch(text: str) -> str:
    """The equations part of the file (everything before the sketch)."""
    m = SKETCH.search(text)
    return text if m is None else text[:m.start()]


SETTINGS = re.compile(r":L\x7f?<%\^E!@")    # Vensim writes a DEL character after the L
# codes of the settings block (after the sketch) that carbonloop reads
EXPORT_FILE, DATA_FILES, DATA_TAGS = "43", "13", "30"


def settings(text: str) -> dict:
    """The settings block Vensim writes at the end of a file (``code:value`` lines after
    ``:L<%^E!@``, a DEL character after the L), as {code: [values in order]}; empty when the file
    has none. Code 43 is the file a run's results are exported to, code 13 a data file loaded with
    a run, code 30 the file a data tag stands for (``data_tags``)."""
    found = list(SETTINGS.finditer(text))
    out: dict = {}
    if not found:
        return out
    for line in text[found[-1].end():].splitlines():
        code, sep, value = line.strip().partition(":")
        if sep and code.isdigit():
            out.setdefault(code, []).append(value.strip())
    return out


def data_tags(found: dict) -> dict:
    """The files the settings give the tags GET functions may name in place of a file (code 30:
    ``?data=data.xlsx``), as {tag in lower case: file}."""
    out: dict = {}
    for value in found.get(DATA_TAGS, []):
        tag, sep, name = value.partition("=")
        if sep and tag.strip().startswith("?") and name.strip():
            out[tag.strip().lower()] = name.strip()
    return out


def _pieces(text: str, file: str):
    """(equation, units, doc, start offset) of every ``|``-ended definition."""
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            return
        start = i
        parts: list = []
        buf: list = []
        in_quote = False
        while i < n:
            c = text[i]
            if not parts and in_quote:
                if c == "\\" and i + 1 < n:
                    buf.append(text[i:i + 2])
                    i += 2
                    continue
                if c == '"':
                    in_quote = False
                buf.append(c)
            elif not parts and c == '"':
                in_quote = True
                buf.append(c)
            elif not parts and c == "{" and not _is_header(buf):
                j = comment_end(text, i)
                if j < 0:
                    lhs, _ = _named(text, start, "".join(buf))
                    raise VensimError("a comment '{' is never closed with '}'", file=file,
                                      line=_line_at(text, i), element=lhs,
                                      hint="comments nest: each '{' needs its own '}'")
                buf.append(" ")
                i = j
            elif c == "~" and len(parts) < 3:
                parts.append("".join(buf))
                buf = []
            elif c == "~":
                lhs, line = _named(text, start, parts[0])
                raise VensimError("the definition has a fourth '~': the '|' that ends it is "
                                  "missing (each equation ends '~ units ~ documentation |', a flag "
                                  "such as ':SUPPLEMENTARY' after a third '~')",
                                  file=file, line=line, element=lhs)
            elif c == "|":
                break
            else:
                buf.append(c)
            i += 1
        if i >= n:
            if in_quote:
                raise VensimError("a quoted name is never closed with '\"'", file=file,
                                  line=_line_at(text, start))
            rest = "".join(parts + buf).strip()
            if rest:
                lhs, line = _named(text, start, (parts + ["".join(buf)])[0])
                raise VensimError("the definition is not ended with '|' (each equation ends "
                                  "'~ units ~ documentation |')", file=file, line=line, element=lhs)
            return
        parts.append("".join(buf))
        i += 1
        if len(parts) > 3 and not re.match(r"^\s*:[A-Za-z ]+:?\s*$", parts[3]):
            parts[2] = parts[2].rstrip() + "\n" + parts[3].strip()     # documentation written on
        while len(parts) < 3:
            parts.append("")
        yield parts[0], parts[1], parts[2], start


def _named(text: str, start: int, eq: str):
    """(the name a definition starts with, its line) for messages."""
    body = re.sub(r"^\s*\{[^}]*\}", "", eq)
    body = re.sub(r"^\s*:MACRO:[^\n]*\n", "", body, flags=re.I).strip()
    lhs = re.split(r"[=(:\[]", body, maxsplit=1)[0].strip().strip('"') or None
    at = text.find(lhs, start) if lhs else -1
    return lhs, _line_at(text, at if at >= 0 else start)


def _strip_leading_comment(eq: str) -> str:
    """The equation with the '{UTF-8}' mark or a comment before its first name (nested comments
    whole) blanked, its line breaks kept; an unclosed one is left for the equation's reader."""
    at = len(eq) - len(eq.lstrip())
    end = comment_end(eq, at) if eq[at:at + 1] == "{" else -1
    if end < 0:
        return eq
    return eq[:at] + re.sub(r"[^\n]", " ", eq[at:end + 1]) + eq[end + 1:]   # its lines kept


def _is_header(buf) -> bool:
    """True at the start of the file's '{UTF-8}' mark (not an equation comment)."""
    return not "".join(buf).strip()


def read_sections(text: str, file: str) -> Sections:
    """The model's and the macros' records, in file order."""
    text = split_sketch(text)
    records: list = []
    macros: list = []
    current: Macro | None = None
    group = ""
    for eq, units, doc, start in _pieces(text, file):
        line = _line_at(text, start)
        # the '{UTF-8}' mark and equation comments before the first name
        eq = _strip_leading_comment(eq)
        while True:
            m_end = _END_MACRO.search(eq)
            m_start = re.search(r":MACRO:", eq, re.I)
            if m_end and (not m_start or m_end.start() < m_start.start()):
                if current is None:
                    raise VensimError(":END OF MACRO: without a :MACRO: before it", file=file,
                                      line=line + eq[:m_end.start()].count("\n"))
                macros.append(current)
                current = None
                line += eq[:m_end.end()].count("\n")
                eq = eq[m_end.end():]
                continue
            if m_start:
                if current is not None:
                    raise VensimError(f"macro '{current.name}' is not closed with :END OF MACRO: "
                                      "before the next :MACRO:", file=file, line=current.line,
                                      element=current.name)
                head_end = eq.find("\n", m_start.start())
                head_end = len(eq) if head_end < 0 else head_end
                head = eq[m_start.start():head_end]
                m = _MACRO.match(head)
                mline = line + eq[:m_start.start()].count("\n")
                if not m:
                    raise VensimError("a :MACRO: line must read ':MACRO: name(inputs)'", file=file,
                                      line=mline)
                ins, _, outs = m.group(2).partition(":")
                current = Macro(m.group(1).strip(), tuple(a.strip() for a in ins.split(",") if a.strip()),
                                tuple(a.strip() for a in outs.split(",") if a.strip()), line=mline)
                line = mline + 1
                eq = eq[head_end:]
                continue
            break
        lead = len(eq) - len(eq.lstrip())
        line += eq[:lead].count("\n")
        eq = eq.strip()
        g = _GROUP.match(eq)
        if g or eq.startswith("***"):
            group = (g.group(1) if g else eq.strip("*")).strip().lstrip(".").strip()
            continue
        if not eq and not units.strip():
            continue
        rec = Record(eq, units.strip(), doc.strip(), line, group)
        (current.records if current is not None else records).append(rec)
    if current is not None:
        raise VensimError(f"macro '{current.name}' is never closed with :END OF MACRO:", file=file,
                          line=current.line, element=current.name)
    return Sections(records, macros)
