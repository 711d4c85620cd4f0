"""The database tables, as typed SQLAlchemy 2.x models; every row belongs to one workspace."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from models.core import limits

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants in UTC and always hands back timezone-aware values (SQLite has no zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database: times must be timezone-aware")
        converted = value.astimezone(UTC)
        return converted.replace(tzinfo=None) if dialect.name == "sqlite" else converted

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Workspace(Base):
    """A Slack workspace (team) that uses Rapport."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    #: The Enterprise Grid organisation the workspace belongs to, if any: kept beside the team id
    #: (never instead of it), to find the workspace's bot in slack_sdk's installation store.
    enterprise_id: Mapped[str | None] = mapped_column(String(32))


class Member(Base):
    """A seller: a Slack user of one workspace, with the time zone their dates are read in."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("workspace_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    slack_user_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(255), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    profile_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nudge_frequency: Mapped[str] = mapped_column(String(8), default="daily", server_default="daily")
    nudge_time: Mapped[str] = mapped_column(String(5), default="09:00", server_default="09:00")
    nudge_days: Mapped[str] = mapped_column(
        String(32), default="mon,tue,wed,thu,fri", server_default="mon,tue,wed,thu,fri"
    )
    dm_channel_id: Mapped[str | None] = mapped_column(String(32))
    tips_week: Mapped[str | None] = mapped_column(String(16))
    #: Digests only about contacts with one of these tags (comma-separated); empty: about everyone.
    nudge_tags: Mapped[str | None] = mapped_column(String(limits.DIGEST_TAGS_LENGTH))
    briefing_lead_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    email: Mapped[str | None] = mapped_column(String(limits.EMAIL_LENGTH))
    unreachable_reason: Mapped[str | None] = mapped_column(String(64))
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)


class Account(Base):
    """A company that contacts work at."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("workspace_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(limits.NAME_LENGTH))
    name_key: Mapped[str] = mapped_column(String(limits.NAME_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)


contact_tags = Table(
    "contact_tags",
    Base.metadata,
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(limits.TAG_LENGTH), primary_key=True),
)


#: `Contact.job_title_source` of a title a seller typed in the rating form.
TITLE_FROM_RATING = "rating"


