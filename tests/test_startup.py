"""Start-up stays cheap: heavy modules load only when they are needed (no timing here)."""

from __future__ import annotations

import subprocess
import sys

from helpers import EXAMPLES


def imported_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(','.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(result.stdout.strip().splitlines()[-1].split(","))


def test_rules_and_help_load_no_tokenizer_validator_or_sdk():
    modules = imported_after("from jsonl_guard.cli import main\nmain(['rules'])\nprint()")
    assert not {"tiktoken", "jsonschema", "openai"} & modules


def test_a_valid_file_never_imports_the_reference_validator():
    good = EXAMPLES / "support-good.jsonl"
    modules = imported_after(f"from jsonl_guard import check_path\ncheck_path({str(good)!r})")
    assert "tiktoken" in modules
    assert "jsonschema" not in modules and "openai" not in modules
    # Versions come from the modules themselves: importlib.metadata costs ~30 ms.
    assert "importlib.metadata" not in modules


def test_an_invalid_line_does_import_it():
    bad = EXAMPLES / "support-bad.jsonl"
    modules = imported_after(f"from jsonl_guard import check_path\ncheck_path({str(bad)!r})")
    assert "jsonschema" in modules
