"""Settings every service reads from the environment.

`KAFKA_BOOTSTRAP_SERVERS` and `DATABASE_URL` are how refnet moves from the local launcher to a real
Kafka cluster and a managed PostgreSQL: with them set nothing is started locally.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_PORTS = {"members": 8001, "referrals": 8002, "notifications": 8003}


def service_port(service: str) -> int:
    """8001/8002/8003 unless REFNET_MEMBERS_PORT (etc.) says otherwise."""
    import os

    return int(os.environ.get(f"REFNET_{service.upper()}_PORT", SERVICE_PORTS[service]))


SCALES_ACROSS_WORKERS = frozenset(SERVICE_PORTS)
"""Services that may run in several worker processes (or replicas): their in-process state is only caches of
the database, their outbox relay leads by a database lock, their consumers share a consumer group, the
referrals service's streams are woken by PostgreSQL notifications and its daily review is taken under a
database lock, and the notifications service claims timers and deliveries with leases (docs/scale-out.md)."""


def service_workers(service: str) -> int:
    """Worker processes for a service: REFNET_<SERVICE>_WORKERS, else 1. Measured on 2 cores shared with
    PostgreSQL and Kafka, a second worker made recording slower (appends queue for the event store's append
    lock while their holder waits for a core), so more workers are for machines with cores to spare."""
    import os

    if service not in SCALES_ACROSS_WORKERS:
        return 1
    return max(1, int(os.environ.get(f"REFNET_{service.upper()}_WORKERS", 1)))


PUBLISHED_SECRETS = frozenset({"refnet-admin-dev-token", "refnet-dev-signing-secret-change-me", "change-me",
                               "secret", "admin"})
"""Values earlier versions used as defaults (and compose files copied): anyone can read them."""
MIN_SECRET_LENGTH = 24
SECRETS_FILE = "secrets.json"


class InsecureSecrets(RuntimeError):
    pass


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
    # Partitions of the topics a service creates (the most processes of one service that share a topic's
    # work); existing topics are left as they are (shared/topics.py). Replicas: 0 = three, or fewer brokers.
    topic_partitions: int = Field(default=12, ge=1, le=10_000, alias="REFNET_TOPIC_PARTITIONS")
    topic_replication: int = Field(default=0, ge=0, le=16, alias="REFNET_TOPIC_REPLICATION")
    # How long a starting service waits for its PostgreSQL and Kafka before it gives up (shared/startup.py).
    startup_wait_seconds: float = Field(default=300.0, ge=0, alias="REFNET_STARTUP_WAIT_SECONDS")
    state_dir: Path = Field(default=Path(".refnet"), alias="REFNET_STATE_DIR")
    # No defaults: a known token is a public one. The local launcher generates both once per state
    # directory (`local_secrets`); anywhere else the operator sets them, or the service refuses to start.
    admin_token: str = Field(default="", alias="REFNET_ADMIN_TOKEN")
    token_secret: str = Field(default="", alias="REFNET_TOKEN_SECRET")
    # Secrets that signed tokens still in use, accepted but never used to sign: rotation puts the new secret
    # in REFNET_TOKEN_SECRET and the old one here until its tokens have expired.
    previous_token_secrets: str = Field(default="", alias="REFNET_TOKEN_PREVIOUS_SECRETS",
                                        description="comma-separated")

    @property
    def token_keys(self) -> list[str]:
        """The signing secret first, then the ones still accepted."""
        return [self.token_secret, *(s.strip() for s in self.previous_token_secrets.split(",") if s.strip())]

    # Sign-in (issued by the members service, verified everywhere): access tokens are short-lived, a session's
    # rotating refresh token lasts `refresh_token_days` from its last use, an e-mailed sign-in code 15 minutes.
    access_token_minutes: float = Field(default=15.0, gt=0, alias="REFNET_ACCESS_TOKEN_MINUTES")
    refresh_token_days: float = Field(default=60.0, gt=0, alias="REFNET_REFRESH_TOKEN_DAYS")
    sign_in_code_minutes: float = Field(default=15.0, gt=0, alias="REFNET_SIGN_IN_CODE_MINUTES")
    welcome_code_hours: float = Field(default=72.0, gt=0, alias="REFNET_WELCOME_CODE_HOURS")
    # Where members open sign-in links: <url>/app/sign-in#code=...
    members_public_url: str = Field(default="http://127.0.0.1:8001", alias="REFNET_MEMBERS_PUBLIC_URL")
    # Origins whose pages (the leaders' dashboard, served by the referrals service) may call the members
    # service's POST /sign-in/refresh from a browser (CORS, without credentials: the token is in the body).
    dashboard_origins: str = Field(default="http://127.0.0.1:8002,http://localhost:8002",
                                   alias="REFNET_DASHBOARD_ORIGINS", description="comma-separated")

    @property
    def dashboard_origin_list(self) -> frozenset[str]:
        return frozenset(o.strip().rstrip("/") for o in self.dashboard_origins.split(",") if o.strip())

    # The member app (served by the members service at /app) reads scorecards from the referrals service:
    # where it finds it, and which origins the referrals service lets read with the session cookie (CORS with
    # credentials; empty: the origin of REFNET_MEMBERS_PUBLIC_URL).
    referrals_public_url: str = Field(default="http://127.0.0.1:8002", alias="REFNET_REFERRALS_PUBLIC_URL")
    app_origins: str = Field(default="", alias="REFNET_APP_ORIGINS", description="comma-separated")

    @property
    def app_origin_list(self) -> frozenset[str]:
        listed = [o.strip().rstrip("/") for o in self.app_origins.split(",") if o.strip()]
        if not listed:
            parts = urlsplit(self.members_public_url.strip())
            listed = [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []
        return frozenset(listed)

    # Checked before a body is parsed or a token verified: a JSON body, and a file upload (multipart).
    max_body_bytes: int = Field(default=1024 * 1024, gt=0, alias="REFNET_MAX_BODY_BYTES")
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, gt=0, alias="REFNET_MAX_UPLOAD_BYTES")
    # Requests per second (bursts of three seconds' worth allowed), per process; 429 with Retry-After above.
    rate_writes_per_token: float = Field(default=100.0, gt=0, alias="REFNET_RATE_WRITES_PER_TOKEN")
    rate_reads_per_token: float = Field(default=200.0, gt=0, alias="REFNET_RATE_READS_PER_TOKEN")
    rate_per_address: float = Field(default=1000.0, gt=0, alias="REFNET_RATE_PER_ADDRESS")
    # Asking for a sign-in link sends an e-mail: per address, a burst of 5, then this many a minute.
    rate_sign_in_per_minute: float = Field(default=10.0, gt=0, alias="REFNET_RATE_SIGN_IN_PER_MINUTE")
    # A visitor registering on a chapter's public page (POST /visit/...): per address, a burst of 5, then this many
    # a minute.
    rate_visit_per_minute: float = Field(default=10.0, gt=0, alias="REFNET_RATE_VISIT_PER_MINUTE")
    # GET /metrics answers only `Authorization: Bearer <this>` when set (the services' ports face members).
    metrics_token: str = Field(default="", alias="REFNET_METRICS_TOKEN")

    def secret_problems(self) -> list[str]:
        """What makes the secrets unfit to run with: missing, a value published in refnet's own code, short."""
        problems = []
        for variable, value in (("REFNET_ADMIN_TOKEN", self.admin_token), ("REFNET_TOKEN_SECRET", self.token_secret)):
            if not value:
                problems.append(f"{variable} is not set")
            elif value in PUBLISHED_SECRETS:
                problems.append(f"{variable} is a default published with refnet's source code")
            elif len(value) < MIN_SECRET_LENGTH:
                problems.append(f"{variable} is shorter than {MIN_SECRET_LENGTH} characters")
        return problems

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


def local_secrets(state_dir: Path) -> dict[str, str]:
    """The local stack's admin token and signing secret: random, made once per state directory, readable by
    its owner only, so restarting `refnet up` keeps every token it handed out valid."""
    path = state_dir / SECRETS_FILE
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        values = {"REFNET_ADMIN_TOKEN": secrets.token_urlsafe(32), "REFNET_TOKEN_SECRET": secrets.token_urlsafe(48)}
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            json.dump(values, out)
    return {str(k): str(v) for k, v in json.loads(path.read_text()).items()}


def load_settings() -> Settings:
    """The environment's settings; on the local stack (no servers named) the secrets come from its state
    directory when the environment does not set them."""
    settings = Settings()
    if not (os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("DATABASE_URL")):
        local = local_secrets(settings.state_dir.resolve())
        settings = Settings.model_validate({**local, **{k: v for k, v in os.environ.items() if k in local and v}})
    return settings
