"""Read ``[tool.jsonl-guard]`` from the nearest pyproject.toml and turn it into options.

Keys (kebab-case; snake_case is accepted too)::

    [tool.jsonl-guard]
    model = "gpt-4o-mini-2024-07-18"
    epochs = 3
    max-cost = 25.0
    min-examples = 10
    select = ["JG"]            # codes, prefixes or rule names
    ignore = ["JG303"]
    strict = false             # warnings fail too
    severity = { JG401 = "warning" }
    profile = "openai-dpo"     # a file format (default: detected per file)
    validation-file = "data/valid.jsonl"   # checked with the training files
    tokenizer = "models/tokenizer.json"    # or auto / tiktoken / quicktok
    max-seq-len = 4096         # the token limit that goes with such a tokenizer
    max-findings-per-rule = 100  # listed per rule and file, the rest counted (0: all)

    [tool.jsonl-guard.models."my-model"]   # add or override a model
    encoding = "o200k_base"
    token_limit = 65536

    [[tool.jsonl-guard.overrides]]          # per-path settings (glob patterns)
    paths = ["data/eval/*.jsonl"]
    min-examples = 1
"""

from __future__ import annotations

import fnmatch
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import JsonlGuardError
from ..tokens.backends import is_tokenizer_file
from .diagnostics import Severity
from .models import ModelTableError, model_table
from .options import CheckOptions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SECTION = "jsonl-guard"
_OPTION_KEYS = {
    "model",
    "epochs",
    "max-cost",
    "min-examples",
    "select",
    "ignore",
    "severity",
    "tokenizer",
    "profile",
    "max-seq-len",
    "max-findings-per-rule",
}
_TOP_KEYS = _OPTION_KEYS | {"strict", "models", "overrides", "validation-file"}


class ConfigError(JsonlGuardError, ValueError):
    """The configuration file cannot be read or holds a wrong value."""


@dataclass(frozen=True)
class Config:
    source: Path | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    overrides: tuple[tuple[tuple[str, ...], Mapping[str, Any]], ...] = ()
    models: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    strict: bool = False
    validation_file: str | None = None

    def options_for(self, path: str, base: CheckOptions) -> CheckOptions:
        """Options for one file: config settings, then the overrides whose paths match."""
        options = apply_settings(CheckOptions(models=self.models), self.settings, "config")
        relative = self._relative(path)
        for patterns, settings in self.overrides:
            if any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(path, p) for p in patterns):
                options = apply_settings(options, settings, "config")
        return options

    def _relative(self, path: str) -> str:
        if self.source is None:
            return path
        try:
            return Path(path).resolve().relative_to(self.source.parent.resolve()).as_posix()
        except ValueError:
            return path


def find_pyproject(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None = None, *, start: Path | None = None) -> Config:
    """Load the config at ``path``, or from the nearest pyproject.toml above ``start``."""
    source = path or find_pyproject((start or Path.cwd()).resolve())
    if source is None:
        return Config()
    try:
        document = tomllib.loads(source.read_text("utf-8"))
    except OSError as error:
        raise ConfigError(f"{source}: cannot read: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{source}: invalid TOML: {error}") from None
    except RecursionError:  # tomllib recurses once per level of nested arrays or tables
        raise ConfigError(
            f"{source}: invalid TOML: arrays or tables nested too deeply to read; flatten them"
        ) from None
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{source}: `tool` must be a table (like [tool.{SECTION}]), not {tool!r}")
    table = tool.get(SECTION) or tool.get("jsonl_guard")
    if table is None:
        return Config(source=source) if path else Config()
    return parse_table(_normalise(table, source), source)


def _normalise(table: Any, source: Path) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [tool.{SECTION}] must be a table")
    return {str(k).replace("_", "-"): v for k, v in table.items()}


