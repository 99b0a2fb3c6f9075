"""Report arithmetic without a database: reciprocity, conversion, the weekly tally, the projection's dispatch."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.referrals.adapters.projection import HANDLERS
from services.referrals.domain.conversion import conversion_tables
from services.referrals.domain.reciprocity import reciprocity_tables
from services.referrals.domain.weekly import WeeklyTally
from shared.contracts import members as m
from shared.contracts.access import SignInLinkRequested

MEMBERS = [{"member_id": "a", "member_name": "Ann", "business": "Bakery"},
           {"member_id": "b", "member_name": "Bob", "business": "Law"},
           {"member_id": "c", "member_name": "Cy", "business": "Print"}]
MEMBER_ROWS = [(m["member_id"], m["member_name"], m["business"]) for m in MEMBERS]  # reciprocity's, by position


def pair(giver: str, receiver: str, referrals: int, value: str = "0", last: date | None = None) -> tuple[object, ...]:
    return giver, receiver, referrals, Decimal(value), last


def test_reciprocity_balances_two_way_pairs_and_dormant_ones() -> None:
    pairs = [pair("a", "b", 3, "1000", date(2024, 5, 1)), pair("b", "a", 1, "0", date(2024, 4, 1)),
             pair("a", "x", 2)]  # x: active before their membership event arrived
    dormant = [("a", "c", 2, date(2024, 6, 20), date(2024, 1, 10))]
    tables = reciprocity_tables(MEMBER_ROWS, pairs, dormant, end=date(2024, 6, 30))
    rows = {r["member_id"]: r for r in tables["members"]}
    assert [r["member_id"] for r in tables["members"]] == ["a", "b", "c", "x"]
    assert (rows["a"]["given"], rows["a"]["received"], rows["a"]["index"]) == (5, 1, Decimal("0.6667"))
    assert (rows["a"]["value_index"], rows["a"]["breadth"]) == (Decimal("1.0000"), 2)
    assert rows["c"]["index"] is None and rows["x"]["member_name"] is None
    ab = next(p for p in tables["pairs"] if (p["giver_id"], p["receiver_id"]) == ("a", "b"))
    assert (ab["referrals_back"], ab["index"], ab["two_way"]) == (1, Decimal("0.5000"), True)
    assert tables["two_way_pairs"] == [{"member_a": "a", "member_b": "b"}]
    assert tables["nobody_refers_to"] == [{"member_id": "c"}]
    assert [(d["days_since_last_referral"], d["days_since_last_one_to_one"]) for d in tables["dormant"]] == [
        (172, 10)]


def test_conversion_lines_sorted_into_their_tables() -> None:
    def line(g: int, rc: int, t: int, **keys: object) -> dict[str, object]:
        return {"giver_id": None, "receiver_id": None, "temperature": None, **keys, "g_giver": g, "g_receiver": rc,
                "g_temperature": t, "given": 4, "accepted": 3, "contacted": 2, "won": 1, "lost": 1, "open": 2,
                "value": Decimal("500"), "avg_days_to_contact": Decimal("3.5"), "avg_days_to_close": Decimal("20")}

    tables = conversion_tables([line(0, 1, 1, giver_id="a"), line(1, 0, 1, receiver_id="b"),
                                line(0, 0, 1, giver_id="a", receiver_id="b"), line(1, 1, 0, temperature=4),
                                line(1, 1, 1)])
    assert tables["funnel"] == [{"stage": "given", "count": 4}, {"stage": "accepted", "count": 3},
                                {"stage": "contacted", "count": 2}, {"stage": "won", "count": 1}]
    assert tables["total"][0]["conversion"] == Decimal("0.2500")
    assert [len(tables[t]) for t in ("by_giver", "by_receiver", "by_pair", "by_temperature")] == [1, 1, 1, 1]
    assert tables["by_pair"][0]["giver_id"] == "a" and tables["by_temperature"][0]["temperature"] == 4
    assert conversion_tables([])["funnel"][0] == {"stage": "given", "count": 0}


def test_the_weekly_tally_counts_a_slip_in_every_row_it_involves_and_once_in_the_totals() -> None:
    tally = WeeklyTally(MEMBERS)
    wednesday = date(2024, 3, 6)
    tally.add({"kind": "referral", "slip_id": "r1", "member_id": "a", "other_id": "b", "occurred_on": wednesday,
               "recorded_on": date(2024, 3, 9), "referral_type": "tier-3"})
    tally.add({"kind": "attendance", "slip_id": "a@w", "member_id": "a", "other_id": None,
               "occurred_on": wednesday, "recorded_on": date(2024, 3, 7), "mark": "A"})
    tally.add({"kind": "closed-business", "slip_id": "cb1", "member_id": "b", "other_id": "a",
               "occurred_on": wednesday, "recorded_on": None, "amount": Decimal("250")})
    tables = tally.tables("c1")
    rows = {r["member_id"]: r for r in tables["members"]}
    assert (rows["a"]["referrals_given_tier_3"], rows["b"]["referrals_received"]) == (1, 1)
    assert (rows["a"]["tyfcb_as_giver"], rows["b"]["tyfcb_as_receiver"]) == (Decimal("250"), Decimal("250"))
    assert (rows["a"]["slips"], rows["a"]["slips_recorded_late"], rows["a"]["slips_recorded_unknown"]) == (3, 1, 1)
    totals = tables["totals"][0]
    assert (totals["referrals_given"], totals["absent"], totals["tyfcb"], totals["slips"]) == (1, 1, Decimal("250"), 3)
    assert [(s["slip_id"], s["days_late"]) for s in tables["late_slips"]] == [("r1", 3)]


def test_every_members_event_that_changes_a_report_has_its_handler() -> None:
    ignored = {m.AccessRevoked, m.ProspectDataErased, m.VisitorDataErased,  # no figure depends on them
               SignInLinkRequested, m.HistoryImported}  # (its slips arrive as their own events)
    assert set(HANDLERS) == set(m.members_events) - ignored
