"""The "Real Camunda 7 diagrams" section of docs/COVERAGE.md, measured (`python -m tests.conformance.coverage`
writes it; `python -m tests.conformance.coverage_camunda7` prints it alone).

Deploys the whole `camunda7` folder through the deployment service on a throw-away SQLite database, twice: with
Java delegates refused (the default) and with `BPMN_SERVER_JAVA_DELEGATES=external`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.conformance.camunda7 import GAP, JAVA, PRESENT, WRITTEN, Report, deploy_folder, files, kind_of


def _app(folder: Path) -> object:
    from bpmn_server import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'corpus.db'}", "SCHEDULER_ENABLED": False,
                       "ADMIN_TOKEN": "coverage-camunda7", "TESTING": True})


def measure() -> tuple[Report, Report]:
    with tempfile.TemporaryDirectory() as folder:
        app = _app(Path(folder))
        refuse = deploy_folder(app, "refuse")
        return refuse, deploy_folder(app, "external", refuse.deployed)


def render(refuse: Report, external: Report) -> str:
    total = len(files())
    lines = ["", "## Real Camunda 7 diagrams", "",
             f"The {total} diagrams of `../shared/corpus/camunda7` (Camunda's public example repositories), each "
             "deployed through the deployment service, in two passes (for call activities across files). Measured "
             "by `tests/conformance/coverage_camunda7.py`; checked by `tests/conformance/test_camunda7_corpus.py`.",
             "", "| | Java delegates refused (default) | `BPMN_SERVER_JAVA_DELEGATES=external` |",
             "| --- | --- | --- |",
             f"| deployed | {len(refuse.deployed)} of {total} | {len(external.deployed)} of {total} |",
             f"| refused | {len(refuse.refused)} | {len(external.refused)} |",
             f"| refused only for Java or Groovy | {len(refuse.only_java_or_groovy())} | "
             f"{len(external.only_java_or_groovy())} |",
             f"| refused for a reason Camunda 7 runs and this server does not yet (*gap*) | "
             f"{len(refuse.with_gap())} | {len(external.with_gap())} |",
             f"| files with an unclassified problem | {len(refuse.unclassified())} | {len(external.unclassified())} |",
             f"| seconds (2 passes; external: only the files refused by default) | {refuse.seconds:.0f} | "
             f"{external.seconds:.0f} |", "",
             "Refused files by reason (a file counts under each of its reasons). Kind: *Java* is what only a Java "
             "runtime could run; *written* is refused for the reason written there (Camunda 7 refuses it too, or "
             "it is not a runnable BPMN 2.0 process, or it needs what one diagram cannot carry); *gap* is what "
             "Camunda 7 runs and this server does not yet.", "", "| reason | default | external | kind |",
             "| --- | --- | --- | --- |"]
    a, b = refuse.by_reason(), external.by_reason()
    for reason in sorted(set(a) | set(b), key=lambda r: (-a.get(r, 0), r)):
        kind = kind_of(reason)
        lines.append(f"| {reason} | {a.get(reason, 0)} | {b.get(reason, 0)} | "
                     f"{ {JAVA: '*Java*', WRITTEN: 'written', GAP: '**gap**'}.get(kind, kind)} |")
    return "\n".join(lines) + "\n"


def section() -> str:
    """The section, or a line saying the corpus is missing."""
    if not PRESENT:
        return "\n## Real Camunda 7 diagrams\n\nNot measured: the camunda7 corpus was not found.\n"
    return render(*measure())


if __name__ == "__main__":
    print(section())
