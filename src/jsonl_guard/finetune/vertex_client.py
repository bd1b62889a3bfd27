"""Google Vertex AI for the fine-tune backend: its settings, SDK clients and errors.

``finetune.vertex_backend.VertexBackend`` uses ``google-genai`` in Vertex mode (tuning
jobs, ``generate_content``) and ``google-cloud-storage`` (the staged training file).
Both are optional (``pip install "jsonl-guard[vertex]"``) and imported on first use.

Settings: ``--project`` (else ``GOOGLE_CLOUD_PROJECT``), ``--location`` (else
``GOOGLE_CLOUD_LOCATION``; tuning runs in a region such as us-central1, so one is
required) and ``--staging-uri gs://BUCKET/PREFIX/`` (``finetune`` only). Credentials are
Application Default Credentials (``gcloud auth application-default login``,
``GOOGLE_APPLICATION_CREDENTIALS``, or the metadata server on Google Cloud), never a
setting and never written anywhere. ``GOOGLE_VERTEX_BASE_URL`` (read by google-genai
itself too) points the Vertex calls at another server, a proxy or a local fake, and
``STORAGE_EMULATOR_HOST`` the storage calls (read by google-cloud-storage).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..errors import JsonlGuardError
from ..untrusted import safe
from .settings import SettingsError

INSTALL_HINT = 'pip install "jsonl-guard[vertex]"'
BASE_URL_VARIABLE = "GOOGLE_VERTEX_BASE_URL"
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
# Project ids (``my-proj``, ``example.com:my-proj``) and numbers; regions (``us-central1``).
_PROJECT = re.compile(r"(?:[a-z0-9.-]+:)?[a-z0-9][a-z0-9-]*")
_LOCATION = re.compile(r"[a-z][a-z0-9-]*")
# Cloud Storage bucket names: 3-222 of a-z 0-9 . _ - (63 per dot-separated part).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]")


class VertexMissingError(JsonlGuardError, ImportError):
    """google-genai or google-cloud-storage is not installed."""

    def __init__(self, missing: str) -> None:
        super().__init__(
            f"fine-tuning on Vertex AI needs {missing}, which is not installed: "
            f"run `{INSTALL_HINT}`"
        )


class VertexCredentialsError(JsonlGuardError):
    """No usable Application Default Credentials."""


@dataclass(frozen=True)
class StagingUri:
    """``gs://BUCKET/PREFIX/``: where a run's files are staged for the tuning job."""

    bucket: str
    prefix: str  # "" or ends with "/"

    def object_name(self, run_id: str, file_name: str, variant: str = "") -> str:
        """``<prefix><run_id>/<file name>``: a run never writes another run's object."""
        return f"{self.prefix}{run_id}/{variant + '/' if variant else ''}{file_name}"

    def uri(self, name: str) -> str:
        return f"gs://{self.bucket}/{name}"

    def __str__(self) -> str:
        return self.uri(self.prefix)


def parse_staging_uri(value: str) -> StagingUri:
    """``gs://bucket/prefix/`` (a missing final ``/`` is added); a ``SettingsError`` else."""
    match = re.fullmatch(r"gs://([^/]+)/?(.*)", value.strip())
    why = "it must look like gs://BUCKET/PREFIX/"
    if match is not None and not _BUCKET.fullmatch(match.group(1)):
        why = f"{match.group(1)!r} is not a Cloud Storage bucket name"
    elif match is not None:
        prefix = match.group(2).strip("/")
        if "//" not in prefix and not re.search(r"[\x00-\x1f\x7f#?*\[\]]", prefix):
            return StagingUri(match.group(1), prefix + "/" if prefix else "")
        why = "the prefix holds '//', a control character or one of # ? * [ ]"
    raise SettingsError(f"invalid --staging-uri {safe(value)!r}: {why}")


