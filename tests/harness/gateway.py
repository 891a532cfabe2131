"""A small HTTP client for the gateway that sends memgov's identity headers."""

from dataclasses import dataclass
from typing import Any, Optional

import requests


@dataclass(frozen=True)
class Identity:
    """The caller a request claims to be: X-User-Id, X-User-Role and X-Tenant-Id."""

    actor: str
    role: str
    tenant: str

    def headers(self) -> dict[str, str]:
        return {"X-User-Id": self.actor, "X-User-Role": self.role, "X-Tenant-Id": self.tenant}


class Gateway:
    def __init__(self, base_url: str, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def request(
        self,
        method: str,
        path: str,
        identity: Optional[Identity] = None,
        headers: Optional[dict[str, str]] = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send a request. `headers` are added after the identity headers and may replace them."""
        all_headers = identity.headers() if identity else {}
        all_headers.update(headers or {})
        kwargs.setdefault("timeout", self.timeout)
        return self.session.request(method, self.base_url + path, headers=all_headers, **kwargs)

    def add_memory(
        self, identity: Identity, user_id: str, content: str, **kwargs: Any
    ) -> requests.Response:
        body = {"messages": [{"role": "user", "content": content}], "user_id": user_id}
        return self.request("POST", "/memories", identity, json=body, **kwargs)

    def list_memories(self, identity: Identity, user_id: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", "/memories", identity, params={"user_id": user_id}, **kwargs)
