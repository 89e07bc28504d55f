"""The Vensim dialect of the parser core: Vensim equation text -> syntax tree.

Vensim differs from carbonloop's own syntax: names hold spaces (``Room Temperature``) or any
character in double quotes, function names too (``IF THEN ELSE``, ``DELAY FIXED``); logic is
``:AND:``, ``:OR:``, ``:NOT:``; ``=`` compares; ``:NA:`` is a missing value; a lookup literal
``([(xmin,ymin)-(xmax,ymax)], (x1,y1), ...)`` is the second argument of ``WITH LOOKUP``; the
GET functions take quoted text ``'file.xlsx'``. ``name[a, b!]`` is a ``Sub`` of names (keys;
``!`` kept on a range a function runs over); ``name[a](x)`` calls an arrayed lookup, its ``Sub``
the call's first argument.

Precedence, lowest first: :OR:; :AND:; :NOT:; = <>; < <= > >=; + -; * /; unary + -; ^ (grouping
to the right); atoms. Names come out as Vensim keys (``names.key``) and function names as
lower-case keys with single spaces; the Vensim front end (``frontends/vensim/build.py``) maps
them to identifiers and builtins.

Lookup literals and GET calls need more than the tree's node types: the parser keeps them in
``extras`` and the tree holds ``Call('with lookup', (x, Num(i)))`` / ``Call('get ...', (Num(i),))``
where ``i`` indexes ``extras``.
"""
from __future__ import annotations

import math
import re

from . import tree as ex
from .dialect import Dialect
from .parser import ExprSyntaxError, Level, Parser, Tok

_SPACE = re.compile(r"[\s_]+")


def unquote(name: str) -> str:
    """A name without its surrounding double quotes (escaped quotes inside kept as quotes)."""
    name = name.strip()
    if len(name) > 1 and name.startswith('"') and name.endswith('"'):
        return name[1:-1].replace('\\"', '"')
    return name


def key(name: str) -> str:
    """The comparison key of a Vensim name: unquoted, lower case, runs of space/'_' as one space."""
    return _SPACE.sub(" ", unquote(name)).strip().lower()


