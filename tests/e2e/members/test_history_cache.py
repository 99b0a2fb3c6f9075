"""The in-memory chapter history is an optimisation only: what a request decides is what a full read of
the event store would have decided, including after a rolled-back transaction."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from services.members.entrypoints import bodies
from services.members.service_layer.transaction import execute
from shared.auth import Principal
from shared.contracts.members import MemberJoined
from tests.e2e.members.conftest import ChapterWorld

ADMIN = Principal(member_id=None, chapter_id=None, role="admin", token_id="admin")


class Abandoned(Exception):
    pass


async def test_a_rolled_back_join_leaves_the_category_free(app: FastAPI, world: ChapterWorld) -> None:
    pool = app.state.service.pool

    async def join_then_fail(uow):  # type: ignore[no-untyped-def]
        chapter = await uow.chapter(world.chapter_id)
        joined = MemberJoined(chapter_id=world.chapter_id, member_id="m-ghost", member_name="Ghost",
                              business="Ghost Ltd", category="Baker", email="ghost@example.com",
                              joined_on=chapter.founded.founded_on)
        await uow.chapters.add(chapter, [joined])
        after = await uow.chapter(world.chapter_id)  # read again inside the doomed transaction
        assert "m-ghost" in after.members
        raise Abandoned(bodies.member(after.members["m-ghost"]))

    with pytest.raises(Abandoned):
        await execute(pool, ADMIN, join_then_fail, idempotency_key=None)

    # had the doomed read been remembered, the category would look taken and this would be a 409
    response = await world.add("admin", "Dee", "Baker")
    assert response.status_code == 201, response.text
    roster = (await world.get("admin", "/members")).json()
    assert "Ghost" not in {m["name"] for m in roster}
