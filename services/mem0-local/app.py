"""A local Mem0 REST server: our own FastAPI app in front of the real mem0 library.

It serves the routes of the Mem0 OSS REST server (POST/GET/DELETE /memories,
GET/PUT/DELETE /memories/{id}, GET /memories/{id}/history, POST /search, POST /reset,
GET/POST /configure) with their status codes and bodies. Storage is local Qdrant and
SQLite under the data directory. The embedding model and the LLM are deterministic
stand-ins (see standin_models.py), not real models.

Run it with `python main.py --port 8000` or `python -m uvicorn app:app`.
"""

from __future__ import annotations

import hmac
import logging
import re
import shutil
import uuid
from contextlib import asynccontextmanager
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Body, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

import settings

SETTINGS = settings.load_settings()
# mem0 reads its environment when imported, so the modules that import it come after.
settings.prepare_environment(SETTINGS)

import errors  # noqa: E402
import memory_store  # noqa: E402
import standin_models  # noqa: E402

logger = logging.getLogger("mem0_local.app")

IDENTIFIER_KEYS = ("user_id", "agent_id", "run_id")
# NOTE: the Mem0 server documents the range of top_k (0-1000) but not its default, so 100 is a guess.
DEFAULT_LIST_TOP_K = 100
MAX_LIST_TOP_K = 1000
REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTED_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Documentation routes stay readable without a key.
_PUBLIC_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


@asynccontextmanager
async def lifespan(app: FastAPI):
    model_server = standin_models.StandinModelServer()
    model_server.start()
    config = memory_store.build_default_config(SETTINGS.data_dir, model_server.base_url)
    app.state.store = memory_store.MemoryStore(config)
    logger.info(
        "mem0 ready: data_dir=%s temporary=%s auth=%s",
        SETTINGS.data_dir,
        SETTINGS.data_dir_is_temporary,
        "api-key" if SETTINGS.api_key else "off",
    )
    try:
        yield
    finally:
        app.state.store.close()
        model_server.stop()
        if SETTINGS.data_dir_is_temporary:
            shutil.rmtree(SETTINGS.data_dir, ignore_errors=True)
        logger.info("mem0 stopped")


app = FastAPI(
    title="mem0-local",
    description="Local Mem0 REST upstream running the real mem0 library with stand-in models.",
    version="1.0.0",
    lifespan=lifespan,
)
# The Mem0 server does not redirect /memories/ to /memories: a trailing slash is 404.
app.router.redirect_slashes = False


def _request_id(request: Request) -> str:
    return getattr(request.state, "request_id", "")


def _authorization_error(request: Request) -> Optional[str]:
    """Return why the request lacks a valid API key, or None when it may proceed."""
    # TODO: Mem0 2.x servers also accept "Authorization: Bearer <jwt>", but only X-API-Key
    # is checked here. Verifying JWTs against a configured secret would close the gap.
    if not SETTINGS.api_key or request.url.path in _PUBLIC_PATHS:
        return None
    presented = request.headers.get("X-API-Key")
    if presented is None:
        return "Missing API key: send it in the X-API-Key header."
    if not hmac.compare_digest(presented.encode(), SETTINGS.api_key.encode()):
        return "Invalid API key."
    return None


@app.middleware("http")
async def authenticate(request: Request, call_next):
    reason = _authorization_error(request)
    if reason is not None:
        logger.info("rejected %s %s with 401: %s", request.method, request.url.path, reason)
        return JSONResponse(
            status_code=401, content={"detail": reason}, headers={"WWW-Authenticate": "ApiKey"}
        )
    return await call_next(request)


# Registered last, so it runs first and the 401 above gets a request id too.
@app.middleware("http")
async def attach_request_id(request: Request, call_next):
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = incoming if _ACCEPTED_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    request.state.request_id = request_id
    response = await call_next(request)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


_request_logger = logging.getLogger("mem0_local.requests")


