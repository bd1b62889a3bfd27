"""jsonl_guard.testing: assert_valid and JsonlGuard for users' own tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import EXAMPLES
from jsonl_guard import CheckOptions, FileReport, Severity, UnknownModelError, UnknownRuleError
from jsonl_guard.reporters.text import render_file
from jsonl_guard.testing import JsonlGuard, assert_valid, fails, failure_message

BAD_LINES = [3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23]
BAD_CODES = "JG302 JG201 JG202 JG205 JG110 JG222 JG223 JG221 JG116 JG250 JG112 JG203 JG224"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the cwd, holding copies of the example files."""
    for name in ("support-good.jsonl", "support-bad.jsonl"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    (tmp_path / "few.jsonl").write_text(  # valid, but only 12 examples: one JG302 warning
        "".join((EXAMPLES / "support-good.jsonl").read_text("utf-8").splitlines(True)[:12]),
        "utf-8",
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def configure(project: Path, body: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.jsonl-guard]\n{body}\n", "utf-8")


def test_a_valid_file_returns_its_report(project):
    report = assert_valid("support-good.jsonl")
    assert isinstance(report, FileReport)
    assert report.ok
    assert report.examples == 60


def test_a_bad_file_raises_with_every_finding_as_the_cli_prints_it(project):
    with pytest.raises(AssertionError) as raised:
        assert_valid("support-bad.jsonl")
    message = str(raised.value)
    assert message.splitlines()[0] == (
        "jsonl-guard found 10 error(s) and 3 warning(s) in support-bad.jsonl (24 examples):"
    )
    for line in BAD_LINES:
        assert f"\nsupport-bad.jsonl:{line}:" in message
    assert message.count("\n    hint: ") == len(BAD_CODES.split())
    expected = render_file(JsonlGuard().check("support-bad.jsonl"))
    assert message.endswith("\n" + expected)


def test_an_unreadable_file_fails(project):
    with pytest.raises(AssertionError, match=r"^missing\.jsonl: error: no such file$"):
        assert_valid("missing.jsonl")


@pytest.mark.parametrize("name", ["missing.jsonl", "."])
def test_an_unreadable_file_is_a_failing_report_in_the_library(project, name):
    """``if report.errors:`` must not pass a missing file or a directory (issue 11)."""
    from jsonl_guard import Checker, Report, check_path

    report = check_path(name)
    assert report.io_error is not None and report.errors == 1 and not report.ok
    assert fails(report)
    dataset = Report((report, Checker().check_path("support-good.jsonl")))
    assert dataset.errors == 1 and dataset.io_errors == 1 and not dataset.ok


def test_warnings_pass_unless_strict(project):
    report = assert_valid("few.jsonl")
    assert report.warnings == 1
    with pytest.raises(AssertionError, match=r"strict: warnings fail\):\nfew\.jsonl: JG302 "):
        assert_valid("few.jsonl", strict=True)


def test_keyword_options_change_the_verdict(project):
    assert_valid("support-bad.jsonl", ignore=BAD_CODES.split())
    assert_valid("support-bad.jsonl", ignore=BAD_CODES.replace(" ", ","))
    assert_valid("support-good.jsonl", select=["JG1"], min_examples=60)
    with pytest.raises(AssertionError, match="JG301"):
        assert_valid("support-good.jsonl", min_examples=61)
    with pytest.raises(
        AssertionError, match="JG310 error: o4-mini does not take the openai-chat format"
    ):
        assert_valid("support-good.jsonl", model="o4-mini")
    with pytest.raises(AssertionError, match="JG501"):
        assert_valid("support-good.jsonl", max_cost=0.01, epochs=3)


def test_severity_accepts_levels_and_strings(project):
    errors = [c for c in BAD_CODES.split() if c != "JG302"]
    lowered: dict[str, Severity | str] = dict.fromkeys(errors, "warning")
    lowered["JG201"] = Severity.WARNING
    report = assert_valid("support-bad.jsonl", severity=lowered)
    assert (report.errors, report.warnings) == (0, 13)
    with pytest.raises(AssertionError):
        assert_valid("support-bad.jsonl", severity=lowered, strict=True)


def test_usage_errors_are_not_assertion_errors(project):
    with pytest.raises(UnknownModelError):
        assert_valid("support-good.jsonl", model="gpt-nonexistent")
    with pytest.raises(UnknownRuleError):
        assert_valid("support-good.jsonl", ignore=["JG999"])
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        assert_valid("support-good.jsonl", epochs=0)


def test_the_project_config_applies(project):
    configure(project, f"ignore = {BAD_CODES.split()!r}")
    assert_valid("support-bad.jsonl")
    # Explicit keyword options win over the config.
    with pytest.raises(AssertionError, match="JG201"):
        assert_valid("support-bad.jsonl", ignore=[])


def test_config_model_and_strict_apply_and_keywords_win(project):
    configure(project, 'model = "o4-mini"\nstrict = true')
    with pytest.raises(AssertionError, match="JG310 error: o4-mini"):
        assert_valid("support-good.jsonl")
    assert_valid("support-good.jsonl", model="gpt-4o-mini")
    with pytest.raises(AssertionError, match="strict: warnings fail"):
        assert_valid("few.jsonl", model="gpt-4o-mini")
    assert_valid("few.jsonl", model="gpt-4o-mini", strict=False)


def test_per_path_overrides_apply(project):
    (project / "legacy").mkdir()
    shutil.copy(project / "support-bad.jsonl", project / "legacy" / "old.jsonl")
    configure(
        project,
        f'[[tool.jsonl-guard.overrides]]\npaths = ["legacy/*.jsonl"]\nignore = {BAD_CODES.split()!r}',
    )
    assert_valid("legacy/old.jsonl")
    assert_valid(project / "legacy" / "old.jsonl")
    with pytest.raises(AssertionError):
        assert_valid("support-bad.jsonl")


def test_an_explicit_config_file(project, tmp_path_factory):
    other = tmp_path_factory.mktemp("elsewhere") / "pyproject.toml"
    other.write_text('[tool.jsonl-guard]\nignore = ["JG302"]\n', "utf-8")
    assert assert_valid("few.jsonl", strict=True, config_file=other).warnings == 0


def test_a_bad_config_is_a_usage_error(project):
    configure(project, "bogus = 1")
    with pytest.raises(ValueError, match="unknown key"):
        assert_valid("support-good.jsonl")


def test_guard_layers_config_then_run_model_then_keywords(project):
    configure(project, 'model = "o4-mini"\nepochs = 2')
    guard = JsonlGuard.from_project(project, model="gpt-4o")
    options = guard.options_for("support-good.jsonl")
    assert (options.model, options.model_source, options.epochs) == ("gpt-4o", "cli", 2)
    options = guard.options_for("support-good.jsonl", model="gpt-4o-mini", epochs=5)
    assert (options.model, options.epochs) == ("gpt-4o-mini", 5)
    assert guard.strict is False
    assert JsonlGuard(strict=True).strict is True


def test_guard_reuses_one_checker_per_options(project):
    guard = JsonlGuard()
    first = guard.checker(guard.options_for("support-good.jsonl"))
    assert guard.checker(guard.options_for("support-bad.jsonl")) is first
    assert guard.checker(CheckOptions(epochs=2)) is not first


def test_fails_and_failure_message(project):
    guard = JsonlGuard()
    few, bad = guard.check("few.jsonl"), guard.check("support-bad.jsonl")
    assert not fails(few)
    assert fails(few, strict=True)
    assert fails(bad)
    assert failure_message(few, strict=True).startswith(
        "jsonl-guard found 0 error(s) and 1 warning(s) in few.jsonl (12 examples; strict: "
    )
    assert "strict" not in failure_message(bad, strict=True).splitlines()[0]
