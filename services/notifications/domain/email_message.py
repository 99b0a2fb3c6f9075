"""An e-mail as it leaves the service. Names and addresses come from members' events, so from people: the
recipient is built with the standard library's header registry (one address, the member's own; whatever the
name holds is only ever its display name, quoted or encoded as needed), and no text taken from an event
reaches a header with a line break in it (a CR/LF would start a header of its own: a Bcc, say)."""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.message import EmailMessage

from services.notifications.domain.rendering import Rendered

_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


class UnbuildableMessage(ValueError):
    """The e-mail cannot be built; the message names what is wrong, never the value (personal data)."""


def one_line(text: str) -> str:
    """Control characters (CR, LF, tab, ...) become one space each run: a header value stays one line."""
    return _BREAKS.sub(" ", text).strip()


def recipient(name: str, address: str) -> Address:
    """Exactly one recipient, `address`; `name` is its display name, however it is spelled."""
    try:
        to = Address(display_name=one_line(name), addr_spec=address)
    except Exception:  # ValueError, HeaderParseError, IndexError, ... (their messages quote the address)
        raise UnbuildableMessage("invalid e-mail address") from None
    if not to.username or not to.domain:
        raise UnbuildableMessage("invalid e-mail address")
    return to


def compose(sender: str, to: Address, rendered: Rendered, headers: dict[str, str]) -> EmailMessage:
    """The e-mail (plain text and HTML alternatives); `headers` are the service's own (ids, unsubscribe)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = one_line(rendered.subject)  # a subject may quote a member's name
    for name, value in headers.items():
        message[name] = value
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message
