"""``jsonl-guard rules`` and ``jsonl-guard models``: the rule and model tables for humans."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TextIO

from ._config import Config
from ._models import model_table
from ._rules import Rule, all_rules, find_rule


def _rule_dict(rule: Rule) -> dict[str, str]:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "scope": rule.scope.value,
        "summary": rule.summary,
        "hint": rule.hint,
        "bad": rule.bad,
        "good": rule.good,
    }


def print_rules(code: str | None, output: str, out: TextIO) -> int:
    if code is None:
        rules = all_rules()
        if output == "json":
            out.write(json.dumps([_rule_dict(r) for r in rules], indent=2) + "\n")
            return 0
        width = max(len(r.name) for r in rules)
        for rule in rules:
            severity = rule.severity.value
            out.write(f"{rule.code}  {rule.name:<{width}}  {severity:<7}  {rule.summary}\n")
        return 0
    found = find_rule(code)
    if found is None:
        out.write(f"jsonl-guard: no rule {code!r}; run `jsonl-guard rules` for the list\n")
        return 2
    if output == "json":
        out.write(json.dumps(_rule_dict(found), indent=2) + "\n")
        return 0
    out.write(
        f"{found.code} {found.name} ({found.severity.value}, {found.scope.value} rule)\n\n"
        f"{found.summary}\n\nFix: {found.hint}\n\n"
        f"Bad:\n  {found.bad or '(empty file)'}\n\nFixed:\n  {found.good}\n"
    )
    return 0


def print_models(config: Config, output: str, out: TextIO) -> int:
    table = model_table(config.models)
    if output == "json":
        out.write(json.dumps({n: asdict(s) for n, s in table.items()}, indent=2) + "\n")
        return 0
    out.write(f"{'model':<28} {'encoding':<12} {'limit':>7} {'$/1M':>7}  methods   aliases\n")
    for name, spec in table.items():
        price = "-" if spec.price_per_million is None else f"{spec.price_per_million:.2f}"
        out.write(
            f"{name:<28} {spec.encoding:<12} {spec.token_limit:>7,} {price:>7}  "
            f"{','.join(spec.methods):<9} {', '.join(spec.aliases)}\n"
        )
    return 0
