"""Which rules run and at what severity: select / ignore / severity overrides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ._diagnostics import Diagnostic, Finding, Severity
from ._errors import JsonlGuardError
from ._rules import Rule, all_rules


class UnknownRuleError(JsonlGuardError, ValueError):
    """A select/ignore/severity entry that matches no rule."""


def _matches(rule: Rule, selector: str) -> bool:
    wanted = selector.strip()
    return (
        wanted.upper() == "ALL"
        or rule.code.startswith(wanted.upper())
        or wanted.lower() == rule.name
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
        overrides = dict(severity or {})
        for selector in [*select, *ignore, *overrides]:
            if not any(_matches(rule, selector) for rule in every):
                raise UnknownRuleError(
                    f"no rule matches {selector!r}; run `jsonl-guard rules` to list them"
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

    def enabled(self, code: str) -> bool:
        return code in self.rules

    def diagnose(self, finding: Finding) -> Diagnostic | None:
        rule = self.rules.get(finding.code)
        if rule is None:
            return None
        return Diagnostic(
            code=rule.code,
            name=rule.name,
            severity=self.severities[rule.code],
            line=finding.line,
            column=finding.column,
            message=finding.message,
            hint=rule.hint,
        )
