"""AWS for the Bedrock backend: its settings, boto3 clients, errors and answers.

``boto3`` is an optional dependency (``pip install "jsonl-guard[bedrock]"``), imported
here on first use only, through ``importlib`` (it ships no type hints). Region and
credentials come from the standard AWS chain (``AWS_REGION`` / ``AWS_DEFAULT_REGION``,
``AWS_ACCESS_KEY_ID`` / ``AWS_PROFILE`` / SSO / instance roles...), the endpoints from
botocore's own ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_S3`` / ``_BEDROCK`` /
``_BEDROCK_RUNTIME`` variables, so any S3/Bedrock-compatible server works. Nothing
here prints, logs or returns a credential.
"""

from __future__ import annotations

import datetime
import importlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..errors import JsonlGuardError
from ..untrusted import safe
from .backend import CANCELLED, FAILED, SUCCEEDED, Job, JobError, Reply, UnexpectedAnswer

INSTALL_HINT = 'pip install "jsonl-guard[bedrock]"'
# Shapes from botocore's Bedrock service model (RoleArn; bucket names from S3's rules).
ROLE_ARN = re.compile(r"arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+")
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]+")
# Bedrock's words for a job that has ended (``ModelCustomizationJobStatus``).
ENDED = {"Completed": SUCCEEDED, "Failed": FAILED, "Stopped": CANCELLED}
# Converse's stopReason in the words the smoke report uses (OpenAI's finish_reason).
STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "content_filtered": "content_filter",
    "guardrail_intervened": "content_filter",
}
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "SlowDown",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalServerException",
        "InternalError",
        "RequestTimeout",
        "RequestTimeoutException",
        "ConditionalRequestConflict",  # S3: another create-only PUT of the key was in flight
    }
)


class CredentialsError(JsonlGuardError):
    """No AWS credentials or region; the message names what to set."""


class Boto3MissingError(JsonlGuardError, ImportError):
    def __init__(self) -> None:
        super().__init__(
            f"Bedrock needs the boto3 package, which is not installed: run `{INSTALL_HINT}`"
        )


