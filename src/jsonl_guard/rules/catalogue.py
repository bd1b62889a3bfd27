"""The catalogue: every module that declares rules or token methods, and the lookups
that need all of them.

A module declares its rules (``rules.registry``: ``example_rule``, ``dataset_rule``,
``file_rule``, ``schema_rule``) and its token methods (``tokens.methods.token_method``)
when it is imported. ``load_rule_modules`` imports every such module, once, from the
explicit list below; the lookups of the whole catalogue call it first: ``all_rules``,
``find_rule``, ``registered_rule`` and ``token_method_for`` (a profile's token method:
provider modules register theirs, so ``tokens.methods.find_token_method`` alone only
knows the methods loaded so far).

Nothing this module imports imports it back: declaring modules import
``rules.registry`` and ``tokens.methods``, never this module, and this module imports
them only inside ``load_rule_modules``, so ``import jsonl_guard`` does not load them.

Adding a rule module (or a provider's module that declares rules or token methods) is
one import in ``load_rule_modules``; ``tests/test_registry.py`` fails for a declaring
module missing from it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from ..errors import JsonlGuardError
from ..tokens.methods import TokenMethod, find_token_method
from . import registry  # RULES through the module: the tests swap in a scratch copy
from .registry import Rule

if TYPE_CHECKING:
    from ..engine.models import ModelSpec


class UnregisteredCodeError(JsonlGuardError, LookupError):
    """A finding carries a code that no rule declares: a bug in jsonl-guard, not in the data."""


@functools.cache
def load_rule_modules() -> None:
    """Import every module that declares rules or token methods, once; importing one
    registers what it declares. The lookups of the whole catalogue call this first.

    This is the list: a new rule module, or a new provider's module, is one import here
    (``tests/test_registry.py`` fails for a declaring module missing from it).
    """
    from ..providers.bedrock import blocks as bedrock_blocks  # noqa: F401 - provider rules and token methods
    from ..providers.bedrock import rules as bedrock  # noqa: F401 - provider rules and token methods
    from ..providers.huggingface import counting as huggingface_counting  # noqa: F401 - provider rules and token methods
    from ..providers.huggingface import rules as huggingface  # noqa: F401 - provider rules and token methods
    from ..providers.huggingface import training_rules as huggingface_training  # noqa: F401 - provider rules and token methods
    from ..providers.mistral import rules as mistral  # noqa: F401 - provider rules and token methods
    from ..providers.openai import rules as openai  # noqa: F401 - provider rules and token methods
    from ..providers.together import rules as together  # noqa: F401 - provider rules and token methods
    from ..providers.vertex import legacy as vertex_legacy  # noqa: F401 - provider rules and token methods
    from ..providers.vertex import preference as vertex_preference  # noqa: F401 - provider rules and token methods
    from ..providers.vertex import rules as vertex  # noqa: F401 - provider rules and token methods
    from . import (  # noqa: F401 - importing registers the rules
        answers,
        content,
        conversation,
        dataset,
        file,
        near_duplicates,
        schema,
        sensitive,
        tool_schemas,
        tools,
    )


def all_rules() -> list[Rule]:
    """Every registered rule, sorted by code (imports the rule modules first)."""
    load_rule_modules()
    return sorted(registry.RULES.values(), key=lambda r: r.code)


def find_rule(code_or_name: str) -> Rule | None:
    wanted = code_or_name.strip()
    for rule in all_rules():
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            return rule
    return None


def registered_rule(code: str) -> Rule:
    """The rule with this exact code; ``UnregisteredCodeError`` when no rule declares it."""
    load_rule_modules()
    rule = registry.RULES.get(code)
    if rule is None:
        raise UnregisteredCodeError(
            f"internal error: a finding has the code {code!r}, which no rule declares "
            "(a bug in jsonl-guard; please report it)"
        )
    return rule


def token_method_for(name: str, model: ModelSpec | None = None, tokenizer: str = "") -> TokenMethod:
    """``tokens.methods.find_token_method`` once every declaring module is loaded: how a
    profile (``tokens = "..."``) counts, for the engine and ``jsonl-guard profiles``."""
    load_rule_modules()
    return find_token_method(name, model, tokenizer)
