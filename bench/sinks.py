"""The receiving end of the notifications benchmark, in a process of its own: a minimal SMTP server that
accepts everything, a live webhook receiver (HTTP/1.1, kept alive), one that answers after 5 s and one that
never accepts a connection (a full accept queue: the client's connect times out).

In the benchmark's own process (aiosmtpd and http.server in threads, as the tests use), the receivers took
about a third of the CPU and every round trip to them waited for the GIL: they bounded what was measured.
Here they cost the measured process nothing; arrivals come back over a pipe with their monotonic time
(the same clock in every process of the machine), in batches.

    sinks = Sinks.start(); ...; sinks.mail_count(); sinks.hooks("live"); sinks.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import socket
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

SLOW_SECONDS = 5.0


def _listener(backlog: int = 512) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(backlog)
    return sock


class _Reporter:
    """Arrivals batched to the parent every few milliseconds (one pipe write per batch)."""

    def __init__(self, pipe: Connection) -> None:
        self.pipe = pipe
        self.batch: list[tuple[str, float, str]] = []

    def add(self, what: str, key: str) -> None:
        self.batch.append((what, time.monotonic(), key))

    async def run(self) -> None:
        while True:
            await asyncio.sleep(0.003)
            if self.batch:
                batch, self.batch = self.batch, []
                self.pipe.send(batch)


async def _smtp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, report: _Reporter) -> None:
    writer.write(b"220 sink ESMTP\r\n")
    try:
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                writer.write(b"250-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go on\r\n")
                data = await reader.readuntil(b"\r\n.\r\n")
                start = data.find(b"\r\nX-Refnet-Delivery: ")
                end = data.find(b"\r\n", start + 2)
                report.add("mail", data[start + 21:end].decode() if start >= 0 else "?")
                writer.write(b"250 OK\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                break
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                writer.write(b"250 OK\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, report: _Reporter, name: str,
                delay: float) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
            if delay:
                await asyncio.sleep(delay)
            key = str(json.loads(body).get("data", {}).get("referral_id", "")) if body else ""
            report.add(f"{name}:{path}", key)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{}")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, IndexError, ValueError):
        pass
    finally:
        writer.close()


def _serve(pipe: Connection, socks: dict[str, socket.socket]) -> None:
    async def main() -> None:
        report = _Reporter(pipe)
        await asyncio.start_server(lambda r, w: _smtp(r, w, report), sock=socks["smtp"])
        await asyncio.start_server(lambda r, w: _http(r, w, report, "live", 0.0), sock=socks["live"])
        await asyncio.start_server(lambda r, w: _http(r, w, report, "slow", SLOW_SECONDS), sock=socks["slow"])
        # "dead": listening (backlog 0) but never accepting; one connection of our own fills the accept
        # queue, so every client's SYN is dropped and its connect times out
        filler = socket.create_connection(socks["dead"].getsockname())
        await report.run()
        filler.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


@dataclass
class Sinks:
    process: multiprocessing.process.BaseProcess
    pipe: Connection
    ports: dict[str, int]
    arrivals: dict[str, list[tuple[float, str]]] = field(default_factory=dict)

    @classmethod
    def start(cls) -> Sinks:
        socks = {"smtp": _listener(), "live": _listener(), "slow": _listener(), "dead": _listener(backlog=0)}
        ours, theirs = multiprocessing.Pipe()
        process = multiprocessing.get_context("fork").Process(target=_serve, args=(theirs, socks), daemon=True)
        process.start()
        ports = {name: s.getsockname()[1] for name, s in socks.items()}
        for sock in socks.values():
            sock.close()
        return cls(process, ours, ports)

    def url(self, receiver: str, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.ports[receiver]}{path}"

    def _drain(self) -> None:
        while self.pipe.poll():
            for what, at, key in self.pipe.recv():
                self.arrivals.setdefault(what, []).append((at, key))

    def mails(self) -> list[tuple[float, str]]:
        self._drain()
        return self.arrivals.get("mail", [])

    def hooks(self, receiver: str = "live", path: str = "/hook") -> list[tuple[float, str]]:
        self._drain()
        return self.arrivals.get(f"{receiver}:{path}", [])

    def cpu_seconds(self) -> float:
        """CPU time the receivers' process used so far (user + system)."""
        fields = open(f"/proc/{self.process.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, 15)
        self.process.join(5)
