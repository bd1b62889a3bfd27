"""The registry of readers and writers: one of each per profile, declared in the
provider's folder (``providers/<p>/convert.py``) with ``converter``. Lookups live in
``convert.catalogue``, which loads the declaring modules (as ``rules.registry`` and
``rules.catalogue`` split): the declaring modules import this one, never that one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .changes import Changes
from .neutral import Example, Image

Reader = Callable[[dict[str, Any], Changes], Example]
Writer = Callable[[Example, Changes], dict[str, Any]]


def _takes_none(image: Image) -> bool:
    return False


@dataclass(frozen=True)
class Converter:
    """``bucket``: the URI scheme the profile's images may live under (``gs://``,
    ``s3://``), so ``--media-prefix`` can map the others there; "" when it takes none.
    ``takes``: whether the writer can carry an image as the source had it (the others
    are the ones a media prefix renames)."""

    profile: str
    read: Reader
    write: Writer
    bucket: str = ""
    takes: Callable[[Image], bool] = _takes_none


CONVERTERS: dict[str, Converter] = {}


def converter(
    profile: str,
    read: Reader,
    write: Writer,
    *,
    bucket: str = "",
    takes: Callable[[Image], bool] = _takes_none,
) -> Converter:
    """Declare a profile's reader and writer (called when its provider module loads);
    ``bucket`` and ``takes`` for a profile whose images live in a bucket."""
    found = Converter(profile, read, write, bucket, takes)
    CONVERTERS[profile] = found
    return found
