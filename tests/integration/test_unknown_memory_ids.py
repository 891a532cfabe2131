"""Memory ids the ownership registry does not know, such as memories Mem0 held before memgov.

The gateway reads such a memory from Mem0, records it for the tenant that owns its subject, and
then decides as for any other memory. Each memory here is written straight to the local Mem0,
bypassing the gateway, so the registry has never seen its id.
"""

import uuid

import pytest
import requests

from tests.harness.gateway import Gateway, Identity

ACME_WRITER = Identity("agent-acme-1", "agent-writer", "acme-corp")
ACME_READER = Identity("agent-acme-2", "agent-reader", "acme-corp")
ACME_ADMIN = Identity("admin-acme", "admin", "acme-corp")
GLOBEX_READER = Identity("agent-globex-2", "agent-reader", "globex-inc")
GLOBEX_WRITER = Identity("agent-globex-1", "agent-writer", "globex-inc")
GLOBEX_ADMIN = Identity("admin-globex", "admin", "globex-inc")
PLATFORM_ADMIN = Identity("operator-1", "platform-admin", "globex-inc")

FOREIGN = "resource belongs to acme-corp, requester is globex-inc"

AUDIT_ROW = "SELECT decision, reason, status_code FROM mem0_audit_log WHERE request_id = %s"


pytestmark = pytest.mark.own_mesh


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


def _read_directly(mesh, memory_id: str):
    response = requests.get(
        f"{mesh.mem0_url}/memories/{memory_id}",
        headers={"X-API-Key": mesh.mem0_api_key},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def owned_user(gateway) -> str:
    """A user that acme-corp claimed by writing through the gateway."""
    user = f"alice-{uuid.uuid4().hex[:8]}"
    response = gateway.add_memory(ACME_WRITER, user, "Alice likes sailing.")
    assert response.status_code == 200, response.text
    return user


def _memory_calls(memory_id: str):
    return [
        ("GET", f"/memories/{memory_id}", None),
        ("GET", f"/memories/{memory_id}/history", None),
        ("PUT", f"/memories/{memory_id}", {"text": "Rewritten by a test."}),
        ("DELETE", f"/memories/{memory_id}", None),
    ]


def _identity_for(method: str, tenant: str) -> Identity:
    roles = {
        "acme-corp": {"GET": ACME_READER, "PUT": ACME_WRITER, "DELETE": ACME_ADMIN},
        "globex-inc": {"GET": GLOBEX_READER, "PUT": GLOBEX_WRITER, "DELETE": GLOBEX_ADMIN},
    }
    return roles[tenant][method]


@pytest.mark.parametrize("first", ["acme-corp", "globex-inc"])
def test_owner_resolved_from_subject(mesh, gateway, owned_user, first):
    # Whichever tenant's request meets the unknown id first, the memory goes to the owner of
    # its user, and the other tenant is refused.
    text = f"Written behind memgov ({first} first)."
    memory_id = _write_directly(mesh, owned_user, text)
    order = ["acme-corp", "globex-inc"] if first == "acme-corp" else ["globex-inc", "acme-corp"]
    for tenant in order:
        if tenant == "globex-inc":
            for method, path, body in _memory_calls(memory_id):
                response = gateway.request(method, path, _identity_for(method, tenant), json=body)
                assert response.status_code == 403, f"{method} {path}: {response.text}"
                assert response.json()["reason"] == FOREIGN, f"{method} {path}"
            record = _read_directly(mesh, memory_id)
            assert record is not None, "globex deleted acme's memory"
            assert record["memory"] == text, "globex changed acme's memory"
        else:
            get = gateway.request("GET", f"/memories/{memory_id}", ACME_READER)
            assert get.status_code == 200, get.text
            assert get.json()["id"] == memory_id
            assert get.json()["user_id"] == owned_user
            put = gateway.request(
                "PUT", f"/memories/{memory_id}", ACME_WRITER, json={"text": "Updated by acme."}
            )
            assert put.status_code == 200, put.text
            text = "Updated by acme."
            assert _read_directly(mesh, memory_id)["memory"] == text
    delete = gateway.request("DELETE", f"/memories/{memory_id}", ACME_ADMIN)
    assert delete.status_code == 200, delete.text
    assert _read_directly(mesh, memory_id) is None


def test_owner_recorded_in_registry(mesh, gateway, owned_user):
    memory_id = _write_directly(mesh, owned_user, "Recorded on first sight.")
    response = gateway.request("GET", f"/memories/{memory_id}", ACME_READER)
    assert response.status_code == 200, response.text
    rows = mesh.wait_for_rows(
        "SELECT tenant FROM subject_owner WHERE kind = 'memory_id' AND id = %s", (memory_id,)
    )
    assert rows == [("acme-corp",)]


def test_unowned_subject_denied(mesh, gateway):
    user = f"nobody-{uuid.uuid4().hex[:8]}"
    memory_id = _write_directly(mesh, user, "Nobody owns this user.")
    expected = (
        f"resource memory:{memory_id} has no owning tenant; "
        f"subject user_id:{user} of memory {memory_id} has no owning tenant"
    )
    for identity in (ACME_READER, GLOBEX_READER, ACME_ADMIN):
        response = gateway.request("GET", f"/memories/{memory_id}", identity)
        assert response.status_code == 403, response.text
        assert response.json()["reason"] == expected

    rows = mesh.wait_for_rows(AUDIT_ROW, (response.json()["request_id"],))
    assert rows == [("deny", expected, 403)]


def test_unowned_subject_platform_admin(mesh, gateway):
    # The shipped policy lets platform-admin act on targets without an owner.
    user = f"nobody-{uuid.uuid4().hex[:8]}"
    memory_id = _write_directly(mesh, user, "Only the operator may read this.")
    response = gateway.request("GET", f"/memories/{memory_id}", PLATFORM_ADMIN)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == memory_id


def test_missing_memory_denied(mesh, gateway):
    memory_id = str(uuid.uuid4())
    response = gateway.request("GET", f"/memories/{memory_id}", ACME_READER)
    assert response.status_code == 403, response.text
    reason = response.json()["reason"]
    assert reason == (
        f"resource memory:{memory_id} has no owning tenant; "
        f"memory {memory_id} was not found in Mem0"
    )
    rows = mesh.wait_for_rows(AUDIT_ROW, (response.json()["request_id"],))
    assert rows == [("deny", reason, 403)]


def test_mem0_down_is_503(start_mesh, stop_mesh):
    mesh = start_mesh(start_mem0=False)
    try:
        gateway = Gateway(mesh.gateway_url)
        memory_id = str(uuid.uuid4())
        response = gateway.request("GET", f"/memories/{memory_id}", ACME_READER)
        assert response.status_code == 503, response.text
        body = response.json()
        assert body["error"] == "upstream_unavailable"
        assert body["reason"].startswith(
            f"Mem0 unavailable while resolving the owner of memory {memory_id}: "
        )
        rows = mesh.wait_for_rows(AUDIT_ROW, (body["request_id"],))
        assert rows == [("error", body["reason"], 503)]
    finally:
        stop_mesh(mesh)
