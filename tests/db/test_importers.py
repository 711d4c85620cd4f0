"""Imports: exports as LinkedIn, phones, mail programs and CRMs write them, read row by row into one transaction."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from time import perf_counter

import pytest
from sqlalchemy import func, select

from handlers.imports.report import report_lines
from models.core.errors import UsageError
from models.core.values import Actor, Channel, ContactRef, Initiator, LogCallCommand
from models.db.orm import (
    Account,
    Contact,
    Interaction,
    Member,
    NameIndexEntry,
    Tie,
    contact_tags,
    interaction_contacts,
)
from models.db.repository import WorkspaceRepository
from models.db.uow import UnitOfWork
from models.imports.columns import CONTACT_FIELDS, INTERACTION_FIELDS, parse_mapping
from models.imports.decoding import decode
from models.imports.interactions import import_interactions
from models.imports.readers.crm import read_contacts_csv, read_interactions_csv
from models.imports.readers.linkedin import read_linkedin
from models.imports.readers.vcard import read_vcards
from models.imports.service import import_file
from models.imports.values import (
    NO_MEMBER_NAMED,
    FileMoment,
    ImportReport,
    MemberNeeded,
    RowOutcome,
    UnmappedColumns,
    UnreadableFile,
)
from models.logcall.service import log_call
from models.scores.engine import figures
from models.scores.repository import ScoreRepository

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
TEAM = "T1"
SELLER = "U0SELLER1"
COLLEAGUE = "U0SELLER2"
CRM_MAP = "name=Full Name,email=E-mail,company=Account,title=Job Title,phone=Mobile"
ACTIVITIES_MAP = (
    "member=Assigned To,contact=Contact,company=Account,email=Contact Email,channel=Activity Type,"
    "direction=Direction,when=Date,duration=Duration,notes=Subject"
)


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def outcomes(items: list[RowOutcome]) -> list[tuple[int, str, str]]:
    return [(item.line, item.name, item.reason) for item in items]


def table_counts(uow: UnitOfWork) -> dict[str, int]:
    tables = (Account, Contact, Tie, Interaction, Member, NameIndexEntry, contact_tags, interaction_contacts)
    with uow:
        return {
            getattr(table, "__tablename__", getattr(table, "name", "")): uow.session.scalar(
                select(func.count()).select_from(table)
            )
            or 0
            for table in tables
        }


def import_linkedin(uow: UnitOfWork, name: str = "linkedin_Connections.csv", **options: object) -> ImportReport:
    return import_file(uow, TEAM, "linkedin", data(name), NOW, member=SELLER, **options)  # type: ignore[arg-type]


def contact_named(uow: UnitOfWork, name: str) -> Contact:
    with uow:
        contact = uow.session.scalars(select(Contact).where(Contact.name == name)).one()
        uow.session.expunge(contact)
        return contact


def tie_of(uow: UnitOfWork, member: str, contact_name: str) -> Tie:
    with uow:
        tie = uow.session.scalars(
            select(Tie)
            .join(Member, Member.id == Tie.member_id)
            .join(Contact, Contact.id == Tie.contact_id)
            .where(Member.slack_user_id == member, Contact.name == contact_name)
        ).one()
        uow.session.expunge(tie)
        return tie


# --- Reading files ---------------------------------------------------------------------------


def test_text_is_read_in_utf8_with_or_without_bom_utf16_and_latin1() -> None:
    """The encodings exporters use all give the same text back."""
    text = "Élodie Lefèvre,Zoë,Jürgen"
    assert decode(text.encode("utf-8")) == text
    assert decode(codecs.BOM_UTF8 + text.encode("utf-8")) == text
    assert decode(text.encode("utf-16")) == text  # with its BOM
    assert decode(text.encode("utf-16-le")) == text  # without a BOM, guessed from the zero bytes
    assert decode(text.encode("utf-16-be")) == text
    assert decode(text.encode("latin-1")) == text
    assert decode("“Quotes” – from Windows".encode("cp1252")) == "“Quotes” – from Windows"


@pytest.mark.parametrize(
    "content",
    [b"", b"   \n", bytes(range(256)) * 16, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)],
    ids=["empty", "blank", "binary", "png"],
)
def test_a_file_that_is_not_text_is_refused_with_the_reason(content: bytes) -> None:
    """Empty files and binary data are refused before anything else happens, saying why."""
    with pytest.raises(UnreadableFile) as refused:
        read_linkedin(content)
    assert "empty" in refused.value.message or "not a text file" in refused.value.message


@pytest.mark.parametrize("name", ["linkedin_Connections_utf16.csv", "linkedin_Connections_latin1.csv"])
def test_the_linkedin_export_reads_the_same_in_utf16_and_latin1(name: str) -> None:
    """The export saved again as UTF-16 (CRLF) or Latin-1 gives exactly the rows of the UTF-8 original."""
    assert read_linkedin(data(name)) == read_linkedin(data("linkedin_Connections.csv"))


def test_the_linkedin_export_is_read_past_its_notes_with_quoted_commas_and_accents() -> None:
    """Rows start after the "Notes:" preamble; quoted commas, doubled quotes and accents survive; dates are days."""
    rows = {row.line: row for row in read_linkedin(data("linkedin_Connections.csv"))}
    assert sorted(rows) == [5, 6, 7, 8, 9, 10, 11, 12]
    elodie = rows[6]
    assert (elodie.name, elodie.company, elodie.title, elodie.email) == (
        "Élodie Lefèvre",
        "Globex, Inc.",
        "Director, Strategic Partnerships",
        None,
    )
    assert elodie.connected_on == datetime(2023, 1, 3, 12, 0, tzinfo=UTC)
    assert rows[11].title == 'Engineer, "Platform" team'
    assert rows[8].connected_on == datetime(2019, 7, 1, 12, 0, tzinfo=UTC)  # "1 Jul 2019"
    assert (rows[9].problem, rows[9].name) == ("no name", "https://www.linkedin.com/in/ACoAAB3xYz0BcdEfGh")
    assert (rows[12].company, rows[12].title) == (None, None)


def test_a_file_that_is_not_linkedins_export_is_refused() -> None:
    """A CSV without LinkedIn's header says what was expected and where to get the file."""
    with pytest.raises(UnreadableFile) as refused:
        read_linkedin(b"Name,Phone\nJane,123\n")
    assert "First Name,Last Name,URL,Email Address,Company,Position,Connected On" in refused.value.message


