"""Settings every service reads from the environment.

`KAFKA_BOOTSTRAP_SERVERS` and `DATABASE_URL` are how refnet moves from the local launcher to a real
Kafka cluster and a managed PostgreSQL: with them set nothing is started locally.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_PORTS = {"members": 8001, "referrals": 8002, "notifications": 8003}


def service_port(service: str) -> int:
    """8001/8002/8003 unless REFNET_MEMBERS_PORT (etc.) says otherwise."""
    import os

    return int(os.environ.get(f"REFNET_{service.upper()}_PORT", SERVICE_PORTS[service]))


SCALES_ACROSS_WORKERS = frozenset({"members"})
"""Services that may run in several worker processes: their in-process state is only caches of the database,
and their outbox relay leads by a database lock. (The referrals dashboard's live stream and the
notifications timers are process-local: one process each.)"""


def service_workers(service: str) -> int:
    """Worker processes for a service: REFNET_MEMBERS_WORKERS, else 1. Measured on 2 cores shared with
    PostgreSQL and Kafka, a second worker made recording slower (appends queue for the event store's append
    lock while their holder waits for a core), so more workers are for machines with cores to spare."""
    import os

    if service not in SCALES_ACROSS_WORKERS:
        return 1
    return max(1, int(os.environ.get(f"REFNET_{service.upper()}_WORKERS", 1)))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = Field(default="localhost:9092", alias="KAFKA_BOOTSTRAP_SERVERS")
    # A server URL; each service uses its own database on it (refnet_<service>) unless the per-service
    # variable (MEMBERS_DATABASE_URL, ...) names one outright.
    database_url: str = Field(default="postgresql://postgres@localhost:5432/postgres", alias="DATABASE_URL")
    members_database_url: str | None = Field(default=None, alias="MEMBERS_DATABASE_URL")
    referrals_database_url: str | None = Field(default=None, alias="REFERRALS_DATABASE_URL")
    notifications_database_url: str | None = Field(default=None, alias="NOTIFICATIONS_DATABASE_URL")
    # Lets several deployments (or test runs) share one Kafka cluster without sharing topics.
    topic_prefix: str = Field(default="refnet", alias="REFNET_TOPIC_PREFIX")
    state_dir: Path = Field(default=Path(".refnet"), alias="REFNET_STATE_DIR")
    admin_token: str = Field(default="refnet-admin-dev-token", alias="REFNET_ADMIN_TOKEN")
    token_secret: str = Field(default="refnet-dev-signing-secret-change-me", alias="REFNET_TOKEN_SECRET")
    # Secrets that signed tokens still in use, accepted but never used to sign: rotation puts the new secret
    # in REFNET_TOKEN_SECRET and the old one here until its tokens have expired.
    previous_token_secrets: str = Field(default="", alias="REFNET_TOKEN_PREVIOUS_SECRETS",
                                        description="comma-separated")

    @property
    def token_keys(self) -> list[str]:
        """The signing secret first, then the ones still accepted."""
        return [self.token_secret, *(s.strip() for s in self.previous_token_secrets.split(",") if s.strip())]

    # Checked before a body is parsed or a token verified: a JSON body, and a file upload (multipart).
    max_body_bytes: int = Field(default=1024 * 1024, gt=0, alias="REFNET_MAX_BODY_BYTES")
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, gt=0, alias="REFNET_MAX_UPLOAD_BYTES")

    def service_database_url(self, service: str) -> str:
        explicit = getattr(self, f"{service}_database_url", None)
        if explicit:
            return str(explicit)
        return with_database(self.database_url, f"refnet_{service}")

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}.{name}"


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def load_settings() -> Settings:
    return Settings()
