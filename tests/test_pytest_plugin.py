"""The pytest plugin (pytest_jsonl_guard), driven end to end through pytester."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from helpers import EXAMPLES, ROOT
from jsonl_guard import cli

BAD_LINES = [3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23]
BAD_CODES = "JG302 JG201 JG202 JG205 JG110 JG222 JG223 JG221 JG116 JG250 JG112 JG203 JG224"
RESULTS = Path(".pytest_cache", "v", "jsonl-guard", "results")
HOME = str(Path.home())  # before pytester points HOME at its tmp folder


@pytest.fixture(autouse=True)
def _fast_runs(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # Hypothesis' plugin adds ~2 s to every inner run, in process or not; none needs it.
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:hypothesispytest")


@pytest.fixture
def datasets(pytester: pytest.Pytester) -> Path:
    for name in ("support-good.jsonl", "support-bad.jsonl"):
        shutil.copy(EXAMPLES / name, pytester.path / name)
    return pytester.path


def write_few(path: Path, count: int = 12) -> Path:
    """A valid file with only ``count`` examples: one JG302 warning."""
    lines = (EXAMPLES / "support-good.jsonl").read_text("utf-8").splitlines(True)
    path.write_text("".join(lines[:count]), "utf-8")
    return path


def cli_findings(name: str, capsys: pytest.CaptureFixture[str]) -> str:
    """What ``jsonl-guard check NAME`` prints for the findings (up to its summary)."""
    cli.main(["check", "--color", "never", name])
    return capsys.readouterr().out.split("\n\n")[0]


def results(pytester: pytest.Pytester) -> dict[str, dict[str, object]]:
    stored: dict[str, dict[str, object]] = json.loads((pytester.path / RESULTS).read_text("utf-8"))
    return stored


# -- opt-in and collection ---------------------------------------------------------------------


def test_without_opt_in_nothing_is_collected(pytester, datasets):
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert not (pytester.path / RESULTS).exists()


def test_the_flag_collects_one_item_per_file(pytester, datasets):
    result = pytester.runpytest("--jsonl-guard", "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        ["support-bad.jsonl::jsonl-guard", "support-good.jsonl::jsonl-guard"]
    )
    result = pytester.runpytest("--jsonl-guard", "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["support-good.jsonl::jsonl-guard PASSED*"])


@pytest.mark.parametrize("table", ["tool.pytest.ini_options", "tool.pytest"])
def test_the_ini_setting_opts_in(pytester, datasets, table):
    pytester.makepyprojecttoml(f"[{table}]\njsonl_guard = true\n")
    pytester.runpytest().assert_outcomes(passed=1, failed=1)


def test_patterns_choose_the_files(pytester, datasets):
    shutil.copy(datasets / "support-good.jsonl", datasets / "train-a.jsonl")
    shutil.copy(datasets / "support-good.jsonl", datasets / "eval.ndjson")
    pytester.makepyprojecttoml(
        '[tool.pytest]\njsonl_guard = true\njsonl_guard_patterns = ["train-*.jsonl", "*.ndjson"]\n'
    )
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["eval.ndjson::jsonl-guard PASSED*", "train-a.jsonl::jsonl-guard PASSED*"]
    )


def test_items_are_marked_and_report_the_file(pytester, datasets):
    items, _ = pytester.inline_genitems("--jsonl-guard", "support-good.jsonl")
    [item] = items
    assert item.nodeid == "support-good.jsonl::jsonl-guard"
    assert item.reportinfo() == (
        datasets / "support-good.jsonl",
        None,
        "jsonl-guard support-good.jsonl",
    )
    assert item.get_closest_marker("jsonl_guard") is not None
    result = pytester.runpytest("--jsonl-guard", "--strict-markers", "-m", "not jsonl_guard")
    result.assert_outcomes(deselected=2)
    pytester.runpytest("--jsonl-guard", "-m", "jsonl_guard").assert_outcomes(passed=1, failed=1)


# -- the verdict and its report -----------------------------------------------------------------


def test_a_bad_file_lists_every_finding_as_the_cli_does(pytester, datasets, capsys):
    expected = cli_findings("support-bad.jsonl", capsys)
    result = pytester.runpytest("--jsonl-guard", "support-bad.jsonl")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert expected in output
    for line in BAD_LINES:
        result.stdout.fnmatch_lines([f"support-bad.jsonl:{line}:* JG* *", "    hint: *"])
    # Count in the failure section only: on CI (the CI variable set) pytest repeats the
    # whole report, untruncated, in its short summary.
    failures = output.split("short test summary info")[0]
    assert failures.count("\n    hint: ") == len(BAD_CODES.split())
    result.stdout.fnmatch_lines(
        [
            "*_ jsonl-guard support-bad.jsonl _*",
            "jsonl-guard found 10 error(s) and 3 warning(s) in support-bad.jsonl (24 examples):",
            "support-bad.jsonl: JG302 *",
        ]
    )
    # No traceback, no pytest "E   " lines, no plugin frames.
    for noise in ("*Traceback*", "E   *", "*plugin.py*", "*JsonlGuardFailure*", "*raise *"):
        result.stdout.no_fnmatch_line(noise)


def test_warnings_pass_unless_strict(pytester):
    write_few(pytester.path / "few.jsonl")
    result = pytester.runpytest("--jsonl-guard", "-rP")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*jsonl-guard*", "few.jsonl: JG302 warning: the file has 12 examples*"]
    )
    result = pytester.runpytest("--jsonl-guard", "--jsonl-guard-strict")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "jsonl-guard found 0 error(s) and 1 warning(s) in few.jsonl (12 examples; strict: warnings fail):"
        ]
    )
    pytester.makepyprojecttoml("[tool.jsonl-guard]\nstrict = true\n")
    pytester.runpytest("--jsonl-guard").assert_outcomes(failed=1)


def test_an_unreadable_file_fails_with_a_clear_message(pytester, datasets):
    pytester.makeconftest(
        "def pytest_collection_finish(session):\n"
        "    (session.config.rootpath / 'support-good.jsonl').unlink()\n"
    )
    result = pytester.runpytest("--jsonl-guard", "support-good.jsonl")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["support-good.jsonl: error: no such file"])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_usage_errors_fail_the_item_with_a_clear_message(pytester, datasets):
    result = pytester.runpytest("--jsonl-guard", "--jsonl-guard-model", "nope")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["jsonl-guard: error: unknown model 'nope'. Known models: *"])
    result.stdout.no_fnmatch_line("*Traceback*")
    pytester.makepyprojecttoml("[tool.jsonl-guard]\nbogus = 1\n")
    result = pytester.runpytest("--jsonl-guard")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        ["jsonl-guard: error: *pyproject.toml: unknown key(s) in [[]tool.jsonl-guard[]]: bogus"]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


# -- the project's [tool.jsonl-guard] config ------------------------------------------------------


def test_config_ignore_and_per_path_overrides_apply(pytester, datasets):
    (datasets / "legacy").mkdir()
    shutil.copy(datasets / "support-bad.jsonl", datasets / "legacy" / "old.jsonl")
    pytester.makepyprojecttoml(
        "[[tool.jsonl-guard.overrides]]\n"
        'paths = ["legacy/*.jsonl"]\n'
        f"ignore = {BAD_CODES.split()!r}\n"
    )
    result = pytester.runpytest("--jsonl-guard", "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["legacy/old.jsonl::jsonl-guard PASSED*", "support-bad.jsonl::jsonl-guard FAILED*"]
    )
    pytester.makepyprojecttoml(f"[tool.jsonl-guard]\nignore = {BAD_CODES.split()!r}\n")
    pytester.runpytest("--jsonl-guard").assert_outcomes(passed=3)


def test_each_file_gets_the_config_of_its_own_project(pytester, datasets):
    """A folder with its own pyproject.toml (a project inside the repo) is checked with
    that config, as the CLI does; the other files keep the rootdir's."""
    (datasets / "team").mkdir()
    shutil.copy(datasets / "support-bad.jsonl", datasets / "team" / "bad.jsonl")
    (datasets / "team" / "pyproject.toml").write_text(
        f"[tool.jsonl-guard]\nignore = {BAD_CODES.split()!r}\n", encoding="utf-8"
    )
    result = pytester.runpytest("--jsonl-guard", "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["support-bad.jsonl::jsonl-guard FAILED*", "team/bad.jsonl::jsonl-guard PASSED*"]
    )


