"""The real Camunda 7 diagrams (../shared/corpus/camunda7): the whole folder deploys through the deployment service
in two passes; every refused file is refused for reasons that are classified (none unclassified) as needing Java,
as a written reason (Camunda 7 refuses it too, not a runnable process, ...) or as a gap this server still has, and
the files with a gap are bounded; a file with Java delegates names every one of them, and with
BPMN_SERVER_JAVA_DELEGATES=external those files deploy too.

The figures are in docs/COVERAGE.md ("Real Camunda 7 diagrams"), written by `coverage_camunda7.py`.
"""

from __future__ import annotations

import pytest

from tests.conformance.camunda7 import CAMUNDA7, GAP, JAVA, PRESENT, WRITTEN, deploy_folder, files, java_tasks, kind_of

pytestmark = [pytest.mark.conformance,
              pytest.mark.skipif(not PRESENT, reason=f"Camunda 7 corpus not found at {CAMUNDA7} "
                                                     "(set BPMN_SERVER_CORPUS to the shared/corpus folder)")]

# What deploys today (measured: see docs/COVERAGE.md); a change that deploys fewer files is a regression.
AT_LEAST = {"refuse": 156, "external": 303}
# Files refused for a reason Camunda 7 runs and this server does not yet (kind GAP in camunda7.REASONS): none
# left; a change that refuses a file for a gap again fails here.
GAP_FILES = {"refuse": 0, "external": 0}


@pytest.fixture
def reports(app):
    refuse = deploy_folder(app, "refuse")
    external = deploy_folder(app, "external", refuse.deployed)  # the same database: what deployed stays
    return refuse, external


def test_the_folder_deploys_or_is_refused_for_classified_reasons(reports):
    refuse, external = reports
    assert len(files()) == 388
    for report in (refuse, external):
        assert len(report.deployed) + len(report.refused) == len(files())
        assert report.unclassified() == [], {f: report.refused[f] for f in report.unclassified()}
        assert len(report.deployed) >= AT_LEAST[report.mode], (report.mode, len(report.deployed))
        for relative, errors in report.refused.items():
            assert errors and all(e.get("message") for e in errors), relative
            assert {kind_of(r) for r in report.reasons(relative)} <= {JAVA, WRITTEN, GAP}, relative
        assert len(report.with_gap()) <= GAP_FILES[report.mode], (report.mode, report.with_gap())
    # Every Java delegate of a refused file is named, not only the first one.
    for relative in refuse.refused:
        named = {e.get("element") for e in refuse.refused[relative]}
        assert java_tasks(relative) <= named, (relative, java_tasks(relative) - named)
    # With the setting, no file is refused for a Java task any more.
    assert not any("[java-delegate] serviceTask" in e["message"] or "[java-delegate] sendTask" in e["message"]
                   for errors in external.refused.values() for e in errors)
    assert set(refuse.deployed) <= set(external.deployed)
