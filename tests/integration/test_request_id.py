"""A request id reaches the client, the audit row, the ingress log line and Mem0; traceparent
reaches Mem0 when it is well formed."""

import json
import uuid

import pytest

from tests.harness import poll
from tests.harness.gateway import Identity

WRITER = Identity("agent-request-id", "agent-writer", "request-id-corp")
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def json_lines(text: str) -> list[dict]:
    records = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def wait_for_log_line(process, accept, condition: str) -> dict:
    """Wait until a JSON line of the process's log passes `accept`, and return it."""
    found = poll(
        lambda: [record for record in json_lines(process.log_text()) if accept(record)],
        bool,
        10.0,
        condition,
        interval=0.2,
    )
    return found[0]


def ingress_access_line(mesh, request_id: str) -> dict:
    ingress = mesh.processes("ingress")[0]
    return wait_for_log_line(
        ingress,
        lambda r: r.get("msg") == "request completed" and r.get("request_id") == request_id,
        f"an ingress access line for request id {request_id}",
    )


def mem0_request_line(mesh, request_id: str) -> dict:
    return wait_for_log_line(
        mesh.mem0.process,
        lambda r: r.get("msg") == "request" and r.get("x_request_id") == request_id,
        f"a mem0-local request line for request id {request_id}",
    )


def audit_rows(mesh, request_id: str):
    return mesh.wait_for_rows(
        "SELECT request_id, tenant_id FROM mem0_audit_log WHERE request_id = %s", [request_id]
    )


def add_memory(gateway, headers: dict[str, str]):
    user = f"user-{uuid.uuid4().hex[:8]}"
    response = gateway.add_memory(WRITER, user, "The request id test likes tea.", headers=headers)
    assert response.status_code == 200, response.text
    return response


def test_client_request_id_is_kept_everywhere(mesh, gateway):
    request_id = f"client-{uuid.uuid4().hex}"
    response = add_memory(gateway, {"X-Request-Id": request_id, "traceparent": TRACEPARENT})

    assert response.headers["X-Request-Id"] == request_id
    rows = audit_rows(mesh, request_id)
    assert rows[0][1] == WRITER.tenant
    access = ingress_access_line(mesh, request_id)
    assert access["tenant"] == WRITER.tenant
    assert access["actor"] == WRITER.actor
    assert access["route"] == "POST /memories"
    assert access["decision"] == "allow"
    assert access["status"] == "200"
    assert float(access["latency_ms"]) > 0
    received = mem0_request_line(mesh, request_id)
    assert received["method"] == "POST"
    assert received["path"] == "/memories"
    assert received["traceparent"] == TRACEPARENT


def test_missing_request_id_is_generated(mesh, gateway):
    response = add_memory(gateway, {})

    request_id = response.headers["X-Request-Id"]
    uuid.UUID(request_id)  # A generated id is a UUID.
    assert audit_rows(mesh, request_id)
    assert ingress_access_line(mesh, request_id)["tenant"] == WRITER.tenant
    assert mem0_request_line(mesh, request_id)["traceparent"] == ""


@pytest.mark.parametrize(
    "malformed",
    ["has space", "x" * 129, "semi;colon", "quote\"d"],
)
def test_malformed_request_id_is_replaced(mesh, gateway, malformed):
    response = add_memory(gateway, {"X-Request-Id": malformed})

    request_id = response.headers["X-Request-Id"]
    assert request_id != malformed
    uuid.UUID(request_id)
    assert audit_rows(mesh, request_id)
    assert mem0_request_line(mesh, request_id)["x_request_id"] == request_id


def test_malformed_traceparent_is_not_forwarded(mesh, gateway):
    request_id = f"trace-{uuid.uuid4().hex}"
    add_memory(gateway, {"X-Request-Id": request_id, "traceparent": "00-not-a-trace-id-01"})

    assert mem0_request_line(mesh, request_id)["traceparent"] == ""
