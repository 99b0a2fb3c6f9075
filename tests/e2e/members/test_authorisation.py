"""Every authorisation rule, each tried and broken: the attempt is refused and nothing is recorded."""

from __future__ import annotations

import httpx
import jwt
import pytest

from tests.e2e.members.conftest import ADMIN, ChapterWorld, bearer, found, referral


async def last_position(world: ChapterWorld) -> int:
    return int((await world.client.get("/health")).json()["last_position"])


@pytest.fixture
async def other(world: ChapterWorld) -> ChapterWorld:
    """A second chapter with its own president (Oz) and member (Ola)."""
    o = ChapterWorld(world.client, await found(world.client, "Other Chapter"), world.settings)
    assert (await o.add("admin", "Oz", "Dentist")).status_code == 201
    assert (await o.add("admin", "Ola", "Baker")).status_code == 201
    assert (await o.post("admin", f"/members/{o.ids['Oz']}/role", {"role": "president"})).status_code == 201
    await o.sign_in("Oz")
    return o


@pytest.mark.parametrize("field", ["giver_id", "status", "chapter_id", "referral_id", "version"])
async def test_fields_the_caller_may_not_set_are_422_naming_them(world: ChapterWorld, field: str) -> None:
    before = await last_position(world)
    response = await world.post("Ann", "/referrals", referral(world.ids["Bob"], **{field: "x"}))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert await last_position(world) == before


async def test_a_member_records_slips_only_as_themselves(world: ChapterWorld) -> None:
    before = await last_position(world)
    as_bob = await world.post("Ann", "/closed-business", {"thanked_member_id": world.ids["Cy"], "amount": "10",
                                                          "business_kind": "new", "reported_by": world.ids["Bob"]})
    assert as_bob.status_code == 422 and as_bob.json()["detail"][0]["loc"] == ["body", "reported_by"]
    ceu = await world.post("Ann", "/ceus", {"description": "book", "member_id": world.ids["Bob"]})
    assert ceu.status_code == 422 and ceu.json()["detail"][0]["loc"] == ["body", "member_id"]
    admin = await world.post("admin", "/referrals", referral(world.ids["Bob"]))
    assert admin.status_code == 403
    to_self = await world.post("Ann", "/referrals", referral(world.ids["Ann"]))
    assert to_self.status_code == 422 and to_self.json()["detail"][0]["loc"] == ["body", "receiver_id"]
    assert await last_position(world) == before


async def test_a_member_records_only_in_their_own_chapter(world: ChapterWorld, other: ChapterWorld) -> None:
    before = await last_position(world)
    into_other = await world.client.post(f"/chapters/{other.chapter_id}/referrals", headers=world.as_("Ann"),
                                         json=referral(other.ids["Ola"]))
    assert into_other.status_code == 404
    across = await world.post("Ann", "/referrals", referral(other.ids["Ola"]))
    assert across.status_code == 422 and across.json()["detail"][0]["loc"] == ["body", "receiver_id"]
    thanks_across = await world.post("Ann", "/closed-business", {"thanked_member_id": other.ids["Ola"],
                                                                 "amount": "99.00", "business_kind": "new"})
    assert thanks_across.status_code == 422
    assert await last_position(world) == before


async def test_another_chapters_ids_are_404_never_its_data(world: ChapterWorld, other: ChapterWorld) -> None:
    referral_id = (await world.post("Ann", "/referrals", referral(world.ids["Bob"]))).json()["referral_id"]
    for path in ("", "/members", f"/members/{world.ids['Ann']}", "/referrals", f"/referrals/{referral_id}",
                 "/closed-business", "/visitors", "/one-to-ones", "/ceus", "/meetings/2025-03-05/attendance"):
        response = await world.client.get(f"/chapters/{world.chapter_id}{path}", headers=other.as_("Oz"))
        assert response.status_code == 404, path
        assert "Jo Bloggs" not in response.text and "Ann" not in response.text
    # the id of one chapter's referral under the other chapter's path
    assert (await other.get("Oz", f"/referrals/{referral_id}")).status_code == 404
    assert (await other.post("Oz", f"/referrals/{referral_id}/status", {"status": "accepted"})).status_code == 404
    assert (await other.get("Oz", f"/members/{world.ids['Ann']}")).status_code == 404
    assert (await other.post("Oz", f"/members/{world.ids['Ann']}/departure", {"dropped": True})).status_code == 404
    assert (await world.get("Ann", f"/referrals/{referral_id}")).json()["status"] == "given"


