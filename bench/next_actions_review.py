"""The daily review's next best actions: every member's list computed and the changed ones published.

    DATABASE_URL=postgresql://postgres@localhost:5432/postgres python -m bench.next_actions_review [chapters]

History: `chapters` (default 4) chapters of 50 seats and five years of weekly meetings each (the report
latency bench's history, `bench.referrals_report_latency.chapter_history`, loaded directly through the
projection), and 10 asks per chapter that match every member's business (the most `answer_ask` items there can
be). Then, as the daily review runs it inside its transaction: `publish_changed` the first time (every list is
new: one `NextActionsListed` per member appended to the event store) and a day later with nothing changed
(nothing appended). Prints seconds, members and milliseconds per member.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import date, timedelta

from bench.referrals_report_latency import load
from bench.servers import drop_database, machine, servers
from services.referrals.adapters.next_actions_state import publish_changed
from services.referrals.adapters.projection import Fact, ReferralsProjection
from services.referrals.adapters.schema import current_schema
from services.referrals.domain.traffic_lights import TrafficLightScheme
from services.referrals.domain.windows import default_window
from services.referrals.entrypoints.app import SQL
from shared.contracts.asks import AskUpdated
from shared.migrations import open_database
from shared.settings import with_database


async def main(chapters: int) -> None:
    _kafka, server = servers()
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    url = with_database(server, f"{prefix}_referrals")
    today = date.today()
    ids = [f"{prefix}c{i}" for i in range(chapters)]
    try:
        print(f"next best actions in the daily review: {chapters} chapters of 50 seats, five years ({machine()})")
        events, _members, seconds = await load(url, ids, today)
        print(f"  history: {events} events loaded in {seconds:.1f} s")
        pool = await open_database(url, SQL)
        try:
            async with pool.acquire() as conn, conn.transaction():
                schema = await current_schema(conn)
                await conn.execute(f"SET LOCAL search_path TO {schema}, public")
                members = {r["chapter_id"]: [x["member_id"] for x in await conn.fetch(
                    "SELECT member_id FROM members WHERE chapter_id = $1 AND left_on IS NULL ORDER BY member_id"
                    " LIMIT 10", r["chapter_id"])] for r in await conn.fetch("SELECT chapter_id FROM chapters")}
                facts = [Fact(kind="ask-updated", data=AskUpdated(
                    chapter_id=c, member_id=mid, text="Introductions to category leaders",
                    asked_on=today - timedelta(days=3)).model_dump(mode="json"), sequence=10**9 + n,
                    time=f"{today}T07:00:00+00:00", chapter_id=c)
                    for n, (c, mids) in enumerate(members.items()) for mid in mids]
                await ReferralsProjection(emit=False, today=lambda: today).apply_facts(conn, facts)
            for label, day in (("first review (every list new)", today), ("next day (nothing changed)",
                                                                          today + timedelta(days=1))):
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute(f"SET LOCAL search_path TO {schema}, public")
                    counted = int(await conn.fetchval("SELECT count(*) FROM members WHERE left_on IS NULL"))
                    start, end = default_window(day, timedelta(days=182))
                    started = time.perf_counter()
                    published = await publish_changed(conn, start, end, TrafficLightScheme())
                    took = time.perf_counter() - started
                print(f"  {label}: {counted} members in {took:.2f} s ({1000 * took / counted:.1f} ms a member),"
                      f" {published} lists published")
        finally:
            await pool.close()
    finally:
        await drop_database(url)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 4))
