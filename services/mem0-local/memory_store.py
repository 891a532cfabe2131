"""The live mem0.Memory instance, its configuration, and the lock that serialises it.

Import this module only after `settings.prepare_environment()` has run, because mem0
reads MEM0_TELEMETRY and MEM0_DIR when it is imported.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
from typing import Any, Callable, Dict, TypeVar

from mem0 import Memory
from mem0.utils.factory import EmbedderFactory, LlmFactory, VectorStoreFactory

import standin_models

logger = logging.getLogger("mem0_local.store")

T = TypeVar("T")

COLLECTION_NAME = "mem0"

# The stand-in endpoint ignores the key, but mem0's openai providers require one.
STANDIN_API_KEY = "standin-models-need-no-key"


def build_default_config(data_dir: str, model_base_url: str) -> Dict[str, Any]:
    """Return the mem0 configuration: Qdrant and SQLite under `data_dir`, stand-in models."""
    dims = standin_models.DEFAULT_EMBEDDING_DIMS
    return {
        "version": "v1.1",
        "vector_store": {
            "provider": "qdrant",
            "config": {
                "collection_name": COLLECTION_NAME,
                "path": os.path.join(data_dir, "qdrant"),
                "on_disk": True,
                "embedding_model_dims": dims,
            },
        },
        "llm": {
            "provider": "openai",
            "config": {
                "model": standin_models.LLM_MODEL_NAME,
                "api_key": STANDIN_API_KEY,
                "openai_base_url": model_base_url,
                "temperature": 0.0,
            },
        },
        "embedder": {
            "provider": "openai",
            "config": {
                "model": standin_models.EMBEDDING_MODEL_NAME,
                "api_key": STANDIN_API_KEY,
                "openai_base_url": model_base_url,
                "embedding_dims": dims,
            },
        },
        "history_db_path": os.path.join(data_dir, "history.db"),
    }


def deep_merge(base: Dict[str, Any], patch: Dict[str, Any]) -> Dict[str, Any]:
    """Return a copy of `base` with `patch` merged in: objects merge key by key, other values replace."""
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def supported_providers() -> Dict[str, list]:
    """Return the provider names that mem0's factories accept, by component."""
    return {
        "llm": sorted(LlmFactory.get_supported_providers()),
        "embedder": sorted(EmbedderFactory.provider_to_class),
        "vector_store": sorted(VectorStoreFactory.provider_to_class),
    }


def _close_memory(memory: Memory) -> None:
    """Release the SQLite handle and the local Qdrant lock held by `memory`."""
    memory.close()
    client = getattr(memory.vector_store, "client", None)
    if client is not None and hasattr(client, "close"):
        client.close()


class MemoryStore:
    """One mem0.Memory, used by one request at a time.

    Local Qdrant and mem0's history database are single-process stores and mem0 makes
    no promise of thread safety, so every call runs under one lock. The lock also makes
    POST /configure swap the instance atomically.
    """

    def __init__(self, config: Dict[str, Any]):
        self._lock = threading.RLock()
        self._config = copy.deepcopy(config)
        self._memory = Memory.from_config(copy.deepcopy(config))

    def call(self, operation: Callable[[Memory], T]) -> T:
        with self._lock:
            return operation(self._memory)

    def config(self) -> Dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._config)

    def configure(self, patch: Dict[str, Any]) -> None:
        """Deep-merge `patch` into the live configuration and rebuild the Memory from it.

        The old instance is closed first, because local Qdrant locks its folder. When the
        new configuration fails to build, the old one is rebuilt and the error re-raised.
        """
        with self._lock:
            new_config = deep_merge(self._config, patch)
            _close_memory(self._memory)
            try:
                self._memory = Memory.from_config(copy.deepcopy(new_config))
            except Exception as error:
                logger.warning("new mem0 configuration failed to build, restoring the previous one: %s", error)
                self._memory = Memory.from_config(copy.deepcopy(self._config))
                raise
            self._config = new_config
            logger.info("mem0 rebuilt with the new configuration")

    def close(self) -> None:
        with self._lock:
            _close_memory(self._memory)
