"""The lookups over every profile's converter; imports the declaring provider modules
on first use, as ``rules.catalogue`` does for rules."""

from __future__ import annotations

import functools

from ..errors import JsonlGuardError
from . import formats
from .formats import Converter


class NoConverterError(JsonlGuardError, LookupError):
    """A profile convert has no reader or writer for yet."""


@functools.cache
def load_converters() -> None:
    """Import every provider module that declares converters, once. A new profile's
    converter is one import here."""
    from ..providers.bedrock import conversation as bedrock_conversation  # noqa: F401 - declares converters
    from ..providers.bedrock import convert as bedrock  # noqa: F401 - declares converters
    from ..providers.fireworks import convert as fireworks  # noqa: F401 - declares converters
    from ..providers.huggingface import convert as huggingface  # noqa: F401 - declares converters
    from ..providers.mistral import convert as mistral  # noqa: F401 - declares converters
    from ..providers.openai import convert as openai  # noqa: F401 - declares converters
    from ..providers.together import convert as together  # noqa: F401 - declares converters
    from ..providers.vertex import convert as vertex  # noqa: F401 - declares converters


def find_converter(profile: str) -> Converter:
    load_converters()
    found = formats.CONVERTERS.get(profile)
    if found is None:
        known = ", ".join(sorted(formats.CONVERTERS))
        raise NoConverterError(
            f"convert cannot read or write the profile {profile!r} yet; it converts: {known}"
        )
    return found


def known_profiles() -> list[str]:
    load_converters()
    return sorted(formats.CONVERTERS)


def bucket_profiles() -> dict[str, str]:
    """Every profile whose images live in a bucket, with the bucket's URI scheme."""
    load_converters()
    return {name: found.bucket for name, found in formats.CONVERTERS.items() if found.bucket}
