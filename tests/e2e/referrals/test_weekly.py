"""The weekly slip report (PALMS): slips count in the week they happened, and the report shows how late
they were recorded (CloudEvent `time` minus `occurred_on`, in the chapter's time zone).

A scripted week of a Tokyo chapter (meets Wednesdays) through real Kafka and PostgreSQL; the slips are
published with chosen recorded times, some on time and some days late."""

from __future__ import annotations

from datetime import UTC, date, datetime
from datetime import date as d
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from services.referrals.adapters import schema as schema_module
from services.referrals.adapters.schema import LATER_COLUMNS, current_schema
from shared.contracts import members as m
from shared.settings import Settings
from tests.e2e.referrals.helpers import (
    SEALED,
    MembersFeed,
    attendance,
    auth,
    ceu,
    closed,
    joined,
    one_to_one,
    referral,
    running_app,
    token,
    wait_applied,
    wait_consumed,
)

C = "c1"
WEEK = {"week": "2024-03-06"}  # Monday 4 to Sunday 10 March 2024; the meeting is on Wednesday the 6th


def at(day: int, hour: int = 1, month: int = 3) -> datetime:
    """A recorded time (UTC). Tokyo is UTC+9: 16:00 UTC is already the next day there."""
    return datetime(2024, month, day, hour, tzinfo=UTC)


def tokyo_chapter(chapter_id: str) -> m.ChapterFounded:
    return m.ChapterFounded(chapter_id=chapter_id, chapter_name="Shibuya Connect", city="Tokyo", region="kanto",
                            meeting_weekday="wednesday", meeting_time="07:00", timezone="Asia/Tokyo",
                            currency="JPY", founded_on=d(2020, 1, 1))


def visitor_invited(vid: str, by: str, on: date) -> m.VisitorInvited:
    return m.VisitorInvited(chapter_id=C, visitor_id=vid, invited_by=by, visitor=SEALED, occurred_on=on)


def visitor_attended(vid: str, by: str, on: date) -> m.VisitorAttended:
    return m.VisitorAttended(chapter_id=C, visitor_id=vid, invited_by=by, occurred_on=on)


async def record_week(feed: MembersFeed) -> int:
    """(recorded at, slips) in the order a chapter would key them in."""
    script: list[tuple[datetime, list[Any]]] = [
        (at(1, month=1), [tokyo_chapter(C), tokyo_chapter("c2"), joined("c2", "X", d(2024, 1, 1)),
                          *(joined(C, x, d(2024, 1, 1)) for x in "ABCD"),
                          joined(C, "P", d(2024, 1, 1), role="president")]),
        # last week's meeting, on time; last Friday's referral is keyed in on Thursday of this week
        (at(28, month=2), [attendance(C, "A", d(2024, 2, 28), "P")]),
        (at(4), [visitor_invited("v2", "C", d(2024, 3, 4))]),
        (at(5), [one_to_one(C, "o1", "A", "D", d(2024, 3, 5))]),
        (at(6), [attendance(C, x, d(2024, 3, 6), mark) for x, mark in (("A", "P"), ("B", "L"), ("D", "S"),
                                                                          ("P", "P"))]
                + [referral(C, "r1", "A", "B", d(2024, 3, 6), kind="inside"),
                   ceu(C, "e1", "A", d(2024, 3, 6), credits=2),
                   visitor_invited("v1", "A", d(2024, 3, 6)), visitor_attended("v1", "A", d(2024, 3, 6))]),
        (at(7), [referral(C, "r0", "A", "B", d(2024, 3, 1)),  # last week's, 6 days late
                 closed(C, "cb1", "B", "A", "500.00", d(2024, 3, 7)),
                 closed(C, "cb3", "D", "A", "999.00", d(2024, 3, 6))]),
        (at(7, hour=16), [referral(C, "r3", "B", "A", d(2024, 3, 6), kind="tier-3"),  # Tokyo: the 8th
                          m.ClosedBusinessDisputed(chapter_id=C, closed_business_id="cb3", thanked_member_id="A",
                                                   reason="cold lead", occurred_on=d(2024, 3, 7))]),
        (at(8), [one_to_one(C, "o2", "B", "C", d(2024, 3, 4))]),
        (at(8, hour=16), [closed(C, "cb2", "A", "C", "120.50", d(2024, 3, 8))]),  # Tokyo: the 9th, 1 day
        (at(9), [attendance(C, "C", d(2024, 3, 6), "A"), ceu(C, "e2", "B", d(2024, 3, 9))]),
        (at(10), [referral(C, "r4", "C", "A", d(2024, 3, 10))]),  # Sunday: still this week
        (at(11), [referral(C, "r5", "A", "B", d(2024, 3, 11))]),  # Monday: next week
        (at(14), [referral(C, "r2", "A", "C", d(2024, 3, 5))]),  # 9 days late
    ]
    last = 0
    for recorded_at, events in script:
        last = await feed.record_at(recorded_at, *events)
    return last


