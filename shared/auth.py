"""Bearer tokens every service verifies on its own, and their revocation.

Tokens are HS256 JWTs signed with REFNET_TOKEN_SECRET and carry the member, chapter and role, so the
referrals and notifications services verify them without calling the members service. Revocation
travels as an event (`AccessRevoked`, published by the members service when a token is revoked or a
member leaves or is dropped); every service projects it into its own `revocations` table and refuses
such tokens from then on: within the second or so the event takes to arrive.
"""

from __future__ import annotations

import hashlib
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


def key_id(secret: str) -> str:
    """The `kid` a signing secret's tokens carry: derived from the secret, so no table of ids to keep."""
    return hashlib.sha256(b"refnet-kid:" + secret.encode()).hexdigest()[:16]


Keys = str | Sequence[str]
"""One secret, or the verification secrets in order (the first one signs): rotate by putting a new secret
first and keeping the old one behind it until the tokens it signed have expired."""


def _keyring(keys: Keys) -> dict[str, str]:
    return {key_id(secret): secret for secret in ([keys] if isinstance(keys, str) else keys) if secret}


def issue_token(keys: Keys, *, member_id: str, chapter_id: str, role: Role, ttl_days: int = 400) -> str:
    secret = keys if isinstance(keys, str) else keys[0]
    now = int(time.time())
    claims = {"sub": member_id, "chapter": chapter_id, "role": role, "jti": uuid.uuid4().hex,
              "iat": now, "exp": now + ttl_days * 86400, "iss": "refnet"}
    return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": key_id(secret)})


def decode_token(keys: Keys, token: str) -> Principal:
    """The token's principal, verified with the secret its `kid` names (tokens from before key ids were
    used carry none: those are tried against every secret)."""
    ring = _keyring(keys)
    kid = jwt.get_unverified_header(token).get("kid")
    candidates = list(ring.values()) if kid is None else [ring[kid]] if kid in ring else []
    if not candidates:
        raise jwt.InvalidKeyError("signed with a key that is not (or no longer) accepted")
    error: jwt.PyJWTError = jwt.InvalidSignatureError("no key")
    for secret in candidates:
        try:
            claims = jwt.decode(token, secret, algorithms=["HS256"], issuer="refnet",
                                options={"require": ["sub", "chapter", "role", "jti", "exp"]})
        except jwt.InvalidSignatureError as exc:
            error = exc
            continue
        return Principal(member_id=claims["sub"], chapter_id=claims["chapter"], role=claims["role"],
                         token_id=claims["jti"])
    raise error


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
