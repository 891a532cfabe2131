"""An audited request ends with Mem0's status and latency, or with the gateway's own status.

The ingress sends the audit event before it forwards a request, so the event row of an allowed
request carries no status. After Mem0 responds, the ingress sends an audit_outcome with the
status and the latency, and mem0_audit_request joins the two rows. A denied request never
reaches Mem0, so its event row carries the gateway's status and it has no outcome. No audit
table stores the memory text of a request.
"""

import uuid

import pytest

from tests.harness.gateway import Identity

WRITER = Identity("agent-outcome-1", "agent-writer", "outcome-corp")
READER = Identity("agent-outcome-2", "agent-reader", "outcome-corp")

REQUEST_QUERY = """
    SELECT decision, status_code, latency_ms, decision_latency_ms, upstream_status,
           upstream_latency_ms, upstream_error, completed_at >= "timestamp"
    FROM mem0_audit_request WHERE request_id = %s
"""
EVENT_QUERY = "SELECT decision, status_code FROM mem0_audit_log WHERE request_id = %s"
OUTCOME_QUERY = "SELECT count(*) FROM mem0_audit_outcome WHERE request_id = %s"


def new_request_id(label: str) -> str:
    return f"outcome-{label}-{uuid.uuid4()}"


def request_row(mesh, request_id: str) -> dict:
    """Wait until the request's outcome is stored, and return its mem0_audit_request row."""
    rows = mesh.wait_for_rows(
        REQUEST_QUERY, (request_id,), accept=lambda rows: rows and rows[0][4] is not None
    )
    assert len(rows) == 1, rows
    names = [
        "decision",
        "status_code",
        "latency_ms",
        "decision_latency_ms",
        "upstream_status",
        "upstream_latency_ms",
        "upstream_error",
        "completed_after_received",
    ]
    return dict(zip(names, rows[0]))


# Memory text of the allowed write; no audit table may contain it.
CONTENT = f"prefers window seats {uuid.uuid4()}"


@pytest.fixture(scope="module")
def allowed(gateway):
    """A write that Mem0 accepts, with the id the client sent."""
    request_id = new_request_id("allowed")
    response = gateway.add_memory(
        WRITER, "outcome-user", CONTENT, headers={"X-Request-Id": request_id}
    )
    assert response.status_code == 200, response.text
    return request_id


@pytest.fixture(scope="module")
def rejected_by_mem0(gateway):
    """A write the gateway allows and Mem0 rejects, because a message has no content."""
    request_id = new_request_id("mem0-rejects")
    body = {"messages": [{"role": "user"}], "user_id": "outcome-user"}
    response = gateway.request(
        "POST", "/memories", WRITER, headers={"X-Request-Id": request_id}, json=body
    )
    assert 400 <= response.status_code < 500, response.text
    return request_id, response.status_code


@pytest.fixture(scope="module")
def denied(gateway):
    """A write by a role that may only read, which the policy denies."""
    request_id = new_request_id("denied")
    response = gateway.add_memory(
        READER, "outcome-user", "not stored", headers={"X-Request-Id": request_id}
    )
    assert response.status_code == 403, response.text
    return request_id


def test_allowed_row_has_mem0_status(mesh, allowed):
    row = request_row(mesh, allowed)
    assert row["decision"] == "allow"
    assert row["upstream_status"] == 200
    assert row["status_code"] == 200
    assert row["upstream_error"] is None
    assert row["completed_after_received"] is True


def test_allowed_row_has_mem0_latency(mesh, allowed):
    row = request_row(mesh, allowed)
    assert row["upstream_latency_ms"] > 0
    # The gateway's total covers the decision, the audit acknowledgement and Mem0's time.
    assert row["latency_ms"] >= row["upstream_latency_ms"]
    assert row["latency_ms"] >= row["decision_latency_ms"]


def test_allowed_event_row_waits_for_outcome(mesh, allowed):
    rows = mesh.sql(EVENT_QUERY, (allowed,))
    assert rows == [("allow", None)]
    assert mesh.sql(OUTCOME_QUERY, (allowed,)) == [(1,)]


def test_mem0_rejection_status_recorded(mesh, rejected_by_mem0):
    request_id, status = rejected_by_mem0
    row = request_row(mesh, request_id)
    assert row["decision"] == "allow"
    assert row["upstream_status"] == status
    assert row["status_code"] == status
    assert row["upstream_latency_ms"] > 0


def test_denied_row_has_gateway_status(mesh, denied):
    rows = mesh.wait_for_rows(EVENT_QUERY, (denied,))
    assert rows == [("deny", 403)]
    view = mesh.sql(
        "SELECT status_code, latency_ms > 0, upstream_status, upstream_latency_ms "
        "FROM mem0_audit_request WHERE request_id = %s",
        (denied,),
    )
    assert view == [(403, True, None, None)]


def test_denied_request_has_no_outcome(mesh, denied):
    mesh.wait_for_rows(EVENT_QUERY, (denied,))
    assert mesh.sql(OUTCOME_QUERY, (denied,)) == [(0,)]


@pytest.mark.parametrize(
    "table, row_text",
    [
        ("mem0_audit_log", "t::text"),
        ("mem0_audit_outcome", "t::text"),
        ("mem0_audit_chain_link", "encode(t.canonical, 'escape')"),
    ],
)
def test_memory_content_not_stored(mesh, allowed, table, row_text):
    request_row(mesh, allowed)
    pattern = f"%{CONTENT}%"
    rows = mesh.sql(f"SELECT count(*) FROM {table} t WHERE {row_text} LIKE %s", (pattern,))
    assert rows == [(0,)]
