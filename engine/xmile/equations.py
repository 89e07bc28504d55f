"""XMILE equation text -> carbonloop syntax tree (a small tokeniser and parser; never eval).

XMILE differs from carbonloop's own syntax: names may be quoted ("Heat Loss") and hold any
character, comparisons use ``=`` and ``<>``, logic is AND / OR / NOT, ``MOD`` is an operator,
``IF c THEN a ELSE b`` may appear anywhere, ``^`` binds tighter than unary minus, ``{...}`` is a
comment. Names come out as XMILE keys (``names.key``) and function names as lower-case keys;
``resolve.py`` then maps them to identifiers and builtins.

Precedence, lowest first: IF; OR; AND; = <>; < <= > >=; + -; * / MOD; unary + - NOT; ^ (grouping
to the right); atoms. ``name[sub]`` (one subscript) comes out as the name key ``name[sub]``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .. import expr as ex
from .names import key

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\{[^}]*\})
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<quoted>"(?:[^"\\]|\\.)*")
  | (?P<name>[^\W\d][\w$.]*)
  | (?P<op><=|>=|<>|!=|==|\*\*|[-+*/^(),<>=\[\]:!])
  | (?P<bad>.)
""", re.VERBOSE | re.UNICODE)

_KEYWORDS = {"if", "then", "else", "and", "or", "not", "mod"}


class EquationError(Exception):
    """An equation that does not parse; ``pos`` is the 0-based column."""

    def __init__(self, message: str, pos: int, construct: str | None = None):
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.construct = construct      # set when the text is valid XMILE carbonloop cannot take


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str
    pos: int


def tokenize(text: str) -> list:
    out = []
    for m in _TOKEN.finditer(text):
        kind, s = m.lastgroup, m.group()
        if kind in ("ws", "comment"):
            continue
        if kind == "bad":
            raise EquationError(f"unexpected character '{s}'", m.start())
        if kind == "name" and s.lower() in _KEYWORDS:
            kind, s = "kw", s.lower()
        if kind == "quoted":
            kind = "name"
        out.append(Tok(kind, s, m.start()))
    out.append(Tok("end", "", len(text)))
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    @property
    def tok(self):
        return self.toks[self.i]

    def take(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def accept(self, kind, *texts):
        t = self.tok
        if t.kind == kind and (not texts or t.text.lower() in texts):
            self.i += 1
            return t
        return None

    def expect(self, kind, text, what):
        t = self.accept(kind, text)
        if t is None:
            raise EquationError(f"expected {what}, found '{self.tok.text or 'end of equation'}'",
                                self.tok.pos)
        return t

    def parse(self):
        if self.tok.kind == "end":
            raise EquationError("empty equation", 0)
        node = self.expr()
        if self.tok.kind != "end":
            raise EquationError(f"unexpected '{self.tok.text}' after a complete expression", self.tok.pos)
        return node

    def expr(self):
        t = self.accept("kw", "if")
        if t:
            cond = self.expr()
            self.expect("kw", "then", "THEN")
            a = self.expr()
            self.expect("kw", "else", "ELSE")
            return ex.If(t.pos, cond, a, self.expr())
        return self.binary(0)

    _LEVELS = (("or", "||"), ("and", "&&"), ("=", "==", "<>", "!="), ("<", "<=", ">", ">="),
               ("+", "-"), ("*", "/", "mod"))
    _OPS = {"or": "or", "||": "or", "and": "and", "&&": "and", "=": "==", "==": "==", "<>": "!=",
            "!=": "!="}

    def binary(self, level):
        if level == len(self._LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while True:
            t = self.tok
            if t.kind not in ("op", "kw") or t.text.lower() not in self._LEVELS[level]:
                return node
            self.take()
            right = self.binary(level + 1)
            op = t.text.lower()
            if op == "mod":
                node = ex.Call(t.pos, "mod", (node, right))
            else:
                node = ex.Bin(t.pos, self._OPS.get(op, op), node, right)

    def unary(self):
        t = self.accept("op", "-", "+", "!") or self.accept("kw", "not")
        if t:
            arg = self.unary()
            if t.text == "+":
                return arg
            return ex.Unary(t.pos, "-" if t.text == "-" else "not", arg)
        return self.power()

    def power(self):
        """``^`` groups to the right (``a^b^c`` is ``a^(b^c)``, ``a^-b^c`` is ``a^-(b^c)``)."""
        node = self.atom()
        t = self.accept("op", "^", "**")
        if not t:
            return node
        sign = self.accept("op", "-", "+")
        right = self.power()
        if sign is not None and sign.text == "-":
            right = ex.Unary(sign.pos, "-", right)
        return ex.Bin(t.pos, "^", node, right)

    def atom(self):
        t = self.take()
        if t.kind == "num":
            return ex.Num(t.pos, float(t.text))
        if t.kind == "kw" and t.text == "if":
            self.i -= 1
            return self.expr()
        if t.kind == "name":
            words = [t.text]
            while self.tok.kind == "name" and not t.text.startswith('"') and \
                    self.toks[self.i + 1].kind in ("name", "op") and self._call_ahead():
                words.append(self.take().text)
            if self.accept("op", "("):
                return ex.Call(t.pos, key(" ".join(words)), self.args())
            if len(words) > 1:
                raise EquationError(f"unexpected '{words[1]}'", t.pos)
            if self.accept("op", "["):
                return ex.Name(t.pos, f"{key(t.text)}[{self.subscript(t.text)}]")
            return ex.Name(t.pos, key(t.text))
        if t.kind == "op" and t.text == "(":
            node = self.expr()
            self.expect("op", ")", "')'")
            return node
        if t.kind == "end":
            raise EquationError("equation ends too early", t.pos)
        raise EquationError(f"unexpected '{t.text}'", t.pos)

    def subscript(self, name):
        """The one subscript of ``name[...]``: an element or dimension name, a number, or ``*``."""
        t = self.take()
        if not (t.kind in ("name", "num") or (t.kind == "op" and t.text == "*")):
            raise EquationError("array subscripts other than a name, a number or * are not "
                                "supported", t.pos, construct=f"array subscript {name}[...]")
        if self.tok.kind == "op" and self.tok.text in (",", ":"):
            raise EquationError("more than one subscript", self.tok.pos,
                                construct=f"array subscript {name}[...] of more than one dimension")
        self.expect("op", "]", "']'")
        return t.text if t.text == "*" else key(t.text)

    def _call_ahead(self):
        """Unquoted words followed by '(' name a function written with spaces (EXPRESSION MACRO)."""
        j = self.i
        while self.toks[j].kind == "name":
            j += 1
        return self.toks[j].kind == "op" and self.toks[j].text == "("

    def args(self):
        args = []
        if self.accept("op", ")"):
            return ()
        while True:
            args.append(self.expr())
            if self.accept("op", ")"):
                return tuple(args)
            self.expect("op", ",", "',' or ')'")


def parse(text: str) -> ex.Node:
    """Parse one XMILE equation into a tree whose names are XMILE keys."""
    return _Parser(text).parse()


def is_empty(text: str | None) -> bool:
    """An equation with nothing but whitespace and comments."""
    try:
        return not (text or "").strip() or all(t.kind == "end" for t in tokenize(text))
    except EquationError:       # not empty; parsing it reports the fault
        return False
