"""A Redis server on a free loopback port, without persistence."""

import shutil
from pathlib import Path
from typing import Optional

from . import probes
from .errors import HarnessError
from .ports import free_port
from .process import ManagedProcess


class RedisServer:
    def __init__(self, work_dir: Path, log_dir: Path):
        self.work_dir = Path(work_dir)
        self.log_dir = Path(log_dir)
        self.port: Optional[int] = None
        self.process: Optional[ManagedProcess] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def launch(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise HarnessError("redis-server not found; install the redis-server package")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process = ManagedProcess(
            "redis",
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.work_dir,
            ],
            self.log_dir / "redis.log",
            cwd=self.work_dir,
        ).launch()

    def wait_ready(self, timeout: float = 15.0) -> None:
        self.process.wait_until(lambda: probes.redis_pongs(self.port), timeout, "answering PING")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
