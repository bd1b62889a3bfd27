"""The OpenAI client for the commands that call the API (``smoke``, ``finetune``).

``openai`` is an optional dependency (``pip install "jsonl-guard[finetune]"``), imported
only when a command needs it, so ``jsonl-guard check`` never pays for it.

Credentials come from the environment, as with the ``openai`` SDK:

* Azure OpenAI, when ``AZURE_OPENAI_ENDPOINT`` is set together with
  ``AZURE_OPENAI_API_KEY`` or ``AZURE_OPENAI_AD_TOKEN``; the API version comes from
  ``OPENAI_API_VERSION``;
* otherwise OpenAI, with ``OPENAI_API_KEY`` and, optionally, ``OPENAI_BASE_URL`` (any
  OpenAI-compatible server) plus the SDK's own ``OPENAI_ORG_ID`` / ``OPENAI_PROJECT_ID``.

Nothing here ever prints, logs or returns a key.
"""

from __future__ import annotations

import importlib
import os
import re
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..errors import JsonlGuardError
from ..untrusted import safe
from .backend import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    import openai

INSTALL_HINT = 'pip install "jsonl-guard[finetune]"'

_KEY_VARIABLES = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN")
# Things that look like credentials in server messages ("Incorrect API key provided: sk-...").
_KEY_LIKE = re.compile(r"\b(?:sk|rk|sess)-[\w*-]+|\bey[\w-]{20,}\.[\w.-]+")


class CredentialsError(JsonlGuardError):
    """No usable credentials or endpoint settings; the message names the variable to set."""


class OpenAIMissingError(JsonlGuardError, ImportError):
    """The optional ``openai`` package is not installed."""

    def __init__(self) -> None:
        super().__init__(
            f"this command needs the openai package, which is not installed: run `{INSTALL_HINT}`"
        )


def import_openai() -> ModuleType:
    """Import ``openai`` on first use, with an install hint when it is missing."""
    try:
        return importlib.import_module("openai")
    except ImportError:
        raise OpenAIMissingError() from None


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def using_azure() -> bool:
    """Whether ``make_client`` would return an Azure OpenAI client."""
    return _env("AZURE_OPENAI_ENDPOINT") is not None and (
        _env("AZURE_OPENAI_API_KEY") is not None or _env("AZURE_OPENAI_AD_TOKEN") is not None
    )


def check_endpoints() -> None:
    """``OPENAI_BASE_URL`` / ``AZURE_OPENAI_ENDPOINT``, when set, are http(s) URLs with a
    host and a valid port; a ``CredentialsError`` naming the variable otherwise (the HTTP
    library would fail with a traceback at the first request)."""
    for name in ("OPENAI_BASE_URL", "AZURE_OPENAI_ENDPOINT"):
        value = _env(name)
        if value is None:
            continue
        shown = safe(value)
        try:
            url = urlsplit(value)
            url.port  # noqa: B018 - parsing the port is the check (out of range: ValueError)
        except ValueError as error:
            raise CredentialsError(f"invalid {name} {shown!r}: {error}") from None
        if url.scheme not in ("http", "https") or not url.hostname:
            raise CredentialsError(
                f"invalid {name} {shown!r}: it must be an http:// or https:// URL with a "
                "host, e.g. https://api.openai.com/v1"
            )


def make_client(*, max_retries: int = 3, timeout: float | None = DEFAULT_TIMEOUT) -> openai.OpenAI:
    """An ``openai.OpenAI`` (or ``openai.AzureOpenAI``) client configured from the environment.

    Raises ``CredentialsError`` (naming the variable to set) when no credentials are set
    and ``OpenAIMissingError`` when the ``openai`` package is not installed.
    """
    import_openai()
    import openai as sdk

    if max_retries < 0:
        raise ValueError("max_retries must be zero or more")
    check_endpoints()
    endpoint = _env("AZURE_OPENAI_ENDPOINT")
    if endpoint is not None and using_azure():
        api_version = _env("OPENAI_API_VERSION")
        if api_version is None:
            raise CredentialsError(
                "AZURE_OPENAI_ENDPOINT is set, so Azure OpenAI is used, but OPENAI_API_VERSION "
                "is not: set it to your Azure OpenAI API version, e.g. 2024-10-21"
            )
        ad_token = _env("AZURE_OPENAI_AD_TOKEN")
        try:
            client: openai.OpenAI = sdk.AzureOpenAI(
                azure_endpoint=endpoint,
                api_version=api_version,
                # The SDK prefers the AD token too when both are set.
                api_key=None if ad_token else _env("AZURE_OPENAI_API_KEY"),
                azure_ad_token=ad_token,
                max_retries=max_retries,
                timeout=timeout,
            )
        except (sdk.OpenAIError, ValueError) as error:
            raise CredentialsError(f"cannot configure Azure OpenAI: {redact(str(error))}") from None
        return client
    api_key = _env("OPENAI_API_KEY")
    if api_key is None:
        if endpoint is not None:
            raise CredentialsError(
                "AZURE_OPENAI_ENDPOINT is set but neither AZURE_OPENAI_API_KEY nor "
                "AZURE_OPENAI_AD_TOKEN is: set one of them (or OPENAI_API_KEY to use OpenAI)"
            )
        raise CredentialsError(
            "no OpenAI API key: set OPENAI_API_KEY (for Azure OpenAI, set "
            "AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and OPENAI_API_VERSION instead)"
        )
    try:
        client = sdk.OpenAI(
            api_key=api_key,
            base_url=_env("OPENAI_BASE_URL"),
            max_retries=max_retries,
            timeout=timeout,
        )
    except (sdk.OpenAIError, ValueError) as error:
        raise CredentialsError(
            f"cannot configure the OpenAI client: {redact(str(error))}"
        ) from None
    return client


