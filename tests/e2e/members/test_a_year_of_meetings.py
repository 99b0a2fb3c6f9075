"""A chapter runs a year of weekly meetings through the API, and its figures add up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from fastapi import FastAPI

from tests.e2e.members.conftest import ChapterWorld, referral


async def test_a_year_of_weekly_meetings_adds_up(world: ChapterWorld, app: FastAPI) -> None:
    app.state.clock = lambda: datetime(2025, 12, 31, 12, tzinfo=UTC)
    names = ["Pat", "Ann", "Bob", "Cy"]
    meeting = date(2025, 1, 1)  # a Wednesday
    given = 0
    total = Decimal("0")
    for week in range(52):
        marks = [{"member_id": world.ids[n], "mark": "A" if (week + i) % 13 == 0 else "P"}
                 for i, n in enumerate(names)]
        assert (await world.post("Pat", f"/meetings/{meeting}/attendance", {"marks": marks})).status_code == 201
        giver, receiver = names[week % 4], names[(week + 1) % 4]
        slip = await world.post(giver, "/referrals", referral(world.ids[receiver], occurred_on=str(meeting)),
                                key=f"week-{week}")
        assert slip.status_code == 201, slip.text
        given += 1
        if week % 2 == 0:
            referral_id = slip.json()["referral_id"]
            for status in ("accepted", "contacted", "won"):
                moved = await world.post(receiver, f"/referrals/{referral_id}/status",
                                         {"status": status, "occurred_on": str(meeting + timedelta(days=1))})
                assert moved.status_code == 200, moved.text
            amount = Decimal("100.10") * (week + 1)
            thanks = await world.post(receiver, "/closed-business", {
                "thanked_member_id": world.ids[giver], "amount": str(amount), "business_kind": "new",
                "referral_id": referral_id, "occurred_on": str(meeting + timedelta(days=2))})
            assert thanks.status_code == 201, thanks.text
            total += amount
        meeting += timedelta(days=7)
    referrals = (await world.get("Pat", "/referrals")).json()
    assert len(referrals) == given == 52
    assert sum(1 for r in referrals if r["status"] == "won") == 26
    business = (await world.get("Pat", "/closed-business")).json()
    assert sum(Decimal(b["amount"]) for b in business) == total
    ann = (await world.get("Pat", f"/members/{world.ids['Ann']}")).json()
    assert ann["referrals_given"] == 13 and ann["referrals_received"] == 13
    # absences: (week + 1) % 13 == 0 → weeks 12, 25, 38, 51; the last six months hold weeks 26.. → 38, 51
    assert ann["absences_last_six_months"] == 2
