"""[tool.jsonl-guard] in pyproject.toml, overridden by CLI flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import example, write_jsonl
from jsonl_guard.cli import main
from jsonl_guard.engine.config import ConfigError, load_config


def project(tmp_path: Path, config: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n{config}\n")
    return tmp_path


def check_json(capsys, *argv: str) -> tuple[int, dict]:
    code = main(["check", *argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_model_from_config_and_cli_wins(tmp_path, monkeypatch, capsys):
    project(tmp_path, '[tool.jsonl-guard]\nmodel = "gpt-3.5-turbo-0125"\nepochs = 2')
    write_jsonl(tmp_path / "d.jsonl", [example(i) for i in range(60)])
    monkeypatch.chdir(tmp_path)
    _, data = check_json(capsys, "d.jsonl")
    cost = data["files"][0]["cost"]
    assert (cost["model"], cost["model_source"], cost["epochs"]) == (
        "gpt-3.5-turbo-0125",
        "config",
        2,
    )
    assert data["files"][0]["tokens"]["encoding"] == "cl100k_base"
    _, data = check_json(capsys, "d.jsonl", "--model", "gpt-4o-2024-08-06", "--epochs", "5")
    cost = data["files"][0]["cost"]
    assert (cost["model"], cost["model_source"], cost["epochs"]) == ("gpt-4o-2024-08-06", "cli", 5)


def test_config_found_from_a_subdirectory(tmp_path, monkeypatch, capsys):
    project(tmp_path, "[tool.jsonl-guard]\nmin-examples = 3")
    sub = tmp_path / "data" / "train"
    sub.mkdir(parents=True)
    write_jsonl(sub / "d.jsonl", [example(i) for i in range(5)])
    monkeypatch.chdir(sub)
    code, data = check_json(capsys, "d.jsonl", "--ignore", "JG302")
    assert code == 0
    assert data["summary"]["errors"] == 0


def test_select_ignore_severity_and_strict(tmp_path, monkeypatch, capsys):
    project(
        tmp_path,
        '[tool.jsonl-guard]\nignore = ["JG302"]\nstrict = true\nseverity = { JG301 = "warning" }',
    )
    write_jsonl(tmp_path / "d.jsonl", [example(i) for i in range(5)])
    monkeypatch.chdir(tmp_path)
    code, data = check_json(capsys, "d.jsonl")
    diagnostics = data["files"][0]["diagnostics"]
    assert [(d["code"], d["severity"]) for d in diagnostics] == [("JG301", "warning")]
    assert code == 1  # strict: the warning fails the run


def test_per_path_overrides(tmp_path, monkeypatch, capsys):
    project(
        tmp_path,
        '[tool.jsonl-guard]\nmodel = "gpt-4o-mini-2024-07-18"\n\n'
        '[[tool.jsonl-guard.overrides]]\npaths = ["eval/*.jsonl"]\nmin-examples = 1\n'
        'ignore = ["JG302"]',
    )
    (tmp_path / "eval").mkdir()
    write_jsonl(tmp_path / "eval" / "small.jsonl", [example(i) for i in range(3)])
    write_jsonl(tmp_path / "train.jsonl", [example(i) for i in range(3)])
    monkeypatch.chdir(tmp_path)
    code, data = check_json(capsys, "eval/small.jsonl", "train.jsonl")
    by_name = {Path(f["path"]).name: f for f in data["files"]}
    assert by_name["small.jsonl"]["diagnostics"] == []
    assert {d["code"] for d in by_name["train.jsonl"]["diagnostics"]} == {"JG301"}
    assert code == 1


def test_custom_model_in_config(tmp_path, monkeypatch, capsys):
    project(
        tmp_path,
        '[tool.jsonl-guard]\nmodel = "acme-7b"\n\n[tool.jsonl-guard.models."acme-7b"]\n'
        'encoding = "cl100k_base"\ntoken_limit = 50\nprice_per_million = 1.5',
    )
    rows = [example(i) for i in range(60)]
    rows[1]["messages"][2]["content"] = "wheel " * 80  # type: ignore[index]
    write_jsonl(tmp_path / "d.jsonl", rows)
    monkeypatch.chdir(tmp_path)
    code, data = check_json(capsys, "d.jsonl")
    file = data["files"][0]
    assert code == 1
    assert [(d["code"], d["line"]) for d in file["diagnostics"]] == [("JG401", 2)]
    assert file["cost"]["price_per_million_usd"] == 1.5


def test_override_of_a_builtin_price(tmp_path, monkeypatch, capsys):
    project(tmp_path, '[tool.jsonl-guard.models."gpt-4.1-mini-2025-04-14"]\nprice_per_million = 5')
    write_jsonl(tmp_path / "d.jsonl", [example(i) for i in range(60)])
    monkeypatch.chdir(tmp_path)
    _, data = check_json(capsys, "d.jsonl", "--model", "gpt-4.1-mini")
    cost = data["files"][0]["cost"]
    assert cost["price_per_million_usd"] == 5
    assert cost["estimated_usd"] == round(cost["billed_tokens"] * 5 / 1e6, 4)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[tool.jsonl-guard]\nmodle = 'x'", "unknown key(s) in [tool.jsonl-guard]: modle"),
        ("[tool.jsonl-guard]\nepochs = 'three'", "epochs must be a positive integer"),
        ("[tool.jsonl-guard]\nseverity = { JG401 = 'loud' }", "severity levels are"),
        ("[tool.jsonl-guard\n", "invalid TOML"),
        ("[[tool.jsonl-guard.overrides]]\nmodel = 'x'", "needs a non-empty `paths` list"),
        ('[tool.jsonl-guard.models."m"]\nencoding = "o200k_base"', "missing field 'token_limit'"),
    ],
)
def test_bad_config_is_a_usage_error(tmp_path, monkeypatch, capsys, config, message):
    project(tmp_path, config)
    write_jsonl(tmp_path / "d.jsonl", [example(i) for i in range(60)])
    monkeypatch.chdir(tmp_path)
    code = main(["check", "d.jsonl", "--model", "m"] if '"m"' in config else ["check", "d.jsonl"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_no_pyproject_means_defaults(tmp_path):
    if any((folder / "pyproject.toml").exists() for folder in tmp_path.parents):
        pytest.skip("a pyproject.toml above the temp dir would be found")
    config = load_config(start=tmp_path)
    assert (config.source, dict(config.settings), config.strict) == (None, {}, False)


def test_explicit_config_path(tmp_path):
    path = tmp_path / "custom.toml"
    path.write_text("[tool.jsonl-guard]\nmax-cost = 12.5\n")
    config = load_config(path)
    assert config.settings == {"max-cost": 12.5}
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


# --- each file's own config (the nearest pyproject.toml with [tool.jsonl-guard]) ------------


def _two_projects(tmp_path: Path) -> tuple[Path, Path]:
    """``proj`` (model gpt-3.5, its data two folders down) and ``other`` (no config)."""
    (tmp_path / "proj" / "data" / "train").mkdir(parents=True)
    proj = project(tmp_path / "proj", '[tool.jsonl-guard]\nmodel = "gpt-3.5-turbo-0125"')
    write_jsonl(proj / "data" / "train" / "x.jsonl", [example(i) for i in range(60)])
    other = tmp_path / "other"
    other.mkdir()
    return proj, other


def test_a_file_gets_its_projects_config_from_any_working_directory(tmp_path, monkeypatch, capsys):
    proj, other = _two_projects(tmp_path)
    (proj / "data" / "pyproject.toml").write_text("[project]\nname = 'sub'\n")  # no table: passed
    monkeypatch.chdir(other)
    _, data = check_json(capsys, str(proj / "data" / "train" / "x.jsonl"))
    cost = data["files"][0]["cost"]
    assert (cost["model"], cost["model_source"]) == ("gpt-3.5-turbo-0125", "config")


def test_files_of_two_projects_each_get_their_own_config(tmp_path, monkeypatch, capsys):
    _, other = _two_projects(tmp_path)
    project(other, '[tool.jsonl-guard]\nmodel = "gpt-4o-2024-08-06"')
    write_jsonl(other / "y.jsonl", [example(i) for i in range(60)])
    monkeypatch.chdir(tmp_path)
    _, data = check_json(capsys, "proj", "other")
    models = {Path(f["path"]).name: f["cost"]["model"] for f in data["files"]}
    assert models == {"x.jsonl": "gpt-3.5-turbo-0125", "y.jsonl": "gpt-4o-2024-08-06"}


def test_config_option_forces_one_config_for_every_file(tmp_path, monkeypatch, capsys):
    proj, other = _two_projects(tmp_path)
    forced = project(other, '[tool.jsonl-guard]\nmodel = "gpt-4o-2024-08-06"') / "pyproject.toml"
    monkeypatch.chdir(other)
    _, data = check_json(capsys, str(proj / "data"), "--config", str(forced))
    assert data["files"][0]["cost"]["model"] == "gpt-4o-2024-08-06"


def test_verbose_names_the_config_of_each_file_on_stderr(tmp_path, monkeypatch, capsys):
    proj, other = _two_projects(tmp_path)
    write_jsonl(other / "y.jsonl", [example(i) for i in range(60)])
    monkeypatch.chdir(tmp_path)
    code = main(["check", "proj", "other/y.jsonl", "-v", "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0
    json.loads(captured.out)  # the report stays clean
    x = str(Path("proj", "data", "train", "x.jsonl"))
    assert f"jsonl-guard: {x}: config {proj / 'pyproject.toml'}" in captured.err
    assert "jsonl-guard: other/y.jsonl: config none (defaults)" in captured.err
    main(["check", "other/y.jsonl", "-v", "--config", str(proj / "pyproject.toml")])
    assert f"config {proj / 'pyproject.toml'} (--config)" in capsys.readouterr().err


def test_the_validation_file_of_the_training_files_config(tmp_path, monkeypatch, capsys):
    (tmp_path / "proj" / "data").mkdir(parents=True)
    proj = project(tmp_path / "proj", '[tool.jsonl-guard]\nvalidation-file = "data/valid.jsonl"')
    write_jsonl(proj / "data" / "train.jsonl", [example(i) for i in range(60)])
    write_jsonl(proj / "data" / "valid.jsonl", [example(i) for i in range(100, 110)])
    monkeypatch.chdir(tmp_path)
    _, data = check_json(capsys, "proj/data/train.jsonl")
    assert [(Path(f["path"]).name, f["role"]) for f in data["files"]] == [
        ("train.jsonl", "training"),
        ("valid.jsonl", "validation"),
    ]
