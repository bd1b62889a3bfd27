"""Checking in forked workers over byte ranges gives exactly the single-process report."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import EXAMPLES, FIXTURES, after_ctrl_c, example, near_duplicate_lines
from jsonl_guard import Checker, CheckOptions
from jsonl_guard.cli import main
from jsonl_guard.engine.parallel import byte_ranges, fork_available, range_lines

pytestmark = pytest.mark.skipif(not fork_available(), reason="needs the fork start method")
BAD = (EXAMPLES / "support-bad.jsonl").read_bytes().splitlines(keepends=True)
# JG280 and JG281 fixtures: secrets and personal data at known lines.
SENSITIVE = [
    line
    for code in ("JG280", "JG281")
    for line in (FIXTURES / "rules" / code / "bad.jsonl").read_bytes().splitlines(keepends=True)
]
CHECKER = Checker(CheckOptions(max_cost=0.05))


def both(path, jobs):
    """The single-process report, and the parallel one (which must really fork)."""
    import jsonl_guard.engine.parallel as parallel_module

    single = CHECKER.check_path(path)
    calls = []
    real = parallel_module.check_ranges

    def counted(*args, **kwargs):
        calls.append(len(args[2]))
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(parallel_module, "check_ranges", counted)
        parallel = CHECKER.check_path(path, jobs=jobs, min_parallel_bytes=0)
    # A file splits where a cut lands inside a later line (a 1-byte first line may not).
    ranges = byte_ranges(path, parallel_module.range_count(path.stat().st_size, jobs))
    if len(ranges) > 1:
        assert calls and calls[0] > 1, "the parallel check stayed in one process"
    return single, parallel


@pytest.mark.parametrize("jobs", [2, 3, 4, 7])
def test_identical_report_on_a_file_with_every_kind_of_finding(tmp_path, jobs):
    duplicate = json.dumps(example(3)).encode() + b"\n"
    lines = [b"\xef\xbb\xbf" + BAD[0], *BAD, b"\n", duplicate, *BAD, b"   \r\n", duplicate, *BAD]
    lines += SENSITIVE
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(b"".join(lines))
    single, parallel = both(path, jobs)
    assert parallel == single
    codes = {d.code for d in single.diagnostics}
    assert {"JG101", "JG103", "JG104", "JG110", "JG303", "JG501", "JG280", "JG281"} <= codes


@pytest.mark.parametrize("jobs", [2, 3])
def test_identical_answer_findings_across_ranges(tmp_path, jobs):
    # Conflicts, a repeated answer and refusals whose lines land in different ranges.
    rules = EXAMPLES.parent / "tests" / "fixtures" / "rules"
    # 9 of 72 replies share one template (over 10%), 4 refuse (over 5%).
    codes = ("JG312", "JG311", "JG312", "JG313", "JG312", "JG313")
    path = tmp_path / "answers.jsonl"
    path.write_bytes(b"".join((rules / c / "bad.jsonl").read_bytes() for c in codes))
    single, parallel = both(path, jobs)
    assert parallel == single
    assert {"JG311", "JG312", "JG313"} <= {d.code for d in single.diagnostics}


@pytest.mark.parametrize("jobs", [2, 5])
def test_near_duplicates_across_ranges_pair_as_in_one_process(tmp_path, jobs):
    """The sketches of every range merge: a rewording far from its source (another
    range, another worker) is paired with it as the single process pairs it."""
    lines, reworded = near_duplicate_lines(60)
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(b"".join(lines))
    single, parallel = both(path, jobs)
    assert parallel == single
    assert [d.line for d in single.diagnostics if d.code == "JG314"] == reworded


def test_near_duplicates_of_training_with_jobs(tmp_path, monkeypatch):
    import jsonl_guard.engine.parallel as parallel

    lines, _ = near_duplicate_lines(60)
    train, valid = tmp_path / "train.jsonl", tmp_path / "valid.jsonl"
    train.write_bytes(b"".join(lines[:60]))
    valid.write_bytes(b"".join(lines[60:]))
    single = CHECKER.check_dataset([train], valid).report
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    assert CHECKER.check_dataset([train], valid, jobs=3).report == single
    found = [(d.line, d.message) for d in single.files[1].diagnostics if d.code == "JG315"]
    assert [(line, message.split(" similar to ")[1]) for line, message in found] == [
        (1, f"line 2 of {train}"),
        (2, f"line 5 of {train}"),
    ]


def test_file_without_final_newline(tmp_path):
    path = tmp_path / "tail.jsonl"
    path.write_bytes(b"".join(BAD).rstrip(b"\n"))
    single, parallel = both(path, 3)
    assert parallel == single


def test_ranges_start_on_line_boundaries_and_cover_the_file(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"".join(BAD * 3))
    ranges = byte_ranges(path, 5)
    assert ranges[0][0] == 0 and ranges[-1][1] == path.stat().st_size
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    data = path.read_bytes()
    assert all(data[start - 1 : start] == b"\n" for start, _ in ranges[1:])
    assert b"".join(line for a, b in ranges for line in range_lines(path, a, b)) == data


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.sampled_from([*BAD, b"\n", json.dumps(example(1)).encode() + b"\r\n"]),
        min_size=1,
        max_size=30,
    ),
    st.integers(2, 6),
)
def test_any_file_any_job_count(tmp_path_factory, lines, jobs):
    path = tmp_path_factory.mktemp("p") / "f.jsonl"
    path.write_bytes(b"".join(lines))
    single, parallel = both(path, jobs)
    assert parallel == single


def test_small_files_stay_in_process(tmp_path, monkeypatch):
    import jsonl_guard.engine.parallel as parallel

    def refuse(*args, **kwargs):
        raise AssertionError("a small file must not fork")

    monkeypatch.setattr(parallel, "check_ranges", refuse)
    path = tmp_path / "small.jsonl"
    path.write_bytes(b"".join(BAD))
    assert CHECKER.check_path(path, jobs=4) == CHECKER.check_path(path)


def test_cli_jobs_output_is_identical(capsys, tmp_path, monkeypatch):
    import jsonl_guard.engine.parallel as parallel

    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(b"".join(BAD * 4))
    outputs = []
    for jobs in ("1", "3"):
        code = main(["check", str(path), "--jobs", jobs, "--format", "json"])
        outputs.append((code, capsys.readouterr().out))
    assert outputs[0] == outputs[1]


def test_workers_capped_at_cores_and_ranges(tmp_path, monkeypatch):
    # --jobs 100000 once forked 100,000 workers (and cut 1.6 million ranges).
    import multiprocessing

    import jsonl_guard.engine.parallel as parallel_module

    real = multiprocessing.get_context("fork")
    pools: list[int | None] = []

    class SpyContext:
        def Pool(self, processes=None, initializer=None):  # multiprocessing's names
            pools.append(processes)
            return real.Pool(processes, initializer)

    monkeypatch.setattr(parallel_module.os, "cpu_count", lambda: 3)
    monkeypatch.setattr(parallel_module.multiprocessing, "get_context", lambda _: SpyContext())
    assert parallel_module.parallel_jobs(100_000) == 3
    assert parallel_module.parallel_jobs(0) == 3
    assert parallel_module.range_count(10**9, 100_000) == 3 * parallel_module.RANGES_PER_JOB
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"".join(BAD * 4))
    checker = Checker(CheckOptions(tokenizer="tiktoken"))  # quicktok adds a verifier pool
    single = checker.check_path(path)
    assert checker.check_path(path, jobs=100_000, min_parallel_bytes=0) == single
    assert pools == [3]
    pools.clear()
    two = byte_ranges(path, 2)
    run_ranges = parallel_module.check_ranges
    shard_checked: list[int] = []

    def counted(run, file, ranges, jobs):
        shard_checked.append(len(ranges))
        return run_ranges(run, file, two, jobs)

    monkeypatch.setattr(parallel_module, "check_ranges", counted)
    assert checker.check_path(path, jobs=100_000, min_parallel_bytes=0) == single
    assert pools == [len(two)] == [2]


@pytest.mark.parametrize("whole_group", [True, False], ids=["terminal", "parent-only"])
def test_ctrl_c_during_a_parallel_check_is_one_line_and_exit_130(tmp_path, whole_group):
    # A terminal's Ctrl-C reaches every worker too: each printed its own traceback.
    import os
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "big.jsonl"
    path.write_bytes(b"".join(BAD) * 5000)  # ~40 MB: seconds of work on two workers
    process = subprocess.Popen(
        [sys.executable, "-m", "jsonl_guard.cli", "check", str(path), "-q", "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    time.sleep(1.5)  # start-up, vocab, fork
    if whole_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    assert after_ctrl_c(process) == (130, "jsonl-guard: interrupted\n")
