"""Unit tests for reading `/logcall` text into a LogCallCommand."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.kit.usage import LOGCALL_USAGE, is_help
from handlers.kit.wording import error_text
from models.core.errors import Usage, UsageError
from models.core.grammar import (
    CHANNEL_WORDS,
    INITIATOR_WORDS,
    parse_logcall,
    parse_tags,
    split_contacts,
)
from models.core.values import Channel, ContactRef, Initiator, LogCallCommand

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=PARIS)  # a Sunday morning


def parse(text: str) -> LogCallCommand:
    return parse_logcall(text, NOW, PARIS)


def refusal(text: str) -> str:
    with pytest.raises(UsageError) as raised:
        parse(text)
    return error_text(raised.value)


# The examples of the spec ------------------------------------------------------------------------


def test_one_contact_with_company_channel_day_initiator_tag_and_notes() -> None:
    """The first example reads every part, and the tag leaves the notes."""
    command = parse("Jane Doe (ACME) phone yesterday they called: budget moves to Q3 #prospect")
    assert command == LogCallCommand(
        contacts=(ContactRef("Jane Doe", "ACME"),),
        channel=Channel.PHONE,
        occurred_at=datetime(2026, 11, 21, 12, 0, tzinfo=PARIS),
        time_given=False,
        initiator=Initiator.THEM,
        tags=("prospect",),
        notes="budget moves to Q3",
    )


def test_two_contacts_share_a_trailing_company_and_a_colleague_is_mentioned() -> None:
    """`@ ACME` after the list applies to both; 12:30 is a time, the next colon starts the notes."""
    command = parse("Jane Doe, Raj Patel @ ACME in person last tue 12:30 with <@U024BE7LH>: lunch")
    assert command.contacts == (ContactRef("Jane Doe", "ACME"), ContactRef("Raj Patel", "ACME"))
    assert command.channel is Channel.IN_PERSON
    assert (command.occurred_at, command.time_given) == (datetime(2026, 11, 17, 12, 30, tzinfo=PARIS), True)
    assert command.colleagues == ("U024BE7LH",)
    assert command.notes == "lunch"


def test_a_quoted_name_at_a_company_over_video_with_iso_date_duration_and_initiator() -> None:
    """An explicit channel wins over the phone that "I called" would imply."""
    command = parse('"Jane Doe" at Globex zoom 2026-11-20 14:00 45 min I called')
    assert command.contacts == (ContactRef("Jane Doe", "Globex"),)
    assert command.channel is Channel.VIDEO
    assert command.occurred_at == datetime(2026, 11, 20, 14, 0, tzinfo=PARIS)
    assert (command.duration_minutes, command.initiator) == (45, Initiator.ME)


def test_contacts_joined_by_and_keep_their_own_company_with_days_ago_and_hours_minutes() -> None:
    """`Name (Company)` belongs to that contact only; "1h30" is 90 minutes; two tags."""
    command = parse("Raj Patel and Li Wei (Initech) lunch 3 days ago 1h30 them #client #friend")
    assert command.contacts == (ContactRef("Raj Patel"), ContactRef("Li Wei", "Initech"))
    assert command.channel is Channel.IN_PERSON
    assert (command.occurred_at, command.time_given) == (datetime(2026, 11, 19, 12, 0, tzinfo=PARIS), False)
    assert (command.duration_minutes, command.initiator) == (90, Initiator.THEM)
    assert command.tags == ("client", "friend")


def test_each_contact_may_have_its_own_company_in_brackets() -> None:
    """ "today" without a time is not later than now, and "me" says I reached out."""
    command = parse("Jane Doe (ACME), Raj Patel (Globex) email today me")
    assert command.contacts == (ContactRef("Jane Doe", "ACME"), ContactRef("Raj Patel", "Globex"))
    assert (command.channel, command.initiator) == (Channel.EMAIL, Initiator.ME)
    assert (command.occurred_at, command.time_given) == (NOW, False)


# Who ----------------------------------------------------------------------------------------------


def test_names_are_kept_as_typed_with_spaces_collapsed() -> None:
    """Accents and case stay; matching names to contacts is another module's job."""
    assert parse("  José   García  ( Café  Nero ) coffee").contacts == (ContactRef("José García", "Café Nero"),)


@pytest.mark.parametrize("text", ['"Will Call" phone', "“Will Call” phone"])
def test_quotes_protect_a_name_that_reads_like_a_keyword(text: str) -> None:
    """Straight or curly quotes keep "Call" in the name instead of reading it as a channel."""
    assert parse(text).contacts == (ContactRef("Will Call"),)


