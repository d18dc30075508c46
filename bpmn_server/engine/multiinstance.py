"""Multi-instance activities as Camunda Modeler writes them, without two quirks of SpiffWorkflow's Camunda flavour.

1. SpiffWorkflow resolves `camunda:collection` and `loopCardinality` each time the activity starts by changing
   the task spec itself. Specs are parsed once per definition and shared by all its instances (and threads), so
   what one instance resolves leaks into the next. Here the references are resolved once, at deploy time.
2. With a cardinality, the index variable (`camunda:elementVariable`) is merged from each instance into the
   process data; a sequential loop then fails on its second turn ("input item already exists"). Here it stays
   local to the instance, as in Camunda.

The replacement specs subclass SpiffWorkflow's standard multi-instance specs and have their own serializer
converters (registered below), so stored specs name them.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.serializer.default.task_spec import MultiInstanceTaskConverter
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.defaults import ParallelMultiInstanceTask as _Parallel
from SpiffWorkflow.bpmn.specs.defaults import SequentialMultiInstanceTask as _Sequential
from SpiffWorkflow.camunda.specs.multiinstance_task import ParallelMultiInstanceTask as _CamundaParallel
from SpiffWorkflow.camunda.specs.multiinstance_task import SequentialMultiInstanceTask as _CamundaSequential

from . import mi_behavior, runtime


class _LocalItem:
    """Keep the per-instance item variable out of the merged data when nothing is collected."""

    data_output: Any
    input_item: Any

    def merge_child(self, workflow: Any, child: Any) -> None:
        if self.data_output is None and self.input_item is not None:
            child.data.pop(self.input_item.bpmn_id, None)
        super().merge_child(workflow, child)  # type: ignore[misc]
        mi_behavior.after_instance(self, child)  # behavior None / One / Complex: throw its events


class ParallelMultiInstance(_LocalItem, _Parallel):
    pass


class SequentialMultiInstance(_LocalItem, _Sequential):
    pass


def resolve(spec: Any) -> None:
    """Replace SpiffWorkflow's Camunda multi-instance specs in a process spec by ours, references resolved."""
    for task_spec in spec.task_specs.values():
        if not isinstance(task_spec, (_CamundaParallel, _CamundaSequential)):
            continue
        sequential = isinstance(task_spec, _CamundaSequential)
        task_spec.__class__ = SequentialMultiInstance if sequential else ParallelMultiInstance
        item = TaskDataReference(task_spec.output_item.bpmn_id) if task_spec.output_item is not None else None
        if task_spec.cardinality is None:
            # camunda:collection: each instance gets one element; with an elementVariable, what the
            # instance leaves in it is written back to the collection, in place.
            task_spec.data_input = TaskDataReference(task_spec.data_output.bpmn_id)
            task_spec.input_item = item
            if item is None:
                task_spec.data_output = None
        else:
            # loopCardinality: the elementVariable, if any, holds the index 0..n-1.
            task_spec.input_item = item


MultiInstanceTaskConverter(ParallelMultiInstance, runtime.REGISTRY, "ServerParallelMultiInstanceTask")
MultiInstanceTaskConverter(SequentialMultiInstance, runtime.REGISTRY, "ServerSequentialMultiInstanceTask")
