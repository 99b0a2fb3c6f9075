"""How long the local infrastructure takes to start: PostgreSQL (initdb + start) and Kafka (format + start
until a client can list topics), cold in a fresh state directory with Kafka's jars already fetched."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench.servers import machine
from infra.kafka_server import KafkaServer, wait_for_kafka
from infra.local import stack_for
from infra.postgres_server import PostgresServer
from infra.processes import free_port


def main() -> None:
    cached_libs = stack_for().kafka().libs
    with tempfile.TemporaryDirectory(prefix="refnet-bench-") as tmp:
        home = Path(tmp)
        kafka = KafkaServer(home / "kafka", port=free_port(39092))
        kafka.home.mkdir(parents=True)
        if (cached_libs / ".complete").exists():
            kafka.libs.symlink_to(cached_libs)
        postgres = PostgresServer(home / "postgres", port=free_port(35432))
        started = time.perf_counter()
        postgres.start()
        pg_seconds = time.perf_counter() - started
        started = time.perf_counter()
        kafka.start()
        asyncio.run(wait_for_kafka(kafka.bootstrap))
        kafka_seconds = time.perf_counter() - started
        try:
            print(f"local infrastructure cold start ({machine()})")
            print(f"  PostgreSQL (initdb + start): {pg_seconds:.1f} s")
            print(f"  Kafka (format + start + first metadata answer): {kafka_seconds:.1f} s")
        finally:
            kafka.stop()
            postgres.stop()


if __name__ == "__main__":
    main()
