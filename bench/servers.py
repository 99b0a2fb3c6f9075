"""Servers for a benchmark: the ones the environment names, else the local stack (started if needed)."""

from __future__ import annotations

import asyncio
import os
import platform
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import httpx
import psutil

from bench.cpu import Cpu, process_tree
from infra.local import external_servers, stack_for
from services.members.config import new_kek
from shared.settings import with_database

# A benchmark's own secrets: random like a deployment's (services refuse published or short ones).
SECRETS = {"REFNET_ADMIN_TOKEN": "bench-admin-" + secrets.token_urlsafe(24),
           "REFNET_TOKEN_SECRET": "bench-signing-" + secrets.token_urlsafe(32)}
ADMIN = SECRETS["REFNET_ADMIN_TOKEN"]
os.environ.setdefault("MEMBERS_DATA_KEKS", new_kek("bench"))  # members apps in this process and its children
SECRETS["MEMBERS_DATA_KEKS"] = os.environ["MEMBERS_DATA_KEKS"]


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


def serve(service: str, port: int, env: dict[str, str], cwd: str | None = None) -> subprocess.Popen[bytes]:
    """A service in its own process, as `refnet serve` runs it (so the load generator is not in its loop).
    REFNET_BENCH_SERVER=granian runs it under granian instead of uvicorn (to compare ASGI servers; granian is
    no dependency of refnet: install it where PYTHONPATH finds it). `cwd`: run another checkout's code (its
    packages come first on the path), to compare with an earlier commit."""
    command = [sys.executable, "-m", "infra.cli", "serve", service, "--port", str(port)]
    if env.get("REFNET_BENCH_SERVER") == "granian":
        command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--loop", "uvloop",
                   "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
                   f"services.{service}.entrypoints.app:create_app"]
    return subprocess.Popen(command, env=env, cwd=cwd or Path(__file__).parent.parent, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


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


def cpu_seconds(service_pid: int, servers: Cpu) -> dict[str, float]:
    """CPU time (user + system) so far of: the service process (and its workers), the bench's own PostgreSQL
    and Kafka (`servers`: other servers on the machine, another session's broker, do not count) and this load
    generator. Differences over a run, divided by the requests, say what each request costs each part: on a
    machine with N cores the sum bounds the rate at N / sum."""
    sampled = servers.sample()
    return {"service": process_tree(psutil.Process(service_pid)), "postgresql": sampled["PostgreSQL"],
            "kafka": sampled["Kafka"], "load generator": sampled["this process"]}


def cpu_per_request(before: dict[str, float], after: dict[str, float], requests: int) -> str:
    """'service 5.1 ms + postgresql 1.2 ms + ... = 7.6 ms of CPU per request' and the bound it sets."""
    costs = {k: (after[k] - before[k]) / max(requests, 1) * 1000 for k in before}
    total = sum(costs.values())
    parts = " + ".join(f"{k} {v:.2f} ms" for k, v in costs.items())
    cores = os.cpu_count() or 1
    return (f"CPU per request: {parts} = {total:.2f} ms; {cores} cores bound the rate at "
            f"{cores / total * 1000:,.0f}/s" if total else "CPU per request: not measurable")
