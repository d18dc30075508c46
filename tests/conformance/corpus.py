"""The external BPMN corpus (../shared/corpus or $BPMN_SERVER_CORPUS) as test parameters.

Collection must work without the corpus: every list is then empty and `needs_corpus` skips with the reason.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pytest

from tests.conftest import corpus_dir

CORPUS = corpus_dir()
BETSY = CORPUS / "betsy"
MIWG = CORPUS / "miwg"
PRESENT = (BETSY / "expected.json").is_file() and MIWG.is_dir()
needs_corpus = pytest.mark.skipif(not PRESENT, reason=f"BPMN corpus not found at {CORPUS} "
                                                      "(set BPMN_SERVER_CORPUS to the shared/corpus folder)")


@lru_cache(maxsize=1)
def betsy_tests() -> list[dict[str, Any]]:
    return json.loads((BETSY / "expected.json").read_text())["tests"] if PRESENT else []


def constraint_tests() -> list[dict[str, Any]]:
    return [t for t in betsy_tests() if t["group"] == "bpmn_constraints"]


def execution_diagrams() -> list[str]:
    """Every betsy diagram outside bpmn_constraints/, relative to betsy/."""
    if not PRESENT:
        return []
    return sorted(str(p.relative_to(BETSY)) for p in BETSY.glob("*/*.bpmn") if p.parent.name != "bpmn_constraints")


def expects_error(relative: str) -> bool:
    """True for the faulty betsy models whose every case expects a generic ERROR (refusing them is right)."""
    cases = [c for t in betsy_tests() if t["file"] == relative for c in t["cases"]]
    return bool(cases) and all(c["trace"] == ["ERROR"] for c in cases)


def miwg_files() -> list[str]:
    """The MIWG reference files and the Camunda Modeler exports, relative to miwg/."""
    if not PRESENT:
        return []
    return sorted(str(p.relative_to(MIWG)) for p in [*MIWG.glob("*.bpmn"), *MIWG.glob("camunda-modeler/*.bpmn")])
