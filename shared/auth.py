"""Access tokens every service verifies on its own, and their revocation.

Access tokens are short-lived (REFNET_ACCESS_TOKEN_MINUTES, 15) HS256 JWTs signed with REFNET_TOKEN_SECRET;
they carry the member, chapter, role and the session (`sid`) they were issued for, so the referrals and
notifications services verify them without calling the members service. Only the members service issues
them, when a member signs in or refreshes a session (`services/members/service_layer/sign_in.py`); a token
without a session (the long-lived tokens of earlier versions) is refused. Revocation travels as an event
(`AccessRevoked`, published by the members service when a session ends, a refresh token is reused, or a
member leaves or is dropped); every service projects it into its own `revocations` table and refuses such
tokens from then on: within the second or so the event takes to arrive.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
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
    session_id: str | None = None

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


@functools.lru_cache(maxsize=64)
def key_id(secret: str) -> str:
    """The `kid` a signing secret's tokens carry: derived from the secret, so no table of ids to keep.
    Kept once worked out: every request's token is checked against the same few secrets."""
    return hashlib.sha256(b"refnet-kid:" + secret.encode()).hexdigest()[:16]


Keys = str | Sequence[str]
"""One secret, or the verification secrets in order (the first one signs): rotate by putting a new secret
first and keeping the old one behind it until the tokens it signed have expired."""


def _keyring(keys: Keys) -> dict[str, str]:
    return {key_id(secret): secret for secret in ([keys] if isinstance(keys, str) else keys) if secret}


ACCESS_TOKEN_SECONDS = 15 * 60


def issue_token(keys: Keys, *, member_id: str, chapter_id: str, role: Role, session_id: str | None = None,
                ttl_seconds: int = ACCESS_TOKEN_SECONDS) -> str:
    """An access token of `session_id` (the members service passes its session; without one a session id of
    its own is made, as tests' stand-ins for a signed-in member do)."""
    secret = keys if isinstance(keys, str) else keys[0]
    now = int(time.time())
    claims = {"sub": member_id, "chapter": chapter_id, "role": role, "jti": uuid.uuid4().hex,
              "sid": session_id or f"s-{uuid.uuid4().hex}", "iat": now, "exp": now + ttl_seconds, "iss": "refnet"}
    return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": key_id(secret)})


VERIFIED_TOKENS = 10_000
"""Tokens verified recently, per process: a member's app sends the same token with every request for 15
minutes, and verifying it (base64, JSON, HMAC) is a fifth of a slip's CPU. The token string is the key,
signature included, so only the very token verified before is let through; its expiry is checked at every use."""
_verified: dict[tuple[str, tuple[str, ...]], tuple[Principal, float]] = {}


def decode_token(keys: Keys, token: str) -> Principal:
    """The token's principal, verified with the secret its `kid` names (tokens from before key ids were
    used carry none: those are tried against every secret)."""
    cache_key = (token, (keys,) if isinstance(keys, str) else tuple(keys))
    known = _verified.get(cache_key)
    if known is not None and time.time() < known[1]:
        return known[0]
    principal, expires = _verify(keys, token)
    if len(_verified) >= VERIFIED_TOKENS:
        _verified.pop(next(iter(_verified)))  # the oldest entry
    _verified[cache_key] = (principal, expires)
    return principal


def _verify(keys: Keys, token: str) -> tuple[Principal, float]:
    ring = _keyring(keys)
    kid = jwt.get_unverified_header(token).get("kid")
    candidates = list(ring.values()) if kid is None else [ring[kid]] if kid in ring else []
    if not candidates:
        raise jwt.InvalidKeyError("signed with a key that is not (or no longer) accepted")
    error: jwt.PyJWTError = jwt.InvalidSignatureError("no key")
    for secret in candidates:
        try:
            claims = jwt.decode(token, secret, algorithms=["HS256"], issuer="refnet",
                                options={"require": ["sub", "chapter", "role", "jti", "sid", "exp"]})
        except jwt.InvalidSignatureError as exc:
            error = exc
            continue
        return Principal(member_id=claims["sub"], chapter_id=claims["chapter"], role=claims["role"],
                         token_id=claims["jti"], session_id=claims["sid"]), float(claims["exp"])
    raise error


_CSRF_LABEL = b"refnet csrf v1:"


def csrf_token(keys: Keys, session_id: str) -> str:
    """The double-submit CSRF token of a cookie session: bound to the session (so a cookie planted by a
    neighbouring site cannot be paired with someone else's session), derived from the signing secret."""
    secret = keys if isinstance(keys, str) else keys[0]
    return hmac.new(_CSRF_LABEL + secret.encode(), session_id.encode(), hashlib.sha256).hexdigest()


def csrf_matches(keys: Keys, session_id: str, presented: str) -> bool:
    return any(hmac.compare_digest(csrf_token(secret, session_id), presented)
               for secret in ([keys] if isinstance(keys, str) else keys) if secret)


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
    """Revoked itself, its session (sign-out, a reused refresh token) or its member (left the chapter).
    On a pool, checks of requests that arrive together share one query (`RevocationChecks`)."""
    if isinstance(conn, asyncpg.Pool):
        checks = _checks.get(id(conn))
        if checks is None or checks.pool is not conn:
            for key in [k for k, c in _checks.items() if c.pool.is_closing()]:
                del _checks[key]  # pools closed since (tests open many)
            checks = _checks[id(conn)] = RevocationChecks(conn)
        return await checks.revoked(principal)
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM revocations WHERE token_id = ANY($1::text[]) OR member_id = $2)",
        [t for t in (principal.token_id, principal.session_id) if t], principal.member_id))


class RevocationChecks:
    """Every request's token is checked against `revocations`: one query each would be a round trip and a
    pool checkout per request. While one query is out, the checks that come meanwhile wait for it and then
    go together in the next one, so a quiet service waits for nobody and a busy one sends a query per batch.
    Each answer still reads the table after the request arrived: a revocation committed before is seen."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._waiting: list[tuple[Principal, asyncio.Future[bool]]] = []
        self._running: asyncio.Task[None] | None = None

    async def revoked(self, principal: Principal) -> bool:
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((principal, answer))
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._run())
        return await answer

    async def _run(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                rows = await self.pool.fetch(
                    "SELECT c.i FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY"
                    " AS c(token_id, session_id, member_id, i) WHERE EXISTS (SELECT 1 FROM revocations r"
                    " WHERE r.token_id = c.token_id OR r.token_id = c.session_id OR r.member_id = c.member_id)",
                    [p.token_id for p, _ in batch], [p.session_id for p, _ in batch],
                    [p.member_id for p, _ in batch])
            except Exception as exc:  # each waiting request fails as its own query would have
                for _, answer in batch:
                    if not answer.done():
                        answer.set_exception(exc)
                continue
            revoked = {int(r["i"]) for r in rows}
            for i, (_, answer) in enumerate(batch, start=1):
                if not answer.done():
                    answer.set_result(i in revoked)


_checks: dict[int, RevocationChecks] = {}
