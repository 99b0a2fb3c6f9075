"""`refnet demo`: a chapter of 25 members and a year of weekly meetings, played through the public API.

Deterministic for a given seed (the same seed records the same history, and thanks to idempotency keys a
second run records nothing twice). Personas make the reports worth looking at: a few members mostly
give, a few mostly take, and one pair trades only with each other. Every slip carries the day it
happened (`occurred_on`), so a year appears week by week on the dashboard.
Members' tokens: the administrator (never a leader) may open a member's session for bootstrapping
(`POST /chapters/{id}/members/{member}/sessions`); each is refreshed when its 15-minute token expires.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from infra.demo_sign_in import print_summary, sign_in_link

WEEKS = 52
CATEGORIES = [
    ("Accountant", "Ledger & Co"), ("Florist", "Petal Works"), ("Estate agent", "Keyhole Homes"),
    ("Solicitor", "Clause Legal"), ("Printer", "Inkwell Print"), ("IT support", "Bytewise IT"),
    ("Photographer", "Shutter Studio"), ("Electrician", "Spark Right"), ("Plumber", "Flowline Plumbing"),
    ("Mortgage broker", "Harbour Mortgages"), ("Insurance broker", "Shield Insurance"),
    ("Web designer", "Pixel Forge"), ("Caterer", "Table Ten Catering"), ("Personal trainer", "Core Fit"),
    ("Architect", "Line & Light Architects"), ("Dentist", "Bright Smile Dental"),
    ("Financial planner", "Compass Wealth"), ("Signage", "Bold Signs"), ("Travel agent", "Wander Travel"),
    ("Cleaning", "Sparkle Cleaning"), ("Builder", "Cornerstone Builders"), ("Chiropractor", "Align Chiro"),
    ("Marketing", "Loudhouse Marketing"), ("Recruiter", "Talent Bridge"), ("Car dealer", "Drive Motors"),
]
FIRST = ["Alice", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hugo", "Isla", "Jonah", "Kira", "Leo",
         "Maya", "Nikhil", "Olivia", "Pavel", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Will", "Xena",
         "Yusuf"]
LAST = ["Adams", "Brooks", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones", "Khan",
        "Lopez", "Murphy", "Novak", "Okafor", "Patel", "Quist", "Reyes", "Singh", "Turner", "Ueda", "Vance",
        "Walsh", "Young", "Zhang"]
ROLES = {0: "president", 1: "vice-president", 2: "secretary"}


@dataclass
class Session:
    """A demo member's session: its access token, and the refresh token that renews it (once each)."""
    access_token: str
    refresh_token: str
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class DemoMember:
    member_id: str
    name: str
    token: Session
    give_rate: float  # referrals given per week
    receive_weight: float  # how often others pick them
    partner: int | None = None  # the one member they (almost) only trade with


class Api:
    """The members service's public API, with bounded concurrency and deterministic idempotency keys."""

    def __init__(self, client: httpx.AsyncClient, seed: int, concurrency: int = 8) -> None:
        self.client = client
        self.seed = seed
        self.limit = asyncio.Semaphore(concurrency)
        self.requests = 0

    async def post(self, path: str, token: str | Session, body: dict[str, Any], key: str) -> dict[str, Any]:
        async with self.limit:
            for attempt in range(5):
                bearer = token.access_token if isinstance(token, Session) else token
                response = await self.client.post(
                    path, json=body,
                    headers={"Authorization": f"Bearer {bearer}", "Idempotency-Key": f"demo-{self.seed}-{key}"})
                if response.status_code == 401 and isinstance(token, Session) and attempt < 4:
                    await self.refresh(token, bearer)
                    continue
                if response.status_code < 500 and response.status_code != 429:
                    break
                await asyncio.sleep(0.2 * 2 ** attempt)
            self.requests += 1
            if response.status_code >= 400:
                raise RuntimeError(f"POST {path} → {response.status_code}: {response.text}")
            result: dict[str, Any] = response.json()
            return result


    async def refresh(self, session: Session, expired: str) -> None:  # once, however many found it expired
        async with session.lock:
            if session.access_token != expired:
                return
            renewed = await self.client.post("/sign-in/refresh", json={"refresh_token": session.refresh_token})
            if renewed.status_code != 200:
                raise RuntimeError(f"refreshing a demo session → {renewed.status_code}: {renewed.text}")
            session.access_token, session.refresh_token = (renewed.json()["access_token"],
                                                           renewed.json()["refresh_token"])

    async def open_session(self, admin_token: str, chapter_id: str, member_id: str) -> Session:
        """A session the administrator opens for a demo member (admin-only; for bootstrapping and demos)."""
        opened = await self.post(f"/chapters/{chapter_id}/members/{member_id}/sessions", admin_token,
                                 {"device": "refnet demo"}, f"session-{member_id}")
        return Session(opened["access_token"], opened["refresh_token"])


