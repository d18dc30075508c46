"""String built-ins (DMN 1.5 10.3.4.3), with XPath regular expressions mapped onto Python's."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from .registry import builtin
from .text import to_string


def _str(v: Any) -> str:
    if isinstance(v, list) and len(v) == 1:  # a singleton list stands for its element (10.3.2.9.4)
        v = v[0]
    if not isinstance(v, str):
        raise TypeError("not a string")
    return v


def _int(v: Any) -> int:
    if type(v) is not Decimal or v % 1:
        raise TypeError("not an integer")
    return int(v)


_BLOCKS = {"IsBasicLatin": "\\x00-\\x7f", "IsLatin-1Supplement": "\\x80-\\xff", "L": "a-zA-Z\\u00c0-\\u024f",
           "Lu": "A-Z\\u00c0-\\u00de", "Ll": "a-z\\u00df-\\u00ff", "N": "0-9", "Nd": "0-9",
           "P": "!-/:-@\\[-`{-~", "Z": " \\u00a0\\u2000-\\u200a\\u2028\\u2029", "Zs": " \\u00a0"}
_SUBTRACT = re.compile(r"\[([^\[\]]+)-\[([^\[\]]+)\]\]")


def _translate(pattern: str, flags: str) -> str:
    """XPath regular expressions (the flavour FEEL uses) as Python's: `.` never matches a line end, `x` drops
    whitespace outside classes, `\\p{..}` blocks and class subtraction are spelled out, back-references inside a
    class are errors."""
    if "x" in flags:
        out, in_class = [], False
        for i, ch in enumerate(pattern):
            if ch == "[" and (i == 0 or pattern[i - 1] != "\\"):
                in_class = True
            elif ch == "]" and in_class:
                in_class = False
            if ch.isspace() and not in_class:
                continue
            out.append(ch)
        pattern = "".join(out)
    pattern = _SUBTRACT.sub(lambda m: f"(?:(?![{m.group(2)}])[{m.group(1)}])", pattern)
    out, i, in_class = [], 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt in "pP" and pattern[i + 2:i + 3] == "{":
                end = pattern.index("}", i)
                block = _BLOCKS[pattern[i + 3:end].strip()]
                if nxt == "P":
                    out.append(f"[^{block}]")
                else:
                    out.append(block if in_class else f"[{block}]")
                i = end + 1
                continue
            if in_class and nxt.isdigit():
                raise ValueError("a back-reference inside a character class")
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        elif ch == "." and not in_class and "s" not in flags:
            out.append("[^\\n\\r]")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _regex(pattern: str, flags: Any) -> re.Pattern[str]:
    if flags is not None and not isinstance(flags, str):
        raise TypeError("flags must be a string")
    flags = flags or ""
    f = 0
    for ch in flags:
        if ch not in "smixq":
            raise ValueError("bad flag")
        f |= {"s": re.S, "m": re.M, "i": re.I, "x": 0, "q": 0}[ch]
    pattern = re.escape(pattern) if "q" in flags else _translate(pattern, flags)
    return re.compile(pattern, f)


@builtin("substring", "string,start position", "string,start position,length")
def _substring(s: Any, start: Any, length: Any = None) -> Any:
    s = _str(s)
    st = _int(start)
    n = len(s)
    begin = st - 1 if st > 0 else n + st
    if st == 0:
        begin = 0
    begin = max(begin, 0)
    if length is None:
        return s[begin:]
    ln = _int(length) if length % 1 == 0 else int(length)
    return s[begin:begin + max(ln, 0)]


@builtin("string length", "string")
def _length(s: Any) -> Any:
    return Decimal(len(_str(s)))


@builtin("upper case", "string")
def _upper(s: Any) -> Any:
    return _str(s).upper()


@builtin("lower case", "string")
def _lower(s: Any) -> Any:
    return _str(s).lower()


@builtin("substring before", "string,match")
def _before(s: Any, m: Any) -> Any:
    s, m = _str(s), _str(m)
    i = s.find(m)
    return "" if i < 0 else s[:i]


@builtin("substring after", "string,match")
def _after(s: Any, m: Any) -> Any:
    s, m = _str(s), _str(m)
    i = s.find(m)
    return "" if i < 0 else s[i + len(m):]


@builtin("replace", "input,pattern,replacement", "input,pattern,replacement,flags")
def _replace(s: Any, pattern: Any, repl: Any, flags: Any = None) -> Any:
    s, pattern, repl = _str(s), _str(pattern), _str(repl)
    rx = _regex(pattern, flags)
    if flags and "q" in flags:
        py_repl = repl.replace("\\", "\\\\")
    else:
        py_repl = re.sub(r"\\\$|\$(\d+)|\\", lambda m: "$" if m.group(0) == "\\$" else (
            "\\\\" if m.group(0) == "\\" else "\\g<" + m.group(1) + ">"), repl)
    return rx.sub(py_repl, s)


@builtin("contains", "string,match")
def _contains(s: Any, m: Any) -> Any:
    return _str(m) in _str(s)


@builtin("starts with", "string,match")
def _starts(s: Any, m: Any) -> Any:
    return _str(s).startswith(_str(m))


@builtin("ends with", "string,match")
def _ends(s: Any, m: Any) -> Any:
    return _str(s).endswith(_str(m))


@builtin("matches", "input,pattern", "input,pattern,flags")
def _matches(s: Any, pattern: Any, flags: Any = None) -> Any:
    return _regex(_str(pattern), flags).search(_str(s)) is not None


@builtin("split", "string,delimiter")
def _split(s: Any, d: Any) -> Any:
    return re.split(_str(d), _str(s))


@builtin("string join", "list", "list,delimiter")
def _join(lst: Any, d: Any = None) -> Any:
    if isinstance(lst, str):
        lst = [lst]
    if not isinstance(lst, list) or (d is not None and not isinstance(d, str)):
        return None
    if any(x is not None and not isinstance(x, str) for x in lst):
        return None
    return (d or "").join(x for x in lst if x is not None)


@builtin("string", "from")
def _string(v: Any) -> Any:
    return None if v is None else to_string(v)
