"""Stored first answers to requests that carried an Idempotency-Key (per caller and route).

A key is bound to the request it first answered (`request_hash`: method, path, query and canonical body),
so reusing it for another request is refused rather than answered with the first request's result.
Deciding happens inside the write's transaction, under a transaction-scoped advisory lock on the key:
concurrent requests with one key run one after the other, and the later ones read the first one's answer.
Keys expire after `ttl()` (MEMBERS_IDEMPOTENCY_TTL_DAYS, 7 days by default): an expired key is ignored
and deleted, here for the key in hand and by `sweep` for the others. Stored answers never hold bearer
tokens (`SECRET_FIELDS`): a replay says the token was withheld instead of handing it out again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg

from services.members.domain.errors import InvalidField

Body = dict[str, Any]
CONSTRAINT = "idempotency_keys_pkey"
"""A request from a process without the key lock (an older version) stored its answer first."""
HEADER = "Idempotency-Key"
LOCK_CLASS = 7_345_010
"""Advisory lock class of the key locks (shared/ uses 7_345_001..004): (LOCK_CLASS, hashtext(key))."""
TTL_ENV = "MEMBERS_IDEMPOTENCY_TTL_DAYS"
DEFAULT_TTL_DAYS = 7.0
SWEEP_EVERY_SECONDS = 60.0
"""At most one sweep of expired keys per process in this many seconds (after a write commits)."""
SWEEP_BATCH = 500
SECRET_FIELDS = ("token", "access_token", "refresh_token")
WITHHELD = "a token is shown only in the first response; sign in again (POST /sign-in) if it was lost"
log = logging.getLogger(__name__)


class KeyReused(InvalidField):
    """The key answered another request (method, path or body differ): 422 naming the header."""

    location = "header"

    def __init__(self) -> None:
        super().__init__(HEADER, "reused with a different request (method, path or body differ from the "
                                 "request it first answered); use a new key for a new request")


@dataclass(frozen=True)
class IdempotencyKey:
    key: str
    principal: str
    route: str
    request_hash: str | None = None
    """None only for callers that do not bind the key (it then matches any request)."""


def request_hash(method: str, path: str, query: str, body: bytes) -> str:
    """The request a key is bound to. A JSON body is compared canonically (key order and whitespace do
    not matter); any other body byte for byte."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode() if body.strip() else b""
    except ValueError:
        canonical = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big") + part)  # length-prefixed: no two requests collide by splicing
    return digest.hexdigest()


def ttl() -> timedelta:
    raw = os.environ.get(TTL_ENV, "").strip()
    days = float(raw) if raw else DEFAULT_TTL_DAYS
    if not days > 0:
        raise ValueError(f"{TTL_ENV} must be a positive number of days, not {raw!r}")
    return timedelta(days=days)


def _lock_name(idem: IdempotencyKey) -> str:
    return f"{idem.principal}\n{idem.route}\n{idem.key}"


