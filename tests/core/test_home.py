"""What the App Home lists, and in what order, on the fakes (no database).

How the lists are worded is tested in tests/core/test_home_view.py; the Home through Slack (published,
paged with its buttons, filtered by its picker) in tests/slack/test_home.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest

from models.core.graph import BRIDGE, LOCAL_BRIDGE, Brokerage
from models.core.nudges import DigestSettings, Frequency, NudgeKind
from models.core.values import Actor
from models.db.orm import Member, Workspace
from models.home.service import PAGE, AccountLine, CalendarShown, Gap, Home, Section, home
from tests.fakes import FakeDatabase, FakeUnitOfWork, World

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
ME = Actor(team_id="T1", user_id="U1")


@dataclass
class Scene:
    world: World
    workspace: Workspace
    me: Member
    sam: Member
    uow: FakeUnitOfWork

    def home(self, pages: dict[str, int] | None = None, tag: str | None = None) -> Home:
        return home(self.uow, ME, NOW, pages, tag)


@pytest.fixture
def scene(fake_db: FakeDatabase, fake_uow: FakeUnitOfWork) -> Scene:
    world = World(fake_db, NOW)
    workspace = world.workspace("T1")
    me = world.member(workspace, "U1", time_zone="Europe/Paris")
    return Scene(world, workspace, me, world.member(workspace, "U2"), fake_uow)


def names(section: Section) -> list[str]:
    return [line.person.name for line in section.lines]


def test_gaps_list_the_key_contacts_strongest_first_with_what_is_still_unknown(scene: Scene) -> None:
    """Each relationship names what nobody told yet: title, role, appreciation, network; a contact known
    in full is not listed, and reach (no interaction) is not a key contact."""
    w, here = scene.world, scene.workspace
    jane = w.contact(here, "Jane Doe", job_title="CFO")
    raj = w.contact(here, "Raj Patel")
    known = w.contact(here, "Kim Known", job_title="CTO", responsibilities="the platform")
    w.tie(scene.me, jane, 0.5, appreciation="good")
    w.tie(scene.me, raj, 0.7, knows_responsibilities=True, appreciation="unknown", overlap_share=0.2)
    w.tie(scene.me, known, 0.9, appreciation="bad", overlap_share=0.1)
    w.tie(scene.me, w.contact(here, "Rita Reach"), 0.1, interactions=0, days_ago=None)
    gaps = scene.home().gaps
    assert [(line.person.name, line.gaps) for line in gaps.lines] == [
        ("Raj Patel", (Gap.JOB_TITLE, Gap.APPRECIATION)),
        ("Jane Doe", (Gap.RESPONSIBILITIES, Gap.NETWORK)),
    ]


def test_accounts_to_build_are_the_members_companies_where_nobody_is_known_well_weakest_first(scene: Scene) -> None:
    """At ACME a colleague knows Jane well: not listed. At Globex and Initech the best tie is weak."""
    w, here = scene.world, scene.workspace
    acme, globex, initech = (w.account(here, name) for name in ("ACME", "Globex", "Initech"))
    jane = w.contact(here, "Jane Doe", acme)
    w.tie(scene.me, jane, 0.1)
    w.tie(scene.sam, jane, 0.8)
    w.tie(scene.me, w.contact(here, "Li Wei", globex), 0.2)
    bo, cy = w.contact(here, "Bo Brown", initech), w.contact(here, "Cy Cole", initech)
    w.tie(scene.me, bo, 0.1)
    w.tie(scene.sam, cy, 0.15)
    assert scene.home().accounts_to_build == (AccountLine("Initech", 2, 0.15), AccountLine("Globex", 1, 0.2))


def test_bridges_and_the_members_position_come_from_the_last_structure_computed(scene: Scene) -> None:
    """Ties flagged a bridge or a local bridge are listed, strongest first ("only way in" is a route's
    badge, not a bridge); the brokerage is the one stored, none before the first computation."""
    w, here = scene.world, scene.workspace
    w.tie(scene.me, w.contact(here, "Ann Ames"), 0.3, bridge=LOCAL_BRIDGE)
    w.tie(scene.me, w.contact(here, "Bo Berg"), 0.6, bridge=BRIDGE)
    w.tie(scene.me, w.contact(here, "Cy Cole"), 0.9, bridge="only_way_in")
    first = scene.home()
    assert [(line.person.name, line.bridge) for line in first.bridges.lines] == [
        ("Bo Berg", BRIDGE),
        ("Ann Ames", LOCAL_BRIDGE),
    ]
    assert first.brokerage is None
    w.brokerage(scene.me, degree=3, effective_size=2.5, constraint=0.3, bridges=2)
    assert scene.home().brokerage == Brokerage(degree=3, effective_size=2.5, constraint=0.3)


def test_intermediaries_are_good_ties_to_people_who_know_others_the_widest_reach_first(scene: Scene) -> None:
    """Strength × how many others they are known to know; a weak tie or someone who knows nobody is left out."""
    w, here = scene.world, scene.workspace
    hub, pair, weak, alone = (w.contact(here, name) for name in ("Hana Hub", "Pia Pair", "Wes Weak", "Al Alone"))
    others = [w.contact(here, f"Other {n}") for n in range(4)]
    w.tie(scene.me, hub, 0.4)
    w.tie(scene.me, pair, 0.9)
    w.tie(scene.me, weak, 0.2)
    w.tie(scene.me, alone, 0.9)
    for other in others:
        w.link(hub, other)
    w.link(pair, others[0])
    w.link(weak, others[1], kind="introduction")
    listed = scene.home().intermediaries.lines
    assert [(line.person.name, line.knows) for line in listed] == [("Hana Hub", 4), ("Pia Pair", 1)]


def test_top_relationships_go_by_score_then_strength_and_reach_is_counted_apart(scene: Scene) -> None:
    """Top: the highest score first, the stronger tie between equal scores; contacts never talked to are reach."""
    w, here = scene.world, scene.workspace
    w.tie(scene.me, w.contact(here, "Ann Ames"), 0.4, score_total=6)
    w.tie(scene.me, w.contact(here, "Bo Berg"), 0.8, score_total=6)
    w.tie(scene.me, w.contact(here, "Cy Cole"), 0.9, score_total=2)
    w.tie(scene.me, w.contact(here, "Di Dunn"), 0.9)
    for name in ("Ed Earl", "Flo Fry"):
        w.tie(scene.me, w.contact(here, name), 0.0, interactions=0, days_ago=None)
    dashboard = scene.home()
    assert names(dashboard.top) == ["Bo Berg", "Ann Ames", "Cy Cole", "Di Dunn"]
    assert (dashboard.relationships, dashboard.reach) == (4, 2)


def test_neglected_and_one_sided_relationships_are_those_the_digest_would_name(scene: Scene) -> None:
    """The digest's own rules, with the member's cadences: Jane (#client, every 30 days) is overdue, Raj
    only ever calls when he needs something; both listed strongest first, each with its nudge."""
    w, here = scene.world, scene.workspace
    jane, raj, li = (w.contact(here, name) for name in ("Jane Doe", "Raj Patel", "Li Wei"))
    w.tag(jane, "client")
    w.cadence(scene.me, "client", 30)
    w.tie(scene.me, jane, 0.5, days_ago=45)
    kept = {"initiatives_as_of": NOW - timedelta(days=1)}
    w.tie(scene.me, raj, 0.4, days_ago=5, initiated_by_them=5, **kept)
    w.tie(scene.me, li, 0.6, days_ago=5, initiated_by_me=2, initiated_by_them=2, **kept)
    dashboard = scene.home()
    neglected, one_sided = dashboard.neglected.lines, dashboard.one_sided.lines
    assert [(line.person.name, line.nudge and line.nudge.kind) for line in neglected] == [
        ("Jane Doe", NudgeKind.NEGLECTED)
    ]
    assert [(line.person.name, line.nudge and line.nudge.kind) for line in one_sided] == [
        ("Raj Patel", NudgeKind.ONE_SIDED)
    ]
    assert dashboard.settings.cadences == {"client": 30}


def test_messengers_are_the_best_routes_to_people_known_to_be_concerned(scene: Scene) -> None:
    """People a meeting marked concerned, each with their best route, the likeliest first; nobody
    concerned whom no route reaches."""
    w, here = scene.world, scene.workspace
    acme = w.account(here, "ACME")
    jane, raj, zed = w.contact(here, "Jane Doe", acme), w.contact(here, "Raj Patel"), w.contact(here, "Zed Zero")
    w.tie(scene.sam, jane, 0.5)
    w.tie(scene.me, raj, 0.4)
    w.meeting(scene.me, [jane, raj, zed], concerned=[jane, raj, zed])
    messengers = scene.home().messengers
    assert [(person.name, route.chance) for person, route in messengers] == [
        ("Raj Patel", pytest.approx(0.4)),
        ("Jane Doe", pytest.approx(0.6 * 0.5)),
    ]
    assert messengers[1][1].intermediary is not None and messengers[1][1].intermediary.slack_user_id == "U2"


def test_the_settings_shown_are_the_members_own(scene: Scene) -> None:
    """Digest timing in their zone, briefing lead, the calendar's host only, and their private ties."""
    w, here = scene.world, scene.workspace
    scene.me.nudge_frequency, scene.me.nudge_time, scene.me.nudge_days = "weekly", "08:30", "tue"
    scene.me.briefing_lead_minutes = 45
    w.feed(scene.me, url="https://calendar.google.com/calendar/ical/secret-token/basic.ics")
    w.tie(scene.me, w.contact(here, "Pat Private"), 0.5, private=True)
    w.tie(scene.me, w.contact(here, "Ola Open"), 0.5)
    settings = scene.home().settings
    assert settings.digest == DigestSettings(
        time_zone="Europe/Paris", frequency=Frequency.WEEKLY, local_time=time(8, 30), days=("tue",)
    )
    assert settings.briefing_lead_minutes == 45
    assert settings.calendar == CalendarShown("https://calendar.google.com/…")
    assert [person.name for person in settings.private_ties] == ["Pat Private"]


def test_an_uploaded_calendar_has_no_address_to_show_and_no_calendar_shows_none(scene: Scene) -> None:
    """A calendar file uploaded: shown without an address; a colleague with no calendar: none."""
    scene.world.feed(scene.me, ics_text="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert scene.home().settings.calendar == CalendarShown(None)
    assert home(scene.uow, Actor("T1", "U2"), NOW).settings.calendar is None


def test_a_tag_keeps_every_list_to_the_contacts_that_carry_it_and_every_tag_is_offered(scene: Scene) -> None:
    """Filtered by #client: only Jane, in every list; the filter still offers each tag in use."""
    w, here = scene.world, scene.workspace
    jane, raj = w.contact(here, "Jane Doe"), w.contact(here, "Raj Patel")
    w.tag(jane, "client")
    w.tag(raj, "friend", "golf")
    w.tie(scene.me, jane, 0.5)
    w.tie(scene.me, raj, 0.6)
    everyone, clients = scene.home(), scene.home(tag="client")
    assert names(everyone.top) == ["Raj Patel", "Jane Doe"] and everyone.tags == ("client", "friend", "golf")
    assert names(clients.top) == names(clients.gaps) == ["Jane Doe"]
    assert (clients.tag, clients.tags, clients.relationships) == ("client", ("client", "friend", "golf"), 1)


def test_each_list_comes_a_page_at_a_time(scene: Scene) -> None:
    """Seven relationships: five on the first page of each list, the other two on the second, no third."""
    w, here = scene.world, scene.workspace
    people = ["Ann Ames", "Bo Berg", "Cy Cole", "Di Dunn", "Ed Earl", "Flo Fry", "Gus Gale"]
    for rank, name in enumerate(people):
        w.tie(scene.me, w.contact(here, name), 0.9 - rank * 0.1, score_total=7 - rank)
    first, second = scene.home(), scene.home(pages={"top": 1})
    assert (names(first.top), first.top.page, first.top.has_more) == (people[:PAGE], 0, True)
    assert (names(second.top), second.top.page, second.top.has_more) == (people[PAGE:], 1, False)
    assert names(second.gaps) == people[:PAGE]  # each list keeps its own page
    assert scene.home(pages={"top": -3}).top.page == 0
