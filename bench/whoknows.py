"""Times `/whoknows` on a workspace of realistic size, next to a naive whole-graph search and an SQL floor.

    python -m bench.whoknows [--members 1000 --contacts 200000 --ties 1000000 --links 300000
                              --queries 1000 --seed 7 --backend sqlite|postgresql|both]

What it does, per database (SQLite in a temporary file; PostgreSQL in a fresh schema of
`TEST_DATABASE_URL`, dropped at the end; `both` runs each in its own process so that their memory
figures stay apart):

1. Generates one workspace, in a child process so its rows never count in this process's memory:
   members; companies with skewed sizes (log-normal, a few with a thousand contacts, most with a
   handful); contacts named from ~300 first and ~500 last names drawn with Zipf-like weights, half
   of them with a rarer last name instead (so names repeat as real ones do, about a quarter of
   contacts sharing theirs; accents included); ties spread over members with skewed degrees
   (some know thousands), strengths mostly weak and some strong, ~2 % private; contact links mostly
   between colleagues of one company and some across; the typo-tolerant name index exactly as
   `WorkspaceRepository.index_name` writes it. Bulk inserts: SQLAlchemy Core executemany on SQLite,
   COPY on PostgreSQL (then VACUUM ANALYZE, as autovacuum does on a live server: `bench.common`). Then
   `bot.db.migrate` once more, as `rapport run` does when it starts: it refreshes the planner's
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
import itertools
import json
import math
import multiprocessing
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from time import perf_counter
from typing import Any

import networkx as nx
from sqlalchemy import Connection, Engine, Table, event, insert, select, text

from bench.common import peak_rss_mb, percentiles, run_sql, vacuum_analyze
from bot.db import make_engine, make_session_factory, migrate
from models.core.graph import COLLEAGUE_STRENGTH, MIN_EDGE_WEIGHT, TEAMMATE_BASE, link_strength
from models.core.names import fold, name_variants
from models.core.values import Actor
from models.db.orm import Account, Base, Contact, ContactLink, Member, NameIndexEntry, Tie, Workspace
from models.db.uow import UnitOfWork
from models.network.structure import refresh_structure
from models.network.whoknows import ChooseTarget, CompanyRoutes, NobodyKnows, PersonRoutes, WhoKnowsResult, who_knows

TARGET_SERVICE_P95_MS = 15.0
TARGET_STRUCTURE_S = 120.0
#: The request path may read at most this share of the workspace's rows in one call.
MAX_SHARE_READ_PER_CALL = 0.01
#: The naive search gives up on routes whose chance is under 1 %.
NAIVE_MAX_COST = -math.log(0.01)

WORKSPACE_ID = 1
TEAM_ID = "TBENCH0001"
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
COPY_CHUNK = 20_000


def _words(text: str) -> list[str]:
    return text.split()


# Names, most common first: the weights fall with the rank (Zipf-like), so some names repeat often.
FIRST_NAMES = _words(
    """