def test_the_config_model_applies_and_the_run_option_overrides_it(pytester, datasets):
    pytester.makepyprojecttoml('[tool.jsonl-guard]\nmodel = "o4-mini"\n')
    result = pytester.runpytest("--jsonl-guard", "support-good.jsonl")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["support-good.jsonl: JG310 error: o4-mini does not take the openai-chat format*"]
    )
    result = pytester.runpytest(
        "--jsonl-guard", "--jsonl-guard-model", "gpt-4o-mini", "support-good.jsonl"
    )
    result.assert_outcomes(passed=1)


# -- caching by content -------------------------------------------------------------------------


def test_an_unchanged_file_is_not_checked_again(pytester, datasets):
    first = pytester.runpytest("--jsonl-guard", "-v")
    first.assert_outcomes(passed=1, failed=1)
    first.stdout.no_fnmatch_line("*(cached)*")
    stored = results(pytester)
    assert sorted(entry["path"] for entry in stored.values()) == [
        "support-bad.jsonl",
        "support-good.jsonl",
    ]

    second = pytester.runpytest("--jsonl-guard", "-v")
    second.assert_outcomes(passed=1, failed=1)
    second.stdout.fnmatch_lines(
        [
            "support-bad.jsonl::jsonl-guard FAILED (cached)*",
            "support-good.jsonl::jsonl-guard PASSED (cached)*",
        ]
    )
    # A cached failure fails with the same report.
    report = (
        first.stdout.str().split("_ jsonl-guard support-bad.jsonl _")[1].split("= jsonl-guard =")[0]
    )
    assert report in second.stdout.str()
    second.stdout.fnmatch_lines(
        ["support-bad.jsonl: 24 examples, 10 errors, 3 warnings - FAILED (cached)"]
    )

    # Proof that the outcome is replayed, not recomputed: doctor the stored report.
    [digest] = [d for d, entry in stored.items() if entry["path"] == "support-bad.jsonl"]
    stored[digest]["text"] = "REPLAYED FROM THE CACHE"
    (pytester.path / RESULTS).write_text(json.dumps(stored), "utf-8")
    pytester.runpytest("--jsonl-guard").stdout.fnmatch_lines(["REPLAYED FROM THE CACHE"])

    # New bytes: checked again, and the file's stale entry is replaced.
    write_few(datasets / "support-bad.jsonl", count=55)
    third = pytester.runpytest("--jsonl-guard", "-v")
    third.assert_outcomes(passed=2)
    third.stdout.fnmatch_lines(
        [
            "support-bad.jsonl::jsonl-guard PASSED *[[] 50%[]]",
            "support-good.jsonl::jsonl-guard PASSED (cached)*",
        ]
    )
    now = results(pytester)
    assert len(now) == 2
    assert digest not in now


