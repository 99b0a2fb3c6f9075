"""The visitors' follow-up pipeline through real Kafka and PostgreSQL: a scripted March of visitors (invited by
members, registered by themselves naming a member or nobody), the follow-up list and the conversion per inviter
and for the chapter computed by hand; CSV like the other reports; leaders only."""

from __future__ import annotations

from datetime import date as d
from typing import Any

from shared.contracts import members as m
from shared.settings import Settings
from tests.e2e.referrals.helpers import SEALED, MembersFeed, auth, chapter, joined, running_app, token, wait_applied

WINDOW = {"from": "2025-03-01", "to": "2025-03-31"}
C = "vc"


def invited(vid: str, by: str, on: d, meeting: d | None = None) -> m.VisitorInvited:
    return m.VisitorInvited(chapter_id=C, visitor_id=vid, invited_by=by, visitor=SEALED, occurred_on=on,
                            self_registered=meeting is not None, meeting_date=meeting)


def attended(vid: str, by: str, on: d) -> m.VisitorAttended:
    return m.VisitorAttended(chapter_id=C, visitor_id=vid, invited_by=by, occurred_on=on)


def applied(vid: str, by: str, on: d) -> m.VisitorApplied:
    return m.VisitorApplied(chapter_id=C, visitor_id=vid, invited_by=by, occurred_on=on)


def history() -> list[Any]:
    """v1 (a): attended, applied, member. v2 (a): attended only, on 5 March: follow up (ask to apply).
    v3 (b, registered on 8 March for the 12th): nothing since: follow up (did they come?), 19 days after the
    meeting (not 23 after registering). v4 (nobody, for the 26th): 5 days ago, not yet. v5 (nobody, the 19th):
    attended and applied. v6 (b): invited in February, outside the window."""
    nobody = m.NO_INVITER
    return [chapter(C), joined(C, "boss", role="president"), joined(C, "a"), joined(C, "b"),
            invited("v1", "a", d(2025, 3, 5)), attended("v1", "a", d(2025, 3, 5)), applied("v1", "a", d(2025, 3, 10)),
            m.VisitorBecameMember(chapter_id=C, visitor_id="v1", invited_by="a", member_id="nv1",
                                  occurred_on=d(2025, 3, 20)),
            invited("v2", "a", d(2025, 3, 5)), attended("v2", "a", d(2025, 3, 5)),
            invited("v3", "b", d(2025, 3, 8), meeting=d(2025, 3, 12)),
            invited("v4", nobody, d(2025, 3, 20), meeting=d(2025, 3, 26)),
            invited("v5", nobody, d(2025, 3, 17), meeting=d(2025, 3, 19)), attended("v5", nobody, d(2025, 3, 19)),
            applied("v5", nobody, d(2025, 3, 21)),
            invited("v6", "b", d(2025, 2, 5)), attended("v6", "b", d(2025, 2, 5))]


async def test_follow_up_and_conversion_per_inviter_and_chapter_match_a_hand_count(settings: Settings) -> None:
    leader = token(settings, "boss", C, "president")
    async with MembersFeed(settings) as feed, running_app(settings) as (_app, client):
        await feed.record(*history())
        await wait_applied(client, C, feed.positions, settings.admin_token)
        r = await client.get(f"/chapters/{C}/visitors", params=WINDOW, headers=auth(leader))
        assert r.status_code == 200, r.text
        report = r.json()
        assert [(v["visitor_id"], v["stage"], str(v["meeting_on"]), v["days_since_meeting"], v["next_step"])
                for v in report["follow_up"]] == [
            ("v2", "attended", "2025-03-05", 26, "ask them to apply"),
            ("v3", "invited", "2025-03-12", 19, "record whether they came")]
        assert report["follow_up"][1]["inviter_name"] == "Member b"
        figures = ("invited", "attended", "applied", "member", "attended_share", "applied_share", "member_share",
                   "conversion")
        assert {row["invited_by"]: tuple(row[f] for f in figures) for row in report["by_inviter"]} == {
            "a": (2, 2, 1, 1, "1.0000", "0.5000", "1.0000", "0.5000"),
            "b": (1, 0, 0, 0, "0.0000", None, None, "0.0000"),
            m.NO_INVITER: (2, 1, 1, 0, "0.5000", "1.0000", "0.0000", "0.0000")}
        [whole] = report["chapter"]
        assert tuple(whole[f] for f in figures) == (5, 3, 2, 1, "0.6000", "0.6667", "0.5000", "0.2000")

        csv = await client.get(f"/chapters/{C}/visitors.csv", params={**WINDOW, "table": "follow_up"},
                               headers=auth(leader))
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        lines = csv.text.splitlines()
        assert lines[0].startswith("visitor_id,invited_by,inviter_name,meeting_on,stage") and len(lines) == 3
        member = await client.get(f"/chapters/{C}/visitors", params=WINDOW, headers=auth(token(settings, "a", C)))
        assert member.status_code == 403
