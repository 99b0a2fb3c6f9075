"""`refnet up`'s supervisor: a process killed with -9 is started again (with backoff, and it says so), and
everything stops when asked."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import httpx

from infra.processes import free_port, port_open
from infra.supervisor import Supervisor


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _until(condition: object, supervisor: Supervisor, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        supervisor.check()
        time.sleep(0.05)


def test_a_killed_process_is_started_again_with_backoff_and_everything_stops_when_asked(tmp_path: Path) -> None:
    port = free_port(18790)
    said: list[str] = []
    supervisor = Supervisor(echo=said.append, first_backoff=0.2, stable_after=3600)
    server = supervisor.add("web", [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                                    "--directory", str(tmp_path)], None, tmp_path / "web.log", tmp_path / "web.pid")
    url = f"http://127.0.0.1:{port}/"
    try:
        _until(lambda: _answers(url), supervisor)
        first = supervisor.process("web").pid
        assert (tmp_path / "web.pid").read_text() == str(first)

        os.kill(first, signal.SIGKILL)
        _until(lambda: supervisor.process("web").pid != first and _answers(url), supervisor)
        assert any("web exited (killed by SIGKILL); restarting it in 0.2s" in line for line in said), said
        assert any("web restarted (restart 1" in line for line in said), said
        assert (tmp_path / "web.pid").read_text() == str(supervisor.process("web").pid)

        # a process that keeps dying right after its start waits longer each time
        os.kill(supervisor.process("web").pid, signal.SIGKILL)
        _until(lambda: server.restarts == 2, supervisor)
        assert "restarting it in 0.4s" in said[-2] and server.backoff == 0.8
    finally:
        supervisor.stop()
    assert not port_open("127.0.0.1", port), "the process outlived stop"
    assert not (tmp_path / "web.pid").exists()