def test_other_options_are_not_served_from_the_cache(pytester, datasets):
    pytester.runpytest("--jsonl-guard")
    result = pytester.runpytest("--jsonl-guard", "-v", "--jsonl-guard-model", "gpt-4o")
    result.stdout.no_fnmatch_line("*(cached)*")
    result = pytester.runpytest("--jsonl-guard", "-v", "--jsonl-guard-strict")
    result.stdout.no_fnmatch_line("*(cached)*")
    pytester.makepyprojecttoml(f"[tool.jsonl-guard]\nignore = {BAD_CODES.split()!r}\n")
    result = pytester.runpytest("--jsonl-guard", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("*(cached)*")


def test_runs_without_the_cacheprovider(pytester, datasets):
    for _ in range(2):
        result = pytester.runpytest("--jsonl-guard", "-v", "-p", "no:cacheprovider")
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.no_fnmatch_line("*(cached)*")
    assert not (pytester.path / ".pytest_cache").exists()


def test_the_terminal_summary_lists_the_files(pytester, datasets):
    result = pytester.runpytest("--jsonl-guard")
    result.stdout.fnmatch_lines(
        [
            "*= jsonl-guard =*",
            "support-bad.jsonl: 24 examples, 10 errors, 3 warnings - FAILED",
            "support-good.jsonl: 60 examples, 0 errors, 0 warnings - passed",
        ]
    )


# -- the fixture and assert_valid in users' tests -----------------------------------------------------

USER_TESTS = """
import pytest
from jsonl_guard.testing import assert_valid

def test_check(jsonl_guard):
    report = jsonl_guard.check("support-good.jsonl")
    assert report.ok and report.examples == 60

def test_assert_valid_method(jsonl_guard):
    with pytest.raises(AssertionError, match="support-bad.jsonl:3:1: JG201"):
        jsonl_guard.assert_valid("support-bad.jsonl")
    assert jsonl_guard.assert_valid("support-bad.jsonl", ignore={ignore!r}).ok

def test_project_config(jsonl_guard):
    jsonl_guard.assert_valid("legacy/old.jsonl")

def test_assert_valid_function():
    assert_valid("legacy/old.jsonl")
    assert_valid("support-bad.jsonl")
"""


def test_the_fixture_and_assert_valid_work_in_users_tests(pytester, datasets):
    (datasets / "legacy").mkdir()
    shutil.copy(datasets / "support-bad.jsonl", datasets / "legacy" / "old.jsonl")
    pytester.makepyprojecttoml(
        f'[[tool.jsonl-guard.overrides]]\npaths = ["legacy/*"]\nignore = {BAD_CODES.split()!r}\n'
    )
    pytester.makepyfile(test_user=USER_TESTS.format(ignore=BAD_CODES.split()))
    result = pytester.runpytest()  # the fixture needs no --jsonl-guard
    result.assert_outcomes(passed=3, failed=1)
    # The helper's own frames are hidden: the user's line, then the findings.
    result.stdout.fnmatch_lines(
        [
            '>       assert_valid("support-bad.jsonl")',
            "E       AssertionError: jsonl-guard found 10 error(s) and 3 warning(s) in "
            "support-bad.jsonl (24 examples):",
            "E       support-bad.jsonl: JG302 *",
            "E           hint: *",
            "E       support-bad.jsonl:3:1: JG201 *",
        ]
    )
    result.stdout.no_fnmatch_line("*jsonl_guard/testing.py*")


def test_the_fixture_follows_the_run_options_and_reports_bad_config(pytester, datasets):
    pytester.makepyfile(
        "def test_model(jsonl_guard):\n"
        "    assert jsonl_guard.options_for('x.jsonl').model == 'gpt-4o'\n"
        "    assert jsonl_guard.strict\n"
    )
    result = pytester.runpytest("--jsonl-guard-model", "gpt-4o", "--jsonl-guard-strict")
    result.assert_outcomes(passed=1)
    pytester.makepyprojecttoml("[tool.jsonl-guard]\nstrict = 3\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*jsonl-guard: error: *strict must be true or false"])
    result.stdout.no_fnmatch_line("*Traceback*")


