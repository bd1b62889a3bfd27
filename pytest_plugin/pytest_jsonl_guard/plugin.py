"""Check JSONL datasets as pytest items, opt-in: ``pytest --jsonl-guard`` or ``jsonl_guard = true``.

Kept thin, and cheap when unused: this module imports only pytest and the standard
library, and ``jsonl_guard`` is imported when the plugin is enabled or the
``jsonl_guard`` fixture is used, so having jsonl-guard installed costs other
pytest runs nothing.

Every file whose name matches ``jsonl_guard_patterns`` becomes one item
``path::jsonl-guard`` (its failure header names the file), checked with the same
``[tool.jsonl-guard]`` settings the CLI reads. A smoke-test file (its first line has
``messages`` and ``expect``: ``jsonl_guard.smoke``) is not training data: its item
validates it as a smoke file instead (no model is called). Results are cached in
``config.cache`` by file content and options, so an unchanged dataset is not
re-tokenized; a cached failure fails again with the same text.

Assertion rewriting: pytest rewrites this entry-point module (and, for a wheel
install, every module of the distribution). ``jsonl_guard.testing`` raises
``AssertionError`` explicitly, so it needs no ``register_assert_rewrite``.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr  # not exported by pytest; only for typing

    from jsonl_guard import FileReport
    from jsonl_guard.engine.config import ConfigFinder
    from jsonl_guard.testing import JsonlGuard

NAME = "jsonl-guard"
CACHE_KEY = "jsonl-guard/results"
# The config finder, and one JsonlGuard per project config (keyed by its file).
_GUARDS: pytest.StashKey[tuple[ConfigFinder, dict[str, JsonlGuard]]] = pytest.StashKey()
# User properties of our reports (they travel to xdist controllers and JUnit XML):
_PROPERTY = "jsonl_guard"  # "checked", "cached" or "usage-error"
_SUMMARY = "jsonl_guard_summary"  # the file's line in the terminal summary


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--jsonl-guard*`` options and the ``jsonl_guard*`` ini settings."""
    group = parser.getgroup(NAME, "check JSONL fine-tuning datasets with jsonl-guard")
    group.addoption(
        "--jsonl-guard",
        action="store_true",
        help="check files matching jsonl_guard_patterns as test items",
    )
    group.addoption(
        "--jsonl-guard-model",
        metavar="MODEL",
        help="check against MODEL for this run (overrides [tool.jsonl-guard] model)",
    )
    group.addoption(
        "--jsonl-guard-strict",
        action="store_true",
        help="warnings fail the jsonl-guard items too (like strict = true)",
    )
    parser.addini(
        "jsonl_guard", "check JSONL files as test items (like --jsonl-guard)", type="bool"
    )
    parser.addini(
        "jsonl_guard_patterns",
        "file name patterns (fnmatch) of the files jsonl-guard checks",
        type="args",
        default=["*.jsonl"],
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; add collection only when the plugin is enabled."""
    config.addinivalue_line("markers", "jsonl_guard: a dataset file checked by jsonl-guard")
    if config.getoption("jsonl_guard") or config.getini("jsonl_guard"):
        config.pluginmanager.register(JsonlGuardCollection(config), "jsonl-guard-collection")


def guard_for(config: pytest.Config, path: Path | None = None) -> JsonlGuard:
    """The ``JsonlGuard`` for a file: the config of its project (the nearest
    pyproject.toml with ``[tool.jsonl-guard]`` above it, as the CLI finds it), plus the
    run's options; without ``path``, the rootdir's.

    :raises jsonl_guard.JsonlGuardError: the config is unreadable or holds a wrong value.
    """
    from jsonl_guard.engine.config import ConfigFinder
    from jsonl_guard.testing import JsonlGuard

    if _GUARDS not in config.stash:
        config.stash[_GUARDS] = (ConfigFinder(), {})
    finder, guards = config.stash[_GUARDS]
    project = finder.for_folder(config.rootpath if path is None else path.parent)
    key = str(project.source)
    if key not in guards:
        guards[key] = JsonlGuard(
            project,
            model=config.getoption("jsonl_guard_model"),
            strict=True if config.getoption("jsonl_guard_strict") else None,
        )
    return guards[key]


@pytest.fixture(scope="session")
def jsonl_guard(pytestconfig: pytest.Config) -> JsonlGuard:
    """A checker with the project's ``[tool.jsonl-guard]`` config: ``check``, ``assert_valid``."""
    from jsonl_guard import JsonlGuardError

    try:
        return guard_for(pytestconfig)
    except JsonlGuardError as error:
        pytest.fail(f"jsonl-guard: error: {error}", pytrace=False)


@dataclass(frozen=True)
class Outcome:
    """One file's verdict, as cached: ``text`` is the failure report, or a pass's findings."""

    path: str
    failed: bool
    text: str
    counts: str

    @classmethod
    def load(cls, value: Any) -> Outcome | None:
        try:
            return cls(**value)
        except TypeError:  # not written by this version: check again
            return None

    def summary(self, status: str) -> str:
        verdict = "FAILED" if self.failed else "passed"
        return f"{self.path}: {self.counts} - {verdict}{' (cached)' if status == 'cached' else ''}"


class JsonlGuardCollection:
    """Collects dataset files and caches their outcomes; registered only when enabled."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.patterns: list[str] = config.getini("jsonl_guard_patterns")
        cache = getattr(config, "cache", None)  # absent with -p no:cacheprovider
        self.cache: pytest.Cache | None = cache
        stored = cache.get(CACHE_KEY, {}) if cache is not None else {}
        self.stored: dict[str, Any] = stored if isinstance(stored, dict) else {}
        self.fresh: dict[str, Outcome] = {}
        self.summary: list[str] = []
        self.collected: list[Path] = []  # the dataset: a validation file is checked against it

    def pytest_collect_file(
        self, file_path: Path, parent: pytest.Collector
    ) -> JsonlGuardFile | None:
        if any(fnmatch.fnmatch(file_path.name, pattern) for pattern in self.patterns):
            self.collected.append(file_path)
            return JsonlGuardFile.from_parent(parent, path=file_path)
        return None

    def cached(self, digest: str) -> Outcome | None:
        return Outcome.load(self.stored[digest]) if digest in self.stored else None

    def remember(self, digest: str, outcome: Outcome) -> None:
        self.fresh[digest] = outcome

    def pytest_report_teststatus(
        self, report: pytest.TestReport, config: pytest.Config
    ) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
        """Verbose runs show ``PASSED (cached)`` / ``FAILED (cached)`` for cache hits."""
        cached = (_PROPERTY, "cached") in report.user_properties
        if report.when != "call" or not cached or config.get_verbosity() < 1:
            return None
        if report.passed:
            return "passed", ".", ("PASSED (cached)", {"green": True})
        return "failed", "F", ("FAILED (cached)", {"red": True})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # From reports, not items, so the summary also works on an xdist controller.
        if report.when != "call":
            return
        properties = dict(report.user_properties)
        if _SUMMARY in properties:
            self.summary.append(str(properties[_SUMMARY]))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.cache is None or not self.fresh:
            return
        # Merge with what is on disk now (other xdist workers) and keep one entry per path.
        current = self.cache.get(CACHE_KEY, {})
        merged = current if isinstance(current, dict) else {}
        paths = {outcome.path for outcome in self.fresh.values()}
        merged = {k: v for k, v in merged.items() if not _entry_for(v, paths)}
        merged.update({digest: asdict(outcome) for digest, outcome in self.fresh.items()})
        self.cache.set(CACHE_KEY, merged)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.summary:
            terminalreporter.section(NAME)
            for line in self.summary:
                terminalreporter.write_line(line)


def _entry_for(value: Any, paths: set[str]) -> bool:
    return isinstance(value, dict) and value.get("path") in paths


class JsonlGuardFile(pytest.File):
    """A dataset file; yields its one ``jsonl-guard`` item."""

    def collect(self) -> list[JsonlGuardItem]:
        return [JsonlGuardItem.from_parent(self, name=NAME)]


class JsonlGuardFailure(Exception):
    """The file fails the check; the message is the whole report."""


class JsonlGuardItem(pytest.Item):
    """Checks one dataset file, or replays its cached outcome."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_marker(NAME.replace("-", "_"))

    def runtest(self) -> None:
        outcome, status = self.outcome()
        self.user_properties.append((_PROPERTY, status))
        self.user_properties.append((_SUMMARY, outcome.summary(status)))
        if outcome.failed:
            raise JsonlGuardFailure(outcome.text)
        if outcome.text:  # warnings or info on a passing file: shown with -rP
            self.add_report_section("call", NAME, outcome.text)

    def outcome(self) -> tuple[Outcome, str]:
        """Check the file, or replay the cached outcome for the same bytes and options.

        :returns: the outcome, and ``checked``, ``cached`` or ``usage-error``.
        """
        from jsonl_guard import JsonlGuardError, __version__

        shown = self._shown(self.path)
        if is_smoke_file(self.path):
            return _smoke_outcome(shown, self.path), "checked"
        try:
            guard = guard_for(self.config, self.path)
            options = guard.options_for(self.path)
            guard.checker(options)
        except JsonlGuardError as error:  # bad config, unknown model or rule
            return _usage_error(shown, error), "usage-error"
        collection = self._collection()
        # The validation file is compared with the collected training files (JG305).
        training = self._training(guard, collection)
        digest = None
        if collection is not None:
            material = f"{__version__}\0{shown}\0{options!r}\0{guard.strict}\0".encode()
            digest = _digest([*training, self.path], material)
            hit = None if digest is None else collection.cached(digest)
            if hit is not None:
                return hit, "cached"
        try:
            report = guard.check(self.path, training=training, show=self._shown)
        except JsonlGuardError as error:  # e.g. no tokenizer vocab offline
            return _usage_error(shown, error), "usage-error"
        outcome = _judge(report, strict=guard.strict)
        if collection is not None and digest is not None and report.io_error is None:
            collection.remember(digest, outcome)
        return outcome, "checked"

    def _training(self, guard: JsonlGuard, collection: JsonlGuardCollection | None) -> list[Path]:
        if collection is None or not guard.is_validation_file(self.path):
            return []
        return [
            p
            for p in collection.collected
            if not guard.is_validation_file(p) and not is_smoke_file(p)
        ]

    def _shown(self, path: str | os.PathLike[str]) -> str:
        try:
            return Path(path).relative_to(self.config.rootpath).as_posix()
        except ValueError:
            return str(path)

    def _collection(self) -> JsonlGuardCollection | None:
        plugin = self.config.pluginmanager.get_plugin("jsonl-guard-collection")
        return plugin if isinstance(plugin, JsonlGuardCollection) else None

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, JsonlGuardFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, None, str]:
        # The failure header and -v lines name the file (as pytest-mypy does), not
        # "jsonl-guard" for every file.
        return self.path, None, f"{NAME} {self._shown(self.path)}"


