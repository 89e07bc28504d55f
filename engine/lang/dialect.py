"""Dialects of the parser core: what a dialect declares, and carbonloop's own equation syntax.

A dialect gives the parser its tokeniser, its precedence levels (lowest first), where an
if-then-else may stand, how a power's right side starts, and how an atom (number, name, call,
parenthesis) reads. carbonloop's syntax (model files, scenarios, sweep and calibration specs)::

    expr    := 'if' expr 'then' expr 'else' expr | or
    or      := and ('or' and)*
    and     := not ('and' not)*
    not     := 'not' not | cmp
    cmp     := sum (('=' | '==' | '<>' | '!=' | '<' | '<=' | '>' | '>=') sum)?
    sum     := prod (('+' | '-') prod)*
    prod    := unary (('*' | '/') unary)*
    unary   := ('-' | '+') unary | power
    power   := atom ('^' unary)?          # right-associative; '**' is accepted too
    atom    := NUMBER | NAME | NAME '(' args ')' | '(' expr ')'

Function names are case-insensitive and may be written with spaces ("DELAY FIXED", "IF THEN ELSE").
"""
from __future__ import annotations

import re

from .names import KEYWORDS
from .parser import ExprSyntaxError, Level, Parser, Tok
from .tree import Call, Name, Node, Sub


class Dialect:
    """The tables one syntax gives the parser core (subclass and override)."""

    levels: tuple = ()
    power_rhs: int = 0          # the level a power's right-hand side is parsed at
    if_anywhere = False         # True: IF THEN ELSE may stand wherever an operand may

    def tokenize(self, text: str) -> list:
        """The equation's tokens, ending with an 'end' token."""
        raise NotImplementedError

    def atom(self, p: Parser) -> Node:
        """A number, name, call or parenthesised expression at the parser's position."""
        raise NotImplementedError

    def word(self, kw: str) -> str:
        """How a keyword is quoted in messages."""
        return f"'{kw}'"

    def parse(self, text: str) -> Node:
        """Parse one equation of this dialect."""
        return Parser(text, self).parse()


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|<=|>=|<>|!=|==|&&|\|\||[-+*/^(),<>=!\[\]])
  | (?P<bad>.)
""", re.VERBOSE)

FORBIDDEN_WORDS = {
    "lambda": "lambda expressions are not allowed",
    "for": "comprehensions and loops are not allowed",
    "in": "comprehensions and membership tests are not allowed",
    "import": "imports are not allowed",
    "def": "definitions are not allowed",
    "class": "definitions are not allowed",
    "yield": "generators are not allowed",
    "await": "'await' is not allowed",
}
_BAD_CHARS = {
    ".": "attribute access ('.') is not allowed",
    '"': "text strings are not allowed in equations",
    "'": "text strings are not allowed in equations",
}
# multi-word builtins a modeller writes with spaces
_MULTIWORD = re.compile(r"\b(if\s+then\s+else|delay\s+fixed|pulse\s+train|with\s+lookup)\s*\(", re.I)


class CarbonloopSyntax(Dialect):
    """carbonloop's own equation syntax (see the module docstring)."""

    levels = (
        Level("left", {"or": "or", "||": "or"}),
        Level("left", {"and": "and", "&&": "and"}),
        Level("prefix", {"not": "not", "!": "not"}),
        Level("nonassoc", {"=": "==", "==": "==", "<>": "!=", "!=": "!=", "<": "<", "<=": "<=",
                           ">": ">", ">=": ">="}),
        Level("left", {"+": "+", "-": "-"}),
        Level("left", {"*": "*", "/": "/"}),
        Level("prefix", {"-": "-", "+": "+"}),
        Level("right", {"^": "^", "**": "^"}),
    )
    power_rhs = 6

    def tokenize(self, text: str) -> list:
        """Split equation text into tokens; reject characters with no meaning in an equation."""
        text = _MULTIWORD.sub(lambda m: re.sub(r"\s+", "_", m.group(1)) + "(", text)
        out: list = []
        for m in _TOKEN.finditer(text):
            kind, s = str(m.lastgroup), m.group()
            if kind == "ws":
                continue
            if kind == "bad":
                if s in _BAD_CHARS:
                    raise ExprSyntaxError(_BAD_CHARS[s], m.start(), forbidden=True)
                if s in "{}:;@":
                    raise ExprSyntaxError(f"'{s}' is not allowed in an equation", m.start(), forbidden=True)
                raise ExprSyntaxError(f"unexpected character '{s}'", m.start())
            if kind == "name":
                low = s.lower()
                if s.startswith("__"):
                    raise ExprSyntaxError(f"names starting with '__' ({s}) are not allowed", m.start(),
                                          forbidden=True)
                if low in FORBIDDEN_WORDS:
                    raise ExprSyntaxError(FORBIDDEN_WORDS[low], m.start(), forbidden=True)
                if low in KEYWORDS:
                    kind, s = "kw", low
            out.append(Tok(kind, s, m.start()))
        out.append(Tok("end", "", len(text)))
        return out

    def atom(self, p: Parser) -> Node:
        """A number, name, call or parenthesised expression."""
        t = p.take()
        if t.kind == "num":
            return p.number(t)
        if t.kind == "name":
            if p.accept("op", "("):
                return Call(t.pos, t.text.lower(), p.arguments())
            if p.accept("op", "["):
                return Sub(t.pos, t.text, subscripts(p))
            return Name(t.pos, t.text)
        if t.kind == "op" and t.text == "[":
            raise ExprSyntaxError("a subscript '[...]' must follow the name of an arrayed element", t.pos)
        if t.kind == "op" and t.text == "(":
            return p.parenthesised()
        if t.kind == "end":
            raise ExprSyntaxError("equation ends too early", t.pos)
        raise ExprSyntaxError(f"unexpected '{t.text}'", t.pos)


def subscripts(p: Parser) -> tuple:
    """The subscripts of ``name[...]`` after its '[' was taken: expressions, or '*' for a whole
    dimension (inside a reduction)."""
    subs: list = []
    p.depth += 1
    try:
        while True:
            star = p.accept("op", "*")
            subs.append(Name(star.pos, "*") if star else p.expr(0))
            if p.accept("op", "]"):
                return tuple(subs)
            p.expect("op", ",", "',' or ']'")
    finally:
        p.depth -= 1


CARBONLOOP = CarbonloopSyntax()


def parse(text) -> Node:
    """Parse carbonloop equation text (or a bare number) into a syntax tree."""
    if isinstance(text, bool):
        raise ExprSyntaxError("true/false is not a number", 0)
    if isinstance(text, (int, float)):
        from .tree import Num
        return Num(0, float(text))
    return CARBONLOOP.parse(str(text))