def test_iphone_vcards_are_read_with_folded_lines_item_groups_and_photos_ignored() -> None:
    """vCard 3.0 from iOS/macOS: item1.EMAIL, a folded title, a base64 photo, a company card, an empty card."""
    rows = read_vcards(data("iphone_contacts.vcf"))
    assert [(r.line, r.name, r.problem) for r in rows] == [
        (1, "Jane Doe", None),
        (18, "Jürgen Müller", None),
        (33, "Globex, Inc.", "a card for a company, not a person"),
        (42, "+1 555 0142", "no name"),
        (48, "Marta Kowalska", None),
    ]
    jane, jurgen = rows[0], rows[1]
    assert (jane.company, jane.title, jane.email, jane.phone) == (
        "ACME",
        "Head of Procurement",
        "jane.doe@acme.example",
        "+44 7700 900123",
    )
    assert jane.profile_url is None  # a company home page is not a profile
    assert jurgen.title == "Chief Technology Officer and Head of Research, Infrastructure and Security"
    assert (jurgen.company, jurgen.profile_url) == ("Initech GmbH", "https://www.linkedin.com/in/jmuller")


def test_quoted_printable_vcards_from_android_are_decoded() -> None:
    """vCard 2.1 with ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8, soft line breaks and a bare comma in ORG."""
    elodie, jose = read_vcards(data("android_contacts.vcf"))
    assert (elodie.name, elodie.company, elodie.phone, elodie.email) == (
        "Élodie Lefèvre",
        "Globex, Inc.",
        "+33 6 12 34 56 78",
        "elodie.lefevre@globex.example",
    )
    assert elodie.title == "Directrice des partenariats stratégiques et de l’alliance Europe"
    assert (jose.line, jose.name, jose.company) == (11, "José Núñez", "Umbrella Corp")


def test_vcard_4_from_thunderbird_is_read() -> None:
    """vCard 4.0: PREF=1 picks the e-mail, a tel: URI becomes a number, a data: photo is ignored."""
    li, priya = read_vcards(data("thunderbird_contacts.vcf"))
    assert (li.name, li.email, li.phone, li.company) == (
        "Li Wei",
        "li.wei@initech.example",
        "+1-555-555-0100",
        "Initech GmbH",
    )
    assert (priya.line, priya.title, priya.profile_url) == (
        13,
        "Chief Revenue Officer, Americas",
        "https://www.linkedin.com/in/priyaraman",
    )


def test_a_vcard_cut_short_is_skipped_and_a_file_without_cards_is_refused() -> None:
    """A card missing END:VCARD is one skipped row; a file with no card at all is refused."""
    rows = read_vcards(b"BEGIN:VCARD\nVERSION:3.0\nFN:Ann\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:Bo\n")
    assert [(r.line, r.name, r.problem) for r in rows] == [
        (1, "Ann", None),
        (5, "", "the card is cut short (no END:VCARD)"),
    ]
    with pytest.raises(UnreadableFile, match="BEGIN:VCARD"):
        read_vcards(b"Name,Phone\nJane,123\n")


def test_a_folded_line_of_a_hundred_thousand_continuations_is_read_in_linear_time() -> None:
    """Reading is linear in a folded line's length: 100,000 continuation lines (3.7 MB) well within a second's work.

    The quadratic reading took 28 to 45 s for these (119 s for 200,000); the bound is generous, for a busy machine.
    """
    continuation = " and more of a note that a phone folded over many lines"
    for header, first in (("VERSION:3.0", "NOTE:start"), ("VERSION:2.1", "NOTE;ENCODING=QUOTED-PRINTABLE:a=")):
        piece, last = ("=3D=", "end") if "QUOTED" in first else (continuation, " end")  # soft breaks, or folds
        card = ["BEGIN:VCARD", header, "FN:Jane Doe", first, *[piece] * 100_000, last, "EMAIL:jane@acme.example"]
        card.append("END:VCARD")
        started = perf_counter()
        (row,) = read_vcards("\r\n".join(card).encode())
        assert perf_counter() - started < 5
        assert (row.name, row.email) == ("Jane Doe", "jane@acme.example")


