"""HTTP errors in one shape across the services: a 422 names the field the way FastAPI's own
validation does (`detail[].loc`), so clients (and the OpenAPI schema) see one format."""

from __future__ import annotations

import asyncpg
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse


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
