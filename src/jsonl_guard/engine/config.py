"""Read ``[tool.jsonl-guard]`` from the nearest pyproject.toml and turn it into options.

Each checked file gets the config of the nearest ``pyproject.toml`` above it that has
a ``[tool.jsonl-guard]`` table (as ruff finds ``[tool.ruff]``): ``ConfigFinder``. A
pyproject.toml without the table is passed over, so a sub-package's own pyproject does
not hide the project's settings. ``--config`` forces one file for everything. Paths in
a config (``validation-file``, ``overrides``, ``exclude``) are relative to its folder.

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
    tokenizer = "models/tokenizer.json"    # or a model folder, auto / tiktoken / quicktok
    max-seq-len = 4096         # the token limit that goes with such a tokenizer
    truncation-side = "right"  # or "left" (TRL: keep_start / keep_end)
    loss = "assistant-only"    # or completion-only / all (default: TRL's for the profile)
    chat-template = "templates/train.jinja"  # replaces the tokenizer's chat template
    packing = false            # report the packed sequences and their padding
    max-line-bytes = 67108864  # a longer line is reported (JG106), not read (default 64 MiB)
    exclude = ["data/raw/", "*.tmp.jsonl"]  # .gitignore syntax; skipped when searching
    max-findings-per-rule = 100  # listed per rule and file, the rest counted (0: all)
    allow = ["example@example.com", "sk-test-*"]  # placeholders JG280/JG281 never report
    repeated-answer-share = 0.1  # JG312: one answer to more than this share of prompts
    refusal-share = 0.05       # JG313: refusals/boilerplate in more than this share
    near-duplicate-threshold = 0.6  # estimated similarity from which JG314/JG315 report

    [tool.jsonl-guard.models."my-model"]   # add or override a model
    encoding = "o200k_base"
    token_limit = 65536

    [[tool.jsonl-guard.overrides]]          # per-path settings (glob patterns)
    paths = ["data/eval/*.jsonl"]
    min-examples = 1
"""

from __future__ import annotations

import errno
import fnmatch
import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import JsonlGuardError
from ..tokens.backends import is_tokenizer_file
from ..tokens.training import LOSS_MODES, TRUNCATION_SIDES
from .diagnostics import Severity
from .models import ModelTableError, canonical_model_name, model_table
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
    "max-line-bytes",
    "max-findings-per-rule",
    "truncation-side",
    "loss",
    "chat-template",
    "packing",
    "allow",
    "repeated-answer-share",
    "refusal-share",
    "near-duplicate-threshold",
}
# Looking for pyproject.toml: these mean "no such file here" (a path too long to have
# one, a folder named pyproject.toml); others (no permission) are errors.
_NOT_THERE = {errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG, errno.ELOOP}
_TOP_KEYS = _OPTION_KEYS | {"strict", "models", "overrides", "validation-file", "exclude"}


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
    exclude: tuple[str, ...] = ()  # .gitignore-style patterns, relative to ``source``'s folder

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
    """The nearest pyproject.toml at or above ``start`` with a ``[tool.jsonl-guard]`` table."""
    config = ConfigFinder().for_folder(start)
    return config.source


def load_config(path: Path | None = None, *, start: Path | None = None) -> Config:
    """Load the config at ``path``, or from the nearest pyproject.toml above ``start``
    (default: the working directory) that has a ``[tool.jsonl-guard]`` table."""
    if path is not None:
        return _read(path) or Config(source=path)
    return ConfigFinder().for_folder(start or Path.cwd())


class ConfigFinder:
    """The config each path is checked with: ``forced`` (``--config``) for every path, or
    the nearest pyproject.toml with ``[tool.jsonl-guard]`` above the path. Each folder
    is looked up, and each pyproject.toml read, once."""

    def __init__(self, forced: Path | None = None) -> None:
        self.forced = None if forced is None else load_config(forced)
        self._folders: dict[Path, Config] = {}

    def for_path(self, path: str) -> Config:
        """The config for one file (``-``, standard input: the working directory's)."""
        if path == "-":
            return self.for_folder(Path.cwd())
        return self.for_folder(Path(os.path.abspath(path)).parent)  # noqa: PTH100 - see below

    def for_folder(self, folder: Path) -> Config:
        if self.forced is not None:
            return self.forced
        # Absolute but unresolved: the tree as the user sees it (a linked data folder
        # belongs to the project it is linked from). Walked up without recursion.
        start = Path(os.path.abspath(folder))  # noqa: PTH100 - resolve() follows links
        visited: list[Path] = []
        found = Config()
        current = start
        while True:  # not start.parents: a list of every ancestor per deep folder adds up
            if current in self._folders:
                found = self._folders[current]
                break
            visited.append(current)
            config = _read(current / "pyproject.toml", missing_ok=True)
            if config is not None:
                found = config
                break
            if current.parent == current:
                break
            current = current.parent
        for current in visited:
            self._folders[current] = found
        return found


