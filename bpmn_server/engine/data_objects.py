"""Data associations between a task's data inputs and outputs and data objects, as BPMN maps them.

SpiffWorkflow reads a `dataInputAssociation` as "put the data object into the task data under the object's
id" and a `dataOutputAssociation` as "take the variable named like the object's id"; it drops the other end of
the association, the task's `dataInput` / `dataOutput` (its ioSpecification). A task that declares them then
fails: its input is missing ("Missing data input") or, after its outputs are kept, the object is ("A data object
could not be set"). Here each association keeps both ends (`Mapped`): reading the object also sets the task's
data input, and the task's data output is what is written to the object. `read` collects the ends from the
(translated) tree at deploy, `attach` swaps the association specs; they have their own serializer converter.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.serializer.helpers import BpmnDataSpecificationConverter
from SpiffWorkflow.bpmn.specs.data_spec import DataObject

from . import runtime

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


class Mapped(DataObject):
    """A data object association that knows the task's end of it (`inner`: a dataInput or dataOutput id)."""

    def __init__(self, bpmn_id: str, bpmn_name: str | None = None, inner: str | None = None):
        super().__init__(bpmn_id, bpmn_name)
        self.inner = inner

    def get(self, my_task: Any) -> None:
        super().get(my_task)
        if self.inner and self.inner != self.bpmn_id:
            my_task.data[self.inner] = deepcopy(my_task.data[self.bpmn_id])

    def set(self, my_task: Any) -> None:
        if self.inner and self.bpmn_id not in my_task.data and self.inner in my_task.data:
            my_task.data[self.bpmn_id] = deepcopy(my_task.data[self.inner])
        super().set(my_task)


def read(tree: etree._Element) -> dict[str, dict[str, dict[str, str]]]:
    """{task id: {"in": {object id: dataInput id}, "out": {object id: dataOutput id}}} for every association
    between a task's data input or output and a data object reference."""
    objects = {el.get("id"): el.get("dataObjectRef") for el in tree.iter(f"{{{BPMN}}}dataObjectReference")}
    found: dict[str, dict[str, dict[str, str]]] = {}
    for kind, association, outer, inner in (("in", "dataInputAssociation", "sourceRef", "targetRef"),
                                            ("out", "dataOutputAssociation", "targetRef", "sourceRef")):
        for assoc in tree.iter(f"{{{BPMN}}}{association}"):
            ends = {tag: (el.text or "").strip() for tag in (outer, inner) for el in assoc.findall(f"{{{BPMN}}}{tag}")}
            obj, task = objects.get(ends.get(outer, "")), assoc.getparent().get("id")
            if obj and ends.get(inner) and task:
                found.setdefault(task, {"in": {}, "out": {}})[kind][obj] = ends[inner]
    return found


def attach(specs: list[Any], found: dict[str, dict[str, dict[str, str]]]) -> None:
    """Swap each task's data object associations for ones that keep the task's end (`Mapped`)."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            ends = found.get(getattr(task_spec, "bpmn_id", None) or "")
            if not ends:
                continue
            for attr, kind in (("data_input_associations", "in"), ("data_output_associations", "out")):
                setattr(task_spec, attr, [
                    Mapped(a.bpmn_id, a.bpmn_name, ends[kind][a.bpmn_id])
                    if type(a) is DataObject and a.bpmn_id in ends[kind] else a
                    for a in getattr(task_spec, attr, None) or []])


class _Converter(BpmnDataSpecificationConverter):
    def to_dict(self, data_spec: Mapped) -> dict[str, Any]:
        return {**super().to_dict(data_spec), "inner": data_spec.inner}


_Converter(Mapped, runtime.REGISTRY, "MappedDataObject")
