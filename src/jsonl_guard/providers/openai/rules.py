"""OpenAI's formats beyond chat SFT: preference (DPO), reinforcement (RFT), legacy completion.

Rule codes JG260-JG279. Chat SFT (openai-chat) is checked by the core rule modules;
Azure OpenAI takes the same formats (``providers/azure/provider.toml``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...engine.diagnostics import Severity
from ...rules.context import ExampleContext
from ...rules.helpers import image_parts, path_of, tool_calls
from ...rules.registry import example_rule, schema_rule
from ...tokens.chat_formula import ExampleTokens
from ...tokens.methods import TokenTools, text_only, token_method

ERROR, WARNING = Severity.ERROR, Severity.WARNING
DPO, RFT, COMPLETION = ("openai-dpo",), ("openai-rft",), ("openai-completion",)
OUTPUTS = ("preferred_output", "non_preferred_output")

_Q = '{"role": "user", "content": "Can I ride in the rain?"}'
_GOOD_P = '[{"role": "assistant", "content": "Yes; dry and oil the chain afterwards."}]'
_BAD_P = '[{"role": "assistant", "content": "Sure."}]'


def _dpo(inp: str, preferred: str = _GOOD_P, non_preferred: str = _BAD_P) -> str:
    return (
        f'{{"input": {{{inp}}}, "preferred_output": {preferred}, '
        f'"non_preferred_output": {non_preferred}}}'
    )


# -- token methods ------------------------------------------------------------------------------


def _input(example: dict[str, Any]) -> dict[str, Any] | None:
    value = example.get("input")
    if not isinstance(value, dict) or not isinstance(value.get("messages"), list):
        return None
    return value


def _outputs(example: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    return [(key, example[key]) for key in OUTPUTS if isinstance(example.get(key), list)]


@token_method(
    "openai-dpo",
    exact=True,
    description="tiktoken with the chat formula on input + the longer of the two outputs "
    "(each pair trains two sequences, input + preferred and input + non-preferred; the "
    "longer one must fit the limit)",
    needs_encoding=True,
)
def openai_dpo(example: dict[str, Any], tools: TokenTools) -> ExampleTokens | None:
    inp = _input(example)
    if inp is None:
        return None
    # The same counter as chat SFT, so a DPO input costs what the SFT example would.
    base: dict[str, Any] = {key: inp[key] for key in ("tools", "functions") if key in inp}
    sequences = [
        tools.chat.count({**base, "messages": [*inp["messages"], *output]})
        for _, output in _outputs(example)
    ]
    if not sequences:
        return tools.chat.count({**base, "messages": inp["messages"]})
    return max(sequences, key=lambda tokens: tokens.total)


@token_method(
    "openai-completion",
    exact=True,
    description="tiktoken: the tokens of prompt + completion with the model's encoding",
    needs_encoding=True,
)
def openai_completion(example: dict[str, Any], tools: TokenTools) -> ExampleTokens | None:
    prompt, completion = example.get("prompt"), example.get("completion")
    prompt_tokens = tools.chat.text(prompt) if isinstance(prompt, str) else 0
    completion_tokens = tools.chat.text(completion) if isinstance(completion, str) else 0
    return text_only(prompt_tokens + completion_tokens, completion_tokens)


# -- schema rules (raised by providers/openai/schemas/openai-dpo.json and openai-completion.json)

schema_rule(
    code="JG260",
    name="invalid-preference-example",
    severity=ERROR,
    summary="A DPO example lacks input, preferred_output or non_preferred_output, or an output is "
    "not a list of exactly one assistant message.",
    hint='Write {"input": {"messages": [...]}, "preferred_output": [{"role": "assistant", ...}], '
    '"non_preferred_output": [{"role": "assistant", ...}]}.',
    bad=_dpo(f'"messages": [{_Q}]', _GOOD_P[:-1] + ", " + _BAD_P[1:]),
    good=_dpo(f'"messages": [{_Q}]'),
)
schema_rule(
    code="JG275",
    name="invalid-completion-example",
    severity=ERROR,
    summary="A legacy example lacks `prompt` or `completion`, or one of them is not a string.",
    hint='Write each line as {"prompt": "<text>", "completion": "<text>"}.',
    bad='{"prompt": "Do you fit tubeless tires?", "completion": ["Yes."]}',
    good='{"prompt": "Do you fit tubeless tires?", "completion": " Yes, while you wait."}',
)


# -- DPO ----------------------------------------------------------------------------------------


def _input_messages(example: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    inp = _input(example)
    messages = inp["messages"] if inp is not None else []
    return [(i, m) for i, m in enumerate(messages) if isinstance(m, dict)]


def _output_messages(example: dict[str, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    for key, output in _outputs(example):
        for i, message in enumerate(output):
            if isinstance(message, dict):
                yield key, i, message


@example_rule(
    code="JG261",
    name="multi-turn-preference-input",
    severity=WARNING,
    summary="A DPO input holds assistant turns; OpenAI trains preference data on one-turn "
    "conversations only.",
    hint="Keep the input to the (system and) user message the outputs answer; earlier turns are "
    "at best context and may be rejected.",
    bad=_dpo(f'"messages": [{_Q}, {{"role": "assistant", "content": "Yes."}}, {_Q}]'),
    good=_dpo(f'"messages": [{_Q}]'),
    rule_sets=DPO,
)
def multi_turn_preference_input(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for i, message in _input_messages(example):
        if message.get("role") == "assistant":
            yield (
                f"{path_of('input', 'messages', i)} is an assistant turn; DPO trains one-turn "
                "conversations (the outputs are the only assistant messages trained)"
            )


# The outputs answer the last input message: a user turn (or a tool result).
_ANSWERABLE = ("user", "tool", "function")


@example_rule(
    code="JG262",
    name="preference-input-not-ending-with-user",
    severity=ERROR,
    summary="A DPO input does not end with a user message, so the outputs answer nothing.",
    hint="End input.messages with the user message that preferred_output and "
    "non_preferred_output answer.",
    bad=_dpo(f'"messages": [{_Q}, {{"role": "assistant", "content": "Let me check."}}]'),
    good=_dpo(f'"messages": [{_Q}]'),
    rule_sets=DPO,
)
def preference_input_not_ending_with_user(
    example: dict[str, Any], ctx: ExampleContext
) -> Iterator[str]:
    messages = _input_messages(example)
    if messages and messages[-1][1].get("role") not in _ANSWERABLE:
        index, message = messages[-1]
        yield (
            f"{path_of('input', 'messages', index)} ({message.get('role')}) is the last input "
            "message; the outputs must answer a user message"
        )


@example_rule(
    code="JG263",
    name="image-in-preference-data",
    severity=ERROR,
    summary="A DPO example holds an image; preference fine-tuning is text-only.",
    hint="Remove the image parts (describe the image in text if the answer depends on it).",
    bad=_dpo(
        '"messages": [{"role": "user", "content": [{"type": "text", "text": "Which size?"}, '
        '{"type": "image_url", "image_url": {"url": "https://example.com/bike.png"}}]}]'
    ),
    good=_dpo(
        '"messages": [{"role": "user", "content": [{"type": "text", "text": "Which size?"}]}]'
    ),
    rule_sets=DPO,
)
def image_in_preference_data(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for i, message in _input_messages(example):
        for k, _ in image_parts(message):
            yield f"{path_of('input', 'messages', i, 'content', k)} is an image; DPO is text-only"
    for key, i, message in _output_messages(example):
        for k, _ in image_parts(message):
            yield f"{path_of(key, i, 'content', k)} is an image; DPO is text-only"


def _comparable(output: list[Any]) -> list[Any]:
    # weight and name do not change what the model is shown; compare the reply itself.
    return [
        {k: v for k, v in m.items() if k not in ("weight", "name")} if isinstance(m, dict) else m
        for m in output
    ]


@example_rule(
    code="JG264",
    name="identical-preference-outputs",
    severity=WARNING,
    summary="preferred_output and non_preferred_output are the same reply, so the pair teaches "
    "nothing.",
    hint="Give the non-preferred output the reply the model should move away from.",
    bad=_dpo(f'"messages": [{_Q}]', _BAD_P, _BAD_P),
    good=_dpo(f'"messages": [{_Q}]'),
    rule_sets=DPO,
)
def identical_preference_outputs(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    outputs = dict(_outputs(example))
    preferred, non_preferred = outputs.get(OUTPUTS[0]), outputs.get(OUTPUTS[1])
    if preferred and non_preferred and _comparable(preferred) == _comparable(non_preferred):
        yield "preferred_output and non_preferred_output are identical"


def _defined_functions(inp: dict[str, Any]) -> set[str] | None:
    """Function names of input.tools / input.functions; None when neither is given."""
    if not isinstance(inp.get("tools"), list) and not isinstance(inp.get("functions"), list):
        return None
    names = set()
    for tool in inp.get("tools") or []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.add(function["name"])
    for function in inp.get("functions") or []:
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.add(function["name"])
    return names


def _called(message: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    for j, call in tool_calls(message):
        function = call.get("function")
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            yield ("tool_calls", j, "function", "name"), function["name"]
    function = message.get("function_call")
    if isinstance(function, dict) and isinstance(function.get("name"), str):
        yield ("function_call", "name"), function["name"]


@example_rule(
    code="JG265",
    name="preference-output-calls-unknown-function",
    severity=ERROR,
    summary="A DPO output calls a function that input.tools does not define.",
    hint="Add the function to input.tools, or fix the name in the output's tool call.",
    bad=_dpo(
        '"tools": [{"type": "function", "function": {"name": "track_order"}}], '
        f'"messages": [{_Q}]',
        '[{"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", '
        '"function": {"name": "track_parcel", "arguments": "{}"}}]}]',
    ),
    good=_dpo(
        '"tools": [{"type": "function", "function": {"name": "track_order"}}], '
        f'"messages": [{_Q}]',
        '[{"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", '
        '"function": {"name": "track_order", "arguments": "{}"}}]}]',
    ),
    rule_sets=DPO,
)
def preference_output_calls_unknown_function(
    example: dict[str, Any], ctx: ExampleContext
) -> Iterator[str]:
    inp = _input(example)
    defined = _defined_functions(inp) if inp is not None else None
    if defined is None:
        return  # no tool definitions given: nothing to check the calls against
    for key, i, message in _output_messages(example):
        for path, name in _called(message):
            if name not in defined:
                known = ", ".join(sorted(defined)) or "none"
                yield (
                    f"{path_of(key, i, *path)} calls {name!r}, which input.tools does not "
                    f"define (defined: {known})"
                )


# -- RFT ----------------------------------------------------------------------------------------


@example_rule(
    code="JG270",
    name="rft-final-message-not-user",
    severity=ERROR,
    summary="A reinforcement fine-tuning example does not end with a user message.",
    hint="End messages with the user's request: the model's answer is sampled and graded, not "
    "given (data with a final assistant reply is SFT data).",
    bad="(an RFT example whose messages end with an assistant reply, --model o4-mini)",
    good="(an RFT example whose messages end with the user's question, --model o4-mini)",
    rule_sets=RFT,
)
def rft_final_message_not_user(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    if ctx.messages and ctx.messages[-1][1].get("role") != "user":
        index, message = ctx.messages[-1]
        yield (
            f"{path_of('messages', index)} ({message.get('role')}) is the last message; in "
            "RFT the final message must be from the user (the model's answer is graded)"
        )


# -- legacy prompt/completion -------------------------------------------------------------------


@example_rule(
    code="JG276",
    name="empty-completion",
    severity=ERROR,
    summary="A legacy example's completion is empty, so there is nothing to learn.",
    hint="Write the completion the model should produce, or drop the example "
    "(OpenAI's prepare_data tool must remove such rows: a necessary fix).",
    bad='{"prompt": "Do you fit tubeless tires?", "completion": ""}',
    good='{"prompt": "Do you fit tubeless tires?", "completion": " Yes, while you wait."}',
    rule_sets=COMPLETION,
)
def empty_completion(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    # openai 0.28 non_empty_field_validator: `completion == ""` (or null) is a necessary
    # remediation; a whitespace completion passes it (JG277 warns).
    if example.get("completion") == "":
        yield "completion is empty"


@example_rule(
    code="JG277",
    name="blank-completion",
    severity=WARNING,
    summary="A legacy example's completion is only whitespace. OpenAI's legacy validators "
    "accept it, but the model learns to answer with nothing.",
    hint="Write the completion the model should produce, or drop the example.",
    bad='{"prompt": "Do you fit tubeless tires?", "completion": " \\n"}',
    good='{"prompt": "Do you fit tubeless tires?", "completion": " Yes, while you wait."}',
    rule_sets=COMPLETION,
)
def blank_completion(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    completion = example.get("completion")
    if isinstance(completion, str) and completion and not completion.strip():
        yield "completion is only whitespace"
