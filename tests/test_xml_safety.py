"""Hostile XML: external entities, entity expansion bombs, remote DTDs and deep nesting are refused with a
400 and nothing from the server's files ends up in a response or in the database."""

from __future__ import annotations

import pytest

PROCESS = ('<bpmn:process id="evil" isExecutable="true"><bpmn:startEvent id="s"/>'
           '<bpmn:scriptTask id="t"><bpmn:script>x = "{payload}"</bpmn:script></bpmn:scriptTask></bpmn:process>')
HEAD = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
        'targetNamespace="http://bpmn.io/schema/bpmn">')

XXE = f"""<?xml version="1.0"?>
<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
{HEAD}{PROCESS.format(payload="&xxe;")}</bpmn:definitions>"""

XXE_PARAMETER = f"""<?xml version="1.0"?>
<!DOCTYPE bpmn:definitions [<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;]>
{HEAD}{PROCESS.format(payload="x")}</bpmn:definitions>"""

REMOTE_DTD = f"""<?xml version="1.0"?>
<!DOCTYPE bpmn:definitions SYSTEM "http://127.0.0.1:9/evil.dtd">
{HEAD}{PROCESS.format(payload="x")}</bpmn:definitions>"""

_LOL = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE bpmn:definitions [<!ENTITY lol0 "lol">{_LOL}]>
{HEAD}{PROCESS.format(payload="&lol9;")}</bpmn:definitions>"""

# Quadratic blow-up: one big entity referenced many times (no nesting to detect).
_BIG = "A" * 50_000
QUADRATIC = f"""<?xml version="1.0"?>
<!DOCTYPE bpmn:definitions [<!ENTITY a "{_BIG}">]>
{HEAD}{PROCESS.format(payload="&a;" * 2000)}</bpmn:definitions>"""

DEEP = f"{HEAD}{'<x>' * 5000}{'</x>' * 5000}</bpmn:definitions>"


def _upload(api, data: str, multipart: bool):
    raw = data.encode()
    if multipart:
        import io

        return api.client.post("/api/deployments", headers={"Authorization": f"Bearer {api.token}"},
                               content_type="multipart/form-data",
                               data={"file": [(io.BytesIO(raw), "evil.bpmn")]})
    return api.client.post("/api/deployments", data=raw, content_type="application/xml",
                           headers={"Authorization": f"Bearer {api.token}"})


def _passwd_markers() -> list[str]:
    try:
        with open("/etc/passwd") as fh:
            first = fh.readline().strip()
    except OSError:
        first = ""
    return [m for m in ("root:x:0:0", "/bin/bash", "/usr/sbin/nologin", first) if m]


@pytest.mark.parametrize("multipart", [True, False], ids=["multipart", "raw"])
@pytest.mark.parametrize("doc", [XXE, XXE_PARAMETER, REMOTE_DTD, BILLION_LAUGHS, QUADRATIC],
                         ids=["xxe", "xxe-parameter-entity", "remote-dtd", "billion-laughs", "quadratic-blowup"])
def test_hostile_documents_are_refused(api, doc, multipart):
    r = _upload(api, doc, multipart)
    assert r.status_code == 400, r.get_json()
    assert r.mimetype == "application/problem+json"
    text = r.get_data(as_text=True)
    for marker in _passwd_markers():
        assert marker not in text
    assert "lollol" not in text
    assert len(r.data) < 4096  # nothing expanded came back
    assert api.get("/api/process-definitions").get_json()["items"] == []


def test_deep_nesting_is_refused(api):
    r = _upload(api, DEEP, multipart=False)
    assert r.status_code == 400
    assert r.mimetype == "application/problem+json"


def test_entities_never_reach_a_running_instance(api):
    """Even a document whose only entity is harmless is refused: no DTD processing at all."""
    doc = f"""<?xml version="1.0"?>
<!DOCTYPE bpmn:definitions [<!ENTITY who "world">]>
{HEAD}{PROCESS.format(payload="&who;")}</bpmn:definitions>"""
    r = _upload(api, doc, multipart=False)
    assert r.status_code == 400
    assert "DOCTYPE" in r.get_json()["detail"]
