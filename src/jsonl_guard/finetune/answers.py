"""Reading the OpenAI SDK's answers into the backend's neutral values, checking them first.

The SDK builds its objects without validating them: a proxy's HTML page comes back as a
``str``, ``{"unexpected": 1}`` as a ``FineTuningJob`` whose every field is ``None``, a
number where an id should be stays a number. ``AnswerReader`` checks each field the run
uses and raises ``UnexpectedAnswer`` naming the endpoint when one is not what the API
sends, so a wrong ``OPENAI_BASE_URL`` is one clear line, never an ``AttributeError``
and never a job "found" without an id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .backend import Job, JobError, JobEvent, Reply, UnexpectedAnswer

_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return _JSON_TYPES.get(type(value), "an object")


def _get(answer: Any, name: str) -> Any:
    """A field of an SDK object (or of a plain dict the SDK left as it was)."""
    if isinstance(answer, dict):
        return answer.get(name)
    return getattr(answer, name, None)


@dataclass(frozen=True)
class AnswerReader:
    """Reads the answers of one endpoint (``"POST /files"``) of the server at ``server``."""

    endpoint: str
    server: str

    def unexpected(self, what: str) -> UnexpectedAnswer:
        from .openai_client import using_azure

        variable = "AZURE_OPENAI_ENDPOINT" if using_azure() else "OPENAI_BASE_URL"
        return UnexpectedAnswer(
            f"the server at {self.server} answered {self.endpoint} with something that is "
            f"not the OpenAI API's answer ({what}); check {variable}: it must name the API "
            "(such as https://api.openai.com/v1), not a web page or a proxy's login page"
        )

    def _object(self, answer: Any) -> Any:
        if isinstance(answer, str | bytes):
            raise self.unexpected("a text body, not a JSON object")
        if answer is None or isinstance(answer, list | int | float | bool):
            raise self.unexpected(f"{_kind(answer)}, not a JSON object")
        return answer

    def text(self, answer: Any, name: str) -> str:
        value = _get(self._object(answer), name)
        if not isinstance(value, str) or not value:
            raise self.unexpected(f"{name!r} is {_kind(value)}, not a non-empty string")
        return value

    def optional_text(self, answer: Any, name: str) -> str | None:
        value = _get(self._object(answer), name)
        if value is not None and not isinstance(value, str):
            raise self.unexpected(f"{name!r} is {_kind(value)}, not a string")
        return value

    def optional_whole(self, answer: Any, name: str) -> int | None:
        value = _get(self._object(answer), name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.unexpected(f"{name!r} is {_kind(value)}, not a whole number")
        return value

    def items(self, page: Any) -> list[Any]:
        data = _get(self._object(page), "data")
        if not isinstance(data, list):
            raise self.unexpected(f"'data' is {_kind(data)}, not a list")
        return data

    def job(self, answer: Any) -> Job:
        """A ``FineTuningJob`` as a ``Job``; OpenAI's statuses are the neutral ones."""
        error = _get(self._object(answer), "error")
        message = None if error is None else self.optional_text(error, "message")
        return Job(
            id=self.text(answer, "id"),
            status=self.text(answer, "status"),
            fine_tuned_model=self.optional_text(answer, "fine_tuned_model"),
            trained_tokens=self.optional_whole(answer, "trained_tokens"),
            error=(
                JobError(
                    message,
                    self.optional_text(error, "code"),
                    self.optional_text(error, "param"),
                )
                if message
                else None
            ),
            created_at=self.optional_whole(answer, "created_at"),
        )

    def event(self, answer: Any) -> JobEvent:
        return JobEvent(
            self.text(answer, "id"),
            self.optional_whole(answer, "created_at") or 0,
            self.optional_text(answer, "level") or "info",
            self.optional_text(answer, "message") or "",
        )

    def reply(self, completion: Any) -> Reply | None:
        choices = _get(self._object(completion), "choices")
        if not isinstance(choices, list):
            raise self.unexpected(f"'choices' is {_kind(choices)}, not a list")
        if not choices:
            return None
        message = _get(self._object(choices[0]), "message")
        usage = _get(completion, "usage")
        return Reply(
            content=self.optional_text(message, "content") or "",
            completion_tokens=None
            if usage is None
            else self.optional_whole(usage, "completion_tokens"),
            finish_reason=self.optional_text(choices[0], "finish_reason"),
            refusal=self.optional_text(message, "refusal"),
        )


__all__ = ["AnswerReader"]
