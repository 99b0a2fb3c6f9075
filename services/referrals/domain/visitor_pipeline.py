"""Visitors after their meeting: who still needs following up, and how far visitors get, per inviter and for the
chapter (invited → attended → applied → member).

A visitor's **meeting day** is the meeting they registered for (`meeting_on`, self-registration), else the day
they were invited (a member's invitation names no meeting: it is recorded for the meeting the visitor comes to).
A step implies the ones before it: a visitor recorded as a member counts as having attended and applied.
**Follow-up**: a visitor whose meeting day is `FOLLOW_UP_DAYS` (7) or more days before the report's last day and
who has neither applied nor become a member: the leaders' next step is to record whether they came (still
`invited`), or to ask them to apply (`attended`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from services.referrals.domain.conversion import ratio
from services.referrals.domain.rows import Row, Table

FOLLOW_UP_DAYS = 7
STAGES = ("invited", "attended", "applied", "member")
NEXT_STEP = {"invited": "record whether they came", "attended": "ask them to apply"}


def stage_of(r: Row) -> str:
    if r["became_member_on"]:
        return "member"
    if r["applied_on"]:
        return "applied"
    return "attended" if r["attended_on"] else "invited"


def meeting_day(r: Row) -> date:
    day: date = r["meeting_on"] or r["invited_on"]
    return day


def follow_up(rows: Iterable[Row], as_of: date, days: int = FOLLOW_UP_DAYS) -> Table:
    due = []
    for r in rows:
        stage, met = stage_of(r), meeting_day(r)
        if stage in NEXT_STEP and (as_of - met).days >= days:
            due.append({"visitor_id": r["visitor_id"], "invited_by": r["invited_by"],
                        "inviter_name": r.get("inviter_name"), "meeting_on": met, "stage": stage,
                        "days_since_meeting": (as_of - met).days, "next_step": NEXT_STEP[stage]})
    return sorted(due, key=lambda v: (v["meeting_on"], v["visitor_id"]))


def funnel(rows: Iterable[Row]) -> dict[str, Any]:
    """How many reached each stage (or a later one), and each stage's share of the one before."""
    reached = dict.fromkeys(STAGES, 0)
    for r in rows:
        for stage in STAGES[: STAGES.index(stage_of(r)) + 1]:
            reached[stage] += 1
    return {**reached, "attended_share": ratio(reached["attended"], reached["invited"]),
            "applied_share": ratio(reached["applied"], reached["attended"]),
            "member_share": ratio(reached["member"], reached["applied"]),
            "conversion": ratio(reached["member"], reached["invited"])}


def by_inviter(rows: Iterable[Row]) -> Table:
    """One funnel per inviter (a self-registered visitor who named nobody: `invited_by` is `no-inviter`)."""
    groups: dict[str, list[Row]] = {}
    for r in rows:
        groups.setdefault(r["invited_by"], []).append(r)
    return [{"invited_by": inviter, "inviter_name": members[0].get("inviter_name"), **funnel(members)}
            for inviter, members in sorted(groups.items())]
