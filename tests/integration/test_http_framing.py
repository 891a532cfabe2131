"""Requests whose body framing a proxy could read differently are rejected, closed and audited.

A request with both Content-Length and Transfer-Encoding, or with broken chunked framing, could
be split into different requests by the gateway and by a server behind or before it (request
smuggling). The gateway responds with 400 and closes the connection, so no bytes after the broken
request are read as a request of their own. Mem0's data must stay as it was.
"""

import pytest
import requests

from tests.harness import raw_http
from tests.harness.gateway import Identity

WRITER = Identity("agent-piper-1", "agent-writer", "pied-piper")
OWNER = "richard"

# A complete second request, smuggled after the broken one: it would delete OWNER's memories.
SMUGGLED = (
    f"DELETE /memories?user_id={OWNER} HTTP/1.1\r\nHost: memgov\r\n"
    "X-User-Id: agent-piper-1\r\nX-User-Role: admin\r\nX-Tenant-Id: pied-piper\r\n\r\n"
)
ADD_BODY = (
    '{"messages": [{"role": "user", "content": "Richard owns a laptop"}], "user_id": "richard"}'
)


def _head(*lines: str) -> str:
    identity = [f"{name}: {value}" for name, value in WRITER.headers().items()]
    return "\r\n".join(["POST /memories HTTP/1.1", "Host: memgov", *identity, *lines]) + "\r\n\r\n"


def _chunk(data: str) -> str:
    return f"{len(data):x}\r\n{data}\r\n"


# Beast rejects some of the cases itself while it parses the header, with its own reasons. The
# audit rows of those have no tenant, because the gateway reads no field of a header block that
# failed to parse.
BOTH_FRAMING = "the request has both Content-Length and Transfer-Encoding"
ONLY_CHUNKED = "the only Transfer-Encoding accepted is chunked"
BAD_CHUNK = "the request body is not valid HTTP/1.1 framing: bad chunk"
BAD_TRANSFER_ENCODING = "the request is not valid HTTP/1.1: bad Transfer-Encoding"
BAD_CONTENT_LENGTH = "the request is not valid HTTP/1.1: bad Content-Length"

CASES = {
    "content_length_and_chunked": (
        _head(f"Content-Length: {len(ADD_BODY)}", "Transfer-Encoding: chunked")
        + _chunk(ADD_BODY)
        + "0\r\n\r\n"
        + SMUGGLED,
        BAD_TRANSFER_ENCODING,
    ),
    "chunked_then_content_length": (
        _head("Transfer-Encoding: chunked", "Content-Length: 4")
        + "0\r\n\r\n"
        + SMUGGLED,
        BAD_CONTENT_LENGTH,
    ),
    "content_length_and_gzip": (
        _head("Transfer-Encoding: gzip", f"Content-Length: {len(ADD_BODY)}") + ADD_BODY,
        BOTH_FRAMING,
    ),
    "transfer_encoding_not_chunked": (
        _head("Transfer-Encoding: identity") + ADD_BODY,
        ONLY_CHUNKED,
    ),
    "transfer_encoding_twice": (
        _head("Transfer-Encoding: chunked", "Transfer-Encoding: chunked")
        + _chunk(ADD_BODY)
        + "0\r\n\r\n",
        BAD_TRANSFER_ENCODING,
    ),
    "chunked_with_gzip": (
        _head("Transfer-Encoding: gzip, chunked") + _chunk(ADD_BODY) + "0\r\n\r\n",
        ONLY_CHUNKED,
    ),
    "chunk_size_not_hex": (
        _head("Transfer-Encoding: chunked") + "zz\r\n" + ADD_BODY + "\r\n0\r\n\r\n" + SMUGGLED,
        BAD_CHUNK,
    ),
    "chunk_shorter_than_size": (
        _head("Transfer-Encoding: chunked")
        + f"{len(ADD_BODY) + 40:x}\r\n{ADD_BODY}\r\n0\r\n\r\n"
        + SMUGGLED,
        BAD_CHUNK,
    ),
    "chunk_without_crlf": (
        _head("Transfer-Encoding: chunked")
        + f"{len(ADD_BODY):x}\r\n{ADD_BODY}0\r\n\r\n"
        + SMUGGLED,
        BAD_CHUNK,
    ),
    "content_length_twice_differing": (
        _head(f"Content-Length: {len(ADD_BODY)}", "Content-Length: 0") + ADD_BODY + SMUGGLED,
        BAD_CONTENT_LENGTH,
    ),
    "content_length_not_a_number": (
        _head("Content-Length: 12abc") + ADD_BODY,
        BAD_CONTENT_LENGTH,
    ),
}


def _mem0_records_of(mesh, user_id: str) -> list[tuple]:
    """Read OWNER's records from the local Mem0 itself, bypassing the gateway."""
    response = requests.get(
        f"{mesh.mem0_url}/memories",
        params={"user_id": user_id},
        headers={"X-API-Key": mesh.mem0_api_key},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return sorted((r["id"], r["memory"], r.get("updated_at")) for r in response.json()["results"])


@pytest.fixture(scope="module")
def stored_memory(gateway):
    response = gateway.add_memory(WRITER, OWNER, "Richard keeps a whiteboard at home")
    assert response.status_code == 200, response.text
    return response.json()["results"][0]["id"]


@pytest.mark.parametrize("name", list(CASES))
def test_broken_framing_rejected(mesh, stored_memory, name):
    data, reason = CASES[name]
    header_parsed = reason not in (BAD_TRANSFER_ENCODING, BAD_CONTENT_LENGTH)
    before = _mem0_records_of(mesh, OWNER)
    response = raw_http.exchange(mesh.gateway_url, data.encode(), close_wait=10.0)

    assert response.status == 400, response.body
    body = response.json()
    assert body["error"] == "bad_request"
    assert body["reason"] == reason
    assert response.headers["Connection"] == "close"
    assert response.closed, "the gateway kept the connection open after a framing error"

    rows = mesh.wait_for_rows(
        "SELECT decision, reason, status_code, tenant_id FROM mem0_audit_log"
        " WHERE request_id = %s",
        (body["request_id"],),
    )
    tenant = "pied-piper" if header_parsed else None
    assert rows == [("invalid_request", body["reason"], 400, tenant)]
    after = _mem0_records_of(mesh, OWNER)
    assert after == before
    assert stored_memory in {record[0] for record in after}


def _list_head(extra_headers: int) -> bytes:
    identity = [f"{name}: {value}" for name, value in WRITER.headers().items()]
    padding = [f"X-Pad-{number:05d}: {'v' * 3}" for number in range(extra_headers)]
    lines = [f"GET /memories?user_id={OWNER} HTTP/1.1", "Host: memgov", *identity, *padding]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


# Each padding header line is 18 bytes with its line end; the gateway's default limit is 16 KiB.
@pytest.mark.parametrize("extra_headers, status", [(700, 200), (950, 431), (1100, 431)])
def test_header_block_limit_exact(mesh, stored_memory, extra_headers, status):
    data = _list_head(extra_headers)
    response = raw_http.exchange(mesh.gateway_url, data, close_wait=10.0)

    assert len(data) < 16384 if status == 200 else len(data) > 16384
    assert response.status == status, response.body
    if status == 431:
        assert response.json()["error"] == "header_too_large"
