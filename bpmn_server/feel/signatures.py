"""The parts of FEEL's grammar about functions and types: definitions `function(a: number) ...`, argument lists
(positional or named), and type references (`list<number>`, `context<a: string>`, `function<...> -> T`)."""

from __future__ import annotations

from typing import Any

from .lexer import Token

Node = tuple[Any, ...]


class Signatures:
    """Mixin of the parser: token helpers (`at`, `next`, `expect`, `fail`, `expr`) come from the parser class."""

    tok: Token

    def function_def(self, p: int) -> Node:
        self.expect("(")
        params = []
        while not self.at(")"):
            n = self.next()
            if n.kind != "name":
                self.fail("expected a parameter name", n)
            typ = None
            if self.at(":"):
                self.next()
                typ = self.type_ref()
            params.append((n.value, typ))
            if not self.at(","):
                break
            self.next()
        self.expect(")")
        if self.at("external"):
            self.next()
            return ("external", p, params, self.expr(0))
        return ("fndef", p, params, self.expr(0))

    def arguments(self) -> Node:
        if self.at(")"):
            self.next()
            return ("pos", [])
        named = self.tok.kind in ("name", "kw") and self.peek().value == ":" and self.peek().kind == "op"
        args: list[Any] = []
        while True:
            if named:
                n = self.next()
                self.expect(":")
                args.append((n.value, self.expr(0)))
            else:
                args.append(self.expr(0))
            if not self.at(","):
                break
            self.next()
        self.expect(")")
        return ("named", args) if named else ("pos", args)

    def type_ref(self) -> Node:
        t = self.next()
        if t.kind == "kw" and t.value in ("null", "function"):
            name = "Null" if t.value == "null" else "function"
        elif t.kind != "name":
            self.fail("expected a type", t)
            raise AssertionError
        else:
            name = t.value
        if name in ("list", "range") and self.at("<"):
            self.next()
            inner = self.type_ref()
            self.expect(">")
            return ("type", name, inner)
        if name == "context" and self.at("<"):
            self.next()
            fields = []
            while True:
                k = self.next()
                self.expect(":")
                fields.append((k.value, self.type_ref()))
                if not self.at(","):
                    break
                self.next()
            self.expect(">")
            return ("type", "context", fields)
        if name == "function" and self.at("<"):
            self.next()
            params = []
            while not self.at(">"):
                params.append(self.type_ref())
                if not self.at(","):
                    break
                self.next()
            self.expect(">")
            self.expect("->")
            return ("type", "function", params, self.type_ref())
        return ("type", name)