def _personas(rng: random.Random) -> list[tuple[float, float, int | None]]:
    personas: list[tuple[float, float, int | None]] = []
    for i in range(len(CATEGORIES)):
        if i in (3, 9, 15):  # generous givers
            personas.append((1.8, 0.8, None))
        elif i in (5, 12, 20):  # takers: receive a lot, give little
            personas.append((0.15, 2.6, None))
        else:
            personas.append((rng.uniform(0.5, 1.1), 1.0, None))
    personas[7] = (1.0, 1.0, 8)  # a pair who trade only with each other
    personas[8] = (1.0, 1.0, 7)
    return personas


class ChapterYear:
    def __init__(self, api: Api, rng: random.Random, admin_token: str, today: date, weeks: int) -> None:
        self.api = api
        self.rng = rng
        self.admin = admin_token
        self.today = today
        self.founded = today - timedelta(weeks=weeks, days=6)
        self.chapter_id = ""
        self.members: list[DemoMember] = []

    async def found(self) -> None:
        chapter = await self.api.post("/chapters", self.admin, {
            "name": "Riverside Business Builders", "city": "Bristol", "region": "South West England",
            "meeting_weekday": self.founded.strftime("%A").lower(), "meeting_time": "07:00",
            "timezone": "Europe/London", "currency": "GBP", "founded_on": self.founded.isoformat(),
        }, "chapter")
        self.chapter_id = chapter["chapter_id"]
        personas = _personas(self.rng)
        for i, (category, business) in enumerate(CATEGORIES):
            name = f"{FIRST[i]} {LAST[i]}"
            added = await self.api.post(f"/chapters/{self.chapter_id}/members", self.admin, {
                "name": name, "business": business, "category": category,
                "email": f"{FIRST[i].lower()}.{LAST[i].lower()}@example.org", "phone": f"+44 117 496 0{i:03d}",
                "joined_on": self.founded.isoformat(),
            }, f"member-{i}")
            if i in ROLES:
                await self.api.post(f"/chapters/{self.chapter_id}/members/{added['member_id']}/role",
                                    self.admin, {"role": ROLES[i]}, f"role-{i}")
            token = await self.api.open_session(self.admin, self.chapter_id, added["member_id"])
            give, receive, partner = personas[i]
            self.members.append(DemoMember(added["member_id"], name, token, give, receive, partner))

    @property
    def leader(self) -> DemoMember:
        return self.members[1]  # the vice-president keys in and checks the weekly figures

    def _day(self, start: date, spread: int) -> date:
        return min(start + timedelta(days=self.rng.randint(0, spread)), self.today)

    def _receiver(self, giver: int, rng: random.Random) -> int:
        partner = self.members[giver].partner
        if partner is not None and rng.random() < 0.9:
            return partner
        candidates = [i for i in range(len(self.members)) if i != giver and self.members[i].partner is None]
        weights = [self.members[i].receive_weight for i in candidates]
        return rng.choices(candidates, weights)[0]

    def week(self, w: int) -> list[Awaitable[Any]]:
        """Everything recorded about meeting week `w` (its slips and their later follow-ups)."""
        meeting = self.founded + timedelta(weeks=w)
        path = f"/chapters/{self.chapter_id}"
        work: list[Awaitable[Any]] = []
        marks = []
        for m in self.members:
            mark = self.rng.choices("PALMS", [86, 5, 4, 2, 3])[0]
            marks.append({"member_id": m.member_id, "mark": mark,
                          **({"substitute_name": "A. Substitute"} if mark == "S" else {})})
        work.append(self.api.post(f"{path}/meetings/{meeting.isoformat()}/attendance", self.leader.token,
                                  {"marks": marks}, f"attendance-{w}"))
        for i, member in enumerate(self.members):
            count = self._poisson(member.give_rate)
            for k in range(count):
                work.append(self._referral(w, i, k, meeting))
            if self.rng.random() < 0.7:
                work.append(self.api.post(f"{path}/ceus", member.token, {
                    "description": self.rng.choice(["Networking podcast", "Presentation skills workshop",
                                                    "Book: Givers Gain", "Online training"]),
                    "occurred_on": self._day(meeting, 6).isoformat()}, f"ceu-{w}-{i}"))
        for k in range(self.rng.randint(8, 16)):
            a, b = self.rng.sample(range(len(self.members)), 2)
            if self.members[a].partner is not None or self.members[b].partner is not None:
                continue
            work.append(self.api.post(f"{path}/one-to-ones", self.members[a].token, {
                "with_member_id": self.members[b].member_id, "mode": self.rng.choice(["in-person", "video", "phone"]),
                "occurred_on": self._day(meeting, 6).isoformat()}, f"121-{w}-{k}"))
        for v in range(self.rng.choice([0, 1, 1, 2, 2, 3])):
            work.append(self._visitor(w, v, meeting))
        return work

    def _poisson(self, rate: float) -> int:
        count, threshold, product = 0, pow(2.718281828, -rate), self.rng.random()
        while product > threshold:
            count += 1
            product *= self.rng.random()
        return count

    async def _visitor(self, w: int, v: int, meeting: date) -> None:
        host = self.rng.randrange(len(self.members))
        path = f"/chapters/{self.chapter_id}/visitors"
        visitor = await self.api.post(path, self.members[host].token, {
            "visitor_name": f"Visitor {w}-{v}", "business": "Prospective member business",
            "occurred_on": meeting.isoformat()}, f"visitor-{w}-{v}")
        await self.api.post(f"{path}/{visitor['visitor_id']}/steps", self.members[host].token,
                            {"step": "attended", "occurred_on": meeting.isoformat()}, f"visitor-{w}-{v}-attended")

    async def _referral(self, w: int, giver_index: int, k: int, meeting: date) -> None:
        rng = random.Random(f"{self.api.seed}-{w}-{giver_index}-{k}")  # stable whatever runs first
        giver = self.members[giver_index]
        receiver_index = self._receiver(giver_index, rng)
        receiver = self.members[receiver_index]
        given_on = min(meeting + timedelta(days=rng.choice([0, 0, 0, 1, 2])), self.today)
        temperature = rng.choices([1, 2, 3, 4, 5], [1, 2, 4, 3, 2])[0]
        key = f"ref-{w}-{giver_index}-{k}"
        path = f"/chapters/{self.chapter_id}"
        referral = await self.api.post(f"{path}/referrals", giver.token, {
            "receiver_id": receiver.member_id, "referral_type": rng.choices(["outside", "inside", "tier-3"],
                                                                            [7, 2, 1])[0],
            "temperature": temperature,
            "prospect": {"name": f"Prospect {w}-{giver_index}-{k}", "phone": "+44 117 496 0999",
                         "email": f"prospect{w}x{giver_index}x{k}@example.com", "company": "Prospect Ltd"},
            "occurred_on": given_on.isoformat()}, key)
        status_path = f"{path}/referrals/{referral['referral_id']}/status"
        day = given_on
        steps: list[tuple[str, int]] = [("accepted", 3)] if rng.random() < 0.9 else [("declined", 3)]
        if steps[0][0] == "accepted" and rng.random() < 0.85:
            steps.append(("contacted", 7))
            outcome = rng.random()
            # warmer referrals close more often: that is what the conversion report should show
            if outcome < 0.12 + 0.09 * temperature:
                steps.append(("won", 30))
            elif outcome < 0.75:
                steps.append(("lost", 30))
        for status, spread in steps:
            day = min(day + timedelta(days=rng.randint(1, spread)), self.today)
            body: dict[str, Any] = {"status": status, "occurred_on": day.isoformat()}
            if status == "declined":
                body["reason"] = "outside my service area"
            await self.api.post(status_path, receiver.token, body, f"{key}-{status}")
        if steps[-1][0] == "won":
            amount = Decimal(str(round(rng.lognormvariate(7.2, 0.9), 2))).quantize(Decimal("0.01"))
            closed = await self.api.post(f"{path}/closed-business", receiver.token, {
                "thanked_member_id": giver.member_id, "amount": str(max(amount, Decimal("50.00"))),
                "business_kind": "new" if rng.random() < 0.7 else "repeat", "referral_type": "outside",
                "referral_id": referral["referral_id"], "occurred_on": day.isoformat()}, f"{key}-tyfcb")
            if rng.random() < 0.85:
                await self.api.post(f"{path}/closed-business/{closed['closed_business_id']}/verdict", giver.token,
                                    {"verdict": "confirmed", "occurred_on": day.isoformat()}, f"{key}-confirm")


