"""An e-mail as it leaves the service. Names and addresses come from members' events, so from people: the
recipient is checked with the standard library's header registry (one address, the member's own; whatever the
name holds is only ever its display name, quoted or encoded), and no text taken from an event reaches a header
with a line break in it (a CR/LF would start a header of its own: a Bcc, say).

The message's bytes are written here directly rather than by `email.message.EmailMessage`: building,
folding and flattening with the `email` package cost more than everything else the service does to send an
e-mail (header objects parsed on every set, then folded again to flatten). What goes out is the same shape:
multipart/alternative, plain text and HTML in UTF-8, quoted-printable (7-bit clean, lines within 76 characters);
a header value taken from people is either a quoted-string of printable ASCII or RFC 2047 encoded-words, so
nothing in it can end the header, and the envelope names the one recipient, not whatever a header holds."""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import re
import secrets
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from functools import lru_cache

from services.notifications.domain.rendering import Rendered

_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
# printable ASCII that cannot be mistaken for an encoded-word: written as it is (in a quoted-string for a name)
_PLAIN = re.compile(r"[\x20-\x7e]*")
_LONGEST_PLAIN = 900  # a header line stays far within SMTP's 998 characters; longer text is encoded (folded)
_WORD_BYTES = 45  # UTF-8 bytes per encoded-word: 60 characters of base64, 72 with its frame (limit 75)


class UnbuildableMessage(ValueError):
    """The e-mail cannot be built; the message names what is wrong, never the value (personal data)."""


@dataclass(frozen=True)
class OutgoingEmail:
    """What the mailer sends: the envelope (sender, the one recipient) and the message's bytes (CRLF lines)."""

    sender: str
    recipient: str
    data: bytes

    def parsed(self) -> EmailMessage:
        """The message as a mail program reads it (for tests and fakes; the service never needs it)."""
        message = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


def one_line(text: str) -> str:
    """Control characters (CR, LF, tab, ...) become one space each run: a header value stays one line."""
    return _BREAKS.sub(" ", text).strip()


@lru_cache(maxsize=4096)  # a chapter's members get e-mail after e-mail: parsed once each (Address is immutable)
def recipient(name: str, address: str) -> Address:
    """Exactly one recipient, `address`; `name` is its display name, however it is spelled."""
    try:
        to = Address(display_name=one_line(name), addr_spec=address)
    except Exception:  # ValueError, HeaderParseError, IndexError, ... (their messages quote the address)
        raise UnbuildableMessage("invalid e-mail address") from None
    if not to.username or not to.domain or _BREAKS.search(to.addr_spec):
        raise UnbuildableMessage("invalid e-mail address")
    return to


def _plain(text: str) -> bool:
    return len(text) <= _LONGEST_PLAIN and _PLAIN.fullmatch(text) is not None and "=?" not in text


def encoded_words(text: str) -> str:
    """RFC 2047 base64 UTF-8 encoded-words, one per folded line; never splits a character."""
    words: list[str] = []
    chunk: list[str] = []
    size = 0
    for char in text:
        width = len(char.encode())
        if size + width > _WORD_BYTES:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += width
    words.append("".join(chunk))
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w.encode()).decode()}?=" for w in words if w)


def header_value(text: str) -> str:
    """Unstructured text (a subject) as one header value: plain when it can be, else encoded."""
    text = one_line(text)
    return text if _plain(text) else encoded_words(text)


def mailbox(to: Address) -> str:
    """`to` as the To header's one mailbox: the display name only ever a quoted-string or encoded-words."""
    name = to.display_name
    if not name:
        return f"<{to.addr_spec}>"
    if _plain(name):
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{to.addr_spec}>'
    return f"{encoded_words(name)} <{to.addr_spec}>"


@lru_cache(maxsize=16)
def sender_of(mail_from: str) -> tuple[str, str]:
    """The configured From (the service's own) as a header line and its envelope address; once per value."""
    message = EmailMessage()
    message["From"] = mail_from
    line = message.as_bytes(policy=email.policy.SMTP).split(b"\r\n\r\n", 1)[0].decode()
    return line, message["From"].addresses[0].addr_spec


def _quoted_printable(text: str) -> bytes:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").encode()
    return binascii.b2a_qp(lines, quotetabs=False, istext=True).replace(b"\n", b"\r\n")


def _part(subtype: str, text: str) -> bytes:
    return (f"Content-Type: text/{subtype}; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable"
            "\r\n\r\n").encode() + _quoted_printable(text)


def compose(sender: str, to: Address, rendered: Rendered, headers: dict[str, str]) -> OutgoingEmail:
    """The e-mail (plain text and HTML alternatives); `headers` are the service's own (ids, unsubscribe)."""
    from_line, envelope_from = sender_of(sender)
    # quoted-printable never writes "=_" (an "=" is written =3D): the boundary cannot occur in a part
    boundary = f"=_refnet_{secrets.token_hex(12)}"
    lines = [from_line, f"To: {mailbox(to)}", f"Subject: {header_value(rendered.subject)}"]
    lines += [f"{one_line(name)}: {header_value(value)}" for name, value in headers.items()]
    lines += ["MIME-Version: 1.0", f'Content-Type: multipart/alternative; boundary="{boundary}"', "", ""]
    mark = f"\r\n--{boundary}\r\n".encode()
    data = b"".join(("\r\n".join(lines).encode(), mark[2:], _part("plain", rendered.text), mark,
                     _part("html", rendered.html), f"\r\n--{boundary}--\r\n".encode()))
    return OutgoingEmail(sender=envelope_from, recipient=to.addr_spec, data=data)
