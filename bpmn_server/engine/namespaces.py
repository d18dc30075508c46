"""Older vendor namespaces that Camunda 7 reads as its own.

Camunda 7 grew out of Activiti and still accepts the `http://activiti.org/bpmn` namespace for every one of its
extension attributes and elements (`activiti:candidateGroups`, `activiti:class`, `activiti:formKey`, ...):
its parser looks each extension up in both namespaces. Here the parsed tree is rewritten once, right after it is
read, so that everything downstream (the checks, the metadata, SpiffWorkflow's Camunda parser) sees `camunda:`
only. The uploaded bytes are stored as they came. A file mixing both prefixes is fine: both end up as camunda.
"""

from __future__ import annotations

from lxml import etree

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ALIASES = ("http://activiti.org/bpmn",)


def _mapped(name: str) -> str | None:
    """`{activiti-ns}local` -> `{camunda-ns}local`; None for any other name."""
    if not name.startswith("{"):
        return None
    namespace, _, localname = name[1:].partition("}")
    return f"{{{CAMUNDA}}}{localname}" if namespace in ALIASES else None


def to_camunda(root: etree._Element) -> None:
    """Rewrite, in place, elements and attributes of the aliased namespaces into Camunda's."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = _mapped(el.tag)
        if tag is not None:
            el.tag = tag
        for name in [n for n in el.attrib if n.startswith("{")]:
            new = _mapped(name)
            if new is not None:
                value = el.attrib.pop(name)
                if new not in el.attrib:  # a file giving both: camunda's wins
                    el.set(new, value)
