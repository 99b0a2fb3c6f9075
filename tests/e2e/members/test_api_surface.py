"""The API as a client discovers it: health, and an OpenAPI document with every resource and examples."""

from __future__ import annotations

import httpx

from tests.e2e.operations.helpers import eventually


async def test_health_reports_the_database_and_the_relay(client: httpx.AsyncClient) -> None:
    async def ready() -> bool:  # ready once its consumers have their partitions: moments after start
        return (await client.get("/health")).status_code == 200

    await eventually(ready, "/health ready")
    health = (await client.get("/health")).json()
    assert health["service"] == "members" and health["status"] == "ok"
    assert "published_position" in health and health["checks"]["relay"]["role"] == "publishing"


NEVER_STORED = {"/sign-in", "/sign-in/exchange", "/sign-in/refresh",
                "/chapters/{chapter_id}/members/{member_id}/sessions",
                "/chapters/{chapter_id}/members/{member_id}/tokens"}
"""Routes whose answers are never stored, so they take no Idempotency-Key: they answer tokens (a retry opens
another session), or nothing (a retried sign-in request sends another link)."""


async def test_openapi_lists_every_resource_with_examples(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in ("/chapters", "/chapters/{chapter_id}/members", "/chapters/{chapter_id}/referrals",
                 "/chapters/{chapter_id}/referrals/{referral_id}/status", "/chapters/{chapter_id}/closed-business",
                 "/chapters/{chapter_id}/one-to-ones", "/chapters/{chapter_id}/visitors",
                 "/chapters/{chapter_id}/meetings/{meeting_date}/attendance", "/chapters/{chapter_id}/ceus",
                 "/chapters/{chapter_id}/referrals/{referral_id}/prospect-erasure",
                 "/chapters/{chapter_id}/visitors/{visitor_id}/erase",
                 "/chapters/{chapter_id}/members/{member_id}/tokens/{token_id}/revocation"):
        assert path in paths, path
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("description"), (method, path)
            if method == "post" and path not in NEVER_STORED:
                names = [p["name"] for p in operation.get("parameters", [])]
                assert "Idempotency-Key" in names, path
    schemas = spec["components"]["schemas"]
    assert schemas["GiveReferral"]["examples"][0]["temperature"] == 4
    assert schemas["GiveReferral"]["additionalProperties"] is False