# -- entry point, lazy import, packaging --------------------------------------------------------------

PROBE = """
import sys

def pytest_unconfigure(config):
    plugin = config.pluginmanager.get_plugin("jsonl_guard")
    loaded = sorted(m for m in sys.modules if m.split(".")[0] == "jsonl_guard")
    with open("probe.txt", "w") as out:
        out.write(f"{getattr(plugin, '__name__', None)}\\n{loaded}\\n")
"""


def test_the_entry_point_loads_the_plugin_and_jsonl_guard_only_when_enabled(pytester, datasets):
    pytester.makeconftest(PROBE)
    pytester.makepyfile("def test_nothing():\n    pass\n")
    pytester.runpytest_subprocess().assert_outcomes(passed=1)
    name, loaded = (pytester.path / "probe.txt").read_text("utf-8").splitlines()
    assert name == "pytest_jsonl_guard.plugin"
    assert loaded == "[]"  # installing jsonl-guard costs other pytest runs nothing

    result = pytester.runpytest_subprocess("--jsonl-guard")
    result.assert_outcomes(passed=2, failed=1)
    name, loaded = (pytester.path / "probe.txt").read_text("utf-8").splitlines()
    assert "'jsonl_guard'" in loaded

    result = pytester.runpytest_subprocess("-p", "no:jsonl_guard", "--jsonl-guard")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unrecognized arguments: --jsonl-guard*"])


