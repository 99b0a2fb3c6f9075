"""Secrets: a service refuses to start with a missing, published or short admin token or signing secret, and
the local launcher makes random ones once per state directory."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from shared.runtime import Service
from shared.settings import InsecureSecrets, Settings, local_secrets
from tests.conftest import ROOT

GOOD = {"REFNET_ADMIN_TOKEN": "a" * 40, "REFNET_TOKEN_SECRET": "s" * 48}


@pytest.mark.parametrize(("admin", "secret", "named"), [
    ("refnet-admin-dev-token", GOOD["REFNET_TOKEN_SECRET"], "REFNET_ADMIN_TOKEN is a default published"),
    (GOOD["REFNET_ADMIN_TOKEN"], "refnet-dev-signing-secret-change-me", "REFNET_TOKEN_SECRET is a default published"),
    ("", GOOD["REFNET_TOKEN_SECRET"], "REFNET_ADMIN_TOKEN is not set"),
    (GOOD["REFNET_ADMIN_TOKEN"], "short", "REFNET_TOKEN_SECRET is shorter than 24"),
])
async def test_a_service_refuses_to_start_with_unfit_secrets(admin: str, secret: str, named: str) -> None:
    settings = Settings(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", DATABASE_URL="postgresql://nobody@127.0.0.1:1/x",
                        REFNET_ADMIN_TOKEN=admin, REFNET_TOKEN_SECRET=secret)
    with pytest.raises(InsecureSecrets, match=named):
        await Service("members", settings).start()  # refused before it reaches for any server


def test_refnet_serve_against_named_servers_without_secrets_exits_with_the_reason(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFNET_")}
    env.update(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", DATABASE_URL="postgresql://nobody@127.0.0.1:1/x",
               REFNET_STATE_DIR=str(tmp_path), REFNET_MEMBERS_PORT="1")
    result = subprocess.run([sys.executable, "-m", "infra.cli", "serve", "members"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "REFNET_ADMIN_TOKEN is not set" in result.stderr + result.stdout
    assert not (tmp_path / "secrets.json").exists(), "secrets are made only for the local stack"


def test_the_local_stack_makes_random_secrets_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    first = local_secrets(tmp_path)
    assert local_secrets(tmp_path) == first, "kept: tokens handed out stay valid across restarts"
    assert local_secrets(tmp_path / "other") != first
    assert Settings(**first).secret_problems() == []
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600