def import_module(name: str) -> ModuleType:
    """``boto3`` / ``botocore.*`` on first use, with the install hint when missing."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise Boto3MissingError() from None


@dataclass(frozen=True)
class S3Folder:
    """``s3://bucket/prefix/``: where a run's files go (under ``<prefix><run id>/``)."""

    bucket: str
    prefix: str  # "" or ending in "/"

    def uri(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{key}"

    def run_key(self, run_id: str, name: str = "") -> str:
        return f"{self.prefix}{run_id}/{name}"


def parse_s3_uri(value: str) -> S3Folder:
    """The ``--s3-uri`` value; a ``JsonlGuardError`` naming the flag when malformed."""
    if not value.startswith("s3://"):
        raise JsonlGuardError(
            f"--s3-uri must look like s3://BUCKET/PREFIX/, not {safe(value)!r}: "
            "the S3 folder the training data is uploaded to and the job writes its output to"
        )
    bucket, _, prefix = value[len("s3://") :].partition("/")
    if not BUCKET.fullmatch(bucket) or ".." in bucket:
        raise JsonlGuardError(
            f"--s3-uri {safe(value)!r} names no valid S3 bucket ({safe(bucket)!r}: 3-63 "
            "lower-case letters, digits, dots and hyphens)"
        )
    if prefix and not prefix.endswith("/"):
        prefix += "/"  # a folder: the run's files go below it
    if "//" in prefix or prefix.startswith("/"):
        raise JsonlGuardError(f"--s3-uri {safe(value)!r} has an empty folder name ('//')")
    return S3Folder(bucket, prefix)


def check_role_arn(value: str | None) -> str:
    if not value:
        raise JsonlGuardError(
            "Bedrock needs --role-arn: the ARN of the IAM service role Bedrock assumes to "
            "read the training data from and write the output to S3 "
            "(arn:aws:iam::ACCOUNT:role/NAME); nothing was uploaded"
        )
    if not ROLE_ARN.fullmatch(value):
        raise JsonlGuardError(
            f"--role-arn {safe(value)!r} is not an IAM role ARN "
            "(arn:aws:iam::ACCOUNT:role/NAME); nothing was uploaded"
        )
    return value


def default_region(boto3: ModuleType, given: str | None) -> str:
    """``--region``, else the AWS chain's (environment, then the profile's config)."""
    if given is None:
        try:
            given = boto3.Session().region_name
        except Exception as error:  # botocore.exceptions.ProfileNotFound, a broken config
            raise CredentialsError(
                f"cannot read the AWS configuration: {safe(str(error))}"
            ) from None
    if not given:
        raise CredentialsError(
            "no AWS region: pass --region, or set AWS_REGION (or AWS_DEFAULT_REGION, or a "
            "region in the AWS_PROFILE's config); Bedrock fine-tunes Nova in us-east-1, "
            "Claude 3 Haiku and Llama in us-west-2"
        )
    if not REGION.fullmatch(given):
        raise JsonlGuardError(f"--region {safe(given)!r} is not an AWS region (such as us-east-1)")
    return given


def session_and_secrets(boto3: ModuleType, region: str) -> tuple[Any, tuple[str, ...]]:
    """A boto3 session with credentials from the AWS chain, and those credentials (to be
    masked); a ``CredentialsError`` naming what to set when there are none."""
    try:
        session = boto3.Session(region_name=region)
        credentials = session.get_credentials()
        frozen = None if credentials is None else credentials.get_frozen_credentials()
    except Exception as error:  # a missing profile, a failed SSO or role refresh
        raise CredentialsError(
            f"cannot get AWS credentials: {safe(str(error))}; check AWS_PROFILE and the AWS "
            "configuration (or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        ) from None
    if frozen is None or not frozen.access_key or not frozen.secret_key:
        raise CredentialsError(
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            "(and AWS_SESSION_TOKEN for temporary ones), or AWS_PROFILE to a profile of "
            "~/.aws/config (aws configure, aws sso login)"
        )
    values = (frozen.secret_key, frozen.token, frozen.access_key)
    return session, tuple(value for value in values if isinstance(value, str) and value)


# -- errors ------------------------------------------------------------------------------


def error_status(error: BaseException) -> tuple[int | None, str]:
    """The HTTP status and AWS error code of a botocore ``ClientError`` (else None, "")."""
    response = getattr(error, "response", None)
    if not isinstance(response, Mapping):
        return None, ""
    details = response.get("Error") or {}
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return (status if isinstance(status, int) else None), str(details.get("Code") or "")


def service_of(error: BaseException) -> str:
    """The service a botocore error came from ("s3", "bedrock"...), from its operation."""
    operation = str(getattr(error, "operation_name", ""))
    if operation in ("Converse",):
        return "bedrock-runtime"
    return "s3" if operation.endswith("Object") or operation.endswith("Bucket") else "bedrock"


def retryable(error: BaseException) -> bool:
    """A rate limit, a 5xx, a timeout or a lost connection: sending again may work."""
    exceptions = import_module("botocore.exceptions")
    if isinstance(error, exceptions.ConnectionError | exceptions.HTTPClientError):
        return True  # refused, dropped, timed out (ReadTimeoutError too)
    if isinstance(error, exceptions.ClientError):
        status, code = error_status(error)
        return code in RETRYABLE_CODES or status in (408, 429) or (status or 0) >= 500
    return False


def describe(error: BaseException, step: str, retried: bool) -> str | None:
    """``"<step> failed: <AWS's message>"`` for a boto3 error; None for any other."""
    exceptions = import_module("botocore.exceptions")
    after = " (after retries)" if retried else ""
    if isinstance(error, exceptions.ClientError):
        status, code = error_status(error)
        response: Mapping[str, Any] = getattr(error, "response", {}) or {}
        message = str((response.get("Error") or {}).get("Message") or "no message")
        request_id = (response.get("ResponseMetadata") or {}).get("RequestId")
        if code == str(status):  # a body without an AWS error code (a proxy's page)
            code = ""
        where = f"HTTP {status} {code}".strip() if status else code or "error"
        text = f"{step} failed: {where}{after}: {message}"
        if not code:  # no AWS error code: a web page, a proxy's answer
            text += f"; that is not AWS's answer: check {endpoint_variable(service_of(error))}"
        if code in ("UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken"):
            text += "; check the AWS credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE)"
        if code == "AccessDeniedException" or code == "AccessDenied":
            text += "; check that the credentials (and --role-arn) may do this"
        return text + (f" (request id {request_id})" if request_id else "")
    if isinstance(error, exceptions.BotoCoreError):
        hint = ""
        if isinstance(error, exceptions.ConnectionError | exceptions.HTTPClientError):
            hint = "; check your network and AWS_ENDPOINT_URL (and its per-service forms)"
        return f"{step} failed{after}: {error}{hint}"
    return None


# -- answers -----------------------------------------------------------------------------


def endpoint_variable(service: str) -> str:
    """The variable that points ``service``'s client elsewhere, for messages."""
    specific = "AWS_ENDPOINT_URL_" + service.upper().replace("-", "_")
    return specific if specific in os.environ else "AWS_ENDPOINT_URL"


def unexpected(endpoint: str, service: str, what: str) -> UnexpectedAnswer:
    return UnexpectedAnswer(
        f"the server answered {endpoint} with something that is not AWS's answer ({what}); "
        f"check {endpoint_variable(service)}: it must name an S3/Bedrock-compatible endpoint"
    )


def _text(answer: Mapping[str, Any], name: str, endpoint: str) -> str:
    value = answer.get(name)
    if not isinstance(value, str) or not value:
        raise unexpected(endpoint, "bedrock", f"{name!r} is not a non-empty string")
    return value


def _seconds(value: Any) -> int | None:
    if not isinstance(value, datetime.datetime):
        return None
    if value.tzinfo is None:  # botocore leaves a zone-less time as it is: AWS's are UTC
        value = value.replace(tzinfo=datetime.timezone.utc)
    return int(value.timestamp())


def read_job(answer: Any, endpoint: str) -> Job:
    """A ``GetModelCustomizationJob`` answer (or a job summary of the list) as a ``Job``:
    the id is the job's name (unique per run; AWS takes it wherever it takes the ARN)."""
    if not isinstance(answer, Mapping):
        raise unexpected(endpoint, "bedrock", "not a JSON object")
    raw = _text(answer, "status", endpoint)
    status = ENDED.get(raw, raw)
    model = answer.get("outputModelArn") or answer.get("customModelArn")
    message = answer.get("failureMessage")
    error = None
    if status == FAILED:  # moto sends a placeholder failureMessage for every job
        text = message if isinstance(message, str) and message else "no failure message was given"
        error = JobError(text)
    return Job(
        id=_text(answer, "jobName", endpoint),
        status=status,
        fine_tuned_model=model if status == SUCCEEDED and isinstance(model, str) else None,
        error=error,
        created_at=_seconds(answer.get("creationTime")),
    )


# -- Converse (smoke tests) --------------------------------------------------------------


def _text_of(content: Any, role: str) -> str:
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    texts = [part.get("text") for part in parts if isinstance(part, Mapping)]
    if not parts or len(texts) != len(parts) or not all(isinstance(t, str) for t in texts):
        raise JsonlGuardError(
            f"a {role} message of the smoke file has content Bedrock's Converse cannot take "
            "here: text only (a string, or text parts)"
        )
    return "".join(str(text) for text in texts)


def converse_messages(
    messages: Sequence[Mapping[str, Any]],
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Chat messages as Converse takes them: the system prompts apart, text blocks."""
    system: list[dict[str, str]] = []
    turns: list[dict[str, Any]] = []
    for message in messages:
        role = str(message.get("role"))
        text = _text_of(message.get("content"), role)
        if role in ("system", "developer"):
            system.append({"text": text})
        elif role in ("user", "assistant"):
            turns.append({"role": role, "content": [{"text": text}]})
        else:
            raise JsonlGuardError(
                f"a smoke test on Bedrock sends system, user and assistant messages, not {role!r}"
            )
    return system, turns


def read_reply(answer: Any, endpoint: str) -> Reply | None:
    """A Converse answer as a ``Reply``: the text blocks of its message."""
    output = answer.get("output") if isinstance(answer, Mapping) else None
    if not isinstance(output, Mapping):
        raise unexpected(endpoint, "bedrock-runtime", "no 'output'")
    message = output.get("message")
    if message is None:
        return None
    content = message.get("content") if isinstance(message, Mapping) else None
    if not isinstance(content, list):
        raise unexpected(endpoint, "bedrock-runtime", "'output.message.content' is not a list")
    text = "".join(
        block["text"]
        for block in content
        if isinstance(block, Mapping) and isinstance(block.get("text"), str)
    )
    usage = answer.get("usage")
    tokens = usage.get("outputTokens") if isinstance(usage, Mapping) else None
    reason = answer.get("stopReason")
    return Reply(
        content=text,
        completion_tokens=tokens
        if isinstance(tokens, int) and not isinstance(tokens, bool)
        else None,
        finish_reason=STOP_REASONS.get(reason, reason) if isinstance(reason, str) else None,
    )


__all__ = [
    "ENDED",
    "INSTALL_HINT",
    "STOP_REASONS",
    "Boto3MissingError",
    "CredentialsError",
    "S3Folder",
    "check_role_arn",
    "converse_messages",
    "default_region",
    "describe",
    "import_module",
    "parse_s3_uri",
    "read_job",
    "read_reply",
    "retryable",
    "session_and_secrets",
    "unexpected",
]
