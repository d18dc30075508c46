"""The "Camunda 7 extensions" section of docs/COVERAGE.md, from engine/camunda_catalogue.py.

    python -m tests.conformance.coverage_camunda      # rewrite only this section of docs/COVERAGE.md

`tests/conformance/coverage.py` appends the same section when it writes the whole file.
tests/test_c7ext_catalogue.py checks that the catalogue covers every type and property of camunda.json.
"""

from __future__ import annotations

from bpmn_server.engine.camunda_catalogue import CATALOGUE
from tests.conformance import catalogue_section
from tests.conformance.catalogue_section import counts, table

TITLE = "## Camunda 7 extensions"


def section() -> list[str]:
    found = counts(CATALOGUE)
    lines = [TITLE, "",
             "Every type and property of Camunda 7's extension schema (`camunda-bpmn-moddle`, "
             "`resources/camunda.json`)",
             "with what it does here: **runs** (Camunda 7's documented meaning), **refused** (a 422 at deploy naming",
             "the element and the extension) or **harmless** (no effect on what a process does, for the reason given).",
             "Nothing is ignored; a `camunda:` element or attribute outside the schema is refused too. "
             f"{found['runs']} run, {found['refused']} are refused, {found['harmless']} are harmless.",
             "Generated from `bpmn_server/engine/camunda_catalogue.py` by "
             "`python -m tests.conformance.coverage_camunda`."]
    return lines + table(CATALOGUE, 'camunda:')


def replace(text: str) -> str:
    """`text` (docs/COVERAGE.md) with this section replaced, or appended when absent."""
    return catalogue_section.replace(text, TITLE, section())


def main() -> int:
    return catalogue_section.write(TITLE, section(), "Camunda 7")


if __name__ == "__main__":
    raise SystemExit(main())
