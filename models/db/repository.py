"""Database reads and writes, always scoped to one workspace: no query here can cross workspaces."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol, Self, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Table,
    delete,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from models.core.names import Candidate, fold, name_variants
from models.db.neighbourhoods import NeighbourhoodReads
from models.db.orm import (
    Account,
    Base,
    Contact,
    ContactLink,
    Interaction,
    Meeting,
    MeetingContact,
    Member,
    NameIndexEntry,
    PendingLog,
    Tie,
    Workspace,
    contact_tags,
    interaction_colleagues,
    interaction_contacts,
)

#: Advisory locks of workspaces' writes (PostgreSQL) are keyed (this class, the workspace id): the
#: two-key space, which never meets the one-key locks of migrations and of the digest composer.
WRITE_LOCK_CLASS = 0x5241_5752  # "RAWR"

#: How many index hits (best first) are compared closely with a typed name.
MAX_NAME_CANDIDATES = 200


class WorkspaceRow(Protocol):
    """A mapped class whose every row has an id and belongs to one workspace (its table's
    `workspace_id` column)."""

    __table__: ClassVar[FromClause]
    id: int
    workspace_id: int


Row = TypeVar("Row", bound=WorkspaceRow)


def insert_if_absent(session: Session, model: type[Base], values: dict[str, Any], keys: list[str]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: two requests creating the same row at once both succeed."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing(index_elements=keys))


def get_or_create_workspace(session: Session, slack_team_id: str, name: str = "") -> Workspace:
    query = select(Workspace).where(Workspace.slack_team_id == slack_team_id)
    workspace = session.scalar(query)
    if workspace is None:
        now = datetime.now(UTC)
        insert_if_absent(
            session, Workspace, {"slack_team_id": slack_team_id, "name": name, "created_at": now}, ["slack_team_id"]
        )
        workspace = session.scalars(query).one()
    return workspace


#: Contacts whose `team_strength` one statement refreshes.
TEAM_STRENGTH_CHUNK = 500


def refresh_team_strength(session: Session, contact_ids: Iterable[int] | None, workspace_id: int | None = None) -> None:
    """Make `contacts.team_strength` true again for these contacts (or a whole workspace's).

    The strongest tie anyone on the team may see, private ties left out (None when there is none).
    Ties changed through the ORM are followed by `_follow_tie_changes`; bulk writes call this.
    """
    _refresh_team_strength(session.connection(), contact_ids, workspace_id)


def _refresh_team_strength(connection: Connection, contact_ids: Iterable[int] | None, workspace_id: int | None) -> None:
    contacts, ties = cast(Table, Contact.__table__), cast(Table, Tie.__table__)
    best = (
        select(func.max(ties.c.strength))
        .where(ties.c.contact_id == contacts.c.id, ties.c.private.is_(False))
        .correlate(contacts)
        .scalar_subquery()
    )
    if contact_ids is None:
        connection.execute(update(contacts).where(contacts.c.workspace_id == workspace_id).values(team_strength=best))
        return
    ids = sorted(set(contact_ids))
    for start in range(0, len(ids), TEAM_STRENGTH_CHUNK):
        chunk = ids[start : start + TEAM_STRENGTH_CHUNK]
        connection.execute(update(contacts).where(contacts.c.id.in_(chunk)).values(team_strength=best))


def keep_team_strength(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Install, on these sessions, the upkeep of `contacts.team_strength`: whenever a flush creates,
    deletes or changes the strength or privacy of ties, their contacts' strongest visible tie is
    refreshed in the same transaction. Installed once, where the session factory is made (`bot.db`).

    Unconditionally: `event.contains` answers from a registry keyed by `id()`, so a new factory whose
    session class takes the address of a collected one passed for installed, and went without."""
    event.listen(sessions, "after_flush", _follow_tie_changes)
    return sessions


def _follow_tie_changes(session: Session, _context: Any) -> None:
    """Whenever a flush creates, deletes or changes the strength or privacy of ties, refresh their contacts."""
    touched: set[int] = set()
    for tie in (*session.new, *session.deleted):
        if isinstance(tie, Tie):
            touched.add(tie.contact_id)
    for tie in session.dirty:
        if isinstance(tie, Tie) and any(
            inspect(tie).attrs[name].history.has_changes() for name in ("strength", "private", "contact_id")
        ):
            touched.add(tie.contact_id)
            touched.update(inspect(tie).attrs.contact_id.history.deleted or ())
    if touched:
        _refresh_team_strength(session.connection(), touched, None)


class WorkspaceRepository(NeighbourhoodReads):
    """Every query of one workspace's data; the workspace id is bound once, here.

    The reads routes are drawn from (`/whoknows`, the Home, `/prep`) are in `NeighbourhoodReads`.
    """

    def __init__(self, session: Session, workspace: Workspace) -> None:
        self.session = session
        self.workspace = workspace
        self.workspace_id = workspace.id

    @classmethod
    def for_team(cls, session: Session, slack_team_id: str) -> Self:
        return cls(session, get_or_create_workspace(session, slack_team_id))

    @classmethod
    def for_member(cls, session: Session, slack_team_id: str, slack_user_id: str) -> tuple[Self, Member]:
        """The workspace's repository and the member, read together (created on first use)."""
        row = session.execute(
            select(Workspace, Member)
            .outerjoin(Member, (Member.workspace_id == Workspace.id) & (Member.slack_user_id == slack_user_id))
            .where(Workspace.slack_team_id == slack_team_id)
        ).first()
        if row is not None and row[1] is not None:
            return cls(session, row[0]), row[1]
        repo = cls.for_team(session, slack_team_id)
        return repo, repo.get_or_create_member(slack_user_id)

    def serialize_writes(self) -> None:
        """Hold the workspace's write lock until this transaction ends.

        Resolving names then creating contacts must not interleave with another request doing the
        same, or two deliveries of "Jane Doe" would create two Jane Does. On PostgreSQL a
        transaction-scoped advisory lock per workspace; on SQLite a first write, which takes the
        database's single write lock (SQLite serialises writers anyway, so nothing is lost).
        """
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(:class_id, :workspace_id)"),
                {"class_id": WRITE_LOCK_CLASS, "workspace_id": self.workspace_id},
            )
        else:
            self.session.execute(update(Workspace).where(Workspace.id == self.workspace_id).values(name=Workspace.name))

    # Rows of this workspace, whatever their table --------------------------------------------
    def _one(self, model: type[Row], *where: ColumnElement[bool]) -> Row | None:
        """The workspace's row of `model` that `where` picks, or None."""
        return self.session.scalar(select(model).where(model.__table__.c.workspace_id == self.workspace_id, *where))

    def _by_id(self, model: type[Row], ids: Iterable[int]) -> dict[int, Row]:
        """The workspace's rows of `model` with these ids, by id (an id of another workspace is left out)."""
        wanted = list(set(ids))
        if not wanted:
            return {}
        columns = model.__table__.c
        rows = self.session.scalars(
            select(model).where(columns.workspace_id == self.workspace_id, columns.id.in_(wanted))
        )
        return {row.id: row for row in rows}

    def _add(self, row: Row) -> Row:
        """`row`, put in this workspace and written (its id known)."""
        row.workspace_id = self.workspace_id
        self.session.add(row)
        self.session.flush()
        return row

    # Members -------------------------------------------------------------------------------
    def member(self, slack_user_id: str) -> Member | None:
        return self._one(Member, Member.slack_user_id == slack_user_id)

    def get_or_create_member(self, slack_user_id: str) -> Member:
        member = self.member(slack_user_id)
        if member is None:
            values = {
                "workspace_id": self.workspace_id,
                "slack_user_id": slack_user_id,
                "display_name": "",
                "time_zone": "UTC",
                "created_at": datetime.now(UTC),
            }
            insert_if_absent(self.session, Member, values, ["workspace_id", "slack_user_id"])
            member = self.member(slack_user_id)
            assert member is not None
        return member

    # Accounts and contacts -----------------------------------------------------------------
    def get_or_create_account(self, name: str) -> Account:
        key = fold(name)
        account = self._one(Account, Account.name_key == key)
        if account is None:
            account = Account(workspace_id=self.workspace_id, name=" ".join(name.split()), name_key=key)
            self.session.add(account)
            self.session.flush()
            self.index_name(account.name, account_id=account.id)
        return account

    def contact(self, contact_id: int) -> Contact | None:
        """The workspace's contact with this id (no read when this session already holds it)."""
        contact = self.session.get(Contact, contact_id)
        return contact if contact is not None and contact.workspace_id == self.workspace_id else None

    def contact_candidates(self, typed: str, account_key: str | None = None) -> list[Candidate]:
        """Contacts a typed name may mean; with a company, only those at it or at none.

        Contacts whose folded name is exactly the typed one, when there are any (an exact match
        always wins, see `match_name`): read whole, so that the one chosen needs no second read;
        otherwise those the typo-tolerant name index finds.
        """
        exact = (
            select(Contact)
            .where(Contact.workspace_id == self.workspace_id, Contact.name_key == fold(typed))
            .order_by(Contact.id)
            .limit(MAX_NAME_CANDIDATES)
        )
        if account_key is not None:
            at_account = select(Account.id).where(
                Account.workspace_id == self.workspace_id, Account.name_key == account_key
            )
            exact = exact.where(or_(Contact.account_id.in_(at_account), Contact.account_id.is_(None)))
        found = self.session.scalars(exact).unique().all()
        if found:
            return [
                Candidate(id=c.id, name=c.name, name_key=c.name_key, detail=c.account.name if c.account else "")
                for c in found
            ]
        hits = self._name_hits(NameIndexEntry.contact_id, typed)
        if hits is None:
            return []
        query = (
            select(Contact.id, Contact.name, Contact.name_key, Account.name)
            .join(hits, hits.c.contact_id == Contact.id)
            .outerjoin(Account, Contact.account_id == Account.id)
        )
        if account_key is not None:
            query = query.where(or_(Account.name_key == account_key, Contact.account_id.is_(None)))
        return [
            Candidate(id=row[0], name=row[1], name_key=row[2], detail=row[3] or "")
            for row in self.session.execute(query)
        ]

    def account_candidates(self, typed: str) -> list[Candidate]:
        """Accounts a typed company name may mean: the exact name if there is one, else the name index's.

        One statement: the exact name and the index's hits together (companies are few next to people).
        """
        key = fold(typed)
        columns = (Account.id, Account.name, Account.name_key)
        exact = select(*columns).where(Account.workspace_id == self.workspace_id, Account.name_key == key)
        hits = self._name_hits(NameIndexEntry.account_id, typed)
        query = exact if hits is None else union(exact, select(*columns).join(hits, hits.c.account_id == Account.id))
        rows = self.session.execute(query).all()
        if any(row[2] == key for row in rows):
            rows = [row for row in rows if row[2] == key]
        return [Candidate(id=row[0], name=row[1], name_key=row[2]) for row in rows]

    def _name_hits(self, column: Any, typed: str) -> Any:
        """The ids (contact or account) sharing the most index keys with a typed name, as a subquery.

        Reads one partial covering index (`ix_name_index_contacts` or `_accounts`): keys and ids only.
        """
        variants = name_variants(typed)
        if not variants:
            return None
        return (
            select(column)
            .where(NameIndexEntry.workspace_id == self.workspace_id, NameIndexEntry.variant.in_(variants))
            .where(column.is_not(None))
            .group_by(column)
            .order_by(func.count().desc(), column)
            .limit(MAX_NAME_CANDIDATES)
            .subquery()
        )

    def account(self, account_id: int) -> Account | None:
        return self._one(Account, Account.id == account_id)

    def create_contact(
        self, name: str, account: Account | None, created_by: Member | None, email: str | None = None
    ) -> Contact:
        contact = Contact(
            workspace_id=self.workspace_id,
            name=" ".join(name.split()),
            name_key=fold(name),
            email=email,
            account_id=account.id if account else None,
            created_by_member_id=created_by.id if created_by else None,
        )
        self.session.add(contact)
        self.session.flush()
        self.index_name(contact.name, contact_id=contact.id)
        return contact

    def index_name(self, name: str, contact_id: int | None = None, account_id: int | None = None) -> None:
        """Make a contact's or an account's name findable, typos included (see `name_variants`)."""
        rows = [
            {"workspace_id": self.workspace_id, "variant": variant, "contact_id": contact_id, "account_id": account_id}
            for variant in sorted(name_variants(name))
        ]
        if rows:
            self.session.execute(insert(NameIndexEntry), rows)

    def add_contact_tags(self, contact: Contact, tags: Iterable[str]) -> None:
        existing = set(self.session.scalars(select(contact_tags.c.tag).where(contact_tags.c.contact_id == contact.id)))
        for tag in tags:
            if tag not in existing:
                self.session.execute(contact_tags.insert().values(contact_id=contact.id, tag=tag))
                existing.add(tag)

    def contact_tags(self, contact_id: int) -> list[str]:
        return sorted(self.session.scalars(select(contact_tags.c.tag).where(contact_tags.c.contact_id == contact_id)))

    # Ties ----------------------------------------------------------------------------------
    def tie(self, member: Member, contact: Contact) -> Tie | None:
        return self._one(Tie, Tie.member_id == member.id, Tie.contact_id == contact.id)

    def get_or_create_tie(self, member: Member, contact: Contact) -> Tie:
        tie = self.tie(member, contact)
        if tie is None:
            tie = Tie(workspace_id=self.workspace_id, member_id=member.id, contact_id=contact.id)
            self.session.add(tie)
            self.session.flush()
        return tie

    # Interactions --------------------------------------------------------------------------
    def interaction_by_request(self, request_key: str) -> Interaction | None:
        return self._one(Interaction, Interaction.request_key == request_key)

    def interaction(self, interaction_id: int) -> Interaction | None:
        return self._one(Interaction, Interaction.id == interaction_id)

    def add_interaction(self, interaction: Interaction) -> Interaction:
        return self._add(interaction)

    def _tie_interactions(self, member: Member, contact: Contact):  # type: ignore[no-untyped-def]
        """Live interactions with the contact that the member logged or took part in."""
        took_part = select(interaction_colleagues.c.interaction_id).where(
            interaction_colleagues.c.member_id == member.id
        )
        return (
            select(Interaction)
            .join(interaction_contacts, interaction_contacts.c.interaction_id == Interaction.id)
            .where(
                Interaction.workspace_id == self.workspace_id,
                interaction_contacts.c.contact_id == contact.id,
                Interaction.undone_at.is_(None),
                or_(Interaction.member_id == member.id, Interaction.id.in_(took_part)),
            )
        )

    def recent_interactions(self, member: Member, contact: Contact, limit: int = 3) -> Sequence[Interaction]:
        base = self._tie_interactions(member, contact)
        return self.session.scalars(base.order_by(Interaction.occurred_at.desc()).limit(limit)).all()

    # Links between contacts ----------------------------------------------------------------
    def link_contacts(self, first: Contact, second: Contact, kind: str, at: datetime) -> None:
        low, high = sorted((first.id, second.id))
        link = self._one(
            ContactLink, ContactLink.contact_a_id == low, ContactLink.contact_b_id == high, ContactLink.kind == kind
        )
        if link is None:
            self.session.add(
                ContactLink(
                    workspace_id=self.workspace_id,
                    contact_a_id=low,
                    contact_b_id=high,
                    kind=kind,
                    occurrences=1,
                    last_seen_at=at,
                )
            )
        else:
            link.occurrences += 1
            link.last_seen_at = max(link.last_seen_at, at)
        self.session.flush()

    def unlink_contacts(self, first: Contact, second: Contact, kind: str) -> None:
        low, high = sorted((first.id, second.id))
        where = (
            ContactLink.workspace_id == self.workspace_id,
            ContactLink.contact_a_id == low,
            ContactLink.contact_b_id == high,
            ContactLink.kind == kind,
        )
        self.session.execute(update(ContactLink).where(*where).values(occurrences=ContactLink.occurrences - 1))
        self.session.execute(delete(ContactLink).where(*where, ContactLink.occurrences <= 0))

    # Pending choices -----------------------------------------------------------------------
    def pending(self, pending_id: int) -> PendingLog | None:
        return self._one(PendingLog, PendingLog.id == pending_id)

    def pending_by_request(self, request_key: str) -> PendingLog | None:
        return self._one(PendingLog, PendingLog.request_key == request_key)

    def add_pending(self, pending: PendingLog) -> PendingLog:
        return self._add(pending)

    def members_by_id(self, ids: Iterable[int]) -> dict[int, Member]:
        return self._by_id(Member, ids)

    def contacts_by_id(self, ids: Iterable[int]) -> dict[int, Contact]:
        return self._by_id(Contact, ids)

    def contacts_at_account(self, account_id: int, limit: int) -> list[Contact]:
        return list(
            self.session.scalars(
                select(Contact)
                .where(Contact.workspace_id == self.workspace_id, Contact.account_id == account_id)
                .order_by(Contact.name_key, Contact.id)
                .limit(limit)
            )
        )

    # Meetings ------------------------------------------------------------------------------------
    def meeting_by_source(self, member: Member, source_key: str) -> Meeting | None:
        return self._one(Meeting, Meeting.member_id == member.id, Meeting.source_key == source_key)

    def meeting(self, meeting_id: int) -> Meeting | None:
        return self._one(Meeting, Meeting.id == meeting_id)

    def add_meeting(self, meeting: Meeting) -> Meeting:
        return self._add(meeting)

    def next_meeting_with(self, member: Member, contact: Contact, now: datetime) -> Meeting | None:
        return self.session.scalar(
            select(Meeting)
            .join(MeetingContact, MeetingContact.meeting_id == Meeting.id)
            .where(
                Meeting.workspace_id == self.workspace_id,
                Meeting.member_id == member.id,
                MeetingContact.contact_id == contact.id,
                Meeting.cancelled_at.is_(None),
                Meeting.ends_at > now,
            )
            .order_by(Meeting.starts_at)
            .limit(1)
        )

    def contact_by_email(self, email: str) -> Contact | None:
        return self.session.scalar(
            select(Contact)
            .where(Contact.workspace_id == self.workspace_id, func.lower(Contact.email) == email.lower())
            .order_by(Contact.id)
            .limit(1)
        )
