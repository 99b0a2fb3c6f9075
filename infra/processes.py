"""Small process plumbing shared by the Kafka and PostgreSQL launchers: pid files and port waits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port(preferred: int) -> int:
    """The preferred port when nothing listens on it, else one the kernel hands out."""
    if not port_open("127.0.0.1", preferred):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PortTaken(RuntimeError):
    """The server we started exited, or never listened, because another process took its port first."""


def listens(pid: int, port: int) -> bool:
    """Whether process `pid` itself listens on TCP `port`."""
    try:
        return any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port
                   for c in psutil.Process(pid).net_connections(kind="tcp"))
    except psutil.Error:
        return False


def wait_for_port(host: str, port: int, timeout: float, what: str, log: Path | None = None,
                  owner: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until `port` answers, and with `owner` until that process is the one listening: a port that was
    free when chosen can be taken by another starting server before ours binds it, and a test run against
    someone else's broker fails far from the cause."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if owner is not None and owner.poll() is not None:
            raise PortTaken(f"{what} exited (code {owner.returncode}) before listening on {host}:{port}"
                            f"{_tail(log)}")
        if port_open(host, port) and (owner is None or listens(owner.pid, port)):
            return
        time.sleep(0.2)
    if owner is not None and port_open(host, port):
        raise PortTaken(f"another process answers on {host}:{port}, not the {what} started here{_tail(log)}")
    raise TimeoutError(f"{what} did not answer on {host}:{port} within {timeout:.0f}s{_tail(log)}")


def _tail(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    return "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-30:])


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_pid(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def stop_pid(pid: int, timeout: float = 30.0) -> None:
    """SIGTERM, then SIGKILL if the process outlives `timeout`."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
