"""Hugging Face TRL datasets: the rules for TRL's late failures.

Six profiles (``providers/huggingface/provider.toml``): ``trl-language-modeling`` (``text``),
``trl-messages`` (conversational language modeling), ``trl-prompt-completion``,
``trl-preference``, ``trl-implicit-preference`` and ``trl-unpaired-preference``. TRL
finds most of these problems only inside ``datasets.map`` during training; the rules
here (JG680-JG686) find them before. The token counts with a tokenizer.json are in
``providers/huggingface/tokens.py``. Facts and sources: docs/providers/huggingface.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...engine.diagnostics import Severity
from ...rules.context import ExampleContext
from ...rules.helpers import path_of
from ...rules.registry import example_rule, schema_rule
from .tokens import extract_prompt

ERROR, WARNING = Severity.ERROR, Severity.WARNING
SHAREGPT_ROLES = "from human -> role user, gpt -> assistant, system -> system; value -> content"
ANSWER_KEYS = ("completion", "chosen", "rejected")

U = '{"role": "user", "content": "Where is my order?"}'
A = '{"role": "assistant", "content": "It ships today."}'
S = '{"role": "system", "content": "You are the bike shop assistant."}'


schema_rule(
    code="JG685",
    name="trl-key-conflict",
    severity=ERROR,
    summary="The example holds a TRL column of another dataset type (e.g. `label` in a preference "
    "example); TRL's apply_chat_template raises KeyError: Invalid keys.",
    hint="Keep exactly the columns of one TRL type (prompt/completion, prompt/chosen/rejected, "
    "...); rename or drop the other.",
    bad='{"prompt": "Where is my order?", "chosen": "It ships today.", '
    '"rejected": "No idea.", "label": true}',
    good='{"prompt": "Where is my order?", "chosen": "It ships today.", "rejected": "No idea."}',
)


schema_rule(
    code="JG686",
    name="trl-missing-column",
    severity=ERROR,
    summary="The example lacks a column its TRL dataset type needs (e.g. `rejected` in a "
    "preference file); TRL raises KeyError when it builds the sequences.",
    hint="Add the missing column: text | prompt + completion | prompt + chosen + rejected | "
    "chosen + rejected | prompt + completion + label, whichever the file's type is.",
    bad='{"prompt": "Where is my order?", "chosen": "It ships today.", "rejected": "No idea."}\n'
    '{"prompt": "Do you fix e-bikes?", "chosen": "Yes, all brands."}',
    good='{"prompt": "Where is my order?", "chosen": "It ships today.", "rejected": "No idea."}\n'
    '{"prompt": "Do you fix e-bikes?", "chosen": "Yes, all brands.", "rejected": "No."}',
)


def _kinds(example: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key in ("prompt", *ANSWER_KEYS):
        value = example.get(key)
        if isinstance(value, str):
            found.setdefault("standard", []).append(key)
        elif isinstance(value, list):
            found.setdefault("conversational", []).append(key)
    return found


@example_rule(
    code="JG681",
    name="mixed-standard-conversational",
    severity=ERROR,
    summary="One example mixes standard (string) and conversational (message list) fields; TRL "
    "decides the format from one field and fails on the other.",
    hint="Make every field a string, or every field a list of role/content messages.",
    bad=f'{{"prompt": "Where is my order?", "chosen": [{A}], "rejected": "No idea."}}',
    good=f'{{"prompt": [{U}], "chosen": [{A}], "rejected": '
    '[{"role": "assistant", "content": "No idea."}]}',
    rule_sets=("trl-prompt",),
)
def mixed_formats(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    kinds = _kinds(example)
    if len(kinds) == 2:
        strings_, lists = (kinds["standard"], kinds["conversational"])
        yield (
            f"{' and '.join(strings_)} {'is' if len(strings_) == 1 else 'are'} a string "
            f"(standard) but {' and '.join(lists)} {'is' if len(lists) == 1 else 'are'} a "
            "message list (conversational); TRL needs one format per example"
        )


def _prompt_messages(example: dict[str, Any]) -> tuple[str, list[Any]]:
    """(where, messages) of the prompt TRL renders: the prompt, or chosen's shared start."""
    prompt = example.get("prompt")
    if isinstance(prompt, list):
        return "prompt", prompt
    if "prompt" not in example and isinstance(example.get("chosen"), list):
        shared = extract_prompt(example["chosen"], example.get("rejected"))[0]
        return "chosen", shared if isinstance(shared, list) else []
    return "prompt", []


