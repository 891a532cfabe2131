"""A loopback HTTP proxy that records what the gateway sends to Mem0 and forwards it unchanged.

Tests put it between the ingress and the real local Mem0 to check the headers that reach Mem0.
For chosen requests it responds with a redirect, to check that the gateway does not follow it.
"""

import http.client
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional
from urllib.parse import parse_qs, urlsplit

# Headers that describe one connection or the body framing. They are not copied, and the proxy
# sets Content-Length itself.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]  # As received, in order, with the original spelling.

    def header_values(self, canonical_name: str) -> list[str]:
        """Return the values of every header whose name, in lower case and with '_' read as
        '-', is `canonical_name`."""
        return [
            value
            for name, value in self.headers
            if name.lower().replace("_", "-") == canonical_name
        ]


class RecordingProxy:
    """Forwards every request to `upstream_url` and records it.

    A request whose query has user_id equal to `redirect_user_id` is not forwarded. It gets a
    307 to `redirect_path` on this proxy instead, which is recorded like any other request if a
    client follows it.
    """

    redirect_path = "/redirected"

    def __init__(self, upstream_url: str, redirect_user_id: Optional[str] = None):
        self.upstream = urlsplit(upstream_url)
        self.redirect_user_id = redirect_user_id
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "RecordingProxy":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def recorded(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self.requests)

    def find(self, request_id: str) -> list[RecordedRequest]:
        """Return the recorded requests that carry X-Request-Id `request_id`."""
        return [r for r in self.recorded() if request_id in r.header_values("x-request-id")]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _handler_class(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002 - the base class's name
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                proxy._record(RecordedRequest(self.command, self.path, tuple(self.headers.items())))
                query = parse_qs(urlsplit(self.path).query)
                if proxy.redirect_user_id and proxy.redirect_user_id in query.get("user_id", []):
                    self._answer(307, [("Location", proxy.url + proxy.redirect_path)], b"")
                    return
                self._forward(body)

            def _forward(self, body: bytes) -> None:
                upstream = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=60
                )
                try:
                    # putheader keeps repeated headers, which a dict of headers would merge.
                    upstream.putrequest(
                        self.command, self.path, skip_host=True, skip_accept_encoding=True
                    )
                    for name, value in self.headers.items():
                        if name.lower() not in _HOP_BY_HOP:
                            upstream.putheader(name, value)
                    upstream.putheader("Content-Length", str(len(body)))
                    upstream.endheaders(body)
                    response = upstream.getresponse()
                    data = response.read()
                    kept = [
                        (name, value)
                        for name, value in response.getheaders()
                        if name.lower() not in _HOP_BY_HOP
                    ]
                    self._answer(response.status, kept, data)
                finally:
                    upstream.close()

            def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return Handler
