"""A catalogue of extensions (engine/camunda_catalogue.py, engine/zeebe_catalogue.py) as a section of
docs/COVERAGE.md: its table, and the rewrite of that one section in place."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
COVERAGE = ROOT / "docs" / "COVERAGE.md"


def counts(catalogue: dict[str, Any]) -> Counter:
    return Counter(status.value for status, _ in catalogue.values())


def table(catalogue: dict[str, Any], prefix: str = "") -> list[str]:
    """One row per type, its properties indented under it (`prefix` dropped from their names)."""
    lines = ["", "| type or property | status | here |", "| --- | --- | --- |"]
    for name, (status, reason) in catalogue.items():
        shown = name if "." not in name else "&nbsp;&nbsp;" + name.split(".", 1)[1].removeprefix(prefix)
        lines.append(f"| {shown} | {status.value} | {reason.replace('|', '/')} |")
    return lines


def replace(text: str, title: str, lines: list[str]) -> str:
    """`text` with the section `title` replaced by `lines`, or appended when absent."""
    before, found, after = text.partition(title)
    rest = ""
    if found:
        following = after.find("\n## ")
        rest = after[following + 1:] if following >= 0 else ""
    body = "\n".join(lines) + "\n"
    return before.rstrip("\n") + "\n\n" + body + ("\n" + rest if rest else "")


def write(title: str, lines: list[str], what: str) -> int:
    COVERAGE.write_text(replace(COVERAGE.read_text(), title, lines))
    print(f"wrote the {what} section of {COVERAGE}")
    return 0
