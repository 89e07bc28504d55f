"""Equation text -> syntax tree. Parses, never evaluates: only a closed set of node types exists.

Grammar (lowest to highest precedence)::

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
from dataclasses import dataclass
from typing import Iterator

# --------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class Node:
    pos: int


@dataclass(frozen=True)
class Num(Node):
    value: float


@dataclass(frozen=True)
class Name(Node):
    id: str


@dataclass(frozen=True)
class Unary(Node):
    op: str          # '-', 'not'
    arg: Node


@dataclass(frozen=True)
class Bin(Node):
    op: str          # + - * / ^ < <= > >= == != and or
    left: Node
    right: Node


@dataclass(frozen=True)
class If(Node):
    cond: Node
    then: Node
    other: Node


@dataclass(frozen=True)
class Call(Node):
    fn: str          # lower-case, spaces as '_'
    args: tuple


class ExprSyntaxError(Exception):
    """An equation that does not parse; ``pos`` is the 0-based column."""

    def __init__(self, message: str, pos: int, forbidden: bool = False):
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.forbidden = forbidden


# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|<=|>=|<>|!=|==|&&|\|\||[-+*/^(),<>=!])
  | (?P<bad>.)
""", re.VERBOSE)

_KEYWORDS = {"if", "then", "else", "and", "or", "not"}
_FORBIDDEN_WORDS = {
    "lambda": "lambda expressions are not allowed",
    "for": "comprehensions and loops are not allowed",
    "in": "comprehensions and membership tests are not allowed",
    "import": "imports are not allowed",
    "def": "definitions are not allowed",
    "class": "definitions are not allowed",
    "yield": "generators are not allowed",
    "await": "'await' is not allowed",
}
# multi-word builtins a modeller writes with spaces
_MULTIWORD = re.compile(r"\b(if\s+then\s+else|delay\s+fixed|pulse\s+train|with\s+lookup)\s*\(", re.I)


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str
    pos: int


def tokenize(text: str) -> list[Tok]:
    """Split equation text into tokens; reject characters with no meaning in an equation."""
    text = _MULTIWORD.sub(lambda m: re.sub(r"\s+", "_", m.group(1)) + "(", text)
    out: list[Tok] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        s = m.group()
        if kind == "ws":
            continue
        if kind == "bad":
            if s in "[]":
                raise ExprSyntaxError("subscripts are not allowed (call a lookup as name(x))",
                                      m.start(), forbidden=True)
            if s == ".":
                raise ExprSyntaxError("attribute access ('.') is not allowed", m.start(), forbidden=True)
            if s in "\"'":
                raise ExprSyntaxError("text strings are not allowed in equations", m.start(), forbidden=True)
            if s in "{}:;@":
                raise ExprSyntaxError(f"'{s}' is not allowed in an equation", m.start(), forbidden=True)
            raise ExprSyntaxError(f"unexpected character '{s}'", m.start())
        if kind == "name":
            low = s.lower()
            if s.startswith("__"):
                raise ExprSyntaxError(f"names starting with '__' ({s}) are not allowed", m.start(),
                                      forbidden=True)
            if low in _FORBIDDEN_WORDS:
                raise ExprSyntaxError(_FORBIDDEN_WORDS[low], m.start(), forbidden=True)
            if low in _KEYWORDS:
                kind = "kw"
                s = low
        out.append(Tok(kind, s, m.start()))
    out.append(Tok("end", "", len(text)))
    return out


# --------------------------------------------------------------------------- parser

