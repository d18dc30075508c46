"""Compiled definitions: one bounded, least-recently-used cache per process of what a step needs of a
definition (its parsed spec and the facts derived at deploy). Definitions never change, so an entry is
never stale; the bound keeps memory flat however many versions are deployed
(BPMN_SERVER_DEFINITION_CACHE_SIZE)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from models import Definition, db

from .. import engine
from ..exceptions import NotFound

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
DEFAULT_SIZE = 512


class LRU(Generic[K, V]):
    """A thread-safe mapping that forgets the least recently used entry beyond `size`."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self.items: OrderedDict[K, V] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: K, make: Callable[[], V]) -> V:
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
                return hit
        made = make()  # outside the lock: parsing a spec takes long, and two makers only waste work
        with self.lock:
            self.items[key] = made
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return made

    def peek(self, key: K) -> V | None:
        """The entry, if held (no maker, no reordering)."""
        with self.lock:
            return self.items.get(key)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class DefinitionInfo:
    id: str
    key: str
    version: int
    meta: dict[str, Any]
    bundle: Any


CACHE: LRU[str, DefinitionInfo] = LRU()


def configure(size: int) -> None:
    """Bound the cache (the app factory calls this with BPMN_SERVER_DEFINITION_CACHE_SIZE)."""
    CACHE.size = max(1, size)


def info(definition_id: str) -> DefinitionInfo:
    """Immutable facts of a definition and its parsed spec, from the cache or read and parsed once."""
    return CACHE.get(definition_id, lambda: _compile(definition_id))


def _compile(definition_id: str) -> DefinitionInfo:
    row = db.session.get(Definition, definition_id)
    if row is None:
        raise NotFound(f"no process definition with id '{definition_id}'")
    return DefinitionInfo(row.id, row.key, row.version, row.meta, engine.compile_bundle(row.spec))