def redact(text: str) -> str:
    """``text`` with the configured keys, and anything that looks like a key, masked."""
    for name in _KEY_VARIABLES:
        secret = _env(name)
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _KEY_LIKE.sub("***", text)


def describe_api_error(error: BaseException, step: str) -> str:
    """One line saying which ``step`` failed and why, for any exception the SDK raises."""
    try:
        import_openai()
    except OpenAIMissingError:
        return safe(_one_line(redact(f"{step} failed: {error}")))
    import openai as sdk

    key_variable = (
        "AZURE_OPENAI_API_KEY (or AZURE_OPENAI_AD_TOKEN)" if using_azure() else "OPENAI_API_KEY"
    )
    if isinstance(error, sdk.APITimeoutError):
        where = _where(error)
        reason = f"the request to {where} timed out" if where else "the request timed out"
        text = f"{reason} (after retries); try again later"
    elif isinstance(error, sdk.APIConnectionError):
        cause = error.__cause__ or error.__context__
        detail = f": {cause}" if cause is not None and str(cause) else ""
        where = _where(error) or "the API"
        text = f"cannot connect to {where}{detail} (after retries); check your network" + (
            "" if using_azure() else " and OPENAI_BASE_URL"
        )
    elif isinstance(error, sdk.AuthenticationError):
        text = (
            f"the API rejected the credentials (HTTP 401{_code(error)}): "
            f"set {key_variable} to a valid key"
        )
    elif isinstance(error, sdk.PermissionDeniedError):
        text = (
            f"permission denied (HTTP 403{_code(error)}): {_message(error)}; "
            f"check that the key in {key_variable} may use this model and endpoint"
        )
    elif isinstance(error, sdk.RateLimitError):
        hint = (
            "add credits or raise your quota"
            if error.code == "insufficient_quota"
            else "try again later"
        )
        text = f"rate limited (HTTP 429{_code(error)}) after retries: {_message(error)}; {hint}"
    elif isinstance(error, sdk.NotFoundError):
        text = (
            f"not found (HTTP 404{_code(error)}): {_message(error)}; check the model name "
            "(a just-finished fine-tuned model can take a few minutes to become available)"
        )
    elif isinstance(error, sdk.APIStatusError):
        retried = " after retries" if error.status_code >= 500 or error.status_code == 409 else ""
        text = f"HTTP {error.status_code}{_code(error)}{retried}: {_message(error)}"
        if error.request_id:
            text += f" (request id {error.request_id})"
    elif isinstance(error, sdk.APIError):
        text = _message(error)
    else:
        text = str(error) or type(error).__name__
    return safe(_one_line(redact(f"{step} failed: {text}")))


def _message(error: openai.APIError) -> str:
    """The server's own message, without a final full stop (a hint may follow)."""
    return _raw_message(error).strip().rstrip(".")


def _raw_message(error: openai.APIError) -> str:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(body.get("message"), str):
            return str(body["message"])
    message = error.message
    # The SDK's own wording is "Error code: 500 - {...}"; keep only what follows.
    return re.sub(r"^Error code: \d+ - ", "", message) or type(error).__name__


def _code(error: openai.APIError) -> str:
    return f", {error.code}" if error.code else ""


def _where(error: openai.APIError) -> str:
    try:
        url = urlsplit(str(error.request.url))
    except (AttributeError, RuntimeError, ValueError):
        return ""
    if not url.hostname:
        return ""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.hostname}{port}"  # never userinfo


def _one_line(text: str) -> str:
    return " ".join(text.split())


__all__ = [
    "DEFAULT_TIMEOUT",
    "INSTALL_HINT",
    "CredentialsError",
    "OpenAIMissingError",
    "check_endpoints",
    "describe_api_error",
    "import_openai",
    "make_client",
    "redact",
    "using_azure",
]
