"""A hand-written Pratt parser for FEEL (DMN 1.5 chapter 10) producing tuples `(kind, pos, ...)`.

Why Pratt and not a lark grammar: FEEL's names contain spaces and keywords ("date and time"), so the tokens
depend on which names are in scope; `..` ranges, `[`/`(`/`]` interval brackets, unary tests and the
`instance of` type syntax all need a token of look-ahead and local decisions that an LALR table expresses badly.
The hand-written parser is about 250 lines, has no dependency, and reports the exact position of an error."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .errors import FeelError
from .lexer import Lexer, Token
from .signatures import Signatures
from .values import DECIMAL

Node = tuple[Any, ...]
COMPARE = ("=", "!=", "<", "<=", ">", ">=")
_BP = {"or": 10, "and": 20, "=": 30, "!=": 30, "<": 30, "<=": 30, ">": 30, ">=": 30, "between": 30, "in": 30,
       "instance": 30, "+": 40, "-": 40, "*": 50, "/": 50, "**": 60, "[": 80, ".": 80, "(": 80}
_NEG_BP = 70


class Parser(Signatures):
    def __init__(self, text: str, names: tuple[str, ...] = ()):
        self.text = text
        self.toks: list[Token] = Lexer(text, names).tokens()
        self.i = 0
        self.in_range_end = False  # `[1..2[`: a '[' after a range's end closes it, it is no filter

    # -- helpers
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Token:
        t = self.toks[self.i]
        self.i += 1
        return t

    def at(self, value: str, kind: str | None = None) -> bool:
        t = self.tok
        return t.value == value and t.kind in ((kind,) if kind else ("op", "kw"))

    def expect(self, value: str) -> Token:
        if not self.at(value):
            self.fail(f"expected {value!r}")
        return self.next()

    def fail(self, message: str, tok: Token | None = None) -> None:
        t = tok or self.tok
        found = "end of expression" if t.kind == "end" else repr(t.value)
        raise FeelError(f"{message}, found {found}", self.text, t.pos)

    def done(self) -> None:
        if self.tok.kind != "end":
            self.fail("unexpected token")

    # -- entry points
    def expression(self) -> Node:
        node = self.expr(0)
        self.done()
        return node

    def unary_tests(self) -> Node:
        t = self.tok
        if t.kind == "op" and t.value == "-" and self.peek().kind == "end":
            return ("ut_any", t.pos)
        if t.kind == "name" and t.value == "not" and self.peek().value == "(":
            save = self.i
            self.next()
            self.next()
            tests = self.positive_tests()
            if self.at(")") and self.peek().kind == "end":
                self.next()
                return ("ut_not", t.pos, tests)
            self.i = save
        tests = self.positive_tests()
        self.done()
        return ("ut_list", t.pos, tests)

    def positive_tests(self) -> list[Node]:
        tests = [self.positive_test()]
        while self.at(","):
            self.next()
            tests.append(self.positive_test())
        return tests

    def positive_test(self) -> Node:
        t = self.tok
        if t.kind == "op" and t.value in COMPARE:
            self.next()
            return ("ut_cmp", t.pos, t.value, self.expr(_BP["="]))
        e = self.expr(0)
        return ("ut_expr", t.pos, e, _uses_input(e))

    # -- Pratt core
    def expr(self, rbp: int) -> Node:
        left = self.nud()
        while True:
            t = self.tok
            if t.kind not in ("op", "kw"):
                break
            bp = _BP.get(t.value, 0)
            if t.value == "[" and self.in_range_end:
                break
            if bp <= rbp:
                break
            left = self.led(left)
        return left

    def nud(self) -> Node:
        t = self.next()
        k, v, p = t.kind, t.value, t.pos
        if k == "num":
            return ("num", p, DECIMAL.create_decimal(v) if "e" in v.lower() else Decimal(v))
        if k == "str":
            return ("str", p, v)
        if k == "name":
            return ("name", p, v)
        if k == "kw":
            if v in ("true", "false"):
                return ("bool", p, v == "true")
            if v == "null":
                return ("null", p)
            if v == "if":
                c = self.expr(0)
                self.expect("then")
                a = self.expr(0)
                self.expect("else")
                return ("if", p, c, a, self.expr(0))
            if v == "for":
                its = self.iterations(True)
                self.expect("return")
                return ("for", p, its, self.expr(0))
            if v in ("some", "every"):
                its = self.iterations(False)
                self.expect("satisfies")
                return ("quant", p, v, its, self.expr(0))
            if v == "function":
                return self.function_def(p)
        if k == "op":
            if v == "-":
                return ("neg", p, self.expr(_NEG_BP))
            if v == "@":
                s = self.next()
                if s.kind != "str":
                    self.fail("expected a string after '@'", s)
                return ("at", p, s.value)
            if v == "(":
                saved, self.in_range_end = self.in_range_end, False
                try:
                    return self._paren(p)
                finally:
                    self.in_range_end = saved
            if v == "[":
                saved, self.in_range_end = self.in_range_end, False
                try:
                    return self._bracket(p)
                finally:
                    self.in_range_end = saved
            if v == "]":
                return self.range_rest(p, False, self.expr(0))
            if v == "{":
                return self.context(p)
            if v in COMPARE:  # a unary comparison used as a range: `x in < 5`, `(=10)`
                return ("oprange", p, v, self.expr(_BP["="]))
            if v == "?":
                return ("name", p, "?")
        self.i -= 1
        self.fail("expected an expression")
        raise AssertionError

    def _paren(self, p: int) -> Node:
        if self.at(")"):
            self.fail("expected an expression")
        e = self.expr(0)
        if self.at(".."):
            return self.range_rest(p, False, e)
        self.expect(")")
        return e

    def _bracket(self, p: int) -> Node:
        if self.at("]"):
            self.next()
            return ("list", p, [])
        e = self.expr(0)
        if self.at(".."):
            return self.range_rest(p, True, e)
        items = [e]
        while self.at(","):
            self.next()
            items.append(self.expr(0))
        self.expect("]")
        return ("list", p, items)

    def led(self, left: Node) -> Node:
        t = self.next()
        v, p = t.value, t.pos
        if v in ("+", "-", "*", "/", "**"):
            return ("bin", p, v, left, self.expr(_BP[v]))
        if v in COMPARE:
            return ("cmp", p, v, left, self.expr(_BP[v]))
        if v == "and":
            return ("and", p, left, self.expr(_BP[v]))
        if v == "or":
            return ("or", p, left, self.expr(_BP[v]))
        if v == "between":
            lo = self.expr(_BP["+"] - 1)
            self.expect("and")
            return ("between", p, left, lo, self.expr(_BP["+"] - 1))
        if v == "in":
            if self.at("(") and (self._paren_tests_ahead() or (self.peek().kind == "op"
                                                               and self.peek().value in COMPARE)):
                self.next()
                tests = self.positive_tests()
                self.expect(")")
            else:
                tests = [self.positive_test_in()]
            return ("in", p, left, tests)
        if v == "instance":
            self.expect("of")
            return ("instof", p, left, self.type_ref())
        if v == "[":
            f = self.expr(0)
            self.expect("]")
            return ("filter", p, left, f)
        if v == ".":
            n = self.next()
            if n.kind not in ("name", "kw"):
                self.fail("expected a name after '.'", n)
            return ("path", p, left, n.value)
        if v == "(":
            return ("call", p, left, self.arguments())
        self.i -= 1
        self.fail("unexpected token")
        raise AssertionError

    def positive_test_in(self) -> Node:
        t = self.tok
        if t.kind == "op" and t.value in COMPARE:
            self.next()
            return ("ut_cmp", t.pos, t.value, self.expr(_BP["="]))
        return ("ut_expr", t.pos, self.expr(_BP["in"]), False)

    def _paren_tests_ahead(self) -> bool:
        """`x in (1, 2)` is a list of tests; `x in (1..2]` is a range: look for a top-level comma."""
        depth, j = 0, self.i
        while j < len(self.toks):
            t = self.toks[j]
            if t.kind == "op" and t.value in ("(", "[", "{"):
                depth += 1
            elif t.kind == "op" and t.value in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    return False
            elif t.kind == "op" and t.value == ".." and depth == 1:
                return False
            elif t.kind == "op" and t.value == "," and depth == 1:
                return True
            elif t.kind == "end":
                return False
            j += 1
        return False

    def range_rest(self, p: int, start_incl: bool, start: Node) -> Node:
        self.expect("..")
        saved, self.in_range_end = self.in_range_end, True
        end = self.expr(0)
        self.in_range_end = saved
        t = self.next()
        if t.value not in ("]", ")", "["):
            self.fail("expected ']', ')' or '[' to close the range", t)
        return ("range", p, start_incl, start, end, t.value == "]")

    def iterations(self, allow_range: bool) -> list[tuple[str, Node]]:
        its = []
        while True:
            n = self.next()
            if n.kind != "name":
                self.fail("expected a name", n)
            self.expect("in")
            e = self.expr(0)
            if allow_range and self.at(".."):
                self.next()
                e = ("iterrange", e[1], e, self.expr(0))
            its.append((n.value, e))
            if not self.at(","):
                return its
            self.next()

    def context(self, p: int) -> Node:
        entries = []
        while not self.at("}"):
            k = self.next()
            if k.kind not in ("name", "str", "kw"):
                self.fail("expected a context key", k)
            key = k.value
            if k.kind == "name" and not self.at(":"):  # a key with symbols in it: `{foo+bar: 1}`
                while self.tok.kind in ("name", "op", "num") and not self.at(":") and self.tok.value not in ",{}[]()":
                    self.next()
                key = self.text[k.pos:self.tok.pos].strip()
            self.expect(":")
            entries.append((key, self.expr(0)))
            if not self.at(","):
                break
            self.next()
        self.expect("}")
        return ("ctx", p, entries)


def _uses_input(node: Any) -> bool:
    if isinstance(node, tuple):
        if len(node) >= 3 and node[0] == "name" and node[2] == "?":
            return True
        return any(_uses_input(x) for x in node[1:])
    if isinstance(node, list):
        return any(_uses_input(x) for x in node)
    return False
