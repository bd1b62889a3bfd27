"""Hugging Face TRL datasets: token counts with a user's tokenizer.json, as TRL builds them.

Loads a ``--tokenizer`` tokenizer.json offline (``load_tokenizer``) with the chat
template and special tokens of the tokenizer_config.json next to it, and counts each
sequence TRL builds from an example (``count_example``: language modeling,
prompt/completion, preference pairs, conversations), exactly with the tokenizer or
estimated without one. ``counting.py`` registers the token methods; the TRL rules are
in ``rules.py`` and ``training_rules.py``. Facts and sources:
docs/providers/huggingface.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ...tokens.backends import TokenizerUnavailableError
from ...tokens.chat_formula import ExampleTokens
from ...tokens.methods import TokenTools, strings, text_chars, text_only
from .memo import Memo
from .template import ChatTemplate, TemplateInvalid, TemplateRejected

__all__ = ["HFTokenizer", "TemplateRejected", "TokenizerFileError", "load_tokenizer"]

# Without a chat template, a message costs its role and content plus the four tokens
# ChatML wraps them in (<|im_start|>, "\n" after the role, <|im_end|>, "\n"): the most
# common open-model template shape, not a figure of any one model.
CHATML_TOKENS_PER_MESSAGE = 4
SPECIAL_TOKEN_KEYS = ("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token")


class TokenizerFileError(TokenizerUnavailableError):
    """A ``--tokenizer`` file that cannot be used; the CLI reports it as a usage error."""


@dataclass(frozen=True)
class HFTokenizer:
    """A loaded tokenizer.json and, when found next to it (or given), its chat template.

    ``specials``: the template variables transformers passes (its special-tokens map);
    ``added``: the ids of the added tokens (end-of-turn markers are added tokens);
    ``memo``: the current chunk, tokenized ahead in one batch (``memo.py``).
    """

    path: str
    tokenizer: Any  # tokenizers.Tokenizer
    template: ChatTemplate | None
    specials: dict[str, Any]
    added: frozenset[int] = frozenset()
    template_path: str = ""
    memo: Memo = field(default_factory=Memo, compare=False, repr=False)

    @property
    def eos(self) -> str:
        return str(self.specials.get("eos_token", ""))

    @property
    def bos(self) -> str:
        return str(self.specials.get("bos_token", ""))

    def doubled_bos(self, ids: list[int]) -> bool:
        """Whether ``ids`` open with the BOS token twice (a template or text that writes
        it, and a tokenizer that adds it again: TRL warns, the model trains on both)."""
        bos = self.tokenizer.token_to_id(self.bos) if self.bos else None
        return bos is not None and len(ids) > 1 and ids[0] == ids[1] == bos

    def count(self, text: str, *, specials: bool) -> int:
        return self.memo.count(self.tokenizer, text, specials)

    def encode(self, text: str, *, specials: bool) -> Any:
        """``text``'s ``tokenizers.Encoding`` (``ids``, ``offsets``)."""
        return self.memo.encode(self.tokenizer, text, specials)

    def render(
        self, messages: list[Any], *, generation: bool, tools: Any = None
    ) -> tuple[str, list[tuple[int, int]]]:
        """(text, generation spans): the chat template rendered as transformers'
        ``apply_chat_template`` does; ``TemplateRejected`` when it fails."""
        assert self.template is not None
        key = self.memo.render_key(messages, tools, generation)
        found = None if key is None else self.memo.renders.get(key)
        if found is None:
            found = self.template.render(
                messages, generation=generation, tools=tools, specials=self.specials
            )
            if key is not None:
                self.memo.renders[key] = found
        return found

    @property
    def description(self) -> str:
        import tokenizers

        version = getattr(tokenizers, "__version__", "?")
        if self.template is None:
            how = f"no chat template: role + content + {CHATML_TOKENS_PER_MESSAGE} tokens a message"
        elif self.template_path:
            how = f"with the chat template {self.template_path}"
        else:
            how = "with the chat template of tokenizer_config.json"
        return f"tokenizers {version}: {self.path} ({how})"


