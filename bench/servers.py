"""Servers for a benchmark: the ones the environment names, else the local stack (started if needed)."""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import httpx

from infra.local import external_servers, stack_for
from shared.settings import with_database


def servers() -> tuple[str, str]:
    """(Kafka bootstrap, PostgreSQL server URL)."""
    if external_servers():
        return os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["DATABASE_URL"]
    env = stack_for().up()
    return env["KAFKA_BOOTSTRAP_SERVERS"], env["DATABASE_URL"]


async def scratch_database(server_url: str, label: str) -> str:
    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(with_database(server_url, "postgres"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(server_url, name)


async def drop_database(url: str) -> None:
    server, name = url.rsplit("/", 1)
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def serve(service: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A service in its own process, as `refnet serve` runs it (so the load generator is not in its loop)."""
    return subprocess.Popen([sys.executable, "-m", "infra.cli", "serve", service, "--port", str(port)], env=env,
                            cwd=Path(__file__).parent.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            if proc.poll() is not None:
                raise RuntimeError(f"{url} exited with {proc.returncode}")
            try:
                if (await client.get(f"{url}/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(url)
