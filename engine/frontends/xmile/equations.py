"""The XMILE dialect of the parser core: XMILE equation text -> carbonloop syntax tree.

XMILE differs from carbonloop's own syntax: names may be quoted ("Heat Loss") and hold any
character, comparisons use ``=`` and ``<>``, logic is AND / OR / NOT, ``MOD`` is an operator,
``IF c THEN a ELSE b`` may appear anywhere, ``^`` binds tighter than unary minus, ``{...}`` is a
comment. Names come out as XMILE keys (``names.key``) and function names as lower-case keys;
``build.py`` then maps them to identifiers and builtins.

Precedence, lowest first: IF; OR; AND; = <>; < <= > >=; + -; * / MOD; unary + - NOT; ^ (grouping
to the right); atoms. ``name[s1, s2]`` comes out as ``Sub`` of the name key: each subscript an
expression (names as keys), or ``*`` for a whole dimension; ``a'`` (the array transposed) comes out as a call
of ``TRANSPOSE``.
"""
from __future__ import annotations

import re

from ... import lang as ex
from ...lang.dialect import Dialect, subscripts
from ...lang.names import KEYWORDS
from ...lang.parser import ExprSyntaxError, Level, Parser, Tok
from .names import key

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\{[^}]*\})
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<quoted>"(?:[^"\\]|\\.)*"(?:\.(?:"(?:[^"\\]|\\.)*"|[\w$]+))*)
  | (?P<name>[^\W\d][\w$]*(?:\.(?:"(?:[^"\\]|\\.)*"|[\w$]+))*)
  | (?P<op><=|>=|<>|!=|==|\*\*|&&|\|\||[-+*/^(),<>=\[\]:!'])
  | (?P<bad>.)
""", re.VERBOSE | re.UNICODE)

_KEYWORDS = KEYWORDS | {"mod"}       # MOD is an operator in XMILE
TRANSPOSE = "'"                      # the call key of XMILE's transposition operator (a')


class XmileSyntax(Dialect):
    """XMILE's equation syntax (see the module docstring)."""

    levels = (
        Level("left", {"or": "or", "||": "or"}),
        Level("left", {"and": "and", "&&": "and"}),
        Level("chain", {"=": "==", "==": "==", "<>": "!=", "!=": "!="}),
        Level("chain", {"<": "<", "<=": "<=", ">": ">", ">=": ">="}),
        Level("left", {"+": "+", "-": "-"}),
        Level("left", {"*": "*", "/": "/", "mod": "mod"}),
        Level("prefix", {"-": "-", "+": "+", "!": "not", "not": "not"}),
        Level("right", {"^": "^", "**": "^"}),
    )
    power_rhs = 6
    if_anywhere = True

    def word(self, kw: str) -> str:
        """Keywords are quoted in messages as XMILE writes them (IF, THEN)."""
        return kw.upper()

    def tokenize(self, text: str) -> list:
        """Split XMILE equation text into tokens; quoted names and comments handled."""
        out = []
        for m in _TOKEN.finditer(text):
            kind, s = m.lastgroup, m.group()
            if kind in ("ws", "comment"):
                continue
            if kind == "bad":
                raise ExprSyntaxError(f"unexpected character '{s}'", m.start())
            if kind == "name" and s.lower() in _KEYWORDS:
                kind, s = "kw", s.lower()
            if kind == "quoted":
                kind = "name"
            out.append(Tok(str(kind), s, m.start()))
        out.append(Tok("end", "", len(text)))
        return out

    def atom(self, p: Parser) -> ex.Node:
        """A number, name, subscripted name, call or parenthesised expression."""
        t = p.take()
        if t.kind == "num":
            return p.number(t)
        if t.kind == "name":
            return self._named(p, t)
        if t.kind == "op" and t.text == "(":
            return p.parenthesised()
        if t.kind == "end":
            raise ExprSyntaxError("equation ends too early", t.pos)
        raise ExprSyntaxError(f"unexpected '{t.text}'", t.pos)

    def _named(self, p: Parser, t: Tok) -> ex.Node:
        words = [t.text]
        while p.tok.kind == "name" and not t.text.startswith('"') and _call_ahead(p):
            words.append(p.take().text)
        if p.accept("op", "("):
            return ex.Call(t.pos, key(" ".join(words)), p.arguments())
        if len(words) > 1:
            raise ExprSyntaxError(f"unexpected '{words[1]}'", t.pos)
        node: ex.Node = ex.Name(t.pos, key(t.text))
        if p.accept("op", "["):
            node = ex.Sub(t.pos, key(t.text), subscripts(p))
        if p.accept("op", "'"):             # a' : the array transposed
            node = ex.Call(t.pos, TRANSPOSE, (node,))
        return node


def _call_ahead(p: Parser) -> bool:
    """Unquoted words followed by '(' name a function written with spaces (EXPRESSION MACRO)."""
    j = p.i
    while p.toks[j].kind == "name":
        j += 1
    return p.toks[j].kind == "op" and p.toks[j].text == "("


XMILE = XmileSyntax()


def parse(text: str) -> ex.Node:
    """Parse one XMILE equation into a tree whose names are XMILE keys."""
    return XMILE.parse(text)


def is_empty(text: str | None) -> bool:
    """An equation with nothing but whitespace and comments."""
    try:
        return not (text or "").strip() or all(t.kind == "end" for t in XMILE.tokenize(text or ""))
    except ExprSyntaxError:       # not empty; parsing it reports the fault
        return False