def test_a_crm_contacts_export_is_read_with_a_map() -> None:
    """`--map` names the columns; e-mails keep their case until matching; a row with only an e-mail has no name."""
    rows = read_contacts_csv(data("crm_contacts.csv"), parse_mapping(CRM_MAP, CONTACT_FIELDS))
    assert [(r.line, r.name, r.company, r.problem) for r in rows] == [
        (2, "Jane Doe", "ACME", None),
        (3, "Priya Raman", "Hooli", None),
        (4, "orphan@nowhere.example", "Nowhere Ltd", "no name"),
        (5, "Tomasz Nowak", "Umbrella Corp", None),
    ]
    assert rows[3].title == "Buyer, Indirect Spend"


def test_a_crm_export_without_the_needed_columns_is_refused_naming_them() -> None:
    """A mapped column that is not there, or no name column at all, is refused with the file's real columns."""
    with pytest.raises(UnreadableFile, match="No column “Nom”") as refused:
        read_contacts_csv(data("crm_contacts.csv"), {"name": "Nom"})
    assert "“Full Name”" in refused.value.message
    with pytest.raises(UnmappedColumns, match="No name column"):
        read_contacts_csv(b"Phone;City\n123;Paris\n")
    with pytest.raises(UnmappedColumns, match="when=Column,channel=Column") as unmapped:
        read_interactions_csv(b"Contact,Notes\nJane Doe,hello\n")
    assert unmapped.value.example == "when=Column,channel=Column"  # each edge offers it its own way


def test_a_map_that_is_not_field_equals_column_is_a_usage_error() -> None:
    """Unknown fields and missing columns in --map are explained."""
    assert parse_mapping(["name=Full Name", "email=E-mail"], CONTACT_FIELDS) == {
        "name": "Full Name",
        "email": "E-mail",
    }
    with pytest.raises(UsageError, match="not a field to map"):
        parse_mapping("colour=Red", CONTACT_FIELDS)
    with pytest.raises(UsageError, match="is not field=Column"):
        parse_mapping("name", INTERACTION_FIELDS)


def test_activities_are_read_with_two_date_forms_directions_durations_and_odd_rows() -> None:
    """ISO and day-first dates, a UTC offset, inbound/outbound/empty directions, durations in three forms."""
    rows = {
        row.line: row
        for row in read_interactions_csv(data("crm_activities.csv"), parse_mapping(ACTIVITIES_MAP, INTERACTION_FIELDS))
    }
    assert sorted(rows) == [2, 3, 4, 5, 6, 7, 10, 11, 12, 13]  # the notes of line 7 run over three lines
    assert rows[2].when == FileMoment(date(2026, 3, 14), time(15, 30))
    assert (rows[2].channel, rows[2].initiator, rows[2].duration_minutes) == (Channel.PHONE, Initiator.ME, 30)
    assert rows[3].when == FileMoment(date(2026, 10, 21))  # 21/10/2026: the day comes first in this file
    assert (rows[3].channel, rows[3].initiator, rows[3].duration_minutes) == (Channel.IN_PERSON, Initiator.THEM, 75)
    assert (rows[4].initiator, rows[4].duration_minutes) == (None, None)  # an empty direction stays unknown
    assert rows[5].problem == "unknown channel “Fax” (use in person, video, phone, email, chat or social)"
    assert rows[7].when == FileMoment(date(2026, 11, 3), time(14, 0))  # 03/11/2026 14:00, day first
    assert (rows[7].channel, rows[7].duration_minutes) == (Channel.VIDEO, 45)
    assert rows[7].notes == "Pilot review:\nscope, budget and\nnext steps"
    assert rows[12].when == FileMoment(date(2026, 11, 2), time(10, 0, tzinfo=timezone(timedelta(hours=1))))
    assert rows[13].problem == "date “next week” not understood"


def test_a_file_of_us_dates_reads_the_month_first() -> None:
    """When a date such as 12/25/2026 shows the month first, the whole file is read month first."""
    rows = read_interactions_csv(b"Contact,Date,Channel\nAnn,12/25/2026,call\nBo,03/04/2026 2:30 PM,call\n")
    assert [row.when for row in rows] == [
        FileMoment(date(2026, 12, 25)),
        FileMoment(date(2026, 3, 4), time(14, 30)),
    ]


# --- Importing contacts --------------------------------------------------------------------


def test_a_linkedin_export_becomes_reach_reported_row_by_row(uow: UnitOfWork) -> None:
    """Every row is created, merged (the duplicate person) or skipped (no name), with its line and reason."""
    report = import_linkedin(uow)
    assert outcomes(report.created) == [
        (5, "Jane Doe", "new contact"),
        (6, "Élodie Lefèvre", "new contact"),
        (7, "Jürgen Müller", "new contact"),
        (8, "José Núñez", "new contact"),
        (11, "Zoë O'Brien", "new contact"),
        (12, "Li Wei", "new contact"),
    ]
    assert outcomes(report.merged) == [(10, "Jane Doe", "same name and company as line 5; nothing new")]
    assert outcomes(report.skipped) == [(9, "https://www.linkedin.com/in/ACoAAB3xYz0BcdEfGh", "no name")]
    assert report_lines(report) == [
        "6 created, 1 merged, 1 skipped.",
        "  line 9: https://www.linkedin.com/in/ACoAAB3xYz0BcdEfGh: no name",
    ]


