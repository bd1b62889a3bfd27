"""Fireworks AI for the fine-tune backend: the client, its settings, its errors, its answers.

``fireworks-ai`` is an optional dependency (``pip install "jsonl-guard[fireworks]"``),
imported only when a command needs it. What it reads from the environment, as the SDK
does (``fireworks/_client.py``): ``FIREWORKS_API_KEY`` (required), ``FIREWORKS_ACCOUNT_ID``
(the account every control-plane path names; ``--account`` wins) and
``FIREWORKS_BASE_URL`` (a proxy or a test server: the SDK then sends the jobs *and* chat
under it, chat as ``{base}/v1/chat/completions``, without the ``/inference`` prefix of
the default host; see ``shared/reference/platform-apis.md`` §4.1).

Nothing here prints, logs or returns a key.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import JsonlGuardError
from ..untrusted import safe
from .answers import AnswerReader
from .backend import CANCELLED, FAILED, SUCCEEDED, Job, JobError, UnexpectedAnswer
from .record import RunRecord

if TYPE_CHECKING:
    import fireworks

INSTALL_HINT = 'pip install "jsonl-guard[fireworks]"'
ACCOUNT_VARIABLE = "FIREWORKS_ACCOUNT_ID"
KEY_VARIABLE = "FIREWORKS_API_KEY"
BASE_URL_VARIABLE = "FIREWORKS_BASE_URL"
# A server may ask for a longer wait (``retry-after``); beyond this it is not waited for.
MAX_RETRY_AFTER = 60.0
# Fireworks resource ids (accounts, datasets, jobs, models): lower-case letters, digits
# and hyphens, at most 63 characters (docs.fireworks.ai/getting-started/concepts).
_RESOURCE_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")

# How a job ends (``JOB_STATE_*``, fireworks/types/supervised_fine_tuning_job.py). An
# early-stopped job wrote its model (platform-apis.md §4.3); an expired one did not.
ENDED_STATES = {
    "JOB_STATE_COMPLETED": SUCCEEDED,
    "JOB_STATE_EARLY_STOPPED": SUCCEEDED,
    "JOB_STATE_FAILED": FAILED,
    "JOB_STATE_EXPIRED": FAILED,
    "JOB_STATE_CANCELLED": CANCELLED,
}


class FireworksSettingsError(JsonlGuardError):
    """A Fireworks setting (account, base URL, API key) missing or malformed; or no SDK."""


def resource_id(text: str) -> str:
    """``text`` as a Fireworks resource id: lower case, other characters as hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:63].rstrip("-") or "jsonl-guard"


def check_account(account: str | None) -> str:
    """The account id, checked offline; a usage error naming ``--account`` and the variable."""
    if account is None or not account.strip():
        raise FireworksSettingsError(
            f"no Fireworks account: pass --account ID or set {ACCOUNT_VARIABLE} (the id in "
            "your models' names, accounts/<ID>/models/...); nothing was uploaded"
        )
    if not _RESOURCE_ID.fullmatch(account):
        raise FireworksSettingsError(
            f"invalid Fireworks account {safe(account)!r} (--account / {ACCOUNT_VARIABLE}): "
            "an account id is lower-case letters, digits and hyphens, e.g. my-team"
        )
    return account


def check_base_url() -> None:
    """``FIREWORKS_BASE_URL``, when set, is an http(s) URL with a host and a valid port."""
    value = os.environ.get(BASE_URL_VARIABLE, "").strip()
    if not value:
        return
    try:
        url = urlsplit(value)
        url.port  # noqa: B018 - parsing the port is the check (out of range: ValueError)
    except ValueError as error:
        raise FireworksSettingsError(
            f"invalid {BASE_URL_VARIABLE} {safe(value)!r}: {error}"
        ) from None
    if url.scheme not in ("http", "https") or not url.hostname:
        raise FireworksSettingsError(
            f"invalid {BASE_URL_VARIABLE} {safe(value)!r}: it must be an http:// or https:// "
            "URL with a host, e.g. https://api.fireworks.ai"
        )


