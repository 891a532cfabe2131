"""A killed stage makes requests fail closed quickly, and a restarted one restores service."""

import time

import pytest

from tests.harness import PIPELINE_STAGES, STAGE_KINDS, poll
from tests.harness.gateway import Gateway, Identity

WRITER = Identity("agent-soylent-1", "agent-writer", "soylent")
READER = Identity("agent-soylent-2", "agent-reader", "soylent")

# Words that identify each stage in a 503 reason.
STAGE_WORDS = {
    "authz": ("authz", "authorization"),
    "ratelimit": ("ratelimit", "rate limit", "rate-limit"),
    "audit-sink": ("audit",),
}

MAX_FAILURE_SECONDS = 1.0
RECOVERY_SECONDS = 5.0


@pytest.fixture(scope="module")
def failure_mesh(start_mesh, stop_mesh):
    # A high limit, so the polling after a restart is never rate limited.
    mesh = start_mesh(stage_env={"ratelimit": {"MEMGOV_RATELIMIT_DEFAULT_LIMIT": "100000"}})
    yield mesh
    stop_mesh(mesh)


@pytest.fixture(scope="module")
def gateway(failure_mesh):
    client = Gateway(failure_mesh.gateway_url, timeout=10)
    added = client.add_memory(WRITER, "sol", "Sol reads the morning report")
    assert added.status_code == 200, added.text
    return client


@pytest.fixture(autouse=True)
def every_stage_running(failure_mesh):
    """Restart any stage an earlier failed test left without a process."""
    for stage in PIPELINE_STAGES:
        if not failure_mesh.processes(stage):
            failure_mesh.start_replica(stage)


@pytest.mark.parametrize("stage", PIPELINE_STAGES)
def test_killed_stage_fails_closed(failure_mesh, gateway, stage):
    before = gateway.list_memories(READER, "sol")
    assert before.status_code == 200, before.text
    other_pids = {
        name: [process.pid for process in failure_mesh.processes(name)]
        for name in STAGE_KINDS
        if name != stage
    }

    failure_mesh.kill_stage(stage)
    started = time.monotonic()
    during = gateway.list_memories(READER, "sol")
    elapsed = time.monotonic() - started

    assert during.status_code == 503, during.text
    assert elapsed < MAX_FAILURE_SECONDS
    reason = during.json()["reason"].lower()
    assert any(word in reason for word in STAGE_WORDS[stage]), reason

    failure_mesh.start_replica(stage)
    after = poll(
        lambda: gateway.list_memories(READER, "sol"),
        lambda response: response.status_code == 200,
        timeout=RECOVERY_SECONDS,
        description=f"a 200 after restarting {stage}",
        interval=0.2,
    )
    assert after.status_code == 200

    for name, pids in other_pids.items():
        assert [process.pid for process in failure_mesh.processes(name)] == pids, name
