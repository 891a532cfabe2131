"""memgovctl's report CSVs equal the compliance queries operators run on mem0_audit_log.

The queries below are what deployments run directly, through psql --csv; each memgovctl
report must return the same bytes for the same rows. The rows are inserted directly, as the
superuser and with placeholder chain columns, so the data can contain what the gateway rarely
produces: commas, quotes and newlines in fields, NULL tenants and roles. No two rows share a
timestamp and no two role groups of a tenant share a count, so the queries' ORDER BY clauses,
which have no tie-breakers, give one order.
"""

import datetime
import subprocess
import uuid

import psycopg
import pytest

from tests.harness import paths

# Access summary, failed access and admin activity over the last 30 days.
ACCESS_QUERY = (
    "SELECT tenant_id, actor_role, COUNT(*) as total_requests, "
    "SUM(CASE WHEN decision = 'allow' THEN 1 ELSE 0 END) as allowed, "
    "SUM(CASE WHEN decision = 'deny' THEN 1 ELSE 0 END) as denied "
    "FROM mem0_audit_log WHERE timestamp > NOW() - INTERVAL '30 days' "
    "GROUP BY tenant_id, actor_role ORDER BY tenant_id, total_requests DESC;"
)
FAILED_QUERY = (
    "SELECT timestamp, actor_id, actor_role, tenant_id, action, resource, decision "
    "FROM mem0_audit_log WHERE decision IN ('deny', 'invalid_request') "
    "AND timestamp > NOW() - INTERVAL '30 days' ORDER BY timestamp DESC;"
)
ADMIN_QUERY = (
    "SELECT timestamp, actor_id, tenant_id, action, resource FROM mem0_audit_log "
    "WHERE actor_role = 'admin' AND timestamp > NOW() - INTERVAL '30 days' "
    "ORDER BY timestamp DESC;"
)

# Further queries of the same kind (a tenant's latest rows, the current month's summary and
# whole rows), which must keep running on the partitioned table.
OTHER_QUERIES = [
    "SELECT timestamp, actor_id, action, decision FROM mem0_audit_log "
    "WHERE tenant_id = 'acme-corp' ORDER BY timestamp DESC LIMIT 10;",
    "SELECT tenant_id, actor_role, COUNT(*) as requests, "
    "SUM(CASE WHEN decision='allow' THEN 1 ELSE 0 END) as allowed, "
    "SUM(CASE WHEN decision='deny' THEN 1 ELSE 0 END) as denied FROM mem0_audit_log "
    "WHERE timestamp >= date_trunc('month', CURRENT_DATE) GROUP BY tenant_id, actor_role;",
    "SELECT * FROM mem0_audit_log WHERE decision IN ('deny', 'invalid_request') "
    "AND timestamp >= date_trunc('month', CURRENT_DATE) ORDER BY timestamp DESC;",
    "SELECT * FROM mem0_audit_log WHERE actor_role = 'admin' "
    "AND timestamp >= date_trunc('month', CURRENT_DATE) ORDER BY timestamp DESC;",
]

# (tenant, role, rows): per tenant, every role has a different row count.
GROUPS = [
    ("acme-corp", "admin", 5),
    ("acme-corp", "agent-writer", 3),
    ("acme-corp", "agent-reader", 1),
    ("acme-corp", None, 2),
    ("globex, inc", "admin", 4),
    ("globex, inc", "supervisor", 2),
    (None, None, 3),
    ('quote"tenant', "agent-writer", 6),
]
DECISIONS = ["allow", "deny", "allow", "invalid_request", "rate_limited", "error", "deny"]
RESOURCES = ["user_id:alice", "memory:a,b", 'say "hi"', "two\nlines", "\\.", None, "*"]


def memgovctl(database_url: str, *args: str) -> subprocess.CompletedProcess:
    argv = [str(paths.bin_dir() / "memgovctl"), *args, "--database-url", database_url]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def psql_csv(cluster, database: str, query: str) -> str:
    argv = [
        str(cluster.bin_dir / "psql"),
        "-h",
        "127.0.0.1",
        "-p",
        str(cluster.port),
        "-U",
        "postgres",
        "-d",
        database,
        "-v",
        "ON_ERROR_STOP=1",
        "--csv",
        "-c",
        query,
    ]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def insert_rows(database_url: str, now: datetime.datetime) -> None:
    rows = []
    minute = 0
    for tenant, role, count in GROUPS:
        for i in range(count):
            minute += 1
            rows.append((tenant, role, now - datetime.timedelta(minutes=minute), minute))
    # Older than 30 days: in no report range below.
    for i in range(4):
        rows.append(("acme-corp", "admin", now - datetime.timedelta(days=45, minutes=i), 1000 + i))
    with psycopg.connect(database_url, autocommit=True) as connection:
        for month in {row[2].replace(day=1).date() for row in rows}:
            connection.execute("SELECT memgov_audit_ensure_partitions(%s)", (month,))
        for tenant, role, timestamp, number in rows:
            connection.execute(
                "INSERT INTO mem0_audit_log (event_id, \"timestamp\", request_id, tenant_id, "
                "actor_id, actor_role, action, resource, decision, reason, sink_id, sequence, "
                "prev_hash, row_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "'report-test', %s, '\\x00', '\\x00')",
                (
                    uuid.uuid4(),
                    timestamp,
                    f"req-{number}",
                    tenant,
                    f'actor "{number}", the {number % 3}th',
                    role,
                    ["read", "write", "delete", "admin"][number % 4],
                    RESOURCES[number % len(RESOURCES)],
                    DECISIONS[number % len(DECISIONS)],
                    "reason, with comma" if number % 2 else None,
                    number,
                ),
            )


