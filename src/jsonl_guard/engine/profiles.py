"""Profiles: the file formats providers accept, and which one a file is in.

A profile is data (``providers/*/provider.toml``): a JSON Schema document, the rule sets
whose example rules apply, a token-counting method, and the top-level keys that
identify the format. Detection reads the keys of a file's first example and, when
the user chose one, the model: a model names the profiles it takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..errors import JsonlGuardError
from .models import ModelSpec, ModelTableError, did_you_mean, provider_tables

DEFAULT_PROVIDER = "openai"
_FIELDS = {
    "provider",
    "title",
    "method",
    "schema",
    "rule_sets",
    "tokens",
    "detect",
    "detect_values",
    "detect_roles",
    "detect_absent_roles",
    "detect_optional",
    "default_model",
    "source",
    "peer",
}


@dataclass(frozen=True)
class Profile:
    name: str
    provider: str
    title: str
    method: str
    schema: str
    tokens: str
    default_model: str
    rule_sets: tuple[str, ...] = ()
    detect: tuple[str, ...] = ()
    detect_values: Mapping[str, Any] = field(default_factory=dict)
    detect_roles: tuple[str, ...] = ()
    # Roles that mark a file as another format (system messages: chat SFT, not RFT).
    detect_absent_roles: tuple[str, ...] = ()
    # Keys the format may omit: when present they make it the better match (Claude's
    # top-level `system`), when absent the line is still of this format.
    detect_optional: tuple[str, ...] = ()
    source: str = ""
    # The provider's own validator this profile is held to, and how (docs/peers.md).
    peer: str = ""

    def has_keys(self, example: Mapping[str, Any]) -> bool:
        """The example carries this format's identifying keys and values."""
        for key in self.detect:  # a loop, not all(): this runs on every line
            if key not in example:
                return False
        return all(example.get(key) == value for key, value in self.detect_values.items())

    def matches(self, example: Mapping[str, Any]) -> bool:
        """The example looks like this format (keys, values, roles); not: is valid."""
        if not self.has_keys(example):
            return False
        if self.detect_absent_roles and _has_role(example, self.detect_absent_roles):
            return False
        return not self.detect_roles or _has_role(example, self.detect_roles)

    @property
    def specificity(self) -> int:
        return len(self.detect) + len(self.detect_values) + bool(self.detect_roles)

    def score(self, example: Mapping[str, Any]) -> float:
        """How specifically a matching example fits: required keys, then optional ones
        (half each, so an optional key never outweighs a required one)."""
        present = sum(1 for key in self.detect_optional if key in example)
        return self.specificity + present / 2


def _has_role(example: Mapping[str, Any], roles: tuple[str, ...]) -> bool:
    messages = example.get("messages")
    if not isinstance(messages, list):
        return False
    return any(isinstance(m, dict) and m.get("role") in roles for m in messages)


class UnknownProfileError(JsonlGuardError, ValueError):
    """A ``--profile`` name that is not in the table."""

    def __init__(self, name: str) -> None:
        known = ", ".join(profile_table())
        hint = did_you_mean(name, profile_table())
        super().__init__(f"unknown profile {name!r}.{hint} Known profiles: {known}")


def _profile_from(name: str, data: Mapping[str, Any]) -> Profile:
    unknown = set(data) - _FIELDS
    if unknown:
        raise ModelTableError(f"profile {name!r}: unknown field(s) {', '.join(sorted(unknown))}")
    try:
        return Profile(
            name=name,
            provider=str(data["provider"]),
            title=str(data["title"]),
            method=str(data["method"]),
            schema=str(data["schema"]),
            tokens=str(data["tokens"]),
            default_model=str(data["default_model"]),
            rule_sets=tuple(str(s) for s in data.get("rule_sets", ())),
            detect=tuple(str(k) for k in data.get("detect", ())),
            detect_values=dict(data.get("detect_values", {})),
            detect_roles=tuple(str(r) for r in data.get("detect_roles", ())),
            detect_absent_roles=tuple(str(r) for r in data.get("detect_absent_roles", ())),
            detect_optional=tuple(str(k) for k in data.get("detect_optional", ())),
            source=str(data.get("source", "")),
            peer=str(data.get("peer", "")),
        )
    except KeyError as missing:
        raise ModelTableError(f"profile {name!r}: missing field {missing}") from None


@cache
def profile_table() -> dict[str, Profile]:
    """Every profile, OpenAI's first (they win ties when no model is chosen)."""
    tables = provider_tables()
    order = sorted(tables, key=lambda provider: (provider != DEFAULT_PROVIDER, provider))
    profiles: dict[str, Profile] = {}
    for provider in order:
        for name, data in tables[provider].get("profiles", {}).items():
            if name in profiles:
                raise ModelTableError(f"profile {name!r} is defined twice")
            profiles[name] = _profile_from(name, data)
    return profiles


def resolve_profile(name: str) -> Profile:
    """The profile called ``name`` (any case).

    :raises UnknownProfileError: no such profile, with the closest names.
    """
    table = profile_table()
    folded = {key.lower(): profile for key, profile in table.items()}
    profile = table.get(name) or folded.get(name.lower())
    if profile is None:
        raise UnknownProfileError(name)
    return profile


def profiles_of(model: ModelSpec) -> list[Profile]:
    """The profiles a model takes: its explicit list, else its provider's for its methods."""
    table = profile_table()
    if model.profiles:
        return [table[name] for name in model.profiles if name in table]
    if model.provider in ("custom", ""):
        return list(table.values())
    return [p for p in table.values() if p.provider == model.provider and p.method in model.methods]


def models_of(profile: Profile, models: Iterable[ModelSpec]) -> list[ModelSpec]:
    return [model for model in models if profile in profiles_of(model)]


def detect(example: Any, candidates: Iterable[Profile]) -> Profile | None:
    """The most specific candidate whose identifying keys the example carries."""
    if not isinstance(example, dict):
        return None
    best: Profile | None = None
    for profile in candidates:
        if profile.matches(example) and (
            best is None or profile.score(example) > best.score(example)
        ):
            best = profile
    return best


@dataclass(frozen=True)
class Detection:
    """Which profile a file is checked with, and how that was decided."""

    profile: Profile
    # "option", "config", "detected" (from the keys of the first example, and the
    # model), "default" (no example to detect from). No line number: shards of a
    # file each detect from their own first example and must merge to the same report.
    source: str
    # Set when the file's format is one the chosen model does not take.
    other_model_format: bool = False


def choose_profile(
    first_example: Any,
    *,
    model: ModelSpec | None,
    chosen: str | None = None,
    chosen_source: str = "option",
    prefer: Callable[[Profile], bool] | None = None,
) -> Detection:
    """Decide the profile for one file from the option, its first example and the model.

    Profiles for which ``prefer`` holds win ties when no model is chosen (a Hugging
    Face tokenizer.json says the data is for a profile that can count with one).
    """
    if chosen:
        return Detection(resolve_profile(chosen), chosen_source)
    candidates = profiles_of(model) if model is not None else list(profile_table().values())
    if prefer is not None:
        candidates.sort(key=lambda profile: not prefer(profile))
    fallback = candidates[0] if candidates else profile_table()["openai-chat"]
    found = detect(first_example, candidates)
    if found is not None:
        return Detection(found, "detected")
    elsewhere = detect(first_example, profile_table().values()) if model is not None else None
    if elsewhere is not None:
        return Detection(elsewhere, "detected", other_model_format=True)
    return Detection(fallback, "default")
