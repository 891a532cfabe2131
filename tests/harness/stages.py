"""The memgov stage processes: binaries, settings passed as environment variables, replicas."""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from . import paths, probes
from .errors import HarnessError
from .ports import port_range_text
from .process import ManagedProcess

# Ports per stage range, as many as the default ranges in the run-time contract have. Each
# replica binds the first free port of its range, so this is also the maximum replica count.
REPLICA_SLOTS = 8

# Variables that configure memgov processes. They are removed from the inherited environment so
# that a developer's shell cannot change what the harness starts.
_ALIASES = ("MEM0_URL", "MEM0_API_KEY", "OPA_URL", "DATABASE_URL", "REDIS_URL")


@dataclass(frozen=True)
class StageKind:
    name: str  # the name used by the harness and in --replicas, e.g. "audit-sink"
    binary: str  # file name in build/bin
    section: str  # settings section, e.g. "audit"


STAGE_KINDS = {
    "authz": StageKind("authz", "memgov-authz", "authz"),
    "ratelimit": StageKind("ratelimit", "memgov-ratelimit", "ratelimit"),
    "audit-sink": StageKind("audit-sink", "memgov-audit-sink", "audit"),
    "ingress": StageKind("ingress", "memgov-ingress", "ingress"),
}
PIPELINE_STAGES = ("authz", "ratelimit", "audit-sink")


def setting_env_name(section: str, key: str) -> str:
    """Name the environment variable for setting `section.key`, e.g. MEMGOV_AUDIT_BIND."""
    return f"MEMGOV_{section}_{key}".upper().replace(".", "_").replace("-", "_")


def clean_base_env() -> dict[str, str]:
    """Copy the harness's environment without any memgov setting."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("MEMGOV_") and name not in _ALIASES
    }


@dataclass
class MeshAddresses:
    """Loopback ports chosen for one mesh: the base of each stage range and the ingress port."""

    ingress_port: int
    bind_bases: dict[str, int]  # pipeline stage -> first ZMQ port
    metrics_bases: dict[str, int]  # every stage -> first metrics port

    def zmq_range(self, stage: str) -> str:
        return f"tcp://127.0.0.1:{port_range_text(self.bind_bases[stage], REPLICA_SLOTS)}"

    def metrics_range(self, stage: str) -> str:
        return f"127.0.0.1:{port_range_text(self.metrics_bases[stage], REPLICA_SLOTS)}"


@dataclass
class Backends:
    """URLs of the servers the stages depend on, None where the mesh has no such server."""

    database_url: Optional[str]
    opa_url: Optional[str]
    mem0_url: str
    mem0_api_key: Optional[str]
    redis_url: Optional[str] = None
    # Folder of the audit sinks' write-ahead logs.
    audit_wal_dir: Optional[str] = None


def stage_env(
    kind: StageKind,
    addresses: MeshAddresses,
    backends: Backends,
    extra: dict[str, str],
) -> dict[str, str]:
    """Build the complete environment of one stage process."""
    env = clean_base_env()

    def setting(key: str, value: str) -> None:
        env[setting_env_name(kind.section, key)] = value

    setting("metrics_listen", addresses.metrics_range(kind.name))
    if kind.name == "ingress":
        setting("listen", f"127.0.0.1:{addresses.ingress_port}")
        setting("authz_endpoints", addresses.zmq_range("authz"))
        setting("ratelimit_endpoints", addresses.zmq_range("ratelimit"))
        setting("audit_endpoints", addresses.zmq_range("audit-sink"))
        env["MEM0_URL"] = backends.mem0_url
        if backends.mem0_api_key:
            env["MEM0_API_KEY"] = backends.mem0_api_key
    else:
        setting("bind", addresses.zmq_range(kind.name))
    if kind.name in ("authz", "audit-sink") and backends.database_url:
        env["DATABASE_URL"] = backends.database_url
    if kind.name == "authz" and backends.opa_url:
        env["OPA_URL"] = backends.opa_url
    if kind.name == "audit-sink" and backends.audit_wal_dir:
        # One folder for every sink of the mesh: each sink logs into a subfolder named after
        # its port slot, so a restarted sink finds and replays its own log.
        setting("wal_dir", backends.audit_wal_dir)
    if kind.name == "ratelimit" and backends.redis_url:
        env["REDIS_URL"] = backends.redis_url
    env.update(extra)
    return env


@dataclass
class StageGroup:
    """All processes ever started for one stage, all with the same settings."""

    kind: StageKind
    env: dict[str, str]
    log_dir: Path
    processes: list[ManagedProcess] = field(default_factory=list)

    def binary(self) -> Path:
        path = paths.bin_dir() / self.kind.binary
        if not path.exists():
            raise HarnessError(f"stage binary {path} not found; build it with ./dev build")
        return path

    def running(self) -> list[ManagedProcess]:
        return [process for process in self.processes if process.is_running()]

    def launch_one(self) -> ManagedProcess:
        if len(self.running()) >= REPLICA_SLOTS:
            raise HarnessError(
                f"{self.kind.name} already runs {REPLICA_SLOTS} replicas, the maximum"
            )
        number = len(self.processes) + 1
        process = ManagedProcess(
            f"{self.kind.name}#{number}",
            [self.binary()],
            self.log_dir / f"{self.kind.name}-{number}.log",
            env=self.env,
        )
        self.processes.append(process)
        return process.launch()


def wait_stage_ready(
    process: ManagedProcess,
    timeout: float,
    extra_check: Optional[Callable[[], bool]] = None,
    extra_description: str = "",
) -> None:
    """Wait for the process's "ready" log line, then for an optional further condition."""
    process.wait_until(lambda: probes.has_ready_line(process.log_text()), timeout, "its ready line")
    if extra_check is not None:
        process.wait_until(extra_check, timeout, extra_description)
