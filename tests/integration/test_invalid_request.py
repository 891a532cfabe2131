"""Requests the gateway could read differently from Mem0 are rejected or normalized, and audited.

Each case is sent as raw bytes, because HTTP client libraries rewrite dot-segments, escapes and
control characters. A rejected case must leave Mem0's data as it was, which the tests check by
reading the whole store from the local Mem0 directly, past the gateway.
"""

import json
from dataclasses import dataclass, field
from typing import Optional

import pytest
import requests

from tests.harness import raw_http
from tests.harness.gateway import Identity

CALLER = Identity("agent-initech-1", "agent-reader", "initech")
WRITER = Identity("agent-initech-2", "agent-writer", "initech")
OWNER = "peter"
# A memory id that is never stored, so that a request which reached Mem0 with it would change
# nothing. The tests that name it expect a 400 before that.
UNKNOWN_ID = "3f1c2b7e-9a4d-4e21-8c3b-0d5e6f7a8b9c"

AUDIT_ROW = """
    SELECT decision, reason, status_code, tenant_id, method, path
    FROM mem0_audit_log WHERE request_id = %s
"""


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


@dataclass(frozen=True)
class Case:
    method: str
    target: str
    reason: str  # The reason of the response and the audit row.
    reason_is_prefix: bool = False  # For parser messages whose tail is nlohmann's wording.
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    identity: Identity = CALLER
    status: int = 400
    error: str = "invalid_request"
    decision: str = "invalid_request"
    tenant: Optional[str] = "initech"  # The audit row's tenant_id; None to skip the check.


def _json(text: str) -> bytes:
    return text.encode()


def _add_body(extra: str) -> bytes:
    return _json('{"messages": [{"role": "user", "content": "Peter likes tea"}], ' + extra + "}")


MEMORY = f"/memories/{UNKNOWN_ID}"
REPEATED = "query parameter user_id is repeated"
OVERRIDE = "method override is not accepted"

