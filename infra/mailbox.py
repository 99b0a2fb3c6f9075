"""A local mailbox for `refnet up`: an SMTP server (aiosmtpd) that keeps every message as a .eml file, so
the notifications service's e-mails can be read without a mail provider."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        recipient = envelope.rcpt_tos[0].replace("@", "_at_") if envelope.rcpt_tos else "nobody"
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns() % 1_000_000:06d}-{recipient}.eml"
        content = envelope.original_content or b""
        (self.folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
        return "250 Message accepted for delivery"


def main(folder: str, port: str) -> None:
    controller = Controller(SaveToFolder(Path(folder)), hostname="127.0.0.1", port=int(port))
    controller.start()
    try:
        asyncio.run(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main(*sys.argv[1:3])
