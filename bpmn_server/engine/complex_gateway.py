"""The complex gateway as a join (BPMN 13.3.5), and startQuantity, on SpiffWorkflow's join machinery.

A complex join counts the tokens that arrive in one round. It fires once, on the arrival that makes its
`activationCondition` true (`activationCount` is the number of tokens so far; process variables are visible
too), and swallows the tokens of the same round that arrive after it fired. The round ends when the gateway
has fired and no live task of the workflow can still reach it: the next token starts a new round. Its
outgoing flows work like an inclusive gateway's (conditions, default).

`quantity` mode serves `startQuantity="n"` on an activity (engine/implicit.py puts such a join before it):
fire on every n-th token, nothing swallowed.

The round lives in the internal data of the join's task instances: each arrival copies the round of the
latest earlier arrival and adds itself, so the state survives serialization without a workflow field.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.task_parsers import ConditionalGatewayParser
from SpiffWorkflow.bpmn.serializer.default.task_spec import ConditionalGatewayConverter
from SpiffWorkflow.bpmn.specs.defaults import InclusiveGateway
from SpiffWorkflow.util.task import TaskState

from . import runtime

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ROUND = "_complex_round"
LIVE = TaskState.FUTURE | TaskState.WAITING | TaskState.READY | TaskState.STARTED


class ComplexJoin(InclusiveGateway):
    """A complex gateway (or a startQuantity guard): see the module docstring."""

    def __init__(self, wf_spec: Any, bpmn_id: str, activation: str | None = None, quantity: int | None = None,
                 **kwargs: Any):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.activation = activation
        self.quantity = quantity

    def _reachable(self, spec: Any) -> bool:
        seen, todo = set(), [spec]
        while todo:
            current = todo.pop()
            for out in current.outputs:
                if out is self:
                    return True
                if out.name not in seen:
                    seen.add(out.name)
                    todo.append(out)
        return False

    def _more_can_come(self, my_task: Any) -> bool:
        return any(t.task_spec is not self and t.has_state(LIVE) and self._reachable(t.task_spec)
                   for t in my_task.workflow.get_tasks(state=LIVE))

    def _round(self, my_task: Any) -> dict[str, Any]:
        earlier = [t for t in my_task.workflow.get_tasks(spec_name=self.name)
                   if t is not my_task and ROUND in t.internal_data]
        if earlier:
            last = max(earlier, key=lambda t: t.internal_data[ROUND]["seq"])
            state = dict(last.internal_data[ROUND])
            if not state["open"]:
                state = {"seq": state["seq"], "arrived": 0, "fired": False, "open": True}
        else:
            state = {"seq": 0, "arrived": 0, "fired": False, "open": True}
        state["seq"] += 1
        state["arrived"] += 1
        return state

    def _activated(self, my_task: Any, count: int) -> bool:
        if self.quantity is not None:
            return count >= self.quantity
        if not self.activation:
            return True
        data = {**my_task.parent.data, "activationCount": count}
        return bool(my_task.workflow.script_engine.evaluate(my_task, self.activation, external_context=data))

    def _update_hook(self, my_task: Any) -> bool:
        if ROUND in my_task.internal_data:
            return False  # already counted: this arrival waits, fired or was swallowed
        state = self._round(my_task)
        for other in my_task.workflow.get_tasks(spec_name=self.name, state=TaskState.WAITING):
            if other is not my_task:
                other.cancel()  # the latest arrival carries the round on
        if state["fired"]:
            state["open"] = self._more_can_come(my_task)
            my_task.internal_data[ROUND] = state
            my_task.cancel()  # swallowed: this token ends here
            return False
        fire = self._activated(my_task, state["arrived"])
        if fire:
            state["fired"] = self.quantity is None
            state["open"] = self.quantity is None and self._more_can_come(my_task)
        my_task.internal_data[ROUND] = state
        if not fire:
            my_task._set_state(TaskState.WAITING)
            return False
        my_task._inherit_data()
        return True

    def _run_hook(self, my_task: Any) -> bool:
        matches, defaults = self._get_matching_outputs(my_task)
        my_task._sync_children(matches or defaults, TaskState.FUTURE)
        for child in my_task.children:
            child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)
        return True


class ComplexJoinParser(ConditionalGatewayParser):
    """Reads `activationCondition` (translated to Python at deploy) and the server's quantity marker."""

    def create_task(self) -> ComplexJoin:
        condition = self.node.find(f"{{{BPMN}}}activationCondition")
        activation = (condition.text or "").strip() if condition is not None else None
        quantity = self.node.get("startQuantity")
        return ComplexJoin(self.spec, self.bpmn_id, activation=activation or None,
                           quantity=int(quantity) if quantity else None, **self.bpmn_attributes)


class ComplexJoinConverter(ConditionalGatewayConverter):
    def to_dict(self, spec: ComplexJoin) -> dict[str, Any]:
        dct = super().to_dict(spec)
        dct["activation"] = spec.activation
        dct["quantity"] = spec.quantity
        return dct


ComplexJoinConverter(ComplexJoin, runtime.REGISTRY, "ComplexJoin")
