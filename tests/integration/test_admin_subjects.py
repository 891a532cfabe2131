"""The admin API that assigns existing Mem0 subjects to tenants and lists a tenant's subjects.

Each subject here gets its memories straight from the local Mem0, bypassing the gateway, as in a
deployment placed in front of a Mem0 that already contains data. Until it is assigned, no tenant
owns it.
"""

import uuid

import pytest
import requests

from tests.harness.gateway import Identity

ACME_ADMIN = Identity("admin-acme", "admin", "acme-corp")
ACME_READER = Identity("agent-acme-2", "agent-reader", "acme-corp")
ACME_WRITER = Identity("agent-acme-1", "agent-writer", "acme-corp")
GLOBEX_READER = Identity("agent-globex-2", "agent-reader", "globex-inc")
GLOBEX_ADMIN = Identity("admin-globex", "admin", "globex-inc")
PLATFORM_ADMIN = Identity("operator-1", "platform-admin", "initech")

AUDIT_ROW = (
    "SELECT action, decision, reason, status_code, resource FROM mem0_audit_log "
    "WHERE request_id = %s"
)
OUTCOME_ROW = "SELECT status_code FROM mem0_audit_outcome WHERE request_id = %s"


pytestmark = pytest.mark.own_mesh


def _new_user(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _write_directly(mesh, user_id: str, text: str) -> str:
    """Add a memory through Mem0's own API and return its id."""
    body = {"messages": [{"role": "user", "content": text}], "user_id": user_id}
    response = requests.post(
        mesh.mem0_url + "/memories", json=body, headers={"X-API-Key": mesh.mem0_api_key}, timeout=30
    )
    assert response.status_code == 200, response.text
    ids = [result["id"] for result in response.json()["results"]]
    assert len(ids) == 1, response.text
    return ids[0]


def _assign(gateway, identity, tenant, user_id, kind="user_id"):
    return gateway.request(
        "POST",
        "/admin/v1/subjects",
        identity,
        json={"tenant": tenant, "kind": kind, "id": user_id},
    )


def _owner(mesh, kind, subject_id):
    rows = mesh.sql(
        "SELECT tenant FROM subject_owner WHERE kind = %s AND id = %s", (kind, subject_id)
    )
    return rows[0][0] if rows else None


def test_assign_existing_subject(mesh, gateway):
    user = _new_user("legacy")
    memory_id = _write_directly(mesh, user, "Legacy user likes tea.")

    response = _assign(gateway, ACME_ADMIN, "acme-corp", user)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["tenant"] == "acme-corp"
    assert body["kind"] == "user_id"
    assert body["id"] == user
    assert body["created"] is True
    assert body["claimed_at"].endswith("Z")
    request_id = response.headers["X-Request-Id"]
    rows = mesh.wait_for_rows(AUDIT_ROW, (request_id,))
    assert rows == [
        ("subjects.assign", "allow", None, None, f"tenant:acme-corp,user_id:{user}")
    ]
    assert mesh.wait_for_rows(OUTCOME_ROW, (request_id,)) == [(201,)]
    assert _owner(mesh, "user_id", user) == "acme-corp"

    # The subject's memories now belong to acme-corp.
    listed = gateway.list_memories(ACME_READER, user)
    assert listed.status_code == 200, listed.text
    assert [record["id"] for record in listed.json()["results"]] == [memory_id]
    read = gateway.request("GET", f"/memories/{memory_id}", ACME_READER)
    assert read.status_code == 200, read.text
    assert read.json()["user_id"] == user

    foreign = gateway.list_memories(GLOBEX_READER, user)
    assert foreign.status_code == 403, foreign.text
    assert foreign.json()["reason"] == "resource belongs to acme-corp, requester is globex-inc"
    foreign_read = gateway.request("GET", f"/memories/{memory_id}", GLOBEX_READER)
    assert foreign_read.status_code == 403, foreign_read.text
    assert foreign_read.json()["reason"] == (
        "resource belongs to acme-corp, requester is globex-inc"
    )


def test_assign_same_tenant_idempotent(mesh, gateway):
    user = _new_user("again")
    first = _assign(gateway, ACME_ADMIN, "acme-corp", user)
    assert first.status_code == 201, first.text
    second = _assign(gateway, ACME_ADMIN, "acme-corp", user)
    assert second.status_code == 200, second.text
    assert second.json()["created"] is False
    assert second.json()["claimed_at"] == first.json()["claimed_at"]


def test_assign_owned_by_other_tenant(mesh, gateway):
    user = _new_user("taken")
    assert _assign(gateway, ACME_ADMIN, "acme-corp", user).status_code == 201

    response = _assign(gateway, PLATFORM_ADMIN, "globex-inc", user)
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error"] == "conflict"
    assert body["reason"] == (
        f"subject user_id:{user} belongs to acme-corp; an assigned subject is never reassigned"
    )
    assert _owner(mesh, "user_id", user) == "acme-corp"
    request_id = body["request_id"]
    rows = mesh.wait_for_rows(AUDIT_ROW, (request_id,))
    assert [(row[0], row[1]) for row in rows] == [("subjects.assign", "allow")]
    assert mesh.wait_for_rows(OUTCOME_ROW, (request_id,)) == [(409,)]


def test_subject_claimed_by_write_conflicts(mesh, gateway):
    # A subject claimed by a write through the gateway is owned like an assigned one.
    user = _new_user("written")
    added = gateway.add_memory(ACME_WRITER, user, "Written through memgov.")
    assert added.status_code == 200, added.text
    response = _assign(gateway, GLOBEX_ADMIN, "globex-inc", user)
    assert response.status_code == 409, response.text
    assert "belongs to acme-corp" in response.json()["reason"]


def test_agent_role_denied(mesh, gateway):
    user = _new_user("agent")
    response = _assign(gateway, ACME_WRITER, "acme-corp", user)
    assert response.status_code == 403, response.text
    reason = "role agent-writer may not perform subjects.assign"
    assert response.json()["reason"] == reason
    rows = mesh.wait_for_rows(AUDIT_ROW, (response.json()["request_id"],))
    assert rows == [
        ("subjects.assign", "deny", reason, 403, f"tenant:acme-corp,user_id:{user}")
    ]
    assert _owner(mesh, "user_id", user) is None

    listing = gateway.request("GET", "/admin/v1/tenants/acme-corp/subjects", ACME_READER)
    assert listing.status_code == 403, listing.text
    assert listing.json()["reason"] == "role agent-reader may not perform subjects.list"


def test_admin_other_tenant_denied(mesh, gateway):
    user = _new_user("cross")
    response = _assign(gateway, ACME_ADMIN, "globex-inc", user)
    assert response.status_code == 403, response.text
    reason = "resource belongs to globex-inc, requester is acme-corp"
    assert response.json()["reason"] == reason
    rows = mesh.wait_for_rows(AUDIT_ROW, (response.json()["request_id"],))
    assert [(row[0], row[1], row[2]) for row in rows] == [("subjects.assign", "deny", reason)]
    assert _owner(mesh, "user_id", user) is None

    listing = gateway.request("GET", "/admin/v1/tenants/globex-inc/subjects", ACME_ADMIN)
    assert listing.status_code == 403, listing.text
    assert listing.json()["reason"] == reason


def test_platform_admin_assigns_any_tenant(mesh, gateway):
    user = _new_user("operator")
    memory_id = _write_directly(mesh, user, "Assigned by the operator.")
    response = _assign(gateway, PLATFORM_ADMIN, "globex-inc", user)
    assert response.status_code == 201, response.text
    assert _owner(mesh, "user_id", user) == "globex-inc"
    read = gateway.request("GET", f"/memories/{memory_id}", GLOBEX_READER)
    assert read.status_code == 200, read.text
    rejected = gateway.request("GET", f"/memories/{memory_id}", ACME_READER)
    assert rejected.status_code == 403, rejected.text


def test_list_subjects(mesh, gateway):
    tenant = f"listing-{uuid.uuid4().hex[:6]}"
    assigned = {
        ("user_id", _new_user("u")),
        ("user_id", _new_user("u")),
        ("agent_id", _new_user("a")),
        ("run_id", _new_user("r")),
    }
    for kind, subject_id in assigned:
        response = _assign(gateway, PLATFORM_ADMIN, tenant, subject_id, kind)
        assert response.status_code == 201, response.text

    path = f"/admin/v1/tenants/{tenant}/subjects"
    everything = gateway.request("GET", path, PLATFORM_ADMIN)
    assert everything.status_code == 200, everything.text
    body = everything.json()
    assert body["tenant"] == tenant
    assert body["next_cursor"] is None
    assert {(row["kind"], row["id"]) for row in body["subjects"]} == assigned
    assert all(row["claimed_at"].endswith("Z") for row in body["subjects"])
    rows = mesh.wait_for_rows(AUDIT_ROW, (everything.headers["X-Request-Id"],))
    assert rows == [("subjects.list", "allow", None, None, f"tenant:{tenant}")]

    users = gateway.request("GET", path, PLATFORM_ADMIN, params={"kind": "user_id"})
    assert users.status_code == 200, users.text
    assert {(row["kind"], row["id"]) for row in users.json()["subjects"]} == {
        item for item in assigned if item[0] == "user_id"
    }

    # Pages of one row, followed by their cursors, return every subject once.
    seen = []
    params = {"limit": "1"}
    for _ in range(len(assigned) + 1):
        page = gateway.request("GET", path, PLATFORM_ADMIN, params=params)
        assert page.status_code == 200, page.text
        seen.extend((row["kind"], row["id"]) for row in page.json()["subjects"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
        params = {"limit": "1", "cursor": cursor}
    assert len(seen) == len(assigned)
    assert set(seen) == assigned


def test_list_own_tenant_as_admin(mesh, gateway):
    user = _new_user("mine")
    assert _assign(gateway, ACME_ADMIN, "acme-corp", user).status_code == 201
    response = gateway.request(
        "GET", "/admin/v1/tenants/acme-corp/subjects", ACME_ADMIN, params={"limit": "1000"}
    )
    assert response.status_code == 200, response.text
    assert {"user_id", user} <= {
        value for row in response.json()["subjects"] for value in (row["kind"], row["id"])
    }


BAD_BODIES = [
    ("not json", b"{", None),
    ("array", b"[]", "request body is not a JSON object"),
    (
        "repeated key",
        b'{"tenant": "acme-corp", "kind": "user_id", "id": "a", "id": "b"}',
        "key 'id' is repeated",
    ),
    (
        "invalid utf-8",
        b'{"tenant": "acme-corp", "kind": "user_id", "id": "\xff"}',
        None,
    ),
    (
        "unknown kind",
        b'{"tenant": "acme-corp", "kind": "memory_id", "id": "a"}',
        "kind 'memory_id' is not a subject kind; expected user_id, agent_id or run_id",
    ),
    (
        "empty id",
        b'{"tenant": "acme-corp", "kind": "user_id", "id": ""}',
        "request body has no id or an empty one",
    ),
    (
        "wildcard id",
        b'{"tenant": "acme-corp", "kind": "user_id", "id": "*"}',
        "id may not be the wildcard *",
    ),
    (
        "number id",
        b'{"tenant": "acme-corp", "kind": "user_id", "id": 7}',
        "key 'id' is a number; expected a string",
    ),
    (
        "unknown key",
        b'{"tenant": "acme-corp", "kind": "user_id", "id": "a", "owner": "x"}',
        "unknown key 'owner'; expected tenant, kind and id",
    ),
    (
        "bad tenant",
        b'{"tenant": "acme corp", "kind": "user_id", "id": "a"}',
        "tenant contains a character other than letters, digits and - _ . : @",
    ),
]


@pytest.mark.parametrize("name,body,reason", BAD_BODIES, ids=[case[0] for case in BAD_BODIES])
def test_bad_body_rejected(mesh, gateway, name, body, reason):
    response = gateway.request(
        "POST",
        "/admin/v1/subjects",
        ACME_ADMIN,
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    got = response.json()
    assert got["error"] == "invalid_request"
    if reason is None:
        assert got["reason"].startswith("request body is not valid JSON"), got["reason"]
    else:
        assert got["reason"] == reason
    rows = mesh.wait_for_rows(
        "SELECT decision, reason, status_code FROM mem0_audit_log WHERE request_id = %s",
        (got["request_id"],),
    )
    assert rows == [("invalid_request", got["reason"], 400)]


@pytest.mark.parametrize(
    "params,reason",
    [
        ({"kind": "memory_id"}, "query parameter kind 'memory_id' is not a subject kind; "
         "expected user_id, agent_id or run_id"),
        ({"limit": "0"}, "query parameter limit must be a whole number from 1 to 1000"),
        ({"limit": "1001"}, "query parameter limit must be a whole number from 1 to 1000"),
        ({"cursor": "nocolon"}, "query parameter cursor is not a next_cursor value of this route"),
        ({"page": "2"}, "unknown query parameter 'page'; expected kind, limit or cursor"),
    ],
)
def test_bad_list_query_rejected(gateway, params, reason):
    response = gateway.request(
        "GET", "/admin/v1/tenants/acme-corp/subjects", ACME_ADMIN, params=params
    )
    assert response.status_code == 400, response.text
    assert response.json()["reason"] == reason


def test_repeated_list_parameter_rejected(gateway):
    response = gateway.request(
        "GET", "/admin/v1/tenants/acme-corp/subjects?kind=user_id&kind=run_id", ACME_ADMIN
    )
    assert response.status_code == 400, response.text
