"""Reading the ``together`` SDK's answers into the backend's neutral values, and the
facts of Together's fine-tuning API the backend needs (statuses, the run's tag).

The 1.x SDK parses every answer into pydantic models (``FinetuneResponse``,
``FinetuneEvent``, ``FileResponse``, ``ChatCompletionResponse``); their enums (a
status, an event level) are read by ``.value``, and each field the run uses is checked
here, so a job without an id or a reply that is not text raises ``UnexpectedAnswer``
naming the endpoint, never an ``AttributeError``.

Together's create takes no metadata or labels: the run's tag is the job's ``suffix``
(``job_suffix``), which Together also puts in the tuned model's name. The arguments of
the job (``job_parameters``) and the reading of the SDK's errors (``error_detail``,
``retry_after``) are here too: pure functions, kept beside the facts they follow.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import JsonlGuardError
from .backend import CANCELLED, FAILED, SUCCEEDED, Job, JobError, JobEvent, Reply, UnexpectedAnswer
from .record import RunRecord

# Together's ended statuses (the SDK's ``COMPLETED_STATUSES``) in the run's words; the
# others (pending, queued, running, compressing, uploading, cancel_requested) are shown
# as Together says them.
ENDED: Mapping[str, str] = {
    "completed": SUCCEEDED,
    "cancelled": CANCELLED,
    "error": FAILED,
    "user_error": FAILED,
}
# Together keeps a suffix of at most 40 characters (``fine_tuning.create``'s docstring).
MAX_SUFFIX = 40
# The run's job methods in Together's words (``fine_tuning.create(training_method=)``).
TRAINING_METHODS: Mapping[str, str] = {"supervised": "sft", "dpo": "dpo"}
# A server may ask for a longer wait (``retry-after``); beyond this it is not waited for.
MAX_RETRY_AFTER = 60.0
# Longest server text kept in a message (an HTML error page says nothing past this).
MAX_DETAIL = 300
# The event levels the SDK knows ("Info", "Warning", "Error", and the older lower-case
# words) in the run's words.
LEVELS: Mapping[str, str] = {"warning": "warn", "error": "error"}
# Event types that say why a job failed.
ERROR_EVENTS = frozenset({"JOB_ERROR", "JOB_USER_ERROR"})


def job_suffix(record: RunRecord) -> str:
    """The job's ``suffix``: the run's tag (its id), after the user's ``--suffix`` cut to
    what Together keeps; the same for every attempt of a run, so ``find_jobs`` finds it."""
    if not record.suffix:
        return f"jg-{record.run_id}"
    head = record.suffix[: MAX_SUFFIX - len(record.run_id) - 1].rstrip("-")
    return f"{head}-{record.run_id}"


def plain(value: Any) -> Any:
    """An SDK enum's value (``FinetuneJobStatus.STATUS_RUNNING`` -> ``"running"``)."""
    return getattr(value, "value", value)


def epoch_seconds(value: Any) -> int | None:
    """Together's ISO 8601 times (``2025-01-02T03:04:05.678Z``) as seconds since the epoch."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None  # a time without a zone cannot be compared with ours
    return int(moment.timestamp())


def _get(answer: Any, name: str) -> Any:
    if isinstance(answer, dict):
        return answer.get(name)
    return getattr(answer, name, None)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return type(value).__name__


class TogetherRefused(JsonlGuardError):
    """Together's SDK refused a request before sending it (its own checks)."""