def test_a_trailing_company_applies_only_to_contacts_without_their_own() -> None:
    """ "@ ACME" fills the gap; the bracketed company stays."""
    contacts = parse("Jane (Globex), Raj & Li @ ACME call").contacts
    assert contacts == (ContactRef("Jane", "Globex"), ContactRef("Raj", "ACME"), ContactRef("Li", "ACME"))


def test_a_trailing_company_may_contain_an_ampersand_escaped_by_slack() -> None:
    """Slack sends "&" as "&amp;"; after "at" it belongs to the company name."""
    assert parse("Jane at Procter &amp; Gamble coffee").contacts == (ContactRef("Jane", "Procter & Gamble"),)


def test_per_contact_at_companies_ask_for_brackets() -> None:
    """Two "at"s cannot be told apart from a company name, so the reply shows the bracket form."""
    assert "in brackets" in refusal("Jane at Globex, Raj at Initech call")


# Descriptors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "channel"), [(phrase, channel) for channel, phrases in CHANNEL_WORDS.items() for phrase in phrases]
)
def test_every_channel_word_names_its_channel(phrase: str, channel: Channel) -> None:
    """Each word or phrase of the channel vocabulary reads as its channel, whatever its case."""
    assert parse(f"Jane Doe {phrase.upper()} yesterday").channel is channel


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("Jane Doe skype yesterday", Channel.VIDEO),  # the seeds' own example of a channel with tone
        ("Jane Doe skype call", Channel.VIDEO),
        ("Jane Doe teams call", Channel.VIDEO),
        ("Jane Doe google meet", Channel.VIDEO),
        ("Jane Doe facetime", Channel.VIDEO),
        ("Jane Doe whatsapp call", Channel.PHONE),
        ("Jane Doe whatsapp", Channel.CHAT),
    ],
)
def test_common_voice_and_video_words_read_as_their_channel(text: str, channel: Channel) -> None:
    """ "telephone or skype" (the essay): skype is video, a WhatsApp call a voice call, a WhatsApp message a chat."""
    assert parse(text).channel is channel


def test_the_longest_channel_phrase_wins() -> None:
    """ "zoom call" is one video channel, not video and phone."""
    assert parse("Jane zoom call").channel is Channel.VIDEO


@pytest.mark.parametrize(
    ("phrase", "initiator"),
    [(phrase, initiator) for initiator, phrases in INITIATOR_WORDS.items() for phrase in phrases],
)
def test_every_initiator_phrase_says_who_reached_out(phrase: str, initiator: Initiator) -> None:
    """ "me", "outbound", "they emailed" and the others set the initiator."""
    assert parse(f"Jane email {phrase}").initiator is initiator


@pytest.mark.parametrize(
    ("text", "channel"),
    [("Jane I called", Channel.PHONE), ("Jane they called", Channel.PHONE), ("Jane they emailed", Channel.EMAIL)],
)
def test_some_initiator_phrases_imply_the_channel_when_none_is_given(text: str, channel: Channel) -> None:
    """ "I called" needs no channel word: it was a phone call."""
    assert parse(text).channel is channel


def test_descriptors_come_in_any_order_and_the_leftover_words_are_the_date() -> None:
    """ "yesterday" and "3pm" are apart, yet read together as one date."""
    command = parse("Jane yesterday 45 min phone them 3pm")
    assert (command.occurred_at, command.time_given) == (datetime(2026, 11, 21, 15, 0, tzinfo=PARIS), True)
    assert (command.duration_minutes, command.channel, command.initiator) == (45, Channel.PHONE, Initiator.THEM)


def test_hours_ago_is_a_date_not_a_duration() -> None:
    """ "2 hours ago" is when, not how long."""
    command = parse("Jane phone 2 hours ago")
    assert (command.occurred_at, command.duration_minutes) == (datetime(2026, 11, 22, 8, 0, tzinfo=PARIS), None)


def test_no_date_means_now_with_a_time() -> None:
    """Logging right after the call needs no date."""
    command = parse("Jane phone")
    assert (command.occurred_at, command.time_given) == (NOW, True)


def test_mentions_are_colleagues_with_or_without_with_and_without_repeats() -> None:
    """Mentions before the notes are colleagues in order; a mention in the notes stays text."""
    command = parse("Jane phone <@U1|sam> and <@U2> with <@U1>: thanks to <@U3>")
    assert command.colleagues == ("U1", "U2")
    assert command.notes == "thanks to <@U3>"


