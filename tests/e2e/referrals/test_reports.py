"""A scripted chapter history through real Kafka and PostgreSQL; reports equal hand-computed figures."""

from __future__ import annotations

from datetime import date as d
from typing import Any

import httpx

from shared.settings import Settings
from tests.e2e.referrals.helpers import (
    MembersFeed,
    attendance,
    auth,
    ceu,
    chapter,
    closed,
    joined,
    one_to_one,
    referral,
    running_app,
    step,
    token,
    visitor,
    wait_applied,
    wait_consumed,
)

C = "c1"
H1 = {"from": "2024-02-01", "to": "2024-06-30"}


def history() -> list[Any]:
    ev: list[Any] = [
        # r2's status arrives before r2 itself; A's referral before A joined (order-safety)
        step(C, "r2", "A", "B", "given", "won", d(2024, 4, 1)),
        referral(C, "r1", "A", "B", d(2024, 2, 1), 4),
        chapter(C), chapter("c2"),
        joined(C, "A", d(2024, 1, 1)), joined(C, "B", d(2024, 1, 1), role="president"),
        joined(C, "C", d(2024, 1, 1)), joined(C, "D", d(2024, 1, 1)), joined("c2", "X", d(2024, 1, 1)),
        referral(C, "r2", "A", "B", d(2024, 3, 1), 3, kind="inside"),
        referral(C, "r3", "B", "A", d(2024, 3, 10), 5),
        referral(C, "r4", "A", "C", d(2024, 5, 1), 2),
        referral(C, "r5", "C", "B", d(2024, 7, 15), 4),
        step(C, "r1", "A", "B", "given", "accepted", d(2024, 2, 2)),
        step(C, "r1", "A", "B", "accepted", "contacted", d(2024, 2, 5)),
        step(C, "r1", "A", "B", "contacted", "won", d(2024, 2, 21)),
        step(C, "r3", "B", "A", "given", "contacted", d(2024, 3, 12)),
        step(C, "r3", "B", "A", "contacted", "lost", d(2024, 3, 20)),
        closed(C, "cb1", "B", "A", "1000.00", d(2024, 2, 25), rid="r1"),
        closed(C, "cb2", "A", "B", "250.50", d(2024, 4, 10)),
        closed(C, "cb3", "B", "A", "500.00", d(2024, 4, 5), rid="r2"),
        closed(C, "cb4", "C", "A", "9999.00", d(2024, 5, 5)),
        one_to_one(C, "o1", "A", "D", d(2024, 3, 1)), one_to_one(C, "o2", "D", "A", d(2024, 4, 1)),
        one_to_one(C, "o3", "B", "C", d(2024, 2, 1)),
        attendance(C, "A", d(2024, 1, 10), "P"), attendance(C, "A", d(2024, 1, 17), "A"),
        attendance(C, "A", d(2024, 1, 24), "A"), attendance(C, "A", d(2024, 1, 24), "L"),  # corrected
        *visitor(C, "v1", "A", d(2024, 3, 6)), *visitor(C, "v2", "A", d(2024, 3, 13)),
        ceu(C, "e1", "A", d(2024, 2, 1), credits=10), ceu(C, "e2", "A", d(2024, 3, 1), credits=3),
    ]
    from shared.contracts.members import ClosedBusinessDisputed

    ev.append(ClosedBusinessDisputed(chapter_id=C, closed_business_id="cb4", thanked_member_id="A",
                                     reason="cold lead", occurred_on=d(2024, 5, 6)))
    return ev


def by(rows: list[dict[str, Any]], **keys: Any) -> dict[str, Any]:
    [row] = [r for r in rows if all(r[k] == v for k, v in keys.items())]
    return row


