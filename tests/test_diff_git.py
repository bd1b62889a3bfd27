"""``jsonl-guard diff REV:path ...``: a side read from git, with real git in a temporary
repository (no network, no mock)."""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
from pathlib import Path

import pytest

from helpers import FIXTURES, git
from jsonl_guard import CheckOptions, check_path
from jsonl_guard.cli import main

DIFF = FIXTURES / "diff"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose first commit holds base.jsonl as data/train.jsonl (and a
    gzipped copy, and a folder); the working tree then holds head.jsonl there."""
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    git(repo, "init", "--quiet", "--initial-branch=main")
    shutil.copy(DIFF / "base.jsonl", repo / "data" / "train.jsonl")
    with gzip.open(repo / "data" / "packed.jsonl.gz", "wb") as packed:
        packed.write((DIFF / "base.jsonl").read_bytes())
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "base")
    shutil.copy(DIFF / "head.jsonl", repo / "data" / "train.jsonl")
    monkeypatch.chdir(repo)
    return repo


def _diff(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["diff", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_revision_against_the_working_tree(repo: Path, capsys: pytest.CaptureFixture[str]):
    code, out, err = _diff(capsys, "main:data/train.jsonl", "data/train.jsonl", "--format", "json")
    assert code == 0, err
    (file,) = json.loads(out)["files"]
    # The git side is named by its path (not the temporary copy), so the sides pair.
    assert file["before_path"] == file["after_path"] == "data/train.jsonl"
    assert (file["added"], file["removed"], file["new_errors"]) == (3, 1, 1)


def test_the_same_as_diffing_the_files(repo: Path, capsys: pytest.CaptureFixture[str]):
    _, from_git, _ = _diff(capsys, "HEAD:data/train.jsonl", "data/train.jsonl")
    _, from_files, _ = _diff(capsys, str(DIFF / "base.jsonl"), "data/train.jsonl")
    assert from_git.replace("data/train.jsonl: changed", "X") == from_files.replace(
        f"data/train.jsonl (base: {DIFF / 'base.jsonl'}): changed", "X"
    )


def test_gates_and_exit_1(repo: Path, capsys: pytest.CaptureFixture[str]):
    code, out, _ = _diff(
        capsys, "main:data/train.jsonl", "data/train.jsonl", "--fail-on", "new-errors"
    )
    assert code == 1
    assert "FAIL --fail-on new-errors: 1 new error finding(s): JG201 +1" in out


def test_a_compressed_file_and_a_committed_report(repo: Path, capsys: pytest.CaptureFixture[str]):
    code, out, err = _diff(capsys, "main:data/packed.jsonl.gz", "data/train.jsonl")
    assert code == 0, err
    assert "3 added, 1 removed" in out  # decompressed like the working-tree file
    assert main(["check", "data/train.jsonl", "--format", "json", "--output", "report.json"]) == 1
    git(repo, "add", "report.json")
    git(repo, "commit", "--quiet", "-m", "report")
    capsys.readouterr()
    code, out, err = _diff(capsys, "HEAD:report.json", "data/train.jsonl")
    assert code == 0, err
    assert ": no change" in out


@pytest.mark.parametrize(
    ("side", "words"),
    [
        ("nope:data/train.jsonl", "cannot read nope:data/train.jsonl from git: invalid object "
         "name 'nope'"),
        ("main:data/missing.jsonl", "cannot read main:data/missing.jsonl from git: path "
         "'data/missing.jsonl' does not exist in 'main'"),
        ("main:data", "main:data is a tree in git, not a file"),
    ],
)  # fmt: skip
def test_a_missing_revision_or_path_is_exit_2(
    repo: Path, capsys: pytest.CaptureFixture[str], side: str, words: str
):
    code, out, err = _diff(capsys, side, "data/train.jsonl")
    assert code == 2 and out == ""
    assert err.startswith("jsonl-guard: error: ") and words in err
    assert "fetch-depth: 0" in err or "not a file" in err  # what to do about it


def test_the_temporary_copy_is_removed(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    scratch = repo.parent / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert _diff(capsys, "main:data/train.jsonl", "data/train.jsonl")[0] == 0
    assert _diff(capsys, "nope:x.jsonl", "data/train.jsonl")[0] == 2
    assert list(scratch.iterdir()) == []


def test_the_git_side_gets_the_config_of_its_path(repo: Path, capsys: pytest.CaptureFixture[str]):
    (repo / "pyproject.toml").write_text(
        '[tool.jsonl-guard]\nmodel = "gpt-4o-2024-08-06"\n', "utf-8"
    )
    code, out, _ = _diff(capsys, "main:data/train.jsonl", "data/train.jsonl", "--format", "json")
    assert code == 0
    (file,) = json.loads(out)["files"]
    assert file["model"] == "gpt-4o-2024-08-06"
    expected = check_path(DIFF / "base.jsonl", CheckOptions(model="gpt-4o-2024-08-06")).cost
    assert expected is not None
    assert file["estimated_usd"]["before"] == expected.estimated_usd  # not the default model's
