"""Every stage serves /health and /ready on its metrics port, and /ready follows the stage's
dependencies: 503 while one is stopped, 200 again once it is back. The ingress depends on a
live replica of each stage, which an unready replica still is.

The mesh runs its own PostgreSQL cluster and Redis, because the tests stop and start them.
"""

import json

import pytest
import requests

from tests.harness import poll

STAGES = ("authz", "ratelimit", "audit-sink", "ingress")
# Authz probes its dependencies every 2 s, the ingress pings every 0.5 s and Redis connections
# check themselves after 1 s idle, with reconnects backing off up to 5 s.
TRANSITION_TIMEOUT = 30.0


def metrics_address(process) -> str:
    """Return the "metrics" field of the process's ready log line."""
    for line in process.log_text().splitlines():
        if line.startswith("{") and '"ready"' in line:
            record = json.loads(line)
            if record.get("msg") == "ready" and "metrics" in record:
                return record["metrics"]
    raise AssertionError(f"{process.name} logged no ready line with a metrics address")


def probe(mesh, stage: str, path: str) -> requests.Response:
    address = metrics_address(mesh.processes(stage)[0])
    return requests.get(f"http://{address}{path}", timeout=5)


def wait_for_ready(mesh, stage: str, ready: bool) -> dict:
    """Poll the stage's /ready until its status is 200 (ready) or 503, and return the body."""
    expected = 200 if ready else 503
    response = poll(
        lambda: probe(mesh, stage, "/ready"),
        lambda r: r.status_code == expected,
        TRANSITION_TIMEOUT,
        f"{stage} /ready {expected}",
        interval=0.25,
    )
    return response.json()


def restart(server) -> None:
    server.process = server.process.relaunched()
    server.wait_ready()


@pytest.fixture(scope="module")
def ready_mesh(start_mesh, stop_mesh):
    mesh = start_mesh(postgres=None, with_redis=True)
    for stage in STAGES:
        wait_for_ready(mesh, stage, True)
    yield mesh
    stop_mesh(mesh)


@pytest.mark.parametrize("stage", STAGES)
def test_health_is_alive(ready_mesh, stage):
    response = probe(ready_mesh, stage, "/health")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


@pytest.mark.parametrize(
    "stage, checks",
    [
        ("authz", {"opa", "database"}),
        ("ratelimit", {"redis"}),
        ("audit-sink", {"wal", "disk_budget", "database"}),
        ("ingress", {"authz", "ratelimit", "audit-sink"}),
    ],
)
def test_ready_lists_checks(ready_mesh, stage, checks):
    response = probe(ready_mesh, stage, "/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["stage"] == stage
    assert set(body["checks"]) == checks
    assert all(check["state"] == "up" for check in body["checks"].values()), body


def test_authz_follows_opa(ready_mesh):
    ready_mesh.opa.stop()
    try:
        body = wait_for_ready(ready_mesh, "authz", False)
        assert body["status"] == "not_ready"
        assert body["checks"]["opa"]["state"] == "down"
        assert body["checks"]["database"]["state"] == "up"
    finally:
        restart(ready_mesh.opa)
    assert wait_for_ready(ready_mesh, "authz", True)["checks"]["opa"]["state"] == "up"


def test_ratelimit_follows_redis(ready_mesh):
    ready_mesh.redis.stop()
    try:
        body = wait_for_ready(ready_mesh, "ratelimit", False)
        assert body["checks"]["redis"]["state"] == "down"
        assert body["checks"]["redis"]["required"] is True
    finally:
        restart(ready_mesh.redis)
    assert wait_for_ready(ready_mesh, "ratelimit", True)["checks"]["redis"]["state"] == "up"


def test_postgres_outage_stops_authz_not_sink(ready_mesh):
    ready_mesh.postgres.process.stop()
    try:
        body = wait_for_ready(ready_mesh, "authz", False)
        assert body["checks"]["database"]["state"] == "down"
        # The sink keeps accepting records into its log, so it stays ready and shows the outage.
        sink = poll(
            lambda: probe(ready_mesh, "audit-sink", "/ready"),
            lambda r: r.json()["checks"]["database"]["state"] == "down",
            TRANSITION_TIMEOUT,
            "audit-sink /ready showing the database down",
            interval=0.25,
        )
        assert sink.status_code == 200, sink.text
        assert sink.json()["checks"]["database"]["required"] is False
    finally:
        restart(ready_mesh.postgres)
    assert wait_for_ready(ready_mesh, "authz", True)["checks"]["database"]["state"] == "up"
    poll(
        lambda: probe(ready_mesh, "audit-sink", "/ready").json(),
        lambda body: body["checks"]["database"]["state"] == "up",
        TRANSITION_TIMEOUT,
        "audit-sink /ready showing the database up",
        interval=0.25,
    )


def test_ingress_follows_stage_replicas(ready_mesh):
    ready_mesh.kill_stage("audit-sink")
    body = wait_for_ready(ready_mesh, "ingress", False)
    assert body["checks"]["audit-sink"]["state"] == "down"
    assert body["checks"]["authz"]["state"] == "up"
    ready_mesh.start_replica("audit-sink")
    wait_for_ready(ready_mesh, "ingress", True)
    wait_for_ready(ready_mesh, "audit-sink", True)
