"""Hugging Face TRL datasets: token counts with a user's tokenizer.json, as TRL builds them.

Loads a ``--tokenizer`` tokenizer.json offline (``load_tokenizer``) with the chat
template and special tokens of the tokenizer_config.json next to it, and counts each
sequence TRL builds from an example (``count_example``: language modeling,
prompt/completion, preference pairs, conversations), exactly with the tokenizer or
estimated without one. It registers the ``hf-tokenizer`` and ``hf-tokenizer-file``
token methods; the TRL rules are in ``huggingface.py``. Facts and sources:
docs/providers/huggingface.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ...errors import JsonlGuardError
from ...tokens.backends import TokenizerUnavailableError, is_tokenizer_file
from ...tokens.chat_formula import ExampleTokens
from ...tokens.methods import TokenTools, strings, text_only, token_method

# Without a chat template, a message costs its role and content plus the four tokens
# ChatML wraps them in (<|im_start|>, "\n" after the role, <|im_end|>, "\n"): the most
# common open-model template shape, not a figure of any one model.
CHATML_TOKENS_PER_MESSAGE = 4
SPECIAL_TOKEN_KEYS = ("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token")


class TokenizerFileError(TokenizerUnavailableError):
    """A ``--tokenizer`` file that cannot be used; the CLI reports it as a usage error."""


class TemplateRejected(JsonlGuardError):
    """A chat template's ``raise_exception``: the template does not take this example.

    Caught where the template is rendered (the example is counted without it); it
    never reaches a command.
    """


@dataclass(frozen=True)
class HFTokenizer:
    """A loaded tokenizer.json and, when found next to it, its chat template."""

    path: str
    tokenizer: Any  # tokenizers.Tokenizer
    template: Any  # jinja2.Template | None
    specials: dict[str, str]

    @property
    def eos(self) -> str:
        return self.specials.get("eos_token", "")

    def count(self, text: str, *, specials: bool) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=specials).ids)

    def render(self, messages: list[Any], *, generation: bool, tools: Any = None) -> str:
        """The chat template rendered as transformers' ``apply_chat_template`` does."""
        text: str = self.template.render(
            messages=messages, add_generation_prompt=generation, tools=tools, **self.specials
        )
        return text

    @property
    def description(self) -> str:
        import tokenizers

        version = getattr(tokenizers, "__version__", "?")
        how = (
            "with the chat template of tokenizer_config.json"
            if self.template is not None
            else f"no chat template: role + content + {CHATML_TOKENS_PER_MESSAGE} tokens a message"
        )
        return f"tokenizers {version}: {self.path} ({how})"


def _special(value: Any) -> str | None:
    """A special token as tokenizer_config.json stores it: a string or an AddedToken dict."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


def _template_error(message: str) -> None:
    raise TemplateRejected(message)


def _compile_template(source: str) -> Any:
    """jinja2 set up like transformers' chat templates (None without jinja2)."""
    try:
        import jinja2.ext
        from jinja2.sandbox import ImmutableSandboxedEnvironment
    except ImportError:
        return None
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = lambda value, indent=None: json.dumps(
        value, ensure_ascii=False, indent=indent
    )
    env.globals["raise_exception"] = _template_error
    try:
        return env.from_string(source)
    except jinja2.TemplateError as error:
        message = f"the chat template next to the tokenizer is invalid: {error}"
        raise TokenizerFileError(message) from None


def _template_source(folder: Path, config: dict[str, Any]) -> str | None:
    jinja_file = folder / "chat_template.jinja"  # where newer transformers save it
    if jinja_file.is_file():
        return jinja_file.read_text("utf-8")
    template = config.get("chat_template")
    if isinstance(template, list):  # named templates: the "default" one
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        template = named.get("default")
    return template if isinstance(template, str) else None


@cache
def load_tokenizer(path: str) -> HFTokenizer:
    """Load ``path`` (offline) with its tokenizer_config.json; cached per path."""
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
    specials = {k: v for k in SPECIAL_TOKEN_KEYS if (v := _special(config.get(k)))}
    source = _template_source(Path(path).parent, config)
    template = _compile_template(source) if source else None
    return HFTokenizer(path, tokenizer, template, specials)


class _Counter:
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
            return self.tools.estimate(sum(len(text) for text in strings(messages)))
        if self.hf.template is not None:
            try:
                rendered = self.hf.render(messages, generation=generation, tools=tools)
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


def _sequence(counter: _Counter, prompt: Any, answer: Any, tools: Any) -> tuple[int, int]:
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


def count_example(example: dict[str, Any], counter: _Counter) -> ExampleTokens | None:
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
        hf = load_tokenizer(tools.tokenizer)
        tools.used = tools.used or hf.description
        return count_example(example, _Counter(hf, tools))
    if not tools.used:
        tools.used = f"estimate: {tools.chars_per_token:g} characters per token (no --tokenizer)"
    return count_example(example, _Counter(None, tools))


# The same counting, declared exact: the core uses it instead of "hf-tokenizer" when a
# tokenizer.json is given (``with_tokenizer_file``).
token_method(
    "hf-tokenizer-file",
    exact=True,
    description="exact: Hugging Face tokenizers with the --tokenizer file (chat template from "
    "tokenizer_config.json, else role + content + 4 tokens a message)",
)(hf_tokens)
