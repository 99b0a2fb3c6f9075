"""The demo chapter's asks: a few members say what they are looking for, through the public API (each as
themself, in a session the administrator opens for the demo), so the scorecards' next best actions, the app's
asks and the weekly digest have some to show. Kira Khan (insurance broker, the member the demo prints a token
for) is nudged to answer Chloe Chen's ask."""

from __future__ import annotations

import httpx

from infra.demo import ChapterYear

ASKS = {
    2: "Introductions to landlords and insurance brokers",
    0: "Startups and builders who need bookkeeping",
    14: "Developers and builders planning extensions",
    12: "Office managers organising events",
    11: "Shops that need a website; dentists and photographers",
}
"""By the member's place in the demo's roster (see infra.demo.CATEGORIES)."""


async def record_asks(members_url: str, admin_token: str, year: ChapterYear) -> int:
    admin = {"Authorization": f"Bearer {admin_token}"}
    async with httpx.AsyncClient(base_url=members_url, timeout=30) as client:
        for index, text in ASKS.items():
            member = year.members[index]
            path = f"/chapters/{year.chapter_id}/members/{member.member_id}"
            opened = await client.post(f"{path}/sessions", headers=admin, json={"device": "demo"})
            opened.raise_for_status()
            own = {"Authorization": f"Bearer {opened.json()['access_token']}"}
            (await client.put(f"{path}/ask", headers=own, json={"text": text})).raise_for_status()
    return len(ASKS)
