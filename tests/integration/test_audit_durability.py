"""The audit sinks lose no acknowledged event when PostgreSQL stops or a sink is killed.

Past the disk budget the gateway returns 503, and it serves requests again once PostgreSQL has
drained the log.

These tests stop and start PostgreSQL, so they run their own cluster instead of the session's
shared one. The harness's PostgresServer has no restart, so start_postgres_again() relaunches
the server process with its original command line on the same data directory and port.
"""

import json
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.harness import ManagedProcess, PostgresServer, paths, poll
from tests.harness.gateway import Gateway, Identity

WRITERS = [Identity(f"agent-durable-{n}", "agent-writer", "durable-corp") for n in range(5)]
REQUESTS = 500
RATE_PER_SECOND = 100.0
OUTAGE_START_SECONDS = 1.0
OUTAGE_SECONDS = 10.0
KILL_AT_SECONDS = 2.0
RESTART_AFTER_KILL_SECONDS = 1.0
DRAIN_TIMEOUT = 90.0


def start_postgres_again(server: PostgresServer) -> None:
    """Start a stopped cluster again: same command line, data directory and port."""
    old = server.process
    server.process = ManagedProcess(
        old.name,
        old.argv,
        old.log_path,
        cwd=old.cwd,
        user=old.user,
        stop_signal=old.stop_signal,
    ).launch()
    server.wait_ready()


def ready_field(process, name: str) -> str:
    for line in process.log_text().splitlines():
        if line.startswith("{") and '"ready"' in line:
            record = json.loads(line)
            if record.get("msg") == "ready":
                return record[name]
    raise AssertionError(f"{process.name} logged no ready line")


def metric(address: str, name: str) -> float:
    """Sum of every sample of one metric at http://address/metrics."""
    text = requests.get(f"http://{address}/metrics", timeout=5).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def sink_metrics(mesh) -> list[str]:
    return [ready_field(process, "metrics") for process in mesh.processes("audit-sink")]


def wait_for_drain(mesh) -> None:
    """Wait until every running sink has written its whole log to PostgreSQL."""
    poll(
        lambda: [metric(address, "memgov_audit_log_backlog_events") for address in sink_metrics(mesh)],
        lambda backlogs: all(backlog == 0 for backlog in backlogs),
        DRAIN_TIMEOUT,
        "an empty audit log backlog on every sink",
        interval=0.5,
    )


def memgovctl_verify(database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(paths.bin_dir() / "memgovctl"), "verify", "--database-url", database_url],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def own_cluster():
    root = Path(tempfile.mkdtemp(prefix="memgov-audit-durability-"))
    root.chmod(0o755)  # Under root the cluster runs as the postgres user.
    server = PostgresServer(root / "cluster", root / "logs")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def wal_env(tmp_path_factory, **settings: str) -> dict[str, str]:
    env = {"MEMGOV_AUDIT_WAL_DIR": str(tmp_path_factory.mktemp("audit-wal"))}
    env.update({f"MEMGOV_AUDIT_{key.upper()}": value for key, value in settings.items()})
    return env


