"""A fuzz run of every endpoint, generated from each service's OpenAPI description (schemathesis):
no request, however odd, gets a 5xx or a response that breaks the documented schema."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from infra.processes import free_port
from shared.settings import Settings
from tests.conftest import ROOT


@pytest.fixture
def running_services(settings: Settings) -> Iterator[dict[str, str]]:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
           "DATABASE_URL": settings.database_url, "REFNET_TOPIC_PREFIX": settings.topic_prefix,
           "REFNET_ADMIN_TOKEN": settings.admin_token, "REFNET_TOKEN_SECRET": settings.token_secret,
           **{f"{s.upper()}_DATABASE_URL": settings.service_database_url(s)
              for s in ("members", "referrals", "notifications")}}
    urls: dict[str, str] = {}
    procs = []
    for n, service in enumerate(("members", "referrals", "notifications"), start=1):
        port = free_port(18200 + n)
        procs.append(subprocess.Popen([sys.executable, "-m", "infra.cli", "serve", service, "--port", str(port)],
                                      cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls[service] = f"http://127.0.0.1:{port}"
    try:
        for url in urls.values():
            for _ in range(300):
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)


def _fuzz(base_url: str, headers: dict[str, str], examples: int) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @hypothesis_settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                             suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}")
    assert operations > 3, f"{base_url} documents almost nothing"
    return failures


@pytest.mark.parametrize("service", ["members", "referrals", "notifications"])
def test_no_endpoint_answers_5xx_or_breaks_its_schema(running_services: dict[str, str], service: str,
                                                      settings: Settings) -> None:
    failures = _fuzz(running_services[service], {"Authorization": f"Bearer {settings.admin_token}"}, examples=15)
    failures += _fuzz(running_services[service], {}, examples=5)  # and without a token
    assert not failures, "\n\n".join(failures)