def complete_settings(settings: dict[str, str], *, staging: bool) -> None:
    """Fill in the project and region from the environment, check every setting, and
    normalise ``staging_uri`` (required when ``staging``: ``finetune`` uploads there)."""
    for name, flag, variable, pattern, example in (
        ("project", "--project", "GOOGLE_CLOUD_PROJECT", _PROJECT, "my-project"),
        ("location", "--location", "GOOGLE_CLOUD_LOCATION", _LOCATION, "us-central1"),
    ):
        value = (settings.get(name) or os.environ.get(variable, "")).strip()
        if not value:
            why = " (tuning runs in a region)" if name == "location" else ""
            raise SettingsError(
                f"no Google Cloud {name}{why}: pass {flag} (e.g. {flag} {example}) or set "
                f"{variable}"
            )
        if not pattern.fullmatch(value):
            raise SettingsError(
                f"invalid Google Cloud {name} {safe(value)!r} (from {flag} or {variable}); "
                f"e.g. {example}"
            )
        settings[name] = value
    uri = settings.get("staging_uri")
    if uri is None and staging:
        raise SettingsError(
            "Vertex AI tunes from a file in Cloud Storage: pass --staging-uri gs://BUCKET/PREFIX/ "
            "(a bucket the credentials may write to; each run's files go under PREFIX/<run id>/)"
        )
    if uri is not None:
        settings["staging_uri"] = str(parse_staging_uri(uri))
    base_url()


def base_url() -> str | None:
    """``GOOGLE_VERTEX_BASE_URL`` when set: an http(s) URL with a host (checked here, as
    the HTTP library would fail with a traceback)."""
    value = os.environ.get(BASE_URL_VARIABLE, "").strip()
    if not value:
        return None
    try:
        url = urlsplit(value)
        url.port  # noqa: B018 - parsing the port is the check
    except ValueError as error:
        raise SettingsError(f"invalid {BASE_URL_VARIABLE} {safe(value)!r}: {error}") from None
    if url.scheme not in ("http", "https") or not url.hostname:
        raise SettingsError(
            f"invalid {BASE_URL_VARIABLE} {safe(value)!r}: it must be an http:// or https:// "
            "URL with a host, e.g. https://us-central1-aiplatform.googleapis.com"
        )
    return value


def import_sdks() -> None:
    """Import the SDKs now, with the install hint when one is missing."""
    for module, package in (
        ("google.genai", "google-genai"),
        ("google.cloud.storage", "google-cloud-storage"),
    ):
        try:
            __import__(module)
        except ImportError:
            raise VertexMissingError(package) from None


def default_credentials() -> Any:
    """Application Default Credentials, with an access token already fetched (so a
    missing or refused credential stops the run before any upload, and the token is
    known to be masked)."""
    import google.auth
    import google.auth.exceptions
    import google.auth.transport.requests

    credentials: Any  # google-auth's classes are partly untyped
    try:
        credentials, _ = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
    except google.auth.exceptions.DefaultCredentialsError as error:
        raise VertexCredentialsError(
            "no Google Cloud credentials (Application Default Credentials): run "
            "`gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS "
            f"to a service account key file ({_one_line(str(error))})"
        ) from None
    try:
        credentials.refresh(google.auth.transport.requests.Request())
    except google.auth.exceptions.GoogleAuthError as error:
        raise VertexCredentialsError(
            "cannot get an access token with the Application Default Credentials: "
            f"{_one_line(str(error))}; check GOOGLE_APPLICATION_CREDENTIALS or run "
            "`gcloud auth application-default login`"
        ) from None
    return credentials


def credential_secrets(credentials: Any) -> tuple[str, ...]:
    """The credential strings in use (token, refresh token, client secret), for masking."""
    names = ("token", "refresh_token", "client_secret")
    values = (getattr(credentials, name, None) for name in names)
    found = {value for value in values if isinstance(value, str) and len(value) >= 8}
    return tuple(sorted(found, key=len, reverse=True))  # longest first, as masking needs


# -- errors --------------------------------------------------------------------------------


def http_status(error: BaseException) -> int | None:
    """The HTTP status of an SDK error (google-genai's or google-api-core's), if any."""
    code = getattr(error, "code", None)
    if _is(error, "google.genai.errors", "APIError") or _is(
        error, "google.api_core.exceptions", "GoogleAPICallError"
    ):
        return code if isinstance(code, int) else None
    return None


