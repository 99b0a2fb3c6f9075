"""Real data for the fuzz, made through the public API: a chapter with a president (Pat) and two members,
Ann and Bob, each with a session the administrator opened for them (the admin-only bootstrap: the fuzz's
services run as processes whose database it does not read), a referral from Ann to Bob, a spare session of
Bob's and a webhook subscription, waited for until the referrals and notifications services have them too.

The fuzz puts these ids in the path (`chapter_id`, `member_id`, `referral_id`, ...), so its requests reach
the code behind the 404s: the permission checks, the state machines, the reports of a chapter that exists."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

_chapters = itertools.count(1)


@dataclass(frozen=True)
class Caller:
    """Who sends the fuzz's requests: `role` names them in failures; no token is an anonymous caller."""

    role: str
    token: str | None
    member_id: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


@dataclass
class World:
    chapter_id: str
    region: str
    ids: dict[str, str] = field(default_factory=dict)  # name -> member_id
    tokens: dict[str, str] = field(default_factory=dict)  # name -> bearer token
    referral_id: str = ""
    spare_token_id: str = ""
    subscription_id: str = ""
    meeting_date: str = ""
    admin_token: str = ""

    def callers(self) -> dict[str, Caller]:
        return {"admin": Caller("admin", self.admin_token),
                "leader": Caller("leader (president Pat)", self.tokens["Pat"], self.ids["Pat"]),
                "member": Caller("member (Bob, the referral's receiver)", self.tokens["Bob"], self.ids["Bob"]),
                "anonymous": Caller("anonymous", None)}

    def path_parameters(self, caller: Caller) -> dict[str, str]:
        """Real ids for every path parameter the services know: the caller's own member id when they are a
        member (their feed, their scorecard, their departure), else Bob's."""
        return {"chapter_id": self.chapter_id, "member_id": caller.member_id or self.ids["Bob"],
                "referral_id": self.referral_id, "token_id": self.spare_token_id,
                "session_id": self.spare_token_id, "region": self.region,
                "meeting_date": self.meeting_date, "subscription_id": self.subscription_id}


def _ok(response: httpx.Response, *expected: int) -> dict[str, Any]:
    assert response.status_code in (expected or (200, 201)), \
        f"seeding: {response.request.method} {response.request.url.path} -> {response.status_code} {response.text}"
    body: dict[str, Any] = response.json()
    return body


def _session(members: httpx.Client, admin: dict[str, str], chapter_id: str, member_id: str) -> dict[str, Any]:
    return _ok(members.post(f"/chapters/{chapter_id}/members/{member_id}/sessions", headers=admin,
                            json={"device": "fuzz"}), 201)


def seed_world(urls: dict[str, str], admin_token: str, timeout: float = 60.0) -> World:
    admin = {"Authorization": f"Bearer {admin_token}"}
    n = next(_chapters)
    with httpx.Client(base_url=urls["members"], timeout=30) as members:
        region = f"Fuzzshire {n}"
        chapter = _ok(members.post("/chapters", headers=admin, json={
            "name": f"Fuzz Chapter {n}", "city": "Leeds", "region": region, "meeting_weekday": "wednesday",
            "meeting_time": "07:00", "timezone": "Europe/London", "currency": "GBP", "founded_on": "2024-01-10"}))
        world = World(chapter["chapter_id"], region, admin_token=admin_token, meeting_date="2024-03-06")
        for name, category in (("Pat", "Lawyer"), ("Ann", "Accountant"), ("Bob", "Florist")):
            added = _ok(members.post(f"/chapters/{world.chapter_id}/members", headers=admin, json={
                "name": name, "business": f"{name} Ltd", "category": category,
                "email": f"{name.lower()}@example.com", "joined_on": "2024-02-07"}))
            assert "token" not in added
            world.ids[name] = added["member_id"]
        _ok(members.post(f"/chapters/{world.chapter_id}/members/{world.ids['Pat']}/role", headers=admin,
                         json={"role": "president"}))
        for name in world.ids:
            world.tokens[name] = _session(members, admin, world.chapter_id, world.ids[name])["access_token"]
        given = _ok(members.post(f"/chapters/{world.chapter_id}/referrals",
                                 headers={"Authorization": f"Bearer {world.tokens['Ann']}"}, json={
            "receiver_id": world.ids["Bob"], "referral_type": "outside", "temperature": 4,
            "prospect": {"name": "Jo Bloggs", "phone": "+44 7700 900123", "email": "jo.bloggs@bakery.example",
                         "company": "Bloggs Bakery", "notes": "expects a call on Monday"},
            "occurred_on": (date.today() - timedelta(days=7)).isoformat()}))  # in the reports' default window
        world.referral_id = given["referral_id"]
        # a session of Bob's that is not the one the fuzz calls with: ending it leaves the caller working
        world.spare_token_id = _session(members, admin, world.chapter_id, world.ids["Bob"])["session_id"]
    pat = {"Authorization": f"Bearer {world.tokens['Pat']}"}
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=urls["notifications"], timeout=30) as notifications:
        # the target is allowed by the services' environment (NOTIFICATIONS_WEBHOOK_ALLOWED_HOSTS)
        world.subscription_id = _ok(notifications.post(f"/chapters/{world.chapter_id}/webhooks", headers=pat, json={
            "url": "http://127.0.0.1:9/refnet-fuzz", "event_types": ["*"]}), 201)["subscription_id"]
    with httpx.Client(base_url=urls["referrals"], timeout=30) as referrals:
        while True:  # the referrals service has the chapter and the referral (its projection follows Kafka)
            ledger = referrals.get(f"/chapters/{world.chapter_id}/referrals", headers=pat,
                                   params={"from": "2024-01-01"})
            if ledger.status_code == 200 and world.referral_id in ledger.text:
                break
            assert time.monotonic() < deadline, f"the referrals service never saw the seeded referral: {ledger.text}"
            time.sleep(0.2)
    return world
