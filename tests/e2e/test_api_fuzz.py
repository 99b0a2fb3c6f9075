"""A fuzz run of every endpoint, generated from each service's OpenAPI description (schemathesis), on real
seeded data (a chapter, its president, two members, a referral: see tests/e2e/fuzz/seed.py), as the
administrator, the chapter's president, a plain member and without a token: no request, however odd, gets a
5xx, and every answer, 4xx included, is documented (its status code, media type and body schema)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from infra.processes import free_port
from shared.settings import Settings
from tests.conftest import ROOT
from tests.e2e.fuzz.runner import fuzz
from tests.e2e.fuzz.seed import seed_world

# Examples per operation, per caller: modest, so the whole file stays near a minute and a half on two cores (with
# 12/12/10/4, 2-second report waits and 1-second metrics scrapes it took five, a fifth of CI).
EXAMPLES = {"admin": 9, "leader": 9, "member": 8, "anonymous": 3}


@pytest.fixture
def running_services(settings: Settings) -> Iterator[dict[str, str]]:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
           "DATABASE_URL": settings.database_url, "REFNET_TOPIC_PREFIX": settings.topic_prefix,
           "REFNET_ADMIN_TOKEN": settings.admin_token, "REFNET_TOKEN_SECRET": settings.token_secret,
           # The fuzz sends a few thousand requests from one address with a handful of tokens in a minute or
           # two: far over the default rates, so raised here, or most answers would be 429 (documented, but
           # not the code the fuzz is after). The limits themselves are tested in tests/unit and members' e2e.
           "REFNET_RATE_WRITES_PER_TOKEN": "1000000", "REFNET_RATE_READS_PER_TOKEN": "1000000",
           "REFNET_RATE_PER_ADDRESS": "1000000", "REFNET_RATE_SIGN_IN_PER_MINUTE": "1000000",
           "REFNET_RATE_VISIT_PER_MINUTE": "1000000",
           # the seeded webhook subscription's target: a closed local port (its deliveries fail, harmlessly)
           "NOTIFICATIONS_WEBHOOK_ALLOW_HTTP": "true", "NOTIFICATIONS_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
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


@pytest.mark.parametrize("service", ["members", "referrals", "notifications"])
def test_no_endpoint_answers_5xx_or_breaks_its_schema(running_services: dict[str, str], service: str,
                                                      settings: Settings) -> None:
    failures: list[str] = []
    summary = []
    for who, examples in EXAMPLES.items():
        # a world of its own per caller: what one caller's fuzz changes (a departure, a role, a revoked token,
        # a deleted subscription) does not change what the next one finds
        world = seed_world(running_services, settings.admin_token)
        caller = world.callers()[who]
        report = fuzz(running_services[service], caller, world.path_parameters(caller), examples)
        assert report.operations > 3, f"{service} documents almost nothing"
        failures += report.lines()
        summary.append(f"{who}: {report.requests} requests, statuses {dict(sorted(report.statuses.items()))}")
    print(f"\n{service}: " + "; ".join(summary))
    assert not failures, f"{len(failures)} undocumented answer(s) from {service}:\n\n" + "\n\n".join(failures)
