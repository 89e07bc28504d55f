"""Small defects of XML that other tools read anyway: an element left unclosed, a bare '&'.

Stella and PySD read a file whose ``<aux>`` (or ``<eqn>``, ``<stock>``, ...) is never closed; the
strict XML parser refuses it. ``repair`` closes such elements where the structure shows they end
(before a sibling variable opens, before their parent closes, at the end of the file) and says
what it closed, so that the reader can warn. Vensim's XMILE export writes a documentation's
'&' as it is (``Atmosphere & Upper Ocean``); ``escape_ampersands`` reads it as the character it
is, also with a warning. Anything else stays an error.
"""
from __future__ import annotations

import re

# tags, comments, CDATA, processing instructions and declarations, in document order
_TAG = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^>]*>"
                  rb"|<(/?)([A-Za-z_][\w:.-]*)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>", re.S)
_NAME = re.compile(rb"\bname\s*=\s*[\"']([^\"']*)[\"']")
VARIABLES = {b"stock", b"flow", b"aux", b"gf", b"module"}
CONTAINERS = {b"variables", b"model", b"macro", b"xmile"}
MAX_REPAIRS = 100


def _local(name: bytes) -> bytes:
    return name.rsplit(b":", 1)[-1]


def repair(data: bytes) -> tuple[bytes, list[str]] | None:
    """(repaired text, what was closed), or None when nothing needed closing or the file cannot
    be repaired this way (a stray closing tag, too many defects)."""
    out: list = []
    notes: list = []
    stack: list = []            # (tag, line) of open elements
    pos = 0

    def line(at):
        return data.count(b"\n", 0, at) + 1

    def close_top(at, why):
        nonlocal pos
        tag, opened, label = stack.pop()
        out.append(data[pos:at])
        out.append(b"</" + tag + b">")
        pos = at
        notes.append(f"closed <{label}> (opened on line {opened}) {why} on line {line(at)}")

    for m in _TAG.finditer(data):
        if m.group(2) is None or m.group(4):
            continue            # not an element tag, or an empty element
        tag = m.group(2)
        if m.group(1):          # a closing tag
            if tag not in [t for t, _, _ in stack]:
                return None
            while stack[-1][0] != tag:
                close_top(m.start(), f"before </{tag.decode(errors='replace')}>")
            stack.pop()
            continue
        while stack and (stack[-1][0] == tag or _local(tag) in VARIABLES - {b"gf"} and _inside_variable(stack)):
            close_top(m.start(), f"before <{tag.decode(errors='replace')}>")
        name = _NAME.search(m.group(3))
        label = tag.decode(errors="replace") + (f' name="{name.group(1).decode(errors="replace")}"' if name else "")
        stack.append((tag, line(m.start()), label))
        if len(notes) > MAX_REPAIRS:
            return None
    while stack:
        close_top(len(data), "at the end of the file")
    out.append(data[pos:])
    return (b"".join(out), notes) if notes else None


def _inside_variable(stack) -> bool:
    """True when the innermost open container holds an open variable (the new one is its sibling)."""
    for tag, _, _ in reversed(stack):
        if _local(tag) in CONTAINERS:
            return False
        if _local(tag) in VARIABLES:
            return True
    return False


_BARE_AMP = re.compile(rb"&(?![A-Za-z_][\w.-]*;|#[0-9]+;|#x[0-9A-Fa-f]+;)")


def escape_ampersands(data: bytes) -> tuple[bytes, list[str]] | None:
    """(the text with each '&' that starts no entity written '&amp;', the lines where it was), or
    None when there is none."""
    at = [m.start() for m in _BARE_AMP.finditer(data)]
    if not at:
        return None
    lines = sorted({data.count(b"\n", 0, a) + 1 for a in at})
    return _BARE_AMP.sub(b"&amp;", data), [f"read the bare '&' on line{'s' if len(lines) > 1 else ''} "
                                            + ", ".join(map(str, lines[:5])) + (" ..." if len(lines) > 5 else "")
                                            + " as the character '&'"]