James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph
Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Maria Anthony Sandra Mark Margaret
José Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kevin Amanda Brian Melissa George
Deborah Timothy Stephanie Ronald Rebecca Jason Laura Edward Helen Jeffrey Sharon Ryan Cynthia Jacob Kathleen
Gary Amy Nicholas Angela Eric Anna Stephen Brenda Justin Emma Scott Nicole Brandon Samantha Benjamin
Katherine Samuel Christine Gregory Rachel Alexander Catherine Patrick Carolyn Frank Janet Jack Ruth Dennis
Heather Tyler Diane Aaron Olivia Julie Adam Joyce Henry Victoria Nathan Kelly Zachary Christina Douglas
Lauren Peter Joan Kyle Evelyn Noah Judith Ethan Megan Jeremy Andrea Walter Hannah Keith Jacqueline Roger
Martha Sean Teresa Gerald Sara Carl Madison Harold Frances Dylan Arthur Janice Lawrence Jean Jordan Abigail
Jesse Alice Bryan Sophia Bruce Grace Gabriel Denise Logan Amber Alan Danielle Albert Isabella Elijah
Theresa Diana Vincent Natalie Mason Charlotte Roy Marie Ralph Alexis Russell François Hélène Zoë Chloé Léa
Renée Agnès Jérôme Cédric Noémie Thérèse Éric Stéphane Anaïs Maëlle Gaëlle Loïc Benoît Françoise Clément
Inès Jürgen Jörg Björn Søren Åsa Günther Käthe Lukas Tobias Felix Moritz Johannes Katrin Ulrike Sabine
Heike Birgit Ramón Sebastián Andrés Jesús Raúl Óscar Álvaro Lucía Begoña Joaquín Martín Ángel Mónica
Verónica Rocío Sofía Ana Carmen Pilar Javier Alejandro Fernando Miguel Diego Pablo Giulia Giuseppe
Francesca Alessandro Lorenzo Matteo Chiara Niccolò João Conceição Gonçalo Luís Paweł Łukasz Michał
Małgorzata Zofia Wojciech Agnieszka Krzysztof Tomasz Jiří Tomáš Lucie Zdeněk Ondřej Dušan Milan Nikola
Ivana Dragan Mehmet Ayşe Emre Zeynep Özlem Gökhan Priya Rahul Anjali Vikram Arjun Deepak Sunita Ravi
Ananya Wei Li Jing Hui Yan Min Jun Hiroshi Yuki Haruto Sakura Kenji Aiko Minh Linh Kwame Amara Chidi
Ngozi Fatima Ahmed Omar Layla Yusuf Karim Leïla Nadia Samir Mohammed Olga Ivan Dmitri Natalia Sergei
Anastasia Pavel Ingrid Astrid Sigrid Lars Nils Erik Anders Maja Freya Oskar Emil Aino Eero Jukka Päivi
Siobhán Seán Niamh Aoife Ciarán Eoin Róisín
"""
)

LAST_NAMES = [
    *_words(
        """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis
Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera
Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart
Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim
Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo
Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler
Henderson Barnes Fisher Vasquez Simmons Romero Patterson Hamilton Graham Reynolds Griffin Wallace Moreno
West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens
Harrison McDonald Woods Washington Kennedy Wells Vargas Chen Freeman Webb Tucker Guzman Burns Crawford Olson
Simpson Porter Hunter Gordon Silva Shaw Snyder Mason Dixon Muñoz Hunt Hicks Holmes Palmer Black Robertson
Boyd Rose Stone Salazar Fox Warren Mills Rice Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan
Gardner Payne Grant Dunn Spencer Hawkins Pierce Hart Bradley Knight Elliott Cunningham Duncan Armstrong
Hudson Carroll Lane Riley Andrews Ray Berry Perkins Hoffman Johnston Matthews Richards Willis Carpenter
Müller Schneider Fischer Weber Meyer Wagner Becker Schulz Schäfer Koch Bauer Richter Klein Wolf Schröder
Neumann Schwarz Zimmermann Braun Krüger Hartmann Lange Schmitt Werner Krause Lehmann Köhler König Huber
Kaiser Fuchs Scholz Möller Weiß Hahn Vogel Friedrich Keller Berger Winkler Roth Lorenz Baumann Böhm Jäger
Bernard Dubois Petit Durand Leroy Moreau Laurent Lefèvre Michel Bertrand Roux Fournier Morel Girard André
Mercier Dupont Lambert Bonnet Legrand Garnier Faure Rousseau Blanc Guérin Roussel Perrin Mathieu Gauthier
Chevalier Masson Gérard Boyer Lemaire Duval Joly Roche Noël Meunier Marchand Dufour Blanchard Barbier
Brunet Leroux Renard Arnaud Caron Aubert Leclerc Vidal Bourgeois Lemoine Picard Lacroix Fabre Dupuis Rivière
Ménard Fleury Deschamps Prévost Poirier Carré Rémy Fernández González Rodríguez López Martínez
Sánchez Pérez Gómez Jiménez Hernández Díaz Álvarez Alonso Gutiérrez Navarro Domínguez Vázquez Serrano
Blanco Suárez Molina Ortega Delgado Rubio Marín Sanz Núñez Iglesias Garrido Cortés Lozano Guerrero Prieto
Méndez Calvo Gallego León Márquez Peña Cabrera Fuentes Carrasco Ibáñez Ferrer Durán Benítez Román Sáez
Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti Mancini
Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Rinaldi Caruso Leone Gentile Martinelli
Vitale Coppola D'Angelo Marchetti Parisi Ferraro Fabbri Valentini Pellegrini Cattaneo Johansson
Andersson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Jönsson Lindberg Lindqvist
Åberg Öberg Sjöberg Nyström Bergström Forsberg Jensen Nielsen Hansen Pedersen Christensen Larsen Sørensen
Rasmussen Jørgensen Møller Virtanen Korhonen Mäkinen Nieminen Mäkelä Hämäläinen Järvinen Nowak Kowalski
Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak Dąbrowski Kozłowski Mazur
Novák Svoboda Novotný Dvořák Černý Procházka Kučera Yılmaz Kaya Demir Şahin Çelik Yıldız Öztürk Aydın
Sharma Singh Kumar Gupta Mehta Iyer Reddy Nair Rao Desai Joshi Shah Wang Li Zhang Liu Yang Huang Zhao Wu
Zhou Xu Sun Ma Zhu Guo Lin Sato Suzuki Takahashi Tanaka Watanabe Itō Yamamoto Nakamura Kobayashi Yoshida
Pham Hoang Phan Vu Dang Bui O'Brien O'Connor O'Sullivan McCarthy Byrne Walsh Doyle Kavanagh Ivanov Smirnov
Kuznetsov Popov Petrov Sokolov Novikov Okafor Mensah Adeyemi Diallo Traoré Ndiaye Haddad Khoury Mansour
Cohen Levi Friedman Katz
"""
    ),
    *["De Luca", "Le Gall", "da Silva", "dos Santos", "van Dijk", "Ó Briain"],
]

# Half the contacts have one of the common last names above; the other half a rarer one built from
# these parts (20,000 of them), as a real customer base has a long tail of surnames. With the common
# names alone, 200,000 contacts would share 180,000 combinations and most names would be ambiguous.
RARE_NAME_HEADS = _words("Ber Van Kal Mor Dal Fer Hal Lin Mar Ros Sel Tor Wal Zan Bel Cas Del Fal Gar Hen")
RARE_NAME_HEADS += _words("Jas Kor Lau Mel Nor Pel Quin Rad Sav Tam Ul Var Wes Yor Ost Ast Brav Crom Dras Eck")
RARE_NAME_MIDDLES = ["", *_words("a e i o en er an el or in ul ar ov ber den lin man sen ten")]
RARE_NAME_ENDS = _words("son sen ski ova ez ini elli berg stein ham ton ley ard ier eau ic escu opoulos enko ian")
RARE_NAME_ENDS += _words("sson mann ström ès ová")
COMMON_LAST_NAME_SHARE = 0.5

BRAND_HEADS = _words(
    """