def parse_table(table: dict[str, Any], source: Path) -> Config:
    unknown = set(table) - _TOP_KEYS
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) in [tool.{SECTION}]: {', '.join(sorted(unknown))}"
        )
    settings = {k: v for k, v in table.items() if k in _OPTION_KEYS}
    apply_settings(CheckOptions(), settings, str(source))  # validate early
    overrides = []
    entries = table.get("overrides", [])
    if not isinstance(entries, list):
        raise ConfigError(
            f"{source}: overrides must be an array of tables, each written "
            f"[[tool.{SECTION}.overrides]] with a `paths` list, not {entries!r}"
        )
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ConfigError(
                f"{source}: overrides[{index}] must be a table with a `paths` list, not {entry!r}"
            )
        entry = _normalise(entry, source)
        patterns = entry.pop("paths", None)
        if not isinstance(patterns, list) or not patterns:
            raise ConfigError(f"{source}: overrides[{index}] needs a non-empty `paths` list")
        bad = set(entry) - _OPTION_KEYS
        if bad:
            raise ConfigError(
                f"{source}: overrides[{index}]: unknown key(s) {', '.join(sorted(bad))}"
            )
        apply_settings(CheckOptions(), entry, str(source))
        overrides.append((tuple(str(p) for p in patterns), entry))
    models = table.get("models", {})
    if not isinstance(models, dict):
        raise ConfigError(f"{source}: [tool.{SECTION}.models] must be a table of tables")
    try:
        model_table(models)  # validate early, naming the file
    except ModelTableError as error:
        raise ConfigError(f"{source}: [tool.{SECTION}.models]: {error}; fix that entry") from None
    strict = table.get("strict", False)
    if not isinstance(strict, bool):
        raise ConfigError(f"{source}: strict must be true or false")
    validation = table.get("validation-file")
    if validation is not None and not isinstance(validation, str):
        raise ConfigError(f"{source}: validation-file must be a path")
    if validation is not None:  # relative to the config file, like every path in it
        validation = str(source.parent / validation)
    return Config(source, settings, tuple(overrides), models, strict, validation)


def _severity_map(value: Any, where: str) -> dict[str, Severity]:
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: severity must be a table like {{ JG401 = "warning" }}')
    try:
        return {str(code): Severity(str(level).lower()) for code, level in value.items()}
    except ValueError:
        raise ConfigError(f"{where}: severity levels are error, warning or info") from None


def _codes(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of rule codes")
    return tuple(v.strip() for v in value)


def apply_settings(options: CheckOptions, settings: Mapping[str, Any], where: str) -> CheckOptions:
    """``options`` with every key of ``settings`` applied (validating types)."""
    changes: dict[str, Any] = {}
    for key, value in settings.items():
        if key == "model":
            if not isinstance(value, str):
                raise ConfigError(f"{where}: model must be a string")
            changes.update(model=value, model_source=where if where != "cli" else "cli")
        elif key in ("epochs", "min-examples"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{where}: {key} must be a positive integer")
            changes[key.replace("-", "_")] = value
        elif key == "max-cost":
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if number and not math.isfinite(value):  # TOML and Python allow nan and inf
                raise ConfigError(f"{where}: max-cost must be a finite amount, zero or more")
            if not number or value < 0:
                raise ConfigError(f"{where}: max-cost must be a number of US dollars")
            changes["max_cost"] = float(value)
        elif key in ("select", "ignore"):
            changes[key] = _codes(value, key, where)
        elif key == "tokenizer":
            if value not in ("auto", "tiktoken", "quicktok") and not is_tokenizer_file(value):
                raise ConfigError(
                    f"{where}: tokenizer must be auto, tiktoken, quicktok or the path of a "
                    "Hugging Face tokenizer.json"
                )
            changes["tokenizer"] = value
        elif key == "profile":
            if not isinstance(value, str):
                raise ConfigError(f"{where}: profile must be a profile name")
            changes.update(profile=value, profile_source="option" if where == "cli" else where)
        elif key == "max-seq-len":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{where}: max-seq-len must be a positive integer")
            changes["max_seq_len"] = value
        elif key == "max-findings-per-rule":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(
                    f"{where}: max-findings-per-rule must be a whole number, zero or more "
                    "(0 lists every finding)"
                )
            changes["max_findings_per_rule"] = value
        elif key == "severity":
            changes["severity"] = {**options.severity, **_severity_map(value, where)}
    return replace(options, **changes)