def test_tags_anywhere_are_lowercased_deduplicated_and_taken_out_of_the_notes() -> None:
    """Tags read in the head and the notes alike."""
    command = parse("#Client Jane phone #follow-up: sent the deck #CLIENT today.")
    assert command.tags == ("client", "follow-up")
    assert command.notes == "sent the deck today."


def test_channel_links_and_numbers_are_not_tags() -> None:
    """`<#C123|general>` is a Slack channel and "#1" a rank; both stay in the notes."""
    command = parse("Jane phone: posted in <#C123|general>, our #1 lead")
    assert command.tags == ()
    assert command.notes == "posted in <#C123|general>, our #1 lead"


# Help ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [("help", True), (" HELP ", True), ("?", True), ("Jane phone", False)])
def test_help_is_recognised(text: str, expected: bool) -> None:
    """`/logcall help` shows the usage instead of logging a contact called Help."""
    assert is_help(text) is expected


def test_every_example_in_the_usage_text_parses() -> None:
    """The usage shows 4 to 6 examples, and each one is read without error."""
    examples = re.findall(r"^• `/logcall (.+)`$", LOGCALL_USAGE, flags=re.MULTILINE)
    assert 4 <= len(examples) <= 6
    for example in examples:
        parse(example.replace("@Sam", "<@U0SAM>"))


# Refusals -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n "])
def test_empty_text_says_how_to_use_the_command(text: str) -> None:
    """Blank text gets an example, not a shrug."""
    assert "/logcall Jane Doe (ACME) phone yesterday" in refusal(text)


def test_text_over_3000_characters_is_refused() -> None:
    """A runaway paste is refused with the limit and the form as a way out."""
    message = refusal("Jane phone: " + "x" * 3000)
    assert "3,000" in message
    assert "form" in message


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("<@U123>", "@mentions are for colleagues"),
        ("phone yesterday Jane", "“phone” as a keyword, so I found no contact"),
        ("#prospect: met at a fair", "Who did you talk to?"),
        ("(ACME) phone", "Who at ACME?"),
    ],
)
def test_text_without_a_contact_is_refused(text: str, hint: str) -> None:
    """A mention alone, a leading channel word, or a company alone names nobody."""
    assert hint in refusal(text)


def test_a_contact_name_over_120_characters_is_refused() -> None:
    """A name that long is probably notes that lost their colon."""
    assert "too long for a name" in refusal("Jane " + "Doe " * 40 + "phone")


def test_an_unknown_channel_word_is_named_with_the_channels() -> None:
    """ "fax" ends the who-part in lowercase, so the reply says it is not a channel."""
    message = refusal("Jane Doe fax yesterday")
    assert message.startswith("“fax” is not a channel I know.")
    assert "in person" in message
    assert "social" in message


def test_a_missing_channel_lists_the_channels() -> None:
    """Without any channel word, the reply asks how they talked."""
    assert refusal("Jane Doe yesterday").startswith("How did you talk? Add a channel: in person")


def test_two_different_channels_are_refused() -> None:
    """ "phone" and "zoom" contradict each other."""
    assert refusal("Jane phone zoom") == "You gave two channels, “phone” and “zoom”: pick one."


def test_two_different_initiators_are_refused() -> None:
    """ "me" and "they called" contradict each other."""
    assert "who reached out first?" in refusal("Jane phone me they called")


def test_an_unreadable_date_is_quoted() -> None:
    """Every leftover word is part of the date, so a typo is shown back."""
    assert refusal("Jane Doe phone yesterdya") == "I couldn't read “yesterdya” as a date or time."


def test_a_future_date_is_refused_with_how_to_schedule_a_meeting() -> None:
    """A plain future date is refused: /logcall records what happened, and the reply says how to schedule."""
    message = refusal("Jane phone Dec 25")
    assert "is in the future" in message and "next tue 3pm" in message


