"""Stored first answers to requests that carried an Idempotency-Key (per caller and route)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import asyncpg

Body = dict[str, Any]
CONSTRAINT = "idempotency_keys_pkey"
"""A concurrent request with the same key stored its answer first."""


@dataclass(frozen=True)
class IdempotencyKey:
    key: str
    principal: str
    route: str


async def stored(conn: asyncpg.Connection | asyncpg.Pool, idem: IdempotencyKey) -> Body | None:
    raw = await conn.fetchval("SELECT body FROM idempotency_keys WHERE key = $1 AND principal = $2 AND route = $3",
                              idem.key, idem.principal, idem.route)
    return None if raw is None else dict(json.loads(raw))


async def store(conn: asyncpg.Connection, idem: IdempotencyKey, status_code: int, body: Body) -> None:
    await conn.execute("INSERT INTO idempotency_keys (key, principal, route, status_code, body)"
                       " VALUES ($1, $2, $3, $4, $5)", idem.key, idem.principal, idem.route, status_code,
                       json.dumps(body, default=str))
