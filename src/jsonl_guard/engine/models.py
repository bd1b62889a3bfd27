"""The model table: which encoding, limit, price and methods apply to a model name."""

from __future__ import annotations

import difflib
import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

from ..errors import JsonlGuardError
from ..tokens.encodings import SUPPORTED_ENCODINGS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
# A model whose provider publishes no per-example limit (Nova, Llama on Bedrock):
# nothing reaches it, and reports show "no known limit".
NO_KNOWN_LIMIT = 2**53
_FIELDS = (
    "provider",
    "encoding",
    "token_limit",
    "price_per_million",
    "min_examples",
    "methods",
    "images",
    "max_images_per_example",
    "aliases",
    "source",
    "profiles",
    "recommended_examples",
    "max_examples",
    "max_validation_examples",
    "max_file_mb",
    "max_validation_file_mb",
    "chars_per_token",
    "allows_bom",
    "default_epochs",
    "max_media_examples",
)


@dataclass(frozen=True)
class ModelSpec:
    name: str
    encoding: str
    token_limit: int
    provider: str = "openai"
    price_per_million: float | None = None
    min_examples: int = 10
    methods: tuple[str, ...] = ("sft",)
    images: bool = False
    max_images_per_example: int = 10
    aliases: tuple[str, ...] = field(default=())
    source: str = ""
    profiles: tuple[str, ...] = ()
    recommended_examples: int = 50
    max_examples: int | None = None
    max_validation_examples: int | None = None
    max_file_mb: float = 512
    max_validation_file_mb: float | None = None
    chars_per_token: float | None = None
    allows_bom: bool = False  # the provider reads a UTF-8 BOM (Azure asks for one)
    default_epochs: int | None = None  # the provider's default; None: OpenAI's heuristic
    max_media_examples: int | None = None  # cap on examples holding images or other media
    base: str = ""  # table entry this name resolved to (differs for ft: and aliases)

    @property
    def known_token_limit(self) -> int | None:
        return None if self.token_limit >= NO_KNOWN_LIMIT else self.token_limit

    @property
    def table_name(self) -> str:
        return self.base or self.name


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` Did you mean 'x' or 'y'?`` with the closest of ``known`` (any case), or ``""``."""
    by_folded = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_folded), n=3, cutoff=0.6)
    if not close:
        return ""
    names = [repr(by_folded[c]) for c in close]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f" Did you mean {listed}?"


class UnknownModelError(JsonlGuardError, ValueError):
    """A model name that is neither in the table nor in the user's config."""

    def __init__(self, name: str, known: list[str], aliases: Iterable[str] = ()) -> None:
        self.name = name
        self.known = known
        super().__init__(
            f"unknown model {name!r}.{did_you_mean(name, [*known, *aliases])} "
            f"Known models: {', '.join(known)}. "
            f"To add one, put a table in pyproject.toml, e.g.\n"
            f'  [tool.jsonl-guard.models."{name}"]\n'
            f'  encoding = "o200k_base"\n'
            f"  token_limit = 65536\n"
            f"  price_per_million = 3.0"
        )


class ModelTableError(JsonlGuardError, ValueError):
    """A model entry (built-in or from config) that is missing or mistypes a field."""


def spec_from_mapping(name: str, data: Mapping[str, Any]) -> ModelSpec:
    """A ``ModelSpec`` from a table entry, each field checked (never coerced: a string is
    not a list of methods, ``"false"`` is not a boolean, ``"big"`` is not a limit)."""
    if not isinstance(data, Mapping):
        raise _not_a_table(name, data)
    unknown = set(data) - set(_FIELDS)
    if unknown:
        raise ModelTableError(f"model {name!r}: unknown field(s) {', '.join(sorted(unknown))}")
    fields = _Fields(name, data)
    return ModelSpec(
        name=name,
        encoding=fields.encoding(),
        token_limit=fields.integer("token_limit", NO_KNOWN_LIMIT, minimum=1),
        provider=fields.text("provider", "custom"),
        price_per_million=fields.number("price_per_million", None, positive=False),
        min_examples=fields.integer("min_examples", 10, minimum=0),
        methods=fields.texts("methods", ("sft",)),
        images=fields.boolean("images"),
        max_images_per_example=fields.integer("max_images_per_example", 10, minimum=0),
        aliases=fields.texts("aliases", ()),
        source=fields.text("source", "user config"),
        profiles=fields.texts("profiles", ()),
        recommended_examples=fields.integer("recommended_examples", 50, minimum=0),
        max_examples=fields.integer("max_examples", None, minimum=1),
        max_validation_examples=fields.integer("max_validation_examples", None, minimum=1),
        max_file_mb=fields.number("max_file_mb", 512.0, positive=True, unlimited=True) or 512.0,
        max_validation_file_mb=fields.number(
            "max_validation_file_mb", None, positive=True, unlimited=True
        ),
        chars_per_token=fields.number("chars_per_token", None, positive=True),
        allows_bom=fields.boolean("allows_bom"),
        default_epochs=fields.integer("default_epochs", None, minimum=1),
        max_media_examples=fields.integer("max_media_examples", None, minimum=0),
    )


def _not_a_table(name: str, data: object) -> ModelTableError:
    return ModelTableError(
        f"model {name!r} must be a table of fields such as encoding and token_limit, not {data!r}"
    )


class _Fields:
    """Typed reads of one model entry; a wrong value is a ``ModelTableError`` naming it."""

    def __init__(self, name: str, data: Mapping[str, Any]) -> None:
        self.name = name
        self.data = data

    def _wrong(self, key: str, wanted: str) -> ModelTableError:
        return ModelTableError(
            f"model {self.name!r}: {key} must be {wanted}, not {self.data[key]!r}"
        )

    def encoding(self) -> str:
        value = self.data.get("encoding", "")
        if value != "" and value not in SUPPORTED_ENCODINGS:
            choices = " or ".join(repr(e) for e in SUPPORTED_ENCODINGS)
            raise self._wrong("encoding", f'{choices} (or "" for none)')
        return str(value)

    def integer(self, key: str, default: int | None, *, minimum: int) -> Any:
        value = self.data.get(key, default)
        if value is None and default is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self._wrong(key, f"a whole number, {minimum} or more")
        return value

    def number(
        self, key: str, default: float | None, *, positive: bool, unlimited: bool = False
    ) -> float | None:
        value = self.data.get(key, default)
        if value is None and default is None:
            return None
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        # TOML allows nan and inf: nan is never a price, a size or a ratio; inf is only a
        # file size ("no limit", as the Bedrock table spells it).
        finite = number and (math.isfinite(value) or (unlimited and value == math.inf))
        if not finite or value < 0 or (positive and value == 0):
            wanted = "a number above 0" if positive else "a number, 0 or more"
            raise self._wrong(key, f"{wanted} (not nan{'' if unlimited else ' or inf'})")
        return float(value)

    def text(self, key: str, default: str) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            raise self._wrong(key, "a string")
        return value

    def texts(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.data.get(key, default)
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise self._wrong(key, 'a list of strings, e.g. ["sft"]')
        return tuple(value)

    def boolean(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise self._wrong(key, "true or false (a TOML boolean, unquoted)")
        return value


@cache
def provider_tables() -> dict[str, dict[str, Any]]:
    """Each provider file of ``providers/*/provider.toml`` parsed: provider -> its TOML tables."""
    folder = resources.files("jsonl_guard").joinpath("providers")
    tables = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        table = entry.joinpath("provider.toml")
        if entry.is_dir() and table.is_file():
            tables[entry.name] = tomllib.loads(table.read_text("utf-8"))
    return tables


@cache
def builtin_models() -> dict[str, ModelSpec]:
    models: dict[str, ModelSpec] = {}
    for provider, table in provider_tables().items():
        for name, data in table.get("models", {}).items():
            if name in models:
                raise ModelTableError(f"model {name!r} is defined twice (again in {provider})")
            models[name] = spec_from_mapping(name, data)
    return models


def model_table(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, ModelSpec]:
    """The built-in table with the user's additions and overrides applied (field by field)."""
    table = dict(builtin_models())
    for name, data in (overrides or {}).items():
        if not isinstance(data, Mapping):  # user input, whatever the type says
            raise _not_a_table(name, data)
        if name in table:
            base = {k: getattr(table[name], k) for k in _FIELDS}
            table[name] = spec_from_mapping(name, {**base, **data})
        else:
            # A model of one's own needs its limit spelled out: leaving it out is far more
            # likely a slip than a provider without one (the built-in table marks those).
            if "token_limit" not in data:
                raise ModelTableError(f"model {name!r}: missing field 'token_limit'")
            table[name] = spec_from_mapping(name, data)
    return table


def base_model_name(name: str) -> str:
    """``ft:gpt-4.1-mini-2025-04-14:acme::abc123`` -> ``gpt-4.1-mini-2025-04-14``.

    tiktoken's own prefix table maps ``ft:gpt-4.1-...`` to cl100k (it matches
    ``ft:gpt-4``), so fine-tuned names are always reduced to their base first.
    """
    if name.startswith("ft:"):
        return name.split(":")[1]
    return name


def canonical_model_name(
    name: str, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> str:
    """``name`` as the table spells it when it differs only in case
    (``GPT-4o-mini-2024-07-18``); anything else unchanged (unknown names are reported
    where the model is resolved). What a platform is sent is then the real name."""
    table = model_table(overrides)
    if name in table or name.startswith("ft:"):
        return name
    spelled = {key.lower(): key for key in _names(table)}
    return spelled.get(name.lower(), name)


def _names(table: Mapping[str, ModelSpec]) -> dict[str, ModelSpec]:
    """Every name a model answers to: its own, then its aliases."""
    by_alias = {alias: spec for spec in table.values() for alias in spec.aliases}
    return {**by_alias, **table}


def resolve_model(name: str, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> ModelSpec:
    """The table entry for ``name`` (its own name, an alias, a fine-tuned ``ft:`` name of
    either; any case).

    :raises UnknownModelError: no entry, with the closest names.
    """
    table = model_table(overrides)
    base = base_model_name(name)
    names = _names(table)
    folded = {key.lower(): spec for key, spec in names.items()}  # own names win
    spec = names.get(base) or folded.get(base.lower())
    if spec is None:
        aliases = [alias for spec in table.values() for alias in spec.aliases]
        raise UnknownModelError(name, sorted(table), aliases)
    if name.lower() == spec.name.lower():
        name = spec.name  # only the case differs: the table's spelling
    return spec if name == spec.name else replace(spec, name=name, base=spec.name)
