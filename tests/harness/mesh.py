"""The whole memgov mesh on loopback: backends, pipeline stages and ingress, in a temp dir."""

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from . import database, paths, probes
from .errors import HarnessError
from .mem0 import LocalMem0Server
from .opa import OpaServer
from .ports import claim_port, free_port, free_port_range
from .postgres import PostgresServer
from .process import ManagedProcess, stop_all
from .redis import RedisServer
from .stages import (
    PIPELINE_STAGES,
    REPLICA_SLOTS,
    STAGE_KINDS,
    Backends,
    MeshAddresses,
    StageGroup,
    clean_base_env,
    stage_env,
    wait_stage_ready,
)


@dataclass
class MeshOptions:
    """What a mesh runs and how its stages are configured."""

    # Gateway port. None picks a free one.
    ingress_port: Optional[int] = None
    # Processes per stage ("authz", "ratelimit", "audit-sink", "ingress"), 1 when not given.
    replicas: dict[str, int] = field(default_factory=dict)
    # Pipeline stages to start. The ingress always starts.
    stages: Sequence[str] = PIPELINE_STAGES
    # An existing Mem0 to put the mesh in front of. None starts the local Mem0.
    mem0_url: Optional[str] = None
    mem0_api_key: Optional[str] = None
    # Start the local Mem0 when mem0_url is None. When False the ingress gets an address where
    # nothing listens.
    start_mem0: bool = True
    # Policy directory OPA loads and watches. None means the repository's policies/.
    policy_dir: Optional[Path] = None
    with_redis: bool = False
    # Extra environment variables per stage, e.g. {"ratelimit": {"MEMGOV_RATELIMIT_...": "5"}}.
    stage_env: dict[str, dict[str, str]] = field(default_factory=dict)
    database_name: str = "memgov"
    # A running cluster to create the database in. None starts a cluster owned by the mesh.
    postgres: Optional[PostgresServer] = None
    ready_timeout: float = 30.0