@example_rule(
    code="JG682",
    name="prompt-last-role",
    severity=ERROR,
    summary="A conversational prompt ends with a message that is not from the user, a tool or the "
    "assistant; TRL's apply_chat_template raises ValueError: Invalid role in the last message.",
    hint="End the prompt with the user's turn (or a tool result); move system instructions to "
    "the start of the prompt.",
    bad=f'{{"prompt": [{U}, {S}], "chosen": [{A}], "rejected": '
    '[{"role": "assistant", "content": "No idea."}]}',
    good=f'{{"prompt": [{S}, {U}], "chosen": [{A}], "rejected": '
    '[{"role": "assistant", "content": "No idea."}]}',
    rule_sets=("trl-prompt",),
)
def prompt_last_role(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    where, messages = _prompt_messages(example)
    if not messages or not isinstance(messages[-1], dict):
        return
    role = messages[-1].get("role")
    if role == "system":  # the schema's roles: system, user, assistant, tool
        index = len(messages) - 1
        shared = " (the part chosen and rejected share is the prompt)" if where == "chosen" else ""
        yield (
            f"{path_of(where, index)} ends the prompt{shared} and its role is {role!r}; TRL "
            "needs the prompt to end with a user, tool or assistant message"
        )


def _sharegpt_path(example: dict[str, Any]) -> str | None:
    if "conversations" in example:
        return "conversations"
    for key in ("messages", "prompt", *ANSWER_KEYS):
        value = example.get(key)
        for i, message in enumerate(value if isinstance(value, list) else []):
            if isinstance(message, dict) and "from" in message and "role" not in message:
                return path_of(key, i)
    return None


@example_rule(
    code="JG683",
    name="sharegpt-format",
    severity=ERROR,
    summary="The example is in ShareGPT form (`conversations`, or messages with `from`/`value`), "
    "not TRL's `messages` with `role`/`content`.",
    hint=f"Convert it: key conversations -> messages, {SHAREGPT_ROLES} (e.g. with "
    "trl.data_utils.maybe_convert_to_chatml before saving).",
    bad='{"prompt": [{"from": "human", "value": "Where is my order?"}], '
    '"chosen": [{"from": "gpt", "value": "It ships today."}], "rejected": '
    '[{"from": "gpt", "value": "No idea."}]}',
    good=f'{{"prompt": [{U}], "chosen": [{A}], "rejected": '
    '[{"role": "assistant", "content": "No idea."}]}',
    rule_sets=("trl",),
)
def sharegpt_format(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    where = _sharegpt_path(example)
    if where is not None:
        rename = "rename conversations to messages and " if where == "conversations" else ""
        yield (
            f"{where} is in ShareGPT form (from/value); TRL reads messages with role/content: "
            f"{rename}map {SHAREGPT_ROLES}"
        )


@example_rule(
    code="JG684",
    name="identical-pair",
    severity=WARNING,
    summary="`chosen` and `rejected` are identical, so the pair teaches no preference.",
    hint="Replace the rejected answer with a worse one, or drop the example.",
    bad='{"prompt": "Where is my order?", "chosen": "It ships today.", '
    '"rejected": "It ships today."}',
    good='{"prompt": "Where is my order?", "chosen": "It ships today.", "rejected": "No idea."}',
    rule_sets=("trl-pairs",),
)
def identical_pair(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    if "chosen" in example and example.get("chosen") == example.get("rejected"):
        yield "chosen and rejected are identical; the pair teaches no preference"


@example_rule(
    code="JG680",
    name="prompt-fills-sequence",
    severity=ERROR,
    summary="The prompt alone reaches the sequence length, so truncation cuts the whole answer "
    "(completion, chosen, rejected) and nothing is learned from the example.",
    hint="Shorten the prompt, raise --max-seq-len (TRL: max_length), or drop the example.",
    bad='{"prompt": "<70,000 tokens of text>", "chosen": "It ships today.", '
    '"rejected": "No idea."}',
    good='{"prompt": "Where is my order?", "chosen": "It ships today.", "rejected": "No idea."}',
    rule_sets=("trl-prompt",),
)
def prompt_fills_sequence(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    tokens, limit = ctx.tokens, ctx.model.token_limit
    if tokens is None:
        return
    prompt = tokens.total - tokens.assistant
    if prompt >= limit:
        counted = "tokens" if ctx.exact else "tokens (estimated)"
        yield (
            f"the prompt alone has {prompt:,} {counted}, at or over the {limit:,}-token "
            f"sequence length of {ctx.model.name}; truncation (keep_start) cuts the whole "
            "answer, so the example trains nothing"
        )
