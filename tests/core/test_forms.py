"""Reading the `/logcall` and rating modals' state into the commands the one-line grammar produces."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from handlers.logcall.forms import FormErrors, State, logcall_command_from_state, rating_from_state
from handlers.logcall.views import rating_modal
from models.core.signs import Appreciation, Friendship
from models.core.values import Channel, ContactRef, Initiator, LogCallCommand
from models.logcall.service import RatingForm, TieRating

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # Sunday 22 November, 11:00 in Paris


def text(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def select(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value}}


def form(**answers: dict[str, Any] | None) -> State:
    """A submitted `/logcall` modal's state: a valid one, with `answers` replacing or (None) removing fields."""
    fields: dict[str, dict[str, Any] | None] = {
        "contacts": text("Jane Doe"),
        "channel": select("phone"),
        "date": {"type": "datepicker", "selected_date": "2026-11-21"},
        **answers,
    }
    # Slack keys each block's values by the element's action id, which the modal makes equal to the block id.
    return {block: {block: value} for block, value in fields.items() if value is not None}


def command(**answers: dict[str, Any] | None) -> LogCallCommand:
    return logcall_command_from_state(form(**answers), NOW, PARIS)


def problems(**answers: dict[str, Any] | None) -> dict[str, str]:
    with pytest.raises(FormErrors) as raised:
        command(**answers)
    return raised.value.by_block


# A valid form -----------------------------------------------------------------------------------------


def test_a_full_form_gives_the_same_command_as_the_one_line_grammar() -> None:
    """Two people at one company, a day and a time, who reached out, how long, colleagues, tags and notes."""
    result = command(
        contacts=text(" Jane Doe, Raj Patel "),
        company=text("ACME"),
        channel=select("in_person"),
        date={"type": "datepicker", "selected_date": "2026-11-17"},
        time={"type": "timepicker", "selected_time": "12:30"},
        initiator={"type": "radio_buttons", "selected_option": {"value": "them"}},
        duration=text("1h30"),
        colleagues={"type": "multi_users_select", "selected_users": ["U024BE7LH", "U0SAM"]},
        tags=text("#Prospect, client  prospect"),
        notes=text("  intro to their CFO  "),
    )

    assert result == LogCallCommand(
        contacts=(ContactRef("Jane Doe", "ACME"), ContactRef("Raj Patel", "ACME")),
        channel=Channel.IN_PERSON,
        occurred_at=datetime(2026, 11, 17, 12, 30, tzinfo=PARIS),
        time_given=True,
        initiator=Initiator.THEM,
        duration_minutes=90,
        colleagues=("U024BE7LH", "U0SAM"),
        tags=("prospect", "client"),
        notes="intro to their CFO",
    )


def test_a_company_written_after_a_name_wins_over_the_company_field() -> None:
    """`Jane Doe (ACME), Raj Patel` with Company Initech: Jane at ACME, Raj at Initech."""
    result = command(contacts=text("Jane Doe (ACME), Raj Patel"), company=text("Initech"))

    assert result.contacts == (ContactRef("Jane Doe", "ACME"), ContactRef("Raj Patel", "Initech"))


def test_only_the_required_fields_give_a_command_with_nothing_else() -> None:
    """Who, channel and day are enough: no initiator, duration, colleagues, tags or notes."""
    result = command()

    assert (result.initiator, result.duration_minutes, result.colleagues, result.tags, result.notes) == (
        None,
        None,
        (),
        (),
        "",
    )


def test_not_sure_who_reached_out_records_no_initiator() -> None:
    """The "Not sure" choice leaves the initiator unknown."""
    result = command(initiator={"type": "radio_buttons", "selected_option": {"value": "unknown"}})

    assert result.initiator is None


def test_a_past_day_without_a_time_is_noon_local_time() -> None:
    """Yesterday with no time is recorded at noon in the member's zone, marked as a day only."""
    result = command(date={"type": "datepicker", "selected_date": "2026-11-21"})

    assert (result.occurred_at, result.time_given) == (datetime(2026, 11, 21, 12, 0, tzinfo=PARIS), False)


