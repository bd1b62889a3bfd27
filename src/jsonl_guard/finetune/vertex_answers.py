"""Vertex AI's answers as the backend's neutral values, and smoke messages as Gemini contents.

google-genai parses every answer into pydantic objects without requiring any field: a
``TuningJob`` from ``{}`` has no name and no state. ``VertexAnswers`` checks the fields
the run uses and raises ``UnexpectedAnswer`` naming the endpoint, so a wrong
``GOOGLE_VERTEX_BASE_URL`` is one clear line. The objects are read by attribute only:
this module imports no SDK.

Job states: the platform's word (``JOB_STATE_RUNNING``) while the job runs; once it has
ended exactly ``succeeded``, ``failed`` or ``cancelled``. ``JOB_STATE_EXPIRED`` and
``JOB_STATE_PARTIALLY_SUCCEEDED`` are failures, with a message saying so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import JsonlGuardError
from .backend import CANCELLED, FAILED, SUCCEEDED, Job, JobError, Reply, UnexpectedAnswer

ENDED_AS = {
    "JOB_STATE_SUCCEEDED": SUCCEEDED,
    "JOB_STATE_FAILED": FAILED,
    "JOB_STATE_CANCELLED": CANCELLED,
    "JOB_STATE_EXPIRED": FAILED,
    "JOB_STATE_PARTIALLY_SUCCEEDED": FAILED,
}
_WHY_FAILED = {
    "JOB_STATE_EXPIRED": "the job expired before it finished",
    "JOB_STATE_PARTIALLY_SUCCEEDED": "the job only partly succeeded: no tuned model is used",
}
# Gemini's finish reasons in the words of the smoke report (OpenAI's).
_FINISH = {"STOP": "stop", "MAX_TOKENS": "length"}
# Smoke-file roles (OpenAI's) -> Gemini's; system and developer become the system instruction.
_ROLES = {"user": "user", "assistant": "model"}


class UnsupportedMessage(JsonlGuardError):
    """A smoke message Gemini's generate_content cannot take as text."""


def word(value: Any) -> str | None:
    """An SDK enum's (or a plain string's) value: ``JOB_STATE_RUNNING``."""
    value = getattr(value, "value", value)
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class VertexAnswers:
    """Reads the answers of one endpoint (``"GET tuningJobs/{id}"``) of the server at ``server``."""

    endpoint: str
    server: str

    def unexpected(self, what: str) -> UnexpectedAnswer:
        return UnexpectedAnswer(
            f"the server at {self.server} answered {self.endpoint} with something that is not "
            f"Vertex AI's answer ({what}); check GOOGLE_VERTEX_BASE_URL: it must name the "
            "Vertex AI API (such as https://us-central1-aiplatform.googleapis.com) or a "
            "server that speaks it"
        )

    def job(self, answer: Any) -> Job:
        name = getattr(answer, "name", None)
        if not isinstance(name, str) or "/tuningJobs/" not in name:
            raise self.unexpected("a tuning job without its projects/.../tuningJobs/ID name")
        state = word(getattr(answer, "state", None))
        if state is None:
            raise self.unexpected(f"tuning job {name} has no state")
        status = ENDED_AS.get(state, state)
        tuned = getattr(answer, "tuned_model", None)
        endpoint = getattr(tuned, "endpoint", None)
        stamp = getattr(getattr(answer, "create_time", None), "timestamp", None)
        return Job(
            id=name,
            status=status,
            fine_tuned_model=endpoint
            if status == SUCCEEDED and isinstance(endpoint, str)
            else None,
            trained_tokens=billed_tokens(answer),
            error=job_error(answer, state) if status in (FAILED, CANCELLED) else None,
            created_at=int(stamp()) if callable(stamp) else None,
        )


def job_error(answer: Any, state: str) -> JobError | None:
    """Why the job ended without a model: Vertex's error (``code``, ``message``), with
    what its state means when that is not plain failure."""
    error = getattr(answer, "error", None)
    message = getattr(error, "message", None)
    code = getattr(error, "code", None)
    why = _WHY_FAILED.get(state)
    if why is not None:
        message = f"{why} ({state})" + (f": {message}" if message else "")
    if not isinstance(message, str) or not message:
        return None
    return JobError(message, code=None if code is None else str(code))