async def test_only_the_receiver_moves_a_referral(world: ChapterWorld) -> None:
    referral_id = (await world.post("Ann", "/referrals", referral(world.ids["Bob"]))).json()["referral_id"]
    for who in ("Ann", "Cy", "Pat", "admin"):
        response = await world.post(who, f"/referrals/{referral_id}/status", {"status": "accepted"})
        assert response.status_code == 403, who
    assert (await world.get("Bob", f"/referrals/{referral_id}")).json()["status"] == "given"


async def test_only_leaders_manage_members_and_attendance(world: ChapterWorld) -> None:
    before = await last_position(world)
    assert (await world.add("Ann", "Dee", "Dentist")).status_code == 403
    assert (await world.post("Ann", f"/members/{world.ids['Bob']}/departure", {"dropped": True})).status_code == 403
    assert (await world.post("Ann", f"/members/{world.ids['Bob']}/departure", {})).status_code == 403
    assert (await world.post("Ann", f"/members/{world.ids['Ann']}/departure", {"dropped": True})).status_code == 403
    assert (await world.post("Ann", f"/members/{world.ids['Bob']}/renewal", {})).status_code == 403
    marks = {"marks": [{"member_id": world.ids["Ann"], "mark": "P"}]}
    assert (await world.post("Ann", "/meetings/2025-03-05/attendance", marks)).status_code == 403
    assert (await world.post("Ann", f"/members/{world.ids['Bob']}/tokens")).status_code == 403
    assert await last_position(world) == before
    assert (await world.post("Pat", "/meetings/2025-03-05/attendance", marks)).status_code == 201


async def test_only_the_admin_appoints_leaders(world: ChapterWorld) -> None:
    for who in ("Pat", "Ann"):
        response = await world.post(who, f"/members/{world.ids['Ann']}/role", {"role": "vice-president"})
        assert response.status_code == 403, who
    roles = {m["name"]: m["role"] for m in (await world.get("Pat", "/members")).json()}
    assert roles["Ann"] == "member"


async def test_a_leader_of_another_chapter_leads_nothing_here(world: ChapterWorld, other: ChapterWorld) -> None:
    response = await world.client.post(f"/chapters/{world.chapter_id}/members", headers=other.as_("Oz"),
                                       json={"name": "Eve", "business": "E", "category": "Spy",
                                             "email": "eve@example.com"})
    assert response.status_code == 404


async def test_a_referral_is_seen_by_its_parties_and_leaders_only(world: ChapterWorld) -> None:
    referral_id = (await world.post("Ann", "/referrals", referral(world.ids["Bob"]))).json()["referral_id"]
    assert (await world.get("Cy", f"/referrals/{referral_id}")).status_code == 403
    assert (await world.get("Cy", "/referrals")).json() == []
    by_leader = (await world.get("Pat", f"/referrals/{referral_id}")).json()
    assert by_leader["prospect"] is None
    assert (await world.get("Bob", f"/referrals/{referral_id}")).json()["prospect"]["phone"] == "+44 7700 900123"


async def test_missing_and_forged_tokens_are_401(world: ChapterWorld) -> None:
    assert (await world.client.get(f"/chapters/{world.chapter_id}/members")).status_code == 401
    claims = jwt.decode(world.tokens["Ann"], options={"verify_signature": False})
    forged = jwt.encode({**claims, "role": "president"}, "not-the-secret-but-long-enough-for-hs256!", algorithm="HS256")
    client: httpx.AsyncClient = world.client
    assert (await client.get(f"/chapters/{world.chapter_id}/members", headers=bearer(forged))).status_code == 401
    assert (await client.get(f"/chapters/{world.chapter_id}/members", headers=bearer(ADMIN + "x"))).status_code == 401
