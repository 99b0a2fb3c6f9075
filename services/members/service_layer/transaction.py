"""Running a use case: one transaction (load, decide, append at the expected version, project the read
models, store the Idempotency-Key answer, all in one commit or none of it), retried on a concurrent append."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

from services.members.adapters import idempotency
from services.members.adapters.idempotency import IdempotencyKey
from services.members.adapters.postgres import PostgresUnitOfWork
from services.members.domain.errors import Conflict
from shared.auth import Principal
from shared.clock import Clock, utc_now
from shared.event_store import ConcurrencyError, EventStore

Body = dict[str, Any]
Work = Callable[[PostgresUnitOfWork], Awaitable[Body]]
ONE_PER_CATEGORY = "members_one_per_category"
"""The read model's unique index: the last guard should two joins race past the aggregate's check."""


async def execute(pool: asyncpg.Pool, principal: Principal, work: Work, *, idempotency_key: IdempotencyKey | None,
                  clock: Clock = utc_now, token_secret: str = "", status_code: int = 201,
                  attempts: int = 5) -> Body:
    """Run `work` in one transaction; retry it on a concurrent append (it decides again on fresh state,
    so a conflicting change gets the domain's 409). An Idempotency-Key is decided inside that transaction,
    under the key's lock: a repeat (even a concurrent one) returns the first answer as stored (without
    tokens), a key reused for another request is 422, and nothing is recorded twice."""
    store = EventStore(pool)
    for attempt in range(attempts):
        async with pool.acquire() as conn:
            uow = PostgresUnitOfWork(conn, store, principal, clock, token_secret)
            try:
                async with conn.transaction():
                    if idempotency_key is not None and (
                            first := await idempotency.claim(conn, idempotency_key)) is not None:
                        return first
                    body = await work(uow)
                    body["position"] = uow.last_position
                    answer = plain_json(body)
                    if idempotency_key is not None:
                        await idempotency.store(conn, idempotency_key, status_code, answer)
            except ConcurrencyError:
                if attempt == attempts - 1:
                    raise Conflict("the object was changed concurrently; read it again and retry") from None
                continue
            except asyncpg.UniqueViolationError as exc:
                if idempotency_key is not None and exc.constraint_name == idempotency.CONSTRAINT:
                    first = await idempotency.stored(pool, idempotency_key)
                    if first is not None:
                        return first
                if exc.constraint_name == ONE_PER_CATEGORY:
                    raise Conflict("that category is already held by an active member of this chapter") from None
                raise
        if idempotency_key is not None:
            await idempotency.sweep(pool)
        return answer
    raise AssertionError("unreachable")


def plain_json(body: Body) -> Body:
    """The body as plain JSON types (dates as ISO strings): what is stored and what is answered."""
    return dict(json.loads(json.dumps(body, default=str)))


R = TypeVar("R")


async def in_transaction(pool: asyncpg.Pool, principal: Principal, work: Callable[[PostgresUnitOfWork], Awaitable[R]],
                         *, clock: Clock = utc_now, token_secret: str = "") -> R:
    """Run `work` in one transaction and return its result as it is (sign-in: answers that are never stored,
    decisions that must commit even when the caller is refused, such as revoking a session)."""
    async with pool.acquire() as conn, conn.transaction():
        return await work(PostgresUnitOfWork(conn, EventStore(pool), principal, clock, token_secret))
