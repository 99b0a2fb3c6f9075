"""HTTP errors in one shape across the services: a 422 names the field the way FastAPI's own
validation does (`detail[].loc`), so clients (and the OpenAPI schema) see one format."""

from __future__ import annotations

from fastapi import HTTPException


def invalid_field(location: str, field: str, message: str) -> HTTPException:
    """422 for `field` in `location` ("query", "body", "path", "header")."""
    return HTTPException(422, [{"loc": [location, field], "msg": message, "type": "value_error"}])
