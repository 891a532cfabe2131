"""Cross-tenant read, write and delete on every Mem0 route, by subject and by memory id.

acme-corp owns a user, an agent, a run and a memory. Every request of globex-inc that names one
of them is refused with 403 and the reason naming both tenants, and afterwards Mem0 (read
directly, not through the gateway) still contains acme's memory unchanged.
"""

import uuid

import pytest
import requests

from tests.harness.gateway import Identity

ACME_WRITER = Identity("agent-acme-1", "agent-writer", "acme-corp")
GLOBEX_READER = Identity("agent-globex-2", "agent-reader", "globex-inc")
GLOBEX_WRITER = Identity("agent-globex-1", "agent-writer", "globex-inc")
GLOBEX_ADMIN = Identity("admin-globex", "admin", "globex-inc")

FOREIGN = "resource belongs to acme-corp, requester is globex-inc"
OUT_OF_SCOPE = "outside the scope of tenant globex-inc"
TEXT = "Acme's quarterly numbers are confidential."


pytestmark = pytest.mark.own_mesh


@pytest.fixture(scope="module")
def acme(gateway):
    """The ids acme-corp owns: a user, an agent, a run and the memory that names all three."""
    suffix = uuid.uuid4().hex[:8]
    ids = {"user_id": f"alice-{suffix}", "agent_id": f"bot-{suffix}", "run_id": f"run-{suffix}"}
    body = {"messages": [{"role": "user", "content": TEXT}], "infer": False, **ids}
    response = gateway.request("POST", "/memories", ACME_WRITER, json=body)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == 1, response.text
    return {**ids, "memory_id": results[0]["id"]}


def _by_subject_cases():
    cases = []
    for kind in ("user_id", "agent_id", "run_id"):
        cases += [
            (f"list by {kind}", GLOBEX_READER, "GET", "/memories", {"params": kind}),
            (f"delete all by {kind}", GLOBEX_ADMIN, "DELETE", "/memories", {"params": kind}),
            (f"add for {kind}", GLOBEX_WRITER, "POST", "/memories", {"add": kind}),
            (f"search filter {kind}", GLOBEX_READER, "POST", "/search", {"filter": kind}),
            (f"search top-level {kind}", GLOBEX_READER, "POST", "/search", {"top": kind}),
            (f"search in {kind}", GLOBEX_READER, "POST", "/search", {"in": kind}),
            (f"search eq {kind}", GLOBEX_READER, "POST", "/search", {"eq": kind}),
            (f"search OR {kind}", GLOBEX_READER, "POST", "/search", {"OR": kind}),
            (f"search AND {kind}", GLOBEX_READER, "POST", "/search", {"AND": kind}),
        ]
    return cases


def _build(acme: dict, spec: dict) -> dict:
    """Turn a case's short spec into requests.request keyword arguments."""
    (form, kind), = spec.items()
    value = acme[kind]
    if form == "params":
        return {"params": {kind: value}}
    if form == "add":
        return {"json": {"messages": [{"role": "user", "content": "x"}], kind: value}}
    query = {"query": "numbers"}
    if form == "filter":
        return {"json": {**query, "filters": {kind: value}}}
    if form == "top":
        return {"json": {**query, kind: value}}
    if form in ("in", "eq"):
        operand = [value] if form == "in" else value
        return {"json": {**query, "filters": {kind: {form: operand}}}}
    return {"json": {**query, "filters": {form: [{kind: value}]}}}


@pytest.mark.parametrize(
    "label, identity, method, path, spec",
    _by_subject_cases(),
    ids=[case[0] for case in _by_subject_cases()],
)
def test_by_subject_denied(gateway, acme, label, identity, method, path, spec):
    response = gateway.request(method, path, identity, **_build(acme, spec))
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["error"] == "forbidden"
    assert body["reason"] == FOREIGN


@pytest.mark.parametrize(
    "identity, method, suffix, body",
    [
        (GLOBEX_READER, "GET", "", None),
        (GLOBEX_READER, "GET", "/history", None),
        (GLOBEX_WRITER, "PUT", "", {"text": "Overwritten by globex."}),
        (GLOBEX_ADMIN, "DELETE", "", None),
    ],
    ids=["get", "history", "update", "delete"],
)
def test_by_memory_id_denied(gateway, acme, identity, method, suffix, body):
    path = f"/memories/{acme['memory_id']}{suffix}"
    response = gateway.request(method, path, identity, json=body)
    assert response.status_code == 403, response.text
    assert response.json()["reason"] == FOREIGN


def test_search_mixing_own_and_foreign_denied(gateway, acme):
    own = f"globex-user-{uuid.uuid4().hex[:8]}"
    added = gateway.add_memory(GLOBEX_WRITER, own, "Globex's own note.")
    assert added.status_code == 200, added.text
    filters = {"OR": [{"user_id": own}, {"user_id": acme["user_id"]}]}
    response = gateway.request(
        "POST", "/search", GLOBEX_READER, json={"query": "note", "filters": filters}
    )
    assert response.status_code == 403, response.text
    assert response.json()["reason"] == FOREIGN


@pytest.mark.parametrize(
    "filters",
    [
        {"user_id": "*"},
        {"user_id": {"ne": "nobody"}},
        {"user_id": {"nin": ["nobody"]}},
        {"NOT": [{"user_id": "nobody"}]},
    ],
    ids=["wildcard", "ne", "nin", "NOT"],
)
def test_search_spanning_tenants_denied(gateway, filters):
    response = gateway.request(
        "POST", "/search", GLOBEX_READER, json={"query": "numbers", "filters": filters}
    )
    assert response.status_code == 403, response.text
    assert OUT_OF_SCOPE in response.json()["reason"]


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("POST", "/reset", None),
        ("GET", "/configure", None),
        ("POST", "/configure", {"version": "v1.1"}),
        ("GET", "/memories", None),
        ("DELETE", "/memories", None),
    ],
    ids=["reset", "get-config", "set-config", "list-all", "delete-all"],
)
def test_store_wide_actions_denied(gateway, method, path, body):
    # These act on every tenant's data. A tenant admin is confined to its own tenant.
    response = gateway.request(method, path, GLOBEX_ADMIN, json=body)
    assert response.status_code == 403, response.text
    assert response.json()["reason"] == (
        "resource * has no owning tenant; wildcard resource * is outside the scope of tenant "
        "globex-inc"
    )


def test_mem0_data_unchanged(mesh, gateway, acme):
    # Run after the denials above (pytest keeps file order): acme's memory is still in Mem0.
    response = requests.get(
        f"{mesh.mem0_url}/memories/{acme['memory_id']}",
        headers={"X-API-Key": mesh.mem0_api_key},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    record = response.json()
    assert record is not None, "acme's memory was deleted"
    assert record["memory"] == TEXT
    assert record["user_id"] == acme["user_id"]
    listed = requests.get(
        f"{mesh.mem0_url}/memories",
        params={"user_id": acme["user_id"]},
        headers={"X-API-Key": mesh.mem0_api_key},
        timeout=30,
    )
    assert [r["id"] for r in listed.json()["results"]] == [acme["memory_id"]]