class Outcomes:
    """Responses of the governed writes, by request id; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: dict[str, int] = {}
        self.errors: dict[str, str] = {}
        self.failed_to_answer: list[str] = []

    def add(self, request_id: str, response) -> None:
        with self.lock:
            if response is None:
                self.failed_to_answer.append(request_id)
                return
            self.statuses[request_id] = response.status_code
            if response.status_code >= 400:
                try:
                    self.errors[request_id] = response.json().get("error", "")
                except ValueError:
                    self.errors[request_id] = ""


_thread_gateways = threading.local()


def thread_gateway(url: str) -> Gateway:
    """One client per worker thread, since a requests session keeps a small connection pool."""
    if getattr(_thread_gateways, "client", None) is None:
        _thread_gateways.client = Gateway(url, timeout=30)
    return _thread_gateways.client


def governed_write(gateway_url: str, outcomes: Outcomes, number: int) -> None:
    gateway = thread_gateway(gateway_url)
    request_id = f"durable-{number}-{uuid.uuid4().hex[:8]}"
    writer = WRITERS[number % len(WRITERS)]
    try:
        response = gateway.add_memory(
            writer,
            f"user-{number % 20}",
            f"Fact number {number} about the durability drill.",
            headers={"X-Request-Id": request_id},
        )
        assert response.headers.get("X-Request-Id") == request_id
    except requests.RequestException:
        response = None
    outcomes.add(request_id, response)


def send_writes(gateway_url: str, outcomes: Outcomes, started: float) -> None:
    with ThreadPoolExecutor(max_workers=32) as pool:
        for number in range(REQUESTS):
            time.sleep(max(0.0, started + number / RATE_PER_SECOND - time.monotonic()))
            pool.submit(governed_write, gateway_url, outcomes, number)


def run_chaos(mesh, cluster: PostgresServer, started: float, log: list[str]):
    """Stop PostgreSQL for OUTAGE_SECONDS and SIGKILL then restart one sink meanwhile.

    Runs in the main thread: the harness sets PR_SET_PDEATHSIG on each child, and the kernel
    kills such a child when the thread that started it exits. A server started from a
    short-lived thread would die with that thread.
    """

    def at(seconds: float) -> None:
        time.sleep(max(0.0, started + seconds - time.monotonic()))

    at(OUTAGE_START_SECONDS)
    cluster.stop()
    log.append(f"{time.monotonic() - started:.1f}s PostgreSQL stopped")
    at(KILL_AT_SECONDS)
    # Kill the sink with the most records, so the restarted one has a log to replay.
    sequences = [metric(address, "memgov_audit_chain_sequence") for address in sink_metrics(mesh)]
    killed = mesh.kill_stage("audit-sink", sequences.index(max(sequences)))
    log.append(f"{time.monotonic() - started:.1f}s killed {killed.name} with SIGKILL")
    at(KILL_AT_SECONDS + RESTART_AFTER_KILL_SECONDS)
    restarted = mesh.start_replica("audit-sink")
    log.append(f"{time.monotonic() - started:.1f}s restarted as {restarted.name}")
    at(OUTAGE_START_SECONDS + OUTAGE_SECONDS)
    start_postgres_again(cluster)
    log.append(f"{time.monotonic() - started:.1f}s PostgreSQL started again")
    return killed, restarted


def log_record(process, message: str) -> dict:
    for line in process.log_text().splitlines():
        if line.startswith("{") and message in line:
            record = json.loads(line)
            if record.get("msg") == message:
                return record
    raise AssertionError(f"{process.name} did not log {message!r}")


def test_no_acknowledged_event_lost(start_mesh, stop_mesh, own_cluster, tmp_path_factory):
    mesh = start_mesh(
        postgres=own_cluster,
        replicas={"audit-sink": 2},
        stage_env={
            "audit-sink": wal_env(tmp_path_factory),
            "ratelimit": {"MEMGOV_RATELIMIT_DEFAULT_LIMIT": "100000"},
        },
    )
    try:
        outcomes = Outcomes()
        chaos_log: list[str] = []
        started = time.monotonic()
        sender = threading.Thread(target=send_writes, args=(mesh.gateway_url, outcomes, started))
        sender.start()
        try:
            killed, restarted = run_chaos(mesh, own_cluster, started, chaos_log)
        finally:
            sender.join()
        print("\n".join(chaos_log))

        # The restarted sink took over the killed one's log, which still held records that
        # PostgreSQL (stopped at the time) had not received.
        assert ready_field(restarted, "sink_id") == ready_field(killed, "sink_id")
        replay = log_record(restarted, "drainer starting from the checkpoint")
        assert int(replay["drained_sequence"]) < int(replay["last_sequence"]), replay

        wait_for_drain(mesh)
        assert outcomes.failed_to_answer == []
        assert len(outcomes.statuses) == REQUESTS
        rows = dict(
            mesh.sql(
                "SELECT request_id, count(*) FROM mem0_audit_log "
                "WHERE request_id LIKE 'durable-%' GROUP BY request_id"
            )
        )
        # The gateway answers 503 audit_unavailable when no sink acknowledged the event; a
        # sink killed after its fsync may still have stored it, so such a request has at most
        # one row. Every other answer was preceded by a durable acknowledgement.
        unaudited = {rid for rid, error in outcomes.errors.items() if error == "audit_unavailable"}
        missing = [rid for rid in outcomes.statuses if rid not in unaudited and rid not in rows]
        doubled = {rid: count for rid, count in rows.items() if count != 1}
        print(
            f"answers by status: {sorted(set(outcomes.statuses.values()))}, "
            f"audit_unavailable: {len(unaudited)}, rows: {len(rows)}"
        )
        assert missing == []
        assert doubled == {}
        assert set(rows) <= set(outcomes.statuses)
        assert len(unaudited) < REQUESTS // 10

        replayed_sink = ready_field(restarted, "sink_id")
        replayed_rows = mesh.sql(
            "SELECT count(*) FROM mem0_audit_log WHERE sink_id = %s AND sequence <= %s",
            (replayed_sink, int(replay["last_sequence"])),
        )[0][0]
        assert replayed_rows > 0

        verified = memgovctl_verify(mesh.database_url)
        assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        stop_mesh(mesh)


def bench_load(mesh, count: int, report: Path) -> dict:
    result = subprocess.run(
        [
            str(paths.bin_dir() / "memgov-audit-bench"),
            "load",
            "--endpoints",
            mesh.addresses.zmq_range("audit-sink"),
            "--count",
            str(count),
            "--in-flight",
            "20",
            "--run-id",
            report.stem,
            "--report",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def read_report(report: Path) -> list[tuple[str, bool, str]]:
    lines = [line.split("\t") for line in report.read_text().splitlines()]
    return [(fields[0], fields[3] == "1", fields[4]) for fields in lines]


def test_disk_budget_rejects_then_recovers(start_mesh, stop_mesh, own_cluster, tmp_path_factory):
    mesh = start_mesh(
        postgres=own_cluster,
        stages=("audit-sink",),
        stage_env={
            "audit-sink": wal_env(
                tmp_path_factory, wal_budget_bytes="262144", wal_segment_bytes="32768"
            )
        },
    )
    reports = tmp_path_factory.mktemp("budget")
    try:
        (address,) = sink_metrics(mesh)
        poll(lambda: metric(address, "memgov_audit_database_up"), lambda up: up == 1, 30,
             "the sink's database connection")
        own_cluster.stop()
        try:
            summary = bench_load(mesh, 2000, reports / "outage.tsv")
            full = requests.get(f"http://{address}/ready", timeout=5)
        finally:
            start_postgres_again(own_cluster)
        # A sink whose log is at its budget rejects records, so it reports itself not ready.
        assert full.status_code == 503, full.text
        assert full.json()["checks"]["disk_budget"]["state"] == "down"
        assert full.json()["checks"]["database"]["state"] == "down"
        during = read_report(reports / "outage.tsv")
        accepted = [rid for rid, durable, _ in during if durable]
        rejected = [(rid, reason) for rid, durable, reason in during if not durable]
        assert 0 < len(accepted) < 2000, summary
        assert rejected, summary
        for _, reason in rejected:
            assert reason.startswith("audit log disk budget exhausted"), reason
        assert metric(address, "memgov_audit_events_failed_total") >= len(rejected)

        wait_for_drain(mesh)
        # Once PostgreSQL has the records, the drainer deletes segments and the sink is ready.
        poll(
            lambda: requests.get(f"http://{address}/ready", timeout=5),
            lambda response: response.status_code == 200,
            DRAIN_TIMEOUT,
            "the sink's /ready 200 after the drain",
            interval=0.5,
        )
        after = bench_load(mesh, 200, reports / "after.tsv")
        assert after["durable"] == 200, after
        wait_for_drain(mesh)

        rows = dict(
            mesh.sql(
                "SELECT request_id, count(*) FROM mem0_audit_log "
                "WHERE request_id LIKE 'outage-%' OR request_id LIKE 'after-%' "
                "GROUP BY request_id"
            )
        )
        expected = set(accepted) | {rid for rid, durable, _ in read_report(reports / "after.tsv")}
        assert set(rows) == expected
        assert set(rows.values()) == {1}
        assert metric(address, "memgov_audit_log_disk_bytes") < 262144
    finally:
        stop_mesh(mesh)


BUDGET_WRITERS = [Identity(f"agent-budget-{n}", "agent-writer", "budget-corp") for n in range(4)]
BUDGET_MAX_REQUESTS = 3000


def budget_write(gateway_url: str, number: int) -> tuple[str, requests.Response]:
    request_id = f"budget-{number}-{uuid.uuid4().hex[:8]}"
    response = thread_gateway(gateway_url).add_memory(
        BUDGET_WRITERS[number % len(BUDGET_WRITERS)],
        "budget-user",
        f"Fact number {number} of the budget drill.",
        headers={"X-Request-Id": request_id},
    )
    return request_id, response


def write_until_rejected(gateway_url: str) -> dict[str, requests.Response]:
    """Send governed writes, 8 at a time, until the gateway has returned 503 ten times."""
    responses: dict[str, requests.Response] = {}
    rejected = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        number = 0
        while rejected < 10 and number < BUDGET_MAX_REQUESTS:
            batch = [pool.submit(budget_write, gateway_url, number + i) for i in range(8)]
            number += len(batch)
            for future in batch:
                request_id, response = future.result()
                responses[request_id] = response
                rejected += response.status_code == 503
    return responses


def test_gateway_budget_503_then_recovers(start_mesh, stop_mesh, own_cluster, tmp_path_factory):
    mesh = start_mesh(
        postgres=own_cluster,
        stage_env={
            "audit-sink": wal_env(
                tmp_path_factory, wal_budget_bytes="262144", wal_segment_bytes="32768"
            ),
            "ratelimit": {"MEMGOV_RATELIMIT_ROLES_AGENT_WRITER": "100000"},
        },
    )
    try:
        # The first write claims the subject, which needs PostgreSQL. The owner stays in the
        # authz cache, so the writes during the outage are decided without it.
        _, first = budget_write(mesh.gateway_url, -1)
        assert first.status_code == 200, first.text

        own_cluster.stop()
        try:
            during = write_until_rejected(mesh.gateway_url)
        finally:
            start_postgres_again(own_cluster)

        statuses = {rid: response.status_code for rid, response in during.items()}
        accepted = {rid for rid, status in statuses.items() if status == 200}
        rejected = {rid: during[rid].json() for rid, status in statuses.items() if status == 503}
        print(f"during the outage: {len(accepted)} answered 200, {len(rejected)} answered 503")
        assert set(statuses.values()) <= {200, 503}, sorted(set(statuses.values()))
        assert len(accepted) > 0
        assert len(rejected) >= 10
        for body in rejected.values():
            assert body["error"] == "audit_unavailable", body
            assert "audit log disk budget exhausted" in body["reason"], body

        wait_for_drain(mesh)
        request_id, after = budget_write(mesh.gateway_url, BUDGET_MAX_REQUESTS)
        assert after.status_code == 200, after.text

        rows = dict(
            mesh.sql(
                "SELECT request_id, count(*) FROM mem0_audit_log "
                "WHERE request_id LIKE 'budget-%' GROUP BY request_id"
            )
        )
        # Every 200 was preceded by a durable event, and a 503 for the budget means the sink
        # stored nothing of that request.
        assert {rid for rid in accepted if rows.get(rid) != 1} == set()
        assert set(rejected) & set(rows) == set()
        mesh.wait_for_rows(
            "SELECT 1 FROM mem0_audit_log WHERE request_id = %s", (request_id,), timeout=30
        )
    finally:
        stop_mesh(mesh)
