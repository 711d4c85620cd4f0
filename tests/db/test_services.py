"""The use cases on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models.core.errors import NotAllowed, UsageError
from models.core.signs import Appreciation, Friendship
from models.core.values import Actor, Channel, ContactRef, Initiator, LogCallCommand
from models.db.orm import Contact, ContactLink, Interaction, Meeting, Tie
from models.db.uow import UnitOfWork
from models.logcall.service import (
    NEW_CONTACT,
    Logged,
    NeedsChoice,
    TieRating,
    choose_contact,
    log_call,
    rate_tie,
    undo_interaction,
)

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
SELLER = Actor(team_id="T1", user_id="U1")


def command(*names: str, company: str | None = None, **changes: object) -> LogCallCommand:
    values: dict[str, object] = {
        "contacts": tuple(ContactRef(name, company) for name in names),
        "channel": Channel.PHONE,
        "occurred_at": NOW - timedelta(days=1),
        "time_given": False,
        "initiator": Initiator.THEM,
    }
    values.update(changes)
    return LogCallCommand(**values)  # type: ignore[arg-type]


def count(uow: UnitOfWork, model: type) -> int:
    with uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def logged(result: Logged | NeedsChoice) -> Logged:
    assert isinstance(result, Logged), result
    return result


def test_logging_a_call_creates_the_contact_the_account_and_a_scored_tie(uow: UnitOfWork) -> None:
    """A first /logcall with a new name creates the contact at its company and scores the tie."""
    result = logged(log_call(uow, SELLER, command("Jane Doe", company="ACME", tags=("prospect",)), "k1", NOW))
    assert result.new_contacts == ("Jane Doe",)
    report = result.reports[0]
    assert (report.contact_name, report.account_name, report.interaction_count) == ("Jane Doe", "ACME", 1)
    assert report.score.signs[4].known  # regularity is known from the interaction
    assert "whether they appreciate your work" in report.score.unknown
    with uow:
        tie = uow.session.scalars(select(Tie)).one()
        assert tie.interaction_count == 1 and tie.strength == pytest.approx(report.strength.value)


def test_the_same_request_delivered_twice_records_one_interaction(uow: UnitOfWork) -> None:
    """A retried delivery (same trigger id) answers "already recorded" and writes nothing new."""
    first = logged(log_call(uow, SELLER, command("Jane Doe"), "trigger-1", NOW))
    second = logged(log_call(uow, SELLER, command("Jane Doe"), "trigger-1", NOW))
    assert not first.duplicate and second.duplicate
    assert second.interaction.id == first.interaction.id
    assert count(uow, Interaction) == 1 and count(uow, Contact) == 1


def test_a_known_contact_is_matched_despite_case_accents_and_a_typo(uow: UnitOfWork) -> None:
    """“jose garcía”, “Jose Garcia” and “Jsoe Garcia” all reach the same contact, José García."""
    logged(log_call(uow, SELLER, command("José García"), "k1", NOW))
    for index, typed in enumerate(["jose garcía", "JOSE GARCIA", "Jsoe Garcia"]):
        result = logged(log_call(uow, SELLER, command(typed), f"k{index + 2}", NOW))
        assert result.new_contacts == () and result.reports[0].contact_name == "José García"
    assert count(uow, Contact) == 1
    assert logged(log_call(uow, SELLER, command("José García"), "k9", NOW)).reports[0].interaction_count == 5


def test_two_matching_contacts_make_the_seller_choose_and_nothing_is_written_before(uow: UnitOfWork) -> None:
    """Two “Jane Doe”s at different companies: the reply asks which one, and records nothing yet."""
    logged(log_call(uow, SELLER, command("Jane Doe", company="ACME"), "k1", NOW))
    logged(log_call(uow, SELLER, command("Jane Doe", company="Globex"), "k2", NOW))
    question = log_call(uow, SELLER, command("Raj Patel", "jane doe"), "k3", NOW)
    assert isinstance(question, NeedsChoice)
    assert question.slot == 1 and {o.detail for o in question.options} == {"ACME", "Globex"}
    assert count(uow, Interaction) == 2 and count(uow, Contact) == 2  # Raj Patel not created yet

    globex = next(o for o in question.options if o.detail == "Globex")
    result = logged(choose_contact(uow, SELLER, question.pending_id, question.slot, globex.id, NOW))
    assert [r.account_name for r in result.reports] == [None, "Globex"]
    again = logged(choose_contact(uow, SELLER, question.pending_id, question.slot, globex.id, NOW))
    assert again.duplicate and count(uow, Interaction) == 3


def test_choosing_someone_new_creates_a_new_contact(uow: UnitOfWork) -> None:
    """“Someone new” creates a separate contact even though the name resembles a known one."""
    logged(log_call(uow, SELLER, command("Jane Doe"), "k1", NOW))
    question = log_call(uow, SELLER, command("Jane"), "k2", NOW)
    assert isinstance(question, NeedsChoice)
    result = logged(choose_contact(uow, SELLER, question.pending_id, 0, NEW_CONTACT, NOW))
    assert result.new_contacts == ("Jane",) and count(uow, Contact) == 2


def test_a_company_narrows_the_match_to_that_account(uow: UnitOfWork) -> None:
    """With “(Globex)” given, the Jane Doe of ACME is not a candidate: a new contact is created."""
    logged(log_call(uow, SELLER, command("Jane Doe", company="ACME"), "k1", NOW))
    result = logged(log_call(uow, SELLER, command("Jane Doe", company="globex"), "k2", NOW))
    assert result.new_contacts == ("Jane Doe",) and result.reports[0].account_name == "globex"


def test_meeting_two_contacts_together_links_them_and_undo_unlinks(uow: UnitOfWork) -> None:
    """Co-attendance links the contacts; undoing the interaction removes the link and rescoring follows."""
    result = logged(log_call(uow, SELLER, command("Jane Doe", "Raj Patel", channel=Channel.IN_PERSON), "k1", NOW))
    assert count(uow, ContactLink) == 1
    undone = undo_interaction(uow, SELLER, result.interaction.id, NOW)
    assert not undone.already and count(uow, ContactLink) == 0
    assert [r.interaction_count for r in undone.reports] == [0, 0]
    assert undo_interaction(uow, SELLER, result.interaction.id, NOW).already
    # A late retry of the undone request does not bring it back.
    assert logged(log_call(uow, SELLER, command("Jane Doe", "Raj Patel"), "k1", NOW)).interaction.undone


def test_only_the_author_can_undo(uow: UnitOfWork) -> None:
    """Another seller pressing Undo is told no, and the interaction stays."""
    result = logged(log_call(uow, SELLER, command("Jane Doe"), "k1", NOW))
    with pytest.raises(NotAllowed):
        undo_interaction(uow, Actor("T1", "U2"), result.interaction.id, NOW)


def test_colleagues_who_took_part_get_a_tie_too(uow: UnitOfWork) -> None:
    """A colleague mentioned in the log now has a scored tie with the contact."""
    logged(log_call(uow, SELLER, command("Jane Doe", colleagues=("U2",)), "k1", NOW))
    with uow:
        ties = uow.session.scalars(select(Tie)).all()
        assert len(ties) == 2 and all(t.interaction_count == 1 for t in ties)


def test_rating_a_tie_scores_signs_one_to_three(uow: UnitOfWork) -> None:
    """A good job and a friendship add their points; the title and role the seller says they know too."""
    result = logged(log_call(uow, SELLER, command("Jane Doe"), "k1", NOW))
    contact_id = result.reports[0].contact_id
    rating = TieRating(
        knows_job_title=True,
        knows_responsibilities=True,
        appreciation=Appreciation.GOOD,
        friendship=Friendship.FRIEND,
        job_title="CFO",
    )
    report = rate_tie(uow, SELLER, contact_id, rating, NOW)
    assert [s.points for s in report.score.signs[:3]] == [2, 2, 2]
    assert report.strength.value > result.reports[0].strength.value


def test_a_future_date_is_refused_and_nothing_is_written(uow: UnitOfWork) -> None:
    """An interaction dated tomorrow is refused with a friendly message; the database is unchanged."""
    with pytest.raises(UsageError):
        log_call(uow, SELLER, command("Jane Doe", occurred_at=NOW + timedelta(days=1)), "k1", NOW)
    assert count(uow, Contact) == 0 and count(uow, Interaction) == 0


def test_workspaces_never_see_each_other(uow: UnitOfWork) -> None:
    """The same name in two workspaces makes two contacts; matching never crosses workspaces."""
    logged(log_call(uow, SELLER, command("Jane Doe"), "k1", NOW))
    other = logged(log_call(uow, Actor("T2", "U1"), command("Jane Doe"), "k1", NOW))
    assert other.new_contacts == ("Jane Doe",) and other.reports[0].interaction_count == 1
    assert count(uow, Contact) == 2


@pytest.mark.parametrize(
    ("names", "company", "tags", "expected"),
    [
        (("N" * 256,), None, (), "A name goes up to 255 characters."),
        (("\ufdfa" * 20,), None, (), "A name goes up to 255 characters."),  # 20 characters, 360 once folded
        (("Jane Doe",), "C" * 256, (), "A company name goes up to 255 characters."),
        (("Jane Doe",), None, ("t" * 65,), "A tag goes up to 64 characters."),
    ],
)
def test_a_value_too_long_for_its_column_is_refused_whatever_the_edge(
    uow: UnitOfWork, names: tuple[str, ...], company: str | None, tags: tuple[str, ...], expected: str
) -> None:
    """A command built anywhere (the console, a stored choice) is checked too: the same refusal on both databases."""
    with pytest.raises(UsageError, match=re.escape(expected)):
        log_call(uow, SELLER, command(*names, company=company, tags=tags), "long", NOW)
    assert (count(uow, Interaction), count(uow, Contact)) == (0, 0)


def test_a_meeting_with_many_long_names_gets_a_title_cut_to_fit(uow: UnitOfWork) -> None:
    """“Meeting with …” of four 200-character names is cut to the title's 500 characters, not refused."""
    names = tuple(f"{letter * 199} " for letter in "ABCD")
    scheduled = log_call(uow, SELLER, command(*names, occurred_at=NOW + timedelta(days=1), scheduled=True), "meet", NOW)
    assert len(scheduled.contact_names) == 4  # type: ignore[union-attr]
    with uow:
        title = uow.session.scalar(select(Meeting.title))
    assert title is not None and len(title) == 500 and title.endswith("…")


def test_a_job_title_too_long_is_refused_when_rating(uow: UnitOfWork) -> None:
    """The rating's job title fits its 255 characters, or the rating is refused naming it."""
    logged(log_call(uow, SELLER, command("Jane Doe"), "k", NOW))
    with uow:
        contact_id = uow.session.scalars(select(Contact.id)).one()
    with pytest.raises(UsageError, match="A job title goes up to 255 characters"):
        rate_tie(uow, SELLER, contact_id, TieRating(job_title="Head of " + "x" * 250), NOW)
