"""An OPA server that loads a policy directory and reloads it when files change."""

import json
import urllib.request
from pathlib import Path
from typing import Optional

from . import paths, probes
from .errors import HarnessError
from .ports import free_port
from .process import ManagedProcess


class OpaServer:
    def __init__(self, policy_dir: Path, log_dir: Path):
        self.policy_dir = Path(policy_dir)
        self.log_dir = Path(log_dir)
        self.port: Optional[int] = None
        self.process: Optional[ManagedProcess] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> None:
        binary = paths.opa_binary()
        if not binary.exists():
            raise HarnessError(f"OPA binary {binary} not found; run ./dev build to install it")
        if not self.policy_dir.is_dir():
            raise HarnessError(f"policy directory {self.policy_dir} does not exist")
        self.port = free_port()
        self.process = ManagedProcess(
            "opa",
            [
                binary,
                "run",
                "--server",
                "--addr",
                f"127.0.0.1:{self.port}",
                "--v0-compatible",
                # Without this flag OPA contacts its release server at start.
                "--skip-version-check",
                "--watch",
                self.policy_dir,
            ],
            self.log_dir / "opa.log",
        ).launch()

    def wait_ready(self, timeout: float = 30.0) -> None:
        self.process.wait_until(
            lambda: probes.http_ok(f"{self.url}/health"), timeout, "GET /health 200"
        )

    def policy_ids(self) -> list[str]:
        """Return the ids (file paths) of the policy modules OPA has loaded."""
        with urllib.request.urlopen(f"{self.url}/v1/policies", timeout=2) as response:
            body = json.load(response)
        return [policy["id"] for policy in body.get("result", [])]

    def wait_for_policy(self, file_name: str, loaded: bool = True, timeout: float = 10.0) -> None:
        """Wait until OPA has loaded the policy file `file_name`, or dropped it if not `loaded`."""

        def in_desired_state() -> bool:
            try:
                ids = self.policy_ids()
            except OSError:
                return False
            return any(Path(policy_id).name == file_name for policy_id in ids) == loaded

        state = "loading" if loaded else "dropping"
        self.process.wait_until(in_desired_state, timeout, f"{state} policy {file_name}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
