"""Evaluates a decision of a model with its requirements graph: required decisions (memoised), input data,
business knowledge models and decision services as FEEL functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bpmn_server.feel import Budget, Env, FeelError, from_python
from bpmn_server.feel.types import TYPE_RESOLVER
from bpmn_server.feel.values import Function

from . import typeref
from .errors import DecisionError
from .model import DmnModel

_PENDING = object()


@dataclass
class DecisionResult:
    decision: str  # the decision's id
    name: str
    value: Any  # the FEEL value
    matched_rules: list[str] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)


class Evaluation:
    """One evaluation: strict raises DecisionError on a failed decision; lenient (the TCK's meaning) makes it null."""

    def __init__(self, model: DmnModel, variables: dict[str, Any], strict: bool = True,
                 budget: Budget | None = None, preset: dict[str, Any] | None = None):
        self.model = model
        self.strict = strict
        self.memo: dict[str, Any] = dict(preset or {})
        boxed = model.boxed
        values = {k: from_python(v) for k, v in variables.items()}
        for name, type_ref in model.inputs.items():
            if name in values:
                values[name] = boxed.coerce(values[name], type_ref)
        self.base = Env(values, budget=budget or Budget(model.name))
        for bkm in model.bkms.values():
            values[bkm.name] = boxed.function(bkm.name, bkm.params, bkm.body or (lambda env: None), self.base,
                                              bkm.type_ref)
        for svc in model.services.values():
            values[svc.name] = self._service_function(svc.name)
        values[TYPE_RESOLVER] = lambda v, name: v is not None and typeref.conforms(v, name, model.items, values=False)

    def _scope(self, name: str) -> Env:
        d = self.model.decisions[name]
        return self.base.child({r: self.decision(r) for r in d.required_decisions})

    def decision(self, name: str) -> Any:
        if name in self.memo:
            v = self.memo[name]
            if v is _PENDING:
                raise DecisionError(f"decision {name!r} requires itself", name)
            return v
        self.memo[name] = _PENDING
        d = self.model.decisions.get(name)
        try:
            if d is None:
                raise DecisionError(f"decision {name!r} does not exist", name)
            v = d.logic(self._scope(name)) if d.logic else None
            v = self.model.boxed.coerce(v, d.type_ref)
        except DecisionError:
            if self.strict:
                raise
            v = None
        self.memo[name] = v
        return v

    def _service_function(self, name: str) -> Function:
        svc = self.model.services[name]
        params = tuple(svc.input_data + svc.input_decisions)

        def impl(*args: Any) -> Any:
            return self.service(name, dict(zip(params, args, strict=False)))
        return Function(name, params, impl)

    def service(self, name: str, args: dict[str, Any]) -> Any:
        svc = self.model.services[name]
        variables = {k: args.get(k) for k in svc.input_data}
        preset = {k: args.get(k) for k in svc.input_decisions}
        types = {**{k: self.model.inputs.get(k) for k in svc.input_data},
                 **{k: self.model.decisions[k].type_ref for k in svc.input_decisions if k in self.model.decisions}}
        for values in (variables, preset):
            for k, v in values.items():
                values[k] = typeref.coerce(v, types.get(k), self.model.items)
                if v is not None and values[k] is None:
                    return None  # an argument of the wrong type: the invocation fails
        inner = Evaluation(self.model, variables, self.strict, self.base.budget, preset)
        results = {o: inner.decision(o) for o in svc.outputs}
        value = next(iter(results.values())) if len(results) == 1 else results
        return self.model.boxed.coerce(value, svc.type_ref)


def evaluate(model: DmnModel, key: str, variables: dict[str, Any], strict: bool = True,
             budget: Budget | None = None) -> DecisionResult:
    """Evaluate decision `key` (id or name) with JSON-able variables."""
    d = model.decision(key)
    if d is None:
        raise DecisionError(f"the model has no decision {key!r}", key)
    ev = Evaluation(model, variables, strict, budget)
    if d.table is None:
        value = ev.decision(d.name)
        return DecisionResult(d.id, d.name, value, [], [{d.name: value}], dict(variables))
    try:
        value, ids, rows, inputs = d.table.run(ev._scope(d.name))
    except DecisionError:
        if strict:
            raise
        return DecisionResult(d.id, d.name, None)
    value = model.boxed.coerce(value, d.type_ref)
    ev.memo[d.name] = value
    return DecisionResult(d.id, d.name, value, ids, rows, inputs)


__all__ = ["DecisionResult", "Evaluation", "FeelError", "evaluate"]
