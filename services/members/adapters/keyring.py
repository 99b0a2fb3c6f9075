"""Key-encryption keys (KEKs): every data key and chapter secret the members service keeps is stored
wrapped (AES-256-GCM) under one of them, with the KEK's id beside it. The KEKs come from configuration,
never from the database, so a copy of the database (a backup taken before an erasure, a stolen dump) holds
only wrapped keys: useless without the configuration.

The first KEK wraps new keys; all of them unwrap (rotation puts a new one first, `rewrap` moves the stored
keys onto it, then the old one is dropped from the configuration).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import asyncpg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEK_BYTES = 32
KEK_ID = re.compile(r"[A-Za-z0-9._-]{1,40}")
NONCE_BYTES = 12


class UnknownKek(LookupError):
    """A key was wrapped under a KEK the configuration does not hold (or the wrapped bytes were altered)."""


@dataclass(frozen=True)
class Keyring:
    keks: dict[str, bytes] = field(repr=False)
    """id -> 32-byte key, in the configured order: the first one wraps."""

    def __post_init__(self) -> None:
        if not self.keks:
            raise ValueError("a keyring needs at least one key-encryption key")
        for kek_id, kek in self.keks.items():
            if not KEK_ID.fullmatch(kek_id):
                raise ValueError(f"key-encryption key id {kek_id!r}: letters, digits, '.', '_', '-' (at most 40)")
            if len(kek) != KEK_BYTES:
                raise ValueError(f"key-encryption key {kek_id!r} must be {KEK_BYTES} bytes (base64 of 32 random bytes)")

    def __repr__(self) -> str:  # never the keys themselves, in a log or a traceback
        return f"Keyring(ids={list(self.keks)})"

    @property
    def primary(self) -> str:
        return next(iter(self.keks))

    def wrap(self, key: bytes, context: str) -> tuple[str, bytes]:
        """(KEK id, nonce + ciphertext): `context` (what the key is for, e.g. its row's id) is authenticated,
        so a wrapped key copied onto another row does not unwrap there."""
        nonce = os.urandom(NONCE_BYTES)
        return self.primary, nonce + AESGCM(self.keks[self.primary]).encrypt(nonce, key, context.encode())

    def unwrap(self, kek_id: str, wrapped: bytes, context: str) -> bytes:
        kek = self.keks.get(kek_id)
        if kek is None:
            raise UnknownKek(f"a key is wrapped under key-encryption key {kek_id!r}, which is not configured")
        try:
            return AESGCM(kek).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise UnknownKek(f"a key wrapped under {kek_id!r} does not unwrap for {context!r}") from None


# --- the keyring of each running service's database ------------------------------------------------
# Keyed by the pool: the unit of work reaches it through its event store's pool, the read models through
# the pool they are given. (asyncpg pools take no weak references: a stopped service unregisters its own.)
_KEYRINGS: dict[int, tuple[asyncpg.Pool, Keyring]] = {}


def register(pool: asyncpg.Pool, keyring: Keyring) -> None:
    _KEYRINGS[id(pool)] = (pool, keyring)


def unregister(pool: asyncpg.Pool) -> None:
    _KEYRINGS.pop(id(pool), None)


def keyring_of(pool: asyncpg.Pool) -> Keyring:
    found = _KEYRINGS.get(id(pool))
    if found is None or found[0] is not pool:
        raise RuntimeError("no key-encryption keys for this database: the members service has not started on it")
    return found[1]
