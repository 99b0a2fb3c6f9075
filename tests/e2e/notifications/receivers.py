"""The real servers around the notifications service in tests: an SMTP server (aiosmtpd) keeping what it
receives with its envelope, and a webhook receiver answering each path as told."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import socket
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- a real SMTP server ---------------------------------------------------------------------------

class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[list[str]] = []
        """Per message (same order), the RCPT TO addresses: who the server was asked to deliver it to."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append(list(envelope.rcpt_tos))
        return "250 OK"

    def to(self, address: str, kind: str | None = None) -> list[EmailMessage]:
        return [msg for msg in self.messages if address in str(msg["To"])
                and (kind is None or msg["X-Refnet-Kind"] == kind)]

    def kinds(self, address: str) -> list[str]:
        return sorted(str(msg["X-Refnet-Kind"]) for msg in self.to(address))


@contextlib.contextmanager
def smtp_server() -> Any:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def html_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


# --- a real webhook receiver ----------------------------------------------------------------------

@dataclass
class Receiver:
    port: int
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)
    """Answer per path (default 200)."""
    body: dict[str, bytes] = field(default_factory=dict)
    """Response body per path (default `{}`)."""

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[tuple[dict[str, str], bytes]]:
        return [(headers, body) for p, headers, body in self.received if p == path]


@contextlib.contextmanager
def webhook_receiver() -> Any:
    receiver = Receiver(port=free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            receiver.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            answer = receiver.body.get(self.path, b"{}")
            self.send_response(receiver.status.get(self.path, 200))
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()




# --- a receiver that hangs ------------------------------------------------------------------------

class HangingReceiver:
    """Accepts connections and reads the requests, but answers nothing until released."""

    def __init__(self) -> None:
        self.connections = 0
        self.answered = 0
        self.release = asyncio.Event()
        self._open: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._open.add(writer)
        try:
            await reader.readuntil(b"\r\n\r\n")
            await self.release.wait()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._open.discard(writer)
            writer.close()

    @property
    def hanging(self) -> int:
        return len(self._open)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextlib.asynccontextmanager
async def hanging_receiver() -> AsyncIterator[HangingReceiver]:
    receiver = HangingReceiver()
    server = await asyncio.start_server(receiver._serve, "127.0.0.1", 0)
    receiver.port = server.sockets[0].getsockname()[1]
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.close()
        await server.wait_closed()
