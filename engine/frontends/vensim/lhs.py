"""Left-hand sides of Vensim definitions: what each one defines (an equation, a lookup, data,
an exogenous series), its units and range, and the subscript ranges a file defines."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ...lang.vensim import key, unquote
from .errors import VensimError
from .sections import Record

SUBSCRIPTS = "subscripts"
_RANGE = re.compile(r"\[([^\]]*)\]\s*$")
_KEYWORD = re.compile(r"^:\s*(INTERPOLATE|RAW|HOLD BACKWARD|LOOK FORWARD)\s*:", re.I)
# reality checks: 'name :THE CONDITION: cond :IMPLIES: result' and 'name :TEST INPUT: x = expr'
_CHECK = re.compile(r":\s*(THE\s+CONDITION|TEST\s+INPUT|IMPLIES)\s*:", re.I)
_NUMBER = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$")


@dataclass
class Def:
    """One definition with its left-hand side read: kind is 'eq', 'lookup', 'data', 'exo' or
    'check' (a reality check or a test input, which a simulation sets aside)."""
    name: str           # as written (quotes removed)
    kind: str
    body: str           # the right-hand side (a lookup's: the text inside its parentheses)
    offset: int         # where the body starts in the record's text
    rec: Record
    keyword: str = ""   # :INTERPOLATE: and the like, for data
    parsed: tuple | None = None     # (tree, extras), once parsed
    subs: tuple = ()    # the subscripts of an arrayed definition (keys: ranges or elements)
    exclude: tuple = ()             # :EXCEPT: subscript tuples


def line_of(rec, offset: int) -> int:
    """The line of a column of a record's text."""
    return rec.line + rec.text[:max(offset, 0)].count("\n")


def read_lhs(rec, file) -> Def:
    """A record's left-hand side: its name and what follows it."""
    text = rec.text
    if text.startswith('"'):
        m = re.match(r'"(?:[^"\\]|\\.)*"', text, re.S)
        if not m:
            raise VensimError("a quoted name is never closed", file=file, line=rec.line)
        name, i = m.group(), m.end()
    else:
        m = re.match(r"[^=(\[:<]*", text)
        name, i = (m.group() if m else ""), (m.end() if m else 0)
    name = unquote(re.sub(r"\\\s*\n", " ", name).strip())
    rest = text[i:]
    stripped = rest.lstrip()
    at = i + len(rest) - len(stripped)
    where = dict(file=file, line=rec.line, element=name or None)
    if not name:
        raise VensimError(f"a definition must start with a name, found '{text[:30]}'", **where)
    if stripped.startswith("<->"):
        return Def(name, "equiv", stripped[3:], at + 3, rec)
    subs: tuple = ()
    exclude: list = []
    if stripped.startswith("["):
        subs, n = _subs(stripped, where)
        stripped = stripped[n:].lstrip()
        m = re.match(r":\s*EXCEPT\s*:", stripped, re.I)
        if m:
            stripped = stripped[m.end():].lstrip()
            while stripped.startswith("["):
                x, n = _subs(stripped, where)
                exclude.append(x)
                stripped = stripped[n:].lstrip().lstrip(",").lstrip()
        at = len(text) - len(stripped)
    d = _rest(name, stripped, at, rec, where)
    d.subs, d.exclude = subs, tuple(exclude)
    if subs and d.kind == "range":
        raise VensimError("expected '=' after the subscripts", **where)
    return d


def _subs(text: str, where: dict) -> tuple:
    """The subscripts of ``[a, b]`` at the start of ``text`` (keys), and the length read."""
    end = text.find("]")
    if end < 0:
        raise VensimError("a subscript list '[' is never closed with ']'", **where)
    subs = tuple(key(re.sub(r"\\\s*\n", " ", s).replace("\\", " ")) for s in text[1:end].split(","))
    if not all(subs):
        raise VensimError(f"an empty subscript in '{text[:end + 1]}'", **where)
    return subs, end + 1