class Mesh:
    """Starts, inspects and stops one mesh. Use as a context manager or call start()/stop()."""

    def __init__(self, options: Optional[MeshOptions] = None):
        self.options = options or MeshOptions()
        self._check_options()
        self.temp_dir: Optional[Path] = None
        self.postgres: Optional[PostgresServer] = None
        self.opa: Optional[OpaServer] = None
        self.mem0: Optional[LocalMem0Server] = None
        self.redis: Optional[RedisServer] = None
        self.database_url: Optional[str] = None
        self.addresses: Optional[MeshAddresses] = None
        self.groups: dict[str, StageGroup] = {}
        self._owns_postgres = False
        self._unused_mem0_port: Optional[int] = None

    def _check_options(self) -> None:
        for stage in self.options.stages:
            if stage not in PIPELINE_STAGES:
                raise HarnessError(f"unknown stage {stage!r}; expected one of {PIPELINE_STAGES}")
        for stage, count in self.options.replicas.items():
            if stage not in STAGE_KINDS:
                raise HarnessError(
                    f"unknown stage {stage!r} in replicas; expected one of {tuple(STAGE_KINDS)}"
                )
            if not 1 <= count <= REPLICA_SLOTS:
                raise HarnessError(f"replicas for {stage} must be 1-{REPLICA_SLOTS}, got {count}")

    # -- properties -------------------------------------------------------------------------

    @property
    def log_dir(self) -> Path:
        return self.temp_dir / "logs"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.addresses.ingress_port}"

    @property
    def opa_url(self) -> Optional[str]:
        return self.opa.url if self.opa else None

    @property
    def mem0_url(self) -> str:
        return self._backends().mem0_url

    @property
    def mem0_api_key(self) -> Optional[str]:
        return self._backends().mem0_api_key

    def _needs_database(self) -> bool:
        return any(stage in self.options.stages for stage in ("authz", "audit-sink"))

    def _runs_all_stages(self) -> bool:
        return all(stage in self.options.stages for stage in PIPELINE_STAGES)

    # -- start ------------------------------------------------------------------------------

    def start(self) -> "Mesh":
        """Start every server and wait until each is ready. On failure, stop what has started."""
        self.temp_dir = Path(tempfile.mkdtemp(prefix="memgov-mesh-"))
        if os.geteuid() == 0:
            # The PostgreSQL cluster runs as the postgres user, which must reach its directory.
            self.temp_dir.chmod(0o755)
        self.log_dir.mkdir()
        try:
            self._allocate_addresses()
            self._start_backends()
            self._start_stages()
        except BaseException:
            self.stop(keep_logs=True)
            raise
        return self

    def _start_backends(self) -> None:
        # Launch first and wait afterwards, so the servers start up in parallel.
        if self._needs_database():
            if self.options.postgres is None:
                self.postgres = PostgresServer(self.temp_dir / "postgres", self.log_dir)
                self._owns_postgres = True
                self.postgres.launch()
            else:
                self.postgres = self.options.postgres
        if "authz" in self.options.stages:
            self.opa = OpaServer(self.options.policy_dir or paths.policy_dir(), self.log_dir)
            self.opa.launch()
        if self.options.mem0_url is None and self.options.start_mem0:
            self.mem0 = LocalMem0Server(self.temp_dir / "mem0-data", self.log_dir, clean_base_env())
            self.mem0.launch()
        if self.options.with_redis:
            self.redis = RedisServer(self.temp_dir / "redis", self.log_dir)
            self.redis.launch()

        if self._owns_postgres:
            self.postgres.wait_ready()
        if self.postgres is not None:
            self.database_url = self.postgres.create_database(self.options.database_name)
        if self.opa:
            self.opa.wait_ready()
        if self.mem0:
            self.mem0.wait_ready()
        if self.redis:
            self.redis.wait_ready()

    def _allocate_addresses(self) -> None:
        if self.options.ingress_port is None:
            ingress_port = free_port()
        else:
            ingress_port = claim_port(self.options.ingress_port)
        self.addresses = MeshAddresses(
            ingress_port=ingress_port,
            bind_bases={stage: free_port_range(REPLICA_SLOTS) for stage in PIPELINE_STAGES},
            metrics_bases={stage: free_port_range(REPLICA_SLOTS) for stage in STAGE_KINDS},
        )
        self._unused_mem0_port = None if self.options.start_mem0 else free_port()

    def _backends(self) -> Backends:
        if self.options.mem0_url is not None:
            mem0_url, mem0_key = self.options.mem0_url, self.options.mem0_api_key
        elif self.mem0 is not None:
            mem0_url, mem0_key = self.mem0.url, self.mem0.api_key
        else:
            mem0_url, mem0_key = f"http://127.0.0.1:{self._unused_mem0_port}", None
        return Backends(
            database_url=self.database_url,
            opa_url=self.opa_url,
            mem0_url=mem0_url,
            mem0_api_key=mem0_key,
            redis_url=self.redis.url if self.redis else None,
            audit_wal_dir=str(self.temp_dir / "audit-wal"),
        )

    def _group(self, stage: str) -> StageGroup:
        if stage not in self.groups:
            kind = STAGE_KINDS[stage]
            env = stage_env(
                kind, self.addresses, self._backends(), self.options.stage_env.get(stage, {})
            )
            self.groups[stage] = StageGroup(kind, env, self.log_dir)
        return self.groups[stage]

    def _start_stages(self) -> None:
        launched = []
        for stage in self.options.stages:
            for _ in range(self.options.replicas.get(stage, 1)):
                launched.append(self._group(stage).launch_one())
        for process in launched:
            wait_stage_ready(process, self.options.ready_timeout)

        ingresses = [
            self._group("ingress").launch_one()
            for _ in range(self.options.replicas.get("ingress", 1))
        ]
        for process in ingresses:
            self._wait_ingress_ready(process)

    def _wait_ingress_ready(self, process: ManagedProcess) -> None:
        wait_stage_ready(
            process,
            self.options.ready_timeout,
            lambda: probes.http_ok(f"{self.gateway_url}/health"),
            "GET /health 200",
        )
        if self._runs_all_stages():
            process.wait_until(
                lambda: probes.http_ok(f"{self.gateway_url}/ready"),
                self.options.ready_timeout,
                "GET /ready 200",
            )

    # -- stage control ----------------------------------------------------------------------

    def processes(self, stage: str) -> list[ManagedProcess]:
        """Return the running processes of a stage."""
        return self.groups[stage].running() if stage in self.groups else []

    def kill_stage(self, stage: str, index: int = 0) -> ManagedProcess:
        """SIGKILL one running process of a stage and return it."""
        running = self.processes(stage)
        if index >= len(running):
            raise HarnessError(
                f"{stage} has {len(running)} running processes, none at index {index}"
            )
        running[index].kill()
        return running[index]

    def start_replica(self, stage: str) -> ManagedProcess:
        """Start one more process of a stage with its settings, and wait until it is ready."""
        process = self._group(stage).launch_one()
        if stage == "ingress":
            self._wait_ingress_ready(process)
        else:
            wait_stage_ready(process, self.options.ready_timeout)
        return process

    # -- database ---------------------------------------------------------------------------

    def sql(self, query: str, params: Optional[Sequence[Any]] = None) -> database.Rows:
        return database.run_sql(self._require_database(), query, params)

    def wait_for_rows(
        self,
        query: str,
        params: Optional[Sequence[Any]] = None,
        accept: Callable[[database.Rows], bool] = bool,
        timeout: float = 10.0,
    ) -> database.Rows:
        return database.wait_for_rows(self._require_database(), query, params, accept, timeout)

    def _require_database(self) -> str:
        if self.database_url is None:
            raise HarnessError("this mesh runs no stage that uses PostgreSQL")
        return self.database_url

    # -- logs and stop ----------------------------------------------------------------------

    def all_processes(self) -> list[ManagedProcess]:
        """Return every process this mesh started, in start order."""
        servers = [self.postgres if self._owns_postgres else None, self.opa, self.mem0, self.redis]
        processes = [server.process for server in servers if server and server.process]
        for group in self.groups.values():
            processes.extend(group.processes)
        return processes

    def describe_logs(self, tail_lines: int = 0) -> str:
        """List each process's log file, with its last lines when `tail_lines` > 0."""
        parts = []
        for process in self.all_processes():
            state = "running" if process.is_running() else f"exited ({process.returncode})"
            parts.append(f"{process.name} [{state}]: {process.log_path}")
            if tail_lines > 0:
                tail = process.log_tail(tail_lines)
                parts.append("    " + tail.replace("\n", "\n    ") if tail else "    (empty)")
        return "\n".join(parts)

    def stop(self, keep_logs: bool = False) -> None:
        """Stop every process: ingress first, then the pipeline stages, then the backends.

        Then the temp dir is removed, or with `keep_logs` everything in it except the logs
        directory. A shared PostgreSQL cluster passed in the options is left running.
        """
        front = self.groups["ingress"].processes if "ingress" in self.groups else []
        stop_all(front)
        stop_all(
            [
                p
                for stage, group in self.groups.items()
                if stage != "ingress"
                for p in group.processes
            ]
        )
        backends = [self.mem0, self.opa, self.redis, self.postgres if self._owns_postgres else None]
        stop_all([server.process for server in backends if server and server.process])
        if self.temp_dir is None:
            return
        if keep_logs:
            remove_all_but(self.temp_dir, self.log_dir)
        else:
            shutil.rmtree(self.temp_dir, ignore_errors=True)

    def __enter__(self) -> "Mesh":
        return self.start()

    def __exit__(self, exc_type, exc, traceback) -> None:
        self.stop(keep_logs=exc_type is not None)


def remove_all_but(directory: Path, kept: Path) -> None:
    """Delete every entry of `directory` except `kept`, such as data dirs next to the logs."""
    for entry in directory.iterdir():
        if entry == kept:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
