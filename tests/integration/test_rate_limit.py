"""Per-actor rate limiting: the request over the limit gets 429 and is audited."""

import pytest

from tests.harness.gateway import Gateway, Identity

LIMIT = 5
WINDOW_SECONDS = 60
WRITER = Identity("agent-hooli-1", "agent-writer", "hooli")
LIMITED_READER = Identity("agent-hooli-2", "agent-reader", "hooli")
OTHER_READER = Identity("agent-hooli-3", "agent-reader", "hooli")


@pytest.fixture(scope="module")
def limited_mesh(start_mesh, stop_mesh):
    mesh = start_mesh(
        stage_env={
            "ratelimit": {
                "MEMGOV_RATELIMIT_DEFAULT_LIMIT": str(LIMIT),
                "MEMGOV_RATELIMIT_WINDOW_SECONDS": str(WINDOW_SECONDS),
            }
        }
    )
    yield mesh
    stop_mesh(mesh)


@pytest.fixture(scope="module")
def gateway(limited_mesh):
    client = Gateway(limited_mesh.gateway_url)
    added = client.add_memory(WRITER, "gavin", "Gavin owns the compression project")
    assert added.status_code == 200, added.text
    return client


def test_request_over_limit_rejected(limited_mesh, gateway):
    allowed = [gateway.list_memories(LIMITED_READER, "gavin") for _ in range(LIMIT)]
    assert [response.status_code for response in allowed] == [200] * LIMIT

    rejected = gateway.list_memories(LIMITED_READER, "gavin")
    assert rejected.status_code == 429, rejected.text
    retry_after = int(rejected.headers["Retry-After"])
    assert 1 <= retry_after <= WINDOW_SECONDS
    body = rejected.json()
    assert body["error"] == "rate_limited"
    assert body["request_id"]

    rows = limited_mesh.wait_for_rows(
        "SELECT decision, actor_id, status_code FROM mem0_audit_log WHERE request_id = %s",
        (body["request_id"],),
    )
    assert rows == [("rate_limited", LIMITED_READER.actor, 429)]

    other = gateway.list_memories(OTHER_READER, "gavin")
    assert other.status_code == 200, other.text
