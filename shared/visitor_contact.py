"""A self-registered visitor's name and e-mail as they travel to the notifications service: sealed.

The notifications service must write to the visitor (a confirmation, a reminder two days before the meeting),
but the visitor's data key stays in the members service. So the address travels a second time, sealed like
sign-in links (`shared.sign_in_links`: a key derived from the token signing secret, which both services hold),
under a label of its own. The notifications service keeps it sealed and opens it only to send, and forgets it
when the visitor's data is erased. The copy on the topic and in the members event store stays readable to holders
of the token secret until that secret is retired (docs/security.md, "Known gaps").
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.auth import key_id
from shared.contracts.sealed import SealedData

_LABEL = b"refnet visitor contact v1"


class UnreadableContact(ValueError):
    pass


def _key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(secret.encode())


def seal_contact(keys: Sequence[str], name: str, email: str) -> SealedData:
    """Seal the visitor's name and address under the first (signing) secret of `keys`."""
    nonce = os.urandom(12)
    plain = json.dumps({"name": name, "email": email}).encode()
    ciphertext = AESGCM(_key(keys[0])).encrypt(nonce, plain, _LABEL)
    return SealedData(key_id=key_id(keys[0]), nonce=base64.b64encode(nonce).decode(),
                      ciphertext=base64.b64encode(ciphertext).decode())


def open_contact(keys: Sequence[str], sealed: SealedData) -> tuple[str, str]:
    """(name, email); UnreadableContact for a seal none of `keys` opens."""
    for secret in keys:
        if key_id(secret) == sealed.key_id:
            try:
                plain = AESGCM(_key(secret)).decrypt(base64.b64decode(sealed.nonce),
                                                     base64.b64decode(sealed.ciphertext), _LABEL)
                data = json.loads(plain)
                return str(data["name"]), str(data["email"])
            except Exception as exc:  # forged or damaged: no detail (it would be personal data)
                raise UnreadableContact("the visitor's contact does not open") from exc
    raise UnreadableContact("the visitor's contact was sealed with a secret no longer accepted")
