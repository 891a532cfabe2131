#!/usr/bin/env python3
"""Benchmark of one audit sink against a durable local PostgreSQL.

Starts a PostgreSQL cluster with its durable defaults (fsync, synchronous_commit and
full_page_writes on, unlike the test harness's throwaway clusters), one memgov-audit-sink and
memgov-audit-bench, all on loopback, and prints:

- sustained events/s from the bench over ZeroMQ into PostgreSQL, next to a raw COPY of as
  many rows through the same COPY code, in the same run;
- acknowledgement latency p50/p99 at a fixed rate;
- the drain rate of a backlog built while PostgreSQL was stopped.

Run from the repository root after building: .venv/bin/python services/audit-sink/bench/run_bench.py
MEMGOV_BIN_DIR selects the binaries, as for the test harness.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.harness import ManagedProcess, PostgresServer, paths  # noqa: E402
from tests.harness.ports import free_port_range, port_range_text  # noqa: E402
from tests.harness.probes import has_ready_line  # noqa: E402
from tests.harness.stages import clean_base_env  # noqa: E402


def durable_postgres(root: Path) -> PostgresServer:
    """Create a cluster with the harness, then run it with PostgreSQL's durable defaults."""
    server = PostgresServer(root / "postgres", root / "logs")
    server.start()
    server.stop()
    argv = [
        server.bin_dir / "postgres",
        "-D",
        server.data_dir,
        "-p",
        str(server.port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        f"unix_socket_directories={server.socket_dir}",
        # Room for the indexes of a few million rows, and no checkpoint in the middle of a
        # phase. fsync, synchronous_commit and full_page_writes keep their defaults (on).
        "-c",
        "shared_buffers=512MB",
        "-c",
        "max_wal_size=4GB",
        "-c",
        "checkpoint_timeout=30min",
    ]
    server.process = ManagedProcess(
        "postgres",
        argv,
        server.log_dir / "postgres-durable.log",
        cwd=server.root_dir,
        user=server.user,
        stop_signal=signal.SIGINT,
    )
    start_again(server)
    return server


def start_again(server: PostgresServer) -> None:
    old = server.process
    server.process = ManagedProcess(
        old.name, old.argv, old.log_path, cwd=old.cwd, user=old.user, stop_signal=old.stop_signal
    ).launch()
    server.wait_ready()


def start_sink(root: Path, database_url: str, batch_max: int) -> tuple[ManagedProcess, str, str]:
    bind_base = free_port_range(8)
    metrics_base = free_port_range(8)
    env = clean_base_env()
    env.update(
        {
            "DATABASE_URL": database_url,
            "MEMGOV_AUDIT_WAL_DIR": str(root / "wal"),
            "MEMGOV_AUDIT_BIND": f"tcp://127.0.0.1:{port_range_text(bind_base, 8)}",
            "MEMGOV_AUDIT_METRICS_LISTEN": f"127.0.0.1:{port_range_text(metrics_base, 8)}",
            "MEMGOV_AUDIT_BATCH_MAX": str(batch_max),
        }
    )
    sink = ManagedProcess(
        "audit-sink", [paths.bin_dir() / "memgov-audit-sink"], root / "logs" / "sink.log", env=env
    ).launch()
    sink.wait_until(lambda: has_ready_line(sink.log_text()), 30, "its ready line")
    return sink, f"tcp://127.0.0.1:{bind_base}", f"127.0.0.1:{metrics_base}"


def bench(*args: str) -> dict:
    argv = [str(paths.bin_dir() / "memgov-audit-bench"), *args]
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout)


def written(metrics: str) -> float:
    import requests

    text = requests.get(f"http://{metrics}/metrics", timeout=5).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("memgov_audit_events_written_total")
    )


def histogram(metrics: str, name: str) -> dict[float, float]:
    """Cumulative bucket counts of a histogram without labels, by upper bound."""
    import requests

    text = requests.get(f"http://{metrics}/metrics", timeout=5).text
    buckets = {}
    for line in text.splitlines():
        if line.startswith(name + "_bucket{"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float("inf") if bound == "+Inf" else float(bound)] = float(line.rsplit(" ", 1)[1])
    return buckets