def test_imported_connections_are_reach_with_a_connection_date_and_no_interaction(uow: UnitOfWork) -> None:
    """Each tie is reach: source linkedin, connected_on from "Connected On", no interaction, strength 0."""
    import_linkedin(uow)
    tie = tie_of(uow, SELLER, "Élodie Lefèvre")
    assert (tie.source, tie.connected_on, tie.interaction_count, tie.strength, tie.last_interaction_at) == (
        "linkedin",
        datetime(2023, 1, 3, 12, 0, tzinfo=UTC),
        0,
        0.0,
        None,
    )
    elodie = contact_named(uow, "Élodie Lefèvre")
    assert (elodie.job_title, elodie.profile_url) == (
        "Director, Strategic Partnerships",
        "https://www.linkedin.com/in/elodie-lefevre-4a1b2c",
    )
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(Interaction)) == 0
        account = uow.session.get(Account, elodie.account_id)
        assert account is not None and account.name == "Globex, Inc."
        repo = WorkspaceRepository.for_team(uow.session, TEAM)
        assert [c.name for c in repo.contact_candidates("Elodie Lefevre")] == ["Élodie Lefèvre"]  # indexed
        assert [a.name for a in repo.account_candidates("globex")] == ["Globex, Inc."]


def test_importing_the_same_file_twice_changes_nothing(uow: UnitOfWork) -> None:
    """The second import finds every person again (by e-mail, then by name and company) and writes nothing."""
    import_linkedin(uow, tags=["client"])
    before = table_counts(uow)
    again = import_linkedin(uow, tags=["client"])
    assert table_counts(uow) == before
    assert again.created == []
    assert outcomes(again.merged)[:2] == [
        (5, "Jane Doe", "same e-mail as a known contact; nothing new"),
        (6, "Élodie Lefèvre", "same name and company as a known contact; nothing new"),
    ]
    assert len(again.merged) == 7


@pytest.mark.parametrize("name", ["linkedin_Connections_utf16.csv", "linkedin_Connections_latin1.csv"])
def test_the_same_export_in_another_encoding_merges_into_the_same_people(uow: UnitOfWork, name: str) -> None:
    """Re-saved as UTF-16 or Latin-1, the export finds the same accented people: nothing new."""
    import_linkedin(uow)
    before = table_counts(uow)
    again = import_linkedin(uow, name)
    assert (len(again.created), len(again.merged), table_counts(uow)) == (0, 7, before)


def test_vcards_merge_into_known_contacts_and_fill_only_empty_fields(uow: UnitOfWork) -> None:
    """A phone's cards add the phone and e-mail LinkedIn lacked, never replace a title, and tie as vcard reach."""
    import_linkedin(uow)
    report = import_file(uow, TEAM, "vcard", data("iphone_contacts.vcf"), NOW, member=SELLER)
    assert outcomes(report.created) == [(48, "Marta Kowalska", "new contact")]
    assert outcomes(report.merged) == [
        (1, "Jane Doe", "same e-mail as a known contact; added phone"),
        (18, "Jürgen Müller", "same name and company as a known contact; added e-mail, phone"),
    ]
    assert outcomes(report.skipped) == [
        (33, "Globex, Inc.", "a card for a company, not a person"),
        (42, "+1 555 0142", "no name"),
    ]
    jurgen = contact_named(uow, "Jürgen Müller")
    assert (jurgen.job_title, jurgen.email, jurgen.phone) == ("CTO", "j.mueller@initech.example", "+49 30 1234567")
    assert tie_of(uow, SELLER, "Marta Kowalska").source == "vcard"
    assert tie_of(uow, SELLER, "Jane Doe").source == "linkedin"  # where the tie began


def test_what_a_seller_typed_is_never_overwritten(uow: UnitOfWork) -> None:
    """A contact logged from Slack keeps its typed title; the import adds only what was missing."""
    log_call(
        uow,
        Actor(TEAM, SELLER),
        LogCallCommand(
            contacts=(ContactRef("Jane Doe", "ACME"),),
            channel=Channel.PHONE,
            occurred_at=NOW - timedelta(days=2),
            initiator=Initiator.ME,
        ),
        "typed-1",
        NOW,
    )
    with uow:
        uow.session.execute(Contact.__table__.update().values(job_title="Procurement lead (typed)"))
        uow.commit()
    report = import_linkedin(uow)
    assert outcomes(report.merged)[0] == (
        5,
        "Jane Doe",
        "same name and company as a known contact; added e-mail, URL; connection date added",
    )
    jane = contact_named(uow, "Jane Doe")
    assert (jane.job_title, jane.email) == ("Procurement lead (typed)", "jane.doe@acme.example")
    tie = tie_of(uow, SELLER, "Jane Doe")
    assert (tie.source, tie.interaction_count, tie.connected_on) == (
        "slack",
        1,
        datetime(2021, 3, 12, 12, 0, tzinfo=UTC),
    )  # a relationship stays one; the import only adds when the connection began


