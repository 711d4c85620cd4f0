"""Times the imports on files of realistic size: a LinkedIn export and a CRM's past activities.

    python -m bench.imports [--rows 30000 --interactions 1000000 --members 50 --seed 7
                             --backend sqlite|postgresql|both]

What it does, per database (SQLite in a temporary file; PostgreSQL in a fresh schema of
`TEST_DATABASE_URL`, dropped at the end; by default both, PostgreSQL only when that variable is set):

1. Writes, in a temporary folder, a LinkedIn `Connections.csv` exactly as LinkedIn shapes it (the
   "Notes:" preamble, a UTF-8 BOM, quoted companies and positions with commas, ~70 % of e-mails
   missing, accented names, "12 Mar 2021" dates, a few duplicates and nameless rows), and an
   activities CSV of `--interactions` rows: members by Slack id (and some by e-mail), contacts drawn
   from each member's book (the LinkedIn people and others the import has to create), dates in
   two formats over three years, every channel, directions inbound/outbound/empty, durations.
2. Imports the LinkedIn file for one member through `import_file` (read, match, write, one
   transaction), then the activities file (read, match, record, score every touched tie once),
   timing each, then imports both again and checks that nothing new was written.

Progress goes to stderr; stdout gets one JSON line with the seconds and whether the targets
(30 s for the LinkedIn file, 180 s for the activities) are met.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

from sqlalchemy import Engine, func, select

from bench.common import BACKENDS, backends_to_run, say, scratch_database
from bot.db import make_engine, make_session_factory, migrate
from models.db.orm import Contact, Interaction, Member, Tie, Workspace
from models.db.uow import UnitOfWork
from models.imports.service import import_file
from models.imports.values import ImportReport

TARGET_LINKEDIN_S = 30.0
TARGET_INTERACTIONS_S = 180.0
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
TEAM = "TBENCH"
OWNER = "U000OWNER"

FIRST_NAMES = (
    "Jane", "John", "Élodie", "Jürgen", "José", "Zoë", "Li", "Priya", "Marta", "Tomasz", "Aoife", "Søren",
    "Ana", "Luca", "Chloé", "Mohammed", "Fatima", "Kenji", "Olga", "Pierre", "Sven", "Ingrid", "Raúl", "Hélène",
    "Wei", "Arjun", "Sofia", "Noah", "Emma", "Liam", "Mia", "Lucas", "Léa", "Hugo", "Nina", "Omar", "Yuki",
)  # fmt: skip
LAST_NAMES = (
    "Doe", "Smith", "Lefèvre", "Müller", "Núñez", "O'Brien", "Wei", "Raman", "Kowalska", "Nowak", "Murphy",
    "Jørgensen", "García", "Rossi", "Dubois", "Haddad", "Tanaka", "Ivanova", "Martin", "Berg", "Lindqvist",
    "Fernández", "Moreau", "Chen", "Patel", "Silva", "Schmidt", "Brown", "Wilson", "Nguyen", "Kim", "Costa",
)  # fmt: skip
COMPANY_WORDS = (
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne",
    "Soylent", "Aperture", "Vandelay", "Gringotts", "Oscorp", "Massive", "Dynamic", "Blue", "North", "Nordic",
)  # fmt: skip
SUFFIXES = ("Inc.", "GmbH", "SA", "Ltd", "Group", "Holdings, Inc.", "AG", "BV", "Corp", "SAS")
POSITIONS = (
    "Head of Procurement", "CTO", "VP Sales, EMEA", "Director, Strategic Partnerships", "Buyer",
    "Chief Revenue Officer", "Account Executive", "Engineer, Platform team", "CFO", "Operations Manager",
)  # fmt: skip
CHANNELS = ("Call", "Meeting", "Email", "Video call", "Chat", "LinkedIn message", "Phone call", "Lunch")
DIRECTIONS = ("Outbound", "Inbound", "", "outbound", "inbound")
NOTES_WORDS = ("pricing", "renewal", "pilot", "intro", "follow-up", "demo", "budget", "contract", "referral")


def person(rng: random.Random, index: int) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), f"{rng.choice(LAST_NAMES)}-{index}"


def company(rng: random.Random, count: int) -> str:
    index = min(int(rng.paretovariate(1.2)) - 1, count - 1)
    return f"{COMPANY_WORDS[index % len(COMPANY_WORDS)]} {index} {SUFFIXES[index % len(SUFFIXES)]}"


def write_linkedin(path: Path, rows: int, rng: random.Random) -> list[tuple[str, str]]:
    """The export, and the (name, company) of every connection in it."""
    people: list[tuple[str, str]] = []
    buffer = io.StringIO()
    buffer.write(
        'Notes:\n"When exporting your connection data, you may notice that some of the email addresses are '
        "missing. You will only see email addresses for connections who have allowed their connections to see "
        "or download their email address using this setting https://www.linkedin.com/psettings/privacy/email. "
        'You can learn more here https://www.linkedin.com/help/linkedin/answer/261"\n\n'
    )
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"])
    start = datetime(2012, 1, 1, tzinfo=UTC)
    for index in range(rows):
        first, last = person(rng, index)
        employer = company(rng, rows // 10)
        email = f"{first.lower()}.{index}@{employer.split()[0].lower()}.example" if rng.random() < 0.3 else ""
        day = start + timedelta(days=rng.randrange(5000))
        if index % 997 == 5:
            first = last = ""  # a member who left LinkedIn: no name
        writer.writerow(
            [first, last, f"https://www.linkedin.com/in/p{index}", email, employer, rng.choice(POSITIONS),
             day.strftime("%d %b %Y")]
        )  # fmt: skip
        if first:
            people.append((f"{first} {last}", employer))
        if index % 499 == 7 and first:
            writer.writerow([first, last, f"https://www.linkedin.com/in/p{index}", "", employer, "", ""])
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return people


def write_activities(
    path: Path, count: int, members: list[str], known: list[tuple[str, str]], rng: random.Random
) -> None:
    """A CRM's activities: each member works a book of ~2,000 contacts, some busier than others."""
    extra = [(f"{a} {b}-x{i}", company(rng, 2000)) for i in range(max(1, count // 100)) for a, b in [person(rng, i)]]
    pool = known + extra
    books = {member: rng.sample(pool, min(2000, len(pool))) for member in members}
    weights = [1 / (rank + 1) ** 0.8 for rank in range(2000)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["Activity ID", "Owner", "Contact", "Account", "Type", "Direction", "Date", "Duration", "Subject"]
        )
        done = 0
        while done < count:
            member = rng.choice(members)
            book = books[member]
            batch = min(1000, count - done)
            for name, employer in rng.choices(book, weights=weights[: len(book)], k=batch):
                moment = NOW - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
                when = moment.strftime("%Y-%m-%d %H:%M") if done % 2 else moment.strftime("%d/%m/%Y")
                owner = f"{member.lower()}@team.example" if done % 10 == 3 else member
                writer.writerow(
                    [f"A-{done}", owner, name, employer, rng.choice(CHANNELS), rng.choice(DIRECTIONS), when,
                     rng.choice(("", "15", "30", "45 min", "1:00")), f"{rng.choice(NOTES_WORDS)} #{done}"]
                )  # fmt: skip
                done += 1


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            model.__tablename__: connection.scalar(select(func.count()).select_from(model)) or 0
            for model in (Contact, Tie, Interaction)
        }


def progress_printer(label: str) -> Callable[[str, int, int], None]:
    """Reports an import's stages on stderr, each at most every 5 seconds (and when it ends)."""
    last: dict[str, float] = {}

    def show(stage: str, done: int, total: int) -> None:
        now = perf_counter()
        if done == total or now - last.get(stage, 0.0) > 5:
            last[stage] = now
            say(f"{label} {stage}: {done}/{total}")

    return show


def run_backend(backend: str, linkedin: Path, activities: Path, members: list[str]) -> dict[str, Any]:
    """Both files imported into a fresh workspace on one database, then both again."""
    with scratch_database(backend, "imports") as url:
        engine = make_engine(url)
        try:
            migrate(engine)
            uow = UnitOfWork(make_session_factory(engine))
            _add_workspace(uow, members)
            return _import_twice(backend, uow, engine, linkedin, activities)
        finally:
            engine.dispose()


def _add_workspace(uow: UnitOfWork, members: list[str]) -> None:
    with uow:
        workspace = Workspace(slack_team_id=TEAM)
        uow.session.add(workspace)
        uow.session.flush()
        uow.session.add_all(
            Member(workspace_id=workspace.id, slack_user_id=m, email=f"{m.lower()}@team.example") for m in members
        )
        uow.commit()


def _import_twice(backend: str, uow: UnitOfWork, engine: Engine, linkedin: Path, activities: Path) -> dict[str, Any]:
    """The LinkedIn export for the owner, then the activities, timed; then both again, which must change nothing."""

    def timed(kind: str, path: Path, member: str | None) -> tuple[float, ImportReport]:
        started = perf_counter()
        progress = progress_printer(f"{backend} {kind}")
        report = import_file(uow, TEAM, kind, path.read_bytes(), NOW, member=member, progress=progress)
        return perf_counter() - started, report

    linkedin_s, first_linkedin = timed("linkedin", linkedin, OWNER)
    interactions_s, first_activities = timed("interactions", activities, None)
    before = counts(engine)
    linkedin_again_s, again_linkedin = timed("linkedin", linkedin, OWNER)
    interactions_again_s, again_activities = timed("interactions", activities, None)
    after = counts(engine)
    with engine.connect() as connection:
        scored = connection.scalar(select(func.count()).select_from(Tie).where(Tie.computed_at.is_not(None)))
    return {
        "linkedin_s": round(linkedin_s, 2),
        "linkedin_created": len(first_linkedin.created),
        "linkedin_merged": len(first_linkedin.merged),
        "linkedin_skipped": len(first_linkedin.skipped),
        "interactions_s": round(interactions_s, 2),
        "interactions_recorded": len(first_activities.created),
        "interactions_skipped": len(first_activities.skipped),
        "ties_scored": scored,
        "linkedin_again_s": round(linkedin_again_s, 2),
        "interactions_again_s": round(interactions_again_s, 2),
        "second_import_changed_nothing": before == after
        and not again_linkedin.created
        and not again_activities.created,
        "rows_after": after,
        "linkedin_target_met": linkedin_s < TARGET_LINKEDIN_S,
        "interactions_target_met": interactions_s < TARGET_INTERACTIONS_S,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=30_000, help="connections in the LinkedIn export")
    parser.add_argument("--interactions", type=int, default=1_000_000, help="rows in the activities export")
    parser.add_argument("--members", type=int, default=50, help="sellers the activities belong to")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backend", choices=BACKENDS, default="both")
    args = parser.parse_args(argv)
    backends = backends_to_run(args.backend)

    rng = random.Random(args.seed)
    members = [OWNER] + [f"U{index:06d}" for index in range(1, args.members)]
    with tempfile.TemporaryDirectory(prefix="rapport-bench-files-") as folder:
        linkedin, activities = Path(folder) / "Connections.csv", Path(folder) / "activities.csv"
        started = perf_counter()
        people = write_linkedin(linkedin, args.rows, rng)
        write_activities(activities, args.interactions, members, people, rng)
        say(f"files written in {perf_counter() - started:.1f} s")
        results = {backend: run_backend(backend, linkedin, activities, members) for backend in backends}
    line = {
        "benchmark": "imports",
        "rows": args.rows,
        "interactions": args.interactions,
        "members": args.members,
        **results,
        "targets_s": {"linkedin": TARGET_LINKEDIN_S, "interactions": TARGET_INTERACTIONS_S},
        "targets_met": all(r["linkedin_target_met"] and r["interactions_target_met"] for r in results.values()),
    }
    print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
