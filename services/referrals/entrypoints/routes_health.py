"""Health: the service runtime's report, and which projection generation is live."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.referrals.adapters.schema import current_schema
from shared.runtime import Service

router = APIRouter()


@router.get("/health")
async def health(request: Request) -> dict[str, Any]:
    service: Service = request.app.state.service
    report = await service.health()
    async with service.pool.acquire() as conn:
        report["projection_schema"] = await current_schema(conn)
    return report