def quantile_bound(before: dict[float, float], after: dict[float, float], q: float) -> float:
    """Upper bucket bound below which a fraction q of the observations between two snapshots fell."""
    bounds = sorted(after)
    total = after[bounds[-1]] - before.get(bounds[-1], 0)
    for bound in bounds:
        if after[bound] - before.get(bound, 0) >= q * total:
            return bound
    return float("inf")


# Table variants for the COPY study: (description, statements after CREATE TABLE study (LIKE
# mem0_audit_log), file format).
STUDY_VARIANTS = [
    ("heap only, text COPY", [], "text"),
    ("heap only, binary COPY", [], "binary"),
    ('+ UNIQUE ("timestamp", event_id)', ['ALTER TABLE study ADD UNIQUE ("timestamp", event_id)'], "text"),
    ('+ UNIQUE (event_id, "timestamp")', ['ALTER TABLE study ADD UNIQUE (event_id, "timestamp")'], "text"),
    ("+ (tenant_id, timestamp)", ['CREATE INDEX ON study (tenant_id, "timestamp")'], "text"),
    ("+ (decision, timestamp)", ['CREATE INDEX ON study (decision, "timestamp")'], "text"),
    ("+ (sink_id, sequence)", ["CREATE INDEX ON study (sink_id, sequence)"], "text"),
    ("+ BRIN (timestamp)", ['CREATE INDEX ON study USING brin ("timestamp")'], "text"),
    (
        "the schema's four indexes, unpartitioned",
        [
            'ALTER TABLE study ADD UNIQUE ("timestamp", event_id)',
            'CREATE INDEX ON study (tenant_id, "timestamp")',
            "CREATE INDEX ON study (sink_id, sequence)",
            'CREATE INDEX ON study USING brin ("timestamp")',
        ],
        "text",
    ),
]


