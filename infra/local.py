"""The local stack: where its state lives and how the services find the servers it started."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from infra.kafka_server import KafkaServer
from infra.postgres_server import PostgresServer
from infra.processes import free_port
from services.members.config import LOCAL_KEKS_FILE, local_keks
from shared.settings import local_secrets


@dataclass
class LocalStack:
    state: Path

    @property
    def endpoints_file(self) -> Path:
        return self.state / "endpoints.json"

    def kafka(self, port: int | None = None) -> KafkaServer:
        return KafkaServer(self.state / "kafka", port=port or self._saved("kafka_port", 9092))

    def postgres(self, port: int | None = None) -> PostgresServer:
        return PostgresServer(self.state / "postgres", port=port or self._saved("postgres_port", 5432))

    def _saved(self, key: str, default: int) -> int:
        if self.endpoints_file.exists():
            return int(json.loads(self.endpoints_file.read_text()).get(key, default))
        return default

    def up(self) -> dict[str, str]:
        """Start PostgreSQL and Kafka unless running; returns the environment that points at them."""
        self.state.mkdir(parents=True, exist_ok=True)
        postgres, kafka = self.postgres(), self.kafka()
        if not postgres.running():
            postgres.port = free_port(postgres.port)
        pg_seconds = postgres.start()
        if not kafka.running():
            fresh_port = free_port(kafka.port)
            if fresh_port != kafka.port:
                # the broker's config names its ports: a new port needs a new config
                (kafka.home / "server.properties").unlink(missing_ok=True)
                kafka.port = fresh_port
        kafka_seconds = kafka.start_on_a_free_port()
        self.endpoints_file.write_text(json.dumps({
            "kafka_port": kafka.port, "postgres_port": postgres.port,
            "kafka_start_seconds": round(kafka_seconds, 2), "postgres_start_seconds": round(pg_seconds, 2),
        }))
        return self.environment()

    def secrets(self) -> dict[str, str]:
        """The stack's own secrets (made once in its state directory, owner-only), where the caller's
        environment does not set them: admin token, signing secret, the members' key-encryption key."""
        made = {**local_secrets(self.state), "MEMBERS_DATA_KEKS": local_keks(self.state / LOCAL_KEKS_FILE)}
        return {k: v for k, v in made.items() if not os.environ.get(k)}

    def environment(self) -> dict[str, str]:
        """Where the local servers are, and the stack's own secrets."""
        return {"KAFKA_BOOTSTRAP_SERVERS": self.kafka().bootstrap, "DATABASE_URL": self.postgres().url,
                **self.secrets()}

    def down(self) -> None:
        self.kafka().stop()
        self.postgres().stop()

    def status(self) -> dict[str, str]:
        kafka, postgres = self.kafka(), self.postgres()
        return {
            "kafka": f"running on {kafka.bootstrap}" if kafka.running() else "stopped",
            "postgres": f"running on {postgres.url}" if postgres.running() else "stopped",
        }


def stack_for(state_dir: Path | None = None) -> LocalStack:
    return LocalStack((state_dir or Path(os.environ.get("REFNET_STATE_DIR", ".refnet"))).resolve())


def external_servers() -> bool:
    """True when the environment names existing servers: then nothing is started locally."""
    return bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("DATABASE_URL"))
