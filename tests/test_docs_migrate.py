"""docs/migrate-from-openai.md stays true: every `jsonl-guard` command of its ``sh`` blocks
runs on the shipped example data (as ``train.jsonl``) with the exit code the guide gives
(0 unless a ``# exit N`` comment says otherwise), and every line of the ``text`` block
after it is in what those commands printed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import EXAMPLES, ROOT, assert_doc_steps, doc_steps
from jsonl_guard.cli import main

GUIDE = ROOT / "docs" / "migrate-from-openai.md"
DESTINATIONS = {
    "vertex-gemini",
    "bedrock-nova",
    "bedrock-claude",
    "bedrock-llama-completion",
    "together-conversation",
    "fireworks-chat",
    "mistral",
    "trl-messages",
}


STEPS = doc_steps(GUIDE)


def test_every_destination_has_a_convert_and_a_check_command() -> None:
    commands = [argv for step, _ in STEPS for argv, _ in step]
    converted = {argv[argv.index("--to") + 1] for argv in commands if argv[0] == "convert"}
    checked = {argv[argv.index("--profile") + 1] for argv in commands if "--profile" in argv}
    assert converted >= DESTINATIONS and checked >= DESTINATIONS
    assert all("--model" in argv for argv in commands if argv[0] == "check")


def test_the_readme_links_the_guide() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "(docs/migrate-from-openai.md)" in readme[: readme.index("\n## Where it runs")]


def test_each_command_runs_with_the_exit_code_and_output_the_guide_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(EXAMPLES / "support-good.jsonl", tmp_path / "train.jsonl")
    monkeypatch.chdir(tmp_path)
    assert_doc_steps(STEPS, main, capsys)