def test_today_without_a_time_is_now() -> None:
    """Today with no time is the moment of submission, counted as a known time."""
    result = command(date={"type": "datepicker", "selected_date": "2026-11-22"})

    assert result.occurred_at == NOW
    assert result.time_given is True


def test_today_is_the_day_in_the_members_zone_not_in_utc() -> None:
    """At 23:30 UTC it is already the next day in Paris: that day is today, and without a time it is now."""
    late = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)

    result = logcall_command_from_state(form(date={"type": "datepicker", "selected_date": "2026-11-23"}), late, PARIS)

    assert result.occurred_at == late


def test_earlier_today_with_a_time_is_accepted() -> None:
    """A time earlier today (in Paris) is in the past and kept."""
    result = command(
        date={"type": "datepicker", "selected_date": "2026-11-22"},
        time={"type": "timepicker", "selected_time": "10:59"},
    )

    assert result.occurred_at == datetime(2026, 11, 22, 10, 59, tzinfo=PARIS)


# Each bad field is reported under that field ----------------------------------------------------------


def test_no_channel_is_reported_under_channel() -> None:
    """A form without a channel says how you talked is missing."""
    assert problems(channel=None) == {"channel": "Say how you talked."}


def test_no_one_named_is_reported_under_who() -> None:
    """An empty Who is refused under the contacts field."""
    assert set(problems(contacts=text("  "))) == {"contacts"}


def test_a_future_day_is_reported_under_date() -> None:
    """Tomorrow is refused: log what already happened."""
    errors = problems(date={"type": "datepicker", "selected_date": "2026-11-23"})

    assert errors == {"date": "That is in the future: log what already happened."}


def test_a_later_time_today_is_reported_under_time() -> None:
    """Today at 11:30 when it is 11:00 in Paris is refused under the time, not the date."""
    errors = problems(
        date={"type": "datepicker", "selected_date": "2026-11-22"},
        time={"type": "timepicker", "selected_time": "11:30"},
    )

    assert set(errors) == {"time"}


def test_no_date_is_reported_under_date() -> None:
    """A form with the day cleared asks for the day."""
    assert problems(date=None) == {"date": "Pick the day it happened."}


def test_an_unreadable_date_is_reported_under_date() -> None:
    """A malformed picker value is refused under the date, never a crash."""
    assert set(problems(date={"type": "datepicker", "selected_date": "22/11/2026"})) == {"date"}


@pytest.mark.parametrize(
    "duration", ["forever", "45 fortnights", "25 hours", "9" * 400 + "h", "9" * 5000 + " min", "1e400 hours"]
)
def test_a_bad_duration_is_reported_under_duration(duration: str) -> None:
    """A duration that cannot be read, is longer than a day or is a number past any bound, is refused under its field."""
    assert set(problems(duration=text(duration))) == {"duration"}


def test_a_company_a_name_or_a_tag_too_long_is_reported_under_its_field() -> None:
    """Past the column's size (a crafted submission goes past max_length), each is named under its own field."""
    errors = problems(company=text("C" * 256), tags=text("client " + "t" * 65))
    assert errors == {"company": "A company name goes up to 255 characters.", "tags": "A tag goes up to 64 characters."}
    assert "over 120 characters" in problems(contacts=text("N" * 130))["contacts"]


def test_a_job_title_too_long_is_reported_under_its_field() -> None:
    """The rating form's job title goes up to 255 characters."""
    with pytest.raises(FormErrors) as refused:
        rating_from_state({"job_title": {"job_title": text("T" * 256)}})
    assert refused.value.by_block == {"job_title": "A job title goes up to 255 characters."}


def test_every_problem_is_reported_at_once() -> None:
    """Several bad fields are all named in one answer, so the member fixes them in one go."""
    errors = problems(contacts=text(""), channel=None, duration=text("forever"))

    assert set(errors) == {"contacts", "channel", "duration"}