# A smoke file is recognised by its first case, read within these bounds (a case is
# small; a huge first line or many blank lines are left to the training check).
_SMOKE_PROBE_BYTES = 1 << 20
_SMOKE_PROBE_LINES = 100


def is_smoke_file(path: Path) -> bool:
    """Whether ``path`` is a smoke-test file: its first non-blank line is a JSON object
    with ``messages`` and ``expect`` (no training format has ``expect``)."""
    try:
        with path.open("rb") as stream:
            raw = b""
            for _ in range(_SMOKE_PROBE_LINES):  # bounded: a smoke file starts with a case
                raw = stream.readline(_SMOKE_PROBE_BYTES)
                if raw.strip() or not raw:
                    break
            first = json.loads(raw.decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError):  # unreadable or not JSON: the check says so
        return False
    return isinstance(first, dict) and {"messages", "expect"} <= first.keys()


def _smoke_outcome(shown: str, path: Path) -> Outcome:
    """A smoke file validated as one (``jsonl-guard smoke`` runs it against a model)."""
    from jsonl_guard import JsonlGuardError
    from jsonl_guard.smoke.file import parse_smoke_lines

    try:
        cases = parse_smoke_lines(path.read_bytes().splitlines(), shown)
    except OSError as error:
        return Outcome(shown, True, f"{shown}: error: cannot read: {error.strerror}", "cannot read")
    except JsonlGuardError as error:
        text = f"{shown} is a smoke-test file (messages + expect), not training data:\n{error}"
        return Outcome(shown, True, text, "smoke-test file, invalid")
    return Outcome(shown, False, "", f"smoke-test file, {len(cases)} case(s) valid")


def _usage_error(shown: str, error: Exception) -> Outcome:
    return Outcome(shown, True, f"jsonl-guard: error: {error}", "usage error")


def _judge(report: FileReport, *, strict: bool) -> Outcome:
    from jsonl_guard.reporters.text import render_file
    from jsonl_guard.testing import fails, failure_message

    failed = fails(report, strict=strict)
    text = failure_message(report, strict=strict) if failed else render_file(report)
    if report.io_error is not None:
        return Outcome(report.path, failed, text, f"cannot read: {report.io_error}")
    counts = f"{report.examples:,} examples, {report.errors} errors, {report.warnings} warnings"
    return Outcome(report.path, failed, text, counts)


def _digest(paths: list[Path], material: bytes) -> str | None:
    """sha256 of the files' bytes and the check's options; ``None`` if one cannot be read."""
    digest = hashlib.sha256(material)
    try:
        for path in paths:
            digest.update(f"\0{path}\0".encode())
            with path.open("rb") as stream:
                for block in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()
