"""FEEL tokens. Names may contain spaces ("Monthly Salary"): consecutive name words are joined, and names the
caller knows (variables, built-in functions) are matched first, even with keywords or `+-*/.'` in them."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .errors import FeelError

KEYWORDS = frozenset({"and", "or", "between", "instance", "of", "for", "in", "return", "if", "then", "else",
                      "some", "every", "satisfies", "function", "external", "null", "true", "false"})
# Built-in names that contain keywords, so the greedy joining of words alone would not find them.
BUILTIN_NAMES = ("date and time", "years and months duration", "days and time duration", "day of year",
                 "day of week", "month of year", "week of year", "overlaps before", "overlaps after")

_NOT_NAME = frozenset("\u00a0\u2018\u2019\u201c\u201d")
_PUNCT = ("**", "..", "<=", ">=", "!=", "->", "(", ")", "[", "]", "{", "}", ",", ":", "=", "<", ">", "+", "-",
          "*", "/", "?", "@", ".")
_NUMBER = re.compile(r"(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?")
_SPACE = re.compile(r"(\s|//[^\n]*|/\*.*?\*/)+", re.S)


@dataclass(slots=True)
class Token:
    kind: str  # "num", "str", "name", "kw", "op", "end"
    value: str
    pos: int


def _name_start(ch: str) -> bool:
    return ch.isalpha() or ch in "_?$" or (ch > "\x7f" and not ch.isspace() and ch not in _NOT_NAME)


def _name_part(ch: str) -> bool:
    return ch.isalnum() or ch in "_$" or (ch > "\x7f" and not ch.isspace() and ch not in _NOT_NAME)


def _name_pattern(name: str) -> re.Pattern[str]:
    words = name.split()
    return re.compile(r"\s+".join(re.escape(w) for w in words))


@functools.lru_cache(maxsize=256)
def _specials(names: tuple[str, ...]) -> re.Pattern[str] | None:
    """One alternation of the names the word joining would not find, longest first, each ending a name."""
    multi = sorted({n for n in (*BUILTIN_NAMES, *names) if _is_special(n)}, key=len, reverse=True)
    if not multi:
        return None
    return re.compile("(?:" + "|".join(_name_pattern(n).pattern for n in multi) + r")(?![\w$])")


class Lexer:
    def __init__(self, text: str, names: tuple[str, ...] = ()):
        self.text = text
        self.special = _specials(names)

    def tokens(self) -> list[Token]:
        text, pos, out = self.text, 0, []
        n = len(text)
        while True:
            m = _SPACE.match(text, pos)
            if m:
                pos = m.end()
            if text.startswith("/*", pos):
                raise FeelError("unterminated comment", text, pos)
            if pos >= n:
                out.append(Token("end", "", pos))
                return out
            ch = text[pos]
            if ch.isdigit() or (ch == "." and pos + 1 < n and text[pos + 1].isdigit()):
                m = _NUMBER.match(text, pos)
                out.append(Token("num", m.group(0), pos))
                pos = m.end()
            elif ch == '"':
                value, end = self._string(pos)
                out.append(Token("str", value, pos))
                pos = end
            elif _name_start(ch):
                pos = self._name(pos, out)
            else:
                for p in _PUNCT:
                    if text.startswith(p, pos):
                        out.append(Token("op", p, pos))
                        pos += len(p)
                        break
                else:
                    raise FeelError(f"unexpected character {ch!r}", text, pos)

    def _word_end(self, pos: int) -> int:
        text = self.text
        end = pos + 1
        while end < len(text) and _name_part(text[end]):
            end += 1
        return end

    def _name(self, pos: int, out: list[Token]) -> int:
        text = self.text
        m = self.special.match(text, pos) if self.special else None
        if m:
            out.append(Token("name", " ".join(m.group(0).split()), pos))
            return m.end()
        end = self._word_end(pos)
        word = text[pos:end]
        if word in KEYWORDS:
            out.append(Token("kw", word, pos))
            return end
        words = [word]
        while True:  # join following words into one name: FEEL names may contain spaces
            m = _SPACE.match(text, end)
            nxt = m.end() if m else end
            if nxt == end or nxt >= len(text) or not _name_start(text[nxt]) or text[nxt] == "?":
                break
            if self.special and self.special.match(text, nxt):
                break
            wend = self._word_end(nxt)
            w = text[nxt:wend]
            if w in KEYWORDS:
                break
            words.append(w)
            end = wend
        out.append(Token("name", " ".join(words), pos))
        return end

    def _string(self, pos: int) -> tuple[str, int]:
        text, i, parts = self.text, pos + 1, []
        while i < len(text):
            ch = text[i]
            if ch == '"':
                return "".join(parts), i + 1
            if ch == "\\" and i + 1 < len(text):
                esc = text[i + 1]
                if esc == "u":
                    code = text[i + 2:i + 6]
                    cp = int(code, 16)
                    i += 6
                    if 0xD800 <= cp <= 0xDBFF and text[i:i + 2] == "\\u":  # surrogate pair
                        low = int(text[i + 2:i + 6], 16)
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    parts.append(chr(cp))
                    continue
                if esc == "U":
                    parts.append(chr(int(text[i + 2:i + 8], 16)))
                    i += 8
                    continue
                parts.append({"n": "\n", "t": "\t", "r": "\r", "'": "'", '"': '"', "\\": "\\"}.get(esc, "\\" + esc))
                i += 2
                continue
            parts.append(ch)
            i += 1
        raise FeelError("unterminated string", text, pos)


def _is_special(name: str) -> bool:
    """A name the greedy word joining would not produce by itself (keywords or symbols in it)."""
    words = name.split()
    if len(words) == 1 and all(_name_part(c) for c in name[1:]) and name and _name_start(name[0]):
        return False
    if any(w in KEYWORDS for w in words):
        return True
    return any(not all(_name_part(c) for c in w) for w in words) or len(words) > 1
