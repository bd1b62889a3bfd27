"""A check whose per-example columns spill to disk (engine/columns.py, with a budget of
a few bytes: every column in a file after two values) reports byte for byte what the
default budget reports: every generated dataset and shipped example, ``--jobs 2``
(workers hand their columns over as files), a validation file (pairs across files,
``shared_with`` in several passes) and shards merged after a pickle. And no spill file
or directory is left in the temp dir after a check, an error or Ctrl-C.
"""

from __future__ import annotations

import itertools
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import jsonl_guard.engine.parallel as parallel
from helpers import EXAMPLES, FIXTURES, ROOT, after_ctrl_c, example, near_duplicate_lines
from jsonl_guard import Checker, CheckOptions, check_shard, merge_shards, report_dict, shard_report
from jsonl_guard.cli import main
from jsonl_guard.engine import columns, stats
from jsonl_guard.engine.columns import SPILL_ENV
from jsonl_guard.engine.file_run import FileRun
from jsonl_guard.engine.report import Report

TINY = "8"
GENERATED = sorted((FIXTURES / "generated").glob("*.jsonl"))
BAD = (EXAMPLES / "support-bad.jsonl").read_bytes().splitlines(keepends=True)
RULES = FIXTURES / "rules"


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temp dir of this test (forked workers inherit it), empty."""
    where = tmp_path / "temp"
    where.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(where))
    return where


def corpus(tmp_path: Path) -> list[Path]:
    """A training file with lines repeated and reworded across ranges, one with
    conflicting, repeated and refused answers (test_parallel's), and a validation file
    with copies and rewordings of training lines."""
    near, _ = near_duplicate_lines(40)
    duplicate = json.dumps(example(3)).encode() + b"\n"
    # 9 of 72 replies share one template (over 10%), 4 refuse (over 5%).
    codes = ("JG312", "JG311", "JG312", "JG313", "JG312", "JG313")
    files = {
        "corpus": [*BAD, duplicate, *near[:41], duplicate, *BAD, b"\n"],
        "answers": [(RULES / c / "bad.jsonl").read_bytes() for c in codes],
        "valid": [near[41], BAD[4], *BAD[:3]],
    }
    for name, lines in files.items():
        (tmp_path / f"{name}.jsonl").write_bytes(b"".join(lines))
    return [tmp_path / f"{name}.jsonl" for name in files]


def cli_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], budget: str | None,
    *args: str,
) -> tuple[int, str]:  # fmt: skip
    if budget is None:
        monkeypatch.delenv(SPILL_ENV, raising=False)
    else:
        monkeypatch.setenv(SPILL_ENV, budget)
    code = main(["check", *args, "--format", "json"])
    return code, capsys.readouterr().out


def test_every_generated_dataset_and_example_reports_the_same_spilled(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], temp_dir: Path
) -> None:
    files = [str(p) for p in [*GENERATED, *sorted(EXAMPLES.glob("*.jsonl"))]]
    spills = []
    real = columns._new_file
    monkeypatch.setattr(columns, "_new_file", lambda: spills.append(1) or real())
    default = cli_json(monkeypatch, capsys, None, *files)
    assert not spills  # small files never touch the disk by default
    assert cli_json(monkeypatch, capsys, TINY, *files) == default
    assert spills and list(temp_dir.iterdir()) == []


@pytest.mark.skipif(not parallel.fork_available(), reason="--jobs forks")
def test_jobs_and_a_validation_file_report_the_same_spilled(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    temp_dir: Path,
) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(stats, "FIRST_LINES", 3)  # shared_with in several passes
    path, answers, valid = corpus(tmp_path)
    args = (str(path), str(answers), "--validation-file", str(valid))
    default = cli_json(monkeypatch, capsys, None, *args)
    assert {"JG303", "JG305", "JG311", "JG312", "JG313", "JG314", "JG315"} <= set(
        d["code"] for f in json.loads(default[1])["files"] for d in f["diagnostics"]
    )
    for jobs in ("1", "2"):
        assert cli_json(monkeypatch, capsys, TINY, *args, "--jobs", jobs) == default
        assert list(temp_dir.iterdir()) == []


def test_shards_merged_after_a_pickle_report_the_same_spilled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = b"".join(p.read_bytes() for p in corpus(tmp_path)[:2]).splitlines(keepends=True)
    checker = Checker(CheckOptions(max_cost=0.01))
    whole = json.dumps(report_dict(Report((checker.check_lines(lines, path="corpus"),))))
    monkeypatch.setenv(SPILL_ENV, TINY)
    bounds = [0, 7, 30, 31, len(lines) - 5, len(lines)]
    shards = [check_shard(checker, lines[a:b]) for a, b in itertools.pairwise(bounds)]
    assert shards[1].stats.sketches.values.spilled
    merged = merge_shards(pickle.loads(pickle.dumps(s)) for s in shards)
    report = shard_report(checker, merged, path="corpus")
    assert json.dumps(report_dict(Report((report,)))) == whole


@pytest.mark.skipif(not parallel.fork_available(), reason="--jobs forks")
def test_an_error_in_a_worker_leaves_no_spill_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, temp_dir: Path
) -> None:
    monkeypatch.setenv(SPILL_ENV, TINY)

    parent = os.getpid()
    real_take = FileRun.take_spot_samples

    def fail(run: FileRun) -> object:  # once a range's columns are spilled, in a worker
        if os.getpid() != parent:
            raise OSError("the disk went away")
        return real_take(run)

    monkeypatch.setattr(FileRun, "take_spot_samples", fail)
    left: list[str] = []
    real = shutil.rmtree
    monkeypatch.setattr(
        shutil, "rmtree", lambda p, **k: left.extend(map(str, Path(p).iterdir())) or real(p, **k)
    )
    path = corpus(tmp_path)[0]
    with pytest.raises(OSError, match="went away"):
        Checker(CheckOptions()).check_path(path, jobs=2, min_parallel_bytes=0)
    assert left, "no worker spilled: the test proves nothing"
    assert list(temp_dir.iterdir()) == []


@pytest.mark.skipif(not parallel.fork_available(), reason="--jobs forks")
def test_ctrl_c_leaves_no_spill_file(tmp_path: Path, temp_dir: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"".join(BAD) * 1500)  # 35 MB: seconds on two workers
    env = {**os.environ, SPILL_ENV: "64", "TMPDIR": str(temp_dir)}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    process = subprocess.Popen(
        [sys.executable, "-m", "jsonl_guard.cli", "check", str(path), "-q", "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=env,
    )
    deadline = time.monotonic() + 30
    while not list(temp_dir.iterdir()) and time.monotonic() < deadline:  # the workers run
        time.sleep(0.05)
    time.sleep(0.3)  # and spill
    os.killpg(process.pid, signal.SIGINT)
    assert after_ctrl_c(process) == (130, "jsonl-guard: interrupted\n")
    assert list(temp_dir.iterdir()) == []


@pytest.mark.skipif(not parallel.fork_available(), reason="--jobs forks")
def test_a_killed_checks_hand_off_directory_goes_with_the_next_check(
    tmp_path: Path, temp_dir: Path
) -> None:
    # SIGKILL or SIGTERM runs no ``finally``: its workers' files stay, under its pid.
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    orphan = temp_dir / f"{columns.HAND_OFF_PREFIX}{gone}-abc"
    orphan.mkdir()
    (orphan / "column-1").write_bytes(b"\0" * 64)
    mine = temp_dir / f"{columns.HAND_OFF_PREFIX}{os.getpid()}-def"  # a running check's
    mine.mkdir()
    Checker(CheckOptions()).check_path(corpus(tmp_path)[0], jobs=2, min_parallel_bytes=0)
    assert list(temp_dir.iterdir()) == [mine]


def test_a_full_temp_disk_is_one_clear_error_not_a_traceback(monkeypatch, capsys) -> None:
    """Spilling to a disk with no room left (ENOSPC) ends the check with exit 2 and a
    line that says where and what to do (checked for real on a 64 KiB tmpfs too)."""
    import errno

    monkeypatch.setenv(SPILL_ENV, "8")

    def full(fd: int, data: object, offset: int) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(columns.os, "pwrite", full)
    code = main(["check", str(EXAMPLES / "support-good.jsonl"), "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"jsonl-guard: error: cannot write the check's temporary data in "
        f"{tempfile.gettempdir()}: No space left on device; free space there, or set TMPDIR "
        "to a folder on a disk with room (a big file needs about 200 bytes an example)\n"
    )
