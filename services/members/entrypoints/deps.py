"""What every route needs: the caller, the database, the Idempotency-Key, and running a use case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from services.members.adapters import idempotency, read_models
from services.members.adapters.idempotency import IdempotencyKey
from services.members.domain.errors import Forbidden, NotFound
from services.members.service_layer.commit_groups import CommitGroups
from services.members.service_layer.transaction import Body, execute
from services.members.service_layer.unit_of_work import UnitOfWork
from shared.auth import LEADER_ROLES, Principal
from shared.runtime import Service

R = TypeVar("R")


def service(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


def pool(request: Request) -> asyncpg.Pool:
    return service(request).pool


IdempotencyHeader = Annotated[str | None, Header(
    alias="Idempotency-Key", max_length=200,
    description="Any unique string; a retried request with the same key returns the first response and "
                "records nothing twice (a bearer token in that response is shown only the first time). The key "
                "is bound to its request: reused with another method, path or body it is 422. Keys expire "
                f"after {idempotency.DEFAULT_TTL_DAYS:g} days (`{idempotency.TTL_ENV}`); an expired key is a new "
                "request.")]


async def run(request: Request, principal: Principal, use_case: Callable[[UnitOfWork], Awaitable[R]],
              body: Callable[[R], Body], key: str | None, status_code: int = 201, grouped: bool = False,
              ) -> JSONResponse:
    """Run the use case in one transaction and answer its result as `body` says (with its `position`).
    `grouped`: in the transaction of a group of requests that arrived together (slips: group commit)."""
    svc = service(request)

    async def work(uow: UnitOfWork) -> Body:
        return body(await use_case(uow))

    idem = None
    if key:
        who = principal.member_id or principal.role
        route = f"{request.method} {request.url.path}"
        bound_to = idempotency.request_hash(request.method, request.url.path, request.url.query, await request.body())
        idem = IdempotencyKey(key=key, principal=who, route=route, request_hash=bound_to)
    if grouped:
        groups: CommitGroups = request.app.state.commit_groups
        answer = await groups.submit(principal, work, idempotency_key=idem, status_code=status_code)
    else:
        answer = await execute(svc.pool, principal, work, idempotency_key=idem,
                               token_secret=svc.settings.token_secret, clock=request.app.state.clock,
                               status_code=status_code)
    return JSONResponse(answer, status_code=status_code)  # `execute` returns plain JSON types already


async def visible_chapter(request: Request, principal: Principal, chapter_id: str) -> dict[str, Any]:
    """The chapter, if the caller belongs to it; another chapter (or none) is 404, never its data."""
    found = await read_models.chapter(pool(request), chapter_id) if principal.belongs_to(chapter_id) else None
    if found is None:
        raise NotFound(f"no chapter {chapter_id}")
    return found


async def is_leader(request: Request, principal: Principal, chapter_id: str) -> bool:
    if principal.is_admin:
        return True
    return await read_models.member_role(pool(request), chapter_id, principal.member_id) in LEADER_ROLES


async def require_leader(request: Request, principal: Principal, chapter_id: str) -> None:
    if not await is_leader(request, principal, chapter_id):
        raise Forbidden("only the chapter's leaders may see this")


def chapter_today(request: Request, chapter: dict[str, Any]) -> date:
    now: datetime = request.app.state.clock()
    return now.astimezone(ZoneInfo(chapter["timezone"])).date()


MAX_PAGE = 10_000
DEFAULT_PAGE = 1_000
MAX_OFFSET = 10_000_000


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page_params(limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Rows to return (1..{MAX_PAGE}).")]
                = DEFAULT_PAGE,
                offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip first.")] = 0) -> Page:
    return Page(limit, offset)


Paging = Annotated[Page, Depends(page_params)]
"""`limit` and `offset` of a list route, validated (out of range is 422 naming the parameter)."""


def paged(request: Request, response: Response, rows: list[R], page: Page) -> list[R]:
    """One page of `rows`; `X-Total-Count` says how many there are, `Link` where the next page is."""
    response.headers["X-Total-Count"] = str(len(rows))
    end = page.offset + page.limit
    if end < len(rows):
        after = request.url.include_query_params(offset=end, limit=page.limit)
        response.headers["Link"] = f'<{quote(after.path)}?{after.query}>; rel="next"'
    return rows[page.offset:end]