async def _check(client: httpx.AsyncClient, leader: str) -> None:
    r = await client.get(f"/chapters/{C}/reciprocity", params=H1, headers=auth(leader))
    assert r.status_code == 200, r.text
    rec = r.json()
    a, b, c, dd = (by(rec["members"], member_id=m) for m in "ABCD")
    assert (a["given"], a["received"], a["balance"], a["index"]) == (3, 1, 2, "0.5000")
    assert (a["value_given"], a["value_received"], a["value_index"]) == ("1500.00", "250.50", "0.7138")
    assert (b["given"], b["received"], b["index"], b["value_index"]) == (1, 2, "-0.3333", "-0.7138")
    assert (c["given"], c["received"], c["index"], c["value_index"]) == (0, 1, "-1.0000", None)
    assert (dd["given"], dd["received"], dd["index"], dd["breadth"]) == (0, 0, None, 0)
    assert (a["breadth"], b["breadth"], c["breadth"]) == (2, 1, 1)
    ab = by(rec["pairs"], giver_id="A", receiver_id="B")
    assert (ab["referrals"], ab["value"], ab["referrals_back"], ab["value_back"], ab["two_way"]) == (
        2, "1500.00", 1, "250.50", True)
    assert ab["index"] == "0.3333"
    assert (ab["giver_name"], ab["receiver_name"]) == ("Member A", "Member B")  # for the dashboard
    ac = by(rec["pairs"], giver_id="A", receiver_id="C")
    assert (ac["referrals"], ac["value"], ac["referrals_back"], ac["two_way"]) == (1, "0", 0, False)
    assert len(rec["pairs"]) == 3
    assert rec["two_way_pairs"] == [{"member_a": "A", "member_b": "B"}]
    assert rec["nobody_refers_to"] == [{"member_id": "D"}]
    assert [(x["member_a"], x["member_b"], x["one_to_ones"], x["last_one_to_one"], x["last_referral_on"])
            for x in rec["dormant"]] == [("A", "D", 2, "2024-04-01", None), ("B", "C", 1, "2024-02-01", None)]
    assert [(x["member_a_name"], x["member_b_name"]) for x in rec["dormant"]] == [
        ("Member A", "Member D"), ("Member B", "Member C")]
    assert rec["as_of"]["sequence"] > 0

    # another window: only r5
    r = await client.get(f"/chapters/{C}/reciprocity", params={"from": "2024-07-01", "to": "2024-12-31"},
                         headers=auth(leader))
    rec2 = r.json()
    assert [(p["giver_id"], p["receiver_id"], p["referrals"]) for p in rec2["pairs"]] == [("C", "B", 1)]
    assert by(rec2["members"], member_id="A")["given"] == 0

    conv = (await client.get(f"/chapters/{C}/conversion", params=H1, headers=auth(leader))).json()
    total = conv["total"][0]
    assert {k: total[k] for k in ("given", "accepted", "contacted", "won", "lost", "open")} == {
        "given": 4, "accepted": 3, "contacted": 3, "won": 2, "lost": 1, "open": 1}
    assert (total["conversion"], total["value"], total["avg_days_to_close"]) == ("0.5000", "1500.00", "25.5")
    assert [f["count"] for f in conv["funnel"]] == [4, 3, 3, 2]
    assert by(conv["by_giver"], giver_id="A")["won"] == 2 and by(conv["by_giver"], giver_id="A")["given"] == 3
    assert by(conv["by_giver"], giver_id="A")["conversion"] == "0.6667"
    assert by(conv["by_receiver"], receiver_id="A")["lost"] == 1
    assert by(conv["by_pair"], giver_id="A", receiver_id="B")["conversion"] == "1.0000"
    assert {t["temperature"]: (t["given"], t["won"]) for t in conv["by_temperature"]} == {
        2: (1, 0), 3: (1, 1), 4: (1, 1), 5: (1, 0)}
    assert [u["closed_business_id"] for u in conv["unlinked_closed_business"]] == ["cb2", "cb4"]

    card = (await client.get(f"/chapters/{C}/members/A/scorecard", params={"from": "2024-01-01", "to": "2024-06-30"},
                             headers=auth(leader))).json()["scorecards"][0]
    assert card["days"] == 182 and card["absences"] == 1 and card["meetings"] == 3
    assert (card["points_attendance"], card["points_referrals"], card["points_one_to_ones"], card["points_ceus"],
            card["points_visitors"], card["score"], card["colour"]) == (
        "15.0", "2.3", "1.5", "10.0", "6.7", "35.5", "red")

    ledger = (await client.get(f"/chapters/{C}/referrals", params=H1, headers=auth(leader))).json()["referrals"]
    r1 = by(ledger, referral_id="r1")
    assert (r1["status"], r1["days_to_contact"], r1["days_to_close"], r1["closed_business_value"]) == (
        "won", 4, 20, "1000.00")
    assert r1["history"] == "accepted@2024-02-02 contacted@2024-02-05 won@2024-02-21"
    assert by(ledger, referral_id="r2")["status"] == "won"

    summary = (await client.get(f"/chapters/{C}/summary", params=H1, headers=auth(leader))).json()["summary"][0]
    assert (summary["members"], summary["referrals"], summary["inside"], summary["closed_business_value"],
            summary["one_to_ones"], summary["visitors"]) == (4, 4, 1, "1750.50", 3, 2)


