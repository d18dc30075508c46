"""Translate what Camunda Modeler writes into the Python that SpiffWorkflow evaluates.

Done once per definition at deploy time, on the lxml tree, before SpiffWorkflow parses it.
"""

from __future__ import annotations

import io
import re
import tokenize

# JUEL word operators and literals -> Python.
_WORDS = {
    "and": "and", "or": "or", "not": "not",
    "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
    "null": "None", "true": "True", "false": "False", "div": "/", "mod": "%",
}
_ISO_DURATION = re.compile(r"^-?P(?=\d|T\d)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
                           r"(T(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$", re.I)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_ISO_CYCLE = re.compile(r"^R\d*/[^\s]+$", re.I)
_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.S)


_STRINGS = re.compile(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def _rewrite_symbols(code: str) -> str:
    """`&&`, `||` and `!x` outside string literals; `!=` stays."""
    code = code.replace("&&", " and ").replace("||", " or ")
    return re.sub(r"!(?!=)", " not ", code)


class ExpressionError(ValueError):
    """An expression that cannot be translated or compiled."""


def is_iso_literal(text: str) -> bool:
    """True for a bare ISO 8601 duration, date-time or repeating interval."""
    text = text.strip()
    return bool(_ISO_DURATION.match(text) or _ISO_DATE.match(text) or _ISO_CYCLE.match(text))


_SKIP = (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT)
_PAIRS = {"(": ")", "[": "]", "{": "}"}


def _close(tokens: list[tokenize.TokenInfo], i: int) -> int:
    """Index of the bracket that closes the one at `i` (or the last token if unbalanced)."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].string in _PAIRS:
            depth += 1
        elif tokens[j].string in _PAIRS.values():
            depth -= 1
            if depth == 0:
                return j
    return len(tokens) - 1


def _operand_end(tokens: list[tokenize.TokenInfo], i: int) -> int:
    """End (exclusive) of the unary operand starting at `i`: `x`, `a.b[0]`, `(a or b)`, `not x`."""
    n = len(tokens)
    while i < n and tokens[i].string in ("not", "empty", "-", "+"):
        i += 1
    if i >= n:
        return n
    i = _close(tokens, i) + 1 if tokens[i].string in _PAIRS else i + 1
    while i < n:
        if tokens[i].string == "." and i + 1 < n:
            i += 2
        elif tokens[i].string in ("(", "["):
            i = _close(tokens, i) + 1
        else:
            break
    return i


def _juel_to_python(src: str) -> str:
    """Rewrite JUEL operators token by token, leaving string literals alone."""
    src = "".join(_rewrite_symbols(part) if i % 2 == 0 else part
                  for i, part in enumerate(_STRINGS.split(src)))
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(src).readline) if t.type not in _SKIP]
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        raise ExpressionError(f"cannot read expression: {exc}") from exc
    out: list[tuple[int, str]] = []
    closes: dict[int, int] = {}  # token index -> how many `empty` groups end after it
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.NAME and tok.string == "empty":
            # JUEL `empty x` is true for null, "", [] and {}: Python's `not x`, bound to its operand.
            end = _operand_end(tokens, i + 1) - 1
            closes[end] = closes.get(end, 0) + 1
            out += [(tokenize.OP, "("), (tokenize.NAME, "not"), (tokenize.OP, "(")]
        else:
            text = _WORDS.get(tok.string, tok.string) if tok.type == tokenize.NAME else tok.string
            out.append((tok.type, text))
        out += [(tokenize.OP, ")"), (tokenize.OP, ")")] * closes.pop(i, 0)
    return tokenize.untokenize(out).strip()


def translate_expression(text: str) -> str:
    """A condition or value expression: `${a && b}` or plain Python -> Python."""
    if text is None:
        return text
    match = _JUEL.match(text)
    if match:
        return _juel_to_python(match.group(1))
    return text.strip()


def translate_timer(text: str) -> str:
    """A timer definition: a bare ISO literal becomes a Python string; `${...}` an expression."""
    stripped = (text or "").strip()
    if is_iso_literal(stripped):
        return repr(stripped)
    return translate_expression(stripped)


def translate_assignment(text: str | None) -> str | None:
    """An attribute like `camunda:assignee="${starter}"`: literal text or an expression.

    Returns Python source that evaluates to the value.
    """
    if text is None or text.strip() == "":
        return None
    match = _JUEL.match(text)
    if match:
        return _juel_to_python(match.group(1))
    return repr(text.strip())


def check_syntax(source: str, mode: str = "eval") -> str | None:
    """Return a message if `source` does not compile, else None."""
    try:
        compile(source, "<expression>", mode)
    except SyntaxError as exc:
        return f"{exc.msg} (line {exc.lineno})"
    return None