def test_a_colleagues_contact_becomes_my_reach_too(uow: UnitOfWork) -> None:
    """The same person imported by a second seller is merged, and tied to that seller as reach."""
    import_linkedin(uow)
    report = import_file(uow, TEAM, "vcard", data("thunderbird_contacts.vcf"), NOW, member=COLLEAGUE)
    assert outcomes(report.merged) == [
        (1, "Li Wei", "same name as a known contact; added title, e-mail, phone, company; now in your reach")
    ]
    assert outcomes(report.created) == [(13, "Priya Raman", "new contact")]
    assert tie_of(uow, COLLEAGUE, "Li Wei").source == "vcard"


def test_a_crm_contacts_export_is_imported_with_its_map_and_tags(uow: UnitOfWork) -> None:
    """--map and --tag: the people are tagged once, even when the file is imported again."""
    import_linkedin(uow)
    report = import_file(
        uow, TEAM, "csv", data("crm_contacts.csv"), NOW, member=SELLER, mapping=CRM_MAP, tags=["Client", "#vip"]
    )
    assert outcomes(report.created) == [
        (3, "Priya Raman", "new contact; tagged client, vip"),
        (5, "Tomasz Nowak", "new contact; tagged client, vip"),
    ]
    assert outcomes(report.merged) == [
        (2, "Jane Doe", "same e-mail as a known contact; added phone; tagged client, vip")
    ]
    assert outcomes(report.skipped) == [(4, "orphan@nowhere.example", "no name")]
    assert tie_of(uow, SELLER, "Tomasz Nowak").source == "csv"
    before = table_counts(uow)
    again = import_file(
        uow, TEAM, "csv", data("crm_contacts.csv"), NOW, member=SELLER, mapping=CRM_MAP, tags=["client", "vip"]
    )
    assert table_counts(uow) == before and not again.created
    jane = contact_named(uow, "Jane Doe")
    with uow:
        assert WorkspaceRepository.for_team(uow.session, TEAM).contact_tags(jane.id) == ["client", "vip"]


def test_a_dry_run_reports_everything_and_writes_nothing(uow: UnitOfWork) -> None:
    """--dry-run gives the full report and leaves the database as it was."""
    before = table_counts(uow)
    report = import_linkedin(uow, dry_run=True)
    assert (len(report.created), report.dry_run) == (6, True)
    assert report_lines(report)[0] == "Dry run, nothing written: 6 created, 1 merged, 1 skipped."
    assert table_counts(uow) == before


def test_progress_is_reported_up_to_the_last_row(uow: UnitOfWork) -> None:
    """A long import tells its progress; the last call says every row is done."""
    calls: list[tuple[str, int, int]] = []
    import_linkedin(uow, progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert calls[-1] == ("Matching rows", 8, 8)


@pytest.mark.parametrize(
    ("kind", "content"),
    [
        ("linkedin", bytes(range(256)) * 64),
        ("csv", b"Phone,City\n+44 1,London\n"),
        ("interactions", b"Who,What\nJane,call\n"),
        ("vcard", b"\x00\x01garbage"),
    ],
    ids=["binary", "csv-without-a-name", "activities-without-dates", "vcard-garbage"],
)
def test_a_file_that_cannot_be_read_leaves_the_database_as_it_was(uow: UnitOfWork, kind: str, content: bytes) -> None:
    """Binary garbage or missing columns: a clear error, and not one row written."""
    import_linkedin(uow)
    before = table_counts(uow)
    with pytest.raises(UnreadableFile):
        import_file(uow, TEAM, kind, content, NOW, member=SELLER)
    assert table_counts(uow) == before


def test_a_failure_half_way_through_writes_nothing(uow: UnitOfWork) -> None:
    """An import is one transaction: stopped while recording, it leaves no row behind."""
    import_linkedin(uow)
    before = table_counts(uow)

    def crash(stage: str, done: int, total: int) -> None:
        if stage == "Recording":
            raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        import_file(uow, TEAM, "interactions", data("crm_activities.csv"), NOW, mapping=ACTIVITIES_MAP, progress=crash)
    assert table_counts(uow) == before


def test_contacts_need_a_member(uow: UnitOfWork) -> None:
    """A contacts import without a member says whose contacts they are to be."""
    with pytest.raises(MemberNeeded, match="whose contacts"):
        import_file(uow, TEAM, "linkedin", data("linkedin_Connections.csv"), NOW)


# --- Importing past interactions ------------------------------------------------------------


def seller_with_email(uow: UnitOfWork) -> None:
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, TEAM)
        repo.get_or_create_member(SELLER).email = "Seller@Rapport.example"
        uow.commit()


