"""Small frozen values that carry a request from an entrypoint into the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Channel(StrEnum):
    """How an interaction happened; each channel carries a share of what people communicate."""

    IN_PERSON = "in_person"
    VIDEO = "video"
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    SOCIAL = "social"

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.IN_PERSON: "in person",
    Channel.VIDEO: "video call",
    Channel.PHONE: "phone call",
    Channel.EMAIL: "email",
    Channel.CHAT: "chat",
    Channel.SOCIAL: "social message",
}


class Initiator(StrEnum):
    """Who reached out first: the seller (me) or the contact (them)."""

    ME = "me"
    THEM = "them"


@dataclass(frozen=True)
class ContactRef:
    """A contact as the seller typed it: a name and, optionally, their company."""

    name: str
    company: str | None = None


@dataclass(frozen=True)
class LogCallCommand:
    """One interaction to record, as parsed from `/logcall` text or the modal.

    `occurred_at` is timezone-aware; `time_given` is False when only a day was given
    (the time is then noon in the member's time zone, or 09:00 for a scheduled meeting).
    """

    contacts: tuple[ContactRef, ...]
    channel: Channel
    occurred_at: datetime
    time_given: bool = False
    initiator: Initiator | None = None
    duration_minutes: int | None = None
    colleagues: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    notes: str = ""
    #: True when the date is still to come ("next tue 3pm"): the next meeting, not an interaction.
    scheduled: bool = False


@dataclass(frozen=True)
class Actor:
    """Who is asking: a Slack user of a Slack workspace."""

    team_id: str
    user_id: str


@dataclass(frozen=True)
class MemberProfile:
    display_name: str
    time_zone: str
    email: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")