def by(rows: list[dict[str, Any]], **keys: Any) -> dict[str, Any]:
    [row] = [r for r in rows if all(r[k] == v for k, v in keys.items())]
    return row


FIGURES = ("attendance", "referrals_given", "referrals_given_inside", "referrals_given_outside",
           "referrals_given_tier_3", "referrals_received", "visitors_invited", "visitors_attended", "one_to_ones",
           "tyfcb_as_giver", "tyfcb_as_receiver", "ceus")
LATENESS = ("slips", "slips_recorded_late", "slips_recorded_unknown", "median_days_late", "max_days_late")


def figures(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[k] for k in FIGURES)


def late(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[k] for k in LATENESS)


async def check_week(client: httpx.AsyncClient, leader: str) -> None:
    r = await client.get(f"/chapters/{C}/weekly", params=WEEK, headers=auth(leader))
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["week"] == {"from": "2024-03-04", "to": "2024-03-10", "iso_week": "2024-W10"}
    rows = rep["members"]
    assert [x["member_id"] for x in rows] == ["A", "B", "C", "D", "P"]  # by name: "Member A", ...
    a, b, c, dd, p = rows
    assert a["member_name"] == "Member A" and a["meeting_date"] == "2024-03-06"
    #                    mark given  in out t3 recv  v.inv v.att 1-2-1 TYFCB giver / receiver  CEU
    assert figures(a) == ("P", 2, 1, 1, 0, 2, 1, 1, 1, "500.00", "120.50", 2)
    assert figures(b) == ("L", 1, 0, 0, 1, 1, 0, 0, 1, "0", "500.00", 1)
    assert figures(c) == ("A", 1, 0, 1, 0, 1, 1, 0, 1, "120.50", "0", 0)
    assert figures(dd) == ("S", 0, 0, 0, 0, 0, 0, 0, 1, "0", "0", 0)  # cb3 disputed: left out
    assert figures(p) == ("P", 0, 0, 0, 0, 0, 0, 0, 0, "0", "0", 0)
    # A: attendance 0, r1 0, r2 9, r3 2, r4 0, cb1 0, cb2 1, o1 0, e1 0, v1 invited 0, attended 0
    assert late(a) == (11, 2, 0, "0.0", 9)
    assert late(b) == (6, 2, 0, "0.0", 4)  # attendance 0, r1 0, r3 2, cb1 0, o2 4, e2 0
    assert late(c) == (6, 3, 0, "2.0", 9)  # attendance 3, r2 9, r4 0, cb2 1, o2 4, v2 0
    assert late(dd) == (2, 0, 0, "0.0", 0)
    assert late(p) == (1, 0, 0, "0.0", 0)
    [total] = rep["totals"]
    assert {k: total[k] for k in ("members", "present", "absent", "late", "medical", "substitute",
                                  "referrals_given", "referrals_given_inside", "referrals_given_outside",
                                  "referrals_given_tier_3", "visitors_invited", "visitors_attended",
                                  "one_to_ones", "tyfcb", "ceus")} == {
        "members": 5, "present": 2, "absent": 1, "late": 1, "medical": 0, "substitute": 1,
        "referrals_given": 4, "referrals_given_inside": 1, "referrals_given_outside": 2,
        "referrals_given_tier_3": 1, "visitors_invited": 2, "visitors_attended": 1, "one_to_ones": 2,
        "tyfcb": "620.50", "ceus": 3}
    assert late(total) == (18, 4, 0, "0.0", 9)  # 13 on the day, then 1, 2, 3, 4, 9
    kinds = {k["kind"]: late(k) for k in rep["lateness_by_kind"]}
    assert kinds == {"attendance": (5, 1, 0, "0.0", 3), "referral": (4, 2, 0, "1.0", 9),
                     "closed-business": (2, 0, 0, "0.5", 1), "one-to-one": (2, 1, 0, "2.0", 4),
                     "ceu": (2, 0, 0, "0.0", 0), "visitor-invited": (2, 0, 0, "0.0", 0),
                     "visitor-attended": (1, 0, 0, "0.0", 0)}
    assert [(s["kind"], s["slip_id"], s["member_id"], s["other_member_id"], s["occurred_on"], s["recorded_on"],
             s["days_late"]) for s in rep["late_slips"]] == [
        ("referral", "r2", "A", "C", "2024-03-05", "2024-03-14", 9),
        ("one-to-one", "o2", "B", "C", "2024-03-04", "2024-03-08", 4),
        ("attendance", "C@2024-03-06", "C", None, "2024-03-06", "2024-03-09", 3),
        ("referral", "r3", "B", "A", "2024-03-06", "2024-03-08", 2)]  # Tokyo's day, not UTC's (the 7th)
    assert rep["late_slips"][0]["member_name"] == "Member A" and rep["late_after_days"] == 1

    # last week: r0 happened on Friday 1 March, keyed in six days later, counts there (not above)
    last = (await client.get(f"/chapters/{C}/weekly", params={"week": "2024-03-03"}, headers=auth(leader))).json()
    assert last["week"]["from"] == "2024-02-26"
    la = by(last["members"], member_id="A")
    assert figures(la) == ("P", 1, 0, 1, 0, 0, 0, 0, 0, "0", "0", 0)
    assert late(la) == (2, 1, 0, "3.0", 6)
    assert by(last["members"], member_id="B")["referrals_received"] == 1
    assert late(last["totals"][0]) == (2, 1, 0, "3.0", 6)
    assert [(s["slip_id"], s["days_late"]) for s in last["late_slips"]] == [("r0", 6)]
    # next week: r5 only
    nxt = (await client.get(f"/chapters/{C}/weekly", params={"week": "2024-03-11"}, headers=auth(leader))).json()
    assert nxt["totals"][0]["referrals_given"] == 1 and late(nxt["totals"][0]) == (1, 0, 0, "0.0", 0)


