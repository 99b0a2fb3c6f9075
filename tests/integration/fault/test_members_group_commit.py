"""Group commit under a crash: the members process is killed (kill -9) while slips stream in, restarted,
and every client retries with its Idempotency-Key. Every slip answered before the crash exists exactly once,
with the answer first given; every other slip is recorded once by its retry."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from infra.processes import free_port
from shared.settings import Settings
from tests.conftest import ROOT

pytestmark = pytest.mark.fault

SLIPS = 800
CLIENTS = 40
MEMBERS = 8


def slip(n: int, ids: list[str]) -> dict[str, Any]:
    return {"receiver_id": ids[(n + 1) % MEMBERS], "referral_type": "outside", "temperature": 1 + n % 5,
            "prospect": {"name": f"Prospect {n}", "phone": "+44 1904 000000"}, "occurred_on": "2025-03-05"}


class MembersProcess:
    def __init__(self, settings: Settings) -> None:
        self.port = free_port(18600)
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
                    "DATABASE_URL": settings.database_url, "REFNET_TOPIC_PREFIX": settings.topic_prefix,
                    "MEMBERS_DATABASE_URL": settings.service_database_url("members"),
                    "REFNET_ADMIN_TOKEN": settings.admin_token, "REFNET_TOKEN_SECRET": settings.token_secret,
                    "REFNET_RATE_WRITES_PER_TOKEN": "100000", "REFNET_RATE_PER_ADDRESS": "100000",
                    "MEMBERS_GROUP_COMMIT_MS": "5", "MEMBERS_GROUP_COMMIT_MAX": "64"}
        self.proc: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "infra.cli", "serve", "members", "--port", str(self.port)],
                                     cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def start(self) -> None:
        self.spawn()
        assert self.proc is not None
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                assert self.proc.poll() is None, "the members service exited"
                try:
                    if (await client.get(f"{self.url}/health")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise TimeoutError("the members service did not start")

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


@pytest.fixture
def members(settings: Settings) -> Iterator[MembersProcess]:
    process = MembersProcess(settings)
    yield process
    process.stop()


async def test_every_acknowledged_slip_survives_a_kill_and_retries_record_nothing_twice(
        members: MembersProcess, settings: Settings) -> None:
    await members.start()
    admin = {"Authorization": f"Bearer {settings.admin_token}"}
    async with httpx.AsyncClient(base_url=members.url, timeout=30,
                                 limits=httpx.Limits(max_connections=CLIENTS + 5)) as client:
        chapter = (await client.post("/chapters", headers=admin, json={
            "name": "Crash", "city": "York", "region": "North", "meeting_weekday": "tuesday", "meeting_time": "07:30",
            "timezone": "Europe/London", "currency": "GBP", "founded_on": "2024-01-09"})).json()["chapter_id"]
        ids, tokens = [], []
        for i in range(MEMBERS):
            added = (await client.post(f"/chapters/{chapter}/members", headers=admin, json={
                "name": f"Member {i}", "business": f"B{i}", "category": f"C{i}", "email": f"m{i}@example.org",
                "joined_on": "2024-01-09"})).json()
            opened = (await client.post(f"/chapters/{chapter}/members/{added['member_id']}/sessions", headers=admin,
                                        json={"device": "test"})).json()
            ids.append(added["member_id"])
            tokens.append({"Authorization": f"Bearer {opened['access_token']}"})

        def send(n: int) -> Any:
            headers = {**tokens[n % MEMBERS], "Idempotency-Key": f"slip-{n}"}
            return client.post(f"/chapters/{chapter}/referrals", headers=headers, json=slip(n, ids))

        acknowledged: dict[int, dict[str, Any]] = {}
        unanswered: list[int] = []
        crashed = asyncio.Event()
        next_slip = iter(range(SLIPS))

        async def steady_client() -> None:
            for n in next_slip:
                if crashed.is_set():
                    unanswered.append(n)
                    continue
                try:
                    answer = await send(n)
                except httpx.HTTPError:
                    unanswered.append(n)
                    continue
                assert answer.status_code == 201, answer.text
                acknowledged[n] = answer.json()

        async def crash_under_load() -> None:
            while len(acknowledged) < SLIPS // 4:
                await asyncio.sleep(0.01)
            members.kill()  # kill -9 while groups are being decided and committed
            crashed.set()

        await asyncio.gather(crash_under_load(), *(steady_client() for _ in range(CLIENTS)))
        print(f"\nkilled after {len(acknowledged)} acknowledged slips; {len(unanswered)} unanswered")
        assert unanswered, "the kill should have left requests unanswered"
        assert len(acknowledged) < SLIPS

        await members.start()
        retried: dict[int, dict[str, Any]] = {}
        for start in range(0, SLIPS, CLIENTS):  # every client retries everything it sent, with the same key
            batch = range(start, min(SLIPS, start + CLIENTS))
            for n, answer in zip(batch, await asyncio.gather(*(send(n) for n in batch)), strict=True):
                assert answer.status_code == 201, answer.text
                retried[n] = answer.json()

        for n, first in acknowledged.items():
            assert retried[n] == first, f"slip {n}: the retry answered differently than the first answer"
        listed = (await client.get(f"/chapters/{chapter}/referrals", headers=admin)).json()
        recorded = [r["referral_id"] for r in listed]
        assert len(recorded) == len(set(recorded)) == SLIPS, f"{len(recorded)} referrals for {SLIPS} slips"
        assert set(recorded) == {a["referral_id"] for a in retried.values()}
        assert {a["referral_id"] for a in acknowledged.values()} <= set(recorded), "an acknowledged slip was lost"
