"""Hypothesis strategies for the Vertex AI Gemini profiles (see ``__init__``)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from ...strategies._profiles import Example, corruption

# Printable text with a visible character, so no example trips the empty-text rule.
_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=60
).map(lambda text: f"Q{text}.")
_URI = st.from_regex(r"gs://[a-z][a-z0-9-]{2,20}/[a-z0-9/_-]{1,30}\.(jpg|png|pdf)", fullmatch=True)


def _text_part() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda text: {"text": text}, _TEXT)


def _file_part() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda uri: {"fileData": {"mimeType": "image/jpeg", "fileUri": uri}}, _URI)


def _turn(role: str, files: bool) -> st.SearchStrategy[dict[str, Any]]:
    part = st.one_of(_text_part(), _file_part()) if files and role == "user" else _text_part()
    return st.builds(
        lambda parts: {"role": role, "parts": parts}, st.lists(part, min_size=1, max_size=3)
    )


def _system() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda text: {"parts": [{"text": text}]}, _TEXT)


def _conversation(files: bool, end: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Alternating turns from the user, ending with ``end``."""

    def build(pairs: int) -> st.SearchStrategy[list[dict[str, Any]]]:
        roles = ["user", "model"] * pairs + (["user"] if end == "user" else [])
        return st.tuples(*(_turn(role, files) for role in roles)).map(list)

    return st.integers(1, 3).flatmap(build)


def sft_examples() -> st.SearchStrategy[Example]:
    def build(contents: list[dict[str, Any]], system: dict[str, Any] | None) -> Example:
        example: Example = {"contents": contents}
        if system is not None:
            example["systemInstruction"] = system
        return example

    return st.builds(build, _conversation(True, "model"), st.none() | _system())


def preference_examples() -> st.SearchStrategy[Example]:
    def build(contents: list[dict[str, Any]], good: str, bad: str, first: bool) -> Example:
        scored = [
            {"score": 1, "completion": {"role": "model", "parts": [{"text": good}]}},
            {"score": 0, "completion": {"role": "model", "parts": [{"text": bad + " (no)"}]}},
        ]
        return {"contents": contents, "completions": scored if first else scored[::-1]}

    return st.builds(build, _conversation(False, "user"), _TEXT, _TEXT, st.booleans())


def _with(example: Example, change: Any) -> Example:
    copied = copy.deepcopy(example)
    change(copied)
    return copied


def _last(role: str) -> Any:
    return lambda e: [c for c in e["contents"] if c["role"] == role][-1]


PROFILE_EXAMPLES = {"vertex-gemini": sft_examples, "vertex-gemini-preference": preference_examples}

_SHARED = [
    corruption("JG111", lambda e: [e]),
    corruption("JG113", lambda e: {k: v for k, v in e.items() if k != "contents"}),
    corruption("JG114", lambda e: {**e, "contents": []}),
    corruption("JG201", lambda e: _with(e, lambda c: c["contents"][0].update(role="human"))),
    corruption("JG116", lambda e: _with(e, lambda c: c["contents"][0].update(parts=[]))),
    corruption("JG614", lambda e: {**e, "systemInstruction": "Be brief."}),
    corruption("JG110", lambda e: b'{"contents": [}'),
]

PROFILE_CORRUPTIONS = {
    "vertex-gemini": [
        *_SHARED,
        corruption(
            "JG602",
            lambda e: _with(e, lambda c: c.update(contents=c["contents"][:1])),
        ),
        corruption(
            "JG601",
            lambda e: _with(e, lambda c: c["contents"].insert(0, copy.deepcopy(c["contents"][0]))),
        ),
        corruption(
            "JG605",
            lambda e: _with(
                e,
                lambda c: c["contents"][0]["parts"].append(
                    {"fileData": {"mimeType": "image/png", "fileUri": "/tmp/a.png"}}
                ),
            ),
        ),
        corruption(
            "JG606",
            lambda e: _with(
                e,
                lambda c: _last("model")(c)["parts"][0].update(
                    text="a", fileData={"mimeType": "image/png", "fileUri": "gs://b/a.png"}
                ),
            ),
        ),
    ],
    "vertex-gemini-preference": [
        *_SHARED,
        corruption(
            "JG608",
            lambda e: _with(e, lambda c: [s.update(score=1) for s in c["completions"]]),
        ),
        corruption(
            "JG609",
            lambda e: _with(
                e, lambda c: c["contents"].append({"role": "model", "parts": [{"text": "Hi."}]})
            ),
        ),
        corruption(
            "JG610",
            lambda e: _with(
                e,
                lambda c: c["contents"][-1]["parts"].append(
                    {"fileData": {"mimeType": "image/png", "fileUri": "gs://b/a.png"}}
                ),
            ),
        ),
    ],
}
