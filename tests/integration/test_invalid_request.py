"""Requests without the identity headers are rejected with 400 and audited."""

import pytest

from tests.harness.gateway import Identity

CALLER = Identity("agent-initech-1", "agent-reader", "initech")


@pytest.mark.parametrize("missing_header", ["X-User-Role", "X-Tenant-Id"])
def test_missing_identity_header(mesh, gateway, missing_header):
    headers = CALLER.headers()
    del headers[missing_header]
    response = gateway.request("GET", "/memories", headers=headers, params={"user_id": "peter"})

    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_request"
    assert missing_header.lower() in body["reason"].lower()
    assert body["request_id"]

    rows = mesh.wait_for_rows(
        "SELECT decision, status_code FROM mem0_audit_log WHERE request_id = %s",
        (body["request_id"],),
    )
    assert rows == [("invalid_request", 400)]