# Registered after attach_request_id, so it runs outermost and logs every request, 401s too.
@app.middleware("http")
async def log_request(request: Request, call_next):
    """Log one JSON line per request with the tracing headers as received, never bodies or keys."""
    response = await call_next(request)
    _request_logger.info(
        "request",
        extra={
            "method": request.method,
            "path": request.url.path,
            "x_request_id": request.headers.get(REQUEST_ID_HEADER, ""),
            "traceparent": request.headers.get("traceparent", ""),
            "status": response.status_code,
        },
    )
    return response


@app.exception_handler(errors.ClientError)
async def handle_client_error(request: Request, error: errors.ClientError):
    return JSONResponse(status_code=400, content={"detail": error.detail})


@app.exception_handler(errors.BackendError)
async def handle_backend_error(request: Request, error: errors.BackendError):
    return JSONResponse(
        status_code=502,
        content={"detail": error.detail, "code": error.code, "request_id": _request_id(request)},
    )


def _store(request: Request) -> memory_store.MemoryStore:
    return request.app.state.store


def _identifiers(**values: Optional[str]) -> Dict[str, str]:
    """Return the identifiers that have a value. An empty string counts as no value."""
    return {key: value for key, value in values.items() if value}


def _bad_request(detail: str) -> JSONResponse:
    return JSONResponse(status_code=400, content={"detail": detail})


def _not_found(memory_id: str) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": f"Memory with id {memory_id} not found."})


class Message(BaseModel):
    role: str = Field(..., description="Role of the message author, such as user or assistant.")
    content: str = Field(..., description="Message text.")


class MemoryCreate(BaseModel):
    messages: List[Message] = Field(..., description="Messages to extract memories from.")
    user_id: Optional[str] = None
    agent_id: Optional[str] = None
    run_id: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None
    infer: Optional[bool] = Field(
        None, description="Extract facts with the LLM (mem0's default) or store messages as they are."
    )
    prompt: Optional[str] = None
    memory_type: Optional[str] = None
    expiration_date: Optional[str] = Field(None, description="Date in YYYY-MM-DD format.")


class MemoryUpdate(BaseModel):
    text: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None
    expiration_date: Optional[str] = Field(
        None, description="Date in YYYY-MM-DD format. An explicit null clears it."
    )


class SearchRequest(BaseModel):
    query: str
    filters: Optional[Dict[str, Any]] = None
    top_k: Optional[int] = Field(None, ge=0)
    threshold: Optional[float] = Field(None, ge=0, le=1)
    explain: Optional[bool] = None
    show_expired: Optional[bool] = None
    user_id: Optional[str] = Field(None, description="Deprecated: copied into filters.")
    agent_id: Optional[str] = Field(None, description="Deprecated: copied into filters.")
    run_id: Optional[str] = Field(None, description="Deprecated: copied into filters.")


router = APIRouter(redirect_slashes=False)


@router.post("/memories", summary="Add memories")
def add_memories(request: Request, body: MemoryCreate):
    ids = _identifiers(user_id=body.user_id, agent_id=body.agent_id, run_id=body.run_id)
    if not ids:
        return _bad_request("At least one identifier (user_id, agent_id, run_id) is required.")
    options = body.model_dump(exclude={"messages", *IDENTIFIER_KEYS}, exclude_none=True)
    messages = [message.model_dump() for message in body.messages]
    return errors.run_library_call(
        "add",
        lambda: _store(request).call(lambda memory: memory.add(messages, **ids, **options)),
    )


@router.get("/memories", summary="List memories")
def list_memories(
    request: Request,
    user_id: Optional[str] = None,
    agent_id: Optional[str] = None,
    run_id: Optional[str] = None,
    top_k: Optional[int] = Query(None, ge=0, le=MAX_LIST_TOP_K),
    show_expired: bool = False,
):
    ids = _identifiers(user_id=user_id, agent_id=agent_id, run_id=run_id)
    if not ids:
        # No identifier: the whole store, as the Mem0 server returns it to an admin caller.
        limit = MAX_LIST_TOP_K if top_k is None else top_k
        if limit == 0:
            # Qdrant rejects a scroll limit of 0.
            return {"results": []}
        # NOTE: this private helper formats records exactly as get_all() does. It exists
        # in mem0ai 2.2.1, the version that requirements.txt pins.
        results = errors.run_library_call(
            "list",
            lambda: _store(request).call(
                lambda memory: memory._get_all_from_vector_store({}, limit, show_expired, limit)
            ),
        )
        return {"results": results}
    limit = DEFAULT_LIST_TOP_K if top_k is None else top_k
    return errors.run_library_call(
        "list",
        lambda: _store(request).call(
            lambda memory: memory.get_all(filters=ids, top_k=limit, show_expired=show_expired)
        ),
    )


