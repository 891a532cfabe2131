"""Deterministic stand-ins for the embedding model and the LLM that mem0 calls.

These are NOT real models. They exist so that the real mem0 library can run with no
model provider: the embedding is a hashed bag of words, and the "LLM" turns each
sentence of the new messages into one fact. Both are served through a small
OpenAI-compatible HTTP endpoint on a loopback port, so that mem0 talks to them through
its own `openai` providers exactly as it would talk to a real provider.

The endpoint is a separate server in a background thread, not a route of the FastAPI
app, so a request handler that calls mem0, which then calls this endpoint, never waits
on its own event loop or worker pool.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import re
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

logger = logging.getLogger("mem0_local.standin")

DEFAULT_EMBEDDING_DIMS = 256
EMBEDDING_MODEL_NAME = "standin-hashed-bow"
LLM_MODEL_NAME = "standin-sentence-facts"

# Words too common to carry meaning in a bag-of-words vector.
_STOP_WORDS = frozenset(
    "a an and are as at be but by do does for from has have i in is it its me my of on "
    "or our so that the their them they this to was we were what which who will with you "
    "your".split()
)
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")
_ROLE_LINE_RE = re.compile(r"^(user|assistant|system): ?(.*)$")

# Markers of the extraction prompt built by mem0 2.2.1
# (mem0.configs.prompts.generate_additive_extraction_prompt).
_NEW_MESSAGES_HEADER = "## New Messages\n"
_NEXT_SECTION_HEADER = "\n\n## Observation Date"


def _normalize_token(token: str) -> str:
    # A crude plural strip, so that "likes" matches "like" and "dogs" matches "dog".
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def embed_text(text: str, dims: int = DEFAULT_EMBEDDING_DIMS) -> List[float]:
    """Embed text as an L2-normalised, signed, hashed bag of words of length `dims`.

    Equal texts always get equal vectors, in every process. Texts that share words get a
    positive cosine similarity, and texts with no word in common get about zero. A text
    with no words gets a fixed unit vector, so a cosine similarity is always defined.
    """
    vector = [0.0] * dims
    for raw_token in _TOKEN_RE.findall(text.lower()):
        if raw_token in _STOP_WORDS:
            continue
        token = _normalize_token(raw_token)
        digest = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "big")
        sign = 1.0 if (digest >> 63) & 1 else -1.0
        vector[digest % dims] += sign

    norm = math.sqrt(sum(x * x for x in vector))
    if norm == 0.0:
        vector[0] = 1.0
        return vector
    return [x / norm for x in vector]


def _parse_role_lines(section: str) -> List[Dict[str, str]]:
    """Split mem0's "role: content" lines back into messages.

    A line that does not start with a role continues the previous message, because
    mem0 writes multi-line content as it is.
    """
    messages: List[Dict[str, str]] = []
    for line in section.split("\n"):
        match = _ROLE_LINE_RE.match(line)
        if match:
            messages.append({"role": match.group(1), "content": match.group(2)})
        elif messages:
            messages[-1]["content"] += "\n" + line
    return messages


def _split_sentences(text: str) -> List[str]:
    return [s.strip() for s in _SENTENCE_END_RE.split(text.strip()) if s.strip()]


def extract_facts(user_prompt: str) -> Dict[str, Any]:
    """Return the facts of an extraction prompt in the shape mem0 2.2.1 parses.

    Each sentence of each user or assistant message in the prompt's "New Messages"
    section becomes one fact, attributed to the message's role. The result looks like
    {"memory": [{"id": "0", "text": "...", "attributed_to": "user"}, ...]}.
    """
    start = user_prompt.find(_NEW_MESSAGES_HEADER)
    if start < 0:
        return {"memory": []}
    start += len(_NEW_MESSAGES_HEADER)
    end = user_prompt.find(_NEXT_SECTION_HEADER, start)
    section = user_prompt[start:] if end < 0 else user_prompt[start:end]

    facts: List[Dict[str, str]] = []
    for message in _parse_role_lines(section):
        if message["role"] not in ("user", "assistant"):
            continue
        for sentence in _split_sentences(message["content"]):
            facts.append({"id": str(len(facts)), "text": sentence, "attributed_to": message["role"]})
    return {"memory": facts}


def summarize_conversation(messages: List[Dict[str, Any]]) -> str:
    """Return a plain-text summary for mem0's procedural-memory call.

    The summary lists the conversation's user and assistant turns in order. The final
    user turn is dropped when it is mem0's own instruction to summarise.
    """
    turns = [m for m in messages if m.get("role") in ("user", "assistant")]
    if turns and str(turns[-1].get("content", "")).startswith("Create procedural memory"):
        turns = turns[:-1]
    lines = [f"{i + 1}. {m['role']}: {m.get('content', '')}" for i, m in enumerate(turns)]
    return "Procedural summary (stand-in model):\n" + "\n".join(lines)


def complete_chat(request: Dict[str, Any]) -> str:
    """Return the assistant message content for an OpenAI chat-completions request body."""
    messages = request.get("messages") or []
    response_format = request.get("response_format") or {}
    wants_json = isinstance(response_format, dict) and response_format.get("type") in (
        "json_object",
        "json_schema",
    )
    if not wants_json:
        return summarize_conversation(messages)

    user_contents = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
    prompt = user_contents[-1] if user_contents else ""
    return json.dumps(extract_facts(prompt))


def _encode_embedding(vector: List[float], encoding_format: Optional[str]) -> Any:
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return vector


class _StandinRequestHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps the openai client's connections open between calls.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes, and Nagle's algorithm would hold the
    # body back until the client's delayed ACK (about 40 ms on Linux).
    disable_nagle_algorithm = True
    server_version = "mem0-local-standin"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base-class signature)
        logger.debug("standin endpoint: " + format, *args)

    def _send_json(self, status: int, body: Dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _read_json(self) -> Optional[Dict[str, Any]]:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError as error:
            logger.warning("stand-in endpoint rejected %s: invalid JSON body: %s", self.path, error)
            self._send_json(400, {"error": {"message": f"invalid JSON body: {error}"}})
            return None
        if not isinstance(body, dict):
            logger.warning("stand-in endpoint rejected %s: body is not a JSON object", self.path)
            self._send_json(400, {"error": {"message": "request body must be a JSON object"}})
            return None
        return body

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        if self.path.rstrip("/").endswith("/models"):
            models = [{"id": name, "object": "model", "owned_by": "mem0-local"}
                      for name in (EMBEDDING_MODEL_NAME, LLM_MODEL_NAME)]
            self._send_json(200, {"object": "list", "data": models})
            return
        logger.warning("stand-in endpoint has no route %s %s", self.command, self.path)
        self._send_json(404, {"error": {"message": f"unknown path {self.path}"}})

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        body = self._read_json()
        if body is None:
            return
        if self.path.endswith("/embeddings"):
            self._send_json(200, self._embeddings(body))
        elif self.path.endswith("/chat/completions"):
            self._send_json(200, self._chat_completion(body))
        else:
            logger.warning("stand-in endpoint has no route %s %s", self.command, self.path)
            self._send_json(404, {"error": {"message": f"unknown path {self.path}"}})

    def _embeddings(self, body: Dict[str, Any]) -> Dict[str, Any]:
        inputs = body.get("input", [])
        if isinstance(inputs, str):
            inputs = [inputs]
        dims = int(body.get("dimensions") or DEFAULT_EMBEDDING_DIMS)
        data = [
            {
                "object": "embedding",
                "index": index,
                "embedding": _encode_embedding(embed_text(str(text), dims), body.get("encoding_format")),
            }
            for index, text in enumerate(inputs)
        ]
        tokens = sum(len(str(text).split()) for text in inputs)
        return {
            "object": "list",
            "data": data,
            "model": body.get("model") or EMBEDDING_MODEL_NAME,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    def _chat_completion(self, body: Dict[str, Any]) -> Dict[str, Any]:
        content = complete_chat(body)
        return {
            "id": "chatcmpl-standin-" + hashlib.sha1(content.encode()).hexdigest()[:16],
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or LLM_MODEL_NAME,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }


class StandinModelServer:
    """OpenAI-compatible endpoint for the stand-in models, on a loopback port of its own."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._server = ThreadingHTTPServer((host, port), _StandinRequestHandler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="standin-models", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> None:
        self._thread.start()
        logger.info("stand-in model endpoint started at %s", self.base_url)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        logger.info("stand-in model endpoint stopped")
