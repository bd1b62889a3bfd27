"""The README starts with the two commands a newcomer runs, and both stay true."""

from __future__ import annotations

import re
import shlex

import pytest

from helpers import ROOT
from jsonl_guard.cli import main


def _top_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text("utf-8")
    block = re.search(r"```sh\n(.*?)```", readme, re.S)
    assert block is not None and readme.index(block.group(0)) < readme.index("\n## ")
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_second_command_is_what_ci_runs() -> None:
    _, second = _top_commands()
    assert second == 'pip install -e ".[dev]" && pytest'
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert '-m pip install -e ".[dev]"' in ci and ci.rstrip().endswith("-m pytest")


def test_the_first_command_checks_the_shipped_example(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = _top_commands()
    install, check = first.split(" && ")
    assert install == "pip install -e ."
    program, *arguments = shlex.split(check)
    assert program == "jsonl-guard"
    monkeypatch.chdir(ROOT)
    # Exit 1 on purpose: the example file holds one defect of each kind.
    assert main(arguments) == 1
    assert "support-bad.jsonl:3:1: JG201" in capsys.readouterr().out
