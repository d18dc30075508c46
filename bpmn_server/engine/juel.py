"""JUEL, Camunda 7's expression language (`${...}`), read by a tokenizer and a recursive-descent parser and
written out as Python for the sandbox, once, at deploy.

The subset (docs/EXPRESSIONS.md lists it with examples): literals (numbers, strings in single or double
quotes, true, false, null), variables, property and index access on maps and lists (`d.route`, `d['route']`,
`order.items[0].price`), the methods of `juel_runtime.VALUE_METHODS` on strings, lists, maps and numbers, the
`execution` object's properties and methods (`juel_runtime.EXECUTION_PROPERTIES`, `EXECUTION_METHODS`),
`empty`, the arithmetic, relational, logical and conditional operators with their word forms, and
composite text (`Order ${id} for ${customer.name}`). JUEL's coercions (`"5" == 5`, null in arithmetic,
null-safe property access) are done by the `juel_*` helpers of juel_runtime.py that the Python calls.

Everything else (functions such as `now()`, method calls on beans such as `${myBean.doSomething()}`,
lambdas, assignment) raises JuelError, which the deploy turns into a 422 naming the element.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from .juel_dates import FUNCTIONS
from .juel_runtime import EXECUTION, EXECUTION_METHODS, EXECUTION_PROPERTIES, VALUE_METHODS
from .spin import SPIN_METHODS, XML_REFUSED

MARK = "  # JUEL: "  # the translated Python ends with this comment and the original text, for messages
# Python builtins accepted inside ${...} as calls (not JUEL, but this server took Python there before).
# Camunda Spin's JSON functions (spin.py); Spin XML is refused.
SPIN_FUNCTIONS = {"S": "juel_spin", "JSON": "juel_spin"}
PYTHON_FUNCTIONS = frozenset({"len", "str", "int", "float", "bool", "abs", "round", "min", "max", "sum", "sorted",
                              "any", "all", "list"})


class JuelError(ValueError):
    """A JUEL expression that cannot be read, or uses a form this server does not run."""


class JuelUnsupported(JuelError):
    """Valid JUEL in a form this server does not run (a bean method, a function, assignment, ...)."""


@dataclass
class Token:
    kind: str  # num | str | name | op | end
    text: str
    pos: int


_WORD_OPS = {"and": "&&", "or": "||", "not": "!", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=",
             "ge": ">=", "div": "/", "mod": "%"}
_LITERALS = {"true": "True", "false": "False", "null": "None"}
_REFUSED_WORDS = {"instanceof": "'instanceof' is not supported", "function": "lambdas are not supported"}
_OPS = ("&&", "||", "==", "!=", "<=", ">=", "->", "+=", "!", "<", ">", "+", "-", "*", "/", "%", "?", ":", "(",
        ")", "[", "]", ".", ",", ";", "=")
_NUMBER = re.compile(r"(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def tokenize(src: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
            continue
        if c in "'\"":
            j, out = i + 1, []
            while j < n and src[j] != c:
                if src[j] == "\\" and j + 1 < n and src[j + 1] in "'\"\\":
                    j += 1
                out.append(src[j])
                j += 1
            if j >= n:
                raise JuelError(f"a string starting at position {i + 1} is not closed")
            tokens.append(Token("str", "".join(out), i))
            i = j + 1
            continue
        m = _NUMBER.match(src, i)
        if m and (c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit())):
            tokens.append(Token("num", m.group(0), i))
            i = m.end()
            continue
        m = _NAME.match(src, i)
        if m:
            tokens.append(Token("name", m.group(0), i))
            i = m.end()
            continue
        op = next((o for o in _OPS if src.startswith(o, i)), None)
        if op is None:
            raise JuelError(f"unexpected character {c!r} at position {i + 1}")
        tokens.append(Token("op", op, i))
        i += len(op)
    tokens.append(Token("end", "", n))
    return tokens


class _Parser:
    """Precedence, lowest first: ?:, ||, &&, == !=, < > <= >=, + -, * / %, unary (- ! empty), then
    property, index and method suffixes on a primary."""

    def __init__(self, src: str):
        self.tokens = tokenize(src)
        self.i = 0
        self.spin = False  # the expression calls S() or JSON(): its value leaves as plain JSON

    def peek(self) -> Token:
        return self.tokens[self.i]

    def op(self) -> str | None:
        tok = self.peek()
        if tok.kind == "op":
            return tok.text
        if tok.kind == "name" and tok.text in _WORD_OPS:
            return _WORD_OPS[tok.text]
        return None

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        if self.op() != text:
            tok = self.peek()
            raise JuelError(f"expected '{text}' at position {tok.pos + 1}, found "
                            f"{repr(tok.text) if tok.text else 'the end'}")
        self.take()

    def parse(self) -> str:
        out = self.ternary()
        tok = self.peek()
        if tok.kind != "end":
            if tok.text in ("=", ";", "+=", "->"):
                raise JuelUnsupported(f"'{tok.text}' is not supported (assignment, lambdas and statement lists)")
            raise JuelError(f"unexpected {tok.text!r} at position {tok.pos + 1}")
        return out

    def ternary(self) -> str:
        cond = self.binary(0)
        if self.op() == "?":
            self.take()
            yes = self.ternary()
            self.expect(":")
            no = self.ternary()
            return f"({yes} if {_as_bool(cond)} else {no})"
        return cond

    _LEVELS = (("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))

    def binary(self, level: int) -> str:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.op() in self._LEVELS[level]:
            op = self.op()
            self.take()
            right = self.binary(level + 1)
            if op == "||":
                left = f"({_as_bool(left)} or {_as_bool(right)})"
            elif op == "&&":
                left = f"({_as_bool(left)} and {_as_bool(right)})"
            elif op == "==":
                left = f"juel_eq({left}, {right})"
            elif op == "!=":
                left = f"(not juel_eq({left}, {right}))"
            elif op in ("<", ">", "<=", ">="):
                left = f"juel_cmp({op!r}, {left}, {right})"
            else:
                left = f"juel_arith({op!r}, {left}, {right})"
        return left

    def unary(self) -> str:
        tok = self.peek()
        if self.op() == "!":
            self.take()
            return f"(not {_as_bool(self.unary())})"
        if self.op() == "-":
            self.take()
            return f"juel_neg({self.unary()})"
        if tok.kind == "name" and tok.text == "empty":
            self.take()
            return f"juel_empty({self.unary()})"
        return self.value()

    def value(self) -> str:
        base_name, out = self.primary()
        while True:
            op = self.op()
            if op == ".":
                self.take()
                tok = self.take()
                if tok.kind != "name":
                    raise JuelError(f"a property name must follow '.' at position {tok.pos + 1}")
                if self.op() == "(":
                    args = self.arguments()
                    out = self.call(base_name, out, tok.text, args)
                    self.spin = self.spin or tok.text in SPIN_METHODS  # its value may be a Spin node
                else:
                    if tok.text.startswith("_"):
                        raise JuelUnsupported(f"property names starting with '_' are not allowed: {tok.text!r}")
                    if base_name == EXECUTION and tok.text not in EXECUTION_PROPERTIES:
                        raise JuelUnsupported(f"'execution.{tok.text}' is not supported; execution offers "
                                        f"{', '.join(sorted(EXECUTION_PROPERTIES))}")
                    out = f"juel_get({out}, {tok.text!r})"
            elif op == "[":
                self.take()
                index = self.ternary()
                self.expect("]")
                out = f"juel_get({out}, {index})"
            else:
                return out
            base_name = None

    def arguments(self) -> list[str]:
        self.expect("(")
        args: list[str] = []
        if self.op() != ")":
            args.append(self.ternary())
            while self.op() == ",":
                self.take()
                args.append(self.ternary())
        self.expect(")")
        return args

    @staticmethod
    def call(base_name: str | None, base: str, method: str, args: list[str]) -> str:
        if base_name == EXECUTION:
            if method not in EXECUTION_METHODS:
                raise JuelUnsupported(f"'execution.{method}()' is not supported in expressions; execution offers "
                                f"{', '.join(sorted(EXECUTION_METHODS))}")
        elif method not in VALUE_METHODS and method not in SPIN_METHODS:
            owner = base_name or "a value"
            raise JuelUnsupported(f"method '{method}()' on {owner} is not supported: expressions here have no Java "
                            "beans; they call the methods of strings, lists, maps and numbers listed in "
                            "docs/EXPRESSIONS.md, those of Camunda Spin's JSON nodes and those of 'execution'")
        return f"juel_call({', '.join([base, repr(method), *args])})"

    def primary(self) -> tuple[str | None, str]:
        tok = self.take()
        if tok.kind == "num":
            return None, tok.text if not tok.text.startswith(".") else "0" + tok.text
        if tok.kind == "str":
            return None, repr(tok.text)
        if tok.kind == "op" and tok.text == "(":
            inner = self.ternary()
            self.expect(")")
            return None, f"({inner})"
        if tok.kind == "name":
            if tok.text in _LITERALS:
                return None, _LITERALS[tok.text]
            if tok.text in _REFUSED_WORDS:
                raise JuelUnsupported(_REFUSED_WORDS[tok.text])
            if tok.text in _WORD_OPS or tok.text == "empty":
                raise JuelError(f"'{tok.text}' at position {tok.pos + 1} needs an operand")
            if self.op() == ":" and self.tokens[self.i + 1].kind == "name" and self.tokens[self.i + 2].text == "(":
                raise JuelUnsupported(f"JUEL functions such as '{tok.text}:{self.tokens[self.i + 1].text}()' are not "
                                "supported")
            if self.op() == "(" and tok.text in PYTHON_FUNCTIONS:
                # Not JUEL: Python builtins inside ${...}, which this server has always accepted.
                return None, f"{tok.text}({', '.join(self.arguments())})"
            if self.op() == "(" and tok.text in FUNCTIONS:  # Camunda's now() and dateTime() (juel_dates.py)
                if self.arguments():
                    raise JuelError(f"{tok.text}() takes no arguments")
                return None, f"{FUNCTIONS[tok.text]}()"
            if self.op() == "(" and tok.text in SPIN_FUNCTIONS:
                args = self.arguments()
                if len(args) != 1:
                    raise JuelError(f"{tok.text}() takes one argument here (the JSON text or value)")
                self.spin = True
                return None, f"{SPIN_FUNCTIONS[tok.text]}({args[0]})"
            if self.op() == "(" and tok.text == "XML":
                raise JuelUnsupported(f"function 'XML()' is not supported ({XML_REFUSED})")
            if self.op() == "(":
                raise JuelUnsupported(f"function '{tok.text}()' is not supported (JUEL functions here: now() and "
                                "dateTime(), and Spin's S() and JSON(); no currentUser() or Java functions)")
            return tok.text, _variable(tok.text)
        raise JuelError(f"unexpected {repr(tok.text) if tok.text else 'end'} at position {tok.pos + 1}")


_BOOLEAN = ("juel_eq(", "juel_cmp(", "juel_empty(", "juel_bool(", "(not ", "(juel_bool(", "True", "False")


def _as_bool(python: str) -> str:
    """`python` coerced to a boolean as JUEL does; as it is when it is one already (a comparison, `empty`, a
    logical operator), which saves a call per operand."""
    return python if python.startswith(_BOOLEAN) and (python[0] == "(" or python.endswith(")")
                                                      or python in ("True", "False")) else f"juel_bool({python})"


def _variable(name: str) -> str:
    """A variable; one whose name Python or the sandbox reserves (`_x`, `from`, `juel_x`, `$x`) is read through
    `execution`, so every JUEL variable name works."""
    if name.startswith(("_", "juel_")) or "$" in name or keyword.iskeyword(name) or name == "print":
        return f"juel_call({EXECUTION}, 'getVariable', {name!r})"
    return name


def to_python(body: str) -> str:
    """The inside of one `${...}` as a Python expression (JuelError if it cannot be)."""
    if not body.strip():
        raise JuelError("the expression is empty")
    parser = _Parser(body)
    python = parser.parse()
    return f"juel_plain({python})" if parser.spin else python


_PART = re.compile(r"[$#]\{")


def split_template(text: str) -> list[tuple[str, str]]:
    """Literal text and `${...}` bodies of a composite text, as ("text" | "expr", content). Braces inside
    string literals of an expression do not close it."""
    parts: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        m = _PART.search(text, i)
        if m is None:
            parts.append(("text", text[i:]))
            break
        if m.start() > i:
            parts.append(("text", text[i:m.start()]))
        j, quote = m.end(), None
        while j < len(text):
            c = text[j]
            if quote:
                if c == "\\":
                    j += 1
                elif c == quote:
                    quote = None
            elif c in "'\"":
                quote = c
            elif c == "}":
                break
            j += 1
        if j >= len(text):
            raise JuelError(f"'{text[m.start():m.start() + 20]}...' is not closed by '}}'")
        parts.append(("expr", text[m.end():j]))
        i = j + 1
    return parts


def template_to_python(text: str) -> str:
    """Composite text (`Review ${name}`) as a Python expression giving a string, each part coerced to text as
    JUEL does (null is empty, booleans are true and false)."""
    parts = split_template(text)
    pieces = [repr(content) if kind == "text" else to_python(content) for kind, content in parts]
    return f"juel_concat({', '.join(pieces)})"


def marked(python: str, original: str) -> str:
    """Python with the original JUEL as a trailing comment, so that error messages can show what was written
    (not for a lone variable name: SpiffWorkflow reads some of those, such as a multi-instance collection, as
    names)."""
    if python.isidentifier():
        return python
    return f"{python}{MARK}{' '.join(original.split())}"


def original_of(source: str) -> str | None:
    """The JUEL text a translated expression came from, or None for plain Python."""
    at = source.rfind(MARK)
    return source[at + len(MARK):] if at >= 0 else None
