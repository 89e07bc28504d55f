"""The one parser core: equation text -> syntax tree, driven by a dialect's tables.

Precedence climbing over the levels a dialect declares (see ``dialects.py``). It parses and
never evaluates: only the node types of ``tree.py`` come out. Two limits keep every later stage
safe: nesting (parentheses, function calls, prefix operators, powers) deeper than ``MAX_DEPTH``
is refused with a clear message, and a chain of more than ``CHAIN`` terms joined by the same
associative operator (a sum of 100,000 terms) is built as a balanced tree, so that its depth
grows with the logarithm of its length; a chain that cannot be regrouped (comparisons, MOD) may
hold at most ``MAX_DEPTH`` operators.
"""
from __future__ import annotations

from dataclasses import dataclass

from .tree import Bin, Call, If, Node, Num, Unary

MAX_DEPTH = 80          # nested parentheses, calls, prefix operators and powers
CHAIN = 64              # longer chains of one associative level are balanced


class ExprSyntaxError(Exception):
    """An equation that does not parse; ``pos`` is the 0-based column.

    ``forbidden`` marks constructs refused on purpose (Python syntax, strings, subscripts);
    ``construct`` names valid syntax of another tool that carbonloop does not support.
    """

    def __init__(self, message: str, pos: int, forbidden: bool = False, construct: str | None = None):
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.forbidden = forbidden
        self.construct = construct