async def test_weekly_report_counts_slips_by_the_day_they_happened_and_shows_lateness(settings: Settings) -> None:
    leader = token(settings, "P", C, "president")
    async with MembersFeed(settings) as feed, running_app(settings) as (_app, client):
        last = await record_week(feed)
        await wait_applied(client, C, last, leader)
        # the last slip applied says nothing of the other topics' partitions, consumed on their own
        await wait_consumed(settings)
        await check_week(client, leader)
        # any day of the week names the same week
        sunday = await client.get(f"/chapters/{C}/weekly", params={"week": "2024-03-10"}, headers=auth(leader))
        assert sunday.json()["week"]["from"] == "2024-03-04" and sunday.json()["totals"][0]["slips"] == 18

        csv = await client.get(f"/chapters/{C}/weekly.csv", params={**WEEK, "table": "members"},
                               headers=auth(leader))
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        lines = csv.text.splitlines()
        assert lines[0].startswith("member_id,member_name,business,meeting_date,attendance,referrals_given,")
        assert "median_days_late" in lines[0] and len(lines) == 6
        assert lines[1].startswith("A,Member A,A Ltd,2024-03-06,P,2,")
        late_csv = await client.get(f"/chapters/{C}/weekly", params={**WEEK, "format": "csv", "table": "late_slips"},
                                    headers=auth(leader))
        assert len(late_csv.text.splitlines()) == 5

        # default: the current week in the chapter's time zone (Tokyo)
        now = (await client.get(f"/chapters/{C}/weekly", headers=auth(leader))).json()
        today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
        assert date.fromisoformat(now["week"]["from"]) <= today <= date.fromisoformat(now["week"]["to"])
        assert date.fromisoformat(now["week"]["from"]).weekday() == 0

        # leaders and admin only; other chapters are not found
        admin = await client.get(f"/chapters/{C}/weekly", params=WEEK, headers=auth(settings.admin_token))
        assert admin.status_code == 200 and admin.json()["totals"][0]["slips"] == 18
        member = await client.get(f"/chapters/{C}/weekly", params=WEEK, headers=auth(token(settings, "A", C)))
        assert member.status_code == 403
        other = await client.get(f"/chapters/{C}/weekly", params=WEEK,
                                 headers=auth(token(settings, "X", "c2", "president")))
        assert other.status_code == 404
        bad = await client.get(f"/chapters/{C}/weekly", params={"week": "2024-13-01"}, headers=auth(leader))
        assert bad.status_code == 422


async def test_a_generation_from_before_recorded_times_gets_the_columns(settings: Settings) -> None:
    """A dev database whose generation 1 was created before the recorded-time columns existed: the next
    start adds them (ALTER TABLE ... ADD COLUMN IF NOT EXISTS); slips projected before show as unknown."""
    leader = token(settings, "P", C, "president")
    async with MembersFeed(settings) as feed:
        async with running_app(settings) as (app, client):
            first = await feed.record_at(at(6), tokyo_chapter(C), joined(C, "A", d(2024, 1, 1)),
                                         joined(C, "P", d(2024, 1, 1), role="president"),
                                         referral(C, "r1", "A", "P", d(2024, 3, 6)))
            await wait_applied(client, C, first, leader)
            pool = app.state.service.pool
            async with pool.acquire() as conn:
                schema = await current_schema(conn)
                for table, column in LATER_COLUMNS:  # as the old code created them
                    await conn.execute(f"ALTER TABLE {schema}.{table} DROP COLUMN {column}")
        schema_module._UPGRADED.clear()  # a new process
        async with running_app(settings) as (app, client):
            later = await feed.record_at(at(9), referral(C, "r2", "P", "A", d(2024, 3, 6)))
            await wait_applied(client, C, later, leader)
            rep = (await client.get(f"/chapters/{C}/weekly", params=WEEK, headers=auth(leader))).json()
            assert late(rep["totals"][0]) == (2, 1, 1, "3.0", 3)
            assert [(s["slip_id"], s["days_late"]) for s in rep["late_slips"]] == [("r2", 3)]
