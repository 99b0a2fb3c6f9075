"""Each chapter's secret key for the identities of its imported rows (HMAC-SHA256, `imports/cells.py`).

An identity derives from the row's content (the prospect's name, phone and e-mail among it) and lives on in
the slip's id after the prospect is erased: keyed by this secret, nobody can confirm a guessed prospect
from an id. The secret is stored wrapped under a key-encryption key from configuration, like the data keys.
"""

from __future__ import annotations

import secrets

import asyncpg

from services.members.adapters.keyring import Keyring
from services.members.adapters.prospect_keys import context

SECRET_BYTES = 32


async def for_import(pool: asyncpg.Pool, keyring: Keyring, chapter_id: str, *, dry_run: bool) -> bytes:
    """The chapter's secret, made on its first import (concurrent first imports agree on one). A dry run
    writes nothing: before any import it decides under a throwaway secret (identities matter to no one then)."""
    found = await _read(pool, keyring, chapter_id)
    if found is not None:
        return found
    if dry_run:
        return secrets.token_bytes(SECRET_BYTES)
    kek_id, wrapped = keyring.wrap(secrets.token_bytes(SECRET_BYTES), context("chapter_secrets", chapter_id))
    await pool.execute("INSERT INTO chapter_secrets (chapter_id, secret, kek_id) VALUES ($1, $2, $3)"
                       " ON CONFLICT (chapter_id) DO NOTHING", chapter_id, wrapped, kek_id)
    made = await _read(pool, keyring, chapter_id)
    assert made is not None
    return made


async def _read(pool: asyncpg.Pool, keyring: Keyring, chapter_id: str) -> bytes | None:
    row = await pool.fetchrow("SELECT secret, kek_id FROM chapter_secrets WHERE chapter_id = $1", chapter_id)
    if row is None:
        return None
    return keyring.unwrap(row["kek_id"], bytes(row["secret"]), context("chapter_secrets", chapter_id))


async def forget(conn: asyncpg.Connection | asyncpg.Pool, chapter_id: str) -> None:
    """Forget the chapter's secret: its imported rows' identities can never be recomputed. Only together with
    erasing the chapter's import history: a later import of the same file would otherwise record it again."""
    await conn.execute("DELETE FROM chapter_secrets WHERE chapter_id = $1", chapter_id)
