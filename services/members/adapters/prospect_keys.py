"""Prospects' personal data sealed with AES-GCM under a per-prospect data key kept only in this database.

Deleting the key (erasure) makes every copy of the sealed data unreadable: in the event store, on the
Kafka topic and in every subscriber's database.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from typing import Any

import asyncpg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.contracts.members import SealedData


async def seal(conn: asyncpg.Connection, referral_id: str, data: dict[str, Any]) -> SealedData:
    """Create a data key for this prospect, store it, and return `data` sealed under it."""
    key_id = f"pk-{uuid.uuid4().hex}"
    key = AESGCM.generate_key(bit_length=256)
    await conn.execute("INSERT INTO prospect_keys (key_id, referral_id, key) VALUES ($1, $2, $3)",
                       key_id, referral_id, key)
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, json.dumps(data).encode(), key_id.encode())
    return SealedData(key_id=key_id, nonce=base64.b64encode(nonce).decode(),
                      ciphertext=base64.b64encode(ciphertext).decode())


async def unseal(conn: asyncpg.Connection | asyncpg.Pool, sealed: SealedData) -> dict[str, Any] | None:
    """The prospect's data, or None once its key was erased."""
    key = await conn.fetchval("SELECT key FROM prospect_keys WHERE key_id = $1", sealed.key_id)
    if key is None:
        return None
    plaintext = AESGCM(bytes(key)).decrypt(base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext),
                                           sealed.key_id.encode())
    result: dict[str, Any] = json.loads(plaintext)
    return result


async def erase_key(conn: asyncpg.Connection, key_id: str) -> None:
    await conn.execute("DELETE FROM prospect_keys WHERE key_id = $1", key_id)
