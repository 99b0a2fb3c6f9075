"""The kinds of notification, who they are for and the channels they use unless a member says otherwise."""

from __future__ import annotations

from typing import Literal

Channel = Literal["email", "feed"]
CHANNELS: tuple[Channel, ...] = ("email", "feed")

REFERRAL_RECEIVED = "referral-received"
REFERRAL_REMINDER = "referral-reminder"
REFERRAL_NUDGE = "referral-nudge"
REFERRAL_ACCEPTED = "referral-accepted"
REFERRAL_WON = "referral-won"
REFERRAL_LOST = "referral-lost"
CLOSED_BUSINESS_THANKS = "closed-business-thanks"
WELCOME = "welcome"
TRAFFIC_LIGHT_CHANGED = "traffic-light-changed"
ABSENCES_OVER_LIMIT = "absences-over-limit"
WEEKLY_DIGEST = "weekly-digest"
WEBHOOK_DISABLED = "webhook-disabled"
# a leader keyed in a slip for the member (paper slips at the meeting): told to its author
RECORDED_ON_BEHALF = "recorded-on-behalf"
# a chapter's history was imported: one summary to every member instead of one message per historical slip
HISTORY_IMPORTED = "history-imported"
# The sign-in link a member asked for: e-mail only, whatever their preferences (they asked for it; an
# unsubscribed member must still be able to sign in), never in the feed. Not a kind members choose channels for.
SIGN_IN_LINK = "sign-in-link"
# A visitor registered themself on the chapter's page: told to the member they named and to the leaders.
VISITOR_REGISTERED = "visitor-registered"
# To the visitor themself (not a member: no preferences, e-mail only): the confirmation, and a reminder two days
# before the meeting (chapter time zone). Not kinds members choose channels for.
VISITOR_CONFIRMATION = "visitor-confirmation"
VISITOR_REMINDER = "visitor-reminder"
TO_VISITORS = (VISITOR_CONFIRMATION, VISITOR_REMINDER)

KINDS: tuple[str, ...] = (
    REFERRAL_RECEIVED, REFERRAL_REMINDER, REFERRAL_NUDGE, REFERRAL_ACCEPTED, REFERRAL_WON, REFERRAL_LOST,
    CLOSED_BUSINESS_THANKS, WELCOME, TRAFFIC_LIGHT_CHANGED, ABSENCES_OVER_LIMIT, WEEKLY_DIGEST, WEBHOOK_DISABLED,
    RECORDED_ON_BEHALF, HISTORY_IMPORTED, VISITOR_REGISTERED,
)

# Status a giver hears about, and the kind that tells them.
STATUS_KINDS = {"accepted": REFERRAL_ACCEPTED, "won": REFERRAL_WON, "lost": REFERRAL_LOST}
# Open statuses (shared.contracts.members.OPEN_STATUSES) in which a referral has left `given`: a nudge
# reminds its receiver to record where it stands.
NUDGE_STATUSES = ("accepted", "contacted")

DEFAULT_CHANNELS: dict[str, tuple[Channel, ...]] = {kind: CHANNELS for kind in KINDS}
DEFAULT_CHANNELS[WEEKLY_DIGEST] = ("email",)


def is_news(imported: bool | None, days_late: int | None, news_days: int) -> bool:
    """A slip recorded as it happened is news; one a history import recorded, or one keyed in more than
    `news_days` after it happened, is history: members are not told about it one by one."""
    return not imported and (days_late is None or days_late <= news_days)


def channels_for(kind: str, preferences: dict[str, list[str]] | None, digest: bool = True,
                 email_off: bool = False) -> list[Channel]:
    """The channels `kind` goes out on for a member with these preferences."""
    if kind == WEEKLY_DIGEST and not digest:
        return []
    chosen = (preferences or {}).get(kind)
    channels = [c for c in CHANNELS if c in chosen] if chosen is not None else list(DEFAULT_CHANNELS[kind])
    if email_off:
        channels = [c for c in channels if c != "email"]
    return channels
