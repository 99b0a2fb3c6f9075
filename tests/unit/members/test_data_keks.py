"""The key-encryption keys' configuration: never a default, never in the database, refused when missing;
the local launcher passes its own; a bad entry named without its key."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from infra.local import LocalStack
from services.members.adapters.keyring import Keyring, UnknownKek
from services.members.config import LOCAL_KEKS_FILE, MembersConfig, MissingDataKeks, new_kek, parse_keks
from services.members.entrypoints.app import create_app
from shared.settings import Settings


def settings(database: str, state_dir: Path) -> Settings:
    return Settings(DATABASE_URL=database, KAFKA_BOOTSTRAP_SERVERS="kafka.example.invalid:9092",
                    REFNET_STATE_DIR=state_dir, REFNET_ADMIN_TOKEN="a" * 40, REFNET_TOKEN_SECRET="b" * 40)


def test_the_first_kek_wraps_and_all_unwrap_for_their_own_row_only() -> None:
    old, new = parse_keks(new_kek("k1")), parse_keks(f"{new_kek('k2')},{new_kek('k1')}")
    assert new.primary == "k2"
    kek_id, wrapped = old.wrap(b"k" * 32, "prospect-key:pk-1")
    assert kek_id == "k1" and b"k" * 32 not in wrapped
    assert old.unwrap("k1", wrapped, "prospect-key:pk-1") == b"k" * 32
    with pytest.raises(UnknownKek):
        old.unwrap("k1", wrapped, "prospect-key:pk-2")  # copied onto another row: opens nothing
    with pytest.raises(UnknownKek):
        new.unwrap("k1", wrapped, "prospect-key:pk-1")  # another key under the same id
    with pytest.raises(UnknownKek):
        old.unwrap("k9", wrapped, "prospect-key:pk-1")


def test_a_bad_entry_is_refused_and_named_without_its_key() -> None:
    short = base64.b64encode(b"s" * 16).decode()
    for value, named in ((f"k1:{short}", "32 bytes"), ("k1", "entry 1"), (f"{new_kek('k1')},k2:not base64!", "'k2'"),
                         (f"{new_kek('k1')},{new_kek('k1')}", "twice"), (" , ", "at least one"),
                         (f"bad id:{base64.b64encode(os.urandom(32)).decode()}", "letters")):
        with pytest.raises(MissingDataKeks, match=named) as refused:
            parse_keks(value)
        keys = [e.partition(":")[2] for e in value.split(",") if len(e.partition(":")[2]) > 8]
        assert not any(key in str(refused.value) for key in keys), "a key never reaches a log"
    assert "Keyring(ids=['k1'])" == repr(parse_keks(new_kek("k1")))


async def test_without_keks_the_service_refuses_to_start(tmp_path: Path) -> None:
    for database in ("postgresql://refnet@db.example.invalid:5432/postgres", "postgresql://postgres@localhost/x"):
        with pytest.raises(MissingDataKeks, match="MEMBERS_DATA_KEKS is not set"):
            MembersConfig(MEMBERS_DATA_KEKS="").keyring()
        app = create_app(settings(database, tmp_path), MembersConfig(MEMBERS_DATA_KEKS=""))
        with pytest.raises(MissingDataKeks):  # before connecting to anything
            async with app.router.lifespan_context(app):
                pass
    assert not (tmp_path / LOCAL_KEKS_FILE).exists(), "no key made up for a deployment"
    configured = MembersConfig(MEMBERS_DATA_KEKS=new_kek("prod-1")).keyring()
    assert configured.primary == "prod-1"


def test_the_local_launcher_passes_a_kek_kept_in_its_state_directory_for_its_owner_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEMBERS_DATA_KEKS", raising=False)
    first = LocalStack(tmp_path).secrets()["MEMBERS_DATA_KEKS"]
    assert LocalStack(tmp_path).secrets()["MEMBERS_DATA_KEKS"] == first, "restarts keep every prospect readable"
    assert isinstance(parse_keks(first), Keyring)
    assert stat.S_IMODE((tmp_path / LOCAL_KEKS_FILE).stat().st_mode) == 0o600
    assert LocalStack(tmp_path / "other").secrets()["MEMBERS_DATA_KEKS"] != first
    monkeypatch.setenv("MEMBERS_DATA_KEKS", new_kek("operator"))
    assert "MEMBERS_DATA_KEKS" not in LocalStack(tmp_path).secrets(), "the operator's own wins"