CASES = {
    # The last of a repeated query parameter wins in Starlette.
    "repeated_query": Case("GET", "/memories?user_id=peter&user_id=other", REPEATED),
    "repeated_query_delete": Case("DELETE", "/memories?user_id=other&user_id=peter", REPEATED),
    "repeated_query_encoded_name": Case("GET", "/memories?user_id=peter&user%5Fid=x", REPEATED),
    # The last of a repeated JSON key wins in Python's json module, at every depth.
    "repeated_json_key_top": Case(
        "POST",
        "/memories",
        "duplicate JSON key 'user_id'",
        body=_add_body('"user_id": "peter", "user_id": "other"'),
        identity=WRITER,
    ),
    "repeated_json_key_escaped": Case(
        "POST",
        "/memories",
        "duplicate JSON key 'user_id'",
        body=_add_body('"user_id": "peter", "user\\u005fid": "other"'),
        identity=WRITER,
    ),
    "repeated_json_key_in_message": Case(
        "POST",
        "/memories",
        "duplicate JSON key 'content'",
        body=_json(
            '{"messages": [{"role": "user", "content": "a", "content": "b"}], "user_id": "peter"}'
        ),
        identity=WRITER,
    ),
    "repeated_json_key_in_filters": Case(
        "POST",
        "/search",
        "duplicate JSON key 'user_id'",
        body=_json(
            '{"query": "tea", "filters": {"AND": [{"user_id": "peter", "user_id": "other"}]}}'
        ),
    ),
    "repeated_json_key_in_metadata": Case(
        "PUT",
        MEMORY,
        "duplicate JSON key 'agent_id'",
        body=_json('{"text": "t", "metadata": {"agent_id": "a", "agent_id": "b"}}'),
        identity=WRITER,
    ),
    # Decoded once, %2533 is "%33", which is no memory id.
    "percent_decoded_once": Case(
        "GET", "/memories/%25" + UNKNOWN_ID[2:], "memory id in the path is not a lower-case UUID"
    ),
    # Local Qdrant reads other spellings of a UUID as the same id, so only one is accepted.
    "upper_case_memory_id": Case(
        "DELETE", MEMORY.upper().replace("/MEMORIES", "/memories"),
        "memory id in the path is not a lower-case UUID"
    ),
    "hyphen_free_memory_id": Case(
        "GET", "/memories/" + UNKNOWN_ID.replace("-", ""),
        "memory id in the path is not a lower-case UUID"
    ),
    "dot_dot_segment": Case("GET", "/memories/../reset", "dot-segment in path"),
    "dot_segment": Case("GET", f"/memories/./{UNKNOWN_ID}", "dot-segment in path"),
    "encoded_dot_dot_segment": Case("POST", "/search/%2E%2e/reset", "dot-segment in path"),
    "doubled_slash_leading": Case(
        "GET", "//memories?user_id=peter", "empty path segment (doubled slash)"
    ),
    "doubled_slash_inner": Case(
        "DELETE", f"/memories//{UNKNOWN_ID}", "empty path segment (doubled slash)"
    ),
    "trailing_slash": Case("GET", "/memories/?user_id=peter", "trailing slash in path"),
    "encoded_slash": Case(
        "DELETE", f"/memories%2F{UNKNOWN_ID}", "encoded slash (%2F) in path segment"
    ),
    "encoded_slash_lower_case": Case(
        "GET", f"/memories%2f{UNKNOWN_ID}/history", "encoded slash (%2F) in path segment"
    ),
    # Starlette routes case-sensitively, so these are paths Mem0 does not serve.
    "case_variant_path": Case(
        "GET",
        "/Memories?user_id=peter",
        "unknown route",
        status=403,
        error="forbidden",
        decision="deny",
    ),
    "case_variant_upper": Case(
        "DELETE",
        "/MEMORIES?user_id=peter",
        "unknown route",
        status=403,
        error="forbidden",
        decision="deny",
    ),
    "case_variant_method": Case(
        "delete",
        f"/memories/{UNKNOWN_ID}",
        "unknown route",
        status=403,
        error="forbidden",
        decision="deny",
    ),
    "malformed_escape_path": Case("GET", "/memories/%zz", "malformed percent-escape in path"),
    "truncated_escape_path": Case(
        "GET", "/memories/abc%4", "malformed percent-escape in path"
    ),
    "malformed_escape_query": Case(
        "GET", "/memories?user_id=pe%G0ter", "malformed percent-escape in query string"
    ),
    "nul_in_path": Case(
        "GET",
        "/memories/%00" + UNKNOWN_ID,
        "path contains a control character after percent-decoding",
    ),
    "line_feed_in_path": Case(
        "GET",
        "/memories/%0a" + UNKNOWN_ID,
        "path contains a control character after percent-decoding",
    ),
    "delete_char_in_path": Case(
        "GET",
        "/memories/%7F" + UNKNOWN_ID,
        "path contains a control character after percent-decoding",
    ),
    "nul_in_query_id": Case(
        "DELETE",
        "/memories?user_id=pe%00ter",
        "query parameter user_id contains a control character",
    ),
    "line_feed_in_query_id": Case(
        "GET", "/memories?user_id=peter%0A", "query parameter user_id contains whitespace"
    ),
    "nul_in_body_id": Case(
        "POST",
        "/memories",
        "user_id in the request body contains a control character",
        body=_add_body('"user_id": "pe\\u0000ter"'),
        identity=WRITER,
    ),
    "nul_in_filter_id": Case(
        "POST",
        "/search",
        "user_id in filters contains a control character",
        body=_json('{"query": "tea", "filters": {"OR": [{"user_id": "pe\\u0000ter"}]}}'),
    ),
    "invalid_utf8_in_query_id": Case(
        "GET",
        "/memories?user_id=pe%C3%28ter",
        "query string is not valid UTF-8 after percent-decoding",
    ),
    "overlong_utf8_in_path": Case(
        "GET", "/memories/%C0%AF", "path is not valid UTF-8 after percent-decoding"
    ),
    "invalid_utf8_in_body_id": Case(
        "POST",
        "/memories",
        "request body is not valid JSON",
        reason_is_prefix=True,
        body=_add_body('"user_id": "pe"').replace(b'"pe"', b'"pe\xc3\x28ter"'),
        identity=WRITER,
    ),
    "lone_surrogate_in_body_id": Case(
        "POST",
        "/memories",
        "request body is not valid JSON",
        reason_is_prefix=True,
        body=_add_body('"user_id": "pe\\ud800ter"'),
        identity=WRITER,
    ),
    "method_override_header": Case(
        "GET", "/memories?user_id=peter", OVERRIDE, headers=[("X-HTTP-Method-Override", "DELETE")]
    ),
    "method_override_header_upper": Case(
        "GET", "/memories?user_id=peter", OVERRIDE, headers=[("X-HTTP-METHOD", "DELETE")]
    ),
    "method_override_header_underscore": Case(
        "GET", "/memories?user_id=peter", OVERRIDE, headers=[("x_http_method_override", "DELETE")]
    ),
    "method_override_header_short": Case(
        "GET", "/memories?user_id=peter", OVERRIDE, headers=[("X-Method-Override", "PUT")]
    ),
    "method_override_parameter": Case("GET", "/memories?user_id=peter&_method=DELETE", OVERRIDE),
    "method_override_parameter_upper": Case(
        "GET", "/memories?_METHOD=DELETE&user_id=peter", OVERRIDE
    ),
    "method_override_parameter_encoded": Case(
        "GET", "/memories?user_id=peter&%5Fmethod=DELETE", OVERRIDE
    ),
    # A second X-Tenant-Id, under any spelling, could reach a server that reads the other one.
    "identity_header_twice": Case(
        "GET",
        "/memories?user_id=peter",
        "X-Tenant-Id header is sent more than once",
        headers=[("X_Tenant_Id", "acme-corp")],
        tenant=None,
    ),
    "identity_header_not_ascii": Case(
        "GET",
        "/memories?user_id=peter",
        "X-User-Id header contains a character that is not printable ASCII",
        identity=Identity("agent-\xe9", "agent-reader", "initech"),
    ),
}