def _copy_source(target: Path) -> Path:
    """The files a wheel is built from, so the build leaves no build/ or egg-info in the repo."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "src", target / "src", ignore=ignore)
    shutil.copytree(ROOT / "pytest_plugin", target / "pytest_plugin", ignore=ignore)
    return target


def _can_build_offline() -> bool:
    """setuptools builds wheels by itself from 70.1; before that it needs ``wheel``."""
    import setuptools

    version = tuple(int(part) for part in setuptools.__version__.split(".")[:2])
    return version >= (70, 1) or importlib.util.find_spec("wheel") is not None


WHEEL_TESTS = """
from pathlib import Path

SITE = Path({site!r})

def test_everything_comes_from_the_wheel(pytestconfig, jsonl_guard):
    import jsonl_guard as package
    import pytest_jsonl_guard.plugin as plugin

    assert SITE in Path(plugin.__file__).parents
    assert SITE in Path(package.__file__).parents
    assert pytestconfig.pluginmanager.get_plugin("jsonl_guard") is plugin
    [dist] = [d for p, d in pytestconfig.pluginmanager.list_plugin_distinfo() if p is plugin]
    assert Path(dist.locate_file("")) == SITE
    assert jsonl_guard.check("support-good.jsonl").ok
"""


@pytest.mark.slow
def test_an_installed_wheel_works(pytester, datasets, tmp_path_factory, monkeypatch):
    source = _copy_source(tmp_path_factory.mktemp("source"))
    wheels = tmp_path_factory.mktemp("wheels")
    site = tmp_path_factory.mktemp("site")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    # Offline when the environment allows; otherwise pip fetches the build backend.
    isolation = ["--no-build-isolation"] if _can_build_offline() else []
    build = [*pip, "wheel", "--no-deps", *isolation, "-w", str(wheels), str(source)]
    # pytester points HOME at its tmp folder; give pip back its cache.
    env = {**os.environ, "HOME": HOME}
    built = subprocess.run(build, capture_output=True, text=True, check=False, env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = wheels.glob("jsonl_guard-*.whl")
    install = [*pip, "install", "--no-deps", "--no-compile", "--target", str(site), str(wheel)]
    installed = subprocess.run(install, capture_output=True, text=True, check=False, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (
        "pytest_jsonl_guard.plugin" in next(site.glob("*.dist-info/entry_points.txt")).read_text()
    )

    # -S: no site-packages .pth files, so the editable install of this checkout is not
    # importable; the dependencies come from this environment's site-packages, after the wheel.
    paths = dict.fromkeys(
        [str(site), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    )
    pytester.makepyfile(test_wheel=WHEEL_TESTS.format(site=str(site)))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    result = pytester.run(
        sys.executable, "-S", "-m", "pytest", "-p", "no:cacheprovider", "--jsonl-guard", "-v"
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*support-bad.jsonl:23:1: JG224*"])


# -- naming and smoke files (issue 11) ----------------------------------------------------------


def test_each_failure_header_names_its_file(pytester, datasets):
    write_few(pytester.path / "few.jsonl")
    result = pytester.runpytest("--jsonl-guard", "--jsonl-guard-strict")
    result.assert_outcomes(failed=2, passed=1)
    result.stdout.fnmatch_lines(["*_ jsonl-guard few.jsonl _*"])
    result.stdout.fnmatch_lines(["*_ jsonl-guard support-bad.jsonl _*"])
    result.stdout.no_fnmatch_line("*_ jsonl-guard _*")


def test_a_smoke_file_is_validated_as_one_not_as_training_data(pytester, datasets):
    shutil.copy(EXAMPLES / "smoke.jsonl", pytester.path / "smoke.jsonl")
    result = pytester.runpytest("--jsonl-guard", "smoke.jsonl", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["smoke.jsonl: smoke-test file, * case(s) valid - passed"])
    result.stdout.no_fnmatch_line("*JG*")
    # A broken smoke file fails as a smoke file, with its line.
    (pytester.path / "smoke.jsonl").write_text(
        '{"name": "x", "messages": [{"role": "user", "content": "Hi"}], "expect": {"nope": 1}}\n',
        "utf-8",
    )
    result = pytester.runpytest("--jsonl-guard", "smoke.jsonl")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "smoke.jsonl is a smoke-test file (messages + expect)*",
            "smoke.jsonl:1: unknown expectation*",
        ]
    )
    result.stdout.no_fnmatch_line("*JG1*")
