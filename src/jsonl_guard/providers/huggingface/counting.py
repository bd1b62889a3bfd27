"""The Hugging Face token methods: TRL's sequences counted, and what of them trains.

``hf-tokenizer`` estimates without a tokenizer; with a ``--tokenizer`` tokenizer.json
(``hf-tokenizer-file``) it counts exactly (``tokens.py``) and, for the example types
TRL's SFT trains, previews the training (``masks.py``: rendered ids, loss mask,
truncation), which the rules of ``training_rules.py`` and the report's statistics read.
"""

from __future__ import annotations

from typing import Any

from ...tokens.backends import is_tokenizer_file
from ...tokens.chat_formula import ExampleTokens
from ...tokens.methods import TokenTools, token_method
from .previews import preview_example
from .tokens import SequenceCounter, TokenizerFileError, count_example, load_tokenizer


@token_method(
    "hf-tokenizer",
    exact=False,
    description="estimate: the characters of each sequence TRL builds divided by the "
    "model's characters per token, rounded up; exact with --tokenizer tokenizer.json "
    "(Hugging Face tokenizers, chat template from tokenizer_config.json)",
    with_tokenizer_file="hf-tokenizer-file",
)
def hf_tokens(example: dict[str, Any], tools: TokenTools) -> ExampleTokens | None:
    if is_tokenizer_file(tools.tokenizer):
        hf = load_tokenizer(tools.tokenizer, tools.training.chat_template)
        tools.used = tools.used or hf.description
        tokens = count_example(example, SequenceCounter(hf, tools))
        if tokens is None:
            return None
        limit = tools.model.token_limit
        return tokens._replace(training=preview_example(hf, example, tools.training, limit))
    if not tools.used:
        tools.used = f"estimate: {tools.chars_per_token:g} characters per token (no --tokenizer)"
    return count_example(example, SequenceCounter(None, tools))


def hf_prefetch(examples: list[dict[str, Any]], tools: TokenTools) -> None:
    """Tokenize a chunk's texts in one batch call (``memo.py``): ``hf_tokens`` runs on
    each example while the memo records what it asks for, then the memo encodes it all."""
    try:
        hf = load_tokenizer(tools.tokenizer, tools.training.chat_template)
    except TokenizerFileError:
        return  # the first line's count reports it, as without the pre-pass
    hf.memo.record()
    try:
        for example in examples:
            try:
                hf_tokens(example, tools)
            except Exception:  # the line's own check meets it again and reports it
                continue
    finally:
        hf.memo.fill(hf.tokenizer)


# The same counting, declared exact: the core uses it instead of "hf-tokenizer" when a
# tokenizer.json is given (``with_tokenizer_file``), with the batch pre-pass.
token_method(
    "hf-tokenizer-file",
    exact=True,
    description="exact: Hugging Face tokenizers with the --tokenizer file (chat template from "
    "tokenizer_config.json or --chat-template, else role + content + 4 tokens a message)",
    prefetch=hf_prefetch,
)(hf_tokens)