def make_client(account: str, timeout: float | None) -> fireworks.Fireworks:
    """A ``fireworks.Fireworks`` client for ``account`` with the SDK's retries off (the
    backend retries, and never a job creation)."""
    try:
        import fireworks as sdk
    except ImportError:
        raise FireworksSettingsError(
            f"the fireworks platform needs the fireworks-ai package: run `{INSTALL_HINT}`"
        ) from None
    check_base_url()
    api_key = os.environ.get(KEY_VARIABLE, "").strip()
    if not api_key:
        raise FireworksSettingsError(
            f"no Fireworks API key: set {KEY_VARIABLE} (fireworks.ai, Account, API keys)"
        )
    base_url = os.environ.get(BASE_URL_VARIABLE, "").strip() or None
    try:
        return sdk.Fireworks(
            api_key=api_key, account_id=account, base_url=base_url, max_retries=0, timeout=timeout
        )
    except (sdk.FireworksError, ValueError) as error:
        text = safe(str(error), (api_key,))
        raise FireworksSettingsError(f"cannot configure the Fireworks client: {text}") from None


def server(client: Any) -> str:
    """The API's base URL without credentials, for messages."""
    try:
        url = urlsplit(str(client.base_url))
        port = f":{url.port}" if url.port else ""
        return f"{url.scheme}://{url.hostname}{port}{url.path.rstrip('/')}"
    except (AttributeError, ValueError):
        return "the Fireworks API"


def describe_api_error(error: BaseException, step: str, secrets: tuple[str, ...]) -> str | None:
    """``"<step> failed: <why>"`` on one line for an error of the SDK; ``None`` otherwise."""
    import fireworks as sdk

    if not isinstance(error, sdk.FireworksError):
        return None
    if isinstance(error, sdk.APITimeoutError):
        text = "the request timed out (after retries); try again later"
    elif isinstance(error, sdk.APIConnectionError):
        cause = error.__cause__ or error.__context__
        detail = f": {cause}" if cause is not None and str(cause) else ""
        text = (
            f"cannot connect to {_where(error)}{detail} (after retries); check your network "
            f"and {BASE_URL_VARIABLE}"
        )
    elif isinstance(error, sdk.AuthenticationError):
        text = f"the API rejected the credentials (HTTP 401): set {KEY_VARIABLE} to a valid key"
    elif isinstance(error, sdk.PermissionDeniedError):
        text = (
            f"permission denied (HTTP 403): {_message(error)}; check that the key in "
            f"{KEY_VARIABLE} belongs to the account (--account / {ACCOUNT_VARIABLE})"
        )
    elif isinstance(error, sdk.RateLimitError):
        text = f"rate limited (HTTP 429) after retries: {_message(error)}; try again later"
    elif isinstance(error, sdk.NotFoundError):
        text = f"not found (HTTP 404): {_message(error)}; check the model and account names"
    elif isinstance(error, sdk.APIStatusError):
        retried = " after retries" if error.status_code >= 500 else ""
        text = f"HTTP {error.status_code}{retried}: {_message(error)}"
    else:
        text = str(error) or type(error).__name__
    return safe(" ".join(f"{step} failed: {text}".split()), secrets)


def _message(error: Any) -> str:
    """The server's own message: ``{"error": {"message"}}`` (inference, OpenAI's shape) or
    ``{"code", "message"}`` (the control plane's gRPC-gateway shape)."""
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"]).strip().rstrip(".")
        if isinstance(body.get("message"), str):
            return str(body["message"]).strip().rstrip(".")
    return re.sub(r"^Error code: \d+ - ", "", str(error.message)) or type(error).__name__


def _where(error: Any) -> str:
    try:
        url = urlsplit(str(error.request.url))
    except (AttributeError, RuntimeError, ValueError):
        return "the Fireworks API"
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.hostname}{port}" if url.hostname else "the Fireworks API"


