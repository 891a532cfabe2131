"""The audit tables are append-only and every sink's hash chain can be verified.

The sinks are driven directly over ZeroMQ with memgov-audit-bench, so the records are known.
Tampering is done as a superuser with session_replication_role = replica, which skips the
append-only triggers; memgovctl verify must then name the changed row.
"""

import json
import subprocess

import psycopg
import pytest

from tests.harness import paths, poll

ROWS_TIMEOUT = 30.0


def run_tool(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{argv[0]} exited with {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


def bench(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run_tool(paths.bin_dir() / "memgov-audit-bench", *args, check=check)


def memgovctl(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return run_tool(
        paths.bin_dir() / "memgovctl", *args, "--database-url", database_url, check=False
    )


def sink_endpoint(mesh, index: int) -> str:
    """Return the ZeroMQ endpoint the index-th sink bound, from its ready log line."""
    return ready_field(mesh.processes("audit-sink")[index], "endpoint")


def ready_field(process, name: str) -> str:
    for line in process.log_text().splitlines():
        if line.startswith("{") and '"ready"' in line:
            record = json.loads(line)
            if record.get("msg") == "ready":
                return record[name]
    raise AssertionError(f"{process.name} logged no ready line")


def count_rows(mesh, table: str, where: str = "TRUE", params=None) -> int:
    return mesh.sql(f"SELECT count(*) FROM {table} WHERE {where}", params)[0][0]


def wait_for_count(mesh, table: str, where: str, expected: int, params=None) -> None:
    poll(
        lambda: count_rows(mesh, table, where, params),
        lambda count: count == expected,
        ROWS_TIMEOUT,
        f"{expected} rows in {table} where {where}",
        interval=0.2,
    )


@pytest.fixture(scope="module")
def chain_mesh(start_mesh, stop_mesh, tmp_path_factory):
    wal_dir = tmp_path_factory.mktemp("audit-wal")
    mesh = start_mesh(
        stages=("audit-sink",),
        replicas={"audit-sink": 2},
        stage_env={"audit-sink": {"MEMGOV_AUDIT_WAL_DIR": str(wal_dir)}},
    )
    yield mesh
    stop_mesh(mesh)


@pytest.fixture(scope="module")
def loaded(chain_mesh, tmp_path_factory):
    """Send 2000 events with outcomes to both sinks and wait until all are stored."""
    report = tmp_path_factory.mktemp("bench") / "load.tsv"
    result = bench(
        "load",
        "--endpoints",
        chain_mesh.addresses.zmq_range("audit-sink"),
        "--count",
        "2000",
        "--in-flight",
        "200",
        "--outcomes",
        "--run-id",
        "chain",
        "--report",
        str(report),
    )
    summary = json.loads(result.stdout)
    assert summary["durable"] == 2000, summary
    assert summary["outcomes_durable"] == 2000, summary
    wait_for_count(chain_mesh, "mem0_audit_log", "request_id LIKE 'chain-%'", 2000)
    wait_for_count(chain_mesh, "mem0_audit_outcome", "request_id LIKE 'chain-%'", 2000)
    return chain_mesh


def test_verify_passes_after_load(loaded):
    result = memgovctl(loaded.database_url, "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    sinks = loaded.sql("SELECT DISTINCT sink_id FROM mem0_audit_log")
    assert len(sinks) == 2
    for (sink_id,) in sinks:
        assert f"sink {sink_id}: intact" in result.stdout, result.stdout
    assert "2 of 2 chains intact" in result.stdout


def test_event_sent_to_two_sinks_is_stored_once(loaded, tmp_path):
    first = tmp_path / "first.tsv"
    result = bench(
        "load",
        "--endpoints",
        sink_endpoint(loaded, 0),
        "--count",
        "300",
        "--run-id",
        "twice",
        "--report",
        str(first),
    )
    assert json.loads(result.stdout)["durable"] == 300
    wait_for_count(loaded, "mem0_audit_log", "request_id LIKE 'twice-%'", 300)

    result = bench("load", "--endpoints", sink_endpoint(loaded, 1), "--replay", str(first))
    assert json.loads(result.stdout)["durable"] == 300
    second_sink = ready_field(loaded.processes("audit-sink")[1], "sink_id")
    wait_for_count(
        loaded,
        "mem0_audit_chain_link",
        "status = 'duplicate' AND sink_id = %s",
        300,
        (second_sink,),
    )
    assert count_rows(loaded, "mem0_audit_log", "request_id LIKE 'twice-%'") == 300
    doubled = loaded.sql(
        "SELECT request_id FROM mem0_audit_log GROUP BY request_id HAVING count(*) > 1"
    )
    assert doubled == []

    verified = memgovctl(loaded.database_url, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE mem0_audit_log SET tenant_id = 'other' WHERE request_id = 'chain-1'",
        "DELETE FROM mem0_audit_log WHERE request_id = 'chain-1'",
        "TRUNCATE mem0_audit_log",
        "UPDATE mem0_audit_outcome SET status_code = 500 WHERE request_id = 'chain-1'",
        "DELETE FROM mem0_audit_outcome WHERE request_id = 'chain-1'",
        "DELETE FROM mem0_audit_chain_link",
    ],
)
def test_changes_are_rejected(loaded, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as error:
        loaded.sql(statement)
    assert "append-only" in str(error.value)
    assert count_rows(loaded, "mem0_audit_log", "request_id = 'chain-1'") == 1


def test_truncating_a_partition_is_rejected(loaded):
    (partition,) = loaded.sql(
        "SELECT inhrelid::regclass::text FROM pg_inherits "
        "WHERE inhparent = 'mem0_audit_log'::regclass ORDER BY 1 LIMIT 1"
    )[0]
    assert partition.startswith("mem0_audit_log_y")
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as error:
        loaded.sql(f"TRUNCATE {partition}")
    assert "append-only" in str(error.value)


def test_partitions_exist_for_this_and_next_month(loaded):
    names = {
        row[0]
        for row in loaded.sql(
            "SELECT inhrelid::regclass::text FROM pg_inherits "
            "WHERE inhparent IN ('mem0_audit_log'::regclass, 'mem0_audit_outcome'::regclass)"
        )
    }
    expected = loaded.sql(
        "SELECT memgov_audit_partition_name(t, m::date) FROM "
        "unnest(ARRAY['mem0_audit_log', 'mem0_audit_outcome']) t, "
        "unnest(ARRAY[date_trunc('month', now() AT TIME ZONE 'UTC'), "
        "date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month']) m"
    )
    assert {row[0] for row in expected} <= names


def tamper(mesh, statement: str, params) -> None:
    """Run `statement` with triggers disabled, as only a superuser can."""
    with psycopg.connect(mesh.database_url, autocommit=True) as connection:
        connection.execute("SET session_replication_role = replica")
        connection.execute(statement, params)


def middle_row(mesh, sink_id: str):
    """Return (sequence, event_id) of the sink's middle row of mem0_audit_log."""
    count = count_rows(mesh, "mem0_audit_log", "sink_id = %s", (sink_id,))
    assert count >= 3, f"sink {sink_id} stored only {count} events"
    return mesh.sql(
        "SELECT sequence, event_id::text FROM mem0_audit_log WHERE sink_id = %s "
        "ORDER BY sequence OFFSET %s LIMIT 1",
        (sink_id, count // 2),
    )[0]


def test_changed_row_breaks_verify(loaded):
    sinks = sorted(row[0] for row in loaded.sql("SELECT DISTINCT sink_id FROM mem0_audit_log"))
    changed_sink, deleted_sink = sinks
    sequence, event_id = middle_row(loaded, changed_sink)
    tamper(
        loaded,
        "UPDATE mem0_audit_log SET decision = 'allow', tenant_id = 'someone-else' "
        "WHERE sink_id = %s AND sequence = %s",
        (changed_sink, sequence),
    )
    deleted_sequence, _ = middle_row(loaded, deleted_sink)
    tamper(
        loaded,
        "DELETE FROM mem0_audit_log WHERE sink_id = %s AND sequence = %s",
        (deleted_sink, deleted_sequence),
    )

    result = memgovctl(loaded.database_url, "verify")
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        f"sink {changed_sink}: BROKEN at sequence {sequence} (event_id {event_id}, "
        f"table mem0_audit_log)" in result.stdout
    ), result.stdout
    assert "changed after it was written" in result.stdout
    assert f"sink {deleted_sink}: BROKEN at sequence {deleted_sequence + 1}" in result.stdout
    assert f"sequences {deleted_sequence} to {deleted_sequence} are missing" in result.stdout
    assert "0 of 2 chains intact" in result.stdout
