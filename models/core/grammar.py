"""Reading `/logcall` text into a LogCallCommand: who, how, when, how long, who reached out, tags, notes.

    /logcall <who> [<channel>] [<when>] [<duration>] [<initiator>] [with @colleague ...] [#tag ...] [: notes]

The text is cut into tokens. The who-part runs up to the first token that starts a descriptor;
every token after it must be a descriptor, and the tokens no other descriptor claims are read
together as the date. Notes follow the first `:` that is not part of a time such as 12:30.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from zoneinfo import ZoneInfo

from models.core.dates import is_upcoming_phrase, parse_duration, parse_upcoming, parse_when, starts_date_phrase
from models.core.errors import Misread, MisreadCommand, Usage, UsageError
from models.core.limits import COMPANY_NAME, CONTACT_NAME, TAG
from models.core.values import Channel, ContactRef, Initiator, LogCallCommand

MAX_TEXT_LENGTH = 3000
MAX_NAME_LENGTH = 120
MAX_DURATION_MINUTES = 24 * 60

CHANNEL_WORDS: dict[Channel, tuple[str, ...]] = {
    Channel.IN_PERSON: (
        "in person", "in-person", "f2f", "face to face", "face-to-face", "meeting", "met",
        "lunch", "dinner", "coffee", "breakfast", "drinks", "visit", "onsite",
    ),
    Channel.VIDEO: (
        "video", "video call", "zoom", "zoom call", "teams", "teams call", "google meet", "meet", "gmeet",
        "webex", "facetime", "facetime call", "skype", "skype call", "skyped", "whatsapp video",
    ),
    Channel.PHONE: ("phone", "phone call", "call", "called", "voice call", "rang", "whatsapp call"),
    Channel.EMAIL: ("email", "e-mail", "mail", "emailed"),
    Channel.CHAT: ("chat", "slack", "whatsapp", "sms", "text", "texted", "dm"),
    Channel.SOCIAL: ("social", "social message", "linkedin", "inmail"),
}  # fmt: skip
INITIATOR_WORDS: dict[Initiator, tuple[str, ...]] = {
    Initiator.ME: ("me", "i called", "i reached out", "i initiated", "outbound", "by me"),
    Initiator.THEM: (
        "them", "they", "they called", "they reached out", "they initiated",
        "inbound", "by them", "they emailed",
    ),
}  # fmt: skip
# Said without a channel word, these also tell the channel.
_IMPLIED_CHANNELS = {
    "i called": Channel.PHONE,
    "they called": Channel.PHONE,
    "they emailed": Channel.EMAIL,
}
#: The channels, as a reply that asks for one lists them.
CHANNEL_CHOICES = (
    "in person (meeting, lunch, coffee…), video (zoom, teams, skype…), phone (call), email, "
    "chat (slack, whatsapp, sms…) or social (linkedin)"
)

_TOKEN = re.compile(
    r"""
      (?P<mention><@(?P<user_id>[UW][A-Z0-9]+)(?:\|[^>]*)?>)
    | "(?P<quoted>[^"]*)"
    | “(?P<curly_quoted>[^”]*)”
    | \((?P<company>[^)]*)\)
    | (?P<comma>,)
    | (?P<word>[^\s,()"“”]+)
    """,
    re.VERBOSE,
)
_NOTES_SEPARATOR = re.compile(r"(?<!\d):|:(?!\d)")  # a colon, unless between digits (12:30)
# A tag has at least one letter ("#1" stays text); `<#C123|general>` is a channel link.
_TAG_WORD = re.compile(r"[\w-]*[^\W\d_][\w-]*")
_TAG = re.compile(rf"(?<![\w<#&/])#(?P<tag>{_TAG_WORD.pattern})")


class _Kind(Enum):
    WORD = "word"
    QUOTED = "quoted"
    COMPANY = "company"
    COMMA = "comma"
    MENTION = "mention"


_TOKEN_KINDS: dict[str, _Kind] = {
    "mention": _Kind.MENTION,
    "quoted": _Kind.QUOTED,
    "curly_quoted": _Kind.QUOTED,
    "company": _Kind.COMPANY,
    "comma": _Kind.COMMA,
    "word": _Kind.WORD,
}


@dataclass(frozen=True)
class _Token:
    kind: _Kind
    text: str

    @property
    def key(self) -> str:
        """The word lowercased for keyword matching; quotes and brackets never match."""
        return self.text.lower() if self.kind is _Kind.WORD else ""


@dataclass(frozen=True)
class _Meaning:
    """What a keyword phrase says: a channel, or who reached out (which may imply a channel)."""

    channel: Channel | None = None
    initiator: Initiator | None = None
    implied_channel: Channel | None = None


def _keyword_phrases() -> dict[tuple[str, ...], _Meaning]:
    phrases: dict[tuple[str, ...], _Meaning] = {}
    for channel, channel_phrases in CHANNEL_WORDS.items():
        for phrase in channel_phrases:
            phrases[tuple(phrase.split())] = _Meaning(channel=channel)
    for initiator, initiator_phrases in INITIATOR_WORDS.items():
        for phrase in initiator_phrases:
            implied = _IMPLIED_CHANNELS.get(phrase)
            phrases[tuple(phrase.split())] = _Meaning(initiator=initiator, implied_channel=implied)
    return phrases


_KEYWORDS = _keyword_phrases()
_LONGEST_KEYWORD = max(len(phrase) for phrase in _KEYWORDS)


@dataclass
class _Descriptors:
    """What the words after the who-part said, each with the words as typed (for error messages)."""

    channels: dict[Channel, str] = field(default_factory=dict)
    implied_channel: Channel | None = None
    initiators: dict[Initiator, str] = field(default_factory=dict)
    durations: list[tuple[int, str]] = field(default_factory=list)
    colleagues: list[str] = field(default_factory=list)
    date_words: list[str] = field(default_factory=list)


def parse_logcall(text: str, now: datetime, tz: ZoneInfo) -> LogCallCommand:
    """Read `/logcall` text; raises UsageError with a friendly message when it cannot be read."""
    text = _unescape(text).strip()
    _check_length(text)
    head, notes = _split_notes(text)
    tags = _fitting_tags(match["tag"].lower() for match in _TAG.finditer(f"{head} {notes}"))
    tokens = _tokenise(_TAG.sub(" ", head))
    who_end = _end_of_who(tokens)
    contacts = _fitting_contacts(_read_contacts(tokens[:who_end]))
    if not contacts:
        raise _no_contact(tokens)
    found = _read_descriptors(tokens[who_end:])
    channel = _choose_channel(found, tokens[:who_end])
    scheduled = is_upcoming_phrase([word.lower() for word in found.date_words])
    occurred_at, time_given = _read_when(found.date_words, now, tz, scheduled)
    return LogCallCommand(
        contacts=contacts,
        channel=channel,
        occurred_at=occurred_at,
        time_given=time_given,
        initiator=_choose_initiator(found),
        duration_minutes=_choose_duration(found),
        colleagues=tuple(dict.fromkeys(found.colleagues)),
        tags=tags,
        notes=_tidy_notes(_TAG.sub("", notes)),
        scheduled=scheduled,
    )


def split_contacts(text: str, company: str | None = None) -> tuple[ContactRef, ...]:
    """The contacts typed in the form's field ("Jane Doe (ACME), Raj Patel"); `company` fills the gaps.

    Same rules as the who-part of the command, but every word is a name: there are no keywords here.
    """
    contacts = _read_contacts(_tokenise(_unescape(text)))
    if not contacts:
        raise UsageError("Who did you talk to? Give at least one name.", Usage.LOGCALL)
    shared = " ".join(company.split()) if company else None
    return _fitting_contacts(tuple(ContactRef(contact.name, contact.company or shared) for contact in contacts))


def parse_tags(text: str) -> tuple[str, ...]:
    """Tags typed in the form's field, with or without `#`: "client, #Close-friend" → ("client", "close-friend")."""
    words = (word.removeprefix("#").lower() for word in re.split(r"[\s,]+", _unescape(text)))
    return _fitting_tags(word for word in words if _TAG_WORD.fullmatch(word))


def _fitting_contacts(contacts: tuple[ContactRef, ...]) -> tuple[ContactRef, ...]:
    """The contacts, once each name and company is known to fit its column (else a UsageError naming which)."""
    for contact in contacts:
        CONTACT_NAME.check(contact.name, Usage.LOGCALL)
        if contact.company:
            COMPANY_NAME.check(contact.company, Usage.LOGCALL)
    return contacts


def _fitting_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """The tags once each, in order, once each is known to fit its column."""
    return tuple(dict.fromkeys(TAG.check(tag, Usage.LOGCALL) for tag in tags))


def _unescape(text: str) -> str:
    """Undo the three escapes Slack applies to command text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _check_length(text: str) -> None:
    if not text:
        raise MisreadCommand(Misread.NOTHING_TYPED)
    if len(text) > MAX_TEXT_LENGTH:
        raise MisreadCommand(Misread.TOO_LONG, length=len(text), limit=MAX_TEXT_LENGTH)


def _split_notes(text: str) -> tuple[str, str]:
    separator = _NOTES_SEPARATOR.search(text)
    if separator is None:
        return text, ""
    return text[: separator.start()], text[separator.end() :]


def _tidy_notes(notes: str) -> str:
    notes = re.sub(r"[ \t]+", " ", notes)
    return re.sub(r" ([.,;!?])", r"\1", notes).strip()


def _tokenise(head: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(head):
        group = match.lastgroup or "word"  # the outermost group closes last: "mention", not "user_id"
        text = match["user_id"] if group == "mention" else match[group]
        tokens.append(_Token(_TOKEN_KINDS[group], text))
    return tokens


def _keys(tokens: list[_Token], start: int, count: int) -> list[str]:
    return [token.key for token in tokens[start : start + count]]


def _end_of_who(tokens: list[_Token]) -> int:
    """Where the who-part ends: at the first token that starts a descriptor."""
    return next(
        (index for index in range(len(tokens)) if _starts_descriptor(tokens, index)),
        len(tokens),
    )


def _starts_descriptor(tokens: list[_Token], index: int) -> bool:
    token = tokens[index]
    return (
        token.kind is _Kind.MENTION
        or token.key == "with"
        or _match_keyword(tokens, index) is not None
        or _match_duration(tokens, index) is not None
        or starts_date_phrase(_keys(tokens, index, 3))
    )


def _match_keyword(tokens: list[_Token], index: int) -> tuple[_Meaning, int] | None:
    """The longest channel or initiator phrase starting at `index`, and its length in tokens."""
    for length in range(_LONGEST_KEYWORD, 0, -1):
        meaning = _KEYWORDS.get(tuple(_keys(tokens, index, length)))
        if meaning is not None:
            return meaning, length
    return None


def _match_duration(tokens: list[_Token], index: int) -> tuple[int, int] | None:
    """The longest duration starting at `index` ("1 hour 30 minutes", "45 min", "1h30"), in minutes."""
    for length in range(4, 0, -1):
        words = _keys(tokens, index, length)
        followed_by_ago = _keys(tokens, index + length, 1) == ["ago"]  # "2 hours ago" is a date
        if len(words) < length or "" in words or followed_by_ago:
            continue
        minutes = parse_duration(" ".join(words))
        if minutes is not None:
            return minutes, length
    return None


def _read_contacts(who: list[_Token]) -> tuple[ContactRef, ...]:
    """Read `Jane Doe (ACME), Raj Patel and Li Wei @ Initech` into contacts."""
    contacts: list[ContactRef] = []
    words: list[str] = []
    company: str | None = None
    for position, token in enumerate(who):
        if _is_company_marker(token):
            _add_contact(contacts, words, company)
            shared = _read_trailing_company(token, who[position + 1 :])
            return tuple(ContactRef(c.name, c.company or shared) for c in contacts)
        if token.kind is _Kind.COMMA or token.key in ("and", "&"):
            _add_contact(contacts, words, company)
            words, company = [], None
        elif token.kind is _Kind.COMPANY:
            company = " ".join(token.text.split()) or None
        else:
            words.append(token.text)
    _add_contact(contacts, words, company)
    return tuple(contacts)


def _add_contact(contacts: list[ContactRef], words: list[str], company: str | None) -> None:
    name = " ".join(" ".join(words).split())
    if not name and company:
        raise UsageError(
            f"Who at {company}? Put the person's name before the company: Jane Doe ({company}).", Usage.LOGCALL
        )
    if len(name) > MAX_NAME_LENGTH:
        raise UsageError(
            f"“{name[:40]}…” is too long for a name (over {MAX_NAME_LENGTH} characters). "
            "Did you forget the `:` before your notes?",
            Usage.LOGCALL,
        )
    contact = ContactRef(name, company)
    if name and contact not in contacts:
        contacts.append(contact)


def _is_company_marker(token: _Token) -> bool:
    return token.key == "at" or token.key.startswith("@")


def _read_trailing_company(marker: _Token, rest: list[_Token]) -> str:
    """The company after `@` or `at`: everything up to the descriptors, "&" and "and" included."""
    if any(token.kind is _Kind.COMPANY or _is_company_marker(token) for token in rest):
        raise MisreadCommand(Misread.COMPANIES_MIXED)
    first = "" if marker.key == "at" else marker.text.removeprefix("@")  # "@ACME" is "@ ACME"
    parts = [first] + [token.text for token in rest]
    company = " ".join(" ".join(parts).replace(" ,", ",").split()).strip(", ")
    if not company:
        raise MisreadCommand(Misread.NO_COMPANY_AFTER_AT)
    return company


def _no_contact(tokens: list[_Token]) -> MisreadCommand:
    if not tokens:
        return MisreadCommand(Misread.NO_CONTACT)
    if tokens[0].kind is _Kind.MENTION:
        return MisreadCommand(Misread.MENTION_FIRST)
    return MisreadCommand(Misread.KEYWORD_FIRST, word=tokens[0].text)


def _read_descriptors(tokens: list[_Token]) -> _Descriptors:
    found = _Descriptors()
    index = 0
    while index < len(tokens):
        index += _read_descriptor(tokens, index, found)
    return found


def _read_descriptor(tokens: list[_Token], index: int, found: _Descriptors) -> int:
    """Record the descriptor that starts at `index`; returns how many tokens it used."""
    token = tokens[index]
    if token.kind is _Kind.MENTION:
        found.colleagues.append(token.text)
        return 1
    if token.kind is _Kind.COMMA or token.key in ("and", "&"):
        return 1
    if token.key == "with":
        _expect_mention_after_with(tokens[index + 1 : index + 2])
        return 1
    if token.kind is _Kind.COMPANY or (token.key in ("at", "@") and not starts_date_phrase(_keys(tokens, index, 3))):
        raise MisreadCommand(Misread.COMPANY_OUT_OF_PLACE)
    if token.key.startswith("@"):
        raise _not_a_mention(token.text)
    keyword = _match_keyword(tokens, index)
    if keyword is not None:
        meaning, length = keyword
        _record_keyword(meaning, " ".join(t.text for t in tokens[index : index + length]), found)
        return length
    if token.key == "in" and is_upcoming_phrase(_keys(tokens, index, 3)):
        found.date_words.extend(t.text for t in tokens[index : index + 3])  # "in 2 hours" is a date, not a duration
        return 3
    duration = _match_duration(tokens, index)
    if duration is not None:
        minutes, length = duration
        found.durations.append((minutes, " ".join(t.text for t in tokens[index : index + length])))
        return length
    found.date_words.append(token.text)
    return 1


def _expect_mention_after_with(following: list[_Token]) -> None:
    if not following:
        raise UsageError("Who else took part? @mention them after “with”, e.g. with @Sam.", Usage.LOGCALL)
    if following[0].kind is not _Kind.MENTION:
        raise _not_a_mention(following[0].text)


def _not_a_mention(word: str) -> UsageError:
    return UsageError(
        f"I can't tell which colleague “{word}” is: pick colleagues from Slack's @ menu "
        "so they become mentions, e.g. with @Sam.",
        Usage.LOGCALL,
    )


def _record_keyword(meaning: _Meaning, typed: str, found: _Descriptors) -> None:
    if meaning.channel is not None:
        found.channels.setdefault(meaning.channel, typed)
    if meaning.initiator is not None:
        found.initiators.setdefault(meaning.initiator, typed)
    if meaning.implied_channel is not None:
        found.implied_channel = found.implied_channel or meaning.implied_channel


def _choose_channel(found: _Descriptors, who: list[_Token]) -> Channel:
    if len(found.channels) > 1:
        first, second = list(found.channels.values())[:2]
        raise UsageError(f"You gave two channels, “{first}” and “{second}”: pick one.", Usage.LOGCALL)
    if found.channels:
        return next(iter(found.channels))
    if found.implied_channel is not None:
        return found.implied_channel
    raise _missing_channel(who)


def _missing_channel(who: list[_Token]) -> UsageError:
    """No channel: if the who-part ends in a lowercase word ("Jane Doe fax"), it was meant as one."""
    last = who[-1]
    if len(who) > 1 and last.kind is _Kind.WORD and last.text.isalpha() and last.text.islower():
        return UsageError(f"“{last.text}” is not a channel I know. Use {CHANNEL_CHOICES}.", Usage.LOGCALL)
    return MisreadCommand(Misread.NO_CHANNEL)


def _choose_initiator(found: _Descriptors) -> Initiator | None:
    if len(found.initiators) > 1:
        first, second = found.initiators.values()
        raise UsageError(f"You said both “{first}” and “{second}”: who reached out first?", Usage.LOGCALL)
    return next(iter(found.initiators), None)


def _choose_duration(found: _Descriptors) -> int | None:
    if not found.durations:
        return None
    if len(found.durations) > 1:
        typed = " and ".join(f"“{words}”" for _, words in found.durations)
        raise UsageError(f"Give one duration, not {typed}.", Usage.LOGCALL)
    minutes, words = found.durations[0]
    if minutes > MAX_DURATION_MINUTES:
        raise UsageError(f"“{words}” is longer than a day: a duration goes up to 24 hours.", Usage.LOGCALL)
    if minutes < 1:
        raise UsageError(f"“{words}” is not a duration: give at least a minute.", Usage.LOGCALL)
    return minutes


def _read_when(date_words: list[str], now: datetime, tz: ZoneInfo, upcoming: bool) -> tuple[datetime, bool]:
    """The date the remaining words give, or now when they give none; upcoming ones for meetings."""
    if upcoming:
        return parse_upcoming(" ".join(date_words), now, tz)
    return parse_when(" ".join(date_words) or "now", now, tz)
