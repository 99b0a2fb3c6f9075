"""HTTP: a chapter's notification settings, chosen by its leaders."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from services.notifications.domain import preferences as domain
from services.notifications.entrypoints.deps import Work, lead
from services.notifications.service_layer import preferences as handlers
from shared.http_auth import Caller

router = APIRouter(tags=["chapters"])
_DEFAULT = domain.ChapterSettings()


class ChapterSettings(BaseModel):
    thank_you_enabled: bool = Field(_DEFAULT.thank_you_enabled,
                                    description="tell the thanked member about closed business")
    # bounded: six months hold at most 27 weekly meetings, and a number past the column's INTEGER was a 500
    absence_limit: int = Field(_DEFAULT.absence_limit, ge=0, le=1000,
                               description="absences in six months before leaders are told")
    digest_enabled: bool = _DEFAULT.digest_enabled


@router.get("/chapters/{chapter_id}/settings", response_model=ChapterSettings)
async def get_settings(request: Request, chapter_id: str, who: Caller, uow: Work) -> ChapterSettings:
    await lead(request, who, chapter_id)
    return ChapterSettings(**asdict(await handlers.chapter_settings(chapter_id, uow)))


@router.put("/chapters/{chapter_id}/settings", response_model=ChapterSettings)
async def put_settings(request: Request, chapter_id: str, body: ChapterSettings, who: Caller, uow: Work
                       ) -> ChapterSettings:
    await lead(request, who, chapter_id)
    await handlers.change_chapter_settings(chapter_id, domain.ChapterSettings(**body.model_dump()), uow)
    return body
