"""What the gateway sends to Mem0: no client identity or credential header in any spelling, only
its own key, and no request of its own when Mem0 responds with a redirect.

A recording proxy sits between the ingress and the real local Mem0 and forwards everything.
"""

import shutil
import tempfile
from pathlib import Path

import pytest
import requests

from tests.harness.gateway import Gateway, Identity
from tests.harness.mem0 import LocalMem0Server
from tests.harness.recording_proxy import RecordingProxy
from tests.harness.stages import clean_base_env

WRITER = Identity("agent-wayne-1", "agent-writer", "wayne-ent")
READER = Identity("agent-wayne-2", "agent-reader", "wayne-ent")
REDIRECTED_USER = "bruce-redirected"

# Canonical names (lower case, '-' for '_') of headers that must never reach Mem0 from a client.
FORBIDDEN = {
    "x-user-id",
    "x-user-role",
    "x-tenant-id",
    "authorization",
    "proxy-authorization",
    "cookie",
    "forwarded",
    "x-real-ip",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
}

CLIENT_HEADERS = {
    "X-API-Key": "client-key-1",
    "x_api_key": "client-key-2",
    "Authorization": "Bearer client-token",
    "Proxy-Authorization": "Basic Y2xpZW50OnNlY3JldA==",
    "Cookie": "session=client",
    "Forwarded": "for=203.0.113.9",
    "X-Forwarded-For": "203.0.113.9",
    "x_forwarded_host": "evil.example",
    "X-FORWARDED-PROTO": "http",
    "X-Real-IP": "203.0.113.9",
    # A header the gateway has no reason to remove, to show that the proxy records headers.
    "X-Trace-Note": "kept",
}


@pytest.fixture(scope="module")
def upstream():
    """The local Mem0 behind a recording proxy."""
    root = Path(tempfile.mkdtemp(prefix="memgov-test-recording-"))
    mem0 = LocalMem0Server(root / "mem0-data", root, clean_base_env())
    mem0.launch()
    proxy = RecordingProxy(mem0.url, redirect_user_id=REDIRECTED_USER).start()
    try:
        mem0.wait_ready()
        yield mem0, proxy
    finally:
        proxy.stop()
        mem0.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def proxied_mesh(start_mesh, stop_mesh, upstream):
    mem0, proxy = upstream
    mesh = start_mesh(mem0_url=proxy.url, mem0_api_key=mem0.api_key)
    yield mesh
    stop_mesh(mesh)


@pytest.fixture(scope="module")
def proxied_gateway(proxied_mesh):
    return Gateway(proxied_mesh.gateway_url)


@pytest.fixture(scope="module")
def stored_memory(proxied_gateway):
    response = proxied_gateway.add_memory(WRITER, "bruce", "Bruce keeps a cave under the house")
    assert response.status_code == 200, response.text
    return response.json()["results"][0]["id"]


def _sent_to_mem0(proxy: RecordingProxy, response: requests.Response):
    request_id = response.headers["X-Request-Id"]
    recorded = proxy.find(request_id)
    assert len(recorded) == 1, f"expected one upstream request with id {request_id}"
    return recorded[0]


def test_client_credentials_never_reach_mem0(upstream, proxied_gateway, stored_memory):
    mem0, proxy = upstream
    response = proxied_gateway.list_memories(READER, "bruce", headers=CLIENT_HEADERS)

    assert response.status_code == 200, response.text
    assert stored_memory in {record["id"] for record in response.json()["results"]}
    sent = _sent_to_mem0(proxy, response)
    names = {name.lower().replace("_", "-") for name, _ in sent.headers}
    assert not names & FORBIDDEN
    assert sent.header_values("x-api-key") == [mem0.api_key]
    assert sent.header_values("x-trace-note") == ["kept"]


def test_identity_headers_never_reach_mem0(upstream, proxied_gateway, stored_memory):
    _, proxy = upstream
    headers = {"x-user-id": READER.actor, "X-USER-ROLE": READER.role, "x-Tenant-ID": READER.tenant}
    response = proxied_gateway.request(
        "GET", "/memories", headers=headers, params={"user_id": "bruce"}
    )

    assert response.status_code == 200, response.text
    sent = _sent_to_mem0(proxy, response)
    names = {name.lower().replace("_", "-") for name, _ in sent.headers}
    assert not names & {"x-user-id", "x-user-role", "x-tenant-id"}


def test_redirect_from_mem0_not_followed(upstream, proxied_mesh, proxied_gateway):
    _, proxy = upstream
    claim = proxied_gateway.add_memory(WRITER, REDIRECTED_USER, "Bruce has a second address")
    assert claim.status_code == 200, claim.text

    response = proxied_gateway.list_memories(READER, REDIRECTED_USER, allow_redirects=False)

    assert response.status_code == 307, response.text
    sent = _sent_to_mem0(proxy, response)
    assert sent.method == "GET"
    followed = [r for r in proxy.recorded() if r.target.startswith(proxy.redirect_path)]
    assert followed == []
    rows = proxied_mesh.wait_for_rows(
        "SELECT decision FROM mem0_audit_log WHERE request_id = %s",
        (response.headers["X-Request-Id"],),
    )
    assert rows == [("allow",)]