@pytest.mark.parametrize(
    ("when", "expected", "time_given"),
    [
        ("tomorrow 10am", datetime(2026, 11, 23, 10, 0), True),
        ("next tue 3pm", datetime(2026, 11, 24, 15, 0), True),
        ("next sun", datetime(2026, 11, 29, 9, 0), False),
        ("in 3 days at 10am", datetime(2026, 11, 25, 10, 0), True),
        ("in 2 hours", datetime(2026, 11, 22, 12, 0), True),
    ],
)
def test_an_upcoming_date_schedules_the_next_meeting(when: str, expected: datetime, time_given: bool) -> None:
    """“next tue 3pm”, “tomorrow”, “in 3 days”: the next meeting, in the member's zone (09:00 if no time)."""
    command = parse_logcall(f"Jane Doe video {when}", NOW, PARIS)
    assert command.scheduled
    assert command.occurred_at == expected.replace(tzinfo=PARIS) and command.time_given is time_given


def test_in_person_is_still_a_channel_next_to_in_three_days() -> None:
    """“in person in 3 days”: the first “in” is the channel, the second the date."""
    command = parse_logcall("Jane Doe in person in 3 days", NOW, PARIS)
    assert command.channel is Channel.IN_PERSON and command.scheduled


def test_a_past_time_said_as_upcoming_is_refused() -> None:
    """“in 0 hours” is not to come: the reply says the time has passed."""
    assert "already passed" in refusal("Jane phone in 0 hours")


@pytest.mark.parametrize("duration", ["25 hours", "1500 min"])
def test_a_duration_over_24_hours_is_refused(duration: str) -> None:
    """Nothing logged lasts longer than a day."""
    assert "longer than a day" in refusal(f"Jane phone {duration}")


def test_with_must_be_followed_by_a_mention() -> None:
    """A plain name after "with" is not a Slack user, so the reply asks for a mention."""
    assert "@ menu" in refusal("Jane phone with Bob")


def test_a_company_after_the_descriptors_is_refused() -> None:
    """The company goes right after the name, where it cannot be mistaken for a date."""
    assert "right after the name" in refusal("Jane phone yesterday at ACME")


# The form's fields share the grammar's rules ------------------------------------------------------


def test_the_forms_contacts_field_reads_like_the_who_part_but_without_keywords() -> None:
    """In the form every word is a name, and the company field fills the gaps."""
    assert split_contacts("Will Call, Jane (ACME)", "Globex") == (
        ContactRef("Will Call", "Globex"),
        ContactRef("Jane", "ACME"),
    )
    with pytest.raises(UsageError):
        split_contacts("  ")


def test_the_forms_tags_field_takes_tags_with_or_without_hash() -> None:
    """Commas or spaces separate tags; they are lowercased and deduplicated."""
    assert parse_tags("client, #Close-friend #client") == ("client", "close-friend")


# Numbers past any bound ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        "9" * 300 + " min",
        "9" * 400 + "h",
        "1." + "9" * 400 + "h",
        "0" + "9" * 100 + "h",
        "3000000000 days ago",
        "3000000000 hours ago",
        "99999999999 weeks ago",
        "9999 months ago",
        "in 3000000000 days",
        "in 99999999999999 hours",
        "Nov 20 99999",
        "99999-11-20",
        "11/20/99999",
        "Jan 1 1200",
        "9" * 2000 + " days ago",
    ],
)
def test_a_number_past_any_bound_is_a_short_friendly_refusal(when: str) -> None:
    """Huge counts, durations and years are refused with a UsageError (the usage follows), never an overflow."""
    with pytest.raises(UsageError) as raised:
        parse(f"Jane Doe phone {when}")
    assert raised.value.usage is Usage.LOGCALL
    assert len(error_text(raised.value)) < 300


# Values too long for their columns ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane Doe (" + "C" * 256 + ") phone", "A company name goes up to 255 characters."),
        ("Jane Doe @ " + "C" * 256 + " phone", "A company name goes up to 255 characters."),
        ("Jane Doe phone #" + "t" * 65, "A tag goes up to 64 characters."),
        ("Jane Doe phone: notes #" + "t" * 65, "A tag goes up to 64 characters."),
    ],
)
def test_a_company_or_a_tag_too_long_for_its_column_is_refused_naming_it(text: str, expected: str) -> None:
    """The limits are the columns' (255 for a company, 64 for a tag), told with the field's name."""
    assert refusal(text) == expected


def test_the_form_fields_are_held_to_the_same_limits() -> None:
    """split_contacts and parse_tags, which read the form's fields, refuse the same values."""
    with pytest.raises(UsageError, match="A company name goes up to 255"):
        split_contacts("Jane Doe", "C" * 256)
    with pytest.raises(UsageError, match="A tag goes up to 64"):
        parse_tags("client, " + "t" * 65)
    assert parse_tags("t" * 64) == ("t" * 64,)
