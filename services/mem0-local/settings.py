"""Settings from the environment, and the environment mem0 needs before it is imported."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from typing import Optional

logger = logging.getLogger("mem0_local.settings")

DATA_DIR_ENV = "MEM0_LOCAL_DATA_DIR"
API_KEY_ENV = "MEM0_API_KEY"

# mem0's openai LLM sends every request to OpenRouter when this variable is set, which
# would bypass the stand-in endpoint (mem0 2.2.1, mem0/llms/openai.py).
_REDIRECTING_ENV = ("OPENROUTER_API_KEY",)


@dataclass(frozen=True)
class Settings:
    data_dir: str
    data_dir_is_temporary: bool
    api_key: Optional[str]


def load_settings() -> Settings:
    """Read MEM0_LOCAL_DATA_DIR and MEM0_API_KEY, creating the data directory.

    Without MEM0_LOCAL_DATA_DIR the data goes to a new temporary directory that the
    server removes when it stops. An empty MEM0_API_KEY counts as unset.
    """
    configured = os.environ.get(DATA_DIR_ENV, "").strip()
    if configured:
        data_dir = os.path.abspath(configured)
        os.makedirs(data_dir, exist_ok=True)
        temporary = False
    else:
        data_dir = tempfile.mkdtemp(prefix="mem0-local-")
        temporary = True
    api_key = os.environ.get(API_KEY_ENV) or None
    return Settings(data_dir=data_dir, data_dir_is_temporary=temporary, api_key=api_key)


def prepare_environment(settings: Settings) -> None:
    """Set the variables that mem0 reads at import time, and drop those that redirect it.

    Telemetry is switched off, mem0's own config file goes inside the data directory,
    and loopback addresses bypass any HTTP proxy so the stand-in endpoint is reached.
    """
    os.environ["MEM0_TELEMETRY"] = "false"
    mem0_dir = os.path.join(settings.data_dir, "mem0")
    os.makedirs(mem0_dir, exist_ok=True)
    os.environ["MEM0_DIR"] = mem0_dir

    for name in _REDIRECTING_ENV:
        if os.environ.pop(name, None) is not None:
            logger.warning("ignoring %s, which would send model calls away from the stand-in", name)

    for name in ("NO_PROXY", "no_proxy"):
        entries = [e for e in os.environ.get(name, "").split(",") if e]
        for host in ("127.0.0.1", "localhost"):
            if host not in entries:
                entries.append(host)
        os.environ[name] = ",".join(entries)
