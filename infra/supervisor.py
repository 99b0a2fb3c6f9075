"""What `refnet up` runs its processes under: one that exits (crashed, killed, gave up waiting for its
database) is started again after a backoff, and the console says so; everything stops only when asked
(Ctrl-C, SIGTERM).

The backoff doubles while a process keeps exiting soon after its start (1 s, 2 s, 4 s ... up to 30 s), and
starts again from 1 s once a process has stayed up for a minute, so a crash loop does not spin and a crash
after hours of work is answered at once.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Supervised:
    name: str
    command: list[str]
    env: dict[str, str] | None
    log: Path
    pid_file: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff: float = 0.0
    restart_at: float | None = None  # set while it waits to be started again


@dataclass
class Supervisor:
    echo: Callable[[str], None] = print
    first_backoff: float = 1.0
    max_backoff: float = 30.0
    stable_after: float = 60.0
    children: dict[str, Supervised] = field(default_factory=dict)

    def add(self, name: str, command: list[str], env: dict[str, str] | None, log: Path,
            pid_file: Path | None = None) -> Supervised:
        child = self.children[name] = Supervised(name, command, env, log, pid_file, backoff=self.first_backoff)
        self._start(child)
        return child

    def process(self, name: str) -> subprocess.Popen[bytes]:
        process = self.children[name].process
        assert process is not None
        return process

    def _start(self, child: Supervised) -> None:
        child.log.parent.mkdir(parents=True, exist_ok=True)
        with child.log.open("ab") as out:
            child.process = subprocess.Popen(child.command, env=child.env, stdout=out, stderr=subprocess.STDOUT)
        child.started_at, child.restart_at = time.monotonic(), None
        if child.pid_file is not None:
            child.pid_file.write_text(str(child.process.pid))

    def check(self) -> None:
        """One look at every process: schedule a restart for one that exited, start those that are due."""
        now = time.monotonic()
        for child in self.children.values():
            assert child.process is not None
            if child.restart_at is None and child.process.poll() is not None:
                if now - child.started_at >= self.stable_after:
                    child.backoff = self.first_backoff  # it had been up a while: not a crash loop
                child.restart_at = now + child.backoff
                self.echo(f"{child.name} exited ({describe(child.process.returncode)}); restarting it in "
                          f"{child.backoff:.1f}s (see {child.log})")
                child.backoff = min(child.backoff * 2, self.max_backoff)
            elif child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self._start(child)
                self.echo(f"{child.name} restarted (restart {child.restarts}, pid {child.process.pid})")

    def watch(self, interval: float = 0.5) -> None:
        """Keep everything running until interrupted (KeyboardInterrupt: Ctrl-C, or SIGTERM turned into it)."""
        while True:
            self.check()
            time.sleep(interval)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGINT to every process (uvicorn shuts down gracefully on it), SIGKILL to what outlives `timeout`."""
        running = [c.process for c in self.children.values() if c.process is not None and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGINT)
        for process in running:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for child in self.children.values():
            if child.pid_file is not None:
                child.pid_file.unlink(missing_ok=True)


def describe(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"
