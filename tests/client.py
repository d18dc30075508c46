"""A thin test client for the HTTP API: every test talks to the server the way a user does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DIAGRAMS = Path(__file__).resolve().parent / "diagrams"


class Api:
    def __init__(self, app: Any, token: str, name: str = "admin"):
        self.app = app
        self.token = token
        self.name = name
        self.client = app.test_client()

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, url: str, json: Any = None, **kw: Any) -> Any:
        if json is None and "data" not in kw:
            json = {}
        return self.client.post(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, url: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def as_user(self, name: str, role: str, groups: list[str] | None = None) -> "Api":
        """Create a user through the API and return a client that uses its token."""
        r = self.post("/api/users", {"name": name, "role": role, "groups": groups or []})
        assert r.status_code == 201, r.get_json()
        return Api(self.app, r.get_json()["token"], name)

    # Convenience wrappers that assert success: tests about errors call get/post directly.
    def deploy(self, *names_or_xml: str | bytes, note: str | None = None, expect: int | tuple = (200, 201)) -> Any:
        """Deploy diagrams from tests/diagrams (by file name) or given as XML bytes/str."""
        files = []
        for item in names_or_xml:
            if isinstance(item, bytes) or (isinstance(item, str) and item.lstrip().startswith("<")):
                data = item.encode() if isinstance(item, str) else item
                files.append((data, "upload.bpmn"))
            else:
                files.append(((DIAGRAMS / item).read_bytes(), item))
        import io

        form: dict[str, Any] = {"file": [(io.BytesIO(d), n) for d, n in files]}
        if note:
            form["note"] = note
        r = self.client.post("/api/deployments", data=form, headers=self._headers(),
                             content_type="multipart/form-data")
        expected = expect if isinstance(expect, tuple) else (expect,)
        assert r.status_code in expected, r.get_json()
        return r.get_json()

    def start(self, process: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        r = self.post("/api/process-instances", {"process": process, "variables": variables or {}, **kw})
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def instance(self, instance_id: str) -> dict[str, Any]:
        r = self.get(f"/api/process-instances/{instance_id}")
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def tasks(self, **params: Any) -> list[dict[str, Any]]:
        r = self.get("/api/tasks", query_string=params)
        assert r.status_code == 200, r.get_json()
        return r.get_json()["items"]

    def complete(self, task_id: str, variables: dict[str, Any] | None = None, expect: int = 200) -> dict[str, Any]:
        r = self.post(f"/api/tasks/{task_id}/complete", {"variables": variables or {}})
        assert r.status_code == expect, r.get_json()
        return r.get_json()

    def history(self, instance_id: str) -> list[dict[str, Any]]:
        r = self.get(f"/api/process-instances/{instance_id}/history", query_string={"limit": 500})
        assert r.status_code == 200, r.get_json()
        return r.get_json()["items"]
