"""Assertions for your own tests: check a dataset with the project's ``[tool.jsonl-guard]``.

::

    from jsonl_guard.testing import assert_valid

    def test_training_data_is_valid() -> None:
        assert_valid("data/train.jsonl", max_cost=20)

``assert_valid`` raises ``AssertionError`` itself rather than using ``assert``, so
its message is the same under any test runner and no assertion rewriting is
needed. Inside pytest, the ``jsonl_guard`` fixture gives a ``JsonlGuard`` built
with the project's config (and the run's ``--jsonl-guard-model``/``-strict``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from .engine.checker import Checker, CheckerCache, check_dataset, same_file
from .engine.config import Config, apply_settings, load_config
from .engine.diagnostics import Severity
from .engine.options import CheckOptions
from .engine.report import FileReport, Report
from .reporters.text import render_file

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["JsonlGuard", "Overrides", "assert_valid", "fails", "failure_message"]

_ARGUMENTS = "jsonl_guard.testing"


class Overrides(TypedDict, total=False):
    """Keyword options of ``check``/``assert_valid``: they win over the project's config."""

    model: str | None
    max_cost: float | None
    epochs: int | None
    min_examples: int | None
    select: str | Iterable[str] | None
    ignore: str | Iterable[str] | None
    severity: Mapping[str, Severity | str] | None


_OVERRIDES = frozenset(Overrides.__annotations__)


class JsonlGuard:
    """Checks files with one project's config; files with the same options share a checker.

    Options are layered: ``[tool.jsonl-guard]`` (with its per-path overrides), then
    the run-wide ``model``, then the keyword options of each call. The config's
    ``validation-file`` is always checked as the validation file.
    """

    def __init__(
        self, config: Config | None = None, *, model: str | None = None, strict: bool | None = None
    ) -> None:
        self.config = config if config is not None else Config()
        self.model = model
        self.strict = self.config.strict if strict is None else strict
        self._checkers = CheckerCache()

    @classmethod
    def from_project(
        cls,
        start: str | os.PathLike[str] | None = None,
        *,
        config_file: str | os.PathLike[str] | None = None,
        model: str | None = None,
        strict: bool | None = None,
    ) -> JsonlGuard:
        """Load ``config_file``, or the nearest pyproject.toml above ``start`` (default: cwd).

        :raises ValueError: the config file is unreadable or holds a wrong value.
        """
        config = load_config(
            None if config_file is None else Path(config_file),
            start=None if start is None else Path(start),
        )
        return cls(config, model=model, strict=strict)

    def is_validation_file(self, path: str | os.PathLike[str]) -> bool:
        validation = self.config.validation_file
        return validation is not None and same_file(path, validation)

    def options_for(
        self, path: str | os.PathLike[str], **overrides: Unpack[Overrides]
    ) -> CheckOptions:
        """The options one file is checked with; keyword options win over the config.

        :raises TypeError: an unknown keyword option.
        """
        if unknown := set(overrides) - _OVERRIDES:
            raise TypeError(f"unknown option(s) {', '.join(sorted(unknown))}")
        options = self.config.options_for(str(path), CheckOptions())
        chosen = overrides.get("model")
        chosen = chosen if chosen is not None else self.model
        if chosen is not None:
            options = apply_settings(options, {"model": chosen}, "cli")
        severity = overrides.get("severity")
        settings: dict[str, Any] = {
            "max-cost": overrides.get("max_cost"),
            "epochs": overrides.get("epochs"),
            "min-examples": overrides.get("min_examples"),
            "select": _codes(overrides.get("select")),
            "ignore": _codes(overrides.get("ignore")),
            "severity": None if severity is None else _levels(severity),
        }
        given = {key: value for key, value in settings.items() if value is not None}
        return apply_settings(options, given, _ARGUMENTS)

    def checker(self, options: CheckOptions) -> Checker:
        """A checker for ``options``, reused across files (one tokenizer, one rule set).

        :raises jsonl_guard.UnknownModelError: the model is not known.
        :raises jsonl_guard.UnknownRuleError: ``select``/``ignore`` names no rule.
        """
        return self._checkers.get(options)

    def check_dataset(
        self,
        training: Sequence[str | os.PathLike[str]],
        validation: str | os.PathLike[str] | None = None,
        *,
        show: Callable[[str | os.PathLike[str]], str] | None = None,
        **overrides: Unpack[Overrides],
    ) -> Report:
        """Training files and a validation file (default: the config's), as ``check`` does."""
        chosen = validation if validation is not None else self.config.validation_file
        return self._check(training, chosen, show, overrides)

    def check(
        self,
        path: str | os.PathLike[str],
        *,
        training: Sequence[str | os.PathLike[str]] = (),
        show: Callable[[str | os.PathLike[str]], str] = str,
        **overrides: Unpack[Overrides],
    ) -> FileReport:
        """Check one file; an unreadable file gives a report with ``io_error`` set.

        The config's validation file gets the validation limits, and is compared with
        the ``training`` files (JG305); ``show`` gives the paths reports show.
        """
        if self.is_validation_file(path):
            return self._check(training, path, show, overrides).files[-1]
        return self._check([path], None, show, overrides).files[0]

    def _check(
        self,
        training: Sequence[str | os.PathLike[str]],
        validation: str | os.PathLike[str] | None,
        show: Callable[[str | os.PathLike[str]], str] | None,
        overrides: Overrides,
    ) -> Report:
        result = check_dataset(
            training,
            validation,
            checker_for=lambda path: self.checker(self.options_for(path, **overrides)),
            show=show,
        )
        return result.report

    def assert_valid(
        self,
        path: str | os.PathLike[str],
        *,
        strict: bool | None = None,
        **overrides: Unpack[Overrides],
    ) -> FileReport:
        """Check one file and return its report; raise ``AssertionError`` if it fails.

        A file fails on any error, on an I/O error, and on warnings when strict
        (``strict=None`` follows the config's ``strict``).
        """
        __tracebackhide__ = True  # pytest shows the caller's line, not this frame
        report = self.check(path, **overrides)
        strict = self.strict if strict is None else strict
        if fails(report, strict=strict):
            raise AssertionError(failure_message(report, strict=strict))
        return report


