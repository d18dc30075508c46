"""The "Camunda 7 extensions" section of docs/COVERAGE.md, from engine/camunda_catalogue.py.

    python -m tests.conformance.coverage_camunda      # rewrite only this section of docs/COVERAGE.md

`tests/conformance/coverage.py` appends the same section when it writes the whole file.
tests/test_c7ext_catalogue.py checks that the catalogue covers every type and property of camunda.json.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bpmn_server.engine.camunda_catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
TITLE = "## Camunda 7 extensions"


def section() -> list[str]:
    counts = Counter(status.value for status, _ in CATALOGUE.values())
    lines = [TITLE, "",
             "Every type and property of Camunda 7's extension schema (`camunda-bpmn-moddle`, "
             "`resources/camunda.json`)",
             "with what it does here: **runs** (Camunda 7's documented meaning), **refused** (a 422 at deploy naming",
             "the element and the extension) or **harmless** (no effect on what a process does, for the reason given).",
             "Nothing is ignored; a `camunda:` element or attribute outside the schema is refused too. "
             f"{counts['runs']} run, {counts['refused']} are refused, {counts['harmless']} are harmless.",
             "Generated from `bpmn_server/engine/camunda_catalogue.py` by "
             "`python -m tests.conformance.coverage_camunda`.",
             "", "| type or property | status | here |", "| --- | --- | --- |"]
    for name, (status, reason) in CATALOGUE.items():
        shown = name if "." not in name else "&nbsp;&nbsp;" + name.split(".", 1)[1].removeprefix("camunda:")
        lines.append(f"| {shown} | {status.value} | {reason.replace('|', '/')} |")
    return lines


def replace(text: str) -> str:
    """`text` (docs/COVERAGE.md) with this section replaced, or appended when absent."""
    before, found, after = text.partition(TITLE)
    rest = ""
    if found:
        following = after.find("\n## ")
        rest = after[following + 1:] if following >= 0 else ""
    body = "\n".join(section()) + "\n"
    return before.rstrip("\n") + "\n\n" + body + ("\n" + rest if rest else "")


def main() -> int:
    path = ROOT / "docs" / "COVERAGE.md"
    path.write_text(replace(path.read_text()))
    print(f"wrote the Camunda 7 section of {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
