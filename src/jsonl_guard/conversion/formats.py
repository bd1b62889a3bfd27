"""The registry of readers and writers: one of each per profile, declared in the
provider's folder (``providers/<p>/convert.py``) with ``converter``. Lookups live in
``convert.catalogue``, which loads the declaring modules (as ``rules.registry`` and
``rules.catalogue`` split): the declaring modules import this one, never that one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .changes import Changes
from .neutral import Example

Reader = Callable[[dict[str, Any], Changes], Example]
Writer = Callable[[Example, Changes], dict[str, Any]]


@dataclass(frozen=True)
class Converter:
    profile: str
    read: Reader
    write: Writer


CONVERTERS: dict[str, Converter] = {}


def converter(profile: str, read: Reader, write: Writer) -> Converter:
    """Declare a profile's reader and writer (called when its provider module loads)."""
    found = Converter(profile, read, write)
    CONVERTERS[profile] = found
    return found
