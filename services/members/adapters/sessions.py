"""Sign-in codes, sessions (rows of `tokens`) and refresh tokens on PostgreSQL, in the unit of work's
transaction. Codes and refresh tokens are kept as hashes only; times come from the service's clock."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.members.service_layer.unit_of_work import RefreshRow, SessionRow

_SESSION = "t.token_id, t.chapter_id, t.member_id, t.device, t.issued_at, t.last_used_at, t.expires_at, t.revoked_at"


def _session(row: asyncpg.Record) -> SessionRow:
    return SessionRow(row["token_id"], row["chapter_id"], row["member_id"], row["device"], row["issued_at"],
                      row["last_used_at"], row["expires_at"], row["revoked_at"])


class Sessions:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def members_by_email(self, email: str) -> list[tuple[str, str]]:
        rows = await self.conn.fetch("SELECT chapter_id, member_id FROM members WHERE lower(email) = lower($1)"
                                     " AND left_on IS NULL ORDER BY member_id", email)
        return [(r["chapter_id"], r["member_id"]) for r in rows]

    async def open_codes(self, member_id: str, now: datetime) -> int:
        return int(await self.conn.fetchval(
            "SELECT count(*) FROM sign_in_codes WHERE member_id = $1 AND used_at IS NULL AND expires_at > $2",
            member_id, now))

    async def add_code(self, code_hash: bytes, chapter_id: str, member_id: str, purpose: str,
                       expires_at: datetime) -> None:
        await self.conn.execute("INSERT INTO sign_in_codes (code_hash, chapter_id, member_id, purpose, expires_at)"
                                " VALUES ($1, $2, $3, $4, $5)", code_hash, chapter_id, member_id, purpose, expires_at)

    async def use_code(self, code_hash: bytes, now: datetime) -> tuple[str, str] | None:
        row = await self.conn.fetchrow(
            "UPDATE sign_in_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2"
            " RETURNING chapter_id, member_id", code_hash, now)
        return None if row is None else (row["chapter_id"], row["member_id"])

    async def active_role(self, chapter_id: str, member_id: str) -> str | None:
        role = await self.conn.fetchval("SELECT role FROM members WHERE member_id = $1 AND chapter_id = $2"
                                        " AND left_on IS NULL", member_id, chapter_id)
        return None if role is None else str(role)

    async def open(self, session_id: str, chapter_id: str, member_id: str, role: str, device: str | None,
                   now: datetime, expires_at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO tokens (token_id, chapter_id, member_id, role, device, issued_at, last_used_at, expires_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $6, $7)", session_id, chapter_id, member_id, role, device, now,
            expires_at)

    async def add_refresh(self, token_hash: bytes, session_id: str, expires_at: datetime) -> None:
        await self.conn.execute("INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES ($1, $2, $3)",
                                token_hash, session_id, expires_at)

    async def refresh_token(self, token_hash: bytes) -> RefreshRow | None:
        row = await self.conn.fetchrow(
            f"SELECT {_SESSION}, r.expires_at AS refresh_expires_at, r.rotated_at FROM refresh_tokens r"
            " JOIN tokens t ON t.token_id = r.session_id WHERE r.token_hash = $1 FOR UPDATE", token_hash)
        return None if row is None else RefreshRow(_session(row), row["refresh_expires_at"], row["rotated_at"])

    async def rotate(self, token_hash: bytes, session_id: str, now: datetime, expires_at: datetime) -> None:
        await self.conn.execute("UPDATE refresh_tokens SET rotated_at = $2 WHERE token_hash = $1", token_hash, now)
        await self.conn.execute("UPDATE tokens SET last_used_at = $2, expires_at = $3 WHERE token_id = $1",
                                session_id, now, expires_at)

    async def open_sessions(self, member_id: str, now: datetime) -> list[SessionRow]:
        rows = await self.conn.fetch(
            f"SELECT {_SESSION} FROM tokens t WHERE t.member_id = $1 AND t.revoked_at IS NULL"
            " AND t.expires_at > $2 ORDER BY t.issued_at", member_id, now)
        return [_session(r) for r in rows]