def excerpt(text: str, pos: int, width: int = 80) -> str:
    """``text`` as a message quotes it: whole when short, else the ``width`` characters around
    column ``pos`` with '...' where it was cut."""
    text = str(text)
    if len(text) <= width:
        return text
    start = max(0, min(pos - width // 2, len(text) - width))
    return ("..." if start else "") + text[start:start + width] + ("..." if start + width < len(text) else "")


@dataclass(frozen=True)
class Tok:
    """One token: its kind (num, name, op, kw, end), text and column."""
    kind: str
    text: str
    pos: int


@dataclass(frozen=True)
class Level:
    """One precedence level: ``kind`` is 'left' (associative chain), 'nonassoc' (no chaining),
    'chain' (left-associative, never balanced), 'prefix' (unary operators) or 'right' (power);
    ``ops`` maps token text (lower case) to the operator it builds."""
    kind: str
    ops: dict


class Parser:
    """Parses one equation of one dialect (see ``dialects.Dialect``)."""

    def __init__(self, text: str, dialect):
        self.d = dialect
        self.toks = dialect.tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Tok:
        """The current token."""
        return self.toks[self.i]

    def take(self) -> Tok:
        """The current token; moves past it."""
        t = self.toks[self.i]
        self.i += 1
        return t

    def accept(self, kind: str, *texts: str) -> Tok | None:
        """Take the current token if it is of ``kind`` (and one of ``texts``, when given)."""
        t = self.tok
        if t.kind == kind and (not texts or t.text.lower() in texts):
            self.i += 1
            return t
        return None

    def expect(self, kind: str, text: str, what: str) -> Tok:
        """Take a required token, or say what was found instead."""
        t = self.accept(kind, text)
        if t is None:
            raise ExprSyntaxError(f"expected {what}, found '{self.tok.text or 'end of equation'}'",
                                  self.tok.pos)
        return t

    def parse(self) -> Node:
        """The whole text as one expression."""
        if self.tok.kind == "end":
            raise ExprSyntaxError("empty equation", 0)
        node = self.expr(0)
        if self.tok.kind != "end":
            t = self.tok
            if t.text == "=":
                raise ExprSyntaxError("unexpected '='", t.pos)
            raise ExprSyntaxError(f"unexpected '{t.text}' after a complete expression", t.pos)
        return node

    # ------------------------------------------------------------------ expressions
    def expr(self, level: int) -> Node:
        """An expression whose operators all sit at ``level`` or above (tighter)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprSyntaxError(f"the equation is nested too deeply (more than {MAX_DEPTH} "
                                  "levels of parentheses, functions or operators)", self.tok.pos)
        try:
            return self._expr(level)
        finally:
            self.depth -= 1

    def _expr(self, level: int) -> Node:
        if (level == 0 or self.d.if_anywhere) and self.tok.kind == "kw" and self.tok.text == "if":
            return self.conditional()
        left = self.prefixed(level)
        while True:
            t = self.tok
            found = self._level_of(t, level)
            if found is None:
                return left
            lv, spec = found
            if spec.kind == "right":
                self.take()
                right = self.expr(self.d.power_rhs)
                left = Bin(t.pos, spec.ops[t.text.lower()], left, right)
            elif spec.kind == "nonassoc":
                self.take()
                left = Bin(t.pos, spec.ops[t.text.lower()], left, self.expr(lv + 1))
                if self._level_of(self.tok, lv) == (lv, spec):
                    raise ExprSyntaxError("chained comparisons are ambiguous; use 'and'", self.tok.pos)
            else:
                left = self.chain(left, lv, spec)

    def _level_of(self, t: Tok, least: int):
        """The binary level (index, Level) the token ``t`` operates at, if at or above ``least``."""
        if t.kind not in ("op", "kw"):
            return None
        for lv in range(least, len(self.d.levels)):
            spec = self.d.levels[lv]
            if spec.kind != "prefix" and t.text.lower() in spec.ops:
                return lv, spec
        return None

    def chain(self, first: Node, lv: int, spec: Level) -> Node:
        """Operands joined by the operators of one left-associative level."""
        terms, ops = [first], []
        kinds: set = set()          # the operators seen so far (kept as it grows: no rescan per term)
        while True:
            t = self.tok
            if t.kind not in ("op", "kw") or t.text.lower() not in spec.ops:
                break
            self.take()
            ops.append((t.pos, spec.ops[t.text.lower()]))
            kinds.add(ops[-1][1])
            if len(ops) > MAX_DEPTH and not _regroupable(kinds, spec.kind == "left"):
                raise ExprSyntaxError(f"a chain of more than {MAX_DEPTH} '{t.text}' operations that cannot be "
                                      "regrouped (comparisons, MOD) is too long", t.pos)
            terms.append(self.expr(lv + 1))
        return build_chain(terms, ops, balance=spec.kind == "left")

    def prefixed(self, level: int) -> Node:
        """Prefix operators of any level at or above ``level``, then the operand."""
        t = self.tok
        if t.kind in ("op", "kw"):
            for lv in range(level, len(self.d.levels)):
                spec = self.d.levels[lv]
                if spec.kind == "prefix" and t.text.lower() in spec.ops:
                    self.take()
                    arg = self.expr(lv)
                    op = spec.ops[t.text.lower()]
                    return arg if op == "+" else Unary(t.pos, op, arg)
        return self.d.atom(self)

    def conditional(self) -> Node:
        """if cond then a else b."""
        t = self.take()
        cond = self.expr(0)
        self.expect("kw", "then", self.d.word("then"))
        a = self.expr(0)
        self.expect("kw", "else", self.d.word("else"))
        return If(t.pos, cond, a, self.expr(0))

    def parenthesised(self) -> Node:
        """'(' expr ')' after the opening parenthesis was taken."""
        node = self.expr(0)
        self.expect("op", ")", "')'")
        return node

    def arguments(self) -> tuple:
        """A call's arguments after its '(' was taken."""
        args: list = []
        if self.accept("op", ")"):
            return ()
        self.depth += 1
        try:
            while True:
                args.append(self.expr(0))
                if self.accept("op", ")"):
                    return tuple(args)
                self.expect("op", ",", "',' or ')'")
        finally:
            self.depth -= 1

    def number(self, t: Tok) -> Num:
        """A number token as a node."""
        return Num(t.pos, float(t.text))


def _regroupable(kinds: set, balance: bool) -> bool:
    """Whether ``build_chain`` balances a chain of these operators (its depth then stays small)."""
    return balance and (kinds <= {"+", "-"} or kinds <= {"*", "/"} or kinds in ({"and"}, {"or"}))


def build_chain(terms: list, ops: list, balance: bool = True) -> Node:
    """Terms joined left to right by ``ops`` ((pos, op) pairs). Short chains (and chains that
    cannot be regrouped) fold to the left as written; a long chain of + and -, of * and /, or of
    one logical operator becomes a balanced tree of the same value."""
    if not balance or len(terms) <= CHAIN or any(op not in ("+", "-", "*", "/", "and", "or")
                                                 for _, op in ops):
        node = terms[0]
        for (pos, op), t in zip(ops, terms[1:]):
            node = Call(pos, "mod", (node, t)) if op == "mod" else Bin(pos, op, node, t)
        return node
    pos = ops[0][0]
    kinds = {op for _, op in ops}
    if kinds <= {"+", "-"}:
        signed = [terms[0]] + [t if op == "+" else Unary(p, "-", t) for (p, op), t in zip(ops, terms[1:])]
        return balanced("+", signed, pos)
    if kinds <= {"*", "/"}:
        num = [terms[0]] + [t for (_, op), t in zip(ops, terms[1:]) if op == "*"]
        den = [t for (_, op), t in zip(ops, terms[1:]) if op == "/"]
        top = balanced("*", num, pos)
        return Bin(pos, "/", top, balanced("*", den, pos)) if den else top
    return balanced(ops[0][1], terms, pos)


def balanced(op: str, terms: list, pos: int) -> Node:
    """``terms`` joined by ``op`` as a balanced binary tree (built without recursion)."""
    level = list(terms)
    while len(level) > 1:
        nxt = [Bin(pos, op, level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]
