"""Shards checked separately and merged give the report of the whole corpus."""

from __future__ import annotations

import itertools
import json
import pickle
import runpy
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import EXAMPLES, FIXTURES, ROOT, example, near_duplicate_lines
from jsonl_guard import (
    Checker,
    CheckOptions,
    check_shard,
    check_shard_path,
    merge_shards,
    shard_report,
)

BAD = (EXAMPLES / "support-bad.jsonl").read_bytes().splitlines(keepends=True)
POOL = [
    *BAD,
    json.dumps(example(1)).encode() + b"\n",  # repeated across shards: duplicates
    json.dumps(example(2)).encode() + b"\r\n",
    b"\n",
    b'{"messages": [}\n',
    # Secrets and personal data (JG280, JG281): per-line findings, masked.
    *(FIXTURES / "rules" / "JG280" / "bad.jsonl").read_bytes().splitlines(keepends=True)[2:5],
    *(FIXTURES / "rules" / "JG281" / "bad.jsonl").read_bytes().splitlines(keepends=True)[10:11],
]
CHECKER = Checker(CheckOptions(max_cost=0.01))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.sampled_from(POOL), min_size=1, max_size=40),
    st.lists(st.integers(0, 40), max_size=4),
)
def test_merged_shards_equal_the_whole(lines, cuts):
    whole = CHECKER.check_lines(lines, path="corpus")
    bounds = [0, *sorted(min(c, len(lines)) for c in cuts), len(lines)]
    shards = [check_shard(CHECKER, lines[a:b]) for a, b in itertools.pairwise(bounds)]
    merged = shard_report(CHECKER, merge_shards(shards), path="corpus")
    assert merged == whole


def test_shards_pickle_and_merge_after_a_round_trip(tmp_path):
    first = tmp_path / "a.jsonl"
    second = tmp_path / "b.jsonl"
    first.write_bytes(b"".join(BAD[:10]))
    second.write_bytes(b"".join(BAD[10:] + BAD[:2]))
    shards = [pickle.loads(pickle.dumps(check_shard_path(CHECKER, p))) for p in (first, second)]
    merged = shard_report(CHECKER, merge_shards(shards), path="corpus")
    assert merged == CHECKER.check_lines(BAD + BAD[:2], path="corpus")
    repeats = [(d.line, d.message) for d in merged.diagnostics if d.code == "JG303"]
    assert repeats == [(len(BAD) + 1, "the example repeats line 1"),
                       (len(BAD) + 2, "the example repeats line 2")]  # fmt: skip


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(0, 42), max_size=4))
def test_near_duplicates_in_other_shards_pair_after_the_merge(cuts):
    """A rewording in one shard and its source in another: the merged sketches pair
    them at the line the whole corpus reports."""
    lines, reworded = near_duplicate_lines(40)
    whole = CHECKER.check_lines(lines, path="corpus")
    assert [d.line for d in whole.diagnostics if d.code == "JG314"] == reworded
    bounds = [0, *sorted(cuts), len(lines)]
    shards = [check_shard(CHECKER, lines[a:b]) for a, b in itertools.pairwise(bounds)]
    assert shard_report(CHECKER, merge_shards(shards), path="corpus") == whole


def test_dask_example_checks_shards_and_merges(tmp_path, monkeypatch, capsys):
    pytest.importorskip("dask")
    for i in range(3):
        lines = [json.dumps(example(10 * i + j)) for j in range(10)]
        (tmp_path / f"shard-{i}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(
        sys, "argv", ["dask_check.py", str(tmp_path / "shard-*.jsonl"), "--format", "json"]
    )
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(ROOT / "examples" / "dask_check.py"), run_name="__main__")
    assert exit_info.value.code == 0
    report = json.loads(capsys.readouterr().out)
    (file,) = report["files"]
    assert file["examples"] == 30
    assert (
        file["diagnostics"] == [d for d in file["diagnostics"] if d["code"] == "JG302"]
        and len(file["diagnostics"]) == 1
    )


def test_secrets_and_personal_data_merge_as_in_the_whole():
    lines = [
        *(FIXTURES / "rules" / "JG280" / "bad.jsonl").read_bytes().splitlines(keepends=True),
        *(FIXTURES / "rules" / "JG281" / "bad.jsonl").read_bytes().splitlines(keepends=True),
    ]
    whole = CHECKER.check_lines(lines, path="corpus")
    shards = [check_shard(CHECKER, lines[a:b]) for a, b in ((0, 5), (5, 13), (13, 24))]
    assert shard_report(CHECKER, merge_shards(shards), path="corpus") == whole
    found = [(d.code, d.line) for d in whole.diagnostics if d.code in ("JG280", "JG281")]
    assert found == [("JG280", n) for n in (3, 5, 8, 8, 10)] + [
        ("JG281", 12 + n) for n in (2, 4, 7, 9, 11, 11)
    ]


# The answer rules (JG311-JG313) read per-example digests kept in the stats: lines of
# their bad fixtures, cut anywhere, give the whole corpus's findings.
RULES_FIXTURES = EXAMPLES.parent / "tests" / "fixtures" / "rules"
QUALITY = [
    line
    # 9 of 72 replies share one template (over 10%), 4 refuse (over 5%).
    for code in ("JG312", "JG311", "JG312", "JG313", "JG312", "JG313")
    for line in (RULES_FIXTURES / code / "bad.jsonl").read_bytes().splitlines(keepends=True)
]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, len(QUALITY)), min_size=1, max_size=4))
def test_merged_shards_give_the_answer_rules_of_the_whole(cuts):
    whole = CHECKER.check_lines(QUALITY, path="corpus")
    assert {"JG311", "JG312", "JG313"} <= {d.code for d in whole.diagnostics}
    bounds = [0, *sorted(cuts), len(QUALITY)]
    shards = [check_shard(CHECKER, QUALITY[a:b]) for a, b in itertools.pairwise(bounds)]
    assert shard_report(CHECKER, merge_shards(shards), path="corpus") == whole
