"""A sink runs as a database role that may only append, set up as docs/audit.md describes.

The tables belong to the cluster's superuser, who runs `memgovctl migrate`. The sink's role gets
SELECT and INSERT on the tables and EXECUTE on the partition function, and nothing else.
"""

import json
import subprocess

import psycopg
import pytest

from tests.harness import ManagedProcess, paths, poll
from tests.harness.ports import free_port_range, port_range_text
from tests.harness.probes import has_ready_line
from tests.harness.stages import clean_base_env

ROLE = "memgov_audit_writer"
DATABASE = "memgov_audit_roles"

GRANTS = [
    f"CREATE ROLE {ROLE} LOGIN",
    f"GRANT USAGE ON SCHEMA public TO {ROLE}",
    f"GRANT SELECT, INSERT ON mem0_audit_log, mem0_audit_outcome, mem0_audit_chain_link "
    f"TO {ROLE}",
    f"GRANT SELECT ON memgov_schema_migrations TO {ROLE}",
    f"GRANT TEMPORARY ON DATABASE {DATABASE} TO {ROLE}",
    f"GRANT EXECUTE ON FUNCTION memgov_audit_ensure_partitions(date) TO {ROLE}",
]


def ready_field(process, name: str) -> str:
    for line in process.log_text().splitlines():
        if line.startswith("{") and '"ready"' in line:
            record = json.loads(line)
            if record.get("msg") == "ready":
                return record[name]
    raise AssertionError(f"{process.name} logged no ready line")


@pytest.fixture(scope="module")
def restricted_sink(postgres_cluster, tmp_path_factory):
    owner_url = postgres_cluster.create_database(DATABASE)
    migrated = subprocess.run(
        [str(paths.bin_dir() / "memgovctl"), "migrate", "--database-url", owner_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert migrated.returncode == 0, migrated.stderr
    with psycopg.connect(owner_url, autocommit=True) as connection:
        for statement in GRANTS:
            connection.execute(statement)
    sink_url = owner_url.replace("postgres@", f"{ROLE}@", 1)

    root = tmp_path_factory.mktemp("restricted-sink")
    bind_base = free_port_range(8)
    env = clean_base_env()
    env.update(
        {
            "DATABASE_URL": sink_url,
            "MEMGOV_AUDIT_WAL_DIR": str(root / "wal"),
            "MEMGOV_AUDIT_BIND": f"tcp://127.0.0.1:{port_range_text(bind_base, 8)}",
            "MEMGOV_AUDIT_METRICS_LISTEN": f"127.0.0.1:{port_range_text(free_port_range(8), 8)}",
        }
    )
    sink = ManagedProcess(
        "audit-sink", [paths.bin_dir() / "memgov-audit-sink"], root / "sink.log", env=env
    ).launch()
    try:
        sink.wait_until(lambda: has_ready_line(sink.log_text()), 30, "its ready line")
        yield sink, owner_url, sink_url, f"tcp://127.0.0.1:{bind_base}"
    finally:
        sink.stop()


def test_restricted_role_stores_events(restricted_sink):
    sink, owner_url, _, endpoint = restricted_sink
    result = subprocess.run(
        [
            str(paths.bin_dir() / "memgov-audit-bench"),
            "load",
            "--endpoints",
            endpoint,
            "--count",
            "500",
            "--outcomes",
            "--run-id",
            "restricted",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["durable"] == 500, summary
    assert summary["outcomes_durable"] == 500, summary

    def stored() -> int:
        with psycopg.connect(owner_url, autocommit=True) as connection:
            return connection.execute(
                "SELECT count(*) FROM mem0_audit_log WHERE request_id LIKE 'restricted-%'"
            ).fetchone()[0]

    poll(stored, lambda count: count == 500, 30, "500 rows written by the restricted role")
    assert "error" not in [json.loads(line)["level"] for line in sink.log_text().splitlines()]
    # The role has no privilege on the partitions themselves, so the sink switched to COPY
    # through the parent tables.
    assert "copying through the parent tables" in sink.log_text()
    verified = subprocess.run(
        [str(paths.bin_dir() / "memgovctl"), "verify", "--database-url", owner_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE mem0_audit_log SET tenant_id = 'x'",
        "DELETE FROM mem0_audit_outcome",
        "TRUNCATE mem0_audit_chain_link",
        "DROP TABLE mem0_audit_log",
        "SELECT memgov_audit_drop_partitions('2020-01-01')",
    ],
)
def test_restricted_role_cannot_change_rows(restricted_sink, statement):
    _, _, sink_url, _ = restricted_sink
    with psycopg.connect(sink_url, autocommit=True) as connection:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(statement)