def billed_tokens(answer: Any) -> int | None:
    stats = getattr(
        getattr(answer, "tuning_data_stats", None), "supervised_tuning_data_stats", None
    )
    tokens = getattr(stats, "total_billable_token_count", None)
    return tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else None


def run_tag(answer: Any, key: str) -> str | None:
    labels = getattr(answer, "labels", None)
    value = labels.get(key) if isinstance(labels, Mapping) else None
    return value if isinstance(value, str) else None


def training_uri(answer: Any) -> str | None:
    """The gs:// URI the job trains on, whatever its method."""
    for spec in ("supervised_tuning_spec", "preference_optimization_spec"):
        uri = getattr(getattr(answer, spec, None), "training_dataset_uri", None)
        if isinstance(uri, str):
            return uri
    return None


def tuned_model_note(answer: Any) -> str | None:
    """``tuned model projects/.../models/ID@1, served at projects/.../endpoints/ID``."""
    tuned = getattr(answer, "tuned_model", None)
    model, endpoint = getattr(tuned, "model", None), getattr(tuned, "endpoint", None)
    if not isinstance(model, str) or not model:
        return None
    return f"tuned model {model}" + (f", served at {endpoint}" if endpoint else "")


def to_contents(messages: Sequence[Mapping[str, Any]]) -> tuple[str | None, list[dict[str, Any]]]:
    """Smoke messages (``role``/``content``) as Gemini's system instruction and contents."""
    system: list[str] = []
    contents: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        role = str(message.get("role"))
        text = _text(message.get("content"), index)
        if role in ("system", "developer"):
            system.append(text)
        elif role in _ROLES:
            contents.append({"role": _ROLES[role], "parts": [{"text": text}]})
        else:
            raise UnsupportedMessage(
                f"message {index + 1} has role {role!r}; generate_content on Vertex AI is sent "
                "system, user and assistant text only"
            )
    return ("\n\n".join(system) if system else None), contents


def _text(content: Any, index: int) -> str:
    if isinstance(content, str):
        return content
    texts = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, Mapping) or part.get("type") != "text":
            kind = part.get("type") if isinstance(part, Mapping) else type(part).__name__
            raise UnsupportedMessage(
                f"message {index + 1} has a {kind!r} part; only text parts are sent to Vertex AI"
            )
        texts.append(str(part.get("text", "")))
    return "".join(texts)


def reply(answers: VertexAnswers, response: Any) -> Reply | None:
    """The first candidate's text and the completion tokens; ``None`` without a candidate
    (unless the prompt was blocked, which is a refusal)."""
    candidates = getattr(response, "candidates", None)
    usage = getattr(response, "usage_metadata", None)
    tokens = getattr(usage, "candidates_token_count", None)
    tokens = tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else None
    if candidates is not None and not isinstance(candidates, list):
        raise answers.unexpected("'candidates' is not a list")
    if not candidates:
        blocked = word(getattr(getattr(response, "prompt_feedback", None), "block_reason", None))
        return Reply("", tokens, refusal=f"prompt blocked: {blocked}") if blocked else None
    candidate = candidates[0]
    parts = getattr(getattr(candidate, "content", None), "parts", None) or []
    text = "".join(
        part.text for part in parts if isinstance(getattr(part, "text", None), str)
        and not getattr(part, "thought", False)
    )  # fmt: skip
    reason = word(getattr(candidate, "finish_reason", None))
    finish = None if reason is None else _FINISH.get(reason, reason.lower())
    return Reply(text, tokens, finish_reason=finish)


__all__ = [
    "ENDED_AS",
    "UnsupportedMessage",
    "VertexAnswers",
    "billed_tokens",
    "job_error",
    "reply",
    "run_tag",
    "to_contents",
    "training_uri",
    "tuned_model_note",
    "word",
]
