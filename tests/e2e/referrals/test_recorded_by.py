"""The referral ledger says who keyed a slip in when a leader recorded it for a member (`recorded_by`), and the
summary carries the chapter's language (the dashboard writes amounts in it)."""

from __future__ import annotations

from datetime import date

from shared.contracts import members as m
from shared.settings import Settings
from tests.e2e.referrals.helpers import MembersFeed, auth, joined, referral, running_app, token, wait_applied

C = "c-keyed"


async def test_the_ledger_names_the_leader_who_keyed_a_referral_in(settings: Settings) -> None:
    leader = token(settings, "P", C, "president")
    polish = m.ChapterFounded(chapter_id=C, chapter_name="Wisła", city="Kraków", region="Małopolska",
                              meeting_weekday="wednesday", meeting_time="07:00", timezone="Europe/Warsaw",
                              currency="PLN", founded_on=date(2024, 1, 1), language="pl")
    keyed = referral(C, "r-paper", "A", "B", date(2024, 3, 1)).model_copy(update={"recorded_by": "P"})
    async with MembersFeed(settings) as feed, running_app(settings) as (_app, client):
        last = await feed.record(polish, joined(C, "A", date(2024, 1, 1)), joined(C, "B", date(2024, 1, 1)),
                                 joined(C, "P", date(2024, 1, 1), role="president"), keyed,
                                 referral(C, "r-own", "B", "A", date(2024, 3, 2)))
        await wait_applied(client, C, last, leader)
        window = {"from": "2024-01-01", "to": "2024-06-30"}
        ledger = await client.get(f"/chapters/{C}/referrals", params=window, headers=auth(leader))
        assert ledger.status_code == 200, ledger.text
        rows = {r["referral_id"]: (r["giver_id"], r["recorded_by"]) for r in ledger.json()["referrals"]}
        assert rows == {"r-paper": ("A", "P"), "r-own": ("B", None)}
        summary = await client.get(f"/chapters/{C}/summary", params=window, headers=auth(leader))
        assert summary.json()["chapter"]["language"] == "pl" and summary.json()["chapter"]["currency"] == "PLN"