@dataclass(frozen=True)
class TogetherReader:
    """Reads the answers of one endpoint (``"POST /fine-tunes"``) of the server at ``server``."""

    endpoint: str
    server: str

    def unexpected(self, what: str) -> UnexpectedAnswer:
        return UnexpectedAnswer(
            f"the server at {self.server} answered {self.endpoint} with something that is "
            f"not Together's API answer ({what}); check TOGETHER_BASE_URL: it must name the "
            "API (such as https://api.together.xyz/v1), not a web page or a proxy's login page"
        )

    def text(self, answer: Any, name: str) -> str:
        value = plain(_get(answer, name))
        if not isinstance(value, str) or not value:
            raise self.unexpected(f"{name!r} is {_kind(value)}, not a non-empty string")
        return value

    def optional_text(self, answer: Any, name: str) -> str | None:
        value = plain(_get(answer, name))
        if value is not None and not isinstance(value, str):
            raise self.unexpected(f"{name!r} is {_kind(value)}, not a string")
        return value or None

    def whole(self, answer: Any, name: str) -> int | None:
        value = _get(answer, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.unexpected(f"{name!r} is {_kind(value)}, not a whole number")
        return value

    def items(self, page: Any) -> list[Any]:
        data = _get(page, "data")
        if data is None:
            return []  # Together answers {"data": null} when there is nothing
        if not isinstance(data, list):
            raise self.unexpected(f"'data' is {_kind(data)}, not a list")
        return data

    def file(self, answer: Any) -> tuple[str, int | None]:
        """An uploaded file's id and size in bytes (``None``: not said)."""
        return self.text(answer, "id"), self.whole(answer, "bytes")

    def job(self, answer: Any, events: Sequence[Any] = ()) -> Job:
        """A ``FinetuneResponse`` as a ``Job``; ``events`` (the job's) say why it failed."""
        raw = self.text(answer, "status")
        status = ENDED.get(raw, raw)
        error = None
        if status == FAILED:
            found = failure_message([*(_get(answer, "events") or []), *events])
            message = found or f"Together ended the job with status {raw} and no message"
            error = JobError(message, code=raw)
        return Job(
            id=self.text(answer, "id"),
            status=status,
            fine_tuned_model=self.optional_text(answer, "output_name"),
            trained_tokens=self.whole(answer, "token_count"),
            error=error,
            created_at=epoch_seconds(_get(answer, "created_at")),
        )

    def event(self, answer: Any) -> JobEvent:
        created = _get(answer, "created_at")
        message = self.optional_text(answer, "message") or ""
        kind = self.optional_text(answer, "type") or ""
        level = (self.optional_text(answer, "level") or "info").lower()
        # Together's events carry no id; ``hash`` where it is given, else what the event says.
        identity = self.optional_text(answer, "hash") or f"{created}|{kind}|{message}"
        return JobEvent(identity, epoch_seconds(created) or 0, LEVELS.get(level, level), message)

    def reply(self, completion: Any) -> Reply | None:
        choices = _get(completion, "choices")
        if choices is None:
            raise self.unexpected("'choices' is null, not a list")
        if not isinstance(choices, list):
            raise self.unexpected(f"'choices' is {_kind(choices)}, not a list")
        if not choices:
            return None
        message = _get(choices[0], "message")
        content = _get(message, "content")
        if isinstance(content, list):  # content parts: the text ones, in order
            content = "".join(_get(part, "text") or "" for part in content)
        if content is not None and not isinstance(content, str):
            raise self.unexpected(f"'content' is {_kind(content)}, not text")
        usage = _get(completion, "usage")
        return Reply(
            content=content or "",
            completion_tokens=None if usage is None else self.whole(usage, "completion_tokens"),
            finish_reason=self.optional_text(choices[0], "finish_reason"),
        )


def job_parameters(record: RunRecord) -> dict[str, Any]:
    """The ``fine_tuning.create`` arguments for a run (LoRA, as Together's default)."""
    method = TRAINING_METHODS.get(record.method)
    if method is None:
        raise TogetherRefused(f"Together has no {record.method} fine-tuning job")
    parameters: dict[str, Any] = {
        "training_file": record.training_file_id,
        "model": record.model,
        "suffix": job_suffix(record),
        "training_method": method,
        "lora": True,
    }
    if method == "sft":
        parameters["train_on_inputs"] = "auto"  # the SDK's default, said so it warns of none
    if record.epochs is not None:
        parameters["n_epochs"] = record.epochs
    if record.validation_file_id is not None:
        # Together evaluates on the validation file only when asked for evaluations.
        parameters.update(validation_file=record.validation_file_id, n_evals=1)
    return parameters


def error_detail(error: BaseException) -> str:
    """The server's message in an SDK error, on one line and short."""
    response = getattr(error, "api_response", None)
    message = getattr(response, "message", None)
    text = message if isinstance(message, str) and message else str(error)
    if text.startswith("Error code:"):
        text = text.split("-", 1)[-1].strip()
    # The upload's errors: "<what>: <the body>, headers: {...}"; the body's message is it.
    for prefix in ("Unexpected error raised by endpoint:", "Error during file upload:"):
        if text.startswith(prefix):
            text = text.removeprefix(prefix).split(", headers: ", 1)[0].strip()
    with contextlib.suppress(ValueError, AttributeError, TypeError):
        text = str(json.loads(text)["error"]["message"]) or text
    return " ".join(text.split())[:MAX_DETAIL] or type(error).__name__


def retry_after(error: Exception) -> float | None:
    """The wait the server asked for (``retry-after-ms`` / ``retry-after`` in seconds)."""
    headers = getattr(error, "headers", None) or {}
    if not isinstance(headers, Mapping):
        return None
    lowered = {str(name).lower(): value for name, value in headers.items()}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            seconds = float(lowered.get(name, "")) * scale
        except (TypeError, ValueError):
            continue
        if 0 < seconds <= MAX_RETRY_AFTER:
            return seconds
    return None


def failure_message(events: Sequence[Any]) -> str | None:
    """Why a job failed: the last error event's message (Together puts it in the job's
    events, not in a field of the job)."""
    for event in reversed(events):
        kind, level = plain(_get(event, "type")), plain(_get(event, "level"))
        message = _get(event, "message")
        is_error = kind in ERROR_EVENTS or str(level or "").lower() == "error"
        if is_error and isinstance(message, str) and message:
            return message
    return None


def run_tag(item: Any, record: RunRecord) -> str | None:
    """``"tagged"``: the job carries the run's suffix; ``"untagged"``: it carries no suffix
    but was started from the run's training file for its model (a server that drops the
    suffix); ``None``: not the run's."""
    suffix = job_suffix(record)
    given = plain(_get(item, "suffix"))
    output = plain(_get(item, "output_name"))
    if given == suffix or (isinstance(output, str) and f"-{suffix}" in output):
        return "tagged"
    started_from = _get(item, "training_file") == record.training_file_id
    if not given and started_from and _get(item, "model") == record.model:
        return "untagged"
    return None


__all__ = [
    "ENDED",
    "MAX_DETAIL",
    "MAX_SUFFIX",
    "TRAINING_METHODS",
    "TogetherReader",
    "TogetherRefused",
    "epoch_seconds",
    "error_detail",
    "failure_message",
    "job_parameters",
    "job_suffix",
    "plain",
    "retry_after",
    "run_tag",
]
