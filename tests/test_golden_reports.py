"""Every golden report (tests/golden/reports/) is still printed byte for byte.

The cases, the normalisation of machine-specific details and the generator are in
``tests/golden_reports.py``. A difference here means behaviour changed: fix the code,
or, only for a deliberate change, run ``python tests/golden_reports.py --write`` and
review the diff of the goldens.
"""

from __future__ import annotations

import importlib.util

import pytest

from golden_reports import (
    CASES,
    CONFIGS,
    GOLDEN,
    RUNS,
    Case,
    expected_exit_codes,
    rule_config,
    run,
)

REGENERATE = (
    "if (and only if) this change is deliberate, run `python tests/golden_reports.py --write` "
    "and review the golden diff"
)
EXIT_CODES = expected_exit_codes()


@pytest.mark.parametrize(
    ("case", "output_format"),
    RUNS,
    ids=[f"{case.id}:{output_format}" for case, output_format in RUNS],
)
def test_report_matches_golden(case: Case, output_format: str) -> None:
    if case.needs and importlib.util.find_spec(case.needs) is None:
        pytest.skip(f"needs {case.needs}")
    name = case.golden(output_format)
    path = GOLDEN / name
    assert path.exists(), f"no golden {path.name} for `{' '.join(case.argv(output_format))}`"
    result = run(case, output_format)
    golden = path.read_bytes().decode("utf-8")
    command = "jsonl-guard " + " ".join(case.argv(output_format))
    assert result.stderr == "", f"`{command}` wrote to stderr:\n{result.stderr}"
    assert result.output == golden, (
        f"`{command}` no longer prints tests/golden/reports/{name}; {REGENERATE}"
    )
    assert result.exit_code == EXIT_CODES[name], (
        f"`{command}` exits {result.exit_code}, golden {EXIT_CODES[name]}; {REGENERATE}"
    )


def test_every_golden_belongs_to_a_case() -> None:
    expected = {case.golden(output_format) for case, output_format in RUNS}
    assert set(EXIT_CODES) == expected, REGENERATE
    on_disk = {p.name for p in GOLDEN.iterdir()} - {"exit-codes.json"}
    assert on_disk == expected, f"stale or missing golden files; {REGENERATE}"


def test_configs_match_the_rule_options() -> None:
    """The --config files hold the models of their rule's options.json."""
    used = {arg for case in CASES for arg in case.args if arg.startswith("tests/golden/configs/")}
    assert used == {f"tests/golden/configs/{p.name}" for p in CONFIGS.glob("*.toml")}
    for path in CONFIGS.glob("*.toml"):
        assert path.read_text("utf-8") == rule_config(path.stem), REGENERATE