async def test_scripted_history_equals_hand_computed_and_replays_change_nothing(settings: Settings) -> None:
    leader = token(settings, "B", C, "president")
    async with MembersFeed(settings) as feed, running_app(settings) as (_app, client):
        await feed.record(*history())
        await wait_applied(client, C, feed.positions, leader)
        await _check(client, leader)
        csv = await client.get(f"/chapters/{C}/reciprocity.csv", params={**H1, "table": "pairs"},
                               headers=auth(leader))
        assert csv.status_code == 200 and csv.text.splitlines()[0].startswith("giver_id,receiver_id,referrals")
        assert len(csv.text.splitlines()) == 4
        # the relay republishes everything (crash before saving its position): nothing changes
        await feed.republish_everything()
        marker = await feed.record(joined("c9", "Z"))
        await wait_applied(client, "c9", marker, settings.admin_token)
        await wait_consumed(settings)  # every topic's redeliveries, not only the marker's
        await _check(client, leader)


async def test_a_repeated_report_follows_new_events(settings: Settings) -> None:
    """Reports are served from a rendered-report cache while the chapter's data stands still; an event of
    the chapter (and only that) makes the next request compute afresh."""
    async with MembersFeed(settings) as feed, running_app(settings) as (_app, client):
        first = await feed.record(chapter(C), chapter("c2"), joined(C, "A", d(2024, 1, 1)),
                                  joined(C, "B", d(2024, 1, 1)), joined("c2", "X", d(2024, 1, 1)),
                                  joined("c2", "Y", d(2024, 1, 1)), referral(C, "r1", "A", "B", d(2024, 3, 1)))
        await wait_applied(client, C, first, settings.admin_token)

        async def given() -> tuple[int, int, int]:
            r = await client.get(f"/chapters/{C}/reciprocity", params=H1, headers=auth(settings.admin_token))
            s = await client.get(f"/chapters/{C}/summary", params=H1, headers=auth(settings.admin_token))
            c = await client.get(f"/chapters/{C}/conversion", params=H1, headers=auth(settings.admin_token))
            return (sum(m["given"] for m in r.json()["members"]), s.json()["summary"][0]["referrals"],
                    c.json()["total"][0]["given"])

        assert await given() == (1, 1, 1)
        assert await given() == (1, 1, 1)  # the same answer again (from the cache)
        other = await feed.record(referral("c2", "x1", "X", "Y", d(2024, 3, 1)))
        await wait_applied(client, "c2", other, settings.admin_token)
        assert await given() == (1, 1, 1)
        more = await feed.record(referral(C, "r2", "B", "A", d(2024, 3, 2)))
        await wait_applied(client, C, more, settings.admin_token)
        assert await given() == (2, 2, 2)
        late = await feed.record(step(C, "r2", "B", "A", "given", "won", d(2024, 3, 9)))
        await wait_applied(client, C, late, settings.admin_token)
        conversion = await client.get(f"/chapters/{C}/conversion", params=H1, headers=auth(settings.admin_token))
        assert conversion.json()["total"][0]["won"] == 1
