"""Unit tests of the stand-in embedding and LLM, without a server."""

from __future__ import annotations

import base64
import json
import math
import struct

import standin_models


def test_embedding_is_deterministic_unit_vector():
    first = standin_models.embed_text("I love pizza")
    second = standin_models.embed_text("I love pizza")
    assert first == second
    assert len(first) == standin_models.DEFAULT_EMBEDDING_DIMS
    assert math.isclose(sum(x * x for x in first), 1.0)


def test_embedding_of_empty_text_is_unit_vector():
    vector = standin_models.embed_text("", dims=8)
    assert vector == [1.0, 0, 0, 0, 0, 0, 0, 0]


def test_embedding_similarity_follows_shared_words():
    def cosine(a, b):
        return sum(x * y for x, y in zip(standin_models.embed_text(a), standin_models.embed_text(b)))

    assert cosine("pizza", "I love pizza") > 0.5
    assert cosine("dogs", "my dog") > 0.5
    assert abs(cosine("pizza", "chess on sundays")) < 0.2


def test_extract_facts_splits_sentences_by_role():
    prompt = (
        "## Existing Memories\n[]\n\n## New Messages\n"
        "system: You are helpful.\n"
        "user: I love pizza. My dog is Rex.\n"
        "assistant: Noted!\n\n"
        "## Observation Date\n2026-01-01"
    )
    facts = standin_models.extract_facts(prompt)["memory"]
    assert [f["text"] for f in facts] == ["I love pizza.", "My dog is Rex.", "Noted!"]
    assert [f["attributed_to"] for f in facts] == ["user", "user", "assistant"]
    assert [f["id"] for f in facts] == ["0", "1", "2"]


def test_extract_facts_keeps_multiline_content():
    prompt = "## New Messages\nuser: first line\nsecond line\n\n## Observation Date\nx"
    facts = standin_models.extract_facts(prompt)["memory"]
    assert [f["text"] for f in facts] == ["first line\nsecond line"]


def test_extract_facts_without_section_is_empty():
    assert standin_models.extract_facts("no sections here") == {"memory": []}


def test_complete_chat_json_mode_returns_facts():
    request = {
        "messages": [
            {"role": "system", "content": "extract"},
            {"role": "user", "content": "## New Messages\nuser: I ski.\n\n## Observation Date\nx"},
        ],
        "response_format": {"type": "json_object"},
    }
    assert json.loads(standin_models.complete_chat(request))["memory"][0]["text"] == "I ski."


def test_complete_chat_text_mode_summarises():
    request = {
        "messages": [
            {"role": "system", "content": "summarise"},
            {"role": "user", "content": "Open the file."},
            {"role": "user", "content": "Create procedural memory of the above conversation."},
        ]
    }
    summary = standin_models.complete_chat(request)
    assert "1. user: Open the file." in summary
    assert "Create procedural memory" not in summary


def test_base64_embedding_decodes_to_floats():
    vector = [0.5, -0.25]
    encoded = standin_models._encode_embedding(vector, "base64")
    assert list(struct.unpack("<2f", base64.b64decode(encoded))) == vector
