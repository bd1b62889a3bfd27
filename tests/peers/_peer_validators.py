"""The providers' own validators, called the way their tools call them (docs/peers.md).

* Together: ``together.utils.check_file`` (together 1.5.x), what ``together files check``
  and ``client.files.upload(check=True)`` run. It reads a file and stops at its first
  bad line; the verdict is ``is_check_passed``.
* Mistral: mistral-common's ``MistralRequestValidatorV3`` in finetuning mode, which
  mistral-finetune's ``utils/validate_data.py`` runs on every line. mistral-finetune
  itself is not a package: ``_mistral_messages`` turns a line into mistral-common's
  message objects as its ``build_instruct_sample`` does (role -> message class; the
  assistant's ``weight``; ``tool_calls``; ``tool_call_id``; unknown keys ignored), but
  keeps system messages in the list as mistral-common's own finetuning tests do.

The peers are imported lazily: the module loads without them, and the tests skip
(or, on CI, fail) when they are missing.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

# together prints an upgrade banner on import. (Its tqdm bars go to the captured stderr;
# TQDM_DISABLE here would switch off tqdm for every later test in the worker: tqdm
# reads it once, on import.)
os.environ.setdefault("TOGETHER_NO_BANNER", "1")


def together_verdict(lines: list[bytes]) -> tuple[bool, str]:
    """(accepted, message) of together's check_file on a .jsonl file of these lines."""
    from together.utils.files import check_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        report = check_file(path)
    return bool(report["is_check_passed"]), str(report.get("message"))


def _mistral_messages(example: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    from mistral_common.protocol.instruct.messages import (
        FinetuningAssistantMessage,
        SystemMessage,
        ToolMessage,
        UserMessage,
    )
    from mistral_common.protocol.instruct.tool_calls import Tool, ToolCall

    messages: list[Any] = []
    for message in example["messages"]:
        role = message["role"]
        content = message.get("content")
        if role == "user":
            messages.append(UserMessage(content=content))
        elif role == "system":
            messages.append(SystemMessage(content=content))
        elif role == "tool":
            messages.append(
                ToolMessage(
                    content=content,
                    tool_call_id=message.get("tool_call_id"),
                    name=message.get("name"),
                )
            )
        elif role == "assistant":
            calls = message.get("tool_calls")
            messages.append(
                FinetuningAssistantMessage(
                    content=content,
                    tool_calls=None
                    if calls is None
                    else [ToolCall.model_validate(c) for c in calls],
                    weight=message.get("weight"),
                )
            )
        else:
            raise ValueError(f"unrecognized role {role!r}")
    tools = [Tool.model_validate(tool) for tool in example.get("tools") or []]
    return messages, tools


def mistral_verdict(line: bytes) -> tuple[bool, str]:
    """(accepted, message) of mistral-common's finetuning validation of one line."""
    from mistral_common.protocol.instruct.validator import (
        MistralRequestValidatorV3,
        ValidationMode,
    )

    try:
        example = json.loads(line)
        messages, tools = _mistral_messages(example)
        validator = MistralRequestValidatorV3(ValidationMode.finetuning)
        validator.validate_messages(messages)
        validator._validate_tools(tools)
    except Exception as error:  # the peer's verdict: anything it raises is a rejection
        return False, f"{type(error).__name__}: {error}"
    return True, ""
