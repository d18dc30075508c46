"""Decision tables: every hit policy of DMN 1.5 (8.2.11) with aggregations, input and output values."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bpmn_server.feel import Env, Expression, UnaryTests, ops

from .errors import DecisionError

HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER", "OUTPUT ORDER")
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")


@dataclass
class Column:
    expr: Expression | None  # inputs: the input expression; outputs: unused
    name: str
    type_ref: str | None
    allowed: UnaryTests | None
    values: list[Any] | None = None  # output values in priority order
    default: Expression | None = None


@dataclass
class Rule:
    id: str
    tests: list[UnaryTests]
    outputs: list[Expression]


class DecisionTable:
    def __init__(self, name: str, inputs: list[Column], outputs: list[Column], rules: list[Rule], hit_policy: str,
                 aggregation: str | None, coerce: Any = None):
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.rules = rules
        self.hit_policy = hit_policy
        self.aggregation = aggregation
        self.coerce = coerce  # (value, type_ref) -> value

    def __call__(self, env: Env) -> Any:
        return self.run(env)[0]

    def run(self, env: Env) -> tuple[Any, list[str], list[dict[str, Any]], dict[str, Any]]:
        """(result, matched rule ids, outputs of the matched rules in hit order, input values by label)."""
        values = []
        for col in self.inputs:
            v = col.expr.evaluate_in(env) if col.expr else None
            if self.coerce:
                v = self.coerce(v, col.type_ref)
            if col.allowed is not None and v is not None and col.allowed.matches_in(v, env) is not True:
                raise DecisionError(f"input {col.name!r} value {v!r} is not among its allowed values", self.name)
            values.append(v)
        matched: list[Rule] = []
        for rule in self.rules:
            env.budget.tick()
            for test, v in zip(rule.tests, values, strict=False):
                if not test.is_any and test.matches_in(v, env) is not True:
                    break
            else:
                matched.append(rule)
                if self.hit_policy == "FIRST":
                    break
        rows = [self._outputs(rule, env) for rule in matched]
        return (*self._hit(matched, rows, env), {c.name: v for c, v in zip(self.inputs, values, strict=False)})

    def _outputs(self, rule: Rule, env: Env) -> dict[str, Any]:
        row = {}
        for col, expr in zip(self.outputs, rule.outputs, strict=False):
            v = expr.evaluate_in(env)
            if self.coerce:
                v = self.coerce(v, col.type_ref)
            if col.allowed is not None and v is not None and col.allowed.matches_in(v, env) is not True:
                raise DecisionError(f"output {col.name!r} value {v!r} is not among its allowed values", self.name)
            row[col.name] = v
        return row

    def _single(self, row: dict[str, Any]) -> Any:
        return next(iter(row.values())) if len(self.outputs) == 1 else row

    def _default(self, env: Env) -> Any:
        if not any(c.default for c in self.outputs):
            return None
        row = {c.name: c.default.evaluate_in(env) if c.default else None for c in self.outputs}
        return self._single(row)

    def _hit(self, matched: list[Rule], rows: list[dict], env: Env) -> tuple[Any, list[str], list[dict]]:
        hp, ids = self.hit_policy, [r.id for r in matched]
        if hp in ("UNIQUE", "ANY", "FIRST", "PRIORITY"):
            if not rows:
                return self._default(env), [], []
            if hp == "UNIQUE" and len(rows) > 1:
                raise DecisionError(f"hit policy UNIQUE: rules {', '.join(ids)} all match", self.name)
            if hp == "ANY" and any(ops.equal(r, rows[0]) is not True for r in rows[1:]):
                raise DecisionError(f"hit policy ANY: matching rules {', '.join(ids)} give different outputs",
                                    self.name)
            if hp == "PRIORITY":
                order = sorted(range(len(rows)), key=functools.cmp_to_key(lambda a, b: self._priority(rows[a],
                                                                                                      rows[b])))
                first = order[0]
                return self._single(rows[first]), [ids[first]], [rows[first]]
            return self._single(rows[0]), ids[:1], rows[:1]
        if hp == "OUTPUT ORDER":
            order = sorted(range(len(rows)), key=functools.cmp_to_key(lambda a, b: self._priority(rows[a], rows[b])))
            rows, ids = [rows[i] for i in order], [ids[i] for i in order]
        results = [self._single(r) for r in rows]
        if hp == "COLLECT" and self.aggregation:
            value = self._aggregate(results)
            return value, ids, [{self.outputs[0].name: value}]
        if not rows and any(c.default for c in self.outputs):
            return [self._default(env)], [], []
        return results, ids, rows

    def _priority(self, a: dict, b: dict) -> int:
        for col in self.outputs:
            if not col.values:
                continue
            pa, pb = _rank(a[col.name], col.values), _rank(b[col.name], col.values)
            if pa != pb:
                return -1 if pa < pb else 1
        return 0

    def _aggregate(self, results: list[Any]) -> Any:
        agg = self.aggregation
        if agg == "COUNT":
            return Decimal(len(results))
        if not results:
            return None
        if any(type(x) is not Decimal for x in results):
            if agg in ("MIN", "MAX") and all(ops.compare(x, results[0]) is not None for x in results):
                return (min if agg == "MIN" else max)(results, key=functools.cmp_to_key(ops.compare))
            raise DecisionError(f"aggregation {agg} needs numbers", self.name)
        if agg == "SUM":
            return functools.reduce(lambda x, y: ops.add(x, y), results)
        return min(results) if agg == "MIN" else max(results)


def _rank(v: Any, values: list[Any]) -> int:
    for i, x in enumerate(values):
        if ops.equal(v, x) is True:
            return i
    return len(values)