class Contact(Base):
    """A person sellers talk to; `name_key` is the name folded for matching (case, accents)."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_workspace_name_key", "workspace_id", "name_key"),
        Index("ix_contacts_account_team_strength", "account_id", "team_strength", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(limits.NAME_LENGTH))
    name_key: Mapped[str] = mapped_column(String(limits.NAME_LENGTH))
    email: Mapped[str | None] = mapped_column(String(limits.EMAIL_LENGTH))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), index=True)
    job_title: Mapped[str | None] = mapped_column(String(limits.JOB_TITLE_LENGTH))
    #: Where `job_title` came from: an import's kind ("linkedin", "vcard", "csv"), TITLE_FROM_RATING (a
    #: seller typed it), None (not known: before it was kept). Only a hint to the sellers: sign 1 rests on
    #: each seller's own answer (`Tie.knows_job_title`), never on the record.
    job_title_source: Mapped[str | None] = mapped_column(String(16))
    responsibilities: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(limits.PHONE_LENGTH))
    profile_url: Mapped[str | None] = mapped_column(String(limits.PROFILE_URL_LENGTH))
    created_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    #: The strongest tie anyone on the team has with this contact, private ties left out (None: no
    #: visible tie). Kept by `repository.refresh_team_strength` whenever a tie changes, so that the
    #: people the team knows at a company come out of one index, strongest first.
    team_strength: Mapped[float | None] = mapped_column(Float)

    account: Mapped[Account | None] = relationship(lazy="joined")


class Tie(Base):
    """A member's relationship with a contact: the three signs the seller tells us, and cached figures.

    `score_total`, `strength`, `last_interaction_at` and `interaction_count` are recomputed from the
    interactions whenever one is logged, undone or the seller rates the tie.
    """

    __tablename__ = "ties"
    __table_args__ = (
        UniqueConstraint("member_id", "contact_id"),
        Index("ix_ties_workspace_contact", "workspace_id", "contact_id"),
        # Covering the team's ties into a company's contacts, strongest first, without reading the rows.
        Index("ix_ties_contact_strength", "contact_id", "strength", "private", "member_id"),
        # A member's private ties (a few): added to what the team sees when that member asks.
        Index(
            "ix_ties_private",
            "member_id",
            "contact_id",
            sqlite_where=text("private"),
            postgresql_where=text("private"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    knows_job_title: Mapped[bool | None] = mapped_column(Boolean)
    knows_responsibilities: Mapped[bool | None] = mapped_column(Boolean)
    appreciation: Mapped[str | None] = mapped_column(String(16))
    friendship: Mapped[str | None] = mapped_column(String(16))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    score_total: Mapped[int | None] = mapped_column(Integer)
    strength: Mapped[float] = mapped_column(Float, default=0.0)
    last_interaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    interaction_count: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bridge: Mapped[str | None] = mapped_column(String(16))
    cadence_days: Mapped[int | None] = mapped_column(Integer)
    overlap_share: Mapped[float | None] = mapped_column(Float)
    #: When the connection began (LinkedIn's "Connected On"): reach, not an interaction.
    connected_on: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Where the tie came from: "slack" (logged), "linkedin", "vcard", "csv", "import" (past interactions).
    source: Mapped[str] = mapped_column(String(16), default="slack", server_default="slack")
    #: Sign 5's balance, kept for the nudge sweep (`scoring.recent_initiatives`): who started the last
    #: 10 interactions of the past year whose initiator is known, as of `initiatives_as_of`; true until
    #: `initiatives_until` (when the oldest counted leaves the year) or the next interaction.
    initiated_by_me: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    initiated_by_them: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    initiatives_as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)
    initiatives_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How many of the five signs are known (a total of mostly unknown signs is not "low"). None on a
    #: scored tie (`computed_at` set) means figures kept under older rules: `bot.db.migrate` rescores.
    signs_known: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)


class ContactLink(Base):
    """Two contacts who know each other: met in one logged interaction, or introduced.

    Colleagues at one account are known from `contacts.account_id` and need no row here.
    Stored once per pair and kind, with `contact_a_id < contact_b_id`.
    """

    __tablename__ = "contact_links"
    __table_args__ = (
        UniqueConstraint("contact_a_id", "contact_b_id", "kind"),
        CheckConstraint("contact_a_id < contact_b_id", name="ordered_pair"),
        Index("ix_contact_links_b", "contact_b_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    contact_a_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    contact_b_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    bridge: Mapped[str | None] = mapped_column(String(16))


interaction_contacts = Table(
    "interaction_contacts",
    Base.metadata,
    Column("interaction_id", ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True),
)

interaction_colleagues = Table(
    "interaction_colleagues",
    Base.metadata,
    Column("interaction_id", ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_interaction_colleagues_member", "member_id"),
)

interaction_tags = Table(
    "interaction_tags",
    Base.metadata,
    Column("interaction_id", ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(limits.TAG_LENGTH), primary_key=True),
)


class Interaction(Base):
    """One logged conversation of a member with one or more contacts.

    `request_key` makes a repeated delivery of the same request (Slack's trigger_id, a modal's
    view id) record nothing new. `notes` are private to the member who logged them.
    An undone interaction keeps its row (`undone_at` set) so that a late retry cannot bring it back.
    """

    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "request_key"),
        Index("ix_interactions_member_occurred", "member_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    request_key: Mapped[str] = mapped_column(String(128))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    time_given: Mapped[bool] = mapped_column(Boolean, default=True)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    initiator: Mapped[str | None] = mapped_column(String(8))
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="command")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contacts: Mapped[list[Contact]] = relationship(secondary=interaction_contacts, lazy="selectin")
    colleagues: Mapped[list[Member]] = relationship(secondary=interaction_colleagues, lazy="selectin")


class PendingLog(Base):
    """A `/logcall` waiting for the seller to say which of several matching contacts they meant."""

    __tablename__ = "pending_logs"
    __table_args__ = (UniqueConstraint("workspace_id", "request_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    request_key: Mapped[str] = mapped_column(String(128))
    command_json: Mapped[str] = mapped_column(Text)
    choices_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)


class NameIndexEntry(Base):
    """A typo-tolerant index of names: every word of a name, and each way of deleting one letter.

    A typed word and a known word within one edit of each other share at least one entry, so a
    name is found among hundreds of thousands with one indexed lookup (see models/core/names.py).
    """

    __tablename__ = "name_index"
    __table_args__ = (
        # One covering index per kind of name: a lookup reads the matching keys and ids, nothing else.
        Index(
            "ix_name_index_contacts",
            "workspace_id",
            "variant",
            "contact_id",
            sqlite_where=text("contact_id IS NOT NULL"),
            postgresql_where=text("contact_id IS NOT NULL"),
        ),
        Index(
            "ix_name_index_accounts",
            "workspace_id",
            "variant",
            "account_id",
            sqlite_where=text("account_id IS NOT NULL"),
            postgresql_where=text("account_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    variant: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)


class MemberBrokerage(Base):
    """A member's place in the team's network, computed on a schedule: brokerage measures (Burt)."""

    __tablename__ = "member_brokerage"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    degree: Mapped[int] = mapped_column(Integer, default=0)
    effective_size: Mapped[float] = mapped_column(Float, default=0.0)
    constraint: Mapped[float | None] = mapped_column(Float)
    bridges: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)


class Introduction(Base):
    """A member asked an intermediary (a colleague, or one of their own contacts) to introduce them."""

    __tablename__ = "introductions"
    __table_args__ = (UniqueConstraint("workspace_id", "request_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    request_key: Mapped[str] = mapped_column(String(128))
    asker_member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    intermediary_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    intermediary_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    target_contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CadenceRule(Base):
    """A member's rule: contacts with this tag need an interaction every `days` days."""

    __tablename__ = "cadence_rules"
    __table_args__ = (UniqueConstraint("member_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(limits.TAG_LENGTH))
    days: Mapped[int] = mapped_column(Integer)


class NudgeMemory(Base):
    """What a member was told about a contact, and what they said: sent count, snooze, mute."""

    __tablename__ = "nudge_memory"
    __table_args__ = (UniqueConstraint("member_id", "contact_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    times_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Outbox(Base):
    """A message to one member, composed once and delivered once (see models/delivery/outbox.py).

    `kind` says what it is (a digest, a briefing, a follow-up after a meeting) and `dedupe_key` which
    one (the period of a digest, the meeting and its start for a briefing): the unique key makes a
    second composition insert nothing. `status`: pending, sending (claimed by one process since
    `claimed_at`), sent, empty (nothing to say), skipped (the member cannot be reached), dropped
    (too late: `not_after` has passed). A row is not sent before `not_before`.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("workspace_id", "member_id", "kind", "dedupe_key"),
        Index("ix_outbox_status", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    dedupe_key: Mapped[str] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    payload_json: Mapped[str] = mapped_column(Text, default="{}")
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)


class Meeting(Base):
    """A meeting a member will have with contacts: from `/logcall … next tue 3pm` or a calendar feed.

    `source_key` identifies it at its source (the request, or the feed and the event occurrence), so
    a calendar read again updates the same row; a moved meeting keeps its row with a new start.
    """

    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("member_id", "source_key"),
        Index("ix_meetings_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str] = mapped_column(String(limits.MEETING_KEY_LENGTH))
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("calendar_feeds.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(limits.MEETING_TITLE_LENGTH), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(String(16))
    trigger_event: Mapped[str | None] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(Text)
    campaign: Mapped[str | None] = mapped_column(String(limits.CAMPAIGN_LENGTH))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)

    attendees: Mapped[list[MeetingContact]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", lazy="selectin"
    )


class MeetingContact(Base):
    """A contact expected at a meeting, with what the seller knows of them for this subject."""

    __tablename__ = "meeting_contacts"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True)
    concerned: Mapped[bool | None] = mapped_column(Boolean)
    decision_role: Mapped[str | None] = mapped_column(String(16))

    meeting: Mapped[Meeting] = relationship(back_populates="attendees")
    contact: Mapped[Contact] = relationship(lazy="joined")


class CalendarFeed(Base):
    """A member's calendar: a secret iCalendar address (never logged or shown whole) or an uploaded file."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str | None] = mapped_column(Text)
    ics_text: Mapped[str | None] = mapped_column(Text)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    error_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
