"""HTTP/1.1 over a plain socket, for requests that HTTP client libraries refuse or rewrite.

requests and urllib3 remove dot-segments, re-encode targets and reject control characters, so
tests that send such targets, or broken framing, write the bytes themselves.
"""

import http.client
import json
import socket
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlsplit


@dataclass
class RawResponse:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    # Whether the server closed (or reset) the connection after the response; None when
    # exchange() was not asked to wait for that.
    closed: Optional[bool]

    def json(self) -> Any:
        return json.loads(self.body)


def build_request(
    method: str,
    target: str,
    headers: Optional[list[tuple[str, str]]] = None,
    body: bytes = b"",
) -> bytes:
    """Return the bytes of one request with Host and, for a non-empty body, Content-Length.

    `target` is sent as written; encode it as Latin-1 so that any byte can appear in it.
    """
    lines = [f"{method} {target} HTTP/1.1", "Host: memgov"]
    lines += [f"{name}: {value}" for name, value in headers or []]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def exchange(
    base_url: str, data: bytes, timeout: float = 30.0, close_wait: float = 0.0
) -> RawResponse:
    """Send `data` on a new connection to `base_url` and read one response.

    With `close_wait` > 0 it then waits that many seconds for the server to close the
    connection, so a connection that stays open costs that long.
    """
    address = urlsplit(base_url)
    with socket.create_connection((address.hostname, address.port), timeout=timeout) as sock:
        sock.sendall(data)
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
        closed = None
        if close_wait > 0:
            sock.settimeout(close_wait)
            closed = _closed_by_peer(sock)
        return RawResponse(response.status, response.headers, body, closed)


def _closed_by_peer(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
