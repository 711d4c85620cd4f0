"""Checks how well the tie strength ranks close pairs first, on public data with independent ground truth.

    python -m bench.strength [--data bench/data/cns]

The data set (bench/data/cns/README.md: source, licence CC BY 4.0, how to fetch the original) is the
Copenhagen Networks Study: 28 days of phone calls (with durations) and text messages among ~700
students, and, independently, which of them are friends on Facebook.

What it does, through the project's own code:

1. Writes the calls and texts as a CRM's activities CSV. The data is person to person, the app is
   seller to contact, so each pair of people who called or texted becomes one tie: the participant
   with the lower id is the member (Slack id U + id), the other one their contact ("Participant N");
   a call is a phone call of its length in whole minutes (a missed one, 0), a text a chat message;
   outbound when the member called or texted, inbound otherwise. Day 0 is mapped to 1 March 2026.
2. Imports it with `import_file` into a fresh SQLite database (one workspace), which scores every tie.
3. Exports the workspace with `export_workspace` and reads, for every tie, the strength and its parts
   from the export, and the single-feature baselines from the exported interactions: total minutes,
   number of interactions, distinct days, recency of the latest; and the strength as it was before
   issue 13 (`1 - exp(-sum(weight) / 2)`, durations clamped to [0.5, 2], times reciprocity), and
   today's strength had its activity still been multiplied by reciprocity.
4. Prints one JSON line: the AUC of each (the chance that a random pair of Facebook friends ranks
   above a random pair who are not, ties counting one half), the number of pairs and of positives.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import say, scratch_database
from bot.db import make_engine, make_session_factory, migrate
from models.admin.service import export_workspace
from models.db.orm import Workspace
from models.db.uow import UnitOfWork
from models.imports.service import import_file

#: Where the data set is kept in the repository.
DEFAULT_DATA = Path(__file__).parent / "data" / "cns"
#: The moment the data set's second 0 is mapped to.
DAY_ZERO = datetime(2026, 3, 1, tzinfo=UTC)
#: The workspace the bench imports into.
TEAM = "TSTRENGTH"
#: The parts of the strength the export gives, beside its value.
STRENGTH_PARTS = ("activity", "volume", "regularity", "spread", "variety", "reciprocity")
#: The former strength's constants (before issue 13), for comparison.
FORMER_BANDWIDTH = {"email": 0.07, "chat": 0.07, "social": 0.07, "phone": 0.41, "video": 0.41, "in_person": 1.0}


@dataclass(frozen=True)
class Exchange:
    """One call or text between two participants; `seconds` is None for a text, -1 or 0 for a missed call."""

    at_second: int
    sender: int
    receiver: int
    seconds: int | None


def read_rows(path: Path) -> list[list[str]]:
    """A CSV's rows after its header line, whatever the header says."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle) if row]
    return rows[1:]


def load(folder: Path) -> tuple[list[Exchange], set[frozenset[int]]]:
    """The calls and texts between two different participants, and the pairs of Facebook friends."""
    calls = [Exchange(int(t), int(a), int(b), int(d)) for t, a, b, d in read_rows(folder / "calls.csv")]
    texts = [Exchange(int(t), int(a), int(b), None) for t, a, b in read_rows(folder / "sms.csv")]
    friends = {frozenset((int(a), int(b))) for a, b in read_rows(folder / "fb_friends.csv")}
    return [c for c in calls + texts if c.sender != c.receiver], friends


def member_id(person: int) -> str:
    return f"U{person:06d}"


def contact_name(person: int) -> str:
    return f"Participant {person}"


def activities_csv(contacts: Iterable[Exchange]) -> bytes:
    """The calls and texts as a CRM's activities, each pair's lower id the member (see the module doc)."""
    lines = [["Owner", "Contact", "Type", "Direction", "Date", "Duration", "Subject"]]
    for number, c in enumerate(contacts):
        member, other = min(c.sender, c.receiver), max(c.sender, c.receiver)
        moment = DAY_ZERO + timedelta(seconds=c.at_second)
        minutes = "" if c.seconds is None else str(round(max(c.seconds, 0) / 60))
        lines.append(
            [member_id(member), contact_name(other), "Text message" if c.seconds is None else "Phone call",
             "Outbound" if c.sender == member else "Inbound", moment.strftime("%Y-%m-%d %H:%M"), minutes,
             f"cns #{number}"]
        )  # fmt: skip
    text = "\n".join(",".join(row) for row in lines) + "\n"
    return text.encode("utf-8")