def _rest(name, stripped, at, rec, where) -> Def:
    """What follows a left-hand side's name (and subscripts): '=', '(', ':=', ':' ..."""
    text = rec.text
    keyword = ""
    k = _KEYWORD.match(stripped)
    if k:
        keyword = k.group(1).lower()
        stripped = stripped[k.end():].lstrip()
        at = len(text) - len(stripped)
    if stripped.startswith(":="):
        return Def(name, "data", stripped[2:], at + 2, rec, keyword)
    if stripped.startswith("=="):
        return Def(name, "eq", stripped[2:], at + 2, rec)
    if stripped.startswith("="):
        return Def(name, "eq", stripped[1:], at + 1, rec)
    if stripped.startswith("("):
        body = stripped[1:].rstrip()
        if not body.endswith(")"):
            raise VensimError("a lookup definition 'name( points )' is not closed with ')'", **where)
        return Def(name, "lookup", body[:-1], at + 1, rec)
    if stripped.startswith(":"):
        check = _CHECK.match(stripped)
        if check and check.group(1).upper().startswith("IMPLIES"):
            raise VensimError("':IMPLIES:' belongs inside a reality check", **where,
                              hint="write 'name :THE CONDITION: condition :IMPLIES: consequence'")
        if check:
            return Def(name, "check", stripped[check.end():], at + check.end(), rec)
        return Def(name, "range", stripped[1:], at + 1, rec)
    if not stripped:
        return Def(name, "exo", "", at, rec, keyword)
    raise VensimError(f"expected '=' after the name, found '{stripped[:20]}'", **where)


_RANGE_DEF = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|[^:=\[(<"]+?)\s*(?::(?!=)|<->)(.*)$', re.S)
_SUBSCRIPTED = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|[^=\[(:"]+?)\s*\[([^\]]*)\]')


def check_ranges(records, file):
    """Every subscript a left-hand side names is a range or an element the file defines (arrays
    are refused later as a whole; a range never defined is the modeller's mistake, named here).
    Files whose ranges come from data (GET ... SUBSCRIPT) are not checked."""
    known: set = set()
    texts = [re.sub(r"\\\s*\n\s*", " ", rec.text) for rec in records]
    for text in texts:
        m = _RANGE_DEF.match(text)
        rest = ":" + m.group(2).lstrip() if m else ""
        if m and not _KEYWORD.match(rest) and not _CHECK.match(rest) and not m.group(2).lstrip().startswith("="):
            if re.search(r"\bGET\b", m.group(2), re.I):
                return
            known.add(key(m.group(1)))
            body = re.sub(r"->.*$", "", m.group(2), flags=re.S)
            for part in re.split(r"[,()]", body):
                part = part.strip()
                if part:
                    known.add(key(part))
                    n = re.match(r"^(.*?)(\d+)\s*-\s*\D*?(\d+)$", part)     # (a1-a5)
                    if n:
                        known.update(key(f"{n.group(1)}{i}") for i in range(int(n.group(2)), int(n.group(3)) + 1))
    for rec, text in zip(records, texts):
        m = _SUBSCRIPTED.match(text)
        if not m:
            continue
        for sub in m.group(2).split(","):
            k = key(sub.replace("!", ""))
            if k and k not in known:
                raise VensimError(f"subscript range '{sub.strip()}' is never defined", file=file,
                                  line=rec.line, element=unquote(m.group(1).strip()),
                                  hint=f"define it, e.g. '{sub.strip()}: a, b, c ~~|'")


def parse_range(units: str):
    """(units without the range, (lo, hi) or None) of a Vensim units field like 'm [0,100]'."""
    m = _RANGE.search(units)
    text = _unit_words(units[:m.start()] if m else units)
    if not m:
        return text, None
    parts = [p.strip() for p in m.group(1).split(",")]
    if len(parts) < 2 or not all(_NUMBER.match(p) for p in parts[:2]):
        return text, None
    lo, hi = float(parts[0]), float(parts[1])
    return text, ((lo, hi) if lo <= hi else None)


def _unit_words(text: str) -> str:
    """Vensim unit text with each multi-word unit joined by '_' ('Degrees Fahrenheit/Minute' ->
    'Degrees_Fahrenheit/Minute'), as the units checks read one symbol per unit."""
    return re.sub(r"(?<=[\w$%€¥])\s+(?=[A-Za-z$%€¥_])", "_", " ".join(text.split()))