_CMP = {"=": "==", "==": "==", "<>": "!=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class _Parser:
    def __init__(self, text: str):
        self.toks = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def take(self) -> Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def accept(self, kind: str, text: str | None = None) -> Tok | None:
        t = self.tok
        if t.kind == kind and (text is None or t.text == text):
            self.i += 1
            return t
        return None

    def expect(self, kind: str, text: str, what: str) -> Tok:
        t = self.accept(kind, text)
        if t is None:
            got = self.tok.text or "end of equation"
            raise ExprSyntaxError(f"expected {what}, found '{got}'", self.tok.pos)
        return t

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ExprSyntaxError("empty equation", 0)
        node = self.expr()
        if self.tok.kind != "end":
            t = self.tok
            if t.kind == "op" and t.text == "=":
                raise ExprSyntaxError("unexpected '='", t.pos)
            raise ExprSyntaxError(f"unexpected '{t.text}' after a complete expression", t.pos)
        return node

    def expr(self) -> Node:
        t = self.accept("kw", "if")
        if t:
            cond = self.expr()
            self.expect("kw", "then", "'then'")
            a = self.expr()
            self.expect("kw", "else", "'else'")
            b = self.expr()
            return If(t.pos, cond, a, b)
        return self.or_()

    def or_(self) -> Node:
        node = self.and_()
        while True:
            t = self.accept("kw", "or") or self.accept("op", "||")
            if not t:
                return node
            node = Bin(t.pos, "or", node, self.and_())

    def and_(self) -> Node:
        node = self.not_()
        while True:
            t = self.accept("kw", "and") or self.accept("op", "&&")
            if not t:
                return node
            node = Bin(t.pos, "and", node, self.not_())

    def not_(self) -> Node:
        t = self.accept("kw", "not") or self.accept("op", "!")
        if t:
            return Unary(t.pos, "not", self.not_())
        return self.cmp()

    def cmp(self) -> Node:
        node = self.sum()
        t = self.tok
        if t.kind == "op" and t.text in _CMP:
            self.take()
            node = Bin(t.pos, _CMP[t.text], node, self.sum())
            nt = self.tok
            if nt.kind == "op" and nt.text in _CMP:
                raise ExprSyntaxError("chained comparisons are ambiguous; use 'and'", nt.pos)
        return node

    def sum(self) -> Node:
        node = self.prod()
        while self.tok.kind == "op" and self.tok.text in "+-":
            t = self.take()
            node = Bin(t.pos, t.text, node, self.prod())
        return node

    def prod(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            t = self.take()
            node = Bin(t.pos, t.text, node, self.unary())
        return node

    def unary(self) -> Node:
        t = self.tok
        if t.kind == "op" and t.text in "+-":
            self.take()
            arg = self.unary()
            return arg if t.text == "+" else Unary(t.pos, "-", arg)
        return self.power()

    def power(self) -> Node:
        node = self.atom()
        t = self.tok
        if t.kind == "op" and t.text in ("^", "**"):
            self.take()
            node = Bin(t.pos, "^", node, self.unary())
        return node

    def atom(self) -> Node:
        t = self.take()
        if t.kind == "num":
            return Num(t.pos, float(t.text))
        if t.kind == "name":
            if self.accept("op", "("):
                args = []
                if not self.accept("op", ")"):
                    while True:
                        args.append(self.expr())
                        if self.accept("op", ")"):
                            break
                        self.expect("op", ",", "',' or ')'")
                return Call(t.pos, t.text.lower(), tuple(args))
            return Name(t.pos, t.text)
        if t.kind == "op" and t.text == "(":
            node = self.expr()
            self.expect("op", ")", "')'")
            return node
        if t.kind == "end":
            raise ExprSyntaxError("equation ends too early", t.pos)
        raise ExprSyntaxError(f"unexpected '{t.text}'", t.pos)


def parse(text: str | float | int) -> Node:
    """Parse equation text (or a bare number) into a syntax tree."""
    if isinstance(text, bool):
        raise ExprSyntaxError("true/false is not a number", 0)
    if isinstance(text, (int, float)):
        return Num(0, float(text))
    return _Parser(str(text)).parse()


# --------------------------------------------------------------------------- helpers


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    yield node
    if isinstance(node, Unary):
        yield from walk(node.arg)
    elif isinstance(node, Bin):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, If):
        yield from walk(node.cond)
        yield from walk(node.then)
        yield from walk(node.other)
    elif isinstance(node, Call):
        for a in node.args:
            yield from walk(a)


def names(node: Node) -> set[str]:
    """Names of elements an expression refers to (function names excluded)."""
    return {n.id for n in walk(node) if isinstance(n, Name)}


def calls(node: Node) -> set[str]:
    """Names of functions (and lookups) an expression calls."""
    return {n.fn for n in walk(node) if isinstance(n, Call)}


_PREC = {"or": 1, "and": 2, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4,
         "+": 5, "-": 5, "*": 6, "/": 6, "^": 8}


def unparse(node: Node, parent: int = 0) -> str:
    """Equation text of a tree (fully parenthesised where precedence requires)."""
    if isinstance(node, Num):
        v = node.value
        return repr(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(node, Name):
        return node.id
    if isinstance(node, Unary):
        inner = unparse(node.arg, 7)
        return f"-{inner}" if node.op == "-" else f"not {inner}"
    if isinstance(node, Bin):
        p = _PREC[node.op]
        text = f"{unparse(node.left, p)} {node.op} {unparse(node.right, p + (node.op != '^'))}"
        return f"({text})" if p < parent or (node.op == "^" and parent >= p) else text
    if isinstance(node, If):
        text = f"if {unparse(node.cond)} then {unparse(node.then)} else {unparse(node.other)}"
        return f"({text})" if parent else text
    if isinstance(node, Call):
        return f"{node.fn}({', '.join(unparse(a) for a in node.args)})"
    raise TypeError(node)


def substitute(node: Node, mapping: dict) -> Node:
    """A copy of the tree with names (and calls keyed by node identity) replaced per ``mapping``."""
    if id(node) in mapping:
        return mapping[id(node)]
    if isinstance(node, Name):
        return mapping.get(node.id, node)
    if isinstance(node, Unary):
        return Unary(node.pos, node.op, substitute(node.arg, mapping))
    if isinstance(node, Bin):
        return Bin(node.pos, node.op, substitute(node.left, mapping), substitute(node.right, mapping))
    if isinstance(node, If):
        return If(node.pos, substitute(node.cond, mapping), substitute(node.then, mapping),
                  substitute(node.other, mapping))
    if isinstance(node, Call):
        return Call(node.pos, node.fn, tuple(substitute(a, mapping) for a in node.args))
    return node
