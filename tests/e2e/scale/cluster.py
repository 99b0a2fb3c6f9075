"""Several processes of every service on the real servers, and a workload that records chapters at once
through them, with its own tally of what the reports, e-mails and webhooks must show.

Used by the scale-out test (tests/e2e/scale/test_scale_out.py) and its benchmark (bench/scale_out.py).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from infra.processes import free_port
from shared.settings import with_database

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("members", "referrals", "notifications")
REFERRAL_GIVEN = "org.refnet.members.referral-given.v1"


@dataclass
class Cluster:
    """`replicas` processes of each service (`refnet serve`), sharing databases, topics and consumer groups."""

    kafka: str
    postgres: str
    secrets: dict[str, str]
    replicas: int = 2
    partitions: int = 4
    smtp_port: int = 0
    logs: Path = ROOT / ".refnet" / "test" / "scale-logs"
    prefix: str = field(default_factory=lambda: f"s{uuid.uuid4().hex[:8]}")
    processes: dict[tuple[str, int], subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[tuple[str, int], int] = field(default_factory=dict)

    def database(self, service: str) -> str:
        return with_database(self.postgres, f"{self.prefix}_{service}")

    def environment(self) -> dict[str, str]:
        return {
            **os.environ, **self.secrets, "PYTHONPATH": str(ROOT),
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka, "DATABASE_URL": self.postgres, "REFNET_TOPIC_PREFIX": self.prefix,
            "REFNET_TOPIC_PARTITIONS": str(self.partitions),
            **{f"{s.upper()}_DATABASE_URL": self.database(s) for s in SERVICES},
            # the workload is one address and a few tokens: the edge's per-process limits are not under test
            "REFNET_RATE_WRITES_PER_TOKEN": "100000", "REFNET_RATE_READS_PER_TOKEN": "100000",
            "REFNET_RATE_PER_ADDRESS": "100000",
            "NOTIFICATIONS_SMTP_HOST": "127.0.0.1", "NOTIFICATIONS_SMTP_PORT": str(self.smtp_port),
            "NOTIFICATIONS_SMTP_TIMEOUT": "5", "NOTIFICATIONS_WEBHOOK_TIMEOUT": "5",
            "NOTIFICATIONS_WEBHOOK_ALLOW_HTTP": "true", "NOTIFICATIONS_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
            # a killed process's claimed deliveries are tried again after this (longer than any one send)
            "NOTIFICATIONS_CLAIM_LEASE_SECONDS": "15",
        }

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        for service, index in itertools.product(SERVICES, range(self.replicas)):
            port = self.ports[(service, index)] = free_port(18500 + len(self.ports))
            with (self.logs / f"{self.prefix}-{service}-{index}.log").open("ab") as log:
                self.processes[(service, index)] = subprocess.Popen(
                    [sys.executable, "-m", "infra.cli", "serve", service, "--port", str(port)], env=env, cwd=ROOT,
                    stdout=log, stderr=subprocess.STDOUT)

    def url(self, service: str, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[(service, index)]}"

    def alive(self, service: str) -> list[int]:
        return [i for i in range(self.replicas) if self.processes[(service, i)].poll() is None]

    async def wait_healthy(self, timeout: float = 180.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        async with httpx.AsyncClient(timeout=5) as client:
            for (service, index), process in self.processes.items():
                while True:
                    if process.poll() is not None:
                        raise RuntimeError(f"{service} {index} exited with {process.returncode}: see {self.logs}")
                    try:
                        if (await client.get(f"{self.url(service, index)}/health")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    assert asyncio.get_running_loop().time() < deadline, f"{service} {index} did not start"
                    await asyncio.sleep(0.2)

    def kill(self, service: str, index: int) -> None:
        """kill -9: no shutdown, no offset commit, no lease released."""
        process = self.processes[(service, index)]
        os.kill(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class Tally:
    """What the workload recorded, counted on its own: the single-process answer the reports must equal."""

    given: dict[str, Counter[str]] = field(default_factory=dict)  # chapter: member: referrals given
    received: dict[str, Counter[str]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    referrals: int = 0
    retried: int = 0  # requests sent again to another process (the first one died under them)

    @property
    def emails(self) -> int:
        """A welcome to every member, a referral-received to every receiver."""
        return sum(len(m) for m in self.members.values()) + self.referrals


class Workload:
    """Chapters recorded at once through every members process, each request with an Idempotency-Key and sent
    again to another process when the one it went to dies under it."""

    def __init__(self, cluster: Cluster, admin: str, webhook_url: str | None) -> None:
        self.cluster = cluster
        self.admin = {"Authorization": f"Bearer {admin}"}
        self.webhook_url = webhook_url
        self.tally = Tally()
        self._turn = itertools.count()
        self.client = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=100))

    async def close(self) -> None:
        await self.client.aclose()

    async def post(self, service: str, path: str, body: dict[str, Any], headers: dict[str, str],
                   expect: int = 201) -> dict[str, Any]:
        key = {"Idempotency-Key": uuid.uuid4().hex} if service == "members" else {}
        for attempt in range(40):
            alive = self.cluster.alive(service)
            index = alive[next(self._turn) % len(alive)]
            try:
                response = await self.client.post(f"{self.cluster.url(service, index)}{path}", json=body,
                                                  headers={**headers, **key})
            except httpx.TransportError:  # the process died under the request: the same request elsewhere
                self.tally.retried += 1
                await asyncio.sleep(0.05 * attempt)
                continue
            if response.status_code == expect:
                return dict(response.json())
            if response.status_code in (404, 503):  # not there yet (another service's event on its way)
                await asyncio.sleep(0.2)
                continue
            raise AssertionError(f"{path}: {response.status_code} {response.text[:300]}")
        raise AssertionError(f"{path}: no process answered")

    async def chapter(self, n: int, members: int, referrals: int) -> str:
        meets = (date.today() + timedelta(days=3)).strftime("%A").lower()  # no weekly digest during the run
        chapter_id = str((await self.post("members", "/chapters", {
            "name": f"Chapter {n}", "city": "York", "region": "North", "meeting_weekday": meets,
            "meeting_time": "07:30", "timezone": "Europe/London", "currency": "GBP"}, self.admin))["chapter_id"])
        if self.webhook_url is not None:  # before any referral: each one is then posted to it
            await self.post("notifications", f"/chapters/{chapter_id}/webhooks", {
                "url": f"{self.webhook_url}/{chapter_id}", "event_types": [REFERRAL_GIVEN]}, self.admin)
        roster: list[tuple[str, dict[str, str]]] = []
        for i in range(members):
            added = await self.post("members", f"/chapters/{chapter_id}/members", {
                "name": f"Member {n}-{i}", "business": f"Business {i}", "category": f"Category {i}",
                "email": f"m{n}-{i}@example.org"}, self.admin)
            session = await self.post("members", f"/chapters/{chapter_id}/members/{added['member_id']}/sessions",
                                      {"device": "scale-out"}, self.admin)
            roster.append((str(added["member_id"]), {"Authorization": f"Bearer {session['access_token']}"}))
        self.tally.members[chapter_id] = [m for m, _ in roster]
        given, received = self.tally.given.setdefault(chapter_id, Counter()), \
            self.tally.received.setdefault(chapter_id, Counter())
        for r in range(referrals):
            giver, receiver = roster[r % members], roster[(r * 3 + 1 + r // members) % members]
            if giver is receiver:
                receiver = roster[(r + 1) % members]
            await self.post("members", f"/chapters/{chapter_id}/referrals", {
                "receiver_id": receiver[0], "referral_type": "outside", "temperature": 1 + r % 5,
                "prospect": {"name": f"Prospect {r}", "phone": "+44 1904 000000", "company": "Prospect Ltd"}},
                giver[1])
            given[giver[0]] += 1
            received[receiver[0]] += 1
            self.tally.referrals += 1
        return chapter_id

    async def reports_match(self, index: int) -> bool:
        """Every chapter's reciprocity report on referrals process `index` equals the tally."""
        for chapter_id, members in self.tally.members.items():
            try:
                response = await self.client.get(
                    f"{self.cluster.url('referrals', index)}/chapters/{chapter_id}/reciprocity",
                    params={"from": "2000-01-01"}, headers=self.admin)
            except httpx.TransportError:
                return False
            if response.status_code != 200:
                return False
            rows = {row["member_id"]: row for row in response.json()["members"]}
            for member in members:
                row = rows.get(member, {"given": 0, "received": 0})
                if (row["given"], row["received"]) != (self.tally.given[chapter_id][member],
                                                       self.tally.received[chapter_id][member]):
                    return False
        return True
