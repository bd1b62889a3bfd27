"""The pre-commit hook, run for real: `pre-commit run --all-files` in throwaway git repos.

The hook repository is a git snapshot of this working tree (pre-commit needs a
commit to point `rev:` at, and the working tree may be ahead of the last commit).
pre-commit builds the hook's virtualenv once for the whole module (one shared
PRE_COMMIT_HOME) by pip-installing the snapshot, which needs the package registry:
without it, or without git or pre-commit, the tests skip and say why.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpers import EXAMPLES, ROOT

HOOK_ID = "jsonl-guard"
# What the hook repository needs to `pip install .`: the package and its metadata.
HOOK_REPO_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml")
HOOK_REPO_DIRS = ("src", "pytest_plugin")
BAD_LINES = range(3, 24, 2)  # examples/README.md: the planted defects of support-bad.jsonl
# pip's words for "could not reach the index", as they show in pre-commit's log.
OFFLINE_SIGNS = (
    "NewConnectionError",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "Connection refused",
    "Max retries exceeded",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "No matching distribution found",
)

RunHook = Callable[..., subprocess.CompletedProcess[str]]


def _environment(pre_commit_home: Path) -> dict[str, str]:
    """The caller's environment, minus anything from an enclosing git hook or pre-commit run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        PRE_COMMIT_HOME=str(pre_commit_home),
        GIT_AUTHOR_NAME="jsonl-guard tests",
        GIT_AUTHOR_EMAIL="tests@jsonl-guard.invalid",
        GIT_COMMITTER_NAME="jsonl-guard tests",
        GIT_COMMITTER_EMAIL="tests@jsonl-guard.invalid",
    )
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def _snapshot_of_working_tree(dest: Path, env: dict[str, str]) -> str:
    """Commit a copy of the package as it is on disk now; return the commit's sha."""
    dest.mkdir()
    for name in HOOK_REPO_FILES:
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in HOOK_REPO_DIRS:
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    _git(dest, env, "init", "-q")
    _git(dest, env, "add", "-A")
    _git(dest, env, "commit", "-q", "-m", "snapshot of the working tree")
    return _git(dest, env, "rev-parse", "HEAD")


def _pre_commit(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--color", "never"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def _make_user_repo(
    path: Path,
    env: dict[str, str],
    hook_repo: Path,
    rev: str,
    files: dict[str, str],
    hook_options: dict[str, object] | None = None,
) -> None:
    path.mkdir()
    hook: dict[str, object] = {"id": HOOK_ID, **(hook_options or {})}
    config = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [hook]}]}
    # JSON is YAML, so no YAML library is needed to write the config.
    (path / ".pre-commit-config.yaml").write_text(json.dumps(config, indent=2), "utf-8")
    for name, text in files.items():
        (path / name).write_text(text, "utf-8")
    _git(path, env, "init", "-q")
    _git(path, env, "add", "-A")  # --all-files means every file git tracks


@pytest.fixture(scope="module")
def run_hook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunHook]:
    """Build the hook environment once; yield a function that runs the hook in a new repo."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")

    base = tmp_path_factory.mktemp("pre-commit")
    env = _environment(base / "home")
    hook_repo = base / "hook-repo"
    rev = _snapshot_of_working_tree(hook_repo, env)

    seed = base / "seed"
    _make_user_repo(seed, env, hook_repo, rev, {})
    installed = _pre_commit(seed, env, "install-hooks")
    if installed.returncode != 0:
        log_file = base / "home" / "pre-commit.log"
        log = log_file.read_text("utf-8", "replace") if log_file.exists() else ""
        output = installed.stdout + installed.stderr + log
        if any(sign in output for sign in OFFLINE_SIGNS):
            pytest.skip(
                "the package registry is unreachable: pre-commit could not pip-install "
                "the hook's environment"
            )
        pytest.fail(f"pre-commit could not install the hook:\n{output}")

    count = 0

    def run(
        files: dict[str, str], hook_options: dict[str, object] | None = None
    ) -> subprocess.CompletedProcess[str]:
        nonlocal count
        count += 1
        repo = base / f"user-repo-{count}"
        _make_user_repo(repo, env, hook_repo, rev, files, hook_options)
        return _pre_commit(repo, env, "run", "--all-files")

    yield run


BAD = (EXAMPLES / "support-bad.jsonl").read_text("utf-8")
GOOD = (EXAMPLES / "support-good.jsonl").read_text("utf-8")


def test_manifest_selects_jsonl_and_runs_serially():
    yaml = pytest.importorskip("yaml")  # comes with pre-commit
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hook["id"] == HOOK_ID
    assert hook["entry"] == "jsonl-guard check"
    assert hook["language"] == "python"
    assert hook["files"] == r"\.jsonl$"  # identify has no `jsonl` type
    assert hook["types"] == ["text"]
    assert hook["require_serial"] is True
    assert hook.get("pass_filenames", True) is True
    assert hook["description"]


@pytest.mark.network
@pytest.mark.slow
def test_hook_fails_on_bad_data_and_reports_each_line(run_hook: RunHook):
    # 8 files: without require_serial, pre-commit would split them into one process
    # per CPU (4 files or more each), and the report would not cover them all.
    copies = {f"part-{i}.jsonl": GOOD for i in range(1, 8)}
    result = run_hook({"bad.jsonl": BAD, **copies, "notes.txt": "not jsonl\n"})
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "jsonl-guard" in output and "Failed" in output
    for line in BAD_LINES:
        assert f"bad.jsonl:{line}:" in output, f"line {line} not reported:\n{output}"
    assert "Found 10 error(s) and 3 warning(s) in 8 files." in output, output
    assert "part-1.jsonl:" not in output.replace("part-1.jsonl: 60 examples, 0 errors", "")
    assert "notes.txt" not in output


@pytest.mark.network
@pytest.mark.slow
def test_hook_passes_on_good_data(run_hook: RunHook):
    result = run_hook({"train.jsonl": GOOD})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "jsonl-guard" in output and "Passed" in output


@pytest.mark.network
@pytest.mark.slow
def test_hook_args_pass_through(run_hook: RunHook):
    # Ignoring the JSON/schema (JG1) and structure (JG2) rules leaves only a warning.
    options = {"args": ["--ignore", "JG1,JG2", "--model", "gpt-3.5-turbo-0125"], "verbose": True}
    result = run_hook({"bad.jsonl": BAD}, options)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Passed" in output
    assert "model: gpt-3.5-turbo-0125" in output, output
    assert "bad.jsonl:3:" not in output


@pytest.mark.network
@pytest.mark.slow
def test_hook_reads_tool_jsonl_guard_from_pyproject(run_hook: RunHook):
    pyproject = '[tool.jsonl-guard]\nmin-examples = 100\nmodel = "gpt-3.5-turbo-0125"\n'
    result = run_hook({"train.jsonl": GOOD, "pyproject.toml": pyproject})
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "train.jsonl: JG301" in output and "at least 100" in output, output
    assert "model: gpt-3.5-turbo-0125" in output, output