def copy_study(server: PostgresServer, database_url: str) -> None:
    """Time server-side COPY of the same rows into table variants, best of two runs each."""
    import psycopg

    data = server.root_dir / "study"
    with psycopg.connect(database_url, autocommit=True) as connection:
        rows = connection.execute("SELECT count(*) FROM mem0_audit_log").fetchone()[0]
        rows = min(rows, 200000)
        select = (
            "SELECT gen_random_uuid() AS event_id, \"timestamp\", request_id, tenant_id, "
            "actor_id, actor_role, action, resource, decision, reason, method, path, status_code, "
            "latency_ms, source_ip, policy_revision, sink_id, sequence, prev_hash, row_hash "
            f"FROM mem0_audit_log ORDER BY \"timestamp\" LIMIT {rows}"
        )
        connection.execute(f"COPY ({select}) TO '{data}.txt'")
        connection.execute(f"COPY ({select}) TO '{data}.bin' WITH (FORMAT binary)")

        def timed(statement: str) -> float:
            started = time.monotonic()
            connection.execute(statement)
            return time.monotonic() - started

        print(f"\nserver-side COPY of {rows} rows (best of two):")
        print("| table | seconds | rows/s |\n|---|---|---|")
        for description, setup, file_format in STUDY_VARIANTS:
            best = float("inf")
            for _ in range(2):
                connection.execute("DROP TABLE IF EXISTS study")
                connection.execute("CREATE TABLE study (LIKE mem0_audit_log)")
                for statement in setup:
                    connection.execute(statement)
                suffix = "bin' WITH (FORMAT binary)" if file_format == "binary" else "txt'"
                best = min(best, timed(f"COPY study FROM '{data}.{suffix}"))
            print(f"| {description} | {best:.2f} | {rows / best:,.0f} |")
        connection.execute("DROP TABLE IF EXISTS study")
        for description, target in [
            ("mem0_audit_log (partitioned parent)", "mem0_audit_log"),
            ("its partition directly", None),
        ]:
            if target is None:
                target = connection.execute(
                    "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = "
                    "'mem0_audit_log'::regclass ORDER BY 1 LIMIT 1"
                ).fetchone()[0]
            # New event ids each run, since the table keeps the rows.
            connection.execute(f"COPY ({select}) TO '{data}.txt'")
            seconds = timed(f"COPY {target} FROM '{data}.txt'")
            print(f"| {description} | {seconds:.2f} | {rows / seconds:,.0f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000000, help="events per throughput run")
    parser.add_argument("--runs", type=int, default=3, help="throughput runs (default 3)")
    parser.add_argument("--in-flight", type=int, default=5000, help="events in flight")
    parser.add_argument("--batch-max", type=int, default=10000, help="audit.batch_max")
    parser.add_argument("--rate", type=float, default=5000, help="latency phase events/s")
    parser.add_argument("--latency-seconds", type=float, default=10, help="latency phase length")
    parser.add_argument("--outage-events", type=int, default=200000, help="backlog to drain")
    parser.add_argument(
        "--copy-study",
        action="store_true",
        help="also time server-side COPY into table variants (indexes, text or binary)",
    )
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="memgov-audit-bench-"))
    root.chmod(0o755)  # Under root the cluster runs as the postgres user.
    (root / "logs").mkdir()
    server = durable_postgres(root)
    sink = None
    try:
        database_url = server.create_database("memgov")
        sink, endpoint, metrics = start_sink(root, database_url, args.batch_max)
        print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.2f}")
        bench("load", "--endpoints", endpoint, "--count", "20000", "--in-flight", "1000")

        for run in range(args.runs):
            result = bench(
                "throughput", "--endpoints", endpoint, "--metrics", metrics,
                "--database-url", database_url, "--count", str(args.events),
                "--in-flight", str(args.in_flight), "--batch", str(args.batch_max),
            )
            print(
                f"throughput run {run + 1}: sink into PostgreSQL "
                f"{result['sink_events_per_second_into_postgresql']:,.0f} events/s "
                f"(acknowledged at {result['events_per_second']:,.0f}/s), raw COPY "
                f"{result['raw_copy_rows_per_second']:,.0f} rows/s, ratio {result['ratio']:.2f}"
            )

        count = int(args.rate * args.latency_seconds)
        syncs_before = histogram(metrics, "memgov_audit_log_sync_seconds")
        result = bench(
            "load", "--endpoints", endpoint, "--count", str(count), "--rate", str(args.rate),
            "--in-flight", str(args.in_flight),
        )
        print(
            f"acknowledgements at {args.rate:,.0f}/s: p50 {result['ack_p50_ms']:.2f} ms, "
            f"p99 {result['ack_p99_ms']:.2f} ms, max {result['ack_max_ms']:.2f} ms, "
            f"{result['durable']} of {result['sent']} durable"
        )
        syncs_after = histogram(metrics, "memgov_audit_log_sync_seconds")
        print(
            "log write+fdatasync in that phase: p50 <= "
            f"{quantile_bound(syncs_before, syncs_after, 0.5) * 1000:g} ms, p99 <= "
            f"{quantile_bound(syncs_before, syncs_after, 0.99) * 1000:g} ms (histogram buckets)"
        )

        server.process.stop()
        result = bench(
            "load", "--endpoints", endpoint, "--count", str(args.outage_events),
            "--in-flight", str(args.in_flight),
        )
        target = written(metrics) + result["durable"]
        print(
            f"with PostgreSQL stopped: {result['durable']} events acknowledged at "
            f"{result['events_per_second']:,.0f}/s (ack p99 {result['ack_p99_ms']:.2f} ms)"
        )
        start_again(server)
        drained = bench("await-drain", "--metrics", metrics, "--target", str(target))
        print(
            f"drain after the outage: {result['durable']} events in {drained['seconds']:.1f} s, "
            f"{drained['events_per_second']:,.0f} events/s (including the reconnect)"
        )
        for batch in (1000, 10000, 100000):
            result = bench(
                "raw-copy", "--database-url", database_url, "--count", "200000",
                "--batch", str(batch),
            )
            print(f"raw COPY in batches of {batch}: {result['rows_per_second']:,.0f} rows/s")
        if args.copy_study:
            copy_study(server, database_url)
        print(f"load average at end: {os.getloadavg()[0]:.2f}")
    finally:
        if sink is not None:
            sink.stop()
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
