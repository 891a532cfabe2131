"""One server process of the test mesh: launch, readiness polling, log access and stop."""

import ctypes
import os
import pwd
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable, Optional

from .errors import HarnessError

_PR_SET_PDEATHSIG = 1
_POLL_INTERVAL_SECONDS = 0.05


def _kill_when_parent_dies() -> None:
    """Ask the kernel to SIGKILL this child if the harness dies without stopping it.

    Runs in the forked child before exec. CPython runs it after any user switch, which matters
    because the kernel clears the setting when the credentials change.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class ManagedProcess:
    """A child process whose stdout and stderr go to one log file.

    The child runs in its own session, so a Ctrl-C in the terminal reaches only the harness,
    which then stops every child in order.
    """

    def __init__(
        self,
        name: str,
        argv: list[str],
        log_path: Path,
        env: Optional[dict[str, str]] = None,
        cwd: Optional[Path] = None,
        user: Optional[str] = None,
        stop_signal: int = signal.SIGTERM,
        grace_seconds: float = 5.0,
    ):
        self.name = name
        self.argv = [str(arg) for arg in argv]
        self.log_path = Path(log_path)
        self.env = env
        self.cwd = cwd
        self.user = user
        self.stop_signal = stop_signal
        self.grace_seconds = grace_seconds
        self._popen: Optional[subprocess.Popen] = None

    def __repr__(self) -> str:
        return f"ManagedProcess({self.name!r}, pid={self.pid}, log={str(self.log_path)!r})"

    @property
    def pid(self) -> Optional[int]:
        return self._popen.pid if self._popen else None

    @property
    def returncode(self) -> Optional[int]:
        """Return the exit status, reaping the process if it has exited."""
        return self._popen.poll() if self._popen else None

    def _is_reaped(self) -> bool:
        return self._popen is None or self._popen.returncode is not None

    def is_running(self) -> bool:
        """Tell whether the process is alive, without reaping it.

        The process stays a zombie until kill() or returncode reaps it, so its pid, which is also
        its process group id, cannot be reused by an unrelated process in the meantime.
        """
        if self._is_reaped():
            return False
        try:
            exited = os.waitid(os.P_PID, self._popen.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return False
        return exited is None

    def launch(self) -> "ManagedProcess":
        if self._popen is not None:
            raise HarnessError(f"{self.name} was already launched")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        user_args = {}
        if self.user is not None:
            account = pwd.getpwnam(self.user)
            user_args = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        with open(self.log_path, "ab") as log:
            try:
                self._popen = subprocess.Popen(
                    self.argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    env=self.env,
                    cwd=self.cwd,
                    start_new_session=True,
                    preexec_fn=_kill_when_parent_dies,
                    **user_args,
                )
            except OSError as error:
                raise HarnessError(
                    f"failed to launch {self.name} ({self.argv[0]}): {error}"
                ) from error
        return self

    def relaunched(self) -> "ManagedProcess":
        """Launch the same command again, with the same environment and log file, after it stopped.

        A server started again this way keeps its port, so the stages that use it need no new
        settings.
        """
        if self.is_running():
            raise HarnessError(f"{self.name} still runs; stop it before launching it again")
        return ManagedProcess(
            self.name,
            self.argv,
            self.log_path,
            env=self.env,
            cwd=self.cwd,
            user=self.user,
            stop_signal=self.stop_signal,
            grace_seconds=self.grace_seconds,
        ).launch()

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def failure(self, problem: str) -> HarnessError:
        """Build an error naming this process, its log file and the log's last lines."""
        return HarnessError(
            f"{self.name} {problem}\n"
            f"command: {' '.join(self.argv)}\n"
            f"log file: {self.log_path}\n"
            f"last log lines:\n{self.log_tail()}"
        )

    def wait_until(self, is_ready: Callable[[], bool], timeout: float, condition: str) -> None:
        """Poll `is_ready` until it returns true, failing early if the process exits."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.is_running():
                raise self.failure(f"exited with status {self.returncode} before {condition}")
            if is_ready():
                return
            if time.monotonic() >= deadline:
                raise self.failure(f"did not reach '{condition}' within {timeout:.0f} s")
            time.sleep(_POLL_INTERVAL_SECONDS)

    def send_signal(self, signum: int) -> None:
        if not self._is_reaped():
            os.kill(self._popen.pid, signum)

    def wait_exit(self, timeout: float) -> bool:
        """Wait for the process to exit, and return False if it still runs at the timeout."""
        deadline = time.monotonic() + timeout
        while self.is_running():
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_INTERVAL_SECONDS)
        return True

    def kill(self) -> None:
        """SIGKILL the process and everything left in its process group, then reap it."""
        if self._is_reaped():
            return
        try:
            os.killpg(self._popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._popen.wait()

    def stop(self) -> None:
        """Send the stop signal, wait for the grace period, then SIGKILL whatever is left."""
        self.send_signal(self.stop_signal)
        self.wait_exit(self.grace_seconds)
        self.kill()


def stop_all(processes: list[ManagedProcess]) -> None:
    """Stop processes together: signal all, wait one shared grace period, SIGKILL the rest."""
    for process in processes:
        process.send_signal(process.stop_signal)
    deadline = time.monotonic() + max((p.grace_seconds for p in processes), default=0.0)
    for process in processes:
        process.wait_exit(deadline - time.monotonic())
    for process in processes:
        process.kill()
