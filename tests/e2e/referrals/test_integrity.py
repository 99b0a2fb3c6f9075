"""The integrity report on a scripted chapter through real Kafka and PostgreSQL: a closed business recorded
twice, a pair padding each other's figures, closed business nobody confirmed and slips keyed in weeks late
are each flagged, naming their slips; the honest members raise nothing. JSON and CSV; leaders only."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from datetime import date as d
from typing import Any

from shared.contracts import members as m
from shared.contracts.referrals import INTEGRITY
from shared.settings import Settings
from tests.e2e.referrals.helpers import (
    MembersFeed,
    auth,
    ceu,
    chapter,
    closed,
    joined,
    referral,
    running_app,
    token,
    wait_applied,
    wait_consumed,
)
from tests.integration.foundation.things import body_of, read_topic

C = "integrity-1"
WINDOW = {"from": "2024-01-01", "to": "2024-06-30"}


def at(month: int, day: int) -> datetime:
    return datetime(2024, month, day, 12, tzinfo=UTC)


async def record_history(feed: MembersFeed) -> None:
    script: list[tuple[datetime, list[Any]]] = [
        (at(1, 1), [chapter(C), *(joined(C, x, d(2023, 1, 1)) for x in ("ann", "bob", "cid", "dan")),
                    joined(C, "pat", d(2023, 1, 1), role="president")]),
        # ann and bob pad each other: six referrals back and forth in six weeks, nothing to anyone else
        *((at(2, 1 + 7 * i), [referral(C, f"pad{i}", *(("ann", "bob") if i % 2 == 0 else ("bob", "ann")),
                                       d(2024, 2, 1 + 7 * i))]) for i in range(4)),
        (at(3, 10), [referral(C, "pad4", "ann", "bob", d(2024, 3, 10)),
                     referral(C, "pad5", "ann", "bob", d(2024, 3, 11))]),
        # cid spreads hers, and thanks dan once, honestly, confirmed
        (at(2, 5), [referral(C, "c1", "cid", "ann", d(2024, 2, 5)), referral(C, "c2", "cid", "bob", d(2024, 2, 5)),
                    referral(C, "c3", "cid", "dan", d(2024, 2, 6)), referral(C, "c4", "cid", "pat", d(2024, 2, 6))]),
        (at(2, 20), [closed(C, "honest", "cid", "dan", "800.00", d(2024, 2, 20), rid="c3")]),
        (at(2, 22), [m.ClosedBusinessConfirmed(chapter_id=C, closed_business_id="honest", thanked_member_id="dan",
                                               occurred_on=d(2024, 2, 22))]),
        # a frozen screen: bob's thank-you to ann for 1,200 recorded twice, three days apart, never confirmed
        (at(4, 2), [closed(C, "cb-a", "bob", "ann", "1200.00", d(2024, 4, 2), rid="pad1")]),
        (at(4, 5), [closed(C, "cb-b", "bob", "ann", "1200.00", d(2024, 4, 5))]),
        # the president keys in cid's paper slip at the meeting
        (at(4, 10), [m.CeuRecorded(chapter_id=C, ceu_id="keyed-ceu", member_id="cid", description="a talk",
                                   occurred_on=d(2024, 4, 10), recorded_by="pat")]),
        # dan keys in a CEU from January in May
        (at(5, 20), [ceu(C, "late-ceu", "dan", d(2024, 1, 15))]),
    ]
    for recorded_at, events in script:
        await feed.record_at(recorded_at, *events)


async def test_integrity_report_flags_duplicates_padding_and_late_slips_and_not_honest_members(
        settings: Settings) -> None:
    leader = token(settings, "pat", C, "president")
    async with MembersFeed(settings) as feed, running_app(settings) as (app, client):
        await record_history(feed)
        await wait_applied(client, C, feed.positions, leader)
        r = await client.get(f"/chapters/{C}/integrity", params=WINDOW, headers=auth(leader))
        assert r.status_code == 200, r.text
        rep = r.json()

        [dup] = rep["suspected_duplicates"]
        assert (dup["closed_business_id"], dup["looks_like_closed_business_id"]) == ("cb-a", "cb-b")
        assert (dup["thanked_member_id"], dup["reported_by"]) == ("ann", "bob")

        # ann gave pad0, pad2, pad4, pad5 to bob: all four to one partner (cid's four go to four members)
        [pair] = rep["concentrated_pairs"]
        assert (pair["giver_id"], pair["receiver_id"], pair["referrals"], pair["share"]) == ("ann", "bob", 4, "1.0000")
        assert pair["referral_ids"] == "pad0 pad2 pad4 pad5"

        members = {row["member_id"]: row for row in rep["members"]}
        # between ann and bob: 1, 1/2, 1/3, 1/4, 1/5, 1/6 in order given (pad0, pad1 ... pad5)
        # ann: pad0 1 + pad2 1/3 + pad4 1/5 + pad5 1/6 = 1.7000; bob: pad1 1/2 + pad3 1/4 = 0.7500
        assert (members["ann"]["referrals_given"], members["ann"]["effective_referrals"]) == (4, "1.7000")
        assert (members["bob"]["referrals_given"], members["bob"]["effective_referrals"]) == (2, "0.7500")
        assert (members["cid"]["referrals_given"], members["cid"]["effective_referrals"]) == (4, "4.0000")
        # ann is credited with cb-a (linked) and cb-b (unlinked); dan's one is linked and confirmed
        assert (members["ann"]["closed_business_credited"], members["ann"]["unlinked_share"]) == (2, "0.5000")
        assert (members["dan"]["unlinked_share"], members["dan"]["disputed_share"]) == ("0.0000", "0.0000")

        # on 30 June both of ann's are waiting far longer than 14 days; dan's was confirmed
        assert [p["closed_business_id"] for p in rep["pending_confirmation"]] == ["cb-a", "cb-b"]
        assert [(s["slip_id"], s["member_id"], s["days_late"]) for s in rep["back_dated"]] == [("late-ceu", "dan", 126)]
        assert (members["dan"]["slips_recorded"], members["dan"]["back_dated_share"]) == (1, "1.0000")
        assert members["cid"]["back_dated"] == 0 and members["cid"]["top_partner_share"] == "0.2500"
        # what others keyed in for a member is told apart from what they recorded themself
        assert [(k["slip_id"], k["member_id"], k["recorded_by"]) for k in rep["keyed_by_others"]] == [
            ("keyed-ceu", "cid", "pat")]
        assert (members["cid"]["keyed_by_others"], members["cid"]["slips_recorded"]) == (1, 6)  # + "honest"
        assert members["dan"]["keyed_by_others"] == 0
        assert rep["rules"]["back_dated_days"] == 7

        csv = await client.get(f"/chapters/{C}/integrity.csv", params={**WINDOW, "table": "suspected_duplicates"},
                               headers=auth(leader))
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        lines = csv.text.splitlines()
        assert len(lines) == 2 and "cb-a" in lines[1] and "cb-b" in lines[1]

        # announced once, on the integrity topic, also when every members event is delivered again
        await feed.republish_everything()
        await wait_consumed(settings)
        rows = await app.state.service.pool.fetch(
            "SELECT data FROM events WHERE type = 'org.refnet.referrals.closed-business-looks-duplicated.v1'")
        assert [(json.loads(r["data"])["closed_business_id"], json.loads(r["data"])["looks_like_closed_business_id"])
                for r in rows] == [("cb-a", "cb-b")]
        [published] = await read_topic(settings.kafka_bootstrap_servers, settings.topic(INTEGRITY), 1)
        assert body_of(published)["thanked_member_id"] == "ann"

        # a member does not get the chapter's integrity report
        member = await client.get(f"/chapters/{C}/integrity", params=WINDOW, headers=auth(token(settings, "ann", C)))
        assert member.status_code == 403
