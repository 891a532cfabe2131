"""Allocation of free loopback TCP ports, single or as runs of consecutive ports.

A port is free when a socket can bind 127.0.0.1:port. The check releases the socket again, so
another program could take the port before the server binds it. Ports handed out by this process
are remembered and never handed out twice.
"""

import random
import socket

from .errors import HarnessError

# Below Linux's default ephemeral range (32768-60999), so outgoing connections opened by the
# kernel do not take a port just before a server binds it.
_LOW_PORT = 20000
_HIGH_PORT = 32000
_ATTEMPTS = 500

_claimed: set[int] = set()


def _is_free(port: int) -> bool:
    if port in _claimed:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Servers set SO_REUSEADDR too, so a port whose old connections wait in TIME_WAIT is
        # free for them, but a listening socket still makes the bind fail.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_range(count: int) -> int:
    """Claim `count` consecutive free ports and return the first one."""
    for _ in range(_ATTEMPTS):
        base = random.randint(_LOW_PORT, _HIGH_PORT - count)
        ports = range(base, base + count)
        if all(_is_free(port) for port in ports):
            _claimed.update(ports)
            return base
    raise HarnessError(
        f"found no {count} consecutive free ports in {_LOW_PORT}-{_HIGH_PORT} "
        f"after {_ATTEMPTS} attempts"
    )


def free_port() -> int:
    """Claim one free port and return it."""
    return free_port_range(1)


def claim_port(port: int) -> int:
    """Claim a port chosen by the caller, raising HarnessError when it is in use."""
    if not _is_free(port):
        raise HarnessError(f"port 127.0.0.1:{port} is already in use; choose another with --port")
    _claimed.add(port)
    return port


def port_range_text(base: int, count: int) -> str:
    """Format a claimed range as `first-last`, the syntax memgov settings take."""
    return f"{base}-{base + count - 1}"
