"""What `refnet demo` prints at the end: where the dashboard is, and a sign-in link for its leader, got the way
a leader gets one (`POST /sign-in` with their address, then the link from the e-mail the notifications
service sent, which `make up`'s local mail catcher keeps as a .eml file). No token goes in the dashboard's URL:
the leader opens the link, the members app sets the session's cookies, and the dashboard uses them."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import time
from email.message import EmailMessage
from pathlib import Path

import httpx

LINK = re.compile(r"\S+/app/sign-in#code=[\w\-.~%]+")


def _caught(mail_dir: Path | None) -> set[Path]:
    return set(mail_dir.glob("*.eml")) if mail_dir is not None and mail_dir.is_dir() else set()


def _link_in(path: Path, recipient: str) -> str | None:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    if not isinstance(message, EmailMessage) or recipient not in str(message["To"] or ""):
        return None
    body = message.get_body(preferencelist=("plain",))
    found = LINK.search(body.get_content() if body is not None else "")
    return found.group(0) if found else None


async def sign_in_link(client: httpx.AsyncClient, address: str, mail_dir: Path | None,
                       timeout: float = 60.0) -> str | None:
    """Ask the members service for a sign-in link for `address` and read it from the caught e-mail; None when
    no local catcher keeps the mail (a real mail server was named) or none came in time."""
    before = _caught(mail_dir)
    asked = await client.post("/sign-in", json={"email": address})
    if asked.status_code != 202 or mail_dir is None:
        return None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(_caught(mail_dir) - before):
            link = _link_in(path, address)
            if link:
                return link
        await asyncio.sleep(0.2)
    return None


def print_summary(*, referrals_url: str, chapter_id: str, members: int, weeks: int, requests: int,
                  leader: str, leader_email: str, link: str | None, leader_token: str, member: str,
                  member_token: str, members_url: str = "") -> None:
    print(f"\nDemo chapter {chapter_id}: {members} members, {weeks} weeks, "
          f"{requests} slips and steps recorded through the API.")
    print(f"  dashboard:     {referrals_url}/chapters/{chapter_id}/dashboard   (sign in first, with the link below)")
    if members_url:
        print(f"  visitors' page: {members_url}/visit/{chapter_id}   (public: a guest registers for a meeting)")
    if link:
        print(f"  sign-in link for {leader} (vice-president, {leader_email}; works once, for 15 minutes):\n"
              f"    {link}")
    else:
        print(f"  sign-in link:  e-mailed to {leader} ({leader_email}); or POST /sign-in {{\"email\": ...}}")
    print("  API access tokens (Authorization: Bearer; valid 15 minutes; refresh with POST /sign-in/refresh):")
    print(f"  leader token ({leader}, vice-president):\n    {leader_token}")
    print(f"  member token ({member}):\n    {member_token}")
