"""The slip routes' lean path: a slip a member records is matched first and runs without FastAPI's generic
request handling, which cost about a third of the service's CPU per slip (the included routers' matching,
twice; the content type parsed by the `email` package; dependency solving; the body parsed to Python and
then validated).

Each lean route stands in front of the FastAPI route it serves (same path, method and endpoint function):
it reads the body once, validates it from its JSON bytes with the route's own model, authenticates the
caller with the same function as `Caller`, and calls the endpoint. It handles only what it can answer the
same way: whenever anything is off (not `application/json`, a body the model refuses, a missing or bad
token, an oversized `Idempotency-Key`), the request is handed, with its body, to the FastAPI route, which
answers it exactly as it always did (the 4xx naming the field included). So every refusal keeps its
shape, and the OpenAPI document still comes from the FastAPI routes.

Edge limits (body size, rates) and security headers run before any route, lean or not.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, compile_path

from shared.http_auth import authenticate, bearer_caller, caller_of
from shared.http_edge import Message, Receive, Scope, Send

IDEMPOTENCY_HEADER = b"idempotency-key"
MAX_KEY = 200
"""As `deps.IdempotencyHeader` says: longer is 422, which the FastAPI route answers."""


class Declined(Exception):
    """The lean path does not answer this request: the FastAPI route does."""


class LeanRoute(BaseRoute):
    """POST `route.path`, served by `route.endpoint` without FastAPI's request handling (see the module)."""

    def __init__(self, path: str, route: APIRoute, full: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.route, self.full = route, full
        self.path = path
        self.regex, self.path_format, self.param_convertors = compile_path(path)
        self.endpoint = route.endpoint
        shape = _shape(route)
        self.request_name, self.body_name, self.model, self.principal_name, self.key_name = shape

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if (scope["type"] != "http" or scope["method"] != "POST" or scope.get("refnet.lean") is False
                or scope.get("root_path")):
            return Match.NONE, {}
        found = self.regex.match(scope["path"])
        if found is None:
            return Match.NONE, {}
        # the FastAPI route's: the access log and metrics name the same route either way
        return Match.FULL, {"endpoint": self.endpoint, "route": self.route, "path_params": found.groupdict()}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive)
        request = Request(scope, _replaying(body, receive))
        try:
            arguments = await self._arguments(request, scope, body)
        except Declined:
            scope["refnet.lean"] = False  # the router now matches the FastAPI route
            await self.full(scope, _replaying(body, receive), send)
            return
        response: Response = await self.endpoint(**arguments)
        await response(scope, receive, send)

    async def _arguments(self, request: Request, scope: Scope, body: bytes) -> dict[str, Any]:
        key = content_type = authorization = None
        for name, value in scope["headers"]:  # the first of each, as FastAPI reads them
            if name == b"content-type" and content_type is None:
                content_type = value
            elif name == IDEMPOTENCY_HEADER and key is None:
                key = value.decode("latin-1")
            elif name == b"authorization" and authorization is None:
                authorization = value.decode("latin-1")
        json_body = content_type is not None and _is_json(content_type)
        if not json_body or (key is not None and len(key) > MAX_KEY):
            raise Declined
        try:
            command = self.model.model_validate_json(body)
        except ValidationError:
            raise Declined from None
        # "Bearer <token>" (API clients, the bench): what `Caller` does with it, without parsing the headers
        # again; anything else (a cookie, no token) the way `Caller` reads it
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        try:
            principal = await authenticate(request, token) if token and scheme.lower() == "bearer" else \
                await caller_of(request)
        except HTTPException:
            raise Declined from None
        return {self.request_name: request, **scope["path_params"], self.body_name: command,
                self.principal_name: principal, self.key_name: key}


def _shape(route: APIRoute) -> tuple[str, str, type[BaseModel], str, str]:
    """The names of the endpoint's request, body, caller and Idempotency-Key parameters; refused (at start-up)
    for an endpoint with anything else, which the lean path would not fill the way FastAPI does."""
    dependant = route.dependant
    bodies, headers, callers = dependant.body_params, dependant.header_params, dependant.dependencies
    model = bodies[0].field_info.annotation if len(bodies) == 1 else None
    plain_path = all(p.field_info.annotation is str for p in dependant.path_params)
    request_name = dependant.request_param_name
    principal_name = callers[0].name if len(callers) == 1 and callers[0].call is bearer_caller else None
    if not (route.methods == {"POST"} and request_name and principal_name and isinstance(model, type)
            and issubclass(model, BaseModel) and plain_path and not dependant.query_params
            and not dependant.cookie_params and len(headers) == 1 and headers[0].alias == "Idempotency-Key"
            and inspect.iscoroutinefunction(route.endpoint)):
        raise TypeError(f"{route.path}: not a slip route the lean path can serve")
    return request_name, bodies[0].name, model, principal_name, headers[0].name


def _is_json(content_type: bytes) -> bool:
    kind = content_type.split(b";", 1)[0].strip().lower()
    return kind == b"application/json"


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body already read, then whatever comes next (the disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


def serve_lean(app: FastAPI, endpoints: list[Callable[..., Awaitable[Response]]]) -> None:
    """Put a lean route for each of these endpoints' FastAPI routes first in the app's router."""
    routes = {route.endpoint: (path, route) for path, route in _api_routes(app)}
    for endpoint in reversed(endpoints):
        path, route = routes[endpoint]
        app.router.routes.insert(0, LeanRoute(path, route, app.router))


def _api_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    """(full path, route) of every FastAPI route, those of included routers too."""
    found = []
    for route in app.router.routes:
        if isinstance(route, APIRoute):
            found.append((route.path, route))
            continue
        for context in getattr(route, "effective_route_contexts", list)():
            if isinstance(context.original_route, APIRoute):
                found.append((context.path_format, context.original_route))
    return found
