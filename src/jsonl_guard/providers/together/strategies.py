"""Hypothesis strategies for the Together profiles, and for fireworks-chat (see ``__init__``).

fireworks-chat lives here too: it is OpenAI-compatible chat with Fireworks' models,
so its examples are plain role/content conversations.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from ...strategies._profiles import Example, corruption, edited

# Visible text, so no example is empty; "<|" never appears (JG250 on fireworks-chat).
_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs"), exclude_characters="<|"),
    max_size=50,
).map(lambda text: f"Q{text}.")
_IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
_HTTPS_IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/wheel.png"}}


def _content(text: str, parts: bool) -> Any:
    return [{"type": "text", "text": text}] if parts else text


def _conversation(draw: st.DrawFn, *, parts: bool, images: bool = False) -> list[dict[str, Any]]:
    """Alternating user/assistant turns after an optional system message."""
    messages: list[dict[str, Any]] = []
    if draw(st.booleans()):
        messages.append({"role": "system", "content": _content(draw(_TEXT), parts)})
    for _ in range(draw(st.integers(1, 3))):
        user: dict[str, Any] = {"role": "user", "content": _content(draw(_TEXT), parts)}
        if parts and images and draw(st.booleans()):
            user["content"].append(copy.deepcopy(_IMAGE))
            if draw(st.booleans()):
                user["weight"] = 0
        assistant: dict[str, Any] = {"role": "assistant", "content": _content(draw(_TEXT), parts)}
        if draw(st.booleans()):
            assistant["weight"] = draw(st.sampled_from([0, 1]))
        messages += [user, assistant]
    return messages


@st.composite
def conversation_examples(draw: st.DrawFn) -> Example:
    parts = draw(st.booleans())
    return {"messages": _conversation(draw, parts=parts, images=True)}


@st.composite
def preference_examples(draw: st.DrawFn) -> Example:
    turns = _conversation(draw, parts=False)
    for message in turns:
        message.pop("weight", None)
    return {
        "input": {"messages": turns[:-1]},
        "preferred_output": [{"role": "assistant", "content": draw(_TEXT)}],
        "non_preferred_output": [{"role": "assistant", "content": draw(_TEXT)}],
    }


@st.composite
def fireworks_examples(draw: st.DrawFn) -> Example:
    messages = _conversation(draw, parts=False)
    for message in messages:
        message.pop("weight", None)  # all-zero weights are an error (JG207) on OpenAI rules
    return {"messages": messages}


def _text_examples() -> st.SearchStrategy[Example]:
    return st.builds(lambda text: {"text": text}, _TEXT)


def _instruction_examples() -> st.SearchStrategy[Example]:
    return st.builds(lambda p, c: {"prompt": p, "completion": c}, _TEXT, _TEXT)


def _is_parts(example: Example) -> bool:
    return isinstance(example["messages"][0]["content"], list)


def _first(example: Example, role: str) -> dict[str, Any]:
    return next(m for m in example["messages"] if m["role"] == role)


def _repeat_user(example: Example) -> None:
    messages = example["messages"]
    i = next(n for n, m in enumerate(messages) if m["role"] == "user")
    messages.insert(i + 1, copy.deepcopy(messages[i]))


def _to_parts(example: Example) -> None:
    message = example["messages"][0]
    message["content"] = [{"type": "text", "text": message["content"]}]


def _unknown_role(example: Example) -> None:
    user = _first(example, "user")
    if isinstance(user["content"], list):  # an image outside a user turn is JG654's
        user["content"] = [part for part in user["content"] if part["type"] == "text"]
    user["role"] = "customer"


def _weighted_image(example: Example) -> None:
    user = _first(example, "user")
    user["content"].append(copy.deepcopy(_IMAGE))
    user["weight"] = 1


def _image_in_assistant(example: Example) -> None:
    assistant = _first(example, "assistant")
    assistant.pop("weight", None)  # a weighted image message is JG658's
    assistant["content"].append(copy.deepcopy(_IMAGE))


def _eleven_images(example: Example) -> None:
    user = _first(example, "user")
    user.pop("weight", None)
    user["content"] = [c for c in user["content"] if c["type"] == "text"]
    user["content"] += [copy.deepcopy(_IMAGE) for _ in range(11)]


CONVERSATION_CORRUPTIONS = [
    corruption("JG650", edited(lambda e: e.update(id=7))),
    corruption("JG651", edited(lambda e: _first(e, "assistant").update(weight=1.0))),
    corruption("JG652", edited(_repeat_user)),
    corruption("JG653", edited(lambda e: e.update(messages=[_first(e, "user")]))),
    corruption("JG201", edited(_unknown_role)),
    corruption("JG114", edited(lambda e: e.update(messages=[]))),
    corruption("JG654", edited(_image_in_assistant), _is_parts),
    corruption("JG655", edited(_eleven_images), _is_parts),
    corruption(
        "JG656",
        edited(lambda e: _first(e, "user")["content"].append(dict(_HTTPS_IMAGE))),
        _is_parts,
    ),
    corruption("JG658", edited(_weighted_image), _is_parts),
    corruption("JG659", edited(_to_parts), lambda e: not _is_parts(e)),
]


def _extra_preferred(example: Example) -> None:
    example["preferred_output"].append(copy.deepcopy(example["non_preferred_output"][0]))


PREFERENCE_CORRUPTIONS = [
    corruption("JG650", edited(lambda e: e.update(metadata={"source": "chat"}))),
    corruption("JG119", edited(_extra_preferred)),
    corruption(
        "JG660",
        edited(lambda e: e["input"]["messages"].append(copy.deepcopy(e["preferred_output"][0]))),
    ),
    corruption("JG651", edited(lambda e: e["input"]["messages"][-1].update(weight="1"))),
    corruption(
        "JG652",
        edited(lambda e: e["input"]["messages"].append(copy.deepcopy(e["input"]["messages"][-1]))),
    ),
]

PROFILE_EXAMPLES = {
    "together-text": _text_examples,
    "together-instruction": _instruction_examples,
    "together-conversation": conversation_examples,
    "together-preference": preference_examples,
    "fireworks-chat": fireworks_examples,
}

PROFILE_CORRUPTIONS = {
    "together-text": [
        corruption("JG650", edited(lambda e: e.update(id="row-1"))),
        corruption("JG116", edited(lambda e: e.update(text=42))),
        corruption("JG111", lambda e: b'"just a string"'),
    ],
    "together-instruction": [
        corruption("JG650", edited(lambda e: e.update(source="forum"))),
        corruption("JG116", edited(lambda e: e.update(completion=None))),
        corruption(
            "JG654",
            edited(lambda e: e.update(completion=[{"type": "text", "text": "Q."}, _IMAGE])),
        ),
    ],
    "together-conversation": CONVERSATION_CORRUPTIONS,
    "together-preference": PREFERENCE_CORRUPTIONS,
    "fireworks-chat": [
        corruption("JG201", edited(lambda e: _first(e, "user").update(role="customer"))),
        corruption("JG205", edited(lambda e: _first(e, "assistant").update(weight=0.5))),
        corruption("JG114", edited(lambda e: e.update(messages=[]))),
    ],
}