# The rating form --------------------------------------------------------------------------------------


def test_a_full_rating_is_read_into_a_tie_rating() -> None:
    """Yes to both questions, a good job, a friend, and the job described."""
    state: State = {
        "knows_title": {"knows_title": {"type": "radio_buttons", "selected_option": {"value": "yes"}}},
        "knows_role": {"knows_role": {"type": "radio_buttons", "selected_option": {"value": "yes"}}},
        "job_title": {"job_title": text(" Head of IT ")},
        "responsibilities": {"responsibilities": text("Runs vendor selection")},
        "appreciation": {"appreciation": {"type": "radio_buttons", "selected_option": {"value": "good"}}},
        "friendship": {"friendship": {"type": "radio_buttons", "selected_option": {"value": "close_friend"}}},
        "privacy": {"privacy": {"type": "checkboxes", "selected_options": [{"value": "private"}]}},
    }

    assert rating_from_state(state) == TieRating(
        knows_job_title=True,
        knows_responsibilities=True,
        appreciation=Appreciation.GOOD,
        friendship=Friendship.CLOSE_FRIEND,
        job_title="Head of IT",
        responsibilities="Runs vendor selection",
        private=True,
        cadence_days=0,
    )


def test_a_cadence_must_be_a_number_of_days() -> None:
    """“every month” is refused under the cadence field; 45 is kept as 45 days."""
    with pytest.raises(FormErrors) as refused:
        rating_from_state({"cadence": {"cadence": text("every month")}})
    assert refused.value.by_block == {"cadence": "Write a number of days, like 30."}
    assert rating_from_state({"cadence": {"cadence": text("45")}}).cadence_days == 45


@pytest.mark.parametrize("cadence", ["9" * 5000, "0", "3651", "٣٠"])
def test_a_cadence_past_ten_years_or_of_thousands_of_digits_is_refused_under_its_field(cadence: str) -> None:
    """A crafted number (more digits than int() takes, or digits of another script) is a field error, never a crash."""
    with pytest.raises(FormErrors) as refused:
        rating_from_state({"cadence": {"cadence": text(cadence)}})
    assert refused.value.by_block == {"cadence": "Write a number of days, like 30."}


def test_a_job_title_the_seller_types_counts_as_knowing_it_even_unanswered() -> None:
    """Writing their title themselves is knowing it; the role question answered "no" stays a no."""
    state: State = {
        "knows_role": {"knows_role": {"type": "radio_buttons", "selected_option": {"value": "no"}}},
        "job_title": {"job_title": text("CFO")},
    }

    rating = rating_from_state(state)

    assert (rating.knows_job_title, rating.knows_responsibilities) == (True, False)


def test_unanswered_questions_keep_what_was_known_and_a_blank_title_leaves_the_record_alone() -> None:
    """Questions left blank are None, so the rating keeps the earlier answers (never "I don't know"), and
    an empty title field does not clear the title on record."""
    rating = rating_from_state({})

    assert (rating.appreciation, rating.friendship) == (None, None)
    assert (rating.knows_job_title, rating.knows_responsibilities) == (None, None)
    assert (rating.job_title, rating.responsibilities) == (None, None)


def test_the_rating_form_asks_sign_one_and_shows_a_title_from_linkedin_as_a_hint_not_an_answer() -> None:
    """The issue's case: LinkedIn says VP Procurement. The form pre-fills neither the title field nor an
    answer; it asks, with "LinkedIn says: VP Procurement." as the question's hint."""
    form = RatingForm(7, "Jane Doe", TieRating(), "VP Procurement", "linkedin")

    blocks = {block.get("block_id"): block for block in rating_modal(form, "{}")["blocks"]}

    assert blocks["knows_title"]["hint"]["text"] == "LinkedIn says: VP Procurement."
    assert "initial_option" not in blocks["knows_title"]["element"]
    assert "initial_value" not in blocks["job_title"]["element"]
