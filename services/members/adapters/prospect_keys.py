"""Personal data of people who are not members, sealed with AES-GCM under a data key of their own: a
prospect's details (`prospect_keys`, one key per referral) and a visitor's name and business (`visitor_keys`,
one key per visitor).

Deleting the key (erasure) makes every copy of the sealed data unreadable: in the event store, on the
Kafka topic and in every subscriber's database. The data key itself is stored wrapped under a
key-encryption key from configuration (`keyring`), so a copy of this database taken before the erasure
does not undo it: the copy alone opens nothing.

Keys stored before wrapping existed (`kek_id` NULL: the plaintext key) are still read, and `rewrap` (run at
every start) wraps them, as it re-wraps keys under a KEK that is no longer the first one.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Sequence
from typing import Any, Literal

import asyncpg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.members.adapters.keyring import Keyring, UnknownKek, keyring_of
from shared.contracts.members import SealedData

REWRAP_BATCH = 500
WRAPPED_TABLES = {"prospect_keys": ("key_id", "key", "prospect-key"),
                  "visitor_keys": ("key_id", "key", "visitor-key"),
                  "chapter_secrets": ("chapter_id", "secret", "chapter-secret")}
"""Every table of wrapped keys: its id column, its wrapped-key column, and the context each is wrapped for."""

DataKeyTable = Literal["prospect_keys", "visitor_keys"]
_OWNER = {"prospect_keys": ("referral_id", "pk"), "visitor_keys": ("visitor_id", "vk")}
"""Each table of data keys: the column naming whose data a key seals, and its keys' id prefix."""


def context(table: str, row_id: str) -> str:
    return f"{WRAPPED_TABLES[table][2]}:{row_id}"


async def seal(conn: asyncpg.Connection, keyring: Keyring, owner_id: str, data: dict[str, Any],
               table: DataKeyTable = "prospect_keys") -> SealedData:
    """Create a data key for this prospect (or visitor), store it wrapped, and return `data` sealed under it."""
    owner_column, prefix = _OWNER[table]
    key_id = f"{prefix}-{uuid.uuid4().hex}"
    key = AESGCM.generate_key(bit_length=256)
    kek_id, wrapped = keyring.wrap(key, context(table, key_id))
    await conn.execute(f"INSERT INTO {table} (key_id, {owner_column}, key, kek_id) VALUES ($1, $2, $3, $4)",
                       key_id, owner_id, wrapped, kek_id)
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, json.dumps(data).encode(), key_id.encode())
    return SealedData(key_id=key_id, nonce=base64.b64encode(nonce).decode(),
                      ciphertext=base64.b64encode(ciphertext).decode())


def _open(row: asyncpg.Record, sealed: SealedData, keyring: Keyring | None, table: DataKeyTable) -> dict[str, Any]:
    if row["kek_id"] is None:  # stored before keys were wrapped; the next start wraps it
        key = bytes(row["key"])
    else:
        assert keyring is not None, "a connection's reader passes its keyring"
        key = keyring.unwrap(row["kek_id"], bytes(row["key"]), context(table, sealed.key_id))
    plaintext = AESGCM(key).decrypt(base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext),
                                    sealed.key_id.encode())
    result: dict[str, Any] = json.loads(plaintext)
    return result


async def unseal(conn: asyncpg.Connection | asyncpg.Pool, sealed: SealedData, keyring: Keyring | None = None,
                 table: DataKeyTable = "prospect_keys") -> dict[str, Any] | None:
    """The prospect's (or visitor's) data, or None once its key was erased. (`keyring`: the pool's by default.)"""
    return (await unseal_all(conn, [sealed], keyring, table))[0]


async def unseal_all(conn: asyncpg.Connection | asyncpg.Pool, sealed: Sequence[SealedData],
                     keyring: Keyring | None = None, table: DataKeyTable = "prospect_keys",
                     ) -> list[dict[str, Any] | None]:
    """Each one's data (None where the key was erased, or never existed), reading their keys in one query."""
    rows = {r["key_id"]: r for r in await conn.fetch(
        f"SELECT key_id, key, kek_id FROM {table} WHERE key_id = ANY($1::text[])", [s.key_id for s in sealed])}
    if keyring is None and isinstance(conn, asyncpg.Pool) and any(r["kek_id"] is not None for r in rows.values()):
        keyring = keyring_of(conn)
    return [_open(rows[s.key_id], s, keyring, table) if s.key_id in rows else None for s in sealed]


async def erase_key(conn: asyncpg.Connection, key_id: str, table: DataKeyTable = "prospect_keys") -> None:
    await conn.execute(f"DELETE FROM {table} WHERE key_id = $1", key_id)


# --- at start: every stored key readable, and wrapped under the first KEK ------------------------

async def check_keks(pool: asyncpg.Pool, keyring: Keyring) -> None:
    """Refuse to run when stored keys need a KEK the configuration lacks (or holds under their id with another
    value): starting anyway would make that data unreadable, so a lost or mistyped KEK is noticed at start,
    not on a prospect's read. One stored key per KEK id is unwrapped to prove it."""
    for table, (id_column, key_column, _) in WRAPPED_TABLES.items():
        samples = await pool.fetch(f"SELECT DISTINCT ON (kek_id) kek_id, {id_column} AS id, {key_column} AS key"
                                   f" FROM {table} WHERE kek_id IS NOT NULL ORDER BY kek_id")
        missing = sorted(r["kek_id"] for r in samples if r["kek_id"] not in keyring.keks)
        if missing:
            raise UnknownKek(f"refnet members will not start: keys in {table} are wrapped under key-encryption "
                             f"key(s) {', '.join(missing)}, which MEMBERS_DATA_KEKS does not hold")
        for row in samples:
            try:
                keyring.unwrap(row["kek_id"], bytes(row["key"]), context(table, row["id"]))
            except UnknownKek:
                raise UnknownKek(f"refnet members will not start: key-encryption key {row['kek_id']!r} in "
                                 f"MEMBERS_DATA_KEKS is not the one the keys in {table} are wrapped under") from None


async def rewrap(pool: asyncpg.Pool, keyring: Keyring) -> int:
    """Wrap every key not yet wrapped under the first KEK (a plaintext key from before wrapping, or one under
    an older KEK), in small transactions; several processes may run it at once. Returns how many moved."""
    moved = 0
    for table, (id_column, key_column, _) in WRAPPED_TABLES.items():
        while True:
            async with pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(
                    f"SELECT {id_column} AS id, {key_column} AS key, kek_id FROM {table}"
                    " WHERE kek_id IS DISTINCT FROM $1 LIMIT $2 FOR UPDATE SKIP LOCKED", keyring.primary, REWRAP_BATCH)
                for row in rows:
                    where = context(table, row["id"])
                    plain = bytes(row["key"]) if row["kek_id"] is None else keyring.unwrap(
                        row["kek_id"], bytes(row["key"]), where)
                    kek_id, wrapped = keyring.wrap(plain, where)
                    await conn.execute(f"UPDATE {table} SET {key_column} = $2, kek_id = $3 WHERE {id_column} = $1",
                                       row["id"], wrapped, kek_id)
            moved += len(rows)
            if len(rows) < REWRAP_BATCH:
                break
    return moved
