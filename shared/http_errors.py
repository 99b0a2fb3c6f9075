"""HTTP errors in one shape across the services: a 422 names the field the way FastAPI's own
validation does (`detail[].loc`), so clients (and the OpenAPI schema) see one format."""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field


def invalid_field(location: str, field: str, message: str) -> HTTPException:
    """422 for `field` in `location` ("query", "body", "path", "header")."""
    return HTTPException(422, [{"loc": [location, field], "msg": message, "type": "value_error"}])


def refuse_unstorable_text(app: FastAPI) -> None:
    """PostgreSQL cannot store some text (a NUL character, say): that is the caller's input, so 422, not 500.
    The transaction that hit it rolled back, so nothing was recorded."""

    async def handler(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": [
            {"loc": ["body"], "msg": f"text that cannot be stored: {exc}", "type": "value_error"}]})

    for error in (asyncpg.UntranslatableCharacterError, asyncpg.CharacterNotInRepertoireError):
        app.add_exception_handler(error, handler)


class ErrorMessage(BaseModel):
    """The body of a refusal that names no field: 400, 401, 403, 404, 409, 429."""

    detail: str = Field(description="what was refused and why, in words")


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="where: the location (body, query, path, header), then the field")
    msg: str
    type: str


class FieldErrors(BaseModel):
    """The body of a 422 (and of a 413): FastAPI's validation-error shape, naming the field."""

    detail: list[FieldError]


_REFUSALS: dict[int, tuple[str, type[BaseModel]]] = {
    400: ("The body could not be read as JSON (not UTF-8, say).", ErrorMessage),
    401: ("Missing, invalid or revoked bearer token.", ErrorMessage),
    403: ("The caller may not do this (e.g. leaders only, or not their own).", ErrorMessage),
    404: ("Unknown id, or one of another chapter (not shown to this caller).", ErrorMessage),
    409: ("Conflicts with the current state; the message names it.", ErrorMessage),
    413: ("The body is larger than the limit (REFNET_MAX_BODY_BYTES, uploads REFNET_MAX_UPLOAD_BYTES).",
          FieldErrors),
    429: ("Over the caller's rate (per token, per address); retry after `Retry-After` seconds.", ErrorMessage),
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}


def refusals(*codes: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for these refusals, with their bodies; `descriptions` (`_409="..."`) say more
    about one of them than the general words do."""
    responses: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        description, model = _REFUSALS[code]
        responses[code] = {"description": descriptions.get(f"_{code}", description), "model": model,
                           **({"headers": RETRY_AFTER} if code == 429 else {})}
    return responses


EDGE_REFUSALS = refusals(400, 401, 403, 404, 413, 429)
"""What any authenticated route can answer besides its own: an unreadable or oversized body, no or a bad
token, over the rate, and the caller's access to the chapter or member it names (403, 404)."""
