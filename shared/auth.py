"""Bearer tokens every service verifies on its own, and their revocation.

Tokens are HS256 JWTs signed with REFNET_TOKEN_SECRET and carry the member, chapter and role, so the
referrals and notifications services verify them without calling the members service. Revocation
travels as an event (`AccessRevoked`, published by the members service when a token is revoked or a
member leaves or is dropped); every service projects it into its own `revocations` table and refuses
such tokens from then on: within the second or so the event takes to arrive.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import asyncpg
import jwt

from shared.consumer import Delivered
from shared.contracts.access import AccessRevoked

Role = Literal["admin", "president", "vice-president", "secretary", "member"]
LEADER_ROLES: frozenset[str] = frozenset({"president", "vice-president", "secretary"})


@dataclass(frozen=True)
class Principal:
    member_id: str | None
    chapter_id: str | None
    role: Role
    token_id: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_leader(self) -> bool:
        return self.role in LEADER_ROLES

    def can_lead(self, chapter_id: str) -> bool:
        return self.is_admin or (self.is_leader and self.chapter_id == chapter_id)

    def belongs_to(self, chapter_id: str) -> bool:
        return self.is_admin or self.chapter_id == chapter_id


def issue_token(secret: str, *, member_id: str, chapter_id: str, role: Role, ttl_days: int = 400) -> str:
    now = int(time.time())
    claims = {"sub": member_id, "chapter": chapter_id, "role": role, "jti": uuid.uuid4().hex,
              "iat": now, "exp": now + ttl_days * 86400, "iss": "refnet"}
    return jwt.encode(claims, secret, algorithm="HS256")


def decode_token(secret: str, token: str) -> Principal:
    claims = jwt.decode(token, secret, algorithms=["HS256"], issuer="refnet",
                        options={"require": ["sub", "chapter", "role", "jti", "exp"]})
    return Principal(member_id=claims["sub"], chapter_id=claims["chapter"], role=claims["role"],
                     token_id=claims["jti"])


class RevocationProjection:
    """Keeps `revocations` current in the consuming service's own database."""

    name = "revocations"

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        for delivered in events:
            event = delivered.payload
            if isinstance(event, AccessRevoked):
                await conn.execute(
                    "INSERT INTO revocations (member_id, token_id, reason) VALUES ($1, $2, $3)",
                    event.member_id, event.token_id, event.reason)


async def is_revoked(conn: asyncpg.Connection | asyncpg.Pool, principal: Principal) -> bool:
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM revocations WHERE token_id = $1 OR member_id = $2)",
        principal.token_id, principal.member_id))