def assert_valid(
    path: str | os.PathLike[str],
    *,
    strict: bool | None = None,
    config_file: str | os.PathLike[str] | None = None,
    **overrides: Unpack[Overrides],
) -> FileReport:
    """Check ``path`` as ``jsonl-guard check`` would; raise ``AssertionError`` listing findings.

    Settings come from ``config_file``, or the nearest pyproject.toml above the
    current directory, as for the CLI; keyword options (``Overrides``: ``model``,
    ``max_cost``, ``epochs``, ``min_examples``, ``select``, ``ignore``, ``severity``)
    win over it.

    :returns: the file's report, when the file passes.
    :raises AssertionError: the file has errors (or warnings, when strict) or cannot be read;
        the message lists every finding as ``path:line:col: CODE message`` with its hint.
    :raises ValueError: a usage error: bad config, unknown model or rule, bad option value.
    """
    __tracebackhide__ = True
    guard = JsonlGuard.from_project(config_file=config_file)
    return guard.assert_valid(path, strict=strict, **overrides)


def fails(report: FileReport, *, strict: bool = False) -> bool:
    """Whether ``report`` fails a check: errors, an I/O error, or warnings when strict."""
    return not report.ok or (strict and report.warnings > 0)


def failure_message(report: FileReport, *, strict: bool = False) -> str:
    """A headline, then every finding with its hint exactly as the CLI prints them."""
    if report.io_error is not None:
        return render_file(report)
    why = "; strict: warnings fail" if strict and not report.errors else ""
    headline = (
        f"jsonl-guard found {report.errors} error(s) and {report.warnings} warning(s) "
        f"in {report.path} ({report.examples:,} examples{why}):"
    )
    return f"{headline}\n{render_file(report)}"


def _codes(value: str | Iterable[str] | None) -> str | list[str] | None:
    if value is None or isinstance(value, str):
        return value
    return list(value)


def _levels(severity: Mapping[str, Severity | str]) -> dict[str, str]:
    return {
        code: level.value if isinstance(level, Severity) else level
        for code, level in severity.items()
    }
