"""Text from people and outsiders is shown as text: never a live @channel, a disguised link or a mention.

Names, companies, titles, notes, introduction requests, calendar invitations and imported files all
reach Block Kit. Each view is rendered here with hostile values, sent to the Slack stand-in, and
every mrkdwn text it received is searched for `<…>` the app did not write itself.
"""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine, select, update

from bot.standin import SlackStandIn
from handlers.delivery.sender import slack_sender
from handlers.kit.deps import Deps
from models.briefings.feeds import FeedReaders, sync_all_feeds
from models.briefings.service import compose_briefings
from models.db.orm import CalendarFeed, Contact, Member
from models.db.repository import WorkspaceRepository
from models.db.uow import UnitOfWork
from models.delivery.outbox import deliver_pending
from models.nudges.digests import compose_due
from tests.form_answers import answers, file_input, static_select
from tests.slack.test_home import open_home, published
from tests.slack_driver import BOT_TOKEN, Clock, SlackDriver, button, flatten, live_markup, live_markup_in

SELLER, COLLEAGUE = "U0SELLER1", "U0SELLER2"
#: As Slack sends a slash command's text: `&`, `<` and `>` escaped (the grammar reads them back).
NAME = "Mallory &lt;!channel&gt;"
COMPANY = "Evil &amp; Co &lt;!here&gt;"
NOTES = "see &lt;https://evil.example/sso|Jane Doe&gt; and &lt;@U0BOSS&gt;"
TITLE = "<https://evil.example/login|Head of IT>"
EVENT = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Hostile//EN",
        "BEGIN:VEVENT",
        "UID:hostile-1@evil.example",
        "DTSTAMP:20261120T090000Z",
        "DTSTART:20261124T140000Z",
        "DTEND:20261124T150000Z",
        "SUMMARY:<!channel> Quarterly review <https://evil.example|agenda>",
        'ORGANIZER;CN="<!everyone> Olga":mailto:olga@outsider.example',
        'ATTENDEE;CN="<https://evil.example|Olga>":mailto:olga@outsider.example',
        "ATTENDEE;CN=Seller:mailto:seller@acme-sales.example",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
)
LINKEDIN = (
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    '<!here>,Zed,,,"<https://evil.example|Globex>",<!subteam^S123>,12 Mar 2021\n'
)


def test_hostile_names_notes_and_companies_are_shown_literally_in_replies_routes_and_the_home_tab(
    slack: SlackDriver, standin: SlackStandIn, db: Engine
) -> None:
    """/logcall, /whoknows (a person, a company, nobody), an introduction request, the rating form and the
    Home tab all show `<!channel>` and `<https://…|…>` as the characters typed, never as markup."""
    logged = slack.command(f"{NAME} ({COMPANY}) phone yesterday: {NOTES}", user=COLLEAGUE)
    assert "Mallory <!channel>" in logged.text and "<https://evil.example/sso|Jane Doe>" in logged.text
    with db.connect() as connection:
        connection.execute(update(Contact).values(job_title=TITLE))
        connection.commit()

    routes = slack.command("Mallory &lt;!channel&gt;", command="/whoknows", user=SELLER)
    assert "Routes to Mallory <!channel>" in routes.text and f"<@{COLLEAGUE}>" in routes.text
    company = slack.command("Evil &amp; Co &lt;!here&gt;", command="/whoknows", user=SELLER)
    assert "Evil & Co <!here>" in company.text
    nobody = slack.command("&lt;!everyone&gt; Nobody", command="/whoknows", user=SELLER)
    assert "<!everyone> Nobody" in nobody.text

    slack.press(button(routes.last, "Ask"), user=SELLER)
    request = "Could you introduce me? &lt;!channel&gt; <https://evil.example|read this> &amp; thanks"
    slack.submit(slack.opened_view(), answers(message=request))
    dm = standin.calls_to("chat.postMessage")[-1].args
    assert dm["channel"] == COLLEAGUE and "<https://evil.example|read this>" in flatten(dm)

    slack.press(button(logged.last, "Rate this relationship"), user=COLLEAGUE)
    assert "Mallory <!channel>" in flatten(slack.opened_view())
    open_home(slack, COLLEAGUE)
    assert "Mallory <!channel>" in flatten(published(standin))

    assert live_markup_in(standin) == []


def test_a_hostile_calendar_invitation_and_import_file_reach_briefings_digests_and_prep_as_text(
    slack: SlackDriver, standin: SlackStandIn, uow: UnitOfWork, clock: Clock, db: Engine
) -> None:
    """An outsider's event title and display name, and an imported file's names and companies, are
    shown literally in the briefing DM, `/prep`, the digest DM and the import report."""
    slack.command("Jane Doe (ACME) phone 130 days ago", user=SELLER)  # overdue: a digest item
    with uow:
        repo = WorkspaceRepository.for_team(uow.session, "T0TEAM1")
        member = repo.get_or_create_member(SELLER)
        member.email = "seller@acme-sales.example"
        uow.session.add(CalendarFeed(workspace_id=member.workspace_id, member_id=member.id, ics_text=EVENT))
        uow.commit()
    sync_all_feeds(uow.fresh, FeedReaders(), clock)
    sender = slack_sender(WebClient(token=BOT_TOKEN, base_url=standin.base_url), Deps(uow=uow.fresh, clock=clock))
    clock.now = datetime(2026, 11, 24, 13, 30, tzinfo=UTC)  # the briefing is due 30 minutes before
    compose_briefings(uow, clock.now)
    deliver_pending(uow, sender, clock.now, "w1")
    briefing = flatten(standin.calls_to("chat.postMessage")[-1].args)
    assert "<!channel> Quarterly review <https://evil.example|agenda>" in briefing
    assert "<!everyone> Olga" in briefing

    prep = slack.command("olga", command="/prep", user=SELLER)
    assert "<!everyone> Olga" in prep.text

    slack.press({"action_id": "home_import", "value": "import"}, user=SELLER)
    upload = standin.add_file(LINKEDIN.encode(), "Connections.csv")
    values = answers(kind=static_select("linkedin"), file=file_input(upload))
    slack.submit(slack.opened_view(), values, user=SELLER)
    with db.connect() as connection:
        assert connection.scalar(select(Contact.name).where(Contact.name.like("%Zed%"))) == "<!here> Zed"

    clock.now = datetime(2026, 11, 30, 8, 5, tzinfo=UTC)  # Monday 09:05 in Paris: the digest is due
    with db.connect() as connection:
        connection.execute(update(Member).values(time_zone="Europe/Paris", profile_fetched_at=clock.now))
        connection.commit()
    compose_due(uow, clock.now)
    deliver_pending(uow, sender, clock.now, "w1")
    digest = standin.calls_to("chat.postMessage")[-1].args
    assert "Jane Doe" in flatten(digest)

    assert [problem for call in standin.calls_to("chat.postMessage") for problem in live_markup(call.args)] == []
    assert live_markup_in(standin) == []


def test_an_ampersand_is_escaped_once_and_reads_as_typed(slack: SlackDriver) -> None:
    """A plain `/logcall` with an ampersand reads as typed: `&` is escaped once for Slack, never twice."""
    reply = slack.command("Jane Doe (AT&amp;T Labs) coffee today: Q&amp;A next week")
    assert "Jane Doe (AT&T Labs)" in reply.text and "Q&A next week" in reply.text
    assert "&amp;amp;" not in str(reply.last) and "AT&amp;T Labs" in str(reply.last)