def test_past_interactions_are_recorded_and_reported_row_by_row(uow: UnitOfWork) -> None:
    """Members by Slack id or e-mail; skipped rows say why: channel, member, future, duplicate, date."""
    import_linkedin(uow)
    seller_with_email(uow)
    report = import_file(uow, TEAM, "interactions", data("crm_activities.csv"), NOW, mapping=ACTIVITIES_MAP)
    assert outcomes(report.created) == [
        (2, "Jane Doe", "recorded"),
        (3, "Jane Doe", "recorded"),
        (4, "Élodie Lefèvre", "recorded"),
        (7, "Jürgen Müller", "recorded"),
        (12, "Marta Kowalska", "recorded; new contact"),
    ]
    assert outcomes(report.skipped) == [
        (5, "Jane Doe", "unknown channel “Fax” (use in person, video, phone, email, chat or social)"),
        (6, "Jane Doe", "unknown member “nobody@elsewhere.example”: no member of the workspace has this e-mail"),
        (10, "Jane Doe", "in the future: not a past interaction"),
        (11, "Jane Doe", "same interaction as line 2"),
        (13, "Jane Doe", "date “next week” not understood"),
    ]
    assert report.merged == []
    with uow:
        rows = uow.session.scalars(select(Interaction).order_by(Interaction.occurred_at)).all()
        assert {(i.source, i.request_key[:7]) for i in rows} == {("import", "import:")}
        lunch = next(i for i in rows if i.notes == "Lunch, then site visit")
        assert (lunch.channel, lunch.initiator, lunch.duration_minutes, lunch.time_given) == (
            "in_person",
            "them",
            75,
            False,
        )
        assert lunch.occurred_at == datetime(2026, 10, 21, 12, 0, tzinfo=UTC)  # noon in the member's zone (UTC)
        intro = next(i for i in rows if i.notes == "Intro")
        assert intro.occurred_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # the file's +01:00 kept
        assert intro.initiator is None
    marta = tie_of(uow, COLLEAGUE, "Marta Kowalska")
    assert (marta.source, marta.interaction_count) == ("import", 1)
    jane = tie_of(uow, SELLER, "Jane Doe")
    assert (jane.interaction_count, jane.last_interaction_at) == (2, datetime(2026, 10, 21, 12, 0, tzinfo=UTC))
    assert jane.connected_on == datetime(2021, 3, 12, 12, 0, tzinfo=UTC) and jane.source == "linkedin"


def test_imported_ties_keep_each_contacts_team_strength(uow: UnitOfWork) -> None:
    """Reach counts as a visible tie of strength 0; imported interactions raise it to the tie's strength."""
    import_linkedin(uow)
    assert contact_named(uow, "Élodie Lefèvre").team_strength == 0.0
    seller_with_email(uow)
    import_file(uow, TEAM, "interactions", data("crm_activities.csv"), NOW, mapping=ACTIVITIES_MAP)
    for member, name in ((SELLER, "Jane Doe"), (COLLEAGUE, "Marta Kowalska")):
        strength = tie_of(uow, member, name).strength
        assert strength > 0 and contact_named(uow, name).team_strength == pytest.approx(strength)


def test_dates_without_a_zone_are_read_in_the_members_time_zone(uow: UnitOfWork) -> None:
    """A seller in Paris who logged 15:30 met at 14:30 UTC; a day alone is noon in Paris."""
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, TEAM)
        repo.get_or_create_member(SELLER).time_zone = "Europe/Paris"
        uow.commit()
    import_interactions(
        uow,
        TEAM,
        read_interactions_csv(
            b"Member,Contact,Date,Channel\nU0SELLER1,Ann,2026-03-14 15:30,call\nU0SELLER1,Bo,2026-07-01,call\n"
        ),
        NOW,
    )
    with uow:
        moments = uow.session.scalars(select(Interaction.occurred_at).order_by(Interaction.occurred_at)).all()
    assert moments == [datetime(2026, 3, 14, 14, 30, tzinfo=UTC), datetime(2026, 7, 1, 10, 0, tzinfo=UTC)]


def test_a_day_alone_that_is_today_is_recorded_as_now_not_as_the_future(uow: UnitOfWork) -> None:
    """Today's date with no time (noon still to come at 10:00) is recorded at the import's moment."""
    rows = read_interactions_csv(b"Member,Contact,Date,Channel\nU0SELLER1,Ann,22/11/2026,call\n")
    report = import_interactions(uow, TEAM, rows, NOW)
    assert outcomes(report.created) == [(2, "Ann", "recorded; new contact")]
    assert tie_of(uow, SELLER, "Ann").last_interaction_at == NOW


def test_a_second_import_of_past_interactions_records_nothing(uow: UnitOfWork) -> None:
    """Each interaction's key is a hash of its row: the same file again adds no row and reports why."""
    import_linkedin(uow)
    seller_with_email(uow)
    import_file(uow, TEAM, "interactions", data("crm_activities.csv"), NOW, mapping=ACTIVITIES_MAP)
    before = table_counts(uow)
    again = import_file(uow, TEAM, "interactions", data("crm_activities.csv"), NOW, mapping=ACTIVITIES_MAP)
    assert table_counts(uow) == before
    assert again.created == []
    assert [(o.line, o.reason) for o in again.skipped if o.reason == "already imported"] == [
        (2, "already imported"),
        (3, "already imported"),
        (4, "already imported"),
        (7, "already imported"),
        (12, "already imported"),
    ]


