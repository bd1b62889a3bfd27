"""Strategies for OpenAI's DPO, RFT and legacy completion profiles (chat: strategies.py)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from ...strategies._profiles import Example, corruption

# Plain words: no special-token text, never empty or whitespace only.
_TEXT = st.text(
    st.characters(categories=["L", "N"], include_characters=" .,?!'-"), min_size=1, max_size=60
).filter(lambda text: text.strip() != "")
_SYSTEM = st.sampled_from(
    ["You are Spokewise's support assistant.", "Answer briefly and politely.", ""]
)


def _message(role: str, text: str) -> dict[str, Any]:
    return {"role": role, "content": text}


@st.composite
def dpo_examples(draw: st.DrawFn) -> Example:
    system = draw(_SYSTEM)
    messages = [_message("system", system)] if system else []
    messages.append(_message("user", draw(_TEXT)))
    preferred = draw(_TEXT)
    # Distinct outputs: identical ones are a warning (JG264).
    non_preferred = draw(_TEXT.filter(lambda text: text != preferred))
    return {
        "input": {"messages": messages},
        "preferred_output": [_message("assistant", preferred)],
        "non_preferred_output": [_message("assistant", non_preferred)],
    }


@st.composite
def rft_examples(draw: st.DrawFn) -> Example:
    messages = []
    if draw(st.booleans()):
        messages.append(_message("developer", draw(_TEXT)))
    if draw(st.booleans()):  # earlier turns are context
        messages += [_message("user", draw(_TEXT)), _message("assistant", draw(_TEXT))]
    messages.append(_message("user", draw(_TEXT)))
    example: Example = {"messages": messages}
    # Any other top-level key is a grader reference.
    for key in draw(st.lists(st.sampled_from(["reference_answer", "label", "rubric"]), max_size=2)):
        example[key] = draw(_TEXT)
    return example


@st.composite
def completion_examples(draw: st.DrawFn) -> Example:
    return {"prompt": draw(_TEXT) + "\n\n###\n\n", "completion": " " + draw(_TEXT) + "\n"}


def _with(example: Example, change: Any) -> Example:
    changed = copy.deepcopy(example)
    change(changed)
    return changed


def _two_preferred(example: Example) -> Example:
    return _with(example, lambda e: e["preferred_output"].append(_message("assistant", "More.")))


def _system_last_in_input(example: Example) -> Example:
    return _with(
        example, lambda e: e["input"]["messages"].append(_message("system", "Mention returns."))
    )


def _bot_first_in_input(example: Example) -> Example:
    return _with(example, lambda e: e["input"]["messages"].insert(0, _message("bot", "Hi.")))


def _image_in_input(example: Example) -> Example:
    def change(e: Example) -> None:
        last = e["input"]["messages"][-1]
        last["content"] = [
            {"type": "text", "text": last["content"]},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        ]

    return _with(example, change)


def _rft_assistant_last(example: Example) -> Example:
    return _with(example, lambda e: e["messages"].append(_message("assistant", "Answer.")))


def _rft_system(example: Example) -> Example:
    return _with(example, lambda e: e["messages"].insert(0, _message("system", "Be brief.")))


def _completion_missing(example: Example) -> Example:
    return {"prompt": example["prompt"]}


def _completion_empty(example: Example) -> Example:
    return {**example, "completion": ""}


PROFILE_EXAMPLES = {
    "openai-dpo": dpo_examples,
    "openai-rft": rft_examples,
    "openai-completion": completion_examples,
}

PROFILE_CORRUPTIONS = {
    "openai-dpo": [
        corruption("JG260", _two_preferred),
        corruption("JG260", lambda e: {k: v for k, v in e.items() if k != "preferred_output"}),
        corruption("JG262", _system_last_in_input),
        corruption("JG263", _image_in_input),
        corruption("JG201", _bot_first_in_input),
        corruption("JG110", lambda e: b'{"input": {"messages": [}'),
    ],
    "openai-rft": [
        corruption("JG270", _rft_assistant_last),
        corruption("JG201", _rft_system),
        corruption("JG114", lambda e: {**e, "messages": []}),
    ],
    "openai-completion": [
        corruption("JG275", _completion_missing),
        corruption("JG275", lambda e: {**e, "prompt": 7}),
        corruption("JG276", _completion_empty),
    ],
}
