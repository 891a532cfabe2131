"""The local Mem0 upstream (services/mem0-local) on a free loopback port."""

import secrets
from pathlib import Path
from typing import Optional

from . import paths, probes
from .errors import HarnessError
from .ports import free_port
from .process import ManagedProcess

# Script names tried in order, relative to services/mem0-local.
_ENTRY_CANDIDATES = ("main.py", "server.py")


def find_entry() -> Path:
    for name in _ENTRY_CANDIDATES:
        candidate = paths.mem0_local_dir() / name
        if candidate.exists():
            return candidate
    raise HarnessError(
        f"no entry script ({', '.join(_ENTRY_CANDIDATES)}) found in {paths.mem0_local_dir()}"
    )


class LocalMem0Server:
    """The local Mem0 REST server, protected by a random API key.

    The key makes Mem0 reject requests that lack it, so a test passing through the gateway
    shows that the gateway sent its own upstream credential.
    """

    def __init__(self, data_dir: Path, log_dir: Path, base_env: dict[str, str]):
        self.data_dir = Path(data_dir)
        self.log_dir = Path(log_dir)
        self.base_env = base_env
        self.api_key = secrets.token_urlsafe(24)
        self.port: Optional[int] = None
        self.process: Optional[ManagedProcess] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        env = dict(self.base_env)
        env["MEM0_API_KEY"] = self.api_key
        env["MEM0_TELEMETRY"] = "false"
        env["PYTHONUNBUFFERED"] = "1"
        self.process = ManagedProcess(
            "mem0-local",
            [
                paths.venv_python(),
                find_entry(),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data-dir",
                self.data_dir,
            ],
            self.log_dir / "mem0-local.log",
            env=env,
            cwd=paths.mem0_local_dir(),
        ).launch()

    def wait_ready(self, timeout: float = 90.0) -> None:
        # Any HTTP response counts, because without the key most routes return 401.
        self.process.wait_until(
            lambda: probes.http_answers(f"{self.url}/memories"), timeout, "answering HTTP"
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
