"""A service process's output as a log pipeline reads it: one JSON object a line, the request's and the
consumed event's lines carrying the correlation id the caller gave, and no personal data."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from infra.processes import free_port, stop_pid
from shared.settings import Settings
from tests.conftest import ADMIN_TOKEN, ROOT, TOKEN_SECRET
from tests.e2e.members.conftest import PROSPECT, ChapterWorld, referral
from tests.e2e.operations.helpers import eventually

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.fixture
def referrals_process(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`refnet serve referrals` as a process of its own, its stdout and stderr in a file."""
    port = free_port(18502)
    output = tmp_path / "referrals.log"
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
           "DATABASE_URL": settings.database_url, "REFNET_TOPIC_PREFIX": settings.topic_prefix,
           "REFERRALS_DATABASE_URL": settings.service_database_url("referrals"),
           "REFNET_ADMIN_TOKEN": ADMIN_TOKEN, "REFNET_TOKEN_SECRET": TOKEN_SECRET, "PYTHONUNBUFFERED": "1"}
    with output.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "infra.cli", "serve", "referrals", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}", output
    finally:
        stop_pid(proc.pid)
        proc.wait(30)


def _lines(output: Path) -> list[dict[str, Any]]:
    text = output.read_text(errors="replace")
    for line in text.splitlines():
        if line.strip():
            assert line.startswith("{"), f"not a JSON line: {line!r}"
    return [json.loads(line) for line in text.splitlines() if line.strip()]


async def test_request_and_consumed_event_lines_carry_the_correlation_id_and_no_personal_data(
        world: ChapterWorld, referrals_process: tuple[str, Path]) -> None:
    url, output = referrals_process
    async with httpx.AsyncClient(base_url=url, timeout=10) as c:
        async def ready() -> bool:
            try:
                return (await c.get("/health/ready")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(ready, "the referrals process ready", timeout=90)

        correlation = f"ops-{uuid.uuid4().hex}"
        given = await world.client.post(
            f"/chapters/{world.chapter_id}/referrals", json=referral(world.ids["Bob"]),
            headers={**world.as_("Ann"), "X-Correlation-Id": correlation})
        assert given.status_code == 201 and given.headers["x-correlation-id"] == correlation

        async def consumed() -> bool:
            return any(line.get("message") == "applied org.refnet.members.referral-given.v1"
                       and line.get("correlation_id") == correlation for line in _lines(output))

        await eventually(consumed, "the referrals process logging the consumed event with its correlation id")
        event_line = next(line for line in _lines(output) if line.get("correlation_id") == correlation)
        assert event_line["chapter_id"] == world.chapter_id and event_line["service"] == "referrals"
        assert event_line["logger"] == "refnet.consumed" and event_line["topic"].endswith("members.referrals")

        asking = f"ops-{uuid.uuid4().hex}"
        answer = await c.get(f"/chapters/{world.chapter_id}/summary",
                             params={"from": "2025-01-01", "to": "2025-12-31"},
                             headers={**world.as_("Pat"), "X-Correlation-Id": asking})
        assert answer.status_code == 200 and answer.headers["x-correlation-id"] == asking
        for offered in (PROSPECT["email"], "x" * 65, "a b"):  # personal data, too long, not a plain id
            replaced = await c.get(f"/chapters/{world.chapter_id}/summary", headers={"X-Correlation-Id": offered})
            assert replaced.status_code == 401 and replaced.headers["x-correlation-id"] != offered

        async def logged() -> bool:
            return any(line.get("logger") == "refnet.access" and line.get("correlation_id") == asking
                       for line in _lines(output))

        await eventually(logged, "the access line of the request")
    access = next(line for line in _lines(output) if line.get("correlation_id") == asking)
    assert access["method"] == "GET" and access["route"] == "/chapters/{chapter_id}/summary"
    assert access["status"] == 200 and access["duration_ms"] >= 0 and access["chapter_id"] == world.chapter_id
    text = output.read_text()
    assert "2025-12-31" not in text, "a query string was logged"
    assert EMAIL.findall(text) == [], "an e-mail address was logged"
    assert PROSPECT["name"] not in text and "uvicorn" in text  # uvicorn's own lines go through the formatter
