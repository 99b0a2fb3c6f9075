"""A member's next best actions through real Kafka and PostgreSQL: they see their own (leaders anyone's),
figures from the recorded history."""

from __future__ import annotations

from datetime import date as d

from shared.settings import Settings
from tests.e2e.referrals.helpers import (
    MembersFeed,
    auth,
    chapter,
    joined,
    one_to_one,
    referral,
    running_app,
    token,
    wait_applied,
)

C = "actions-1"
WINDOW = {"from": "2024-01-01", "to": "2024-06-29"}


async def test_a_member_sees_their_next_actions(settings: Settings) -> None:
    async with MembersFeed(settings) as feed, running_app(settings) as (_app, client):
        await feed.record(chapter(C), *(joined(C, x, d(2023, 1, 1)) for x in ("me", "ann", "cid", "eve")),
                          joined(C, "pat", d(2023, 1, 1), role="president"),
                          referral(C, "a1", "ann", "me", d(2024, 5, 30)),
                          referral(C, "a2", "ann", "me", d(2024, 6, 9)),
                          one_to_one(C, "o1", "cid", "me", d(2024, 3, 1)),
                          referral(C, "e1", "me", "eve", d(2023, 10, 1)),
                          referral(C, "e2", "eve", "me", d(2023, 11, 2)))
        await wait_applied(client, C, feed.positions, settings.admin_token)

        me = token(settings, "me", C)
        r = await client.get(f"/chapters/{C}/members/me/next-actions", params=WINDOW, headers=auth(me))
        assert r.status_code == 200, r.text
        actions = r.json()["next_actions"]
        # no referrals, CEUs or visitors of their own: one visitor lifts them most (1 in the window's 181
        # days, 5.95 months, of a target of 1 a month: 20 / 5.95 = 3.4 points), more than two referrals (1.5)
        assert (actions[0]["action"], actions[0]["area"], actions[0]["points"]) == ("lift", "visitors", "3.4")
        assert [(a["action"], a.get("member_id")) for a in actions[1:]] == [
            ("give_back", "ann"), ("refer_after_one_to_one", "cid"), ("revive", "eve")]
        assert actions[1]["member_name"] == "Member ann" and actions[3]["last_referral_on"] == "2023-11-02"

        leader = token(settings, "pat", C, "president")
        assert (await client.get(f"/chapters/{C}/members/me/next-actions", headers=auth(leader))).status_code == 200
        other = await client.get(f"/chapters/{C}/members/me/next-actions", headers=auth(token(settings, "ann", C)))
        assert other.status_code == 403
