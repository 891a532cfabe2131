"""A test-only HTTP proxy between the gateway and Mem0 that adds records to list and search results.

It stands for an upstream that returns more than the request selected (a bug in Mem0, or data
changed behind the gateway's back), so that tests can check the gateway's response scoping.
Everything else is relayed unchanged. It listens on 127.0.0.1 only.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional

import requests

from tests.harness.ports import free_port

# Response headers not copied from Mem0, because the proxy sets them or they describe the hop.
_HOP_HEADERS = {"connection", "content-length", "transfer-encoding", "keep-alive", "date", "server"}


class FaultInjectingProxy:
    """Relays HTTP to `upstream_url`; while `injected_records` is set, appends them to the results.

    Only 200 responses of GET /memories and POST /search are changed. `changed_responses` counts
    the responses that got the records, so a test can tell that the injection happened.
    """

    def __init__(self, upstream_url: str):
        self.upstream_url = upstream_url.rstrip("/")
        self.injected_records: Optional[list[dict]] = None
        self.changed_responses = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FaultInjectingProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _inject(self, method: str, path: str, status: int, body: bytes) -> bytes:
        records = self.injected_records
        route = path.split("?", 1)[0]
        injectable = (method, route) in {("GET", "/memories"), ("POST", "/search")}
        if records is None or not injectable or status != 200:
            return body
        document = json.loads(body)
        document["results"].extend(records)
        with self._lock:
            self.changed_responses += 1
        return json.dumps(document).encode()

    def _handler_class(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
                upstream = requests.request(
                    self.command,
                    proxy.upstream_url + self.path,
                    headers=headers,
                    data=body,
                    allow_redirects=False,
                    timeout=30,
                )
                content = proxy._inject(
                    self.command, self.path, upstream.status_code, upstream.content
                )
                self.send_response(upstream.status_code)
                for name, value in upstream.headers.items():
                    if name.lower() not in _HOP_HEADERS:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = _relay

            def log_message(self, format, *args):  # noqa: A002 - the base class names it so
                pass

        return Handler
