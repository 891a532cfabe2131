"""Command line of the harness: `python -m tests.harness up [options]`, used by `./dev up`."""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

from . import paths, probes
from .errors import HarnessError
from .mesh import Mesh, MeshOptions
from .opa import OpaServer
from .postgres import PostgresServer
from .redis import RedisServer
from .stages import REPLICA_SLOTS, STAGE_KINDS

_EXAMPLE_BODY = (
    '{"messages": [{"role": "user", "content": "I prefer window seats"}], "user_id": "alice"}'
)


def parse_replicas(values: list[str]) -> dict[str, int]:
    replicas = {}
    for value in values:
        stage, separator, count = value.partition("=")
        if not separator or stage not in STAGE_KINDS or not count.isdigit():
            raise argparse.ArgumentTypeError(
                f"invalid --replicas {value!r}; expected STAGE=N "
                f"with STAGE one of {', '.join(STAGE_KINDS)}"
            )
        replicas[stage] = int(count)
    return replicas


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.harness")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the whole mesh on loopback until Ctrl-C")
    up.add_argument(
        "--port", type=int, default=9000, help="gateway port on 127.0.0.1 (default 9000)"
    )
    up.add_argument(
        "--replicas",
        action="append",
        default=[],
        metavar="STAGE=N",
        help=f"start N processes (1-{REPLICA_SLOTS}) of STAGE; repeatable",
    )
    up.add_argument(
        "--mem0-url", help="put the mesh in front of this Mem0 instead of the local one"
    )
    up.add_argument(
        "--mem0-api-key",
        help="upstream key for --mem0-url (default: the MEM0_API_KEY environment variable)",
    )
    up.add_argument(
        "--redis", action="store_true", help="also start Redis and pass REDIS_URL to ratelimit"
    )
    backends = commands.add_parser(
        "backends",
        help="start PostgreSQL, OPA and Redis, run a command with their addresses, stop them",
    )
    backends.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- COMMAND ...")
    return parser


def run_backends(args: argparse.Namespace) -> int:
    """Run one command with real servers for the unit tests that need them.

    The command sees MEMGOV_TEST_DATABASE_URL, MEMGOV_TEST_OPA_URL and MEMGOV_TEST_REDIS_URL.
    """
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not argv:
        print("error: backends needs a command after --", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="memgov-backends-"))
    if os.geteuid() == 0:
        # The PostgreSQL cluster runs as the postgres user, which must reach its directory.
        root.chmod(0o755)
    logs = root / "logs"
    logs.mkdir()
    postgres = PostgresServer(root / "postgres", logs)
    opa = OpaServer(paths.policy_dir(), logs)
    redis = RedisServer(root / "redis", logs)
    servers = [postgres, opa, redis]
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready()
        env = dict(os.environ)
        env["MEMGOV_TEST_DATABASE_URL"] = postgres.create_database("memgov_unit")
        env["MEMGOV_TEST_OPA_URL"] = opa.url
        env["MEMGOV_TEST_REDIS_URL"] = redis.url
        return subprocess.run(argv, env=env).returncode
    except HarnessError as error:
        print(f"error: a backend failed to start: {error}; logs in {logs}", file=sys.stderr)
        return 1
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


def stage_metrics_lines(mesh: Mesh) -> str:
    """List the metrics address each stage process logged in its ready line."""
    lines = []
    for stage in STAGE_KINDS:
        for process in mesh.processes(stage):
            record = probes.ready_record(process.log_text()) or {}
            address = record.get("metrics")
            where = f"http://{address}" if address else "(not in its ready line)"
            lines.append(f"  {process.name:<13} {where}\n")
    return "".join(lines)


def database_lines(database_url: Optional[str]) -> str:
    if database_url is None:
        return ""
    month = time.strftime("%Y-%m", time.gmtime())
    return (
        f"  database  {database_url}\n"
        f"  psql      psql '{database_url}'\n"
        f"  reports   DATABASE_URL='{database_url}' \\\n"
        f"              build/bin/memgovctl report access --month {month}\n"
        f"  verify    build/bin/memgovctl verify --database-url '{database_url}'\n"
    )


def redis_line(mesh: Mesh) -> str:
    return f"  redis     {mesh.redis.url}\n" if mesh.redis else ""


def print_banner(mesh: Mesh) -> None:
    gateway = mesh.gateway_url
    print(
        f"memgov mesh is up.\n"
        f"  gateway   {gateway}\n"
        f"  mem0      {mesh.mem0_url}\n"
        f"  opa       {mesh.opa_url}\n"
        f"{redis_line(mesh)}"
        f"{database_lines(mesh.database_url)}"
        f"  logs      {mesh.log_dir} (removed on Ctrl-C)\n"
        f"\n"
        f"Stage metrics, each with /metrics, /health and /ready:\n"
        f"{stage_metrics_lines(mesh)}"
        f"\n"
        f"Try:\n"
        f"  curl -s -X POST {gateway}/memories \\\n"
        f"    -H 'Content-Type: application/json' -H 'X-User-Id: agent-acme-1' \\\n"
        f"    -H 'X-User-Role: agent-writer' -H 'X-Tenant-Id: acme-corp' \\\n"
        f"    -d '{_EXAMPLE_BODY}'\n"
        f"\n"
        f"Press Ctrl-C to stop.",
        flush=True,
    )


def watch_until_stopped(mesh: Mesh) -> None:
    """Block until SIGINT or SIGTERM, reporting any process that exits on its own."""
    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_requested.set())
    reported = set()
    while not stop_requested.wait(1.0):
        for process in mesh.all_processes():
            if process.name not in reported and not process.is_running():
                reported.add(process.name)
                print(
                    f"warning: {process.name} exited with status {process.returncode}; "
                    f"log: {process.log_path}",
                    file=sys.stderr,
                    flush=True,
                )


def run_up(args: argparse.Namespace) -> int:
    options = MeshOptions(
        ingress_port=args.port,
        replicas=parse_replicas(args.replicas),
        mem0_url=args.mem0_url,
        mem0_api_key=args.mem0_api_key or os.environ.get("MEM0_API_KEY") or None,
        with_redis=args.redis,
    )
    try:
        mesh = Mesh(options)
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        mesh.start()
    except KeyboardInterrupt:
        print("interrupted while starting; stopped what had started", file=sys.stderr)
        return 130
    except HarnessError as error:
        print(f"error: the mesh failed to start: {error}", file=sys.stderr)
        if mesh.temp_dir is not None:
            print(f"logs kept in {mesh.log_dir}:\n{mesh.describe_logs()}", file=sys.stderr)
        return 1
    try:
        print_banner(mesh)
        watch_until_stopped(mesh)
    finally:
        print("stopping the mesh...", flush=True)
        mesh.stop()
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            return run_up(args)
        if args.command == "backends":
            return run_backends(args)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    return 2


if __name__ == "__main__":
    sys.exit(main())
