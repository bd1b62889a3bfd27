"""docs/diff.md stays true: every `jsonl-guard` command of its ``sh`` blocks runs, in a
real git repository set up as the page says, with the exit code the page gives (0 unless
a ``# exit N`` comment says otherwise), and every line of the ``text`` block right after
a block is in what its commands printed."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from helpers import EXAMPLES, ROOT
from jsonl_guard.cli import main

PAGE = ROOT / "docs" / "diff.md"


def _steps() -> list[tuple[list[tuple[list[str], int]], list[str]]]:
    """Each ``sh`` block's commands (argv, expected exit) and the lines of the ``text``
    block right after it (none when there is none)."""
    text = PAGE.read_text("utf-8")
    blocks = list(re.finditer(r"```(sh|text)\n(.*?)```", text, re.S))
    steps = []
    for index, block in enumerate(blocks):
        if block.group(1) != "sh":
            continue
        commands = []
        for line in block.group(2).splitlines():
            command, _, comment = line.partition("  #")
            if not command.strip():
                continue
            program, *argv = shlex.split(command)
            assert program == "jsonl-guard", line
            code = re.match(r"\s*exit (\d+)", comment)
            commands.append((argv, int(code.group(1)) if code else 0))
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        between = text[block.end() : after.start()] if after else ""
        shown = after.group(2).splitlines() if after and after.group(1) == "text" else []
        steps.append((commands, shown if not between.strip() else []))
    return steps


STEPS = _steps()


def _git(repo: Path, *argv: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    subprocess.run(["git", *argv], cwd=repo, env=env, check=True, capture_output=True)


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
    _git(tmp_path, "init", "--quiet", "--initial-branch=main")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "--quiet", "-m", "base")
    train.write_bytes(train.read_bytes() + (EXAMPLES / "support-bad.jsonl").read_bytes())
    monkeypatch.chdir(tmp_path)
    for commands, shown in STEPS:
        printed = ""
        for argv, code in commands:
            assert _exit_code(argv) == code, argv
            captured = capsys.readouterr()
            printed += captured.out + captured.err
        lines = [line.strip() for line in printed.splitlines()]
        for line in shown:
            assert line.strip() in lines, (commands, line)


def test_the_workflow_snippet_uses_the_actions_inputs() -> None:
    text = PAGE.read_text("utf-8")
    (snippet,) = re.findall(r"```yaml\n(.*?)```", text, re.S)
    steps = yaml.safe_load(snippet)
    inputs = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))["inputs"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert set(steps[1]["with"]) <= set(inputs)


def test_the_readme_links_the_page() -> None:
    assert "(docs/diff.md)" in (ROOT / "README.md").read_text("utf-8")
