"""A spiff-arena process model zip proposed under four-eyes approval: its diff and its approval (issue 15)."""

from __future__ import annotations

import pytest

from tests.client import DIAGRAMS
from tests.test_spiff_forms import SCHEMA, _upload, _zip


@pytest.fixture
def app_config(app_config):
    return {**app_config, "DEPLOY_APPROVAL": True}


def test_a_proposed_zip_is_diffed_and_approved_with_its_form_files(api):
    anna = api.as_user("anna", "analyst")
    paul = api.as_user("paul", "approver")
    folder = {f"claims/{n}": (DIAGRAMS / n).read_bytes()
              for n in ("spiff_form.bpmn", "claim-schema.json", "claim-uischema.json")}
    r = _upload(anna, "claims.zip", _zip(folder))
    assert r.status_code == 202, r.get_json()
    proposal = r.get_json()
    [process] = api.get(f"/api/deployments/{proposal['id']}/diff").get_json()["processes"]
    assert process["key"] == "spiff_form" and process["from_version"] is None
    r = paul.post(f"/api/deployments/{proposal['id']}/approve", {})
    assert r.status_code == 200, r.get_json()
    started = api.start("spiff_form", {"employee": "Ada", "trips": 1})
    assert api.tasks(instance=started["id"])[0]["form"]["schema"] == SCHEMA