async def claim(conn: asyncpg.Connection, idem: IdempotencyKey) -> Body | None:
    """In the write's transaction: wait for any request holding this key, forget the key if it expired,
    and return its stored answer (None: go ahead). A key bound to another request raises `KeyReused`."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", LOCK_CLASS, _lock_name(idem))
    await conn.execute("DELETE FROM idempotency_keys WHERE key = $1 AND principal = $2 AND route = $3"
                       " AND created_at <= now() - $4::interval", idem.key, idem.principal, idem.route, ttl())
    return await stored(conn, idem)


async def stored(conn: asyncpg.Connection | asyncpg.Pool, idem: IdempotencyKey) -> Body | None:
    row = await conn.fetchrow("SELECT body, request_hash FROM idempotency_keys WHERE key = $1 AND principal = $2"
                              " AND route = $3 AND created_at > now() - $4::interval",
                              idem.key, idem.principal, idem.route, ttl())
    if row is None:
        return None
    if None not in (row["request_hash"], idem.request_hash) and row["request_hash"] != idem.request_hash:
        raise KeyReused()
    return dict(json.loads(row["body"]))


def without_secrets(body: Body) -> Body:
    """The answer as stored (and replayed): bearer tokens replaced by null and a note saying why."""
    if not any(body.get(f) is not None for f in SECRET_FIELDS):
        return body
    return {**body, **{f: None for f in SECRET_FIELDS if f in body}, "token_withheld": WITHHELD}


async def store(conn: asyncpg.Connection | asyncpg.Pool, idem: IdempotencyKey, status_code: int, body: Body) -> None:
    await conn.execute("INSERT INTO idempotency_keys (key, principal, route, status_code, body, request_hash)"
                       " VALUES ($1, $2, $3, $4, $5, $6)", idem.key, idem.principal, idem.route, status_code,
                       json.dumps(without_secrets(body), default=str), idem.request_hash)


async def claim_all(conn: asyncpg.Connection, keys: list[IdempotencyKey]) -> list[Body | KeyReused | None]:
    """`claim` for a group of requests in one transaction, in three round trips whatever their number: the
    keys' locks (taken in one order, so two groups never wait for each other crosswise), expired ones
    forgotten, stored answers read. Each key's stored answer, `KeyReused`, or None (go ahead). The keys must
    be distinct: a second request with a key in the same group could not see the first one's answer."""
    if not keys:
        return []
    names = [_lock_name(k) for k in keys]
    await conn.fetchval("SELECT count(pg_advisory_xact_lock($1, h)) FROM (SELECT DISTINCT hashtext(n) AS h"
                        " FROM unnest($2::text[]) n ORDER BY 1) locks", LOCK_CLASS, names)
    triples = ([k.key for k in keys], [k.principal for k in keys], [k.route for k in keys])
    await conn.execute("DELETE FROM idempotency_keys i USING unnest($1::text[], $2::text[], $3::text[]) AS k(key,"
                       " principal, route) WHERE i.key = k.key AND i.principal = k.principal AND i.route = k.route"
                       " AND i.created_at <= now() - $4::interval", *triples, ttl())
    rows = {(r["key"], r["principal"], r["route"]): r for r in await conn.fetch(
        "SELECT i.key, i.principal, i.route, i.body, i.request_hash FROM idempotency_keys i"
        " JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(key, principal, route)"
        " ON i.key = k.key AND i.principal = k.principal AND i.route = k.route"
        " WHERE i.created_at > now() - $4::interval", *triples, ttl())}
    found: list[Body | KeyReused | None] = []
    for idem in keys:
        row = rows.get((idem.key, idem.principal, idem.route))
        if row is None:
            found.append(None)
        elif None not in (row["request_hash"], idem.request_hash) and row["request_hash"] != idem.request_hash:
            found.append(KeyReused())
        else:
            found.append(dict(json.loads(row["body"])))
    return found


async def store_all(conn: asyncpg.Connection, answers: list[tuple[IdempotencyKey, int, Body]]) -> None:
    """`store` for a group's answers: one pipelined statement."""
    if answers:
        await conn.executemany(
            "INSERT INTO idempotency_keys (key, principal, route, status_code, body, request_hash)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            [(i.key, i.principal, i.route, status, json.dumps(without_secrets(body), default=str), i.request_hash)
             for i, status, body in answers])


_last_sweep = [float("-inf")]


async def sweep(pool: asyncpg.Pool) -> int:
    """Delete a batch of expired keys, at most once per SWEEP_EVERY_SECONDS in this process. Rows another
    transaction holds are skipped (never waited for), so a sweep cannot block or deadlock a write."""
    if time.monotonic() - _last_sweep[0] < SWEEP_EVERY_SECONDS:
        return 0
    _last_sweep[0] = time.monotonic()
    try:
        status = await pool.execute(
            "DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(SELECT ctid FROM idempotency_keys"
            " WHERE created_at <= now() - $1::interval LIMIT $2 FOR UPDATE SKIP LOCKED))", ttl(), SWEEP_BATCH)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):  # the write is committed already
        log.warning("sweeping expired Idempotency-Keys failed; the next write tries again", exc_info=True)
        _last_sweep[0] = float("-inf")
        return 0
    return int(status.split()[-1])
