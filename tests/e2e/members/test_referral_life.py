"""The whole life of a referral, from given to won with closed business, as the chapter and Kafka see it."""

from __future__ import annotations

import asyncio

from shared.settings import Settings
from tests.e2e.members.conftest import ChapterWorld, referral
from tests.integration.foundation.things import body_of, headers_of, read_topic


async def test_referral_from_given_to_won_with_closed_business_lands_on_the_topic_in_order(
        world: ChapterWorld, settings: Settings) -> None:
    ann, bob = world.ids["Ann"], world.ids["Bob"]
    given = await world.post("Ann", "/referrals", referral(bob))
    assert given.status_code == 201, given.text
    referral_id = given.json()["referral_id"]
    positions = [given.json()["position"]]
    for status, day in (("accepted", "2025-03-05"), ("contacted", "2025-03-07"), ("won", "2025-03-20")):
        moved = await world.post("Bob", f"/referrals/{referral_id}/status", {"status": status, "occurred_on": day})
        assert moved.status_code == 200, moved.text
        positions.append(moved.json()["position"])
    thanks = await world.post("Bob", "/closed-business", {
        "thanked_member_id": ann, "amount": "1250.50", "business_kind": "new", "referral_type": "outside",
        "referral_id": referral_id, "occurred_on": "2025-03-20"})
    assert thanks.status_code == 201, thanks.text
    assert thanks.json()["amount"] == "1250.50" and thanks.json()["currency"] == "GBP"
    confirmed = await world.post("Ann", f"/closed-business/{thanks.json()['closed_business_id']}/verdict",
                                 {"verdict": "confirmed", "occurred_on": "2025-03-21"})
    assert confirmed.status_code == 201, confirmed.text
    assert positions == sorted(positions)

    seen = await world.get("Bob", f"/referrals/{referral_id}")
    assert seen.json()["status"] == "won"
    assert [s["status"] for s in seen.json()["steps"]] == ["given", "accepted", "contacted", "won"]
    assert seen.json()["prospect"]["name"] == "Jo Bloggs"
    business = (await world.get("Ann", "/closed-business")).json()
    assert business[0]["verdict"] == "confirmed" and business[0]["amount"] == "1250.50"

    referrals_topic = await read_topic(settings.kafka_bootstrap_servers, settings.topic("members.referrals"), 4)
    types = [headers_of(r)["ce_type"] for r in referrals_topic]
    assert types == ["org.refnet.members.referral-given.v1"] + ["org.refnet.members.referral-status-changed.v1"] * 3
    assert [body_of(r).get("to_status") for r in referrals_topic[1:]] == ["accepted", "contacted", "won"]
    assert all(r.key.decode() == world.chapter_id for r in referrals_topic)
    sequences = [int(headers_of(r)["ce_sequence"]) for r in referrals_topic]
    assert sequences == sorted(sequences)
    tyfcb = await read_topic(settings.kafka_bootstrap_servers, settings.topic("members.closed-business"), 2)
    assert [headers_of(r)["ce_type"] for r in tyfcb] == ["org.refnet.members.closed-business-reported.v1",
                                                         "org.refnet.members.closed-business-confirmed.v1"]
    assert body_of(tyfcb[0])["amount"] == "1250.50" and body_of(tyfcb[0])["thanked_member_id"] == ann
    assert min(int(headers_of(r)["ce_sequence"]) for r in tyfcb) > max(sequences)


async def test_illegal_step_is_409_naming_the_current_status(world: ChapterWorld) -> None:
    referral_id = (await world.post("Ann", "/referrals", referral(world.ids["Bob"]))).json()["referral_id"]
    skipped = await world.post("Bob", f"/referrals/{referral_id}/status", {"status": "won"})
    assert skipped.status_code == 409 and "'given'" in skipped.json()["detail"]
    declined = await world.post("Bob", f"/referrals/{referral_id}/status", {"status": "declined"})
    assert declined.status_code == 422 and declined.json()["detail"][0]["loc"] == ["body", "reason"]
    declined = await world.post("Bob", f"/referrals/{referral_id}/status",
                                {"status": "declined", "reason": "not my area"})
    assert declined.status_code == 200
    again = await world.post("Bob", f"/referrals/{referral_id}/status", {"status": "accepted"})
    assert again.status_code == 409 and "'declined'" in again.json()["detail"]


async def test_concurrent_conflicting_status_changes_one_wins_the_other_is_409(world: ChapterWorld) -> None:
    for _ in range(3):
        referral_id = (await world.post("Ann", "/referrals", referral(world.ids["Bob"]))).json()["referral_id"]
        for step in ("accepted", "contacted"):
            assert (await world.post("Bob", f"/referrals/{referral_id}/status", {"status": step})).status_code == 200
        won, lost = await asyncio.gather(
            world.post("Bob", f"/referrals/{referral_id}/status", {"status": "won"}),
            world.post("Bob", f"/referrals/{referral_id}/status", {"status": "lost"}))
        assert sorted([won.status_code, lost.status_code]) == [200, 409]
        loser = won if won.status_code == 409 else lost
        final = (await world.get("Bob", f"/referrals/{referral_id}")).json()["status"]
        assert f"'{final}'" in loser.json()["detail"]
        assert [s["status"] for s in (await world.get("Bob", f"/referrals/{referral_id}")).json()["steps"]][-1] == final


async def test_closed_business_linked_to_a_referral_must_thank_its_giver(world: ChapterWorld) -> None:
    referral_id = (await world.post("Ann", "/referrals", referral(world.ids["Bob"]))).json()["referral_id"]
    wrong = await world.post("Bob", "/closed-business", {
        "thanked_member_id": world.ids["Cy"], "amount": "100.00", "business_kind": "new",
        "referral_id": referral_id, "occurred_on": "2025-03-06"})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "thanked_member_id"]
    float_amount = await world.post("Bob", "/closed-business", {
        "thanked_member_id": world.ids["Ann"], "amount": 100.1, "business_kind": "new"})
    assert float_amount.status_code == 422 and float_amount.json()["detail"][0]["loc"] == ["body", "amount"]
    assert (await world.get("Pat", "/closed-business")).json() == []


async def test_disputed_by_the_thanked_member_only(world: ChapterWorld) -> None:
    cb = await world.post("Bob", "/closed-business", {"thanked_member_id": world.ids["Ann"], "amount": "80",
                                                      "business_kind": "repeat"})
    assert cb.status_code == 201, cb.text
    path = f"/closed-business/{cb.json()['closed_business_id']}/verdict"
    assert (await world.post("Bob", path, {"verdict": "confirmed"})).status_code == 403
    assert (await world.post("Cy", path, {"verdict": "disputed", "reason": "x"})).status_code == 403
    disputed = await world.post("Ann", path, {"verdict": "disputed", "reason": "that was only a quote"})
    assert disputed.status_code == 201
    assert (await world.post("Ann", path, {"verdict": "confirmed"})).status_code == 409
    shown = (await world.get("Pat", f"/closed-business/{cb.json()['closed_business_id']}")).json()
    assert shown["verdict"] == "disputed" and shown["dispute_reason"] == "that was only a quote"
