"""The members service's own settings: the key-encryption keys (KEKs) its stored data keys are wrapped under.

`MEMBERS_DATA_KEKS` = comma-separated `id:base64key` (32 random bytes each, e.g.
`python -c 'import base64, os; print("k1:" + base64.b64encode(os.urandom(32)).decode())'`). The first wraps
new keys, all of them unwrap: rotation puts a new KEK first and keeps the old one until the next start has
re-wrapped every stored key (`prospect_keys.rewrap`, logged), then drops it.

Never a default in the code (anyone could read it) nor one made in the database (a copy of the database
would carry it): unset, the service refuses to start. The local launcher (`refnet up`, `refnet serve` on
the local stack) passes its own, made once in its state directory (`local_keks`) beside its other
secrets, readable by its owner only.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from datetime import timedelta
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.members.adapters.keyring import KEK_BYTES, Keyring
from services.members.domain.check_in import CheckInWindow
from shared.settings import InsecureSecrets

LOCAL_KEKS_FILE = "members-data-keks"


class MissingDataKeks(InsecureSecrets):
    pass


class MembersConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    data_keks: str = Field(default="", alias="MEMBERS_DATA_KEKS", repr=False,
                           description="comma-separated id:base64key; the first wraps new keys")
    group_commit_ms: float = Field(default=2.0, ge=0, le=1000, alias="MEMBERS_GROUP_COMMIT_MS",
                                   description="how long a slip waits for others to share its commit")
    group_commit_max: int = Field(default=64, ge=1, le=10_000, alias="MEMBERS_GROUP_COMMIT_MAX",
                                  description="most slips in one commit (1: one transaction per request)")
    group_commit_in_flight: int = Field(default=2, ge=1, le=64, alias="MEMBERS_GROUP_COMMIT_IN_FLIGHT",
                                        description="groups decided or written at once (per process): while one "
                                                    "commits, the next ones are formed and decided")
    check_in_before_minutes: float = Field(default=30, ge=0, le=24 * 60, alias="MEMBERS_CHECK_IN_BEFORE_MINUTES",
                                           description="QR check-in opens this long before the meeting starts")
    check_in_after_minutes: float = Field(default=120, ge=0, le=24 * 60, alias="MEMBERS_CHECK_IN_AFTER_MINUTES",
                                          description="and closes this long after it started")

    def check_in_window(self) -> CheckInWindow:
        return CheckInWindow(timedelta(minutes=self.check_in_before_minutes),
                             timedelta(minutes=self.check_in_after_minutes))

    def keyring(self) -> Keyring:
        """The configured KEKs; none configured is a refusal to start (the local launcher passes its own)."""
        if not self.data_keks.strip():
            raise MissingDataKeks("refnet members will not start: MEMBERS_DATA_KEKS is not set (the key-encryption "
                                  "keys that protect prospects' data keys; see services/members/config.py)")
        return parse_keks(self.data_keks)


def parse_keks(value: str) -> Keyring:
    """`id:base64key,...` -> a keyring; a bad entry is named by its position and id, never its key."""
    keks: dict[str, bytes] = {}
    for position, entry in enumerate((e.strip() for e in value.split(",") if e.strip()), start=1):
        kek_id, colon, encoded = entry.partition(":")
        kek_id = kek_id.strip()
        if not colon:
            raise MissingDataKeks(f"MEMBERS_DATA_KEKS entry {position} is not id:base64key")
        if kek_id in keks:
            raise MissingDataKeks(f"MEMBERS_DATA_KEKS names key-encryption key {kek_id!r} twice")
        try:
            keks[kek_id] = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise MissingDataKeks(f"MEMBERS_DATA_KEKS entry {position} ({kek_id!r}) is not base64") from None
    try:
        return Keyring(keks)
    except ValueError as exc:
        raise MissingDataKeks(f"MEMBERS_DATA_KEKS: {exc}") from None


def new_kek(kek_id: str) -> str:
    """A fresh `id:base64key` entry."""
    return f"{kek_id}:{base64.b64encode(secrets.token_bytes(KEK_BYTES)).decode()}"


def local_keks(path: Path) -> str:
    """The local stack's KEK: made once (mode 0600) so restarts keep every prospect readable. Written aside
    and linked into place, so a second worker starting at the same moment reads the first one's, whole."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(new_kek(f"local-{secrets.token_hex(4)}"))
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    return path.read_text().strip()