@router.delete("/memories", summary="Delete the memories of an identifier")
def delete_memories(
    request: Request,
    user_id: Optional[str] = None,
    agent_id: Optional[str] = None,
    run_id: Optional[str] = None,
):
    ids = _identifiers(user_id=user_id, agent_id=agent_id, run_id=run_id)
    if not ids:
        return _bad_request("At least one identifier is required.")
    errors.run_library_call(
        "delete_all", lambda: _store(request).call(lambda memory: memory.delete_all(**ids))
    )
    return {"message": "All relevant memories deleted"}


@router.get("/memories/{memory_id}", summary="Get a memory")
def get_memory(request: Request, memory_id: str):
    # An unknown id returns 200 with a null body, as the Mem0 server does.
    return errors.run_library_call(
        "get", lambda: _store(request).call(lambda memory: memory.get(memory_id))
    )


@router.put("/memories/{memory_id}", summary="Update a memory")
def update_memory(request: Request, memory_id: str, body: Optional[MemoryUpdate] = Body(None)):
    provided_fields = body.model_fields_set if body is not None else set()
    changes: Dict[str, Any] = {}
    if body is not None and body.text is not None:
        changes["text"] = body.text
    if body is not None and body.metadata is not None:
        changes["metadata"] = body.metadata
    if "expiration_date" in provided_fields:
        changes["expiration_date"] = body.expiration_date
    if not changes:
        return _bad_request("At least one of text, metadata or expiration_date is required.")

    def update(memory):
        if memory.get(memory_id) is None:
            return None
        return memory.update(memory_id, **changes)

    result = errors.run_library_call("update", lambda: _store(request).call(update))
    if result is None:
        return _not_found(memory_id)
    return {"message": "Memory updated successfully!"}


@router.delete("/memories/{memory_id}", summary="Delete a memory")
def delete_memory(request: Request, memory_id: str):
    def delete(memory):
        if memory.get(memory_id) is None:
            return False
        memory.delete(memory_id)
        return True

    if not errors.run_library_call("delete", lambda: _store(request).call(delete)):
        return _not_found(memory_id)
    return {"message": "Memory deleted successfully"}


@router.get("/memories/{memory_id}/history", summary="Get the change history of a memory")
def memory_history(request: Request, memory_id: str):
    return errors.run_library_call(
        "history", lambda: _store(request).call(lambda memory: memory.history(memory_id))
    )


@router.post("/search", summary="Search memories")
def search_memories(request: Request, body: SearchRequest):
    filters = dict(body.filters or {})
    # Deprecated top-level identifiers override the same keys inside filters.
    filters.update(_identifiers(user_id=body.user_id, agent_id=body.agent_id, run_id=body.run_id))
    options = body.model_dump(include={"top_k", "threshold", "explain", "show_expired"}, exclude_none=True)
    return errors.run_library_call(
        "search",
        lambda: _store(request).call(
            lambda memory: memory.search(body.query, filters=filters, **options)
        ),
    )


@router.post("/reset", summary="Delete every memory and all history")
def reset_memories(request: Request):
    errors.run_library_call("reset", lambda: _store(request).call(lambda memory: memory.reset()))
    return {"message": "All memories reset"}


@router.get("/configure", summary="Get the live mem0 configuration")
def get_configuration(request: Request):
    return _store(request).config()


@router.post("/configure", summary="Merge a mem0 configuration into the live one")
def set_configuration(request: Request, patch: Dict[str, Any]):
    errors.run_library_call("configure", lambda: _store(request).configure(patch))
    return {"message": "Configuration set successfully"}


@router.get("/configure/providers", summary="List the providers mem0 supports")
def list_providers():
    return memory_store.supported_providers()


app.include_router(router)
