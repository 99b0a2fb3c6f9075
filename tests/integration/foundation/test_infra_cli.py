"""`refnet infra up | status | down` start and stop the real servers as plain processes."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid

import asyncpg

from infra.kafka_server import wait_for_kafka
from tests.conftest import ROOT


def _refnet(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-m", "infra.cli", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


async def test_infra_up_starts_kafka_and_postgres_and_down_stops_them() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL")}
    # not under pytest's temporary directory, which another pytest session may lock PostgreSQL's user out of
    state = ROOT / ".refnet" / "test" / f"cli-{uuid.uuid4().hex[:8]}"
    env["REFNET_STATE_DIR"] = str(state)
    # the default ports may be taken (by `make up` or the test servers): the launcher picks free ones
    out = _refnet("infra", "up", env=env)
    try:
        kafka = next(line.split()[-1] for line in out.splitlines() if "Kafka:" in line)
        database = next(line.split()[-1] for line in out.splitlines() if "PostgreSQL:" in line)
        await wait_for_kafka(kafka, timeout=30)
        conn = await asyncpg.connect(database)
        assert (await conn.fetchval("SHOW server_version")).startswith(("17", "18"))
        await conn.close()
        status = _refnet("infra", "status", env=env)
        assert "kafka      running" in status and "postgres   running" in status
    finally:
        _refnet("infra", "down", env=env)
    status = _refnet("infra", "status", env=env)
    assert "kafka      stopped" in status and "postgres   stopped" in status
    shutil.rmtree(state, ignore_errors=True)
    await asyncio.sleep(0)
