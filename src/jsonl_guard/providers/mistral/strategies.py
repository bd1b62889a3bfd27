"""Hypothesis strategies for the Mistral profiles (see ``__init__``)."""

from __future__ import annotations

import copy
import string
from typing import Any

from hypothesis import strategies as st

from ...strategies._profiles import Example, corruption, edited

_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs")), max_size=50
).map(lambda text: f"Q{text}.")
_ID = st.text(alphabet=string.ascii_letters + string.digits, min_size=9, max_size=9)
_TOOL = {
    "type": "function",
    "function": {
        "name": "track_order",
        "description": "Where an order is",
        "parameters": {"type": "object", "properties": {"order": {"type": "string"}}},
    },
}


def _tool_turn(draw: st.DrawFn) -> list[dict[str, Any]]:
    """An assistant tool call, its answer, and the assistant's reply."""
    call_id = draw(_ID)
    call = {
        "id": call_id,
        "type": "function",
        "function": {"name": "track_order", "arguments": '{"order": "SW-1"}'},
    }
    return [
        {"role": "assistant", "tool_calls": [call]},
        {"role": "tool", "content": '{"status": "shipped"}', "tool_call_id": call_id},
        {"role": "assistant", "content": draw(_TEXT)},
    ]


def _content(draw: st.DrawFn, parts: bool) -> Any:
    """A text, or (mistral-common takes both) a list of text parts."""
    text = draw(_TEXT)
    return [{"type": "text", "text": text}] if parts else text


@st.composite
def chat_examples(draw: st.DrawFn) -> Example:
    parts = draw(st.booleans())
    messages: list[dict[str, Any]] = []
    if draw(st.booleans()):
        messages.append({"role": "system", "content": _content(draw, parts)})
    tools = False
    for _ in range(draw(st.integers(1, 3))):
        messages.append({"role": "user", "content": _content(draw, parts)})
        if draw(st.booleans()):
            messages += _tool_turn(draw)
            tools = True
        else:
            reply: dict[str, Any] = {"role": "assistant", "content": _content(draw, parts)}
            if draw(st.booleans()):
                reply["weight"] = draw(st.sampled_from([0, 1]))
            messages.append(reply)
    example: Example = {"messages": messages}
    if tools:
        example["tools"] = [copy.deepcopy(_TOOL)]
    return example


def _has_tools(example: Example) -> bool:
    return any("tool_calls" in m for m in example["messages"])


def _call_turn(example: Example) -> int:
    return next(i for i, m in enumerate(example["messages"]) if "tool_calls" in m)


def _rename_ids(example: Example) -> None:
    i = _call_turn(example)
    example["messages"][i]["tool_calls"][0]["id"] = "call_1"
    example["messages"][i + 1]["tool_call_id"] = "call_1"


def _drop_id(example: Example) -> None:
    del example["messages"][_call_turn(example)]["tool_calls"][0]["id"]


def _answer_twice(example: Example) -> None:
    i = _call_turn(example) + 1
    example["messages"].insert(i, copy.deepcopy(example["messages"][i]))


def _wrong_answer(example: Example) -> None:
    i = _call_turn(example) + 1
    old = example["messages"][i]["tool_call_id"]
    example["messages"][i]["tool_call_id"] = "Zz" + old[2:] if old[:2] != "Zz" else "Yy" + old[2:]


def _tool_after_user(example: Example) -> None:
    i = next(n for n, m in enumerate(example["messages"]) if m["role"] == "user")
    tool = {"role": "tool", "content": "{}", "tool_call_id": "abcdefghi"}
    example["messages"].insert(i + 1, tool)


def _leave_unanswered(example: Example) -> None:
    del example["messages"][_call_turn(example) + 1]  # the tool answer; a reply follows


def _lone_reply(example: Example) -> None:
    example["messages"] = [example["messages"][-1]]


def _bad_schema(example: Example) -> None:
    example["tools"][0]["function"]["parameters"]["type"] = "objekt"


def _first(example: Example, role: str) -> dict[str, Any]:
    return next(m for m in example["messages"] if m["role"] == role)


PROFILE_EXAMPLES = {
    "mistral": chat_examples,
    "mistral-pretrain": lambda: st.builds(lambda text: {"text": text}, _TEXT),
}

PROFILE_CORRUPTIONS = {
    "mistral": [
        corruption(
            "JG670", edited(lambda e: e["messages"].append({"role": "user", "content": "?"}))
        ),
        corruption("JG671", edited(_tool_after_user)),
        corruption("JG672", edited(_rename_ids), _has_tools),
        corruption("JG673", edited(_drop_id), _has_tools),
        corruption("JG674", edited(_answer_twice), _has_tools),
        corruption("JG675", edited(_wrong_answer), _has_tools),
        corruption(
            "JG676",
            edited(lambda e: e["messages"][_call_turn(e)].update(content="Let me check.")),
            _has_tools,
        ),
        corruption("JG677", edited(_leave_unanswered), _has_tools),
        corruption("JG678", edited(_lone_reply)),
        corruption("JG679", edited(_bad_schema), _has_tools),
        corruption("JG205", edited(lambda e: e["messages"][-1].update(weight=0.5))),
        corruption("JG206", edited(lambda e: _first(e, "user").update(weight=1))),
        corruption("JG201", edited(lambda e: _first(e, "user").update(role="customer"))),
    ],
    "mistral-pretrain": [
        corruption("JG116", edited(lambda e: e.update(text=["a", "b"]))),
        corruption("JG111", lambda e: b"[1, 2]"),
    ],
}
