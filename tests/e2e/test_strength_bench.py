"""bench/strength.py on a tiny synthetic sample shaped like the Copenhagen Networks Study's files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.strength import activities_csv, auc, load, main


def write_sample(folder: Path) -> None:
    """Five participants, synthetic: 0 and 1 call and text for days (friends), 2 and 3 text once (not),
    0 and 4 once by a missed call (friends), 3 texts himself (dropped)."""
    day = 86_400
    calls = ["timestamp,caller,callee,duration"]
    calls += [f"{d * day},0,1,{600 + d}" for d in range(5)] + [f"{3 * day},4,0,-1"]
    texts = ["timestamp,sender,recipient"]
    texts += [f"{d * day + 60},1,0" for d in range(0, 20, 2)] + [f"{day},2,3", f"{day},3,3"]
    friends = ["# user_a,user_b", "0,1", "0,4", "1,2"]
    for name, lines in (("calls.csv", calls), ("sms.csv", texts), ("fb_friends.csv", friends)):
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_auc_is_the_chance_a_positive_ranks_above_a_negative() -> None:
    """Perfect 1, reversed 0, equal scores one half."""
    assert auc([3.0, 2.0, 1.0], [True, True, False]) == 1.0
    assert auc([1.0, 2.0, 3.0], [True, True, False]) == 0.0
    assert auc([1.0, 1.0, 1.0, 1.0], [True, False, True, False]) == 0.5


def test_each_pair_becomes_one_tie_its_lower_id_the_member(tmp_path: Path) -> None:
    """Calls keep whole minutes (a missed one 0), texts are chat messages, direction from the member's side."""
    write_sample(tmp_path)
    contacts, friends = load(tmp_path)
    assert len(contacts) == 17 and frozenset((0, 4)) in friends
    rows = activities_csv(contacts).decode().splitlines()
    assert rows[0] == "Owner,Contact,Type,Direction,Date,Duration,Subject"
    assert rows[1] == "U000000,Participant 1,Phone call,Outbound,2026-03-01 00:00,10,cns #0"
    assert rows[6] == "U000000,Participant 4,Phone call,Inbound,2026-03-04 00:00,0,cns #5"
    assert rows[7] == "U000000,Participant 1,Text message,Inbound,2026-03-01 00:01,,cns #6"


def test_the_bench_prints_one_json_line_with_every_auc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Imported, scored and exported: three ties, two of them friends, every figure's AUC."""
    write_sample(tmp_path)
    assert main(["--data", str(tmp_path)]) == 0
    line = json.loads(capsys.readouterr().out)
    assert (line["pairs"], line["positives"]) == (3, 2)
    expected = {"strength", "activity", "volume", "regularity", "spread", "variety", "reciprocity"}
    expected |= {"interactions", "total_minutes", "distinct_days", "recency", "former_strength"}
    assert expected <= set(line["auc"]) and all(0.0 <= value <= 1.0 for value in line["auc"].values())
    # 0-1 ranks above 2-3 (1), 0-4's missed call below 2-3's text (0); by count 0-4 and 2-3 tie (1/2);
    # 0-4's missed call came after 2-3's text (recency 1)
    assert (line["auc"]["strength"], line["auc"]["interactions"], line["auc"]["recency"]) == (0.5, 0.75, 1.0)
    assert line["best_single_feature"] == "recency" and not line["target_met"]
