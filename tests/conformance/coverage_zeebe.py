"""The "Camunda 8 (Zeebe) extensions" section of docs/COVERAGE.md, from engine/zeebe_catalogue.py.

    python -m tests.conformance.coverage_zeebe      # rewrite only this section of docs/COVERAGE.md

tests/test_zeebe_dialect.py checks that the catalogue covers every type and property of zeebe.json.
"""

from __future__ import annotations

from bpmn_server.engine.zeebe_catalogue import CATALOGUE
from tests.conformance import catalogue_section
from tests.conformance.catalogue_section import counts, table

TITLE = "## Camunda 8 (Zeebe) extensions"


def section() -> list[str]:
    found = counts(CATALOGUE)
    lines = [TITLE, "",
             "Every type and property of Camunda 8's extension schema (`zeebe-bpmn-moddle`, `resources/zeebe.json`)",
             "with what it does here: **runs** (Camunda 8's documented meaning), **refused** (a 422 at deploy naming",
             "the element and the extension) or **harmless** (no effect on what a process does, for the reason given).",
             "Nothing is ignored; a `zeebe:` element or attribute outside the schema is refused too. "
             f"{found['runs']} run, {found['refused']} are refused, {found['harmless']} are harmless.",
             "See [CAMUNDA8.md](CAMUNDA8.md). Generated from `bpmn_server/engine/zeebe_catalogue.py` by "
             "`python -m tests.conformance.coverage_zeebe`."]
    return lines + table(CATALOGUE)


def replace(text: str) -> str:
    """`text` (docs/COVERAGE.md) with this section replaced, or appended when absent."""
    return catalogue_section.replace(text, TITLE, section())


def main() -> int:
    return catalogue_section.write(TITLE, section(), "Camunda 8")


if __name__ == "__main__":
    raise SystemExit(main())
