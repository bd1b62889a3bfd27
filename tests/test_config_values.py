"""Wrong values in [tool.jsonl-guard] end as exit 2 and a message naming the key.

Each case once ended in a Python traceback (a ValueError, TypeError, AttributeError or
RecursionError from deep inside), or was silently coerced into something else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import example, write_jsonl
from jsonl_guard.cli import main
from jsonl_guard.engine.config import load_config

MODEL = '[tool.jsonl-guard]\nmodel = "m"\n\n[tool.jsonl-guard.models."m"]\n'
VALID = 'encoding = "o200k_base"\ntoken_limit = 1000\n'

# (id, pyproject text after [project], a word the message must hold)
CASES = [
    ("unknown-encoding", MODEL + 'encoding = "o200k_bas"\ntoken_limit = 1000', "encoding"),
    ("int-encoding", MODEL + "encoding = 5\ntoken_limit = 1000", "encoding"),
    ("string-limit", MODEL + 'encoding = "o200k_base"\ntoken_limit = "big"', "token_limit"),
    ("inf-limit", MODEL + 'encoding = "o200k_base"\ntoken_limit = inf', "token_limit"),
    ("negative-limit", MODEL + 'encoding = "o200k_base"\ntoken_limit = -5', "token_limit"),
    ("float-limit", MODEL + 'encoding = "o200k_base"\ntoken_limit = 1.5', "token_limit"),
    ("zero-chars-per-token", MODEL + VALID + "chars_per_token = 0", "chars_per_token"),
    ("negative-chars-per-token", MODEL + VALID + "chars_per_token = -1.0", "chars_per_token"),
    ("nan-chars-per-token", MODEL + VALID + "chars_per_token = nan", "chars_per_token"),
    ("negative-price", MODEL + VALID + "price_per_million = -3.0", "price_per_million"),
    ("nan-price", MODEL + VALID + "price_per_million = nan", "price_per_million"),
    ("inf-price", MODEL + VALID + "price_per_million = inf", "price_per_million"),
    ("string-methods", MODEL + VALID + 'methods = "sft"', "methods"),
    ("string-bool", MODEL + VALID + 'images = "false"', "images"),
    ("int-bool", MODEL + VALID + "allows_bom = 1", "allows_bom"),
    ("negative-epochs", MODEL + VALID + "default_epochs = -2", "default_epochs"),
    ("nan-file-size", MODEL + VALID + "max_file_mb = nan", "max_file_mb"),
    (
        "override-builtin",
        '[tool.jsonl-guard.models."gpt-4o-mini-2024-07-18"]\ntoken_limit = "big"',
        "token_limit",
    ),
    ("int-entry", "[tool.jsonl-guard.models]\nm = 5", "'m'"),
    ("string-entry", '[tool.jsonl-guard.models]\nm = "o200k_base"', "'m'"),
    ("int-overrides", "[tool.jsonl-guard]\noverrides = 5", "overrides"),
    ("int-override-entry", "[tool.jsonl-guard]\noverrides = [5]", "overrides[0]"),
    ("int-tool", "tool = 5", "tool"),
    ("share-over-one", "[tool.jsonl-guard]\nrefusal-share = 5", "refusal-share"),
    ("nan-share", "[tool.jsonl-guard]\nrepeated-answer-share = nan", "repeated-answer-share"),
    ("string-share", '[tool.jsonl-guard]\nrefusal-share = "5%"', "refusal-share"),
    ("deep-nesting", "[tool.jsonl-guard]\nselect = " + "[" * 5000 + "]" * 5000, "nested"),
]


def write_project(tmp_path: Path, config: str) -> Path:
    pyproject = tmp_path / "pyproject.toml"
    text = config if config.startswith("tool =") else f"[project]\nname = 'x'\n\n{config}\n"
    pyproject.write_text(text)
    return pyproject


@pytest.mark.parametrize(("config", "key"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_wrong_config_value_is_a_usage_error(tmp_path, capsys, config, key):
    pyproject = write_project(tmp_path, config)
    data = write_jsonl(tmp_path / "d.jsonl", [example(i) for i in range(20)])
    code = main(["check", str(data), "--config", str(pyproject)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert err.startswith("jsonl-guard: error: ")
    assert str(pyproject) in err
    assert key in err


def test_valid_custom_model_still_loads(tmp_path):
    pyproject = write_project(
        tmp_path, MODEL + VALID + 'methods = ["sft", "dpo"]\nimages = true\nmax_file_mb = inf'
    )
    config = load_config(pyproject)
    assert config.models["m"]["methods"] == ["sft", "dpo"]
