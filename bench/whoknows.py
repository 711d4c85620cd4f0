"""Times `/whoknows` on a workspace of realistic size, next to a naive whole-graph search and an SQL floor.

    python -m bench.whoknows [--members 1000 --contacts 200000 --ties 1000000 --links 300000
                              --queries 1000 --seed 7 --backend sqlite|postgresql|both]

What it does, per database (SQLite in a temporary file; PostgreSQL in a fresh schema of
`TEST_DATABASE_URL`, dropped at the end; `both` runs each in its own process so that their memory
figures stay apart):

1. Generates one workspace (`bench.generate.network`: people and companies named as real ones are,
   ties of skewed degrees, links mostly between colleagues, the typo-tolerant name index), in a child
   process so its rows never count in this process's memory. Bulk inserts (`bench.generate.loading`):
   a raw executemany on SQLite, COPY on PostgreSQL (then VACUUM ANALYZE, as autovacuum does on a live
   server). Then `bot.db.migrate` once more, as `rapport run` does when it starts: it refreshes the planner's
   statistics (`bot.db.refresh_statistics`). `--sqlite-file PATH` / `--pg-schema NAME` keep the
   database and reuse it on later runs (migrated, as on a start), to compare changes quickly.
2. The service: `models.network.whoknows.who_knows` with a fresh unit of work per call, as the Slack handler
   calls it (name resolution, neighbourhood reads, route ranking; not the Slack round trip), for
   `--queries` targets typed as a user would: person names with random case, sometimes without
   accents, ~20 % with one typo (a swapped, dropped or replaced letter in a word of five letters or
   more), ~10 % company names; each asked by a random member, after a warm-up. Also counted: the
   outcomes, whether the intended target was found, and the SQL statements and ORM rows per call
   (the request path must read a neighbourhood, never the whole graph).
3. The floor: one indexed SQL read per target of the ties into the target and into the contacts
   linked to it (for a company, one of its contacts).
4. The whole-workspace bridge computation, `models.network.structure.refresh_structure`, once.
5. The naive reference: the whole graph in networkx (edges weighted −log strength, with a team hub
   for teammates and one hub per company), then per query a Dijkstra search from the asking member
   to the target, bounded at a 1 % chance; its load, build and per-query times (on the first
   `--naive-queries` targets only: each search takes seconds).

Memory is the resident set size (`ru_maxrss`, sampled after each phase): tracemalloc is too slow at
this scale. The harness's own objects are frozen out of the garbage collector (`gc.freeze`) before
timing, as a server process would not carry them. Progress goes to stderr; stdout gets one JSON line.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import statistics
import string
import subprocess
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from time import perf_counter
from typing import Any

import networkx as nx
from sqlalchemy import Engine, event, select, text

from bench.common import backends_to_run, in_child, peak_rss_mb, percentiles, resident_kb, say, scratch_database
from bench.generate.loading import (
    WORKSPACE_ID,
    add_workspace_arguments,
    count_rows,
    generate_workspace,
    slack_user_id,
    start_as_the_app,
)
from bench.generate.network import NOW, TABLES, TEAM_ID, NetworkSizes, NetworkWorkspace, Population, make_population
from bench.generate.vocabulary import FIRST_NAMES, LAST_NAMES
from bot.db import make_engine, make_session_factory
from models.core.graph import COLLEAGUE_STRENGTH, MIN_EDGE_WEIGHT, TEAMMATE_BASE, link_strength
from models.core.values import Actor
from models.db.orm import Base, Contact, ContactLink, Tie
from models.db.uow import UnitOfWork
from models.network.structure import refresh_structure
from models.network.whoknows import ChooseTarget, CompanyRoutes, NobodyKnows, PersonRoutes, WhoKnowsResult, who_knows

TARGET_SERVICE_P95_MS = 15.0
TARGET_STRUCTURE_S = 120.0
#: The request path may read at most this share of the workspace's rows in one call.
MAX_SHARE_READ_PER_CALL = 0.01
#: The naive search gives up on routes whose chance is under 1 %.
NAIVE_MAX_COST = -math.log(0.01)
#: Letters that lose their accent in NFKD anyway are not listed; these have no decomposition.
PLAIN_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "Ae", "ı": "i", "đ": "d"})

#: The floor: the ties into a target and into the contacts linked to it, in one indexed read. Contact
#: ids are unique across workspaces, so the links need no workspace filter (with one, SQLite without
#: statistics takes the workspace index and scans every link).
FLOOR_SQL = text(
    """
    SELECT t.member_id, t.contact_id, t.strength FROM ties t
    WHERE t.workspace_id = :workspace AND t.contact_id IN (
        SELECT CAST(:contact AS INTEGER)
        UNION ALL SELECT l.contact_b_id FROM contact_links l WHERE l.contact_a_id = :contact
        UNION ALL SELECT l.contact_a_id FROM contact_links l WHERE l.contact_b_id = :contact)
    """
)


@dataclass(frozen=True)
class Query:
    """One `/whoknows` as typed: `target_id` is a contact id, or an account id for a company."""

    text: str
    kind: str  # "person" or "company"
    typo: bool
    target_id: int
    floor_contact_id: int
    asker_id: int


# The queries ---------------------------------------------------------------------------------------
def make_queries(population: Population, count: int, seed: int) -> list[Query]:
    """Targets typed as people type them: case, missing accents, ~20 % with a typo, ~10 % companies."""
    rng = random.Random(f"{seed}:queries")
    accounts_with_contacts = sorted(population.account_contacts)
    queries = []
    for _ in range(count):
        asker_id = rng.randint(1, len(population.member_names))
        if rng.random() < 0.1:
            kind, target_id = "company", rng.choice(accounts_with_contacts)
            name = population.account_names[target_id - 1]
            floor_contact_id = rng.choice(population.account_contacts[target_id])
        else:
            kind, target_id = "person", rng.randint(1, len(population.contact_names))
            name = population.contact_names[target_id - 1]
            floor_contact_id = target_id
        typed = _as_typed(name, rng)
        with_typo = _with_typo(typed, rng) if rng.random() < 0.2 else None
        queries.append(
            Query(
                text=with_typo or typed,
                kind=kind,
                typo=with_typo is not None,
                target_id=target_id,
                floor_contact_id=floor_contact_id,
                asker_id=asker_id,
            )
        )
    return queries


def _as_typed(name: str, rng: random.Random) -> str:
    if rng.random() < 0.3:
        decomposed = unicodedata.normalize("NFKD", name.translate(PLAIN_LETTERS))
        name = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    case = rng.random()
    if case < 0.45:
        return name
    if case < 0.85:
        return name.lower()
    if case < 0.95:
        return name.title()
    return name.upper()


def _with_typo(typed: str, rng: random.Random) -> str | None:
    """One swapped, dropped or replaced letter in a word of five letters or more (None if none is that long)."""
    words = typed.split(" ")
    long_words = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not long_words:
        return None
    index = rng.choice(long_words)
    word = words[index]
    operation = rng.choice(("swap", "drop", "replace"))
    position = rng.randrange(len(word) - 1 if operation == "swap" else len(word))
    if operation == "swap" and word[position] != word[position + 1]:
        word = word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    elif operation == "replace":
        letter = rng.choice([c for c in string.ascii_lowercase if c != word[position].lower()])
        word = word[:position] + (letter.upper() if word[position].isupper() else letter) + word[position + 1 :]
    else:
        word = word[:position] + word[position + 1 :]
    words[index] = word
    return " ".join(words)


# Timing --------------------------------------------------------------------------------------------
class CallCounter:
    """SQL statements run and ORM rows loaded, to show what one service call reads."""

    def __init__(self, engine: Engine) -> None:
        self.statements = 0
        self.objects = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(Base, "load", self._object, propagate=True)

    def _statement(self, *_: Any) -> None:
        self.statements += 1

    def _object(self, *_: Any) -> None:
        self.objects += 1

    def reset(self) -> tuple[int, int]:
        counts = (self.statements, self.objects)
        self.statements = self.objects = 0
        return counts


def time_service(engine: Engine, queries: list[Query], warmup: list[Query]) -> dict[str, Any]:
    sessions = make_session_factory(engine)

    def ask(query: Query) -> WhoKnowsResult:
        return who_knows(UnitOfWork(sessions), Actor(TEAM_ID, slack_user_id(query.asker_id)), query.text, NOW)

    for query in warmup:
        ask(query)
    counter = CallCounter(engine)
    timings: list[float] = []
    by_query: dict[str, list[float]] = {}
    by_outcome: dict[str, list[float]] = {}
    outcomes: dict[str, int] = {}
    found: dict[str, int] = {}
    statements: list[int] = []
    objects: list[int] = []
    for query in queries:
        counter.reset()
        started = perf_counter()
        result = ask(query)
        elapsed = (perf_counter() - started) * 1000
        calls, loaded = counter.reset()
        outcome, resolution = _outcome(result, query)
        timings.append(elapsed)
        by_query.setdefault(query.kind + ("_typo" if query.typo else ""), []).append(elapsed)
        by_outcome.setdefault(outcome, []).append(elapsed)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        found[resolution] = found.get(resolution, 0) + 1
        statements.append(calls)
        objects.append(loaded)
    return {
        "service_ms": percentiles(timings),
        "service_ms_by_query": {kind: percentiles(values) for kind, values in sorted(by_query.items())},
        "service_ms_by_outcome": {kind: percentiles(values) for kind, values in sorted(by_outcome.items())},
        "outcomes": outcomes,
        "target_found": found,
        "statements_per_call": {"p50": statistics.median(statements), "max": max(statements)},
        "orm_rows_per_call": {"p50": statistics.median(objects), "max": max(objects)},
    }


def _outcome(result: WhoKnowsResult, query: Query) -> tuple[str, str]:
    """What the service answered, and whether that was the target the user meant."""
    wanted = ("contact" if query.kind == "person" else "account", query.target_id)
    if isinstance(result, PersonRoutes):
        right = wanted == ("contact", result.target.id)
        return ("routes" if result.total else "no_route"), ("resolved" if right else "wrong")
    if isinstance(result, CompanyRoutes):
        return "company", ("resolved" if wanted == ("account", result.account_id) else "wrong")
    if isinstance(result, ChooseTarget):
        offered = any((option.kind, option.id) == wanted for option in result.options)
        return "choices", ("offered" if offered else "wrong")
    if isinstance(result, NobodyKnows):
        return "nobody", "missed"
    raise TypeError(f"unexpected result {result!r}")


def time_floor(engine: Engine, queries: list[Query]) -> dict[str, Any]:
    """One indexed read per target: the ties into it and into the contacts linked to it."""
    timings = []
    for query in queries:
        started = perf_counter()
        with engine.connect() as connection:
            connection.execute(FLOOR_SQL, {"workspace": WORKSPACE_ID, "contact": query.floor_contact_id}).all()
        timings.append((perf_counter() - started) * 1000)
    return percentiles(timings)


def time_naive(engine: Engine, queries: list[Query]) -> dict[str, Any]:
    """The whole graph in networkx, then a bounded Dijkstra search per query (privacy ignored)."""
    graph, result = _naive_graph(engine)
    timings, found = [], 0
    for query in queries:
        query_started = perf_counter()
        try:
            nx.single_source_dijkstra(
                graph, ("member", query.asker_id), ("contact", query.floor_contact_id), cutoff=NAIVE_MAX_COST
            )
            found += 1
        except nx.NetworkXNoPath:
            pass
        timings.append((perf_counter() - query_started) * 1000)
    result |= {"naive_query_ms": percentiles(timings), "naive_found": found}
    del graph
    gc.collect()
    return result


def _naive_graph(engine: Engine) -> tuple[nx.Graph[tuple[str, int]], dict[str, Any]]:
    """The whole workspace read and built into one graph; with its load and build times and size."""
    started = perf_counter()
    with engine.connect() as connection:
        where = Tie.workspace_id == WORKSPACE_ID
        ties = connection.execute(select(Tie.member_id, Tie.contact_id, Tie.strength).where(where)).all()
        links = connection.execute(
            select(ContactLink.contact_a_id, ContactLink.contact_b_id, ContactLink.kind, ContactLink.occurrences).where(
                ContactLink.workspace_id == WORKSPACE_ID
            )
        ).all()
        accounts = connection.execute(
            select(Contact.id, Contact.account_id).where(
                Contact.workspace_id == WORKSPACE_ID, Contact.account_id.is_not(None)
            )
        ).all()
    loaded = perf_counter()
    kb_before = resident_kb()
    graph: nx.Graph[tuple[str, int]] = nx.Graph()
    graph.add_weighted_edges_from((("member", m), ("contact", c), _cost(s)) for m, c, s in ties)
    # Hubs stand for teammates and colleagues: two half-hops cost one link of their strength.
    team_cost = _cost(TEAMMATE_BASE) / 2
    graph.add_weighted_edges_from((("member", m), ("team", 0), team_cost) for m in {m for m, _, _ in ties})
    graph.add_weighted_edges_from(
        (("contact", a), ("contact", b), _cost(link_strength(kind, n))) for a, b, kind, n in links
    )
    colleague_cost = _cost(COLLEAGUE_STRENGTH) / 2
    graph.add_weighted_edges_from(
        (("contact", c), ("account", a), colleague_cost) for c, a in accounts if a is not None
    )
    built = perf_counter()
    return graph, {
        "naive_load_s": round(loaded - started, 2),
        "naive_build_s": round(built - loaded, 2),
        "naive_graph_mb": round((resident_kb() - kb_before) / 1024),
        "naive_graph": {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()},
    }


def _cost(strength: float) -> float:
    return -math.log(max(strength, MIN_EDGE_WEIGHT))


# One backend ---------------------------------------------------------------------------------------
def run_backend(backend: str, sizes: NetworkSizes, args: argparse.Namespace) -> dict[str, Any]:
    """Generate, time the service, the floor, the structure and the naive search on one database."""
    kept = args.sqlite_file if backend == "sqlite" else None
    with scratch_database(backend, "whoknows", sqlite_path=kept, schema=args.pg_schema) as url:
        rss: dict[str, float] = {}
        say(f"{backend}: generating the population")
        population = make_population(sizes, args.seed)
        queries = make_queries(population, args.queries + args.warmup, args.seed)
        warmup, queries = queries[: args.warmup], queries[args.warmup :]
        result = _generate(backend, url, sizes, args) | {"population": population.shape()}
        del population
        gc.collect()
        gc.freeze()
        rss["after_generate"] = peak_rss_mb()
        engine = make_engine(url)
        result |= _time_requests(backend, engine, queries, warmup, rss)
        result |= _time_whole_workspace(backend, engine, queries, args, rss)
        engine.dispose()
        return result | _verdicts(result, rss)


def _generate(backend: str, url: str, sizes: NetworkSizes, args: argparse.Namespace) -> dict[str, Any]:
    """The workspace generated in a child process, or the one an earlier run kept, started as the app would."""
    started = perf_counter()
    if _kept(backend, url, args):
        say(f"{backend}: reusing the database kept by an earlier run")
        in_child(start_as_the_app, url)
        rows = count_rows(url, TABLES)
    else:
        say(f"{backend}: loading {sizes}")
        rows = in_child(generate_workspace, url, NetworkWorkspace(sizes, args.seed))["rows"]
        in_child(start_as_the_app, url)
    generate_s = perf_counter() - started
    say(f"{backend}: generated in {generate_s:.1f} s")
    return {"generate_s": round(generate_s, 1), "rows": rows}


def _kept(backend: str, url: str, args: argparse.Namespace) -> bool:
    """Whether `--sqlite-file` or `--pg-schema` names a database an earlier run filled."""
    if backend == "sqlite":
        return bool(args.sqlite_file) and os.path.exists(args.sqlite_file)
    if not args.pg_schema:
        return False
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return bool(connection.execute(text("SELECT to_regclass('ties') IS NOT NULL")).scalar_one())
    finally:
        engine.dispose()


def _time_requests(
    backend: str, engine: Engine, queries: list[Query], warmup: list[Query], rss: dict[str, float]
) -> dict[str, Any]:
    """The service on every query after the warm-up, then the SQL floor on the same targets."""
    say(f"{backend}: timing the service on {len(queries)} queries after {len(warmup)} to warm up")
    result = time_service(engine, queries, warmup)
    rss["after_service"] = peak_rss_mb()
    say(f"{backend}: service {result['service_ms']}")
    say(f"{backend}: timing the floor")
    time_floor(engine, warmup)
    result["floor_ms"] = time_floor(engine, queries)
    rss["after_floor"] = peak_rss_mb()
    return result


def _time_whole_workspace(
    backend: str, engine: Engine, queries: list[Query], args: argparse.Namespace, rss: dict[str, float]
) -> dict[str, Any]:
    """The bridge computation over the whole workspace, and the naive search (unless skipped)."""
    result: dict[str, Any] = {}
    if not args.skip_structure:
        say(f"{backend}: computing the structure of the whole workspace")
        report = refresh_structure(UnitOfWork(make_session_factory(engine)), WORKSPACE_ID, NOW)
        result["structure_s"] = round(report.seconds, 1)
        result["structure"] = {
            key: value for key, value in asdict(report).items() if key not in {"seconds", "workspace_id"}
        }
        rss["after_structure"] = peak_rss_mb()
        say(f"{backend}: structure in {report.seconds:.1f} s")
    if args.naive_queries:
        say(f"{backend}: the naive reference on {min(args.naive_queries, len(queries))} queries")
        result |= time_naive(engine, queries[: args.naive_queries])
        rss["after_naive"] = peak_rss_mb()
    return result


def _verdicts(result: dict[str, Any], rss: dict[str, float]) -> dict[str, Any]:
    """The ratios, the memory and whether each target is met."""
    service_p95 = result["service_ms"]["p95"]
    verdicts: dict[str, Any] = {
        "ratio_service_to_floor_p95": round(service_p95 / max(result["floor_ms"]["p95"], 1e-9), 1)
    }
    if "naive_query_ms" in result:
        verdicts["ratio_naive_to_service_p95"] = round(result["naive_query_ms"]["p95"] / max(service_p95, 1e-9), 1)
    rows = result["rows"]
    workspace_rows = rows["ties"] + rows["contact_links"] + rows["contacts"]
    return verdicts | {
        "rss_mb": rss,
        "peak_rss_mb": peak_rss_mb(),
        "met": {
            "service_p95": service_p95 <= TARGET_SERVICE_P95_MS,
            "structure": result.get("structure_s", 0) <= TARGET_STRUCTURE_S,
            "no_whole_graph_load": result["orm_rows_per_call"]["max"] <= MAX_SHARE_READ_PER_CALL * workspace_rows,
        },
    }


# The command line ----------------------------------------------------------------------------------
def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.whoknows", description=(__doc__ or "").splitlines()[0])
    add_workspace_arguments(parser)
    parser.add_argument("--links", type=int, default=300_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--naive-queries", type=int, default=50, help="queries timed on the naive graph (seconds each)")
    parser.add_argument(
        "--sqlite-file",
        help="keep the SQLite database in this file, or reuse it when it exists (same sizes and seed)",
    )
    parser.add_argument(
        "--pg-schema", help="keep the PostgreSQL database in this schema, or reuse it when filled (same sizes and seed)"
    )
    parser.add_argument("--skip-structure", action="store_true", help="do not time the bridge computation")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_arguments(argv)
    sizes = NetworkSizes.from_arguments(args, links=args.links)
    backends = backends_to_run(args.backend)
    if args.backend == "both":
        # One process per database, so each one's peak memory is its own.
        results = {backend: _run_in_subprocess(backend, argv) for backend in backends}
    else:
        results = {args.backend: run_backend(args.backend, sizes, args)}
    vocabulary = {"first_names": len(FIRST_NAMES), "last_names": len(LAST_NAMES)}
    print(
        json.dumps(
            {
                "backends": results,
                "sizes": asdict(sizes) | {"queries": args.queries} | vocabulary,
                "seed": args.seed,
                "peak_rss_mb": max(result["peak_rss_mb"] for result in results.values()),
                "targets": {"service_p95_ms": TARGET_SERVICE_P95_MS, "structure_s": TARGET_STRUCTURE_S},
                "met": {backend: result["met"] for backend, result in results.items()},
            },
            ensure_ascii=False,
        )
    )


def _run_in_subprocess(backend: str, argv: Sequence[str] | None) -> dict[str, Any]:
    forwarded = list(sys.argv[1:] if argv is None else argv)
    completed = subprocess.run(
        [sys.executable, "-m", "bench.whoknows", *forwarded, "--backend", backend],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    line = completed.stdout.strip().splitlines()[-1]
    result: dict[str, Any] = json.loads(line)["backends"][backend]
    return result


if __name__ == "__main__":
    main()