def _special(value: Any) -> str | None:
    """A special token as tokenizer_config.json stores it: a string or an AddedToken dict."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


def _compile_template(source: str, where: str) -> ChatTemplate | None:
    """The template set up like transformers' (None without jinja2)."""
    try:
        import jinja2  # noqa: F401 - only whether it is there
    except ImportError:
        return None
    try:
        return ChatTemplate(source)
    except TemplateInvalid as error:
        raise TokenizerFileError(f"{where}: {error}") from None


def _template_source(folder: Path, config: dict[str, Any]) -> str | None:
    jinja_file = folder / "chat_template.jinja"  # where newer transformers save it
    if jinja_file.is_file():
        return jinja_file.read_text("utf-8")
    template = config.get("chat_template")
    if isinstance(template, list):  # named templates: the "default" one
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        template = named.get("default")
    return template if isinstance(template, str) else None


def _specials(config: dict[str, Any]) -> dict[str, Any]:
    """transformers' ``special_tokens_map``: the set special tokens, and the extra ones."""
    specials: dict[str, Any] = {k: v for k in SPECIAL_TOKEN_KEYS if (v := _special(config.get(k)))}
    extra = config.get("additional_special_tokens") or config.get("extra_special_tokens")
    if isinstance(extra, list):
        names = [name for item in extra if (name := _special(item))]
        if names:
            specials["additional_special_tokens"] = names
    return specials


