"""What each notification says: subject, plain text and HTML, in the chapter's currency formatting."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from services.notifications.domain import kinds as k
from services.notifications.domain.money import format_money


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Context:
    recipient_name: str
    chapter_name: str
    currency: str
    names: dict[str, str] = field(default_factory=dict)
    unsubscribe_url: str | None = None
    unsubscribe_all_url: str | None = None

    def name(self, member_id: str | None) -> str:
        if member_id is None:
            return "someone"
        return self.names.get(member_id, member_id)


def _lines(ctx: Context, kind: str, data: dict[str, Any]) -> tuple[str, list[str]]:
    n = ctx.name
    ref = data.get("referral_id", "")
    if kind == k.REFERRAL_RECEIVED:
        return (f"{n(data['giver_id'])} gave you a referral",
                [f"{n(data['giver_id'])} gave you a {data['referral_type']} referral "
                 f"(temperature {data['temperature']}/5) on {data['occurred_on']}.",
                 "Please confirm you received it and contact the prospect: they expect your call.",
                 f"Referral: {ref}"])
    if kind == k.REFERRAL_REMINDER:
        return (f"Reminder: confirm the referral from {n(data['giver_id'])}",
                [f"The referral {n(data['giver_id'])} gave you {data['hours']} hours ago is not confirmed yet.",
                 "Please accept it (or decline it) so your referral partner knows it was followed up.",
                 f"Referral: {ref}"])
    if kind == k.REFERRAL_NUDGE:
        return (f"Any news on the referral from {n(data['giver_id'])}?",
                [f"The referral from {n(data['giver_id'])} has been '{data['status']}' for {data['days']} days.",
                 "Record where it stands (contacted, won or lost) so the chapter's figures stay current.",
                 f"Referral: {ref}"])
    if kind in (k.REFERRAL_ACCEPTED, k.REFERRAL_WON, k.REFERRAL_LOST):
        verb = {k.REFERRAL_ACCEPTED: "accepted", k.REFERRAL_WON: "won the business from",
                k.REFERRAL_LOST: "did not win the business from"}[kind]
        lines = [f"{n(data['receiver_id'])} {verb} the referral you gave on {data.get('given_on', '')}."
                 .replace(" on .", ".")]
        if data.get("reason"):
            lines.append(f"Reason: {data['reason']}")
        lines.append(f"Referral: {ref}")
        return f"{n(data['receiver_id'])} {verb} your referral", lines
    if kind == k.CLOSED_BUSINESS_THANKS:
        amount = format_money(Decimal(str(data["amount"])), data.get("currency") or ctx.currency)
        return (f"Thank you: {amount} of closed business from your referral",
                [f"{n(data['reported_by'])} thanked you for {data['business_kind']} business worth {amount} "
                 "(excluding tax).",
                 "Givers gain: this is credited to you in the chapter's figures."])
    if kind == k.WELCOME:
        return (f"Welcome to {ctx.chapter_name}",
                [f"Welcome to {ctx.chapter_name}, {ctx.recipient_name}!",
                 "You will hear here when a member gives you a referral, when your referrals move on, and "
                 "before each meeting a digest of your week."])
    if kind == k.TRAFFIC_LIGHT_CHANGED:
        return (f"{n(data['member_id'])}'s traffic light is now {data['to_colour']}",
                [f"{n(data['member_id'])}'s traffic light changed from {data['from_colour']} to "
                 f"{data['to_colour']} (score {data['score']}/100, as of {data['as_of']})."])
    if kind == k.ABSENCES_OVER_LIMIT:
        return (f"{n(data['member_id'])} is over the absence limit",
                [f"{n(data['member_id'])} has {data['absences']} absences in the last six months "
                 f"(limit {data['limit']}); the latest on {data['meeting_date']}."])
    if kind == k.WEEKLY_DIGEST:
        lines = [f"Your week in {ctx.chapter_name}, before the meeting on {data['meeting_date']}:",
                 f"Referrals given: {data['given']}", f"Referrals received: {data['received']}"]
        if data.get("thanks_total") and Decimal(str(data["thanks_total"])) > 0:
            lines.append(f"Closed business credited to you: "
                         f"{format_money(Decimal(str(data['thanks_total'])), ctx.currency)}")
        waiting = data.get("open", [])
        lines.append(f"Open referrals waiting on you: {len(waiting)}")
        lines += [f"  - from {n(o['giver_id'])} ({o['status']}, given {o['occurred_on']})" for o in waiting]
        if data.get("light"):
            lines.append(f"Your traffic light: {data['light']}")
        return f"Your weekly digest for {data['meeting_date']}", lines
    if kind == k.WEBHOOK_DISABLED:
        return ("A webhook subscription was disabled",
                [f"Deliveries to {data['url']} have failed since {data['failing_since']}; the subscription "
                 f"{data['subscription_id']} is now disabled.",
                 "Fix the receiver, then create the subscription again."])
    raise ValueError(f"unknown notification kind {kind!r}")


def summary(kind: str, data: dict[str, Any], ctx: Context) -> tuple[str, str]:
    """Title and plain body, as the in-app feed shows them."""
    title, lines = _lines(ctx, kind, data)
    return title, "\n".join(lines)


def render(kind: str, data: dict[str, Any], ctx: Context) -> Rendered:
    subject, lines = _lines(ctx, kind, data)
    footer: list[str] = []
    links: list[str] = []
    if ctx.unsubscribe_url:
        footer += ["", f"Stop e-mails like this one: {ctx.unsubscribe_url}"]
        links.append(f'<a href="{html.escape(ctx.unsubscribe_url)}">Stop e-mails like this one</a>')
    if ctx.unsubscribe_all_url:
        footer += [f"Unsubscribe from all refnet e-mails: {ctx.unsubscribe_all_url}"]
        links.append(f'<a href="{html.escape(ctx.unsubscribe_all_url)}">Unsubscribe from all e-mails</a>')
    text = "\n".join([f"Hello {ctx.recipient_name},", "", *lines, *footer]) + "\n"
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    foot = f'<p style="font-size:small">{" · ".join(links)}</p>' if links else ""
    page = (f"<!doctype html><html><body><p>Hello {html.escape(ctx.recipient_name)},</p>{body}{foot}"
            "</body></html>")
    return Rendered(subject=subject, text=text, html=page)
