"""Saved task filters through the API (issue 23), on both databases: criteria, variable equality by type,
columns, sorts, sharing with a group, counts, and who may see and delete a filter."""

from __future__ import annotations

from tests.test_web_cases import CLAIM


def _setup(api):
    api.deploy(CLAIM)
    olga = api.as_user("olga", "operator", ["adjusters"])
    bob = api.as_user("bob", "operator", ["adjusters"])
    carl = api.as_user("carl", "operator", ["clerks"])
    for no, customer, amount in (("A-1", "Ada", 500), ("A-2", "Bo", 2000), ("A-3", "Ada", 2000),
                                 ("A-4", "2000", 7)):
        olga.start("claim", {"claim_no": no, "customer": customer, "amount": amount})
    return olga, bob, carl


def _names(r) -> list[str]:
    return [t["business_key"] for t in r.get_json()["items"]]


def test_a_filter_selects_by_variables_shows_columns_and_counts(api):
    olga, bob, carl = _setup(api)
    r = olga.post("/api/task-filters", {"name": "Big claims", "criteria": {"process": "claim",
                                                                          "variables": {"amount": 2000}},
                                        "columns": ["customer", "amount"], "sort": "created"})
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert made["count"] == 2 and made["owner"] == "olga" and made["shared_group"] is None
    assert made["criteria"] == {"process": "claim", "variables": {"amount": 2000}}
    r = olga.get(f"/api/task-filters/{made['id']}/tasks")
    assert r.status_code == 200 and _names(r) == ["A-2", "A-3"]  # "2000" the string is not 2000
    assert [t["variables"] for t in r.get_json()["items"]] == [{"customer": "Bo", "amount": 2000},
                                                              {"customer": "Ada", "amount": 2000}]
    text = olga.post("/api/task-filters", {"name": "Text", "criteria": {"variables": {"customer": "2000"}}})
    assert text.get_json()["count"] == 1
    assert _names(olga.get(f"/api/task-filters/{text.get_json()['id']}/tasks")) == ["A-4"]
    listed = olga.get("/api/task-filters").get_json()
    assert [(f["name"], f["count"]) for f in listed["items"]] == [("Big claims", 2), ("Text", 1)]
    assert listed["next"] is None


def test_a_shared_filter_is_seen_by_the_group_and_counts_what_each_may_see(api):
    olga, bob, carl = _setup(api)
    made = olga.post("/api/task-filters", {"name": "Mine to do", "criteria": {"assignee": "me"},
                                           "shared_group": "adjusters"}).get_json()
    assert made["count"] == 0
    task = olga.tasks(process="claim")[0]
    assert bob.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    seen = bob.get("/api/task-filters").get_json()["items"]
    assert [(f["name"], f["owner"], f["count"]) for f in seen] == [("Mine to do", "olga", 1)]  # "me" is bob
    assert olga.get(f"/api/task-filters/{made['id']}").get_json()["count"] == 0
    assert carl.get("/api/task-filters").get_json()["items"] == []
    assert carl.get(f"/api/task-filters/{made['id']}").status_code == 404
    assert carl.get(f"/api/task-filters/{made['id']}/tasks").status_code == 404
    assert bob.client.delete(f"/api/task-filters/{made['id']}", headers=bob._headers()).status_code == 403
    r = olga.client.delete(f"/api/task-filters/{made['id']}", headers=olga._headers())
    assert r.status_code == 204
    assert bob.get("/api/task-filters").get_json()["items"] == []


def test_an_operator_filter_never_shows_tasks_they_may_not_see(api):
    olga, bob, carl = _setup(api)
    made = carl.post("/api/task-filters", {"name": "All claims", "criteria": {"process": "claim"}}).get_json()
    assert made["count"] == 0  # offered to adjusters, not to clerks
    assert carl.get(f"/api/task-filters/{made['id']}/tasks").get_json()["items"] == []
    anna = api.as_user("anna", "analyst")
    seen = anna.post("/api/task-filters", {"name": "All claims", "criteria": {"process": "claim"},
                                           "sort": "priority"}).get_json()
    assert seen["count"] == 4


def test_bad_filters_are_refused_naming_the_field(api):
    olga, bob, carl = _setup(api)
    r = olga.post("/api/task-filters", {"name": "x", "sort": "size"})
    assert r.status_code == 400 and "sort" in str(r.get_json()["errors"])
    r = olga.post("/api/task-filters", {"name": "x", "criteria": {"variables": {"a": {"b": 1}}}})
    assert r.status_code == 400 and "variables" in str(r.get_json()["errors"])
    r = olga.post("/api/task-filters", {"name": "x", "criteria": {"variables": {'a"b': 1}}})
    assert r.status_code == 400 and "quotes" in str(r.get_json()["errors"])
    r = olga.post("/api/task-filters", {"name": "x", "criteria": {"colour": "red"}})
    assert r.status_code == 400 and "colour" in str(r.get_json()["errors"])
    r = olga.post("/api/task-filters", {"name": "x", "shared_group": "clerks"})
    assert r.status_code == 422 and r.get_json()["errors"] == [
        {"field": "shared_group", "message": "you are not a member of 'clerks'"}]
    assert olga.get("/api/task-filters").get_json()["items"] == []


def test_filter_pages_follow_the_cursor(api):
    olga, bob, carl = _setup(api)
    made = olga.post("/api/task-filters", {"name": "All", "criteria": {"process": "claim"}}).get_json()
    first = olga.get(f"/api/task-filters/{made['id']}/tasks", query_string={"limit": 3}).get_json()
    assert len(first["items"]) == 3 and first["next"]
    rest = olga.get(f"/api/task-filters/{made['id']}/tasks", query_string={"limit": 3, "after": first["next"]})
    assert _names(rest) == ["A-4"]


def test_the_routes_are_in_the_openapi_document(api):
    paths = api.get("/api/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/task-filters"])
    assert {"get", "delete"} <= set(paths["/api/task-filters/{filter_id}"])
    assert "get" in paths["/api/task-filters/{filter_id}/tasks"]
