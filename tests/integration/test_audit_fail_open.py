"""With ingress.audit_fail_open_reads on, reads go on while no audit sink replies, but writes do not.

The default (off) is covered by test_stage_failure.py: there every request gets 503 once the
sink is gone.
"""

import json

import pytest

from tests.harness import poll
from tests.harness.gateway import Gateway, Identity

WRITER = Identity("agent-open-1", "agent-writer", "open-corp")
READER = Identity("agent-open-2", "agent-reader", "open-corp")


@pytest.fixture(scope="module")
def open_mesh(start_mesh, stop_mesh):
    mesh = start_mesh(stage_env={"ingress": {"MEMGOV_INGRESS_AUDIT_FAIL_OPEN_READS": "true"}})
    yield mesh
    stop_mesh(mesh)


def fail_open_warnings(mesh) -> list[dict]:
    records = []
    for process in mesh.processes("ingress"):
        for line in process.log_text().splitlines():
            if line.startswith("{") and "audit_fail_open_reads" in line:
                records.append(json.loads(line))
    return records


def test_reads_forwarded_without_sink(open_mesh):
    gateway = Gateway(open_mesh.gateway_url, timeout=10)
    added = gateway.add_memory(WRITER, "opal", "Opal keeps the night shift notes")
    assert added.status_code == 200, added.text

    open_mesh.kill_stage("audit-sink")

    read = gateway.list_memories(READER, "opal")
    assert read.status_code == 200, read.text
    assert any("night shift" in record["memory"] for record in read.json()["results"])
    read_id = read.headers["X-Request-Id"]

    write = gateway.add_memory(WRITER, "opal", "Opal moved to the day shift")
    assert write.status_code == 503, write.text
    assert write.json()["error"] == "audit_unavailable"

    warnings = fail_open_warnings(open_mesh)
    assert any(record.get("request_id") == read_id for record in warnings), warnings

    open_mesh.start_replica("audit-sink")
    poll(
        lambda: gateway.add_memory(WRITER, "opal", "Opal is back on the night shift"),
        lambda response: response.status_code == 200,
        timeout=10,
        description="a write once the sink is back",
        interval=0.2,
    )
    # The read forwarded while the sink was down has no audit row; nothing else claims one.
    rows = open_mesh.sql("SELECT count(*) FROM mem0_audit_log WHERE request_id = %s", [read_id])
    assert rows[0][0] == 0