def test_imported_interactions_score_ties_exactly_as_logging_them_would(uow: UnitOfWork) -> None:
    """Each touched tie's cached figures equal the engine's figures for that tie alone, a colleague's share included."""
    import_linkedin(uow)
    seller_with_email(uow)
    log_call(
        uow,
        Actor(TEAM, SELLER),
        LogCallCommand(
            contacts=(ContactRef("Jürgen Müller", "Initech GmbH"),),
            channel=Channel.IN_PERSON,
            occurred_at=NOW - timedelta(days=20),
            initiator=Initiator.THEM,
            colleagues=(COLLEAGUE,),
        ),
        "slack-1",
        NOW,
    )
    import_file(uow, TEAM, "interactions", data("crm_activities.csv"), NOW, mapping=ACTIVITIES_MAP)
    with uow:
        repo = uow.workspace(TEAM, ScoreRepository)
        ties = uow.session.scalars(select(Tie).where(Tie.computed_at.is_not(None))).all()
        assert len(ties) >= 5
        for tie in ties:
            contact = repo.contact(tie.contact_id)
            assert contact is not None
            report = figures(repo, [(tie.member_id, tie.contact_id)], NOW)[(tie.member_id, tie.contact_id)]
            assert (tie.score_total, tie.interaction_count, tie.last_interaction_at, tie.overlap_share) == (
                report.score.total,
                report.interaction_count,
                report.last_interaction_at,
                report.overlap_share,
            ), contact.name
            assert tie.strength == pytest.approx(report.strength.value)
    jurgen = tie_of(uow, COLLEAGUE, "Jürgen Müller")
    assert jurgen.interaction_count == 2  # the imported video call and the lunch they joined


def test_an_unknown_direction_never_makes_a_relationship_one_sided(uow: UnitOfWork) -> None:
    """Six calls, all started by the seller but five with no direction in the file: regular, not one-sided
    (and, with one known initiator, the balance is unknown: +1)."""
    lines = ["Member,Contact,Date,Channel,Direction"] + [
        f"U0SELLER1,Ann Lee,2026-{month:02d}-10,call,{'outbound' if month == 11 else ''}" for month in range(6, 12)
    ]
    import_interactions(uow, TEAM, read_interactions_csv("\n".join(lines).encode()), NOW)
    with uow:
        repo = uow.workspace(TEAM, ScoreRepository)
        member = repo.get_or_create_member(SELLER)
        contact = uow.session.scalars(select(Contact)).one()
        sign = figures(repo, [(member.id, contact.id)], NOW)[(member.id, contact.id)].score.signs[4]
    assert (sign.known, sign.points) == (True, 1)
    assert tie_of(uow, SELLER, "Ann Lee").score_total == 1


def test_rows_naming_no_member_use_the_default_member_or_are_skipped(uow: UnitOfWork) -> None:
    """--member covers rows without a member; without it, such rows are skipped with the reason."""
    content = b"Contact,Date,Channel\nAnn Lee,2026-11-01,email\n"
    skipped = import_file(uow, TEAM, "interactions", content, NOW)
    assert outcomes(skipped.skipped) == [(2, "Ann Lee", NO_MEMBER_NAMED)]
    recorded = import_file(uow, TEAM, "interactions", content, NOW, member=SELLER)
    assert outcomes(recorded.created) == [(2, "Ann Lee", "recorded; new contact")]


def test_numbers_and_years_past_any_bound_are_left_out_or_skipped_never_a_crash(uow: UnitOfWork) -> None:
    """A duration of thousands of digits (or 1e400) is left out; a date at the ends of the calendar is not understood."""
    content = (
        "Contact,Date,Channel,Duration\n"
        f"Ann Lee,2026-11-01,email,{'9' * 5000}\n"
        "Bob Ray,2026-11-02,email,1e400\n"
        "Cy Fox,0001-01-01T00:00:00+05:00,email,30\n"
        "Di Poe,9999-12-31T23:00:00-05:00,email,30\n"
        f"Ed Wu,20 nov {'9' * 40},email,30\n"
        "Flo Ng,1850-06-01,email,30\n"
    ).encode()
    report = import_file(uow, TEAM, "interactions", content, NOW, member=SELLER)
    assert outcomes(report.created) == [
        (2, "Ann Lee", "recorded; new contact"),
        (3, "Bob Ray", "recorded; new contact"),
    ]
    assert [(line, reason.split(" not")[0][:12]) for line, _, reason in outcomes(report.skipped)] == [
        (4, "date “0001-0"),
        (5, "date “9999-1"),
        (6, "date “20 nov"),
        (7, "date “1850-0"),
    ]
    with uow:
        assert set(uow.session.scalars(select(Interaction.duration_minutes))) == {None}


