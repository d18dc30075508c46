"""The "Camunda 8 (Zeebe) extensions" section of docs/COVERAGE.md, from engine/zeebe_catalogue.py.

    python -m tests.conformance.coverage_zeebe      # rewrite only this section of docs/COVERAGE.md

tests/test_zeebe_dialect.py checks that the catalogue covers every type and property of zeebe.json.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bpmn_server.engine.zeebe_catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
TITLE = "## Camunda 8 (Zeebe) extensions"


def section() -> list[str]:
    counts = Counter(status.value for status, _ in CATALOGUE.values())
    lines = [TITLE, "",
             "Every type and property of Camunda 8's extension schema (`zeebe-bpmn-moddle`, `resources/zeebe.json`)",
             "with what it does here: **runs** (Camunda 8's documented meaning), **refused** (a 422 at deploy naming",
             "the element and the extension) or **harmless** (no effect on what a process does, for the reason given).",
             "Nothing is ignored; a `zeebe:` element or attribute outside the schema is refused too. "
             f"{counts['runs']} run, {counts['refused']} are refused, {counts['harmless']} are harmless.",
             "See [CAMUNDA8.md](CAMUNDA8.md). Generated from `bpmn_server/engine/zeebe_catalogue.py` by "
             "`python -m tests.conformance.coverage_zeebe`.",
             "", "| type or property | status | here |", "| --- | --- | --- |"]
    for name, (status, reason) in CATALOGUE.items():
        shown = name if "." not in name else "&nbsp;&nbsp;" + name.split(".", 1)[1]
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
    print(f"wrote the Camunda 8 section of {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
