"""Tests of the local Mem0 upstream, run against the server as a real process on loopback.

Run from this folder: `python -m pytest -q test_app.py`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import httpx
import pytest

SERVICE_DIR = Path(__file__).resolve().parent
STARTUP_TIMEOUT_SECONDS = 60
API_KEY = "test-admin-key"


class ServerProcess:
    """A `main.py --port 0` process, its stderr lines, and the URL it listens on."""

    def __init__(self, data_dir: Optional[Path], api_key: Optional[str] = None):
        env = dict(os.environ)
        env.pop("MEM0_API_KEY", None)
        env.pop("MEM0_LOCAL_DATA_DIR", None)
        if api_key:
            env["MEM0_API_KEY"] = api_key
        command = [sys.executable, str(SERVICE_DIR / "main.py"), "--port", "0"]
        if data_dir is not None:
            command += ["--data-dir", str(data_dir)]
        self.lines: List[str] = []
        self._ready = threading.Event()
        self.port: Optional[int] = None
        self.process = subprocess.Popen(
            command, cwd=SERVICE_DIR, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
        )
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        if not self._ready.wait(STARTUP_TIMEOUT_SECONDS) or self.port is None:
            self.stop()
            pytest.fail("server did not log ready; stderr:\n" + "\n".join(self.lines))

    def _read_stderr(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if entry.get("msg") == "ready":
                self.port = entry["port"]
                self._ready.set()
        self._ready.set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> int:
        """Send SIGTERM and return the exit code.

        uvicorn re-raises SIGTERM after its graceful shutdown, so a clean stop exits with
        -SIGTERM. The "mem0 stopped" log line shows that the shutdown ran.
        """
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)
        return self.process.returncode

    def stopped_cleanly(self) -> bool:
        code = self.stop()
        logged = any('"mem0 stopped"' in line for line in self.lines)
        return code in (0, -signal.SIGTERM) and logged


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = ServerProcess(tmp_path_factory.mktemp("mem0-data"))
    yield process
    process.stop()


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    process = ServerProcess(tmp_path_factory.mktemp("mem0-auth-data"), api_key=API_KEY)
    yield process
    process.stop()


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        assert http.post("/reset").status_code == 200
        yield http


def add(http: httpx.Client, content: str, **fields) -> List[Dict]:
    response = http.post("/memories", json={"messages": [{"role": "user", "content": content}], **fields})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


# ---- POST /memories ----


def test_add_default_infer_extracts_sentences(client):
    results = add(client, "I love pizza. My dog is called Rex.", user_id="alice")
    assert [r["memory"] for r in results] == ["I love pizza.", "My dog is called Rex."]
    assert [r["event"] for r in results] == ["ADD", "ADD"]
    assert all(is_uuid(r["id"]) for r in results)


def test_add_infer_true_matches_default(client):
    results = add(client, "I work at Acme.", user_id="alice", infer=True)
    assert [r["memory"] for r in results] == ["I work at Acme."]


def test_add_infer_false_stores_message(client):
    results = add(client, "Raw note. Two sentences.", user_id="alice", infer=False)
    assert len(results) == 1
    assert results[0]["memory"] == "Raw note. Two sentences."
    assert results[0]["event"] == "ADD"
    assert results[0]["role"] == "user"


def test_add_repeated_fact_is_deduplicated(client):
    assert len(add(client, "I drink tea.", user_id="alice")) == 1
    assert add(client, "I drink tea.", user_id="alice") == []


def test_add_agent_and_run_scopes(client):
    agent_results = add(client, "The agent prefers short answers.", agent_id="helper")
    run_results = add(client, "This run is a dry run.", run_id="run-1", infer=False)
    assert len(agent_results) == 1
    assert len(run_results) == 1
    record = client.get(f"/memories/{agent_results[0]['id']}").json()
    assert record["agent_id"] == "helper"
    assert "user_id" not in record


def test_add_without_identifier_is_400(client):
    response = client.post("/memories", json={"messages": [{"role": "user", "content": "x"}]})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("At least one identifier")


def test_add_empty_identifier_is_400(client):
    response = client.post("/memories", json={"messages": [{"role": "user", "content": "x"}], "user_id": ""})
    assert response.status_code == 400


def test_add_identifier_with_space_is_400(client):
    response = client.post("/memories", json={"messages": [{"role": "user", "content": "x"}], "user_id": "a b"})
    assert response.status_code == 400
    assert "whitespace" in response.json()["detail"]


def test_add_non_string_content_is_422(client):
    response = client.post("/memories", json={"messages": [{"role": "user", "content": 5}], "user_id": "alice"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "messages", 0, "content"]


def test_add_missing_messages_is_422(client):
    response = client.post("/memories", json={"user_id": "alice"})
    assert response.status_code == 422


def test_add_invalid_json_is_422(client):
    response = client.post("/memories", content=b"{bad", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_add_bad_expiration_date_is_400(client):
    response = client.post(
        "/memories",
        json={"messages": [{"role": "user", "content": "x"}], "user_id": "alice", "expiration_date": "soon"},
    )
    assert response.status_code == 400


def test_add_procedural_memory_summarises(client):
    response = client.post(
        "/memories",
        json={
            "messages": [
                {"role": "user", "content": "Open the file."},
                {"role": "assistant", "content": "Opened it."},
            ],
            "agent_id": "helper",
            "memory_type": "procedural_memory",
        },
    )
    assert response.status_code == 200, response.text
    memory = response.json()["results"][0]["memory"]
    assert "user: Open the file." in memory
    assert "assistant: Opened it." in memory


# ---- GET /memories/{id} ----


def test_get_returns_record(client):
    memory_id = add(client, "I live in Lisbon.", user_id="alice", metadata={"topic": "home"})[0]["id"]
    response = client.get(f"/memories/{memory_id}")
    assert response.status_code == 200
    record = response.json()
    assert record["id"] == memory_id
    assert record["memory"] == "I live in Lisbon."
    assert record["user_id"] == "alice"
    assert record["metadata"] == {"topic": "home"}
    assert record["hash"]
    assert record["created_at"]
    assert record["updated_at"]


@pytest.mark.parametrize("memory_id", [str(uuid.uuid4()), "not-a-uuid", "123"])
def test_get_unknown_id_is_null(client, memory_id):
    response = client.get(f"/memories/{memory_id}")
    assert response.status_code == 200
    assert response.text == "null"


def test_get_accepts_other_uuid_spellings(client):
    # Local Qdrant parses ids as UUIDs, so these spellings name the same memory. A
    # gateway that decides ownership on the id string must canonicalise it first.
    memory_id = add(client, "I own a bike.", user_id="alice")[0]["id"]
    for spelling in (memory_id.upper(), memory_id.replace("-", "")):
        response = client.get(f"/memories/{spelling}")
        assert response.status_code == 200
        assert response.json()["id"] == memory_id


# ---- GET /memories ----


def test_list_returns_only_that_user(client):
    add(client, "Alice likes jazz.", user_id="alice")
    add(client, "Bob likes rock.", user_id="bob")
    response = client.get("/memories", params={"user_id": "alice"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["memory"] for r in results] == ["Alice likes jazz."]
    assert results[0]["user_id"] == "alice"


def test_list_top_k_limits_results(client):
    add(client, "One. Two. Three.", user_id="alice")
    response = client.get("/memories", params={"user_id": "alice", "top_k": 2})
    assert len(response.json()["results"]) == 2


@pytest.mark.parametrize("top_k", [-1, 1001, "many"])
def test_list_bad_top_k_is_422(client, top_k):
    response = client.get("/memories", params={"user_id": "alice", "top_k": top_k})
    assert response.status_code == 422


def test_list_repeated_parameter_uses_last(client):
    add(client, "Alice fact.", user_id="alice")
    add(client, "Bob fact.", user_id="bob")
    response = client.get("/memories?user_id=alice&user_id=bob")
    assert [r["memory"] for r in response.json()["results"]] == ["Bob fact."]


def test_list_whole_store_top_k_zero_is_empty(client):
    add(client, "Alice fact.", user_id="alice")
    response = client.get("/memories", params={"top_k": 0})
    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_list_without_identifier_returns_whole_store(client):
    add(client, "Alice fact.", user_id="alice")
    add(client, "Bob fact.", user_id="bob")
    response = client.get("/memories")
    assert response.status_code == 200
    assert sorted(r["memory"] for r in response.json()["results"]) == ["Alice fact.", "Bob fact."]


def test_list_hides_expired_unless_asked(client):
    add(client, "Old news.", user_id="alice", expiration_date="2000-01-01")
    add(client, "Fresh news.", user_id="alice")
    visible = client.get("/memories", params={"user_id": "alice"}).json()["results"]
    everything = client.get("/memories", params={"user_id": "alice", "show_expired": "true"}).json()["results"]
    assert [r["memory"] for r in visible] == ["Fresh news."]
    assert sorted(r["memory"] for r in everything) == ["Fresh news.", "Old news."]
    assert [r.get("expiration_date") for r in everything if r["memory"] == "Old news."] == ["2000-01-01"]


# ---- POST /search ----


def search(http: httpx.Client, body: Dict) -> httpx.Response:
    return http.post("/search", json=body)


def test_search_ranks_matching_memory_first(client):
    add(client, "I love pizza. I play chess on Sundays.", user_id="alice")
    response = search(client, {"query": "pizza", "filters": {"user_id": "alice"}})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["memory"] == "I love pizza."
    assert 0 < results[0]["score"] <= 1
    assert "I play chess on Sundays." not in [r["memory"] for r in results]


def test_search_stays_within_user(client):
    add(client, "Alice loves pizza.", user_id="alice")
    add(client, "Bob loves pizza.", user_id="bob")
    results = search(client, {"query": "pizza", "filters": {"user_id": "alice"}}).json()["results"]
    assert [r["memory"] for r in results] == ["Alice loves pizza."]


def test_search_top_level_identifier_overrides_filters(client):
    add(client, "Alice loves pizza.", user_id="alice")
    add(client, "Bob loves pizza.", user_id="bob")
    body = {"query": "pizza", "user_id": "alice", "filters": {"user_id": "bob"}}
    results = search(client, body).json()["results"]
    assert [r["memory"] for r in results] == ["Alice loves pizza."]


def test_search_without_identifier_is_400(client):
    response = search(client, {"query": "pizza", "filters": {"topic": "food"}})
    assert response.status_code == 400
    assert "user_id" in response.json()["detail"]


def test_search_missing_query_is_422(client):
    assert search(client, {"filters": {"user_id": "alice"}}).status_code == 422


def test_search_empty_query_is_400(client):
    assert search(client, {"query": "  ", "filters": {"user_id": "alice"}}).status_code == 400


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_search_threshold_out_of_range_is_422(client, threshold):
    body = {"query": "pizza", "filters": {"user_id": "alice"}, "threshold": threshold}
    assert search(client, body).status_code == 422


def test_search_top_k_and_explain(client):
    add(client, "Pizza one. Pizza two. Pizza three.", user_id="alice")
    body = {"query": "pizza", "filters": {"user_id": "alice"}, "top_k": 2, "explain": True}
    results = search(client, body).json()["results"]
    assert len(results) == 2
    assert "semantic_score" in results[0]["score_details"]


def test_search_wildcard_spans_users(client):
    add(client, "Alice loves pizza.", user_id="alice")
    add(client, "Bob loves pizza.", user_id="bob")
    results = search(client, {"query": "pizza", "filters": {"user_id": "*"}}).json()["results"]
    assert sorted(r["memory"] for r in results) == ["Alice loves pizza.", "Bob loves pizza."]


def test_search_in_operator_on_metadata(client):
    add(client, "Pizza for lunch.", user_id="alice", metadata={"meal": "lunch"})
    add(client, "Pizza for dinner.", user_id="alice", metadata={"meal": "dinner"})
    add(client, "Pizza for breakfast.", user_id="alice", metadata={"meal": "breakfast"})
    body = {"query": "pizza", "filters": {"user_id": "alice", "meal": {"in": ["lunch", "dinner"]}}}
    results = search(client, body).json()["results"]
    assert sorted(r["memory"] for r in results) == ["Pizza for dinner.", "Pizza for lunch."]


def test_search_in_operator_on_user_id_is_400(client):
    # mem0 2.2.1 validates an identifier filter as a plain string, and the string form
    # of {"in": [...]} contains spaces, so the library rejects it.
    add(client, "Alice loves pizza.", user_id="alice")
    response = search(client, {"query": "pizza", "filters": {"user_id": {"in": ["alice", "bob"]}}})
    assert response.status_code == 400
    assert "whitespace" in response.json()["detail"]


def test_search_or_filter_spans_named_users(client):
    add(client, "Alice loves pizza.", user_id="alice")
    add(client, "Bob loves pizza.", user_id="bob")
    add(client, "Carol loves pizza.", user_id="carol")
    filters = {"user_id": "*", "OR": [{"user_id": "alice"}, {"user_id": "bob"}]}
    results = search(client, {"query": "pizza", "filters": filters}).json()["results"]
    assert sorted(r["memory"] for r in results) == ["Alice loves pizza.", "Bob loves pizza."]


def test_search_unknown_operator_is_400(client):
    body = {"query": "pizza", "filters": {"user_id": "alice", "meal": {"regex": ".*"}}}
    assert search(client, body).status_code == 400


# ---- PUT /memories/{id} and history ----


def test_update_text_records_history(client):
    memory_id = add(client, "I live in Lisbon.", user_id="alice")[0]["id"]
    response = client.put(f"/memories/{memory_id}", json={"text": "I live in Porto."})
    assert response.status_code == 200
    assert response.json() == {"message": "Memory updated successfully!"}
    assert client.get(f"/memories/{memory_id}").json()["memory"] == "I live in Porto."

    history = client.get(f"/memories/{memory_id}/history").json()
    assert [h["event"] for h in history] == ["ADD", "UPDATE"]
    assert history[1]["old_memory"] == "I live in Lisbon."
    assert history[1]["new_memory"] == "I live in Porto."
    assert history[1]["memory_id"] == memory_id
    expected_fields = {"id", "memory_id", "old_memory", "new_memory", "event", "created_at",
                       "updated_at", "is_deleted", "actor_id", "role"}
    assert set(history[0]) == expected_fields


def test_update_metadata_keeps_text(client):
    memory_id = add(client, "I live in Lisbon.", user_id="alice")[0]["id"]
    response = client.put(f"/memories/{memory_id}", json={"metadata": {"topic": "home"}})
    assert response.status_code == 200
    record = client.get(f"/memories/{memory_id}").json()
    assert record["memory"] == "I live in Lisbon."
    assert record["metadata"] == {"topic": "home"}


def test_update_cannot_move_memory_to_other_user(client):
    memory_id = add(client, "I live in Lisbon.", user_id="alice")[0]["id"]
    client.put(f"/memories/{memory_id}", json={"metadata": {"user_id": "bob"}})
    assert client.get(f"/memories/{memory_id}").json()["user_id"] == "alice"


def test_update_expiration_date_set_and_clear(client):
    memory_id = add(client, "I live in Lisbon.", user_id="alice")[0]["id"]
    client.put(f"/memories/{memory_id}", json={"expiration_date": "2000-01-01"})
    assert client.get("/memories", params={"user_id": "alice"}).json()["results"] == []
    client.put(f"/memories/{memory_id}", json={"expiration_date": None})
    assert len(client.get("/memories", params={"user_id": "alice"}).json()["results"]) == 1


@pytest.mark.parametrize("body", [{}, {"data": "old body shape"}, None])
def test_update_without_fields_is_400(client, body):
    memory_id = add(client, "I live in Lisbon.", user_id="alice")[0]["id"]
    if body is None:
        response = client.put(f"/memories/{memory_id}")
    else:
        response = client.put(f"/memories/{memory_id}", json=body)
    assert response.status_code == 400


def test_update_unknown_id_is_404(client):
    response = client.put(f"/memories/{uuid.uuid4()}", json={"text": "x"})
    assert response.status_code == 404
    assert "not found" in response.json()["detail"]


def test_history_unknown_id_is_empty(client):
    response = client.get(f"/memories/{uuid.uuid4()}/history")
    assert response.status_code == 200
    assert response.json() == []


# ---- DELETE ----


def test_delete_memory(client):
    memory_id = add(client, "I live in Lisbon.", user_id="alice")[0]["id"]
    response = client.delete(f"/memories/{memory_id}")
    assert response.status_code == 200
    assert response.json() == {"message": "Memory deleted successfully"}
    assert client.get(f"/memories/{memory_id}").text == "null"
    history = client.get(f"/memories/{memory_id}/history").json()
    assert [h["event"] for h in history] == ["ADD", "DELETE"]
    assert history[1]["is_deleted"] is True


def test_delete_unknown_id_is_404(client):
    assert client.delete(f"/memories/{uuid.uuid4()}").status_code == 404


def test_delete_all_for_user(client):
    add(client, "Alice one. Alice two.", user_id="alice")
    add(client, "Bob one.", user_id="bob")
    response = client.delete("/memories", params={"user_id": "alice"})
    assert response.status_code == 200
    assert response.json() == {"message": "All relevant memories deleted"}
    assert client.get("/memories", params={"user_id": "alice"}).json()["results"] == []
    assert len(client.get("/memories", params={"user_id": "bob"}).json()["results"]) == 1


def test_delete_all_without_identifier_is_400(client):
    add(client, "Alice one.", user_id="alice")
    response = client.delete("/memories")
    assert response.status_code == 400
    assert response.json()["detail"] == "At least one identifier is required."
    assert len(client.get("/memories").json()["results"]) == 1


# ---- POST /reset ----


def test_reset_wipes_memories_and_history(client):
    memory_id = add(client, "Alice one.", user_id="alice")[0]["id"]
    add(client, "Bob one.", user_id="bob")
    response = client.post("/reset")
    assert response.status_code == 200
    assert response.json() == {"message": "All memories reset"}
    assert client.get("/memories").json()["results"] == []
    assert client.get(f"/memories/{memory_id}/history").json() == []
    assert len(add(client, "Alice again.", user_id="alice")) == 1


# ---- /configure ----


def test_configure_get_shows_local_stores(client):
    response = client.get("/configure")
    assert response.status_code == 200
    config = response.json()
    assert config["vector_store"]["provider"] == "qdrant"
    assert config["llm"]["config"]["openai_base_url"].startswith("http://127.0.0.1:")


def test_configure_post_merges_and_keeps_data(client):
    memory_id = add(client, "I live in Lisbon.", user_id="alice")[0]["id"]
    response = client.post("/configure", json={"custom_instructions": "Keep it short."})
    assert response.status_code == 200
    assert response.json() == {"message": "Configuration set successfully"}
    config = client.get("/configure").json()
    assert config["custom_instructions"] == "Keep it short."
    assert config["vector_store"]["provider"] == "qdrant"
    assert client.get(f"/memories/{memory_id}").json()["memory"] == "I live in Lisbon."


def test_configure_invalid_provider_is_400_and_keeps_old(client):
    memory_id = add(client, "I live in Lisbon.", user_id="alice")[0]["id"]
    response = client.post("/configure", json={"llm": {"provider": "no-such-llm"}})
    assert response.status_code == 400
    assert client.get("/configure").json()["llm"]["provider"] == "openai"
    assert client.get(f"/memories/{memory_id}").json()["id"] == memory_id


def closed_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_model_endpoint_failure_is_502(client):
    original = client.get("/configure").json()
    dead_url = f"http://127.0.0.1:{closed_loopback_port()}/v1"
    patch = {"llm": {"config": {"openai_base_url": dead_url}},
             "embedder": {"config": {"openai_base_url": dead_url}}}
    assert client.post("/configure", json=patch).status_code == 200
    try:
        response = client.post(
            "/memories", json={"messages": [{"role": "user", "content": "x"}], "user_id": "alice"}
        )
        assert response.status_code == 502
        body = response.json()
        assert body["code"] == "provider_error"
        assert body["request_id"] == response.headers["X-Request-ID"]
        assert body["detail"].startswith("add failed")
        response = search(client, {"query": "pizza", "filters": {"user_id": "alice"}})
        assert response.status_code == 502
    finally:
        restore = {"llm": original["llm"], "embedder": original["embedder"]}
        assert client.post("/configure", json=restore).status_code == 200
    assert len(add(client, "I am back.", user_id="alice")) == 1


def test_configure_providers_lists_qdrant(client):
    response = client.get("/configure/providers")
    assert response.status_code == 200
    assert "qdrant" in response.json()["vector_store"]


# ---- HTTP behaviour ----


@pytest.mark.parametrize(
    "method,path",
    [("GET", "/memories/"), ("POST", "/memories/"), ("POST", "/search/"), ("POST", "/reset/")],
)
def test_trailing_slash_is_404(client, method, path):
    response = client.request(method, path, json={})
    assert response.status_code == 404


def test_unknown_route_is_404(client):
    assert client.get("/health").status_code == 404


@pytest.mark.parametrize(
    "method,path,body,status",
    [
        ("GET", "/memories?user_id=alice", None, 200),
        ("POST", "/memories", {"messages": []}, 400),
        ("POST", "/memories", {"messages": 1}, 422),
        ("DELETE", f"/memories/{uuid.uuid4()}", None, 404),
        ("GET", "/memories/", None, 404),
    ],
)
def test_request_id_on_every_response(client, method, path, body, status):
    response = client.request(method, path, json=body)
    assert response.status_code == status
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_request_id_is_echoed(client):
    response = client.get("/memories", params={"user_id": "alice"}, headers={"X-Request-ID": "gw-123"})
    assert response.headers["X-Request-ID"] == "gw-123"


def test_unusable_request_id_is_replaced(client):
    response = client.get("/memories", params={"user_id": "alice"}, headers={"X-Request-ID": "a b"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def request_log_lines(server: ServerProcess, request_id: str) -> List[Dict]:
    entries = []
    for line in list(server.lines):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("msg") == "request" and entry.get("x_request_id") == request_id:
            entries.append(entry)
    return entries


def wait_for_request_log(server: ServerProcess, request_id: str) -> Dict:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        entries = request_log_lines(server, request_id)
        if entries:
            return entries[0]
        time.sleep(0.05)
    pytest.fail(f"no request log line for {request_id}; stderr:\n" + "\n".join(server.lines))


def test_request_log_line_has_tracing_headers(server, client):
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    client.get(
        "/memories",
        params={"user_id": "alice"},
        headers={"X-Request-ID": "log-line-1", "traceparent": traceparent},
    )
    entry = wait_for_request_log(server, "log-line-1")
    assert entry["method"] == "GET"
    assert entry["path"] == "/memories"
    assert entry["traceparent"] == traceparent
    assert entry["status"] == 200


def test_request_log_line_has_no_key(auth_server):
    httpx.get(
        auth_server.base_url + "/memories",
        params={"user_id": "alice"},
        headers={"X-Request-ID": "log-line-2", "X-API-Key": "wrong-secret-key"},
    )
    entry = wait_for_request_log(auth_server, "log-line-2")
    assert entry["status"] == 401
    assert entry["traceparent"] == ""
    assert not any("wrong-secret-key" in line for line in auth_server.lines)


# ---- authentication ----


def test_auth_missing_key_is_401(auth_server):
    response = httpx.get(auth_server.base_url + "/memories", params={"user_id": "alice"})
    assert response.status_code == 401
    assert "X-API-Key" in response.json()["detail"]
    assert response.headers["WWW-Authenticate"] == "ApiKey"
    assert response.headers["X-Request-ID"]


def test_auth_wrong_key_is_401(auth_server):
    response = httpx.post(
        auth_server.base_url + "/reset", headers={"X-API-Key": "wrong"}
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid API key."}
    assert response.headers["WWW-Authenticate"] == "ApiKey"


def test_auth_checked_before_body(auth_server):
    response = httpx.post(
        auth_server.base_url + "/memories", content=b"{bad", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401


def test_auth_right_key_is_accepted(auth_server):
    headers = {"X-API-Key": API_KEY}
    body = {"messages": [{"role": "user", "content": "I love pizza."}], "user_id": "alice"}
    response = httpx.post(auth_server.base_url + "/memories", json=body, headers=headers)
    assert response.status_code == 200
    memory_id = response.json()["results"][0]["id"]
    response = httpx.get(auth_server.base_url + f"/memories/{memory_id}", headers=headers)
    assert response.json()["memory"] == "I love pizza."


def test_auth_leaves_docs_public(auth_server):
    assert httpx.get(auth_server.base_url + "/openapi.json").status_code == 200


def test_no_key_needed_when_unset(client):
    assert client.get("/memories", params={"user_id": "alice"}).status_code == 200


# ---- process lifecycle ----


def test_data_persists_across_restart(tmp_path):
    first = ServerProcess(tmp_path)
    try:
        body = {"messages": [{"role": "user", "content": "I live in Lisbon."}], "user_id": "alice"}
        memory_id = httpx.post(first.base_url + "/memories", json=body).json()["results"][0]["id"]
    finally:
        assert first.stopped_cleanly()
    second = ServerProcess(tmp_path)
    try:
        record = httpx.get(second.base_url + f"/memories/{memory_id}").json()
        assert record["memory"] == "I live in Lisbon."
    finally:
        second.stop()


def test_temporary_data_dir_removed_at_exit():
    process = ServerProcess(data_dir=None)
    try:
        messages = [json.loads(line)["msg"] for line in process.lines if line.startswith("{")]
        started = [m for m in messages if m.startswith("mem0 ready: data_dir=")]
        data_dir = Path(started[0].split("data_dir=")[1].split(" ")[0])
        assert data_dir.is_dir()
    finally:
        assert process.stopped_cleanly()
    assert not data_dir.exists()
