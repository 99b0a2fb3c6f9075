"""Revocation checks of requests that arrive together share one query: each still gets its own answer, and
a revocation committed before a request arrived is seen by it."""

from __future__ import annotations

import asyncio

import asyncpg

from shared.auth import Principal, is_revoked


def member(n: int, session: str | None = None) -> Principal:
    return Principal(member_id=f"m-{n}", chapter_id="c-1", role="member", token_id=f"t-{n}",
                     session_id=session or f"s-{n}")


async def test_checks_sent_together_each_get_their_own_answer(pool: asyncpg.Pool) -> None:
    await pool.execute("INSERT INTO revocations (member_id, token_id, reason) VALUES (NULL, 't-3', 'signed out'),"
                       " ('m-5', NULL, 'left'), (NULL, 's-7', 'refresh token reused')")
    callers = [member(n) for n in range(10)] * 5
    answers = await asyncio.gather(*(is_revoked(pool, p) for p in callers))
    assert [n for n, revoked in zip([c.token_id for c in callers], answers, strict=True) if revoked] == [
        "t-3", "t-5", "t-7"] * 5


async def test_a_revocation_is_seen_by_the_next_check(pool: asyncpg.Pool) -> None:
    ann = member(1)
    assert not await is_revoked(pool, ann)
    await pool.execute("INSERT INTO revocations (member_id, token_id, reason) VALUES (NULL, 's-1', 'signed out')")
    assert await is_revoked(pool, ann)
