"""A throwaway PostgreSQL cluster on a free loopback port."""

import os
import pwd
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Optional

from .errors import HarnessError
from .ports import free_port
from .process import ManagedProcess

_SYSTEM_USER = "postgres"


def find_bin_dir() -> Path:
    """Locate the PostgreSQL server binaries (initdb and postgres)."""
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    candidates.append(Path("/usr/lib/postgresql/15/bin"))
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "postgres").exists():
            return candidate
    raise HarnessError(
        "PostgreSQL server binaries (initdb, postgres) not found; install the postgresql package"
    )


class PostgresServer:
    """A cluster created by initdb in `root_dir`, serving TCP on 127.0.0.1 only.

    PostgreSQL refuses to run as root, so under root the cluster belongs to the `postgres`
    system user and both initdb and the server run as that user.
    """

    def __init__(self, root_dir: Path, log_dir: Path):
        self.root_dir = Path(root_dir)
        self.data_dir = self.root_dir / "data"
        self.socket_dir = self.root_dir / "socket"
        self.log_dir = Path(log_dir)
        self.bin_dir = find_bin_dir()
        self.port: Optional[int] = None
        self.user = _SYSTEM_USER if os.geteuid() == 0 else None
        self.process: Optional[ManagedProcess] = None

    def url(self, database: str) -> str:
        # The cluster uses trust authentication and has no password, because it exists only for
        # one local run and listens on loopback only.
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _prepare_dirs(self) -> None:
        self.root_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if self.user is not None:
            account = pwd.getpwnam(self.user)
            for path in (self.root_dir, self.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)

    def _run_as_owner(self, argv: list[str], step: str) -> None:
        user_args = {}
        if self.user is not None:
            account = pwd.getpwnam(self.user)
            user_args = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        result = subprocess.run(
            argv, cwd=self.root_dir, capture_output=True, text=True, **user_args
        )
        if result.returncode != 0:
            raise HarnessError(
                f"{step} failed with status {result.returncode}: {' '.join(argv)}\n"
                f"{result.stdout}{result.stderr}"
            )

    def launch(self) -> None:
        """Create the cluster with initdb and start the server process."""
        self._prepare_dirs()
        self._run_as_owner(
            [
                str(self.bin_dir / "initdb"),
                "--pgdata",
                str(self.data_dir),
                "--username",
                "postgres",
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",
            ],
            "initdb",
        )
        self.port = free_port()
        self.process = ManagedProcess(
            "postgres",
            [
                self.bin_dir / "postgres",
                "-D",
                self.data_dir,
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"unix_socket_directories={self.socket_dir}",
                # Durability is pointless for a throwaway cluster and costs test time.
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ],
            self.log_dir / "postgres.log",
            cwd=self.root_dir,
            user=self.user,
            # SIGINT is PostgreSQL's fast shutdown, while SIGTERM waits for clients to disconnect.
            stop_signal=signal.SIGINT,
        ).launch()

    def _accepts_connections(self) -> bool:
        result = subprocess.run(
            [str(self.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
            capture_output=True,
        )
        return result.returncode == 0

    def wait_ready(self, timeout: float = 30.0) -> None:
        self.process.wait_until(self._accepts_connections, timeout, "accepting connections")

    def create_database(self, name: str) -> str:
        """Create a database and return its URL."""
        self._run_psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _run_psql(self, statement: str) -> None:
        argv = [
            str(self.bin_dir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
            statement,
        ]
        result = subprocess.run(argv, capture_output=True, text=True)
        if result.returncode != 0:
            raise HarnessError(f"psql failed on {statement!r}: {result.stderr.strip()}")

    def start(self, timeout: float = 30.0) -> "PostgresServer":
        self.launch()
        self.wait_ready(timeout)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
