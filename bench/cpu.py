"""CPU seconds the processes of a benchmark spend, for "where did the time go" lines: this process (and its
children, e.g. a rebuild's worker processes), the PostgreSQL server (postmaster, backends, background
writers, including backends that ended) and the Kafka broker, found from a connection's backend and the
process listening on the bootstrap port."""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass

import asyncpg
import psutil


def _own() -> tuple[float, float]:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def process_tree(process: psutil.Process | None) -> float:
    """A process's CPU (a server's, a service's): its own, its ended children's and its live children's."""
    if process is None:
        return 0.0
    try:
        t = process.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
        for child in process.children(recursive=True):
            times = child.cpu_times()
            total += times.user + times.system
        return total
    except psutil.Error:
        return 0.0


def kafka_process(bootstrap: str) -> psutil.Process | None:
    port = int(bootstrap.split(",")[0].rsplit(":", 1)[1])
    for p in psutil.process_iter(["name"]):
        if p.info["name"] != "java":
            continue
        try:
            if any(c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN for c in p.net_connections()):
                return p
        except psutil.Error:
            continue
    return None


@dataclass
class Cpu:
    postgres: psutil.Process | None
    kafka: psutil.Process | None

    @classmethod
    def of(cls, backend_pid: int, bootstrap: str) -> Cpu:
        try:
            postmaster = psutil.Process(backend_pid).parent()
        except psutil.Error:
            postmaster = None
        return cls(postmaster, kafka_process(bootstrap))

    @classmethod
    async def of_servers(cls, database_url: str, bootstrap: str) -> Cpu:
        """The PostgreSQL server behind `database_url` (found from a backend of its own) and the Kafka broker."""
        conn = await asyncpg.connect(database_url)
        try:
            return cls.of(int(await conn.fetchval("SELECT pg_backend_pid()")), bootstrap)
        finally:
            await conn.close()

    def sample(self) -> dict[str, float]:
        own, children = _own()
        return {"this process": own, "its worker processes": children, "PostgreSQL": process_tree(self.postgres),
                "Kafka": process_tree(self.kafka)}

    @staticmethod
    def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {k: round(after[k] - before[k], 2) for k in before}


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
