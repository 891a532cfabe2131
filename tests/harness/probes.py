"""Readiness probes. Each returns True once a server accepts work, and none raises."""

import json
import socket
import urllib.error
import urllib.request
from typing import Optional

_PROBE_TIMEOUT_SECONDS = 1.0


def http_status(url: str, headers: Optional[dict[str, str]] = None) -> Optional[int]:
    """Return the HTTP status of GET `url`, or None when no server responds."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=_PROBE_TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return None


def http_ok(url: str) -> bool:
    return http_status(url) == 200


def http_answers(url: str) -> bool:
    """Tell whether an HTTP server responds, whatever the status."""
    return http_status(url) is not None


def tcp_accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=_PROBE_TIMEOUT_SECONDS):
            return True
    except OSError:
        return False


def redis_pongs(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=_PROBE_TIMEOUT_SECONDS) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def ready_record(log_text: str) -> Optional[dict]:
    """Parse the first JSON log line with "msg": "ready", or return None if there is none."""
    for line in log_text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("msg") == "ready":
            return record
    return None


def has_ready_line(log_text: str) -> bool:
    """Tell whether a JSON log line has "msg": "ready", the line every memgov stage prints."""
    return ready_record(log_text) is not None
