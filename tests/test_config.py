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
