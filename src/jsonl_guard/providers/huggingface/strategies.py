"""Hypothesis strategies for the Hugging Face TRL profiles (see ``__init__``).

Each TRL type comes in both formats: standard (strings) and conversational (message
lists), never mixed within one example (JG681).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from ...strategies._profiles import Example, corruption, edited

# Short printable text: well under the default 1,024-token sequence length even when
# estimated, so no example comes near JG401/JG403/JG680.
_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=60
).map(lambda text: f"Q{text}.")
Messages = list[dict[str, Any]]


def _message(role: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda text: {"role": role, "content": text}, _TEXT)


def _prompt_messages() -> st.SearchStrategy[Messages]:
    """A conversational prompt: optional system message, turns, ending with the user."""

    def build(turns: int, system: bool) -> st.SearchStrategy[Messages]:
        roles = ["system"] * system + ["user", "assistant"] * turns + ["user"]
        return st.tuples(*(_message(role) for role in roles)).map(list)

    return st.tuples(st.integers(0, 2), st.booleans()).flatmap(lambda args: build(*args))


def _answer() -> st.SearchStrategy[Messages]:
    return _message("assistant").map(lambda message: [message])


def _either(
    standard: st.SearchStrategy[Example], conversational: st.SearchStrategy[Example]
) -> st.SearchStrategy[Example]:
    return st.one_of(standard, conversational)


def language_modeling_examples() -> st.SearchStrategy[Example]:
    return st.builds(lambda text: {"text": text}, _TEXT)


def messages_examples() -> st.SearchStrategy[Example]:
    return st.builds(
        lambda prompt, answer: {"messages": prompt + answer}, _prompt_messages(), _answer()
    )


def prompt_completion_examples() -> st.SearchStrategy[Example]:
    return _either(
        st.builds(lambda p, c: {"prompt": p, "completion": c}, _TEXT, _TEXT),
        st.builds(lambda p, c: {"prompt": p, "completion": c}, _prompt_messages(), _answer()),
    )


def _pair(good: Any, bad: Any) -> tuple[Any, Any]:
    """chosen and rejected, never identical (JG684)."""
    if isinstance(bad, str):
        return good, bad + " (worse)"
    return good, [{"role": "assistant", "content": bad[0]["content"] + " (worse)"}]


def preference_examples() -> st.SearchStrategy[Example]:
    def build(prompt: Any, good: Any, bad: Any) -> Example:
        chosen, rejected = _pair(good, bad)
        return {"prompt": prompt, "chosen": chosen, "rejected": rejected}

    return _either(
        st.builds(build, _TEXT, _TEXT, _TEXT),
        st.builds(build, _prompt_messages(), _answer(), _answer()),
    )


def implicit_preference_examples() -> st.SearchStrategy[Example]:
    def build(prompt: Any, good: Any, bad: Any) -> Example:
        chosen, rejected = _pair(good, bad)
        if isinstance(prompt, str):
            return {"chosen": f"{prompt} {chosen}", "rejected": f"{prompt} {rejected}"}
        return {"chosen": prompt + chosen, "rejected": prompt + rejected}

    return _either(
        st.builds(build, _TEXT, _TEXT, _TEXT),
        st.builds(build, _prompt_messages(), _answer(), _answer()),
    )


def unpaired_preference_examples() -> st.SearchStrategy[Example]:
    def build(pair: Example, label: bool) -> Example:
        return {**pair, "label": label}

    return st.builds(build, prompt_completion_examples(), st.booleans())


def _mix(example: Example) -> None:
    """Turn the answer field(s) into the other format than the prompt's."""
    for key in ("completion", "chosen"):
        if key in example:
            value = example[key]
            example[key] = (
                [{"role": "assistant", "content": value}]
                if isinstance(value, str)
                else value[0]["content"]
            )
            return


def _system_last(example: Example) -> None:
    example["prompt"].append({"role": "system", "content": "Answer briefly."})


def _same(example: Example) -> None:
    example["rejected"] = copy.deepcopy(example["chosen"])


def _conversational_prompt(example: Example) -> bool:
    return isinstance(example.get("prompt"), list)


def _set(key: str, value: Any) -> Callable[[Example], None]:
    return lambda example: example.__setitem__(key, value)


PROFILE_EXAMPLES = {
    "trl-language-modeling": language_modeling_examples,
    "trl-messages": messages_examples,
    "trl-prompt-completion": prompt_completion_examples,
    "trl-preference": preference_examples,
    "trl-implicit-preference": implicit_preference_examples,
    "trl-unpaired-preference": unpaired_preference_examples,
}
PROFILE_CORRUPTIONS = {
    "trl-language-modeling": [
        corruption("JG116", edited(_set("text", 42))),
        corruption("JG685", edited(_set("completion", "It ships today."))),
    ],
    "trl-messages": [
        corruption("JG201", edited(lambda e: e["messages"][0].__setitem__("role", "customer"))),
        corruption("JG114", edited(_set("messages", []))),
    ],
    "trl-prompt-completion": [
        corruption("JG681", edited(_mix)),
        corruption("JG682", edited(_system_last), _conversational_prompt),
        corruption("JG685", edited(_set("label", True))),
    ],
    "trl-preference": [
        corruption("JG681", edited(_mix)),
        corruption("JG682", edited(_system_last), _conversational_prompt),
        corruption("JG684", edited(_same)),
        corruption("JG685", edited(_set("label", True))),
        corruption("JG686", edited(lambda e: e.pop("rejected"))),
    ],
    "trl-implicit-preference": [
        corruption("JG684", edited(_same)),
        corruption("JG685", edited(_set("label", False))),
    ],
    "trl-unpaired-preference": [
        corruption("JG119", edited(_set("label", "yes"))),
        corruption("JG681", edited(_mix)),
        corruption("JG682", edited(_system_last), _conversational_prompt),
    ],
}