def test_fields_too_long_for_their_columns_skip_the_row_or_are_left_out_with_the_reason(uow: UnitOfWork) -> None:
    """A name or company too long skips its row; a title is cut; an e-mail, phone or URL is left out: never a crash."""
    long_name, long_company = "N" * 256, "C" * 256
    content = (
        "Full Name,E-mail,Account,Job Title,Mobile,LinkedIn\n"
        f"{long_name},,,,,\n"
        f"Ann Lee,,{long_company},,,\n"
        f"Bob Ray,{'b' * 320}@x.example,Acme,{'T' * 300},{'5' * 70},https://www.linkedin.com/in/{'u' * 500}\n"
    ).encode()
    report = import_file(uow, TEAM, "csv", content, NOW, member=SELLER, mapping="company=Account")
    assert outcomes(report.skipped) == [
        (2, "N" * 79 + "…", "name over 255 characters"),
        (3, "Ann Lee", "company name over 255 characters"),
    ]
    assert outcomes(report.created) == [
        (
            4,
            "Bob Ray",
            "new contact; e-mail address over 320 characters, left out; job title over 255 characters, cut; "
            "phone number over 64 characters, left out; profile address over 500 characters, left out",
        )
    ]
    bob = contact_named(uow, "Bob Ray")
    assert (bob.email, len(bob.job_title or ""), bob.phone, bob.profile_url) == (None, 255, None, None)

    activities = (
        "Contact,Account,Contact Email,Date,Channel,Notes\n"
        f"{long_name},,,2026-11-01,email,\n"
        f"Cy Fox,{long_company},,2026-11-01,email,\n"
        f",,{'e' * 320}@x.example,2026-11-01,email,\n"
        f"Di Poe,Acme,,2026-11-01,email,{'a long note ' * 1000}\n"
    ).encode()
    recorded = import_file(uow, TEAM, "interactions", activities, NOW, member=SELLER)
    assert [(line, reason) for line, _, reason in outcomes(recorded.skipped)] == [
        (2, "name over 255 characters"),
        (3, "company name over 255 characters"),
        (4, "e-mail address over 320 characters"),
    ]
    assert outcomes(recorded.created) == [(5, "Di Poe", "recorded; new contact")]


def test_the_command_line_imports_for_any_member_and_names_the_members_it_created(uow: UnitOfWork) -> None:
    """An admin's `rapport import` keeps rows for the members they name; a Slack id not yet known is created, and said."""
    content = b"Owner,Contact,Date,Channel\nU0SELLER1,Ann Lee,2026-11-01,email\nU0NEWBIE9,Bob Ray,2026-11-02,call\n"
    seller_with_email(uow)
    report = import_file(uow, TEAM, "interactions", content, NOW, mapping="member=Owner")
    assert [outcome.line for outcome in report.created] == [2, 3]
    assert report.warnings == ["new member(s) from the file's Slack ids: U0NEWBIE9"]
    assert "Note: new member(s) from the file's Slack ids: U0NEWBIE9" in report_lines(report)


def test_an_upload_belongs_to_its_owner_who_cannot_also_name_a_member(uow: UnitOfWork) -> None:
    """`owner` (an upload in Slack) and `member` (the command line's --member) are two ways in, never mixed."""
    content = b"Contact,Date,Channel\nAnn Lee,2026-11-01,email\n"
    with pytest.raises(ValueError, match="owner"):
        import_file(uow, TEAM, "interactions", content, NOW, member=SELLER, owner=SELLER)
    report = import_file(uow, TEAM, "interactions", content, NOW, owner=SELLER)
    assert outcomes(report.created) == [(2, "Ann Lee", "recorded; new contact")] and report.warnings == []


# --- The command line --------------------------------------------------------------------------


@pytest.fixture
def main(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[list[str]], int]:
    """`rapport` on a fresh SQLite database of its own, with no Slack settings."""
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return main


def test_the_command_line_prints_the_report_and_exits_2_on_an_unreadable_file(
    main: Callable[[list[str]], int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`rapport import linkedin FILE --member U…` prints counts and skips; garbage exits 2, writing nothing."""
    export = DATA / "linkedin_Connections.csv"
    assert main(["import", "linkedin", str(export), "--member", SELLER, "--team", TEAM, "--tag", "client"]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines() == [
        "6 created, 1 merged, 1 skipped.",
        "  line 9: https://www.linkedin.com/in/ACoAAB3xYz0BcdEfGh: no name",
    ]
    garbage = tmp_path / "Connections.csv"
    garbage.write_bytes(bytes(range(256)) * 8)
    assert main(["import", "linkedin", str(garbage), "--member", SELLER]) == 2
    error = capsys.readouterr().err
    assert "not a text file" in error and "Nothing was imported." in error
    assert main(["import", "linkedin", str(tmp_path / "missing.csv"), "--member", SELLER]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["import", "linkedin", str(export), "--member", SELLER]) == 0  # the only workspace is the default
    assert capsys.readouterr().out.startswith("0 created, 7 merged, 1 skipped.")


def test_the_command_line_names_the_flag_each_missing_piece_needs(
    main: Callable[[list[str]], int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the import lacks is said with `rapport import`'s flags: --team, --member and --map."""
    activities = tmp_path / "activities.csv"
    activities.write_bytes(b"Contact,Date,Channel\nAnn Lee,2026-11-01,email\n")
    assert main(["import", "interactions", str(activities)]) == 2
    assert "No workspace in the database yet: say which with --team T… (your Slack team id)." in capsys.readouterr().err
    assert main(["import", "linkedin", str(DATA / "linkedin_Connections.csv"), "--team", TEAM]) == 2
    assert "rapport: Say whose contacts these are: --member U… (their Slack user id)." in capsys.readouterr().err
    notes = tmp_path / "notes.csv"
    notes.write_bytes(b"Contact,Notes\nJane Doe,hello\n")
    assert main(["import", "interactions", str(notes), "--team", TEAM]) == 2
    assert "Say which they are, e.g. --map when=Column,channel=Column. Nothing was imported." in capsys.readouterr().err
    assert main(["import", "interactions", str(activities), "--team", TEAM]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "0 created, 0 merged, 1 skipped.",
        "  line 2: Ann Lee: no member: the row names none (give --member for such rows)",
    ]
