"""Next best actions of a chapter's members from the projection (one member's for the report, everyone's for
the daily review), and publishing the lists that changed as `NextActionsListed`.

Why published by the daily review rather than asked for by the notifications service over HTTP: the lists
move with the calendar (a pair goes dormant with no event of its own), the review already wakes once a day on
one replica under a lock, and an event on a topic leaves the services independent (the digest is written
from what notifications stored, even while this service is down or being rebuilt)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import asyncpg

from services.referrals.adapters.announcements import emit_events
from services.referrals.adapters.ask_tables import chapter_asks
from services.referrals.adapters.bulk import upsert
from services.referrals.adapters.derived_state import member_activity
from services.referrals.domain.asks import answer_asks
from services.referrals.domain.next_actions import next_actions
from services.referrals.domain.traffic_lights import TrafficLightScheme
from shared.contracts.next_actions import NextAction, NextActionsListed

Actions = list[dict[str, Any]]


async def chapter_next_actions(conn: asyncpg.Connection, chapter_id: str, only: str | None, start: date, end: date,
                               scheme: TrafficLightScheme) -> dict[str, Actions]:
    """Per member (`only` that one, else every member of the chapter at `end`): their ranked next actions."""
    activities = await member_activity(conn, [only] if only else None, start, end, chapter_id)
    referrals = await conn.fetch(
        """SELECT giver_id, receiver_id, given_on FROM referrals WHERE chapter_id = $1 AND given_on <= $2
             AND ($3::text IS NULL OR giver_id = $3 OR receiver_id = $3)""", chapter_id, end, only)
    one_to_ones = await conn.fetch(
        """SELECT member_a, member_b FROM one_to_ones WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3
             AND ($4::text IS NULL OR member_a = $4 OR member_b = $4)""", chapter_id, start, end, only)
    # the chapter's members at the window's end: whom an action may name
    members = {r["member_id"]: r for r in await conn.fetch(
        """SELECT member_id, member_name, category, business FROM members WHERE chapter_id = $1
             AND (joined_on IS NULL OR joined_on <= $2) AND (left_on IS NULL OR left_on > $2)""", chapter_id, end)}
    asks = await chapter_asks(conn, chapter_id, end)
    targets = [only] if only else sorted(m for m in members if m in activities)
    out: dict[str, Actions] = {}
    for member_id in targets:
        names = {m: r["member_name"] for m, r in members.items() if m != member_id}
        mine = [r for r in referrals if member_id in (r["giver_id"], r["receiver_id"])]
        met = [o for o in one_to_ones if member_id in (o["member_a"], o["member_b"])]
        me = members.get(member_id)
        asked = answer_asks(member_id, me["category"] if me else None, me["business"] if me else None, asks,
                            [(r["receiver_id"], r["given_on"]) for r in mine if r["giver_id"] == member_id], end,
                            names) if me else []
        activity = activities[member_id][1] if member_id in activities else None
        out[member_id] = next_actions(member_id, activity, scheme, mine, met, start, end, names, ask_actions=asked)
    return out


def listed(chapter_id: str, member_id: str, actions: Actions, start: date, end: date) -> NextActionsListed:
    """The published form: the items' explaining fields (the days a pair has been quiet follow from the date of
    its last referral and are left out, so a list does not change every day)."""
    return NextActionsListed(chapter_id=chapter_id, member_id=member_id, as_of=end, window_from=start,
                             actions=[NextAction.model_validate({k: v for k, v in a.items() if k != "days_quiet"})
                                      for a in actions])


def digest(event: NextActionsListed) -> str:
    body = json.dumps([a.model_dump(mode="json") for a in event.actions], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


async def publish_changed(conn: asyncpg.Connection, start: date, end: date, scheme: TrafficLightScheme) -> int:
    """Every chapter's members' lists; those that differ from the last published (or are the first non-empty
    one) are emitted. Returns how many were."""
    published = {r["member_id"]: r["digest"] for r in await conn.fetch(
        "SELECT member_id, digest FROM public.next_actions_published")}
    events: list[tuple[str, str, NextActionsListed]] = []
    rows: list[tuple[str, str, str, date]] = []
    for chapter in await conn.fetch("SELECT chapter_id FROM chapters ORDER BY chapter_id"):
        chapter_id = chapter["chapter_id"]
        for member_id, actions in (await chapter_next_actions(conn, chapter_id, None, start, end, scheme)).items():
            event = listed(chapter_id, member_id, actions, start, end)
            fingerprint = digest(event)
            before = published.get(member_id)
            if before == fingerprint or (before is None and not actions):
                continue
            events.append((chapter_id, f"next-actions-{member_id}", event))
            rows.append((member_id, chapter_id, fingerprint, end))
    if events:
        await emit_events(conn, events, key=lambda e: f"{e.member_id}|{e.as_of}|{digest(e)}")
        await upsert(conn,
            """INSERT INTO public.next_actions_published SELECT * FROM unnest($1::text[], $2::text[], $3::text[],
                                                                                $4::date[])
               ON CONFLICT (member_id) DO UPDATE SET chapter_id = excluded.chapter_id, digest = excluded.digest,
                   as_of = excluded.as_of""", rows)
    return len(events)