def comment_end(text: str, start: int) -> int:
    """The index of the '}' that closes the comment opened by the '{' at ``start`` (Vensim's
    comments nest: ``{ IF THEN ELSE(c, 8784 {leap year}, 8760) }`` is one comment), or -1."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def blank_comments(text: str) -> str:
    """The text with each comment (nested ones whole) replaced by spaces, its line breaks kept, so
    that columns and lines stay where they were; braces inside a quoted name are kept. An
    unclosed '{' is left for the parser to report."""
    out, i = [], 0
    while True:
        m = _QUOTED_OR_BRACE.search(text, i)
        if m is None:
            out.append(text[i:])
            return "".join(out)
        j = m.start()
        end = comment_end(text, j) if m.group() == "{" else m.end() - 1
        if end < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        piece = text[j:end + 1]
        out.append(re.sub(r"[^\n]", " ", piece) if m.group() == "{" else piece)
        i = end + 1


_QUOTED_OR_BRACE = re.compile(r'\{|"(?:[^"\\]|\\.)*"')

_TOKEN = re.compile(r"""
    (?P<ws>\s+|\\\s*(?:\n|$))
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<quoted>"(?:[^"\\]|\\.)*")
  | (?P<text>'[^']*')
  | (?P<kw>:(?:AND|OR|NOT|NA):)
  | (?P<name>[^\W\d](?:[\w$'&%]|[ \t_]+(?=[\w$]))*)
  | (?P<op><=|>=|<>|[-+*/^(),<>=\[\]!])
  | (?P<bad>.)
""", re.VERBOSE | re.UNICODE | re.IGNORECASE)


class Table:
    """A lookup literal: its points and, when written, its x and y ranges."""

    def __init__(self, points, xrange=None, yrange=None):
        self.points = tuple(points)
        self.xrange = xrange
        self.yrange = yrange


class GetCall:
    """A GET XLS / GET DIRECT call: the function and its text arguments."""

    def __init__(self, fn: str, args: tuple):
        self.fn = fn
        self.args = args


class VensimParser(Parser):
    """The core parser with a place for what the tree cannot hold (lookup literals, GET calls)."""

    def __init__(self, text, dialect):
        super().__init__(text, dialect)
        self.extras: list = []


class VensimSyntax(Dialect):
    """Vensim's equation syntax (see the module docstring)."""

    levels = (
        Level("left", {":or:": "or"}),
        Level("left", {":and:": "and"}),
        Level("prefix", {":not:": "not"}),
        Level("chain", {"=": "==", "<>": "!="}),
        Level("chain", {"<": "<", "<=": "<=", ">": ">", ">=": ">="}),
        Level("left", {"+": "+", "-": "-"}),
        Level("left", {"*": "*", "/": "/"}),
        Level("prefix", {"-": "-", "+": "+"}),
        Level("right", {"^": "^"}),
    )
    power_rhs = 7

    def word(self, kw: str) -> str:
        """Keywords as Vensim writes them."""
        return kw.upper()

    def tokenize(self, text: str) -> list:
        """Split Vensim equation text into tokens; quoted names, comments and line joins handled."""
        out = []
        for m in _TOKEN.finditer(blank_comments(text)):
            kind, s = str(m.lastgroup), m.group()
            if kind == "ws":
                continue
            if kind == "bad":
                raise ExprSyntaxError(f"unexpected character '{s}'", m.start())
            if kind == "kw":
                s = s.lower()
            if kind == "quoted":
                kind = "name"
            out.append(Tok(kind, s, m.start()))
        out.append(Tok("end", "", len(text)))
        return out

    def parse_with_extras(self, text: str):
        """(tree, extras) of one equation."""
        p = VensimParser(text, self)
        return p.parse(), p.extras

    def atom(self, p: Parser) -> ex.Node:
        """A number, :NA:, name, call or parenthesised expression."""
        t = p.take()
        if t.kind == "num":
            return p.number(t)
        if t.kind == "kw" and t.text == ":na:":
            return ex.Num(t.pos, math.nan)
        if t.kind == "name":
            if p.accept("op", "["):
                sub = ex.Sub(t.pos, key(t.text), _subscripts(p))
                if p.accept("op", "("):             # an arrayed lookup called with its subscripts
                    return ex.Call(t.pos, key(t.text), (sub, *p.arguments()))
                return sub
            if p.accept("op", "("):
                fn = key(t.text)
                if fn == "with lookup":
                    return self._with_lookup(p, t)
                if fn.startswith("get ") and fn != "get time value":
                    return self._get(p, t, fn)
                return ex.Call(t.pos, fn, p.arguments())
            return ex.Name(t.pos, key(t.text))
        if t.kind == "op" and t.text == "(":
            return p.parenthesised()
        if t.kind == "text":
            raise ExprSyntaxError("quoted text is only allowed in the arguments of GET functions", t.pos)
        if t.kind == "end":
            raise ExprSyntaxError("equation ends too early", t.pos)
        raise ExprSyntaxError(f"unexpected '{t.text}'", t.pos)

    def _with_lookup(self, p, t):
        x = p.expr(0)
        p.expect("op", ",", "',' and a lookup table")
        p.expect("op", "(", "'(' opening the lookup table")
        table = lookup_table(p)
        p.expect("op", ")", "')' closing the lookup table")
        p.expect("op", ")", "')' closing WITH LOOKUP")
        assert isinstance(p, VensimParser)
        p.extras.append(table)
        return ex.Call(t.pos, "with lookup", (x, ex.Num(t.pos, float(len(p.extras) - 1))))

    def _get(self, p, t, fn):
        args: list = []
        while True:
            a = p.take()
            if a.kind == "text":
                args.append(a.text[1:-1])
            elif a.kind == "num" or a.kind == "name":
                args.append(a.text)
            else:
                raise ExprSyntaxError(f"the arguments of {fn.upper()} are quoted texts ('file.xlsx')",
                                      a.pos)
            if p.accept("op", ")"):
                break
            p.expect("op", ",", "',' or ')'")
        assert isinstance(p, VensimParser)
        p.extras.append(GetCall(fn, tuple(args)))
        return ex.Call(t.pos, fn, (ex.Num(t.pos, float(len(p.extras) - 1)),))


def _subscripts(p: Parser) -> tuple:
    """``[a, b!, c]`` after its '[': each subscript a name (a range, a subrange or an element)
    as a key; ``!`` after a range marks the range a function runs over (``SUM(x[r!])``)."""
    subs = []
    while True:
        t = p.take()
        if t.kind != "name":
            raise ExprSyntaxError("a subscript is the name of a range or of an element", t.pos)
        bang = p.accept("op", "!")
        subs.append(ex.Name(t.pos, key(t.text) + ("!" if bang else "")))
        if p.accept("op", "]"):
            return tuple(subs)
        p.expect("op", ",", "',' or ']'")


def _signed(p: Parser) -> float:
    neg = False
    while p.tok.kind == "op" and p.tok.text in "+-":
        neg ^= p.take().text == "-"
    t = p.take()
    if t.kind != "num":
        raise ExprSyntaxError(f"expected a number in the lookup table, found '{t.text or 'the end'}'", t.pos)
    return -float(t.text) if neg else float(t.text)


def _pair(p: Parser) -> tuple:
    p.expect("op", "(", "'(' of a point (x, y)")
    x = _signed(p)
    p.expect("op", ",", "',' between x and y")
    y = _signed(p)
    p.expect("op", ")", "')' closing a point")
    return (x, y)


def lookup_table(p: Parser) -> Table:
    """A lookup's points after its opening '(' (which was taken), up to (not including) its ')':
    ``[(xmin,ymin)-(xmax,ymax)], (x1,y1), ...`` with the range optional."""
    xr = yr = None
    if p.accept("op", "["):
        lo = _pair(p)
        p.expect("op", "-", "'-' between the corners of the range")
        hi = _pair(p)
        while p.accept("op", ","):        # reference lines inside the range box
            _pair(p)
        p.expect("op", "]", "']' closing the range")
        xr, yr = (lo[0], hi[0]), (lo[1], hi[1])
        if not p.accept("op", ","):
            return Table((), xr, yr)
    points = [_pair(p)]
    while p.accept("op", ","):
        points.append(_pair(p))
    return Table(points, xr, yr)


VENSIM = VensimSyntax()


def parse(text: str):
    """(tree, extras) of one Vensim equation; names are Vensim keys."""
    return VENSIM.parse_with_extras(text)


def parse_table(text: str) -> Table:
    """A lookup definition's body: the text between the parentheses of ``name( ... )``."""
    p = VensimParser(text, VENSIM)
    table = lookup_table(p)
    if p.tok.kind != "end":
        raise ExprSyntaxError(f"unexpected '{p.tok.text}' after the lookup's points", p.tok.pos)
    return table
