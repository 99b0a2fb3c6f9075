"""What each notification says: subject, plain text and HTML, in the chapter's currency formatting."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from services.notifications.domain import kinds as k
from services.notifications.domain.digest_extras import digest_lines
from services.notifications.domain.messages import translator
from services.notifications.domain.messages.counted import counted
from services.notifications.domain.money import format_money, locale_of


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
    language: str = "en"
    timezone: str = "UTC"
    # opened by the dispatcher just before sending, for the e-mail only: never stored, never in the feed
    sign_in_url: str | None = None
    app_url: str | None = None  # the member app, for a link to act on what the e-mail says

    @classmethod
    def in_chapter(cls, recipient_name: str, chapter: Mapping[str, Any] | None, names: dict[str, str],
                   unsubscribe_url: str | None = None, unsubscribe_all_url: str | None = None,
                   sign_in_url: str | None = None, app_url: str | None = None) -> Context:
        """A chapter not known yet (its founding travels on another topic) reads as "your chapter", in GBP,
        English and UTC."""
        return cls(recipient_name=recipient_name, names=names,
                   chapter_name=chapter["chapter_name"] if chapter else "your chapter",
                   currency=chapter["currency"] if chapter else "GBP",
                   language=chapter["language"] if chapter else "en",
                   timezone=chapter["timezone"] if chapter else "UTC",
                   unsubscribe_url=unsubscribe_url, unsubscribe_all_url=unsubscribe_all_url, sign_in_url=sign_in_url,
                   app_url=app_url)

    def name(self, member_id: str | None) -> str:
        if member_id is None:
            return str(translator(self.language)("someone"))
        return self.names.get(member_id, member_id)


# the fields of a notification's data that hold a member id the message writes as the member's name
MEMBER_FIELDS = frozenset({"member_id", "giver_id", "receiver_id", "thanked_member_id", "reported_by",
                           "recorded_by", "with_member_id", "invited_by"})


def named_members(data: Mapping[str, Any]) -> set[str]:
    """The members a message names (at the top of its data or in its lists of items, as a digest's open
    referrals): what must be known before it is written, or it would show ids."""
    items = [data, *(item for value in data.values() if isinstance(value, list)
                     for item in value if isinstance(item, Mapping))]
    return {item[f] for item in items for f in MEMBER_FIELDS if isinstance(item.get(f), str)}


def format_day(value: str, language: str) -> str:
    """A day (ISO `YYYY-MM-DD`) as the chapter's language writes it in a sentence (CLDR's long form, by Babel):
    `March 5, 2025`, `5. März 2025`, `5 marca 2025`. Anything else is shown as it is."""
    try:
        return str(format_date(date.fromisoformat(value), "long", locale=locale_of(language)))
    except ValueError:
        return value


def _lines(ctx: Context, kind: str, data: dict[str, Any]) -> tuple[str, list[str]]:
    n, t = ctx.name, translator(ctx.language)

    def d(value: str) -> str:
        return format_day(value, ctx.language)

    referral = t("referral", ref=data.get("referral_id", ""))
    if kind == k.REFERRAL_RECEIVED:
        giver = n(data["giver_id"])
        return (t("received.subject", giver=giver),
                [t("received.body", giver=giver, type=t(f"type.{data['referral_type']}"),
                   temperature=data["temperature"], date=d(data["occurred_on"])),
                 t("received.ask"), referral])
    if kind == k.REFERRAL_REMINDER:
        giver = n(data["giver_id"])
        return (t("reminder.subject", giver=giver),
                [t("reminder.body", giver=giver, hours=data["hours"]), t("reminder.ask"), referral])
    if kind == k.REFERRAL_NUDGE:
        giver = n(data["giver_id"])
        return (t("nudge.subject", giver=giver),
                [t("nudge.body", giver=giver, status=t(f"status.{data['status']}"), days=data["days"]),
                 t("nudge.ask"), referral])
    if kind in (k.REFERRAL_ACCEPTED, k.REFERRAL_WON, k.REFERRAL_LOST):
        outcome = {k.REFERRAL_ACCEPTED: "accepted", k.REFERRAL_WON: "won", k.REFERRAL_LOST: "lost"}[kind]
        receiver = n(data["receiver_id"])
        lines = [t(f"{outcome}.body", receiver=receiver, date=d(data.get("given_on") or "?"))]
        if data.get("reason"):
            lines.append(t("reason", reason=data["reason"]))
        lines.append(referral)
        return t(f"{outcome}.subject", receiver=receiver), lines
    if kind == k.CLOSED_BUSINESS_THANKS:
        amount = format_money(Decimal(str(data["amount"])), data.get("currency") or ctx.currency, ctx.language)
        return (t("thanks.subject", amount=amount),
                [t("thanks.body", reporter=n(data["reported_by"]), kind=t(f"kind.{data['business_kind']}"),
                   amount=amount),
                 t("thanks.credit"),
                 # the thanked member confirms it or disputes it (a duplicate, a wrong amount) in the app's inbox
                 *([t("thanks.confirm"), f"{ctx.app_url}/inbox"] if ctx.app_url else [])])
    if kind == k.WELCOME:
        lines = [t("welcome.body", chapter=ctx.chapter_name, name=ctx.recipient_name)]
        if ctx.sign_in_url:
            lines += [t("welcome.sign_in"), ctx.sign_in_url,
                      t("signin.valid", until=local_time(data["expires_at"], ctx.timezone, ctx.language))]
        return t("welcome.subject", chapter=ctx.chapter_name), [*lines, t("welcome.more")]
    if kind == k.SIGN_IN_LINK:
        return (t("signin.subject"),
                [t("signin.body", chapter=ctx.chapter_name), *([ctx.sign_in_url] if ctx.sign_in_url else []),
                 t("signin.valid", until=local_time(data["expires_at"], ctx.timezone, ctx.language)),
                 t("signin.ignore")])
    if kind == k.TRAFFIC_LIGHT_CHANGED:
        member = n(data["member_id"])
        to, from_ = t(f"colour.{data['to_colour']}"), t(f"colour.{data['from_colour']}")
        return (t("light.subject", member=member, to=to),
                [t("light.body", member=member, from_=from_, to=to, score=data["score"], as_of=d(data["as_of"]))])
    if kind == k.ABSENCES_OVER_LIMIT:
        member = n(data["member_id"])
        return (t("absences.subject", member=member),
                [t("absences.body", member=member, absences=data["absences"], limit=data["limit"],
                   date=d(data["meeting_date"]))])
    if kind == k.WEEKLY_DIGEST:
        lines = [t("digest.intro", chapter=ctx.chapter_name, date=d(data["meeting_date"])),
                 t("digest.given", n=data["given"]), t("digest.received", n=data["received"])]
        if data.get("thanks_total") and Decimal(str(data["thanks_total"])) > 0:
            total = format_money(Decimal(str(data["thanks_total"])), ctx.currency, ctx.language)
            lines.append(t("digest.thanks", amount=total))
        waiting = data.get("open", [])
        lines.append(t("digest.open", n=len(waiting)))
        lines += [t("digest.open_item", giver=n(o["giver_id"]), status=t(f"status.{o['status']}"),
                    date=d(o["occurred_on"])) for o in waiting]
        if data.get("light"):
            lines.append(t("digest.light", light=t(f"colour.{data['light']}")))
        lines += digest_lines(data, ctx.language, n, d)  # next best actions, the chapter's asks
        return t("digest.subject", date=d(data["meeting_date"])), lines
    if kind == k.RECORDED_ON_BEHALF:
        leader, slip = n(data["recorded_by"]), t(f"slip.{data['slip']}")
        details = t(f"behalf.{data['slip']}", **_slip_fields(ctx, data))
        return (t("behalf.subject", leader=leader, slip=slip),
                [t("behalf.body", leader=leader, slip=slip, details=details), t("behalf.check", leader=leader)])
    if kind == k.HISTORY_IMPORTED:
        counts = ", ".join(counted(ctx.language, slip, n) for slip, n in sorted(data["slips"].items()))
        return (t("history.subject", chapter=ctx.chapter_name),
                [t("history.body", first=d(data["first_on"]), last=d(data["last_on"]), counts=counts),
                 t("history.note")])
    if kind in (k.VISITOR_CONFIRMATION, k.VISITOR_REMINDER, k.VISITOR_REGISTERED):
        return _visitor_lines(ctx, kind, data)
    if kind == k.WEBHOOK_DISABLED:
        return (t("webhook.subject"),
                [t("webhook.body", url=data["url"], since=data["failing_since"], id=data["subscription_id"]),
                 t("webhook.fix")])
    raise ValueError(f"unknown notification kind {kind!r}")


def _visitor_lines(ctx: Context, kind: str, data: dict[str, Any]) -> tuple[str, list[str]]:
    """A visitor's own e-mails (greeted by their name, `ctx.recipient_name`), and the members' news of them."""
    t, day = translator(ctx.language), format_day(data["meeting_date"], ctx.language)
    when = {"chapter": ctx.chapter_name, "date": day, "time": data.get("meeting_time", ""), "timezone": ctx.timezone}
    if kind == k.VISITOR_REGISTERED:
        said = (t("visitor.registered.by", date=day, inviter=ctx.name(data["invited_by"])) if data.get("invited_by")
                else t("visitor.registered.nobody", date=day))
        return t("visitor.registered.subject", date=day), [said, t("visitor.registered.see")]
    if kind == k.VISITOR_REMINDER:
        return t("visitor.reminder.subject", **when), [t("visitor.reminder.body", **when), t("visitor.ignore")]
    lines = [t("visitor.confirm.body", **when)]
    if data.get("invited_by"):
        lines.append(t("visitor.confirm.invited", inviter=ctx.name(data["invited_by"])))
    days = counted(ctx.language, "day", int(data.get("reminder_days", 2)))
    lines += [t("visitor.confirm.reminder", days=days), t("visitor.ignore")]
    return t("visitor.confirm.subject", **when), lines


def _slip_fields(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """The fields a slip's one-line description uses, in the chapter's language and currency."""
    t, n = translator(ctx.language), ctx.name
    fields: dict[str, Any] = {"date": format_day(data["occurred_on"], ctx.language)}
    if data["slip"] == "referral":
        fields.update(receiver=n(data["receiver_id"]), type=t(f"type.{data['referral_type']}"),
                      temperature=data["temperature"])
    elif data["slip"] == "closed-business":
        currency = data.get("currency") or ctx.currency
        fields.update(amount=format_money(Decimal(str(data["amount"])), currency, ctx.language),
                      thanked=n(data["thanked_member_id"]))
    elif data["slip"] == "one-to-one":
        fields.update(other=n(data["with_member_id"]))
    elif data["slip"] == "ceu":
        fields.update(description=data["description"], credits=data["credits"])
    return fields


def local_time(moment: str, timezone: str, language: str = "en") -> str:
    """An instant as the chapter reads it: its local date and time, and the time zone's name."""
    try:
        zone = ZoneInfo(timezone)
    except (ValueError, KeyError):  # a zone this system does not know: UTC, said so
        zone, timezone = ZoneInfo("UTC"), "UTC"
    when = datetime.fromisoformat(moment)
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    local = when.astimezone(zone)
    return f"{local:%d.%m.%Y %H:%M} ({timezone})" if language == "pl" else f"{local:%Y-%m-%d %H:%M} ({timezone})"


