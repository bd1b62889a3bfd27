"""docs/diff.md stays true: every `jsonl-guard` command of its ``sh`` blocks runs, in a
real git repository set up as the page says, with the exit code the page gives (0 unless
a ``# exit N`` comment says otherwise), and every line of the ``text`` block right after
a block is in what its commands printed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from helpers import EXAMPLES, ROOT, assert_doc_steps, doc_steps, git
from jsonl_guard.cli import main

PAGE = ROOT / "docs" / "diff.md"


STEPS = doc_steps(PAGE, comment="  #")


def _exit_code(argv: list[str]) -> int:
    """``main``'s exit code; argparse's own usage errors exit 2 by raising SystemExit."""
    try:
        return main(argv)
    except SystemExit as stop:
        return int(stop.code or 0)


def test_the_page_has_commands_to_run() -> None:
    assert len(STEPS) >= 4
    assert all(argv[0] in ("diff", "check") for step, _ in STEPS for argv, _ in step)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_each_command_runs_with_the_exit_code_and_output_the_page_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As the page says: main holds support-good.jsonl, the branch appends support-bad.jsonl.
    (tmp_path / "data").mkdir()
    train = tmp_path / "data" / "train.jsonl"
    shutil.copy(EXAMPLES / "support-good.jsonl", train)
    git(tmp_path, "init", "--quiet", "--initial-branch=main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "--quiet", "-m", "base")
    train.write_bytes(train.read_bytes() + (EXAMPLES / "support-bad.jsonl").read_bytes())
    monkeypatch.chdir(tmp_path)
    assert_doc_steps(STEPS, _exit_code, capsys)


def test_the_workflow_snippet_uses_the_actions_inputs() -> None:
    text = PAGE.read_text("utf-8")
    (snippet,) = re.findall(r"```yaml\n(.*?)```", text, re.S)
    steps = yaml.safe_load(snippet)
    inputs = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))["inputs"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert set(steps[1]["with"]) <= set(inputs)


def test_the_readme_links_the_page() -> None:
    assert "(docs/diff.md)" in (ROOT / "README.md").read_text("utf-8")
