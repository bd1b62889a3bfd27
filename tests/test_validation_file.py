"""The config's validation file has one meaning everywhere: checked once, as validation.

It used to be checked as training data too whenever a directory, a glob or the
pre-commit hook's file list held it, and compared with itself (every line JG305),
and it was shown with an absolute path that code scanning could not place.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import EXAMPLES, example
from jsonl_guard.cli import main
from jsonl_guard.testing import JsonlGuard

TRAIN, VALID = "data/train.jsonl", "data/valid.jsonl"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "data").mkdir()
    shutil.copy(EXAMPLES / "support-good.jsonl", tmp_path / TRAIN)
    lines = [json.dumps(example(100 + i)) for i in range(3)]
    (tmp_path / VALID).write_text("\n".join(lines) + "\n", "utf-8")
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.jsonl-guard]\nvalidation-file = "{VALID}"\n', "utf-8"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def share_a_line(project: Path) -> None:
    shared = (project / TRAIN).read_text("utf-8").splitlines()[4]
    with (project / VALID).open("a", encoding="utf-8") as stream:
        stream.write(shared + "\n")


def roles(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, list[tuple[str, str]]]:
    code = main(["check", *arguments, "--format", "json"])
    files = json.loads(capsys.readouterr().out)["files"]
    return code, [(f["path"], f["role"]) for f in files]


@pytest.mark.parametrize(
    "arguments", [[TRAIN], [TRAIN, VALID], [VALID, TRAIN], ["data"], ["data/*.jsonl"]]
)
def test_clean_data_passes_however_the_files_are_given(project, capsys, arguments) -> None:
    code, checked = roles(capsys, *arguments)
    assert checked == [(TRAIN, "training"), (VALID, "validation")]
    assert code == 0


def test_only_the_validation_file_staged_is_still_checked_as_validation(project, capsys) -> None:
    # What the pre-commit hook passes when only the validation file changed.
    code, checked = roles(capsys, VALID)
    assert checked == [(VALID, "validation")]
    assert code == 0


@pytest.mark.parametrize(
    ("output_format", "expected"),
    [
        ("text", f"{VALID}:4:1: JG305 error: the example is also line 5 of {TRAIN}"),
        ("github", f"::error file={VALID},line=4,col=1,title=JG305 shared-with-training::"),
        ("sarif", f'"uri": "{VALID}"'),
        ("junit", f'name="{VALID}"'),
    ],
)
def test_the_validation_file_is_shown_relative_in_every_format(
    project, capsys, output_format, expected
) -> None:
    share_a_line(project)
    code = main(["check", "data", "--format", output_format, "--color", "never"])
    out = capsys.readouterr().out
    assert code == 1
    assert expected in out
    assert str(project) not in out


def test_the_validation_file_outside_the_working_directory_keeps_its_path(
    project, capsys, monkeypatch
) -> None:
    elsewhere = project / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, checked = roles(capsys, str(project / TRAIN), "--config", str(project / "pyproject.toml"))
    assert checked == [(str(project / TRAIN), "training"), (str(project / VALID), "validation")]
    assert code == 0


def test_the_library_checks_the_configured_validation_file_as_validation(project) -> None:
    guard = JsonlGuard.from_project(project)
    assert guard.check(VALID).role == "validation"
    assert guard.check(TRAIN).role == "training"
    share_a_line(project)
    report = guard.check_dataset([TRAIN])
    assert [f.role for f in report.files] == ["training", "validation"]
    assert [(d.line, d.code) for d in report.files[1].diagnostics] == [(4, "JG305")]
