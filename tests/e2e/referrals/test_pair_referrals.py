"""The pairs' last referral (`pair_referrals`, what the reciprocity report's dormant pairs read) stays what the
referral facts say through every way a referral reaches the projection, and a rebuild makes the same rows."""

from __future__ import annotations

from datetime import date as d
from typing import Any

import asyncpg
import httpx

from services.referrals.service_layer.rebuild import rebuild
from shared.contracts.members import ClosedBusinessDisputed
from shared.settings import Settings
from tests.e2e.referrals.helpers import (
    MembersFeed,
    auth,
    chapter,
    closed,
    joined,
    one_to_one,
    referral,
    running_app,
    step,
    wait_applied,
    wait_consumed,
)

C = "c1"
WINDOW = {"from": "2024-02-01", "to": "2024-06-30"}
# "B" < "a" in code points, "a" < "B" in most languages' collations: the pair's order must be the one-to-ones'
MEMBERS = ("a", "B", "c", "D", "e")

FROM_FACTS = """SELECT chapter_id, least(giver_id COLLATE "C", receiver_id COLLATE "C"),
                       greatest(giver_id COLLATE "C", receiver_id COLLATE "C"), max(given_on)
                FROM {s}.referrals WHERE given_on IS NOT NULL GROUP BY 1, 2, 3"""
LAST_BEFORE = """SELECT max(given_on) FROM {s}.referrals WHERE chapter_id = $1 AND given_on <= $4
                 AND ((giver_id = $2 AND receiver_id = $3) OR (giver_id = $3 AND receiver_id = $2))"""


async def schema_of(conn: asyncpg.Connection) -> str:
    return str(await conn.fetchval("SELECT schema_name FROM projection_generations WHERE name = 'referrals'"))


async def check(conn: asyncpg.Connection, client: httpx.AsyncClient, token: str) -> list[tuple[Any, ...]]:
    """The table equals the facts summed afresh, and each dormant pair's last referral is the facts' last
    one up to the window's end; returns the dormant pairs (a, b, last referral)."""
    s = await schema_of(conn)
    kept = {tuple(r) for r in await conn.fetch(f"SELECT * FROM {s}.pair_referrals")}
    assert kept == {tuple(r) for r in await conn.fetch(FROM_FACTS.format(s=s))}
    report = (await client.get(f"/chapters/{C}/reciprocity", params=WINDOW, headers=auth(token))).json()
    dormant = sorted((x["member_a"], x["member_b"], x["last_referral_on"]) for x in report["dormant"])
    for a, b, last in dormant:
        facts = await conn.fetchval(LAST_BEFORE.format(s=s), C, a, b, d(2024, 6, 30))
        assert last == (facts.isoformat() if facts else None), (a, b)
    return dormant


async def test_last_referrals_follow_every_write_path_and_a_rebuild(settings: Settings) -> None:
    async with MembersFeed(settings) as feed, running_app(settings) as (app, client):
        pool: asyncpg.Pool = app.state.service.pool
        token = settings.admin_token
        # referrals before the window, one after it (a past window: its last referral is looked up), a
        # status step before its referral (a stub without a day), one-to-ones in the window
        last = await feed.record(
            chapter(C), *(joined(C, m, d(2023, 1, 1)) for m in MEMBERS),
            one_to_one(C, "o1", "a", "D", d(2024, 3, 1)), one_to_one(C, "o2", "B", "c", d(2024, 4, 1)),
            one_to_one(C, "o3", "a", "B", d(2024, 5, 1)), one_to_one(C, "o4", "a", "e", d(2024, 5, 2)),
            referral(C, "r1", "a", "D", d(2024, 1, 10)), referral(C, "r2", "D", "a", d(2023, 12, 1)),
            step(C, "r3", "c", "B", "given", "contacted", d(2024, 1, 25)),
            referral(C, "r4", "B", "a", d(2024, 8, 1)), referral(C, "r5", "a", "B", d(2023, 11, 11)),
            closed(C, "cb1", "D", "a", "900.00", d(2024, 1, 12), rid="r1"))
        await wait_consumed(settings)
        await wait_applied(client, C, last, token)
        async with pool.acquire() as conn:
            assert await check(conn, client, token) == [
                ("B", "a", "2023-11-11"), ("B", "c", None), ("D", "a", "2024-01-10"), ("a", "e", None)]

            # the stub completed later, a status step, the closed business disputed, and r5 recorded twice
            last = await feed.record(
                referral(C, "r3", "c", "B", d(2024, 1, 20)), step(C, "r1", "a", "D", "given", "contacted",
                                                                   d(2024, 1, 11)),
                ClosedBusinessDisputed(chapter_id=C, closed_business_id="cb1", thanked_member_id="a",
                                       reason="not mine", occurred_on=d(2024, 1, 14)),
                referral(C, "r5", "a", "B", d(2023, 11, 11)))
            await wait_consumed(settings)
            await wait_applied(client, C, last, token)
            assert await check(conn, client, token) == [
                ("B", "a", "2023-11-11"), ("B", "c", "2024-01-20"), ("D", "a", "2024-01-10"), ("a", "e", None)]

            # a referral in the window: that pair is no longer dormant; a first one for a pair after the window
            last = await feed.record(referral(C, "r6", "D", "a", d(2024, 4, 15)),
                                     referral(C, "r7", "e", "a", d(2024, 9, 1)))
            await wait_consumed(settings)
            await wait_applied(client, C, last, token)
            assert await check(conn, client, token) == [
                ("B", "a", "2023-11-11"), ("B", "c", "2024-01-20"), ("a", "e", None)]

            # everything again (duplicates on the topics): nothing moves
            await feed.republish_everything()
            await wait_consumed(settings)
            before = (await client.get(f"/chapters/{C}/reciprocity", params=WINDOW, headers=auth(token))).json()
            assert await check(conn, client, token) == [
                ("B", "a", "2023-11-11"), ("B", "c", "2024-01-20"), ("a", "e", None)]

        result = await rebuild(settings, progress=None, drop_old=False)
        async with pool.acquire() as conn:
            live = {tuple(r) for r in await conn.fetch("SELECT * FROM referrals_g1.pair_referrals")}
            rebuilt = {tuple(r) for r in await conn.fetch(f"SELECT * FROM {result['schema']}.pair_referrals")}
            assert live == rebuilt and len(live) == 4
            after = (await client.get(f"/chapters/{C}/reciprocity", params=WINDOW, headers=auth(token))).json()
            assert {k: v for k, v in after.items() if k != "as_of"} == {k: v for k, v in before.items()
                                                                        if k != "as_of"}
            await check(conn, client, token)
