"""`refnet up` (what `make up` runs): the three services start, a demo chapter is recorded through the
public API and shows in the leaders' reports, a service killed with -9 is started again, and Ctrl-C stops
everything."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time

import httpx

from infra.processes import free_port, port_open
from shared.settings import Settings
from tests.conftest import ROOT


def test_refnet_up_runs_the_services_with_a_demo_chapter_until_ctrl_c(settings: Settings) -> None:
    ports = {s: free_port(18000 + n) for n, s in enumerate(("members", "referrals", "notifications"), start=1)}
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
           "DATABASE_URL": settings.database_url, "REFNET_TOPIC_PREFIX": settings.topic_prefix,
           "MEMBERS_DATABASE_URL": settings.service_database_url("members"),
           "REFERRALS_DATABASE_URL": settings.service_database_url("referrals"),
           "NOTIFICATIONS_DATABASE_URL": settings.service_database_url("notifications"),
           "REFNET_STATE_DIR": str(ROOT / ".refnet" / "test-up"), "PYTHONUNBUFFERED": "1",
           **{f"REFNET_{s.upper()}_PORT": str(p) for s, p in ports.items()}}
    shutil.rmtree(ROOT / ".refnet" / "test-up", ignore_errors=True)
    proc = subprocess.Popen([sys.executable, "-m", "infra.cli", "up", "--demo-weeks", "3"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Ctrl-C stops everything" in line:
                break
        text = "".join(output)
        for service, port in ports.items():
            assert f"{service}" in text and f"http://127.0.0.1:{port}" in text, text
        chapter = re.search(r"/chapters/([\w-]+)/dashboard\s", text)  # no token in the dashboard's URL
        assert chapter and "#token" not in text and "token=" not in text, text
        chapter_id = chapter.group(1)
        # the leader's sign-in link, got through POST /sign-in and the caught e-mail
        link = re.search(rf"http://127\.0\.0\.1:{ports['members']}/app/sign-in#code=([\w\-.~%]+)", text)
        assert link, text
        exchanged = httpx.post(f"http://127.0.0.1:{ports['members']}/sign-in/exchange",
                               json={"code": link.group(1)}, timeout=30)
        assert exchanged.status_code == 200 and exchanged.json()["role"] == "vice-president", exchanged.text
        leader_token = re.search(r"leader token \([^)]*\):\s+(\S+)", text)
        assert leader_token, text
        auth = {"Authorization": f"Bearer {leader_token.group(1)}"}
        recorded = httpx.get(f"http://127.0.0.1:{ports['members']}/chapters/{chapter_id}/referrals",
                             headers=auth, timeout=30).json()
        assert len(recorded) > 10
        for _ in range(100):  # the referrals service projects what the members service recorded
            summary = httpx.get(f"http://127.0.0.1:{ports['referrals']}/chapters/{chapter_id}/summary",
                                params={"from": "2000-01-01"}, headers=auth, timeout=30).json()
            if summary["summary"][0]["referrals"] == len(recorded):
                break
            time.sleep(0.2)
        assert summary["summary"][0]["members"] == 25
        assert summary["summary"][0]["referrals"] == len(recorded)
        asks = httpx.get(f"http://127.0.0.1:{ports['members']}/chapters/{chapter_id}/asks", headers=auth,
                         timeout=30).json()  # a few members say what they are looking for (infra/demo_asks.py)
        assert len(asks) == 5 and "asks: 5 members" in text, asks
        mailbox = ROOT / ".refnet" / "test-up" / "mail"
        for _ in range(150):  # the notifications service e-mails every new member a welcome
            if len(list(mailbox.glob("*.eml"))) >= 25:
                break
            time.sleep(0.2)
        mails = [p.read_text(errors="replace") for p in mailbox.glob("*.eml")]
        assert sum("alice.adams@example.org" in m for m in mails) >= 1, f"{len(mails)} e-mails caught"

        # a service that dies is started again by `refnet up`, which says so, and answers again
        pid_file = ROOT / ".refnet" / "test-up" / "referrals.pid"
        killed = int(pid_file.read_text())
        os.kill(killed, signal.SIGKILL)
        said = ""
        while "referrals restarted" not in said and time.monotonic() < deadline + 120:
            said += proc.stdout.readline()
        assert "referrals exited (killed by SIGKILL); restarting it in" in said, said
        while time.monotonic() < deadline + 180:
            try:
                if httpx.get(f"http://127.0.0.1:{ports['referrals']}/chapters/{chapter_id}/summary",
                             params={"from": "2000-01-01"}, headers=auth, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        assert int(pid_file.read_text()) != killed
        assert httpx.get(f"http://127.0.0.1:{ports['referrals']}/chapters/{chapter_id}/summary",
                         params={"from": "2000-01-01"}, headers=auth, timeout=5).json()["summary"][0]["members"] == 25
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    assert "stopped" in rest
    assert not any(port_open("127.0.0.1", p) for p in ports.values()), "a service outlived Ctrl-C"
