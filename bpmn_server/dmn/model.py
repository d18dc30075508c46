"""The compiled DMN model: decisions, input data, business knowledge models and decision services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Logic = Callable[[Any], Any]  # env -> value


@dataclass
class ItemDef:
    name: str
    type_ref: str | None = None
    is_collection: bool = False
    components: dict[str, "ItemDef"] | None = None
    allowed: Any = None  # UnaryTests
    function: bool = False


@dataclass
class Decision:
    id: str
    name: str
    type_ref: str | None
    logic: Logic | None
    required_decisions: list[str] = field(default_factory=list)
    required_inputs: list[str] = field(default_factory=list)
    table: Any = None  # the top-level DecisionTable, for the audit of matched rules


@dataclass
class Bkm:
    id: str
    name: str
    params: list[tuple[str, str | None]]
    body: Logic | None
    type_ref: str | None = None
    kind: str = "FEEL"


@dataclass
class Service:
    id: str
    name: str
    outputs: list[str]
    input_decisions: list[str]
    input_data: list[str]
    encapsulated: list[str]
    type_ref: str | None = None


@dataclass
class DmnModel:
    name: str
    namespace: str
    decisions: dict[str, Decision] = field(default_factory=dict)
    inputs: dict[str, str | None] = field(default_factory=dict)
    bkms: dict[str, Bkm] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    items: dict[str, ItemDef] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # element id -> name
    boxed: Any = None  # the model's compiler (boxed.Boxed): typeRef coercion and BKM functions at evaluation

    def decision(self, key: str) -> Decision | None:
        """By id (the deployment key) or by name."""
        if key in self.decisions:
            return self.decisions[key]
        name = self.ids.get(key)
        return self.decisions.get(name) if name else None