def is_transport_error(error: BaseException) -> bool:
    """A lost connection or a timeout (httpx, httpx2, requests, google-auth)."""
    return (
        _is(error, "httpx", "TransportError")
        or _is(error, "httpx2", "TransportError")
        or _is(error, "requests.exceptions", "ConnectionError")
        or _is(error, "requests.exceptions", "Timeout")
        or _is(error, "google.auth.exceptions", "TransportError")
    )


def is_timeout(error: BaseException) -> bool:
    return (
        _is(error, "httpx", "TimeoutException")
        or _is(error, "httpx2", "TimeoutException")
        or _is(error, "requests.exceptions", "Timeout")
    )


def is_retryable(error: BaseException) -> bool:
    status = http_status(error)
    if status is not None:
        return status in (408, 429) or status >= 500
    if _is(error, "google.auth.exceptions", "RefreshError"):
        return bool(getattr(error, "retryable", False))
    return is_transport_error(error)


def describe(error: BaseException, step: str, secrets: tuple[str, ...]) -> str | None:
    """``"<step> failed: <why>"`` for an error of the SDKs; ``None`` for any other."""
    status = http_status(error)
    if status is not None:
        text = f"HTTP {status}{_status_word(error)}: {_server_message(error)}"
        retried = " (after retries)" if status in (408, 429) or status >= 500 else ""
        text += retried + _hint(status, step)
    elif is_transport_error(error):
        where = "Cloud Storage" if "upload" in step else "Vertex AI"
        what = "timed out" if is_timeout(error) else "failed"
        text = (
            f"the connection to {where} {what}: {error or type(error).__name__} (after retries);"
            f" check your network, {BASE_URL_VARIABLE} and STORAGE_EMULATOR_HOST"
        )
    elif _is(error, "google.auth.exceptions", "GoogleAuthError"):
        text = (
            f"the credentials were refused: {error}; check GOOGLE_APPLICATION_CREDENTIALS or "
            "run `gcloud auth application-default login`"
        )
    else:
        return None
    return safe(_one_line(f"{step} failed: {text}"), secrets)


def _status_word(error: BaseException) -> str:
    status = getattr(error, "status", None)  # google-genai: "RESOURCE_EXHAUSTED"
    return f" {status}" if isinstance(status, str) and status else ""


def _server_message(error: BaseException) -> str:
    """The server's own message: google-api-core's text also holds the URL and the raw
    body, so the JSON error's ``message`` is taken from the response when there is one."""
    response = getattr(error, "response", None)
    try:
        body = response.json() if response is not None else None
    except (AttributeError, TypeError, ValueError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("message")
        if isinstance(message, str) and message:
            return message.strip().rstrip(".")
    message = getattr(error, "message", None)
    if _is(error, "google.genai.errors", "APIError") and isinstance(message, str) and message:
        return message.strip().rstrip(".")
    return str(error) or type(error).__name__


def _hint(status: int, step: str) -> str:
    if status in (401, 403):
        target = "write to the --staging-uri bucket" if "upload" in step else "use Vertex AI"
        return (
            f"; check that the Application Default Credentials may {target} in this project "
            "(--project / GOOGLE_CLOUD_PROJECT)"
        )
    if status == 404:
        if "upload" in step:
            return "; check --staging-uri: the bucket must exist"
        return "; check --project, --location and the model name"
    if status == 429:
        return "; try again later or raise the quota"
    return ""


def _is(error: BaseException, module: str, name: str) -> bool:
    """``isinstance(error, module.name)`` without importing the module (it may not be
    installed, and when it is not, no error can come from it)."""
    import sys

    loaded = sys.modules.get(module)
    kind = getattr(loaded, name, None) if loaded is not None else None
    return isinstance(kind, type) and isinstance(error, kind)


def _one_line(text: str) -> str:
    return " ".join(text.split())


__all__ = [
    "BASE_URL_VARIABLE",
    "INSTALL_HINT",
    "StagingUri",
    "VertexCredentialsError",
    "VertexMissingError",
    "base_url",
    "complete_settings",
    "credential_secrets",
    "default_credentials",
    "describe",
    "http_status",
    "import_sdks",
    "is_retryable",
    "is_timeout",
    "parse_staging_uri",
]