@cache
def load_tokenizer(path: str, chat_template: str | None = None) -> HFTokenizer:
    """Load ``path`` (offline) with its tokenizer_config.json; cached per path.
    ``chat_template``: a Jinja file that replaces the tokenizer's template."""
    if not Path(path).is_file():
        raise TokenizerFileError(f"tokenizer file {path} not found")
    try:
        from tokenizers import Tokenizer
    except ImportError:
        message = 'a tokenizer.json needs the tokenizers package: pip install "jsonl-guard[hf]"'
        raise TokenizerFileError(message) from None
    try:
        tokenizer = Tokenizer.from_file(path)
    except Exception as error:  # tokenizers raises plain Exception
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise TokenizerFileError(
            f"cannot load the tokenizer file {path}: {reason}. Pass the tokenizer.json of a "
            "Hugging Face model (a 'tokenizers' library file)"
        ) from None
    config_path = Path(path).with_name("tokenizer_config.json")
    config: dict[str, Any] = {}
    if config_path.is_file():
        try:
            loaded = json.loads(config_path.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise TokenizerFileError(f"cannot read {config_path}: {error}") from None
        config = loaded if isinstance(loaded, dict) else {}
    where = str(config_path)
    source = _template_source(Path(path).parent, config)
    if chat_template is not None:
        where = chat_template
        try:
            source = Path(chat_template).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            message = f"cannot read the chat template {chat_template}: {error}"
            raise TokenizerFileError(message) from None
    template = _compile_template(source, where) if source else None
    added = frozenset(tokenizer.get_added_tokens_decoder())
    return HFTokenizer(path, tokenizer, template, _specials(config), added, chat_template or "")


class SequenceCounter:
    """Counts the pieces of a TRL sequence: exactly with ``hf``, else estimated."""

    def __init__(self, hf: HFTokenizer | None, tools: TokenTools) -> None:
        self.hf, self.tools = hf, tools

    def text(self, text: str, *, whole: bool = True) -> int:
        """``whole``: a sequence TRL trains on, which gets the tokenizer's special tokens
        (BOS) and an EOS token unless the text already ends with it; else a bare piece."""
        if self.hf is None:
            return self.tools.estimate(len(text))
        if not whole:
            return self.hf.count(text, specials=False)
        eos = self.hf.eos
        return self.hf.count(text, specials=True) + (1 if eos and not text.endswith(eos) else 0)

    def start(self, text: str) -> int:
        """A prompt as the start of a sequence: special tokens in front, no EOS."""
        if self.hf is None:
            return self.tools.estimate(len(text))
        return self.hf.count(text, specials=True)

    def chat(self, messages: list[Any], *, generation: bool, tools: Any) -> int:
        if self.hf is None:
            return self.tools.estimate(text_chars(messages))
        if self.hf.template is not None:
            try:
                rendered = self.hf.render(messages, generation=generation, tools=tools)[0]
                # transformers encodes a rendered chat without adding special tokens again.
                return self.hf.count(rendered, specials=False)
            except Exception:  # the template rejects the example: count as without one
                pass
        total = 0
        for message in messages:
            if isinstance(message, dict):
                text = str(message.get("role", "")) + "".join(strings(message.get("content")))
                total += self.hf.count(text, specials=False) + CHATML_TOKENS_PER_MESSAGE
        if generation:
            total += self.hf.count("assistant", specials=False) + CHATML_TOKENS_PER_MESSAGE - 1
        return total


def _flat(value: Any) -> str:
    return value if isinstance(value, str) else "".join(strings(value))


def _sequence(counter: SequenceCounter, prompt: Any, answer: Any, tools: Any) -> tuple[int, int]:
    """(tokens of prompt + answer, tokens of the answer) as TRL tokenizes the pair."""
    if isinstance(prompt, list) and isinstance(answer, list):
        last = prompt[-1] if prompt else None
        generation = isinstance(last, dict) and last.get("role") in ("user", "tool")
        alone = counter.chat(prompt, generation=generation, tools=tools) if prompt else 0
        total = counter.chat(prompt + answer, generation=False, tools=tools)
        return total, max(total - alone, 0)
    # Standard (or mixed, which JG681 reports): TRL tokenizes prompt and prompt + answer.
    prompt_text, answer_text = _flat(prompt), _flat(answer)
    total = counter.text(prompt_text + answer_text)
    # The prompt as the start of that sequence: special tokens in front, no EOS.
    alone = counter.start(prompt_text)
    return total, max(total - alone, 0)


def extract_prompt(chosen: Any, rejected: Any) -> tuple[Any, Any, Any]:
    """TRL's ``extract_prompt``: the shared start of chosen and rejected is the prompt."""
    if not isinstance(chosen, (str, list)) or type(chosen) is not type(rejected):
        return chosen[:0] if isinstance(chosen, (str, list)) else "", chosen, rejected
    index = 0  # TRL's loop, kept as is (identical sides keep their last item as answer)
    for index in range(min(len(chosen), len(rejected))):
        if chosen[index] != rejected[index]:
            if chosen[index - 1] == " ":  # the space goes with the answer
                index -= 1
            break
    return chosen[:index], chosen[index:], rejected[index:]


def count_example(example: dict[str, Any], counter: SequenceCounter) -> ExampleTokens | None:
    """Total = the longest sequence TRL builds; assistant = its answer (completion) part."""
    tools = example.get("tools")
    if "prompt" in example and "completion" in example:
        total, answer = _sequence(counter, example["prompt"], example["completion"], tools)
        return text_only(total, answer)
    if "chosen" in example and "rejected" in example:
        if "prompt" in example:
            prompt, chosen, rejected = example["prompt"], example["chosen"], example["rejected"]
        else:
            prompt, chosen, rejected = extract_prompt(example["chosen"], example["rejected"])
        pairs = [_sequence(counter, prompt, side, tools) for side in (chosen, rejected)]
        return text_only(*max(pairs))
    if isinstance(example.get("messages"), list):
        messages = example["messages"]
        total = counter.chat(messages, generation=False, tools=tools)
        answers = sum(
            counter.text(_flat(m.get("content")), whole=False)
            for m in messages
            if isinstance(m, dict) and m.get("role") == "assistant"
        )
        return text_only(total, min(answers, total))
    if isinstance(example.get("text"), str):
        total = counter.text(example["text"])
        return text_only(total, total)  # language modeling: every token is trained
    return None