def _mem0_store(mesh) -> list[tuple]:
    """Read every record from the local Mem0 itself, bypassing the gateway."""
    response = requests.get(
        f"{mesh.mem0_url}/memories",
        params={"top_k": 1000},
        headers={"X-API-Key": mesh.mem0_api_key},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    records = response.json()["results"]
    assert len(records) < 1000, "the store is too large to compare in one read"
    return sorted(
        (r["id"], r["memory"], r.get("hash"), r.get("updated_at"), r.get("user_id"))
        for r in records
    )


@pytest.fixture(scope="module")
def stored_memory(gateway):
    """A memory of OWNER, claimed for initech, that destructive cases would have touched."""
    response = gateway.add_memory(WRITER, OWNER, "Peter keeps his stapler on the desk")
    assert response.status_code == 200, response.text
    return response.json()["results"][0]["id"]


def _identity_headers(identity: Identity) -> list[tuple[str, str]]:
    return list(identity.headers().items())


@pytest.mark.parametrize("name", list(CASES))
def test_parsing_case_rejected(mesh, stored_memory, name):
    case = CASES[name]
    before = _mem0_store(mesh)
    headers = _identity_headers(case.identity) + case.headers
    if case.body:
        headers.append(("Content-Type", "application/json"))
    response = raw_http.exchange(
        mesh.gateway_url, raw_http.build_request(case.method, case.target, headers, case.body)
    )

    assert response.status == case.status, response.body
    body = response.json()
    assert body["error"] == case.error
    if case.reason_is_prefix:
        assert body["reason"].startswith(case.reason), body["reason"]
    else:
        assert body["reason"] == case.reason
    rows = mesh.wait_for_rows(AUDIT_ROW, (body["request_id"],))
    assert len(rows) == 1
    decision, reason, status_code, tenant, method, _ = rows[0]
    assert decision == case.decision
    assert reason == body["reason"]
    assert status_code == case.status
    assert method == case.method
    if case.tenant is not None:
        assert tenant == case.tenant
    assert _mem0_store(mesh) == before
    assert stored_memory in {record[0] for record in before}


# A tenant of its own: other modules count the audit rows of their tenants on the shared mesh.
OTHER_READER = Identity("agent-vandelay-1", "agent-reader", "vandelay")


@pytest.mark.parametrize(
    "method, target",
    [
        ("GET", "/%6Demories?user%5Fid=peter"),
        ("GET", "/memories?user_id=p%65ter"),
        ("POST", "/%73earch"),
    ],
    ids=["encoded_route", "encoded_query", "encoded_search"],
)
def test_encoded_request_normalized(mesh, stored_memory, method, target):
    body = b'{"query": "stapler", "filters": {"user_id": "peter"}}' if method == "POST" else b""
    headers = _identity_headers(CALLER) + [("Content-Type", "application/json")]
    response = raw_http.exchange(
        mesh.gateway_url, raw_http.build_request(method, target, headers, body)
    )

    assert response.status == 200, response.body
    assert stored_memory in {record["id"] for record in response.json()["results"]}
    request_id = response.headers["X-Request-Id"]
    rows = mesh.wait_for_rows(
        "SELECT decision, action, resource, path FROM mem0_audit_log WHERE request_id = %s",
        (request_id,),
    )
    expected_path = "/search" if method == "POST" else "/memories"
    assert rows == [("allow", "read", "user_id:peter", expected_path)]


def test_encoded_foreign_id_denied(mesh, stored_memory):
    headers = _identity_headers(OTHER_READER)
    response = raw_http.exchange(
        mesh.gateway_url, raw_http.build_request("GET", "/%6Demories?user_id=p%65ter", headers)
    )

    assert response.status == 403, response.body
    body = response.json()
    assert body["reason"] == "resource belongs to initech, requester is vandelay"
    rows = mesh.wait_for_rows(AUDIT_ROW, (body["request_id"],))
    assert [(row[0], row[1], row[5]) for row in rows] == [("deny", body["reason"], "/memories")]


BAD_TARGET = "the request is not valid HTTP/1.1: bad target"
NOT_ASCII = "request target contains a byte that is not printable ASCII"


# Raw bytes, not escapes: Beast rejects controls in the target itself and closes the connection,
# and the classifier rejects bytes above 0x7E, which uvicorn would read as Latin-1.
@pytest.mark.parametrize(
    "target, reason",
    [
        ("/memories?user_id=pe\x01ter", BAD_TARGET),
        ("/memories?user_id=pe\tter", BAD_TARGET),
        ("/memories?user_id=pe\x7fter", BAD_TARGET),
        ("/memories/\xff", NOT_ASCII),
        ("/memories?user_id=p\xc3\xa9ter", NOT_ASCII),
    ],
    ids=["control", "tab", "delete", "latin1", "utf8"],
)
def test_raw_byte_in_target_rejected(mesh, stored_memory, target, reason):
    before = _mem0_store(mesh)
    response = raw_http.exchange(
        mesh.gateway_url,
        raw_http.build_request("GET", target, _identity_headers(CALLER)),
        close_wait=5.0 if reason == BAD_TARGET else 0.0,
    )

    assert response.status == 400, response.body
    body = response.json()
    assert body["reason"] == reason
    if reason == BAD_TARGET:
        assert response.closed, "the gateway kept the connection open after a bad target"
    rows = mesh.wait_for_rows(
        "SELECT decision, reason, status_code FROM mem0_audit_log WHERE request_id = %s",
        (body["request_id"],),
    )
    assert rows == [("invalid_request", reason, 400)]
    assert _mem0_store(mesh) == before
