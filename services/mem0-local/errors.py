"""Translation of mem0 library exceptions into Mem0 REST error responses.

Bad input that the library rejects becomes 400 {"detail"}. A failure of a backend the
library depends on becomes 502 {"detail", "code", "request_id"}.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Callable, List, Optional, TypeVar

import openai
from mem0.exceptions import (
    DatabaseError,
    EmbeddingError,
    LLMError,
    VectorSearchError,
    VectorStoreError,
)
from mem0.exceptions import ValidationError as Mem0ValidationError

logger = logging.getLogger("mem0_local.errors")

T = TypeVar("T")


class ClientError(Exception):
    """Input that mem0 rejected, returned as 400."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class BackendError(Exception):
    """A failure of mem0 or of a store it uses, returned as 502 with a short code."""

    def __init__(self, detail: str, code: str):
        super().__init__(detail)
        self.detail = detail
        self.code = code


def _exception_chain(error: BaseException) -> List[BaseException]:
    chain: List[BaseException] = []
    current: Optional[BaseException] = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _backend_code(error: BaseException) -> str:
    """Return the short code for a failure, judged from the error and its causes."""
    chain = _exception_chain(error)
    if any(isinstance(e, openai.APITimeoutError) for e in chain):
        return "provider_timeout"
    if any(isinstance(e, (LLMError, EmbeddingError, openai.OpenAIError)) for e in chain):
        return "provider_error"
    if any(isinstance(e, (VectorStoreError, VectorSearchError)) for e in chain):
        return "vector_store_unavailable"
    if any(isinstance(e, (DatabaseError, sqlite3.Error)) for e in chain):
        return "datastore_unavailable"
    return "internal_error"


def run_library_call(operation: str, call: Callable[[], T]) -> T:
    """Run `call` and raise ClientError or BackendError for what the library raises.

    mem0 2.2.1 reports invalid arguments (an id with whitespace, a bad date, a filter
    without an entity id) as ValueError or mem0.exceptions.ValidationError.
    """
    try:
        return call()
    except Mem0ValidationError as error:
        logger.info("%s rejected with 400: %s", operation, error.message)
        raise ClientError(error.message) from error
    except ValueError as error:
        logger.info("%s rejected with 400: %s", operation, error)
        raise ClientError(str(error)) from error
    except Exception as error:  # noqa: BLE001 (every other failure is a backend fault)
        code = _backend_code(error)
        logger.exception("%s failed (%s)", operation, code)
        raise BackendError(f"{operation} failed: {error}", code) from error
