"""The audit sinks' metrics count governed requests: accepted, acknowledged, written, backlog.

The requests go through the gateway of the shared mesh, so each one sends an audit_event and,
when it was forwarded to Mem0, an audit_outcome. The counters are summed over the mesh's sinks
and compared before and after.
"""

import json
import re

import pytest
import requests

from tests.harness import poll
from tests.harness.gateway import Identity

WRITER = Identity("agent-metrics-1", "agent-writer", "metrics-corp")
READER = Identity("agent-metrics-2", "agent-reader", "metrics-corp")
ALLOWED = 12
DENIED = 4

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def sink_metrics_addresses(mesh) -> list[str]:
    addresses = []
    for process in mesh.processes("audit-sink"):
        for line in process.log_text().splitlines():
            if line.startswith("{") and '"ready"' in line:
                record = json.loads(line)
                if record.get("msg") == "ready":
                    addresses.append(record["metrics"])
                    break
    assert addresses, "no audit sink logged its ready line"
    return addresses


def metric_sum(mesh, name: str, label: str = "") -> float:
    """Sum the samples of `name` on every sink, only those with `label` (like 'kind="event"')."""
    total = 0.0
    for address in sink_metrics_addresses(mesh):
        text = requests.get(f"http://{address}/metrics", timeout=5).text
        for line in text.splitlines():
            match = SAMPLE.match(line)
            if match is None or match.group(1) != name:
                continue
            if label and label not in (match.group(2) or ""):
                continue
            total += float(match.group(3))
    return total


def drained(mesh) -> bool:
    return metric_sum(mesh, "memgov_audit_log_backlog_events") == 0


COUNTERS = [
    ("accepted_events", "memgov_audit_events_accepted_total", 'kind="event"'),
    ("accepted_outcomes", "memgov_audit_events_accepted_total", 'kind="outcome"'),
    ("acknowledged_events", "memgov_audit_events_acknowledged_total", 'kind="event"'),
    ("acknowledged_outcomes", "memgov_audit_events_acknowledged_total", 'kind="outcome"'),
    ("written_events", "memgov_audit_events_written_total", 'kind="event"'),
    ("written_outcomes", "memgov_audit_events_written_total", 'kind="outcome"'),
    ("batches", "memgov_audit_pg_batch_seconds_count", ""),
]


def snapshot(mesh) -> dict[str, float]:
    return {key: metric_sum(mesh, name, label) for key, name, label in COUNTERS}


@pytest.fixture(scope="module")
def deltas(mesh, gateway):
    """Send the requests and return each counter's change once the sinks have drained."""
    poll(lambda: drained(mesh), bool, 30, "an empty backlog before the requests", interval=0.2)
    before = snapshot(mesh)
    for number in range(ALLOWED):
        response = gateway.add_memory(WRITER, "metrics-user", f"likes tea number {number}")
        assert response.status_code == 200, response.text
    for number in range(DENIED):
        response = gateway.add_memory(READER, "metrics-user", f"denied write {number}")
        assert response.status_code == 403, response.text

    def written_delta() -> float:
        now = snapshot(mesh)
        return now["written_events"] + now["written_outcomes"] - (
            before["written_events"] + before["written_outcomes"]
        )

    poll(written_delta, lambda delta: delta >= ALLOWED * 2 + DENIED, 30, "the rows written")
    poll(lambda: drained(mesh), bool, 30, "an empty backlog after the requests", interval=0.2)
    after = snapshot(mesh)
    return {key: after[key] - before[key] for key in after}


@pytest.mark.parametrize("stage", ["accepted", "acknowledged", "written"])
def test_event_counters_count_requests(deltas, stage):
    assert deltas[f"{stage}_events"] == ALLOWED + DENIED


@pytest.mark.parametrize("stage", ["accepted", "acknowledged", "written"])
def test_outcome_counters_count_forwarded(deltas, stage):
    assert deltas[f"{stage}_outcomes"] == ALLOWED


def test_batch_latency_observed(deltas, mesh):
    assert deltas["batches"] >= 1
    assert metric_sum(mesh, "memgov_audit_pg_batch_seconds_sum") > 0


def test_backlog_empty_after_drain(deltas, mesh):
    assert metric_sum(mesh, "memgov_audit_log_backlog_events") == 0
    assert metric_sum(mesh, "memgov_audit_log_backlog_bytes") == 0
