"""Response scoping: a record of another tenant that the upstream adds to a list or search
result is removed before the client sees it, and the removal is audited.

A fault-injecting proxy sits between the gateway and the real local Mem0 and appends records to
the results of GET /memories and POST /search while a test has it enabled.
"""

import uuid

import pytest
import requests

from tests.harness.gateway import Gateway, Identity
from tests.harness.mem0 import LocalMem0Server
from tests.harness.stages import clean_base_env
from tests.integration.fault_injecting_proxy import FaultInjectingProxy

ACME_WRITER = Identity("agent-acme-1", "agent-writer", "acme-corp")
ACME_READER = Identity("agent-acme-2", "agent-reader", "acme-corp")
GLOBEX_WRITER = Identity("agent-globex-1", "agent-writer", "globex-inc")
PLATFORM_ADMIN = Identity("operator-1", "platform-admin", "acme-corp")

REMOVALS = """
    SELECT decision, reason, status_code, tenant_id
    FROM mem0_audit_log
    WHERE request_id = %s AND decision = 'deny'
"""


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    root = tmp_path_factory.mktemp("scoping-mem0")
    server = LocalMem0Server(root / "data", root / "logs", clean_base_env())
    server.launch()
    server.wait_ready()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxy(upstream):
    server = FaultInjectingProxy(upstream.url).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def scoped_mesh(start_mesh, stop_mesh, upstream, proxy):
    mesh = start_mesh(mem0_url=proxy.url, mem0_api_key=upstream.api_key)
    yield mesh
    stop_mesh(mesh)


@pytest.fixture(scope="module")
def gateway(scoped_mesh) -> Gateway:
    return Gateway(scoped_mesh.gateway_url)


@pytest.fixture(autouse=True)
def no_injection(proxy):
    proxy.injected_records = None
    yield
    proxy.injected_records = None


def _direct(upstream: LocalMem0Server, method: str, path: str, **kwargs) -> requests.Response:
    """Call Mem0 directly, bypassing the proxy and the gateway."""
    headers = {"X-API-Key": upstream.api_key}
    return requests.request(method, upstream.url + path, headers=headers, timeout=30, **kwargs)


@pytest.fixture(scope="module")
def records(gateway, upstream):
    """Memories of acme's alice and globex's charlie, and of a user with no owner."""
    for identity, user, text in [
        (ACME_WRITER, "alice", "Alice prefers green tea."),
        (GLOBEX_WRITER, "charlie", "Charlie keeps the Globex launch codes."),
    ]:
        response = gateway.add_memory(identity, user, text)
        assert response.status_code == 200, response.text
    nobody = f"nobody-{uuid.uuid4().hex[:8]}"
    added = _direct(
        upstream,
        "POST",
        "/memories",
        json={"messages": [{"role": "user", "content": "Unowned note."}], "user_id": nobody},
    )
    assert added.status_code == 200, added.text

    def listed(user: str) -> list[dict]:
        response = _direct(upstream, "GET", "/memories", params={"user_id": user})
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert results, f"Mem0 holds no memory of {user}"
        return results

    return {"charlie": listed("charlie"), "nobody": listed(nobody)}


def _search(gateway: Gateway, identity: Identity, user: str) -> requests.Response:
    body = {"query": "tea", "filters": {"user_id": user}}
    return gateway.request("POST", "/search", identity, json=body)


def _ids(response: requests.Response) -> set[str]:
    return {record["id"] for record in response.json()["results"]}


def test_plain_list_unchanged(gateway, upstream, records):
    response = gateway.list_memories(ACME_READER, "alice")
    assert response.status_code == 200, response.text
    direct = _direct(upstream, "GET", "/memories", params={"user_id": "alice"})
    assert response.json() == direct.json()
    assert response.json()["results"]


def test_plain_search_unchanged(gateway, upstream, records):
    response = _search(gateway, ACME_READER, "alice")
    assert response.status_code == 200, response.text
    direct = _direct(
        upstream, "POST", "/search", json={"query": "tea", "filters": {"user_id": "alice"}}
    )
    assert _ids(response) == _ids(direct)
    assert response.json()["results"]


@pytest.mark.parametrize("route", ["list", "search"])
def test_foreign_record_removed(scoped_mesh, gateway, proxy, records, route):
    foreign = records["charlie"][0]
    proxy.injected_records = [foreign]
    injected_before = proxy.changed_responses
    if route == "list":
        response = gateway.list_memories(ACME_READER, "alice")
    else:
        response = _search(gateway, ACME_READER, "alice")
    assert proxy.changed_responses == injected_before + 1, "the proxy injected nothing"

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert results
    assert foreign["id"] not in _ids(response)
    for record in results:
        assert record["user_id"] == "alice"

    request_id = response.headers["X-Request-ID"]
    rows = scoped_mesh.wait_for_rows(REMOVALS, (request_id,))
    assert len(rows) == 1
    decision, reason, status_code, tenant = rows[0]
    assert decision == "deny"
    assert reason.startswith("foreign record removed from response: 1 of ")
    assert f"memory {foreign['id']} belongs to globex-inc" in reason
    assert status_code == 200
    assert tenant == "acme-corp"


def test_unowned_record_removed(scoped_mesh, gateway, proxy, records):
    unowned = records["nobody"][0]
    proxy.injected_records = [unowned]
    response = gateway.list_memories(ACME_READER, "alice")
    assert response.status_code == 200, response.text
    assert unowned["id"] not in _ids(response)
    assert response.json()["results"]

    rows = scoped_mesh.wait_for_rows(REMOVALS, (response.headers["X-Request-ID"],))
    assert len(rows) == 1
    assert f"memory {unowned['id']} has no owning tenant" in rows[0][1]


def test_platform_admin_unscoped(gateway, proxy, records):
    # The shipped policy exempts platform-admin from tenant isolation (cross_tenant), so its
    # responses come as Mem0 sent them.
    foreign = records["charlie"][0]
    proxy.injected_records = [foreign]
    response = gateway.list_memories(PLATFORM_ADMIN, "alice")
    assert response.status_code == 200, response.text
    assert foreign["id"] in _ids(response)
