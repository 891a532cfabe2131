"""Two tenants sharing one gateway: writes, cross-tenant denial, same-tenant reads, audit."""

from collections import Counter

import pytest

from tests.harness.gateway import Identity

ACME_WRITER = Identity("agent-acme-1", "agent-writer", "acme-corp")
ACME_READER = Identity("agent-acme-2", "agent-reader", "acme-corp")
GLOBEX_WRITER = Identity("agent-globex-1", "agent-writer", "globex-inc")
GLOBEX_READER = Identity("agent-globex-1", "agent-reader", "globex-inc")

# The per-tenant activity query an operator runs against the audit log.
TENANT_ACTIVITY = """
    SELECT timestamp, actor_id, action, decision
    FROM mem0_audit_log
    WHERE tenant_id = %s
    ORDER BY timestamp DESC
    LIMIT 10
"""


@pytest.fixture(scope="module")
def scenario(gateway):
    """Run the scenario's requests once, in order, and return the responses by step."""
    steps = {}
    steps["acme_add"] = gateway.add_memory(ACME_WRITER, "alice", "ACME confidential data")
    steps["globex_add"] = gateway.add_memory(GLOBEX_WRITER, "charlie", "Globex confidential data")
    steps["globex_reads_alice"] = gateway.list_memories(GLOBEX_READER, "alice")
    steps["acme_reads_alice"] = gateway.list_memories(ACME_READER, "alice")
    return steps


def _added_ids(response) -> set[str]:
    return {result["id"] for result in response.json()["results"]}


@pytest.mark.parametrize("step", ["acme_add", "globex_add"])
def test_writer_adds_memory(scenario, step):
    response = scenario[step]
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert results, "Mem0 stored no memory"
    for result in results:
        assert result["id"]
        assert result["memory"]


def test_cross_tenant_read_denied(scenario):
    response = scenario["globex_reads_alice"]
    assert response.status_code == 403, response.text
    body = response.json()
    assert set(body) >= {"error", "reason", "request_id"}
    assert body["error"] == "forbidden"
    assert body["reason"] == "resource belongs to acme-corp, requester is globex-inc"
    assert body["request_id"]


def test_same_tenant_read_allowed(scenario):
    response = scenario["acme_reads_alice"]
    assert response.status_code == 200, response.text
    listed = {record["id"]: record for record in response.json()["results"]}
    assert _added_ids(scenario["acme_add"]) <= set(listed)
    assert not _added_ids(scenario["globex_add"]) & set(listed)
    for record in listed.values():
        assert record.get("user_id") == "alice"


@pytest.mark.parametrize(
    "tenant, expected",
    [
        (
            "acme-corp",
            [("agent-acme-1", "write", "allow"), ("agent-acme-2", "read", "allow")],
        ),
        (
            "globex-inc",
            [("agent-globex-1", "write", "allow"), ("agent-globex-1", "read", "deny")],
        ),
    ],
    ids=["acme-corp", "globex-inc"],
)
def test_audit_per_tenant(mesh, scenario, tenant, expected):
    rows = mesh.wait_for_rows(
        TENANT_ACTIVITY, (tenant,), accept=lambda rows: len(rows) >= len(expected)
    )
    seen = Counter((actor, action, decision) for _, actor, action, decision in rows)
    assert seen == Counter(expected)
    timestamps = [row[0] for row in rows]
    assert timestamps == sorted(timestamps, reverse=True)


def test_denial_audited_with_reason(mesh, scenario):
    denial = scenario["globex_reads_alice"].json()
    rows = mesh.wait_for_rows(
        "SELECT decision, reason, status_code FROM mem0_audit_log WHERE request_id = %s",
        (denial["request_id"],),
    )
    assert len(rows) == 1
    decision, reason, status_code = rows[0]
    assert decision == "deny"
    assert reason == denial["reason"]
    assert status_code == 403
