"""Which rules run and at what severity: select / ignore / severity overrides."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..engine.diagnostics import Diagnostic, Finding, Severity
from ..errors import JsonlGuardError
from .catalogue import all_rules, registered_rule
from .registry import Rule
from .sensitive_text import mask_text


class UnknownRuleError(JsonlGuardError, ValueError):
    """A select/ignore/severity entry that matches no rule."""


class InvalidSeverityError(JsonlGuardError, ValueError):
    """A severity override whose level is not error, warning or info."""


def _matches(rule: Rule, selector: str) -> bool:
    wanted = selector.strip()
    return (
        wanted.upper() == "ALL"
        or rule.code.startswith(wanted.upper())
        or wanted.lower() == rule.name
    )


def _level(selector: str, level: object) -> Severity:
    """``level`` as a Severity (the enum, or its value in any case)."""
    if isinstance(level, Severity):
        return level
    if isinstance(level, str):
        try:
            return Severity(level.strip().lower())
        except ValueError:
            pass
    raise InvalidSeverityError(
        f"severity {level!r} for {selector!r} is not a level; use error, warning or info"
    )


@dataclass(frozen=True)
class RuleSelection:
    rules: Mapping[str, Rule]
    severities: Mapping[str, Severity]

    @classmethod
    def build(
        cls,
        select: Iterable[str] = (),
        ignore: Iterable[str] = (),
        severity: Mapping[str, Severity] | None = None,
    ) -> RuleSelection:
        every = all_rules()
        select, ignore = list(select), list(ignore)
        overrides = {s: _level(s, level) for s, level in (severity or {}).items()}
        for selector in [*select, *ignore, *overrides]:
            if not any(_matches(rule, selector) for rule in every):
                raise UnknownRuleError(
                    f"no rule matches {selector!r}{_did_you_mean(selector, every)}; "
                    "run `jsonl-guard rules` to list them"
                )
        chosen = {
            rule.code: rule
            for rule in every
            if (not select or any(_matches(rule, s) for s in select))
            and not any(_matches(rule, s) for s in ignore)
        }
        severities = {code: rule.severity for code, rule in chosen.items()}
        for selector, level in overrides.items():
            for code, rule in chosen.items():
                if _matches(rule, selector):
                    severities[code] = level
        return cls(chosen, severities)

    def diagnose(self, finding: Finding) -> Diagnostic | None:
        """The finding as reported (secrets and personal data in its message masked),
        or None when its rule is not selected.

        A code that no rule declares is a bug in jsonl-guard, never dropped silently:
        ``rules.catalogue.UnregisteredCodeError``.
        """
        rule = self.rules.get(finding.code)
        if rule is None:
            registered_rule(finding.code)  # raises for a code no rule declares
            return None
        return Diagnostic(
            code=rule.code,
            name=rule.name,
            severity=self.severities[rule.code],
            line=finding.line,
            column=finding.column,
            # Messages quote example values (a role, an id, a URL): whatever a secret
            # or personal data they hold is masked before any output sees it.
            message=mask_text(finding.message),
            hint=rule.hint,
        )


def _did_you_mean(selector: str, rules: Iterable[Rule]) -> str:
    """`` (did you mean 'JG201'?)`` for a mistyped code or rule name, else nothing."""
    names = [name for rule in rules for name in (rule.code, rule.name)]
    wanted = selector
    if selector[:2].upper() == "JG":  # letters typed for the digits that look like them
        wanted = "JG" + selector[2:].upper().translate(str.maketrans("OIL", "011"))
    close = difflib.get_close_matches(wanted, names, n=3)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