def summary(kind: str, data: dict[str, Any], ctx: Context) -> tuple[str, str]:
    """Title and plain body, as the in-app feed shows them."""
    title, lines = _lines(ctx, kind, data)
    return title, "\n".join(lines)


def render(kind: str, data: dict[str, Any], ctx: Context) -> Rendered:
    t = translator(ctx.language)
    subject, lines = _lines(ctx, kind, data)
    footer: list[str] = []
    links: list[str] = []
    if ctx.unsubscribe_url:
        footer += ["", f"{t('stop')}: {ctx.unsubscribe_url}"]
        links.append(f'<a href="{html.escape(ctx.unsubscribe_url)}">{html.escape(t("stop"))}</a>')
    if ctx.unsubscribe_all_url:
        footer += [f"{t('stop_all')}: {ctx.unsubscribe_all_url}"]
        links.append(f'<a href="{html.escape(ctx.unsubscribe_all_url)}">{html.escape(t("stop_all"))}</a>')
    hello = t("hello", name=ctx.recipient_name)
    text = "\n".join([hello, "", *lines, *footer]) + "\n"
    body = "".join(f'<p><a href="{html.escape(line)}">{html.escape(line)}</a></p>' if line == ctx.sign_in_url
                   else f"<p>{html.escape(line)}</p>" for line in lines)
    foot = f'<p style="font-size:small">{" · ".join(links)}</p>' if links else ""
    page = (f'<!doctype html><html lang="{html.escape(ctx.language)}"><body><p>{html.escape(hello)}</p>'
            f"{body}{foot}</body></html>")
    return Rendered(subject=subject, text=text, html=page)