class FireworksAnswers(AnswerReader):
    """Reads the answers of one Fireworks endpoint, checking what the run uses."""

    def unexpected(self, what: str) -> UnexpectedAnswer:
        return UnexpectedAnswer(
            f"the server at {self.server} answered {self.endpoint} with something that is "
            f"not the Fireworks API's answer ({what}); check {BASE_URL_VARIABLE}: it must "
            "name the API (such as https://api.fireworks.ai), not a web page or a proxy"
        )

    def job(self, answer: Any, account: str | None = None) -> Job:
        """A ``SupervisedFineTuningJob`` as a ``Job``: ``JOB_STATE_*`` while it runs, the
        neutral word once it ended; the tuned model's full name once it succeeded."""
        name = self.text(answer, "name")
        state = self.optional_text(answer, "state") or "JOB_STATE_UNSPECIFIED"
        status = ENDED_STATES.get(state, state)
        model = None
        if status == SUCCEEDED:
            output = self.optional_text(answer, "output_model") or name.rsplit("/", 1)[-1]
            model = (
                output if output.startswith("accounts/") else f"accounts/{account}/models/{output}"
            )
        return Job(
            id=name,
            status=status,
            fine_tuned_model=model,
            error=self._error(answer, state) if status in (FAILED, CANCELLED) else None,
            created_at=self._time(answer, "create_time"),
        )

    def _error(self, answer: Any, state: str) -> JobError:
        detail = getattr(answer, "status", None)
        message = None if detail is None else self.optional_text(detail, "message")
        code = None if detail is None else self.optional_text(detail, "code")
        if not message:
            message = "the job expired before it ran" if state == "JOB_STATE_EXPIRED" else state
        return JobError(message, code)

    @staticmethod
    def _time(answer: Any, name: str) -> int | None:
        """A time the SDK parsed (one it could not parse is left out: only ``find_jobs``'s
        fallback reads it)."""
        value = getattr(answer, name, None)
        return int(value.timestamp()) if isinstance(value, datetime) else None


def job_id_for(record: RunRecord) -> str:
    """The job id this run asks for: Fireworks names the job with it."""
    return resource_id(f"jg-{record.run_id}")


def display_name(record: RunRecord) -> str:
    return f"jsonl-guard {record.run_id}" + (f" {record.suffix}" if record.suffix else "")


def base_model(model: str) -> str:
    """The model's full Fireworks name (``llama-v3p1-8b-instruct`` is an alias of
    ``accounts/fireworks/models/llama-v3p1-8b-instruct`` in the model table)."""
    from ..engine.models import UnknownModelError, resolve_model

    if model.startswith("accounts/"):
        return model
    try:
        return resolve_model(model).table_name
    except UnknownModelError:
        return model


def job_parameters(record: RunRecord) -> dict[str, Any]:
    """The ``supervised_fine_tuning_jobs.create`` arguments for a run."""
    parameters: dict[str, Any] = {
        "dataset": record.training_file_id,
        "base_model": base_model(record.model),
        "supervised_fine_tuning_job_id": job_id_for(record),
        "display_name": display_name(record),
    }
    if record.suffix:  # the tuned model's id: accounts/{account}/models/<suffix>-<run id>
        parameters["output_model"] = resource_id(f"{record.suffix}-{record.run_id}")
    if record.epochs is not None:
        parameters["epochs"] = record.epochs
    if record.validation_file_id is not None:
        parameters["evaluation_dataset"] = record.validation_file_id
    return parameters


def retry_after(error: Exception) -> float | None:
    """The wait the server asked for (``retry-after-ms`` / ``retry-after`` in seconds)."""
    headers = getattr(getattr(error, "response", None), "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            seconds = float(headers.get(name, "")) * scale
        except (TypeError, ValueError):
            continue
        if 0 < seconds <= MAX_RETRY_AFTER:
            return seconds
    return None


__all__ = [
    "ACCOUNT_VARIABLE",
    "BASE_URL_VARIABLE",
    "ENDED_STATES",
    "INSTALL_HINT",
    "KEY_VARIABLE",
    "FireworksAnswers",
    "FireworksSettingsError",
    "base_model",
    "check_account",
    "check_base_url",
    "describe_api_error",
    "display_name",
    "job_id_for",
    "job_parameters",
    "make_client",
    "resource_id",
    "retry_after",
    "server",
]
