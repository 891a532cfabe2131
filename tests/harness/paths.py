"""Locations of the repository, the built binaries and the pinned tools.

Each location can be overridden by an environment variable, so the harness also runs against
binaries built elsewhere.
"""

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _path_from_env(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value) if value else default


def bin_dir() -> Path:
    """Return the directory holding the memgov-* stage binaries."""
    return _path_from_env("MEMGOV_BIN_DIR", REPO_ROOT / "build" / "bin")


def opa_binary() -> Path:
    """Return the pinned OPA binary that `./dev` installs."""
    return _path_from_env("MEMGOV_OPA_BIN", REPO_ROOT / ".tools" / "bin" / "opa")


def venv_python() -> Path:
    """Return the project venv's Python, or the running interpreter when there is no venv."""
    candidate = REPO_ROOT / ".venv" / "bin" / "python"
    return candidate if candidate.exists() else Path(sys.executable)


def policy_dir() -> Path:
    return REPO_ROOT / "policies"


def mem0_local_dir() -> Path:
    return REPO_ROOT / "services" / "mem0-local"
