"""Camunda 7 scripts kept in files (issue 15): `camunda:resource` on a script task and `resource` on a
camunda:script run when the file is deployed beside the diagram, as a part of the same upload or a file of the
zip; `deployment://` and `classpath://` name paths in the deployment. The stored definition carries the script,
so instances never need the file. A resource with no file is a 422 naming the element and the resource."""

from __future__ import annotations

import io
import zipfile

from tests.conftest import DIAGRAMS

PRICE_JS = b"var total = quantity * 12.5;\nexecution.setVariable('total', total);\n"
TAX_PY = b"tax = round(total * 0.2, 2)\n"
LABEL_JS = b"'Order of ' + quantity + ' items';\n"
XML = (DIAGRAMS / "c7_script_resources.bpmn").read_bytes()


def _deploy_parts(api, parts, expect=(200, 201)):
    form = {"file": [(io.BytesIO(data), name) for name, data in parts]}
    r = api.client.post("/api/deployments", data=form, headers=api._headers(), content_type="multipart/form-data")
    assert r.status_code in expect, r.get_json()
    return r.get_json()


def _run(api):
    started = api.start("c7_script_resources", {"quantity": 4})
    assert started["status"] == "running", started
    assert started["variables"]["total"] == 50 and started["variables"]["tax"] == 10
    [task] = api.tasks(instance=started["id"])
    assert task["activity"] == "Check"
    done = api.complete(task["id"])
    assert done["status"] == "completed", done
    return started


def test_script_files_deployed_as_parts_of_the_upload_run(api):
    _deploy_parts(api, [("c7_script_resources.bpmn", XML), ("scripts/price.js", PRICE_JS), ("tax.py", TAX_PY),
                        ("scripts/label.js", LABEL_JS)])
    _run(api)


def test_script_files_in_a_zip_run_and_the_definition_keeps_them(api):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("order/c7_script_resources.bpmn", XML)
        zf.writestr("order/scripts/price.js", PRICE_JS)
        zf.writestr("order/scripts/label.js", LABEL_JS)
        zf.writestr("order/lib/tax.py", TAX_PY)  # found by its name: the only tax.py of the archive
    deployed = _deploy_parts(api, [("order.zip", buf.getvalue())])
    [definition] = deployed["definitions"]
    xml = api.get(f"/api/process-definitions/{definition['id']}/xml").get_data(as_text=True)
    assert "quantity * 12.5" in xml and "camunda:resource" not in xml  # the script is in the stored diagram
    _run(api)


def test_a_changed_script_file_makes_a_new_version(api):
    _deploy_parts(api, [("c7_script_resources.bpmn", XML), ("scripts/price.js", PRICE_JS), ("tax.py", TAX_PY),
                        ("scripts/label.js", LABEL_JS)])
    again = _deploy_parts(api, [("c7_script_resources.bpmn", XML), ("scripts/price.js", PRICE_JS + b"\n// v2\n"),
                                ("tax.py", TAX_PY), ("scripts/label.js", LABEL_JS)])
    assert [d["version"] for d in again["definitions"]] == [2]


def test_a_missing_script_file_is_a_422_naming_the_element_and_the_resource(api):
    r = _deploy_parts(api, [("c7_script_resources.bpmn", XML), ("scripts/price.js", PRICE_JS)], expect=(422,))
    found = {(e["element"], e["message"]) for e in r["errors"]}
    assert any(el == "Tax" and "'classpath://tax.py'" in m and "not in the deployment" in m for el, m in found), r
    assert any(el == "Check" and "'scripts/label.js'" in m for el, m in found), r
    assert not any(el == "Price" for el, _ in found), r


def test_a_groovy_script_file_is_refused_as_groovy(api):
    xml = XML.replace(b'id="Tax" scriptFormat="python" camunda:resource="classpath://tax.py"',
                      b'id="Tax" scriptFormat="groovy" camunda:resource="tax.groovy"')
    r = _deploy_parts(api, [("c7.bpmn", xml), ("scripts/price.js", PRICE_JS), ("tax.groovy", b"tax = 1"),
                            ("scripts/label.js", LABEL_JS)], expect=(422,))
    assert any(e["element"] == "Tax" and "groovy" in e["message"] for e in r["errors"]), r


def test_camunda_rest_deployment_takes_the_script_files_as_parts(api):
    from tests.test_camunda_deploy import Camunda

    camunda = Camunda(api)
    form = {"deployment-name": "scripts", "c7_script_resources.bpmn": (io.BytesIO(XML), "c7_script_resources.bpmn"),
            "price": (io.BytesIO(PRICE_JS), "scripts/price.js"), "tax": (io.BytesIO(TAX_PY), "tax.py"),
            "label": (io.BytesIO(LABEL_JS), "scripts/label.js")}
    r = camunda.client.post("/engine-rest/deployment/create", data=form, headers=camunda.headers,
                            content_type="multipart/form-data")
    assert r.status_code == 200, r.get_json()
    _run(api)