Nord Sud Alp Blue Red Green Silver Gold Iron Stone River Lake Sun Star Nova Terra Aqua Vita Ever Bright Clear
Swift True Prime Peak Summit Harbor Cedar Oak Pine Maple Birch Falcon Eagle Hawk Wolf Fox Lion Zen Omni Inter
Trans Meta Neo Astra Orbi Vect Quant Lum Sol Cel Ver Mar Pol Tel Dyn Syn Kin Hel Bel Cor Dal Fen Gal Mer
"""
)
BRAND_TAILS = _words(
    """
wind field ridge stone water light line point gate bridge works tech tron tex nix lab sys soft ware cloud
data logic ify ly io ia ium ex ix ora ova ara ant ent a o um us is co dyne path core wave form mark sense
"""
)
INDUSTRIES = _words(
    """
Systems Logistics Bank Pharma Energy Énergie Capital Partners Consulting Analytics Software Solutions
Technologies Foods Motors Industries Insurance Assurances Telecom Media Health Santé Robotics Aerospace
Chemicals Materials Retail Textiles Construction Bâtiment Holdings Ventures Labs Networks Security Mobility
Hotels Airlines Shipping Maritime Biotech Medical Semiconductors Payments Finance Immobilier Automation
Electronics Instruments Beverages Cosmetics Studios Publishing Education Games
"""
)
LEGAL_FORMS = _words("Inc Ltd LLC GmbH AG SA SAS SARL BV NV SpA AB AS Oy plc Group")
#: Letters that lose their accent in NFKD anyway are not listed; these have no decomposition.
PLAIN_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "Ae", "ı": "i", "đ": "d"})

WORKSPACE_COLUMNS = ("id", "slack_team_id", "name", "created_at")
MEMBER_COLUMNS = ("id", "workspace_id", "slack_user_id", "display_name", "time_zone", "created_at")
ACCOUNT_COLUMNS = ("id", "workspace_id", "name", "name_key", "created_at")
CONTACT_COLUMNS = ("id", "workspace_id", "name", "name_key", "account_id", "created_at")
TIE_COLUMNS = (
    "id",
    "workspace_id",
    "member_id",
    "contact_id",
    "private",
    "score_total",
    "strength",
    "last_interaction_at",
    "interaction_count",
    "computed_at",
    "created_at",
)
LINK_COLUMNS = ("id", "workspace_id", "contact_a_id", "contact_b_id", "kind", "occurrences", "last_seen_at")
NAME_INDEX_COLUMNS = ("workspace_id", "variant", "contact_id", "account_id")

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
class Sizes:
    members: int
    contacts: int
    accounts: int
    ties: int
    links: int
    queries: int


@dataclass(frozen=True)
class Population:
    """The people and companies of the workspace; ties and links are streamed, never kept."""

    member_names: list[str]
    account_names: list[str]  # account id = index + 1
    contact_names: list[str]  # contact id = index + 1
    contact_account: list[int]  # the account id of each contact
    account_contacts: dict[int, list[int]]


@dataclass(frozen=True)
class Query:
    """One `/whoknows` as typed: `target_id` is a contact id, or an account id for a company."""

    text: str
    kind: str  # "person" or "company"
    typo: bool
    target_id: int
    floor_contact_id: int
    asker_id: int


# Generating the workspace --------------------------------------------------------------------------
def make_population(sizes: Sizes, seed: int) -> Population:
    rng = random.Random(f"{seed}:population")
    first_weights = _zipf_cumulative(len(FIRST_NAMES), exponent=0.5)
    last_weights = _zipf_cumulative(len(LAST_NAMES), exponent=0.3)

    def people(count: int) -> list[str]:
        firsts = rng.choices(FIRST_NAMES, cum_weights=first_weights, k=count)
        commons = rng.choices(LAST_NAMES, cum_weights=last_weights, k=count)
        lasts = [
            common
            if rng.random() < COMMON_LAST_NAME_SHARE
            else rng.choice(RARE_NAME_HEADS) + rng.choice(RARE_NAME_MIDDLES) + rng.choice(RARE_NAME_ENDS)
            for common in commons
        ]
        return [f"{first} {last}" for first, last in zip(firsts, lasts, strict=True)]

    account_sizes = _skewed_counts(sizes.contacts, sizes.accounts, 1.5, max(sizes.contacts // 100, 1), rng)
    contact_account = [account for account, size in enumerate(account_sizes, start=1) for _ in range(size)]
    rng.shuffle(contact_account)
    account_contacts: dict[int, list[int]] = {}
    for contact_id, account_id in enumerate(contact_account, start=1):
        account_contacts.setdefault(account_id, []).append(contact_id)
    return Population(
        member_names=people(sizes.members),
        account_names=_company_names(sizes.accounts, rng),
        contact_names=people(sizes.contacts),
        contact_account=contact_account,
        account_contacts=account_contacts,
    )


def _zipf_cumulative(count: int, exponent: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, count + 1)))


def _skewed_counts(total: int, bins: int, sigma: float, cap: int, rng: random.Random) -> list[int]:
    """`total` split over `bins` with log-normal weights, none above `cap`."""
    weights = [rng.lognormvariate(0.0, sigma) for _ in range(bins)]
    scale = total / sum(weights)
    counts = [min(cap, int(weight * scale)) for weight in weights]
    short = total - sum(counts)
    open_bins = [i for i in range(bins) if counts[i] < cap]
    while short > 0 and open_bins:
        for i in rng.choices(open_bins, weights=[weights[i] for i in open_bins], k=short):
            if counts[i] < cap and short > 0:
                counts[i] += 1
                short -= 1
        open_bins = [i for i in open_bins if counts[i] < cap]
    return counts


def _company_names(count: int, rng: random.Random) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        brand = rng.choice(BRAND_HEADS) + rng.choice(BRAND_TAILS)
        shape = rng.random()
        if shape < 0.45:
            name = f"{brand} {rng.choice(INDUSTRIES)}"
        elif shape < 0.75:
            name = f"{brand} {rng.choice(INDUSTRIES)} {rng.choice(LEGAL_FORMS)}"
        elif shape < 0.9:
            name = f"{brand} {rng.choice(LEGAL_FORMS)}"
        else:
            name = f"{brand} & {rng.choice(BRAND_HEADS)}{rng.choice(BRAND_TAILS)}"
        key = fold(name)
        if key not in seen:
            seen.add(key)
            names.append(name)
    return names


def load_workspace(engine: Engine, population: Population, sizes: Sizes, seed: int) -> dict[str, int]:
    """Migrate an empty database and fill it; returns the number of rows per table."""
    migrate(engine)
    counts: dict[str, int] = {}
    tables: list[tuple[Table, Sequence[str], Iterable[tuple[Any, ...]]]] = [
        (Workspace.__table__, WORKSPACE_COLUMNS, [(WORKSPACE_ID, TEAM_ID, "Bench", NOW)]),
        (Member.__table__, MEMBER_COLUMNS, _member_rows(population)),
        (Account.__table__, ACCOUNT_COLUMNS, _account_rows(population)),
        (Contact.__table__, CONTACT_COLUMNS, _contact_rows(population)),
        (NameIndexEntry.__table__, NAME_INDEX_COLUMNS, _name_index_rows(population)),
        (Tie.__table__, TIE_COLUMNS, _tie_rows(sizes, random.Random(f"{seed}:ties"))),
        (ContactLink.__table__, LINK_COLUMNS, _link_rows(population, sizes, random.Random(f"{seed}:links"))),
    ]
    for table, columns, rows in tables:
        started = perf_counter()
        with engine.begin() as connection:
            counts[table.name] = _bulk_insert(connection, table, columns, rows)
        say(f"  {table.name}: {counts[table.name]:,} rows in {perf_counter() - started:.1f} s")
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            for table in ("workspaces", "members", "accounts", "contacts", "ties", "contact_links"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
                )
    vacuum_analyze(engine, [table.name for table, _, _ in tables])
    return counts


def _bulk_insert(connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    count = 0
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    statement = insert(table)
    iterator = iter(rows)
    while chunk := [dict(zip(columns, row, strict=True)) for row in itertools.islice(iterator, COPY_CHUNK)]:
        connection.execute(statement, chunk)
        count += len(chunk)
    return count


def _member_rows(population: Population) -> Iterator[tuple[Any, ...]]:
    for member_id, name in enumerate(population.member_names, start=1):
        yield (member_id, WORKSPACE_ID, _slack_user_id(member_id), name, "Europe/Paris", NOW)


def _slack_user_id(member_id: int) -> str:
    return f"U{member_id:08d}"


def _account_rows(population: Population) -> Iterator[tuple[Any, ...]]:
    for account_id, name in enumerate(population.account_names, start=1):
        yield (account_id, WORKSPACE_ID, name, fold(name), NOW)


def _contact_rows(population: Population) -> Iterator[tuple[Any, ...]]:
    keys: dict[str, str] = {}
    for contact_id, (name, account_id) in enumerate(
        zip(population.contact_names, population.contact_account, strict=True), start=1
    ):
        key = keys.get(name) or keys.setdefault(name, fold(name))
        yield (contact_id, WORKSPACE_ID, name, key, account_id, NOW)


def _name_index_rows(population: Population) -> Iterator[tuple[Any, ...]]:
    """One row per variant of each name, as `WorkspaceRepository.index_name` writes them."""
    variants: dict[str, list[str]] = {}
    for account_id, name in enumerate(population.account_names, start=1):
        for variant in sorted(name_variants(name)):
            yield (WORKSPACE_ID, variant, None, account_id)
    for contact_id, name in enumerate(population.contact_names, start=1):
        if name not in variants:
            variants[name] = sorted(name_variants(name))
        for variant in variants[name]:
            yield (WORKSPACE_ID, variant, contact_id, None)


def _tie_rows(sizes: Sizes, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """Each member's ties: skewed degrees, and some contacts known by many more members than others."""
    cap = max(1, min(sizes.contacts // 4, 15 * sizes.ties // max(sizes.members, 1)))
    degrees = _skewed_counts(sizes.ties, sizes.members, 1.2, cap, rng)
    contact_ids = range(1, sizes.contacts + 1)
    popularity = list(itertools.accumulate(rng.lognormvariate(0.0, 1.0) for _ in contact_ids))
    tie_id = 0
    for member_id, degree in enumerate(degrees, start=1):
        known: set[int] = set()
        while len(known) < degree:
            known.update(rng.choices(contact_ids, cum_weights=popularity, k=degree - len(known)))
        for contact_id in sorted(known):
            tie_id += 1
            # Most ties are weak, some strong (beta 1.2/3: mean 0.29, ~8 % above 0.6); 5 % not scored yet.
            strength = 0.0 if rng.random() < 0.05 else round(rng.betavariate(1.2, 3.0), 4)
            last = NOW - timedelta(days=rng.expovariate(1 / 120)) if strength else None
            interactions = 1 + int(rng.expovariate(1 / (1 + 10 * strength))) if strength else 0
            yield (
                tie_id,
                WORKSPACE_ID,
                member_id,
                contact_id,
                rng.random() < 0.02,
                round(strength * 10) if strength else None,
                strength,
                last,
                interactions,
                NOW,
                NOW,
            )


def _link_rows(population: Population, sizes: Sizes, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """Contacts who met: 80 % colleagues at one company, the rest across companies; 10 % introductions."""
    seen: set[tuple[int, int, str]] = set()
    attempts = 0
    while len(seen) < sizes.links and attempts < 20 * sizes.links:
        attempts += 1
        first = rng.randint(1, sizes.contacts)
        colleagues = population.account_contacts[population.contact_account[first - 1]]
        if rng.random() < 0.8 and len(colleagues) > 1:
            second = rng.choice(colleagues)
        else:
            second = rng.randint(1, sizes.contacts)
        if first == second:
            continue
        kind = "introduction" if rng.random() < 0.1 else "co_attendance"
        low, high = min(first, second), max(first, second)
        if (low, high, kind) in seen:
            continue
        seen.add((low, high, kind))
        occurrences = 1 if kind == "introduction" else 1 + int(rng.expovariate(0.7))
        last_seen = NOW - timedelta(days=rng.expovariate(1 / 180))
        yield (len(seen), WORKSPACE_ID, low, high, kind, occurrences, last_seen)


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
        return who_knows(UnitOfWork(sessions), Actor(TEAM_ID, _slack_user_id(query.asker_id)), query.text, NOW)

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
    rss_before = current_rss_mb()
    graph: nx.Graph[tuple[str, int]] = nx.Graph()
    graph.add_weighted_edges_from((("member", m), ("contact", c), _cost(s)) for m, c, s in ties)
    # Hubs stand for teammates and colleagues: two half-hops cost one link of their strength.
    team_cost = _cost(TEAMMATE_BASE) / 2
    graph.add_weighted_edges_from((("member", m), ("team", 0), team_cost) for m in {m for m, _, _ in ties})
    graph.add_weighted_edges_from(
        (("contact", a), ("contact", b), _cost(link_strength(kind, n))) for a, b, kind, n in links
    )
    colleague_cost = _cost(COLLEAGUE_STRENGTH) / 2
    graph.add_weighted_edges_from((("contact", c), ("account", a), colleague_cost) for c, a in accounts)
    built = perf_counter()
    graph_mb = current_rss_mb() - rss_before
    del ties, links, accounts
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
    result = {
        "naive_load_s": round(loaded - started, 2),
        "naive_build_s": round(built - loaded, 2),
        "naive_graph_mb": round(graph_mb),
        "naive_graph": {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()},
        "naive_query_ms": percentiles(timings),
        "naive_found": found,
    }
    del graph
    gc.collect()
    return result


def _cost(strength: float) -> float:
    return -math.log(max(strength, MIN_EDGE_WEIGHT))


def current_rss_mb() -> float:
    """The resident set now (Linux), to size one structure; the peak is `peak_rss_mb`."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return peak_rss_mb()


def say(message: str) -> None:
    print(f"[whoknows bench {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# One backend ---------------------------------------------------------------------------------------
def run_backend(backend: str, sizes: Sizes, args: argparse.Namespace) -> dict[str, Any]:
    """Generate, time the service, the floor, the structure and the naive search on one database."""
    with tempfile.TemporaryDirectory(prefix="rapport-bench-whoknows-") as folder:
        if backend == "sqlite":
            path = args.sqlite_file or f"{folder}/bench.db"
            url, options, schema = f"sqlite:///{path}", {}, None
        else:
            url, schema = os.environ["TEST_DATABASE_URL"], args.pg_schema or f"bench_whoknows_{uuid.uuid4().hex[:8]}"
            options = {"connect_args": {"options": f"-csearch_path={schema}"}}
            run_sql(url, f"CREATE SCHEMA IF NOT EXISTS {schema}")
        try:
            return _measure(backend, url, options, sizes, args)
        finally:
            if schema is not None and not args.pg_schema:
                run_sql(url, f"DROP SCHEMA {schema} CASCADE")


def _measure(backend: str, url: str, options: dict[str, Any], sizes: Sizes, args: argparse.Namespace) -> dict[str, Any]:
    rss: dict[str, float] = {}
    say(f"{backend}: generating the population")
    population = make_population(sizes, args.seed)
    queries = make_queries(population, sizes.queries + args.warmup, args.seed)
    warmup, queries = queries[: args.warmup], queries[args.warmup :]

    started = perf_counter()
    if _kept(backend, url, options, args):
        say(f"{backend}: reusing the database kept by an earlier run")
        rows = _in_child(_reuse_child, url, options)
    else:
        say(f"{backend}: loading {sizes}")
        rows = _in_child(_load_child, url, options, population, sizes, args.seed)
    generate_s = perf_counter() - started
    say(f"{backend}: generated in {generate_s:.1f} s")
    shape = _shape(population)
    del population
    gc.collect()
    gc.freeze()
    rss["after_generate"] = peak_rss_mb()

    engine = make_engine(url, **options)
    say(f"{backend}: timing the service on {len(queries)} queries after {len(warmup)} to warm up")
    result: dict[str, Any] = {"generate_s": round(generate_s, 1), "rows": rows, "population": shape}
    result |= time_service(engine, queries, warmup)
    rss["after_service"] = peak_rss_mb()
    say(f"{backend}: service {result['service_ms']}")

    say(f"{backend}: timing the floor")
    time_floor(engine, warmup)
    result["floor_ms"] = time_floor(engine, queries)
    rss["after_floor"] = peak_rss_mb()

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
    engine.dispose()

    service_p95 = result["service_ms"]["p95"]
    result["ratio_service_to_floor_p95"] = round(service_p95 / max(result["floor_ms"]["p95"], 1e-9), 1)
    if "naive_query_ms" in result:
        result["ratio_naive_to_service_p95"] = round(result["naive_query_ms"]["p95"] / max(service_p95, 1e-9), 1)
    result["rss_mb"] = rss
    result["peak_rss_mb"] = peak_rss_mb()
    workspace_rows = rows["ties"] + rows["contact_links"] + rows["contacts"]
    result["met"] = {
        "service_p95": service_p95 <= TARGET_SERVICE_P95_MS,
        "structure": result.get("structure_s", 0) <= TARGET_STRUCTURE_S,
        "no_whole_graph_load": result["orm_rows_per_call"]["max"] <= MAX_SHARE_READ_PER_CALL * workspace_rows,
    }
    return result


def _shape(population: Population) -> dict[str, Any]:
    names = Counter(fold(name) for name in population.contact_names)
    shared = sum(count for count in names.values() if count > 1)
    return {
        "contacts_sharing_their_name": round(shared / max(len(population.contact_names), 1), 3),
        "largest_account": max(len(contacts) for contacts in population.account_contacts.values()),
    }


def _load_child(url: str, options: dict[str, Any], population: Population, sizes: Sizes, seed: int) -> dict[str, int]:
    engine = make_engine(url, **options)
    try:
        rows = load_workspace(engine, population, sizes, seed)
        migrate(engine)  # as `rapport run` does when it starts: fresh statistics for the planner
        return rows
    finally:
        engine.dispose()


def _kept(backend: str, url: str, options: dict[str, Any], args: argparse.Namespace) -> bool:
    """Whether `--sqlite-file` or `--pg-schema` names a database an earlier run filled."""
    if backend == "sqlite":
        return bool(args.sqlite_file) and os.path.exists(args.sqlite_file)
    if not args.pg_schema:
        return False
    engine = make_engine(url, **options)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT to_regclass('ties') IS NOT NULL")).scalar_one()
    finally:
        engine.dispose()


def _reuse_child(url: str, options: dict[str, Any]) -> dict[str, int]:
    """A database kept by an earlier run: migrate it as the app would on start, and count its rows."""
    engine = make_engine(url, **options)
    try:
        migrate(engine)
        with engine.connect() as connection:
            return {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("members", "accounts", "contacts", "name_index", "ties", "contact_links")
            }
    finally:
        engine.dispose()


def _in_child(function: Any, *arguments: Any) -> Any:
    """Run `function` in a forked process and return its result, so its memory stays out of ours."""
    context = multiprocessing.get_context("fork")
    results = context.SimpleQueue()

    def target() -> None:
        results.put(function(*arguments))

    process = context.Process(target=target)
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"generating the workspace failed (exit code {process.exitcode})")
    return results.get()


# The command line ----------------------------------------------------------------------------------
def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.whoknows", description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000)
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--accounts", type=int, help="companies (default: one per ten contacts)")
    parser.add_argument("--ties", type=int, default=1_000_000)
    parser.add_argument("--links", type=int, default=300_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--naive-queries", type=int, default=50, help="queries timed on the naive graph (seconds each)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
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
    sizes = Sizes(
        members=args.members,
        contacts=args.contacts,
        accounts=args.accounts or max(args.contacts // 10, 1),
        ties=args.ties,
        links=args.links,
        queries=args.queries,
    )
    if args.backend == "postgresql" and not os.environ.get("TEST_DATABASE_URL"):
        sys.exit("--backend postgresql needs TEST_DATABASE_URL")
    if args.backend == "both":
        backends = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
        # One process per database, so each one's peak memory is its own.
        results = {backend: _run_in_subprocess(backend, argv) for backend in backends}
    else:
        results = {args.backend: run_backend(args.backend, sizes, args)}
    print(
        json.dumps(
            {
                "backends": results,
                "sizes": asdict(sizes) | {"first_names": len(FIRST_NAMES), "last_names": len(LAST_NAMES)},
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