def import_and_export(data: bytes, now: datetime) -> dict[str, Any]:
    """The activities imported into a fresh SQLite workspace (which scores every tie), then exported."""
    with scratch_database("sqlite", "strength") as url:
        engine = make_engine(url)
        try:
            migrate(engine)
            uow = UnitOfWork(make_session_factory(engine))
            with uow:
                uow.session.add(Workspace(slack_team_id=TEAM))
                uow.commit()
            report = import_file(uow, TEAM, "interactions", data, now)
            say(f"imported {len(report.created)} interactions, skipped {len(report.skipped)}")
            return export_workspace(uow, TEAM, now)
        finally:
            engine.dispose()


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """The rank (Mann-Whitney) AUC: mid-ranks for equal scores."""
    order = sorted(range(len(scores)), key=scores.__getitem__)
    ranks = [0.0] * len(scores)
    start = 0
    while start < len(order):
        end = start
        while end < len(order) and scores[order[end]] == scores[order[start]]:
            end += 1
        for index in order[start:end]:
            ranks[index] = (start + end + 1) / 2
        start = end
    positives = sum(labels)
    negatives = len(labels) - positives
    rank_sum = sum(rank for rank, label in zip(ranks, labels, strict=True) if label)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def former_strength(interactions: Sequence[Mapping[str, Any]], now: datetime) -> float:
    """The strength before issue 13 (no seller view here): 0.7 x (1 - e^(-sum(w)/2)) x reciprocity."""
    total = 0.0
    for i in interactions:
        minutes = i["duration_minutes"]
        factor = 1.0 if minutes is None else min(max(math.sqrt(minutes / 30), 0.5), 2.0)
        age_days = max((now - datetime.fromisoformat(i["occurred_at"])) / timedelta(days=1), 0.0)
        total += FORMER_BANDWIDTH[i["channel"]] * factor * 0.5 ** (age_days / 90)
    latest = sorted(interactions, key=lambda i: i["occurred_at"], reverse=True)
    initiators = [i["initiator"] for i in latest if i["initiator"]][:10]
    by_me = initiators.count("me")
    reciprocity = 1.0 - 0.5 * abs(2 * by_me - len(initiators)) / len(initiators) if len(initiators) >= 2 else 1.0
    return 0.7 * (1.0 - math.exp(-total / 2)) * reciprocity


def baselines(interactions: Sequence[Mapping[str, Any]], now: datetime) -> dict[str, float]:
    """The single features a strength has to beat, and the former strength."""
    return {
        "total_minutes": float(sum(i["duration_minutes"] or 0 for i in interactions)),
        "interactions": float(len(interactions)),
        "distinct_days": float(len({i["occurred_at"][:10] for i in interactions})),
        "recency": max(datetime.fromisoformat(i["occurred_at"]).timestamp() for i in interactions),
        "former_strength": former_strength(interactions, now),
    }


def figures(export: Mapping[str, Any], friends: set[frozenset[int]], now: datetime) -> dict[str, Any]:
    """The AUC of the strength, of its parts and of the baselines over every exported tie."""
    names = {c["id"]: c["name"] for c in export["contacts"]}
    by_tie: dict[tuple[str, int], list[Mapping[str, Any]]] = defaultdict(list)
    for i in export["interactions"]:
        for contact in i["contacts"]:
            by_tie[(i["member"], contact)].append(i)
    features: dict[str, list[float]] = defaultdict(list)
    labels: list[bool] = []
    for tie in export["ties"]:
        person = int(tie["member"].removeprefix("U"))
        other = int(names[tie["contact"]].removeprefix("Participant "))
        labels.append(frozenset((person, other)) in friends)
        strength = tie["strength"]
        features["strength"].append(strength["value"])
        features["strength_times_reciprocity"].append(
            0.7 * strength["activity"] * strength["reciprocity"] + 0.3 * strength["seller_view"]
        )
        for part in STRENGTH_PARTS:
            features[part].append(tie["strength"][part])
        for name, value in baselines(by_tie[(tie["member"], tie["contact"])], now).items():
            features[name].append(value)
    aucs = {name: round(auc(values, labels), 4) for name, values in features.items()}
    single = ("total_minutes", "interactions", "distinct_days", "recency")
    best = max(single, key=aucs.__getitem__)
    return {
        "pairs": len(labels),
        "positives": sum(labels),
        "auc": aucs,
        "best_single_feature": best,
        "target_met": aucs["strength"] >= aucs[best],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.strength", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of calls.csv, sms.csv, fb_friends.csv")
    args = parser.parse_args(argv)
    contacts, friends = load(args.data)
    now = DAY_ZERO + timedelta(seconds=max(c.at_second for c in contacts) + 1)
    say(f"{len(contacts)} calls and texts, {len(friends)} friendships")
    export = import_and_export(activities_csv(contacts), now)
    print(json.dumps({"benchmark": "strength", "data": "Copenhagen Networks Study", **figures(export, friends, now)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
