"""jsonl-guard's render, token ids and assistant masks equal transformers' own.

For Hypothesis-generated conversations (multi-turn, system, tools, tool calls,
reasoning) and templates written here to imitate what matters (generation tags or
not, one dropping the system message, one stripping <think>, one ignoring tools, one
without EOS after assistant turns), ``providers/huggingface/masks.py`` must give the
ids and the assistant mask of ``apply_chat_template(..., tokenize=True,
return_dict=True, return_assistant_tokens_mask=True)``. The growing-prefix mask of a
template without tags must equal transformers' mask of the same template with the
assistant turns tagged. The tokenizer is a BPE trained here in milliseconds; the
test needs transformers (the [dev] extra) and no torch.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

tokenizers = pytest.importorskip("tokenizers")
transformers = pytest.importorskip("transformers")
logging.getLogger("transformers").setLevel(logging.ERROR)

from jsonl_guard.providers.huggingface.masks import (  # noqa: E402
    assistant_turns,
    dropped_content,
    token_mask,
)
from jsonl_guard.providers.huggingface.previews import pair_tokens  # noqa: E402
from jsonl_guard.providers.huggingface.tokens import load_tokenizer  # noqa: E402

SPECIALS = ["<s>", "</s>", "<|im_start|>", "<|im_end|>", "<pad>"]
WORDS = ["order", "ships", "today", "bike", "brake", "chain", "tyre", "refund", "think", "42"]

# {gen} / {end} mark where the tagged variant puts {% generation %} / {% endgeneration %}.
HEADER = "<|im_start|>{{ m.role }}\n"
TEMPLATES = {
    "chatml": (
        "{{ bos_token }}{% for m in messages %}"
        "{% if m.role == 'assistant' %}<|im_start|>assistant\n{gen}"
        "{% if m.reasoning_content %}<think>{{ m.reasoning_content }}</think>{% endif %}"
        "{{ m.content }}{% for c in m.tool_calls or [] %}<call>{{ c.function.name }} "
        "{{ c.function.arguments | tojson }}</call>{% endfor %}<|im_end|>\n{end}"
        "{% elif m.role == 'system' %}" + HEADER + "{{ m.content }}"
        "{% if tools %} tools: {{ tools | tojson }}{% endif %}<|im_end|>\n"
        "{% else %}" + HEADER + "{{ m.content }}<|im_end|>\n{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    ),
    "drops_system": (
        "{% for m in messages if m.role != 'system' %}" + HEADER + "{% if m.role == 'assistant' %}"
        "{gen}{{ m.content }}<|im_end|>\n{end}{% else %}{{ m.content }}<|im_end|>\n{% endif %}"
        "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    ),
    "strips_think": (
        "{% for m in messages %}" + HEADER + "{% if m.role == 'assistant' %}{gen}"
        "{{ m.content.split('</think>')[-1] }}<|im_end|>\n{end}"
        "{% else %}{{ m.content }}<|im_end|>\n{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    ),
    "ignores_tools": (
        "{% for m in messages %}{% if m.role == 'tool' %}{% continue %}{% endif %}" + HEADER + ""
        "{% if m.role == 'assistant' %}{gen}{{ m.content }}<|im_end|>\n{end}"
        "{% else %}{{ m.content }}<|im_end|>\n{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    ),
    "no_eos": (
        "{% for m in messages %}[{{ m.role }}] {% if m.role == 'assistant' %}{gen}"
        "{{ m.content }}\n{end}{% else %}{{ m.content }}\n{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}[assistant] {% endif %}"
    ),
}


def variant(name: str, tagged: bool) -> str:
    source = TEMPLATES[name]
    if tagged:
        return source.replace("{gen}", "{% generation %}").replace("{end}", "{% endgeneration %}")
    return source.replace("{gen}", "").replace("{end}", "")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tokenizer folder as a Hub download holds it, written once for the module."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    path = tmp_path_factory.mktemp("model")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    corpus = [" ".join(WORDS), "<think> tools: call name arguments assistant user system"] * 20
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer)
    tok.save(str(path / "tokenizer.json"))
    config = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>"}
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    (path / "tokenizer_config.json").write_text(json.dumps(config), "utf-8")
    for name in TEMPLATES:
        for tagged in (False, True):
            (path / f"{name}-{tagged}.jinja").write_text(variant(name, tagged), "utf-8")
    return path


@pytest.fixture(scope="module")
def reference(folder: Path) -> Any:
    return transformers.AutoTokenizer.from_pretrained(str(folder))


text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)
call = st.builds(
    lambda name, arg: {"type": "function", "function": {"name": name, "arguments": {"q": arg}}},
    st.sampled_from(["lookup", "refund"]),
    text,
)


@st.composite
def conversations(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    messages: list[dict[str, Any]] = []
    if draw(st.booleans()):
        messages.append({"role": "system", "content": draw(text)})
    for _ in range(draw(st.integers(1, 3))):
        messages.append({"role": "user", "content": draw(text)})
        answer: dict[str, Any] = {"role": "assistant", "content": draw(text)}
        kind = draw(st.sampled_from(["plain", "reasoning", "inline", "call"]))
        if kind == "reasoning":
            answer["reasoning_content"] = draw(text)
        elif kind == "inline":
            answer["content"] = f"<think>{draw(text)}</think>{answer['content']}"
        elif kind == "call":
            answer["tool_calls"] = [draw(call)]
            messages.append(answer)
            messages.append({"role": "tool", "content": draw(text)})
            answer = {"role": "assistant", "content": draw(text)}
        messages.append(answer)
    tools = None
    if draw(st.booleans()):
        tools = [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]
    return messages, tools


def ours(folder: Path, name: str, tagged: bool, messages: list[Any], tools: Any) -> Any:
    hf = load_tokenizer(str(folder / "tokenizer.json"), str(folder / f"{name}-{tagged}.jinja"))
    assert hf.template is not None
    rendered, spans = hf.template.render(
        messages, generation=False, tools=tools, specials=hf.specials
    )
    encoding = hf.tokenizer.encode(rendered, add_special_tokens=False)
    if not tagged:
        spans = [span for _, span in assistant_turns(hf, messages, tools, rendered)]
    return rendered, encoding.ids, token_mask(encoding.offsets, spans)


def theirs(reference: Any, folder: Path, name: str, messages: list[Any], tools: Any) -> Any:
    out = reference.apply_chat_template(
        messages,
        tools=tools,
        chat_template=variant(name, True),
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    return list(out["input_ids"]), list(out["assistant_masks"])


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(conversation=conversations())
def test_ids_and_masks_equal_transformers(
    name: str, conversation: Any, folder: Path, reference: Any
) -> None:
    messages, tools = conversation
    ids, mask = theirs(reference, folder, name, messages, tools)
    rendered = reference.apply_chat_template(
        messages, tools=tools, chat_template=variant(name, True), tokenize=False
    )
    tagged_text, tagged_ids, tagged_mask = ours(folder, name, True, messages, tools)
    assert (tagged_text, tagged_ids, tagged_mask) == (rendered, ids, mask)
    # Without the tags: the same ids, and the growing prefixes find the tagged spans.
    plain_text, plain_ids, plain_mask = ours(folder, name, False, messages, tools)
    assert (plain_text, plain_ids, plain_mask) == (rendered, ids, mask)


def common_prefix(a: list[int], b: list[int]) -> int:
    """trl.data_utils.common_prefix_length, written out (trl needs torch)."""
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prompt=text, answer=text.map(lambda t: " " + t), ends_with_eos=st.booleans())
def test_string_pairs_tokenize_as_trl_tokenizes_them_with_transformers(
    prompt: str, answer: str, ends_with_eos: bool, folder: Path, reference: Any
) -> None:
    """TRL's non-conversational prompt-completion and preference sides: the EOS appended
    as text unless there, ``processing_class(text=...)`` of the prompt and of prompt +
    answer, the answer from where they stop agreeing."""
    answer += reference.eos_token if ends_with_eos else ""
    hf = load_tokenizer(str(folder / "tokenizer.json"))
    ids, start = pair_tokens(hf, prompt, answer, None)
    completion = answer if answer.endswith(reference.eos_token) else answer + reference.eos_token
    prompt_ids = list(reference(text=prompt)["input_ids"])
    full = list(reference(text=prompt + completion)["input_ids"])
    assert (ids, start) == (full, common_prefix(prompt_ids, full))


@pytest.mark.parametrize("name", ["chatml", "drops_system"])
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(conversation=conversations())
def test_conversational_pairs_tokenize_as_apply_chat_template(
    name: str, conversation: Any, folder: Path, reference: Any
) -> None:
    """A conversational DPO/KTO side: the prompt rendered with the generation prompt,
    prompt + answer without, the answer from where the two ids stop agreeing."""
    messages, tools = conversation
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    prompt, answer = messages[:last], messages[last:]
    hf = load_tokenizer(str(folder / "tokenizer.json"), str(folder / f"{name}-False.jinja"))
    ids, start = pair_tokens(hf, prompt, answer, tools)
    template = variant(name, False)

    def apply(chat: list[Any], generation: bool) -> list[int]:
        out = reference.apply_chat_template(
            chat, tools=tools, chat_template=template, add_generation_prompt=generation,
            tokenize=True, return_dict=True,
        )  # fmt: skip
        return list(out["input_ids"])

    full = apply(prompt + answer, False)
    assert (ids, start) == (full, common_prefix(apply(prompt, True), full))


def test_dropped_content_names_what_each_template_loses(folder: Path) -> None:
    messages = [
        {"role": "system", "content": "bike shop"},
        {"role": "user", "content": "order"},
        {"role": "assistant", "content": "<think>chain tyre</think>ships today"},
        {"role": "tool", "content": "refund 42"},
        {"role": "assistant", "content": "brake"},
    ]
    found = {}
    for name in TEMPLATES:
        hf = load_tokenizer(str(folder / "tokenizer.json"), str(folder / f"{name}-False.jinja"))
        assert hf.template is not None
        rendered = hf.template.render(messages, generation=False, specials=hf.specials)[0]
        found[name] = dropped_content(messages, None, rendered)
    assert found["drops_system"] == ("messages[0].content (system)",)
    assert found["strips_think"] == ("messages[2].content <think> (assistant)",)
    assert found["ignores_tools"] == ("messages[3].content (tool)",)
    assert found["chatml"] == found["no_eos"] == ()


def test_the_reference_runs_without_torch() -> None:
    import importlib.util

    assert importlib.util.find_spec("torch") is None or pytest.skip("torch is installed here")