async def _live(year: ChapterYear) -> None:
    n = 0
    while True:
        n += 1
        giver = year.rng.randrange(len(year.members))
        await year._referral(100_000 + n, giver, 0, year.today)
        print(f"recorded live referral {n} from {year.members[giver].name}", flush=True)
        await asyncio.sleep(3)


async def run_demo(*, members_url: str, referrals_url: str, seed: int, live: bool, admin_token: str,
                   weeks: int = WEEKS, today: date | None = None, mail_dir: Path | None = None) -> ChapterYear:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=members_url, timeout=30) as client:
        api = Api(client, seed)
        year = ChapterYear(api, rng, admin_token, today or date.today(), weeks)
        await year.found()
        if live:
            await _live(year)
        with Progress(TextColumn("[bold]demo chapter"), BarColumn(), MofNCompleteColumn(), TextColumn("weeks"),
                      TimeRemainingColumn(), TextColumn("{task.fields[rate]}")) as progress:
            task = progress.add_task("weeks", total=weeks, rate="")
            loop = asyncio.get_running_loop()
            started = loop.time()
            for w in range(weeks):
                await asyncio.gather(*year.week(w))
                rate = api.requests / max(loop.time() - started, 1e-6)
                progress.update(task, advance=1, rate=f"{api.requests} requests, {rate:.0f}/s")
        leader, member = year.leader, year.members[10]
        fresh = {m.name: await api.open_session(admin_token, year.chapter_id, m.member_id) for m in (leader, member)}
        link = await sign_in_link(client, address := f"{leader.name.lower().replace(' ', '.')}@example.org", mail_dir)
    print_summary(referrals_url=referrals_url, members_url=members_url, chapter_id=year.chapter_id,
                  members=len(year.members), weeks=weeks, requests=api.requests, leader=leader.name,
                  leader_email=address, link=link, leader_token=fresh[leader.name].access_token, member=member.name,
                  member_token=fresh[member.name].access_token)
    return year
