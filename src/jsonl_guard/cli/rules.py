"""``jsonl-guard rules``, ``models`` and ``profiles``: the tables, for humans and as JSON."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any, TextIO

from ..engine.config import Config
from ..engine.models import ModelSpec, model_table
from ..engine.profiles import Profile, models_of, profile_table, resolve_profile
from ..errors import ExitCode
from ..rules.catalogue import all_rules, find_rule, token_method_for
from ..rules.registry import Rule
from ..tokens.methods import TokenMethod


def _rule_dict(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "scope": rule.scope.value,
        "summary": rule.summary,
        "hint": rule.hint,
        "bad": rule.bad,
        "good": rule.good,
        "rule_sets": list(rule.rule_sets),
    }


def print_rules(code: str | None, output: str, out: TextIO) -> int:
    if code is None:
        rules = all_rules()
        if output == "json":
            out.write(json.dumps([_rule_dict(r) for r in rules], indent=2) + "\n")
            return ExitCode.OK
        width = max(len(r.name) for r in rules)
        for rule in rules:
            severity = rule.severity.value
            out.write(f"{rule.code}  {rule.name:<{width}}  {severity:<7}  {rule.summary}\n")
        return ExitCode.OK
    found = find_rule(code)
    if found is None:
        out.write(f"jsonl-guard: no rule {code!r}; run `jsonl-guard rules` for the list\n")
        return ExitCode.USAGE
    if output == "json":
        out.write(json.dumps(_rule_dict(found), indent=2) + "\n")
        return ExitCode.OK
    out.write(found.describe())
    return ExitCode.OK


def print_models(config: Config, output: str, out: TextIO) -> int:
    table = model_table(config.models)
    if output == "json":
        out.write(json.dumps({n: asdict(s) for n, s in table.items()}, indent=2) + "\n")
        return ExitCode.OK
    width = max(len(name) for name in table)
    out.write(
        f"{'model':<{width}} {'provider':<10} {'encoding':<12} {'limit':>7} {'$/1M':>7}  "
        "methods   aliases\n"
    )
    for name, spec in table.items():
        price = "-" if spec.price_per_million is None else f"{spec.price_per_million:.2f}"
        out.write(
            f"{name:<{width}} {spec.provider:<10} {spec.encoding or '-':<12} "
            f"{_tokens(spec):>7} {price:>7}  {','.join(spec.methods):<9} "
            f"{', '.join(spec.aliases)}\n"
        )
    return ExitCode.OK


def _tokens(spec: ModelSpec) -> str:
    limit = spec.known_token_limit
    return "-" if limit is None else f"{limit:,}"


def _file_limit(megabytes: float) -> str:
    return "no known file size limit" if math.isinf(megabytes) else f"file {megabytes:,.0f} MB"


def _limits(model: ModelSpec) -> str:
    limit = model.known_token_limit
    per_example = "no known token limit" if limit is None else f"{limit:,} tokens/example"
    parts = [per_example, f"min {model.min_examples:,}"]
    if model.max_examples is not None:
        parts.append(f"max {model.max_examples:,}")
    if model.max_validation_examples is not None:
        parts.append(f"validation max {model.max_validation_examples:,}")
    parts.append(_file_limit(model.max_file_mb))
    return ", ".join(parts)


def _methods(profile: Profile, models: list[ModelSpec]) -> dict[str, TokenMethod]:
    """How each model of the profile is counted: a method that needs a tiktoken
    encoding estimates for a model without one (as ``check`` does)."""
    if not models:
        return {"": token_method_for(profile.tokens)}
    return {m.name: token_method_for(profile.tokens, m) for m in models}


def token_counting(profile: Profile, models: list[ModelSpec]) -> str:
    """``exact``, ``estimated`` or both, for the profile's models (docs tables too)."""
    return _counted(_methods(profile, models))


def _counted(methods: dict[str, TokenMethod]) -> str:
    exact = [m.exact for m in methods.values()]
    if all(exact):
        return "exact"
    return "estimated" if not any(exact) else "exact or estimated (see each model)"


def _profile_dict(profile: Profile, models: list[ModelSpec]) -> dict[str, Any]:
    methods = _methods(profile, models)
    return {
        **asdict(profile),
        "detect_values": dict(profile.detect_values),
        "tokens_exact": all(m.exact for m in methods.values()),
        "tokens_method": next(iter(methods.values())).description,
        "models": [m.name for m in models],
    }


def print_profiles(name: str | None, config: Config, output: str, out: TextIO) -> int:
    models = list(model_table(config.models).values())
    profiles = [resolve_profile(name)] if name else list(profile_table().values())
    if output == "json":
        data = [_profile_dict(p, models_of(p, models)) for p in profiles]
        out.write(json.dumps(data if name is None else data[0], indent=2) + "\n")
        return ExitCode.OK
    for profile in profiles:
        served = models_of(profile, models)
        methods = _methods(profile, served)
        mixed = len({m.exact for m in methods.values()}) > 1
        keys = ", ".join(profile.detect) or "-"
        out.write(f"{profile.name}  ({profile.provider}, {profile.method})  {profile.title}\n")
        out.write(f"  detected by: {keys}; tokens: {_counted(methods)}\n")
        for model in served:
            estimated = " (tokens estimated)" if mixed and not methods[model.name].exact else ""
            out.write(f"  {model.name}: {_limits(model)}{estimated}\n")
        if name:
            described = sorted({m.description for m in methods.values()})
            for description in described:
                out.write(f"  token counting: {description}\n")
            out.write(f"  source: {profile.source}\n")
    return ExitCode.OK
