"""Hypothesis strategies per profile, one ``strategies`` module per provider (found on import).

Each module defines two tables, keyed by profile name:

* ``PROFILE_EXAMPLES``: a function returning a strategy of valid examples (dicts)
  that the profile's default model accepts with no error and no warning;
* ``PROFILE_CORRUPTIONS``: ``jsonl_guard.strategies.Corruption``s (made with
  ``corruption``), each turning one valid example into a line on which exactly its
  rule ``code`` fires (and no other error).

``jsonl_guard.strategies.profile_examples`` / ``profile_corruptions`` read them,
and ``tests/test_profile_properties.py`` proves every profile with them.
"""

from __future__ import annotations

import copy
import functools
import importlib
import json
import pkgutil
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from ._chat import prompt_key

if TYPE_CHECKING:  # at run time: in ``corruption`` (jsonl_guard.strategies imports us)
    from ._corruption import Corruption

Example = dict[str, Any]


def corruption(
    code: str, apply: Callable[[Example], Any], applies: Callable[[Example], bool] | None = None
) -> Corruption:
    """A profile's ``Corruption`` for rule ``code``, named after ``apply`` when it has a name.

    ``apply`` returns the corrupted example, or the raw line (bytes) for syntax damage;
    ``applies`` says whether an example can carry it (e.g. it needs a second message).
    """
    from ._corruption import Corruption

    name = getattr(apply, "__name__", "").strip("_")
    made = Corruption(code if name in ("", "<lambda>") else name.replace("_", "-"), code, apply)
    return made if applies is None else replace(made, applicable=applies)


def edited(change: Callable[[Example], object]) -> Callable[[Example], Example]:
    """A corruption's ``apply``: ``change`` edits a deep copy of the example in place."""

    @functools.wraps(change)
    def apply(example: Example) -> Example:
        copied = copy.deepcopy(example)
        change(copied)
        return copied

    return apply


@functools.cache
def _modules() -> tuple[Any, ...]:
    """The ``strategies`` module of every provider package that has one (looked up
    once: a property test asks for its strategy on every example it draws)."""
    from .. import providers as _providers

    modules: list[Any] = []
    for info in pkgutil.iter_modules(_providers.__path__):
        if not info.ispkg:
            continue
        package = importlib.import_module(f"{_providers.__name__}.{info.name}")
        if "strategies" in {module.name for module in pkgutil.iter_modules(package.__path__)}:
            modules.append(importlib.import_module(f"{package.__name__}.strategies"))
    return tuple(modules)


def example_strategies() -> dict[str, Callable[[], st.SearchStrategy[Example]]]:
    found: dict[str, Callable[[], st.SearchStrategy[Example]]] = {}
    for module in _modules():
        found.update(getattr(module, "PROFILE_EXAMPLES", {}))
    return found


def corruptions() -> dict[str, list[Corruption]]:
    found: dict[str, list[Corruption]] = {}
    for module in _modules():
        for profile, items in getattr(module, "PROFILE_CORRUPTIONS", {}).items():
            found.setdefault(profile, []).extend(items)
    return found


def _canonical(example: Example) -> str:
    return json.dumps(example, sort_keys=True, ensure_ascii=False)


@functools.cache
def profile_examples(profile: str) -> st.SearchStrategy[Example]:
    """Valid examples of ``profile`` (clean under its default model).

    One strategy object per profile (and per dataset size below): Hypothesis
    validates and caches what it learns per object, which a new one each draw redoes."""
    found = example_strategies()
    if profile not in found:
        raise KeyError(f"no strategy for profile {profile!r}; have: {', '.join(sorted(found))}")
    return found[profile]()


@functools.cache
def profile_datasets(
    profile: str, min_size: int, max_size: int
) -> st.SearchStrategy[list[Example]]:
    """Files of distinct valid examples (no duplicates: those warn)."""
    return st.lists(
        profile_examples(profile),
        min_size=min_size,
        max_size=max_size,
        unique_by=(_canonical, prompt_key),
    )


def profile_corruptions(profile: str) -> list[Corruption]:
    return corruptions().get(profile, [])
