"""docker-compose.yml and the Dockerfile: checked as files everywhere (no Docker engine on our machines), and
run with `docker compose` where an engine answers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Any

import httpx
import pytest
import yaml

from services.members.config import MembersConfig
from services.notifications.config import NotificationSettings
from shared.settings import SERVICE_PORTS, Settings
from tests.conftest import ROOT

REQUIRED = ("REFNET_ADMIN_TOKEN", "REFNET_TOKEN_SECRET", "POSTGRES_PASSWORD", "MEMBERS_DATA_KEKS")


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # type: ignore[no-any-return]


def test_compose_runs_kafka_postgres_mailpit_and_the_three_services_on_the_launcher_ports() -> None:
    services = _compose()["services"]
    assert set(services) == {"kafka", "postgres", "mailpit", *SERVICE_PORTS}
    assert services["kafka"]["image"].startswith("apache/kafka:4")
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    for name, port in SERVICE_PORTS.items():
        assert services[name]["build"] == "."  # one Dockerfile for all three
        assert f"{port}:{port}" in services[name]["ports"]
        assert services[name]["command"][:3] == [name, "--port", str(port)]


def test_compose_services_get_the_environment_the_settings_read() -> None:
    aliases = {field.alias for config in (Settings, MembersConfig) for field in config.model_fields.values()}
    aliases |= {f"NOTIFICATIONS_{name.upper()}" for name in NotificationSettings.model_fields}
    for name in SERVICE_PORTS:
        env = _compose()["services"][name]["environment"]
        assert {"KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"} <= set(env)
        assert set(env) <= aliases, f"{name} sets variables refnet does not read: {set(env) - aliases}"
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["DATABASE_URL"].startswith("postgresql://postgres:${POSTGRES_PASSWORD:?")
    mail = _compose()["services"]["notifications"]["environment"]
    assert (mail["NOTIFICATIONS_SMTP_HOST"], mail["NOTIFICATIONS_SMTP_PORT"]) == ("mailpit", "1025")


def test_compose_has_no_default_secrets_and_publishes_nothing_but_the_services_beyond_loopback() -> None:
    """A published PostgreSQL, or a default admin token, is an open door."""
    services = _compose()["services"]
    assert "ports" not in services["postgres"]
    assert "POSTGRES_HOST_AUTH_METHOD" not in services["postgres"]["environment"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    for infra in ("kafka", "mailpit"):
        assert all(str(p).startswith("127.0.0.1:") for p in services[infra]["ports"]), f"{infra} published widely"
    for name in SERVICE_PORTS:
        env = services[name]["environment"]
        for variable in ("REFNET_ADMIN_TOKEN", "REFNET_TOKEN_SECRET"):
            assert env[variable].startswith(f"${{{variable}:?"), f"{name}: {variable} must be required"
    assert services["members"]["environment"]["MEMBERS_DATA_KEKS"].startswith("${MEMBERS_DATA_KEKS:?")
    text = (ROOT / "docker-compose.yml").read_text()
    for variable in REQUIRED:  # never `${VAR:-default}` nor a bare `${VAR}` (empty when unset)
        uses = re.findall(r"\$\{" + variable + r"([^}]*)\}", text)
        assert uses and all(u.startswith(":?") for u in uses), f"{variable} is not required everywhere: {uses}"


def test_compose_waits_for_healthy_dependencies_checks_readiness_and_restarts() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"][0] == "CMD", name
    for name, port in SERVICE_PORTS.items():
        depends = services[name]["depends_on"]
        needed = {"kafka", "postgres"} | ({"mailpit"} if name == "notifications" else set())
        assert set(depends) == needed and all(d["condition"] == "service_healthy" for d in depends.values())
        assert services[name]["healthcheck"]["test"][-1] == f"http://127.0.0.1:{port}/health/ready"
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["mailpit"]["healthcheck"]["test"][-1] == "readyz"


def test_kafka_listens_for_containers_and_for_the_host() -> None:
    kafka = _compose()["services"]["kafka"]
    env = kafka["environment"]
    advertised = dict(item.split("://") for item in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    assert advertised["INTERNAL"] == "kafka:9092"  # what the services are given
    host_port = advertised["EXTERNAL"].removeprefix("localhost:")
    assert advertised["EXTERNAL"].startswith("localhost:") and f"127.0.0.1:{host_port}:{host_port}" in kafka["ports"]
    listeners = dict(item.split("://") for item in env["KAFKA_LISTENERS"].split(","))
    assert listeners["EXTERNAL"] == f":{host_port}" and env["KAFKA_INTER_BROKER_LISTENER_NAME"] == "INTERNAL"


def test_the_image_is_built_in_two_stages_from_the_runtime_lock_and_runs_unprivileged_with_a_healthcheck() -> None:
    docker = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)", docker, re.M)
    assert len(stages) >= 2, "one stage: build tools end up in the image"
    final = docker[docker.rindex("\nFROM "):]
    assert "--require-hashes -r /tmp/requirements-runtime.lock" in docker and "[dev]" not in docker
    users = re.findall(r"^USER\s+(\S+)", final, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*infra\.healthcheck", final, re.M)
    assert "node_modules" in (ROOT / ".dockerignore").read_text()


def _engine() -> str | None:
    """Why no Docker engine (with the compose plugin) can be used here, or None when one answers."""
    if shutil.which("docker") is None:
        return "no docker command on this machine"
    answer = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    if answer.returncode != 0:
        return f"no Docker engine answers: {answer.stderr.strip()[:200]}"
    if subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30).returncode != 0:
        return "docker has no compose plugin here"
    return None


def _compose_env() -> dict[str, str]:
    import base64
    import secrets

    return {**os.environ, "REFNET_ADMIN_TOKEN": secrets.token_urlsafe(32),
            "REFNET_TOKEN_SECRET": secrets.token_urlsafe(32), "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
            "MEMBERS_DATA_KEKS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode()}


def test_docker_compose_config_accepts_the_file_and_refuses_it_without_secrets() -> None:
    if (reason := _engine()) is not None:
        pytest.skip(reason)
    config = subprocess.run(["docker", "compose", "config", "--quiet"], cwd=ROOT, env=_compose_env(),
                            capture_output=True, text=True, timeout=120)
    assert config.returncode == 0, config.stderr
    bare = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    refused = subprocess.run(["docker", "compose", "config", "--quiet"], cwd=ROOT, env=bare, capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode != 0 and "REFNET_ADMIN_TOKEN" in refused.stderr + refused.stdout


@pytest.mark.fault  # slow: builds the image and starts five containers
def test_docker_compose_up_brings_every_service_to_ready() -> None:  # pragma: no cover - needs an engine
    if (reason := _engine()) is not None:
        pytest.skip(reason)
    env, project = _compose_env(), "refnet-test"
    try:
        up = subprocess.run(["docker", "compose", "-p", project, "up", "--build", "--detach", "--wait",
                             "--wait-timeout", "600"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert up.returncode == 0, up.stderr[-3000:]
        for port in SERVICE_PORTS.values():
            ready = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=10)
            assert ready.status_code == 200, ready.text
        dashboard = httpx.get("http://127.0.0.1:8002/static/dashboard.js", timeout=10)
        assert dashboard.status_code == 200 and len(dashboard.content) > 1000  # the image has the dashboard
    finally:
        subprocess.run(["docker", "compose", "-p", project, "down", "--volumes"], cwd=ROOT, env=env,
                       capture_output=True, timeout=300)


def test_the_image_carries_the_member_apps_qr_library_from_the_committed_npm_lock() -> None:
    """Without it a leader's phone shows the check-in link instead of the QR code; never from a CDN."""
    docker = (ROOT / "Dockerfile").read_text()
    assert "COPY web/package.json web/package-lock.json" in docker and "npm ci" in docker
    assert "qrcode-generator/dist/qrcode.mjs ./services/members/entrypoints/static/app/" in docker
    assert "static/app/qrcode.mjs').is_file()" in docker  # the build fails rather than ship an app without it
