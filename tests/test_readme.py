"""The README starts with the two commands a newcomer runs, and both stay true."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

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


def _library_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("\n## Library\n") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def _run(code: str) -> None:
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})


def test_the_library_snippet_runs_verbatim_on_a_shipped_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    single, _ = _library_blocks()
    shutil.copy(ROOT / "examples" / "support-good.jsonl", tmp_path / "train.jsonl")
    monkeypatch.chdir(tmp_path)
    _run(single)  # a good file: no SystemExit
    total, usd = capsys.readouterr().out.split()[-2:]
    assert int(total) > 0 and float(usd) > 0


def test_the_library_snippet_fails_a_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    single, _ = _library_blocks()
    monkeypatch.chdir(tmp_path)  # no train.jsonl here
    with pytest.raises(SystemExit) as stopped:
        _run(single)
    assert stopped.value.code == 1
    assert capsys.readouterr().out == "cannot check train.jsonl no such file\n"


def test_the_checker_snippet_runs_verbatim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, many = _library_blocks()
    (tmp_path / "data").mkdir()
    for name in ("train.jsonl", "data/train.jsonl"):
        shutil.copy(ROOT / "examples" / "support-good.jsonl", tmp_path / name)
    shutil.copy(ROOT / "examples" / "tiny.jsonl", tmp_path / "data" / "valid.jsonl")
    monkeypatch.chdir(tmp_path)
    _run(many)
    printed = [line.split()[:2] for line in capsys.readouterr().out.splitlines()]
    assert printed == [["data/train.jsonl", "training"], ["data/valid.jsonl", "validation"]]
