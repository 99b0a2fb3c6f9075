"""docker-compose.yml cannot run here (no Docker engine), so check it says what the local launcher does."""

from __future__ import annotations

import yaml

from services.members.config import MembersConfig
from shared.settings import SERVICE_PORTS, Settings
from tests.conftest import ROOT


def _compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_kafka_postgres_and_the_three_services_on_the_launcher_ports() -> None:
    services = _compose()["services"]
    assert set(services) == {"kafka", "postgres", *SERVICE_PORTS}
    assert services["kafka"]["image"].startswith("apache/kafka:4")
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft
    for name, port in SERVICE_PORTS.items():
        assert services[name]["build"] == "."  # one Dockerfile for all three
        assert f"{port}:{port}" in services[name]["ports"]
        assert services[name]["command"][0] == name


def test_compose_services_get_the_environment_the_settings_read() -> None:
    aliases = {field.alias for config in (Settings, MembersConfig) for field in config.model_fields.values()}
    for name in SERVICE_PORTS:
        env = _compose()["services"][name]["environment"]
        assert {"KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"} <= set(env)
        assert set(env) <= aliases, f"{name} sets variables refnet does not read: {set(env) - aliases}"
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["DATABASE_URL"].startswith("postgresql://postgres:${POSTGRES_PASSWORD:?")


def test_compose_publishes_no_database_or_broker_and_has_no_default_secrets() -> None:
    """A published PostgreSQL with trust authentication, or a default admin token, is an open door."""
    services = _compose()["services"]
    assert "ports" not in services["kafka"] and "ports" not in services["postgres"]
    assert "POSTGRES_HOST_AUTH_METHOD" not in services["postgres"]["environment"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    for name in SERVICE_PORTS:
        env = services[name]["environment"]
        for variable in ("REFNET_ADMIN_TOKEN", "REFNET_TOKEN_SECRET"):
            assert env[variable].startswith(f"${{{variable}:?"), f"{name}: {variable} must be required"
    assert services["members"]["environment"]["MEMBERS_DATA_KEKS"].startswith("${MEMBERS_DATA_KEKS:?")
