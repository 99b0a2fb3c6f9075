"""Once a day, every member's traffic light and every pair's balance are looked at again, events or not.

Both are over the last six months, so they change as days pass: a member who stops giving turns from green
to red without any event of theirs, and that is exactly what leaders want to hear about. The projection
re-scores members when their own events arrive; this review catches the ones time moved. The derived events
it emits have ids derived from the fact (see `emit_events`), so two replicas reviewing the same day, or a
review after a restart, announce nothing twice; an advisory lock keeps two replicas from doing the work at
the same moment. Each member's next best actions move with the days too (a pair goes quiet): the review
publishes the lists that changed (`NextActionsListed`, see `adapters/next_actions_state.py`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date

import asyncpg

from services.referrals.adapters.projection import ReferralsProjection
from services.referrals.adapters.schema import current_schema

log = logging.getLogger(__name__)
REVIEW_LOCK = 7345103
REVIEW_EVERY_SECONDS = 300.0  # how often to check whether the day changed


class DailyReview:
    def __init__(self, pool: asyncpg.Pool, projection: ReferralsProjection,
                 every_seconds: float = REVIEW_EVERY_SECONDS) -> None:
        self.pool = pool
        self.projection = projection
        self.every_seconds = every_seconds

    async def review_if_due(self) -> date | None:
        """Review the live generation if it was not reviewed today; returns the day reviewed, else None."""
        today = self.projection.today()
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", REVIEW_LOCK)
            schema = await current_schema(conn)
            last = await conn.fetchval("SELECT reviewed_on FROM daily_reviews WHERE schema_name = $1", schema)
            if last is not None and last >= today:
                return None
            await conn.execute(f"SET LOCAL search_path TO {schema}, public")
            await self.projection.update_lights(conn, None, emit=True)
            await self.projection.update_pairs(conn, None, emit=True)
            await self.projection.publish_next_actions(conn)
            await conn.execute(
                "INSERT INTO public.daily_reviews VALUES ($1, $2) ON CONFLICT (schema_name)"
                " DO UPDATE SET reviewed_on = excluded.reviewed_on", schema, today)
        return today

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                reviewed = await self.review_if_due()
                if reviewed is not None:
                    log.info("traffic lights and pairs reviewed for %s", reviewed)
            except Exception:  # a database hiccup: the next round tries again
                log.exception("daily review failed")
            try:
                await asyncio.wait_for(stop.wait(), self.every_seconds)
            except TimeoutError:
                pass
