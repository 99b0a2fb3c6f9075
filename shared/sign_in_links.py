"""Sign-in links as they travel from the members service to the notifications service: sealed.

A link holds a one-time code that signs its holder in, so it must not be readable by every subscriber of
the members topics. Both services hold the token signing secrets (`Settings.token_keys`), so the sealing
key is derived from the current one (HKDF, its own label, so it is never the signing key itself); the key
id is the secret's `kid`, so a link sealed before a rotation still opens while the old secret is accepted.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.auth import key_id
from shared.contracts.sealed import SealedData

_LABEL = b"refnet sign-in links v1"


class UnreadableLink(ValueError):
    pass


def _key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(secret.encode())


def seal_link(keys: Sequence[str], link: str) -> SealedData:
    """Seal `link` under the first (signing) secret of `keys`."""
    nonce = os.urandom(12)
    ciphertext = AESGCM(_key(keys[0])).encrypt(nonce, link.encode(), _LABEL)
    return SealedData(key_id=key_id(keys[0]), nonce=base64.b64encode(nonce).decode(),
                      ciphertext=base64.b64encode(ciphertext).decode())


def open_link(keys: Sequence[str], sealed: SealedData) -> str:
    for secret in keys:
        if key_id(secret) == sealed.key_id:
            try:
                plain = AESGCM(_key(secret)).decrypt(base64.b64decode(sealed.nonce),
                                                     base64.b64decode(sealed.ciphertext), _LABEL)
            except Exception as exc:  # a forged or damaged link: no detail, it is never shown to anyone
                raise UnreadableLink("the sign-in link does not open") from exc
            return plain.decode()
    raise UnreadableLink("the sign-in link was sealed with a secret no longer accepted")
