"""Hypothesis strategies for OpenAI chat fine-tuning data: valid examples and ways to break them.

For property-based tests of your own data pipeline (and of jsonl-guard itself)::

    from hypothesis import given
    from jsonl_guard import check_examples
    from jsonl_guard.strategies import chat_datasets

    @given(chat_datasets(min_size=50, max_size=60))
    def test_my_exporter_keeps_data_valid(dataset):
        assert check_examples(my_exporter(dataset)).ok

Everything :func:`chat_examples` and :func:`chat_datasets` generate is valid for
supervised (SFT) chat fine-tuning: jsonl-guard reports no error and no warning on
any of its lines (file-level rules aside: fewer than 50 examples still warn JG302,
and examples with tools or images get the JG402 note that their counts are
estimates). :func:`corruptions` generates named, deterministic defects, each of which turns
a valid example into a line that must raise one known rule code.

This module needs ``hypothesis`` (a dev dependency); ``import jsonl_guard`` never
imports it.
"""

from __future__ import annotations

from ._chat import chat_datasets, chat_examples, image_parts, json_arguments, tool_definitions
from ._corruption import Corruption
from ._corruptions import CORRUPTION_CODES, corruptions
from ._profiles import profile_corruptions, profile_datasets, profile_examples
from ._text import SPECIAL_TOKEN_TEXTS, function_names, participant_names, texts

__all__ = [
    "CORRUPTION_CODES",
    "SPECIAL_TOKEN_TEXTS",
    "Corruption",
    "chat_datasets",
    "chat_examples",
    "corruptions",
    "function_names",
    "image_parts",
    "json_arguments",
    "participant_names",
    "profile_corruptions",
    "profile_datasets",
    "profile_examples",
    "texts",
    "tool_definitions",
]
