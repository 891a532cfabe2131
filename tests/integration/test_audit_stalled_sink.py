"""A sink that stalls past the stage timeout: the client gets 503, and the audit trail records it.

The ingress answers 503 when the event of an allowed request is not acknowledged in time, and
forwards nothing. A stalled sink may still store that event once it runs again. Its row then
records the policy's allow, so the ingress also sends an outcome with the 503, and
mem0_audit_request shows the status the client got.
"""

import json
import signal
import uuid

import requests

from tests.harness import poll
from tests.harness.gateway import Gateway, Identity

WRITER = Identity("agent-stall-1", "agent-writer", "stall-corp")

REQUEST_QUERY = """
    SELECT decision, status_code, upstream_status, upstream_error
    FROM mem0_audit_request WHERE request_id = %s
"""


def test_stalled_sink_records_503(start_mesh, stop_mesh):
    mesh = start_mesh()
    try:
        gateway = Gateway(mesh.gateway_url, timeout=10)
        added = gateway.add_memory(WRITER, "stan", "Stan checks the backup tapes")
        assert added.status_code == 200, added.text

        (sink,) = mesh.processes("audit-sink")
        request_id = f"stall-{uuid.uuid4()}"
        sink.send_signal(signal.SIGSTOP)
        try:
            rejected = gateway.add_memory(
                WRITER, "stan", "Stan moved the tapes offsite", headers={"X-Request-Id": request_id}
            )
        finally:
            sink.send_signal(signal.SIGCONT)
        assert rejected.status_code == 503, rejected.text
        assert rejected.json()["error"] == "audit_unavailable"

        rows = mesh.wait_for_rows(
            REQUEST_QUERY, (request_id,), accept=lambda rows: rows and rows[0][1] is not None
        )
        assert len(rows) == 1, rows
        decision, status_code, upstream_status, upstream_error = rows[0]
        assert decision == "allow"
        assert status_code == 503
        assert upstream_status is None  # Mem0 was never asked.
        assert upstream_error.startswith("not forwarded: audit-sink unavailable"), upstream_error

        listed = poll(
            lambda: gateway.list_memories(WRITER, "stan"),
            lambda response: response.status_code == 200,
            timeout=10,
            description="a read once the sink runs again",
            interval=0.2,
        )
        memories = [record["memory"] for record in listed.json()["results"]]
        assert not any("offsite" in memory for memory in memories), memories
    finally:
        stop_mesh(mesh)


def ingress_metric(mesh, name: str) -> float:
    (ingress,) = mesh.processes("ingress")
    address = None
    for line in ingress.log_text().splitlines():
        if line.startswith("{") and '"ready"' in line:
            record = json.loads(line)
            if record.get("msg") == "ready":
                address = record["metrics"]
    assert address, "the ingress logged no ready line"
    text = requests.get(f"http://{address}/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not exported")


def test_unforwarded_outcome_loss_not_counted(start_mesh, stop_mesh):
    # The counter is for outcomes of requests Mem0 served. A 503 whose outcome finds the sink
    # still stalled is logged, but not counted as such a loss.
    mesh = start_mesh()
    try:
        gateway = Gateway(mesh.gateway_url, timeout=10)
        first_id = f"stall-first-{uuid.uuid4()}"
        added = gateway.add_memory(
            WRITER, "stan", "Stan labels the tapes", headers={"X-Request-Id": first_id}
        )
        assert added.status_code == 200, added.text
        # Its outcome is stored before the sink stops, so only the 503's outcome can fail.
        mesh.wait_for_rows(
            REQUEST_QUERY, (first_id,), accept=lambda rows: rows and rows[0][1] is not None
        )

        (sink,) = mesh.processes("audit-sink")
        (ingress,) = mesh.processes("ingress")
        sink.send_signal(signal.SIGSTOP)
        try:
            rejected = gateway.add_memory(WRITER, "stan", "Stan lost a tape")
            assert rejected.status_code == 503, rejected.text
            poll(
                lambda: ingress.log_text(),
                lambda text: "audit outcome was not stored" in text,
                timeout=10,
                description="the ingress logging the outcome it could not store",
                interval=0.2,
            )
        finally:
            sink.send_signal(signal.SIGCONT)
        assert ingress_metric(mesh, "memgov_ingress_audit_outcome_failures_total") == 0
    finally:
        stop_mesh(mesh)
