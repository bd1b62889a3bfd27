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


def test_importing_the_package_loads_no_rule_module():
    """The catalogue loads the declaring modules on the first lookup of the whole
    catalogue (``all_rules``, a check, ``jsonl-guard rules``), not at import."""
    modules = imported_after("import jsonl_guard\nprint()")
    assert "jsonl_guard.rules.catalogue" in modules
    loaded = {m for m in modules if m.startswith("jsonl_guard.providers.")}
    assert not loaded and "jsonl_guard.rules.content" not in modules


def test_a_token_method_lookup_imports_nothing():
    """``find_token_method`` knows only the methods registered so far: a provider's is a
    clear error until the catalogue is loaded (``token_method_for`` loads it)."""
    code = (
        "from jsonl_guard.tokens.methods import find_token_method\n"
        "from jsonl_guard.rules.catalogue import token_method_for\n"
        "try:\n"
        "    find_token_method('gemini-estimate')\n"
        "except Exception as error:\n"
        "    print(type(error).__name__, error)\n"
        "print(token_method_for('gemini-estimate').name)\n"
        "print(find_token_method('gemini-estimate').name)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    error, found, found_again = result.stdout.splitlines()[:3]
    assert error.startswith("ModelTableError unknown token method 'gemini-estimate'; registered:")
    assert "rules.catalogue.load_rule_modules()" in error
    assert found == found_again == "gemini-estimate"


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