def _read(source: Path, *, missing_ok: bool = False) -> Config | None:
    """The ``[tool.jsonl-guard]`` of one file; ``None`` when it has none (or, with
    ``missing_ok``, when the file is not there)."""
    try:
        text = source.read_text("utf-8")
    except OSError as error:
        if missing_ok and error.errno in _NOT_THERE:
            return None
        raise ConfigError(f"{source}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{source}: invalid TOML: {error}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
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
        return None
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
    settings = _relative_paths({k: v for k, v in table.items() if k in _OPTION_KEYS}, source)
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
        entry = _relative_paths(entry, source)
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
    exclude = table.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(p, str) for p in exclude):
        raise ConfigError(
            f'{source}: exclude must be a list of patterns like ["data/raw/", "*.tmp.jsonl"]'
        )
    return Config(source, settings, tuple(overrides), models, strict, validation, tuple(exclude))


def _relative_paths(settings: dict[str, Any], source: Path) -> dict[str, Any]:
    """A chat-template path in a config is relative to its folder, like validation-file."""
    paths = dict(settings)
    value = paths.get("chat-template")
    if isinstance(value, str) and value and not Path(value).is_absolute():
        paths["chat-template"] = str(source.parent / value)
    return paths


def tokenizer_path(value: str) -> str:
    """A model folder stands for the tokenizer.json in it (its tokenizer_config.json,
    next to it, is read with it); anything else is returned as given."""
    inside = Path(value) / "tokenizer.json"
    return str(inside) if inside.is_file() else value


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
            model = canonical_model_name(value, options.models)
            changes.update(model=model, model_source=where if where != "cli" else "cli")
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
            value = tokenizer_path(value) if isinstance(value, str) else value
            if value not in ("auto", "tiktoken", "quicktok") and not is_tokenizer_file(value):
                raise ConfigError(
                    f"{where}: tokenizer must be auto, tiktoken, quicktok, the path of a "
                    "Hugging Face tokenizer.json or a model folder holding one"
                )
            changes["tokenizer"] = value
        elif key in ("truncation-side", "loss"):
            choices = TRUNCATION_SIDES if key == "truncation-side" else LOSS_MODES
            if value not in choices:
                raise ConfigError(f"{where}: {key} must be {' or '.join(choices)}, not {value!r}")
            changes[key.replace("-", "_")] = value
        elif key == "chat-template":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{where}: chat-template must be the path of a Jinja file")
            changes["chat_template"] = value
        elif key == "packing":
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: packing must be true or false")
            changes["packing"] = value
        elif key == "profile":
            if not isinstance(value, str):
                raise ConfigError(f"{where}: profile must be a profile name")
            changes.update(profile=value, profile_source="option" if where == "cli" else where)
        elif key in ("max-seq-len", "max-line-bytes"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{where}: {key} must be a positive integer")
            changes[key.replace("-", "_")] = value
        elif key == "max-findings-per-rule":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(
                    f"{where}: max-findings-per-rule must be a whole number, zero or more "
                    "(0 lists every finding)"
                )
            changes["max_findings_per_rule"] = value
        elif key in ("repeated-answer-share", "refusal-share"):
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not number or not 0 <= value <= 1:
                raise ConfigError(f"{where}: {key} must be a share from 0 to 1, like 0.05")
            changes[key.replace("-", "_")] = float(value)
        elif key == "severity":
            changes["severity"] = {**options.severity, **_severity_map(value, where)}
        elif key == "allow":
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise ConfigError(
                    f'{where}: allow must be a list of texts or globs like ["sk-test-*", '
                    '"*@corp.example"]'
                )
            changes["allow"] = tuple(value)
        elif key == "near-duplicate-threshold":
            changes["near_duplicate_threshold"] = _share(value, key, where)
    return replace(options, **changes)


def _share(value: Any, key: str, where: str) -> float:
    """A share above 0 and at most 1 (written 0.6, not 60)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ConfigError(
            f"{where}: {key} must be a number above 0 and at most 1 (e.g. 0.6), not {value!r}"
        )
    return float(value)