@pytest.fixture(scope="module")
def report_database(postgres_cluster):
    url = postgres_cluster.create_database("memgov_audit_reports")
    migrated = memgovctl(url, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    insert_rows(url, now)
    return url, now


def range_arguments(now: datetime.datetime) -> list[str]:
    # Covers the last 29 days and today: every recent row, none of the 45-day-old ones.
    start = (now - datetime.timedelta(days=29)).date()
    return ["--from", start.isoformat(), "--to", now.date().isoformat()]


@pytest.mark.parametrize(
    "kind, query",
    [("access", ACCESS_QUERY), ("failed", FAILED_QUERY), ("admin", ADMIN_QUERY)],
)
def test_report_equals_query(postgres_cluster, report_database, tmp_path, kind, query):
    url, now = report_database
    output = tmp_path / f"{kind}.csv"
    result = memgovctl(url, "report", kind, *range_arguments(now), "--output", str(output))
    assert result.returncode == 0, result.stderr
    expected = psql_csv(postgres_cluster, "memgov_audit_reports", query)
    assert output.read_text() == expected
    assert len(expected.splitlines()) > 3


def test_report_to_stdout_has_progress_on_stderr(report_database):
    url, now = report_database
    result = memgovctl(url, "report", "admin", *range_arguments(now))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("timestamp,actor_id,tenant_id,action,resource\n")
    assert "rows written to standard output" in result.stderr


def test_tenant_report_is_the_tenant_subset(postgres_cluster, report_database, tmp_path):
    url, now = report_database
    output = tmp_path / "acme.csv"
    result = memgovctl(
        url, "report", "access", *range_arguments(now), "--tenant", "acme-corp", "--output",
        str(output),
    )
    assert result.returncode == 0, result.stderr
    full = psql_csv(postgres_cluster, "memgov_audit_reports", ACCESS_QUERY).splitlines()
    expected = [full[0]] + [line for line in full[1:] if line.startswith("acme-corp,")]
    assert output.read_text().splitlines() == expected


def test_month_report_matches_month_query(postgres_cluster, report_database, tmp_path):
    url, now = report_database
    if (now - datetime.timedelta(hours=2)).month != now.month:
        pytest.skip("the inserted rows straddle the start of the month")
    output = tmp_path / "month.csv"
    result = memgovctl(url, "report", "access", "--month", now.strftime("%Y-%m"), "--output",
                       str(output))
    assert result.returncode == 0, result.stderr
    # The month's summary query has no ORDER BY and names the count "requests".
    month_summary = psql_csv(postgres_cluster, "memgov_audit_reports", OTHER_QUERIES[1]).splitlines()
    ours = output.read_text().splitlines()
    assert ours[0] == "tenant_id,actor_role,total_requests,allowed,denied"
    assert sorted(ours[1:]) == sorted(month_summary[1:])


@pytest.mark.parametrize("query", OTHER_QUERIES)
def test_other_queries_still_run(postgres_cluster, report_database, query):
    psql_csv(postgres_cluster, "memgov_audit_reports", query)


@pytest.mark.parametrize(
    "args, message",
    [
        (["report", "access"], "--month"),
        (["report", "access", "--month", "2025-13"], "YYYY-MM"),
        (["report", "weekly", "--month", "2025-01"], "unknown report"),
        (["report", "failed", "--from", "2025-02-01", "--to", "2025-01-01"], "before"),
        (["verify", "--tenant", "x"], "only to report"),
        (["rotate"], "unknown command"),
    ],
)
def test_bad_arguments_exit_2_with_usage(report_database, args, message):
    url, _ = report_database
    result = memgovctl(url, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "usage:" in result.stderr


def test_unreachable_database_exits_3(tmp_path):
    result = memgovctl(
        "postgresql://postgres@127.0.0.1:1/none?connect_timeout=2", "report", "access",
        "--month", "2025-01",
    )
    assert result.returncode == 3
    assert "memgovctl:" in result.stderr


def test_retention_drops_whole_months(report_database):
    url, now = report_database
    old_month = (now - datetime.timedelta(days=45)).replace(day=1).date()
    with psycopg.connect(url, autocommit=True) as connection:
        before = connection.execute(
            "SELECT count(*) FROM mem0_audit_log WHERE \"timestamp\" < %s", (now.replace(day=1),)
        ).fetchone()[0]
        assert before >= 4
        dropped = connection.execute(
            "SELECT memgov_audit_drop_partitions(%s)", (old_month,)
        ).fetchall()
        assert sorted(row[0] for row in dropped) == [
            f"mem0_audit_log_y{old_month:%Y}m{old_month:%m}",
            f"mem0_audit_outcome_y{old_month:%Y}m{old_month:%m}",
        ]
        month, partitions = connection.execute(
            "SELECT month, partitions FROM mem0_audit_retention"
        ).fetchone()
        assert month == old_month
        assert len(partitions) == 2
        remaining = connection.execute(
            "SELECT count(*) FROM mem0_audit_log WHERE \"timestamp\" >= %s AND \"timestamp\" < %s",
            (old_month, old_month.replace(day=28) + datetime.timedelta(days=4)),
        ).fetchone()[0]
        assert remaining == 0

        with pytest.raises(psycopg.errors.RaiseException) as error:
            connection.execute(
                "SELECT memgov_audit_drop_partitions(%s)", (now.replace(day=1).date(),)
            )
        assert "current month" in str(error.value)
