"""Paging parameters from a hostile caller: out of range or not numbers is 422 naming the parameter
(never a 500, never a huge answer); in range, one page with the total and the next page's link."""

from __future__ import annotations

import pytest

from tests.e2e.members.conftest import ChapterWorld

LISTS = ["/members", "/referrals", "/closed-business", "/one-to-ones", "/ceus", "/visitors",
         "/meetings/2025-03-05/attendance", "/imports/imp-unknown"]
HOSTILE = [("limit", "-1"), ("limit", "0"), ("offset", "-5"), ("limit", str(10**12)), ("offset", str(10**20)),
           ("limit", "ten"), ("offset", "1e3")]


@pytest.mark.parametrize("path", LISTS)
async def test_out_of_range_paging_is_422_naming_the_parameter(world: ChapterWorld, path: str) -> None:
    for name, value in HOSTILE:
        answer = await world.client.get(f"/chapters/{world.chapter_id}{path}", params={name: value},
                                        headers=world.as_("Pat"))
        assert answer.status_code == 422, (path, name, value, answer.text)
        assert answer.json()["detail"][0]["loc"] == ["query", name], answer.text


async def test_a_page_says_the_total_and_where_the_next_one_is(world: ChapterWorld) -> None:
    base = f"/chapters/{world.chapter_id}/members"
    everyone = (await world.get("Pat", "/members")).json()
    assert len(everyone) == 4
    page = await world.client.get(base, params={"limit": 2, "offset": 1}, headers=world.as_("Pat"))
    assert page.status_code == 200 and page.json() == everyone[1:3]
    assert page.headers["X-Total-Count"] == "4"
    assert page.headers["Link"] == f'<{base}?offset=3&limit=2>; rel="next"'
    last = await world.client.get(base, params={"limit": 2, "offset": 3}, headers=world.as_("Pat"))
    assert last.json() == everyone[3:] and "Link" not in last.headers
    beyond = await world.client.get(base, params={"offset": 10_000_000}, headers=world.as_("Pat"))
    assert beyond.status_code == 200 and beyond.json() == []
