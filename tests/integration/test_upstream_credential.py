"""The gateway sends its own Mem0 key in place of any credential the client sends."""

import pytest
import requests

from tests.harness.gateway import Identity

WRITER = Identity("agent-umbrella-1", "agent-writer", "umbrella")
READER = Identity("agent-umbrella-2", "agent-reader", "umbrella")


@pytest.fixture(scope="module")
def stored_memory(gateway):
    response = gateway.add_memory(WRITER, "ursula", "Ursula likes green tea")
    assert response.status_code == 200, response.text
    return response.json()["results"][0]["id"]


def test_mem0_rejects_missing_key(mesh):
    response = requests.get(f"{mesh.mem0_url}/memories", params={"user_id": "ursula"}, timeout=10)
    assert response.status_code == 401


def test_mem0_accepts_its_key(mesh):
    response = requests.get(
        f"{mesh.mem0_url}/memories",
        params={"user_id": "ursula"},
        headers={"X-API-Key": mesh.mem0_api_key},
        timeout=10,
    )
    assert response.status_code == 200


def test_gateway_sends_upstream_key(gateway, stored_memory):
    response = gateway.list_memories(READER, "ursula")
    assert response.status_code == 200, response.text
    assert stored_memory in {record["id"] for record in response.json()["results"]}


# NOTE: mem0-local checks only X-API-Key, so the Authorization cases show that the header does
# not break the request, not that the gateway removed it.
@pytest.mark.parametrize(
    "client_headers",
    [
        {"X-API-Key": "wrong-key"},
        {"Authorization": "Bearer wrong-token"},
        {"X-API-Key": "wrong-key", "Authorization": "Bearer wrong-token"},
    ],
    ids=["x-api-key", "authorization", "both"],
)
def test_client_credentials_replaced(gateway, stored_memory, client_headers):
    response = gateway.list_memories(READER, "ursula", headers=client_headers)
    assert response.status_code == 200, response.text
    assert stored_memory in {record["id"] for record in response.json()["results"]}
