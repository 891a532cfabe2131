"""Command line of the harness: `python -m tests.harness up [options]`, used by `./dev up`."""

import argparse
import os
import signal
import sys
import threading

from .errors import HarnessError
from .mesh import Mesh, MeshOptions
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
    return parser


def print_banner(mesh: Mesh) -> None:
    gateway = mesh.gateway_url
    print(
        f"memgov mesh is up.\n"
        f"  gateway   {gateway}\n"
        f"  mem0      {mesh.mem0_url}\n"
        f"  opa       {mesh.opa_url}\n"
        f"  database  {mesh.database_url}\n"
        f"  logs      {mesh.log_dir}\n"
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
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    return 2


if __name__ == "__main__":
    sys.exit(main())
