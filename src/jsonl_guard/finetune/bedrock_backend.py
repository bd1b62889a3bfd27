"""The AWS Bedrock fine-tune backend: S3, model customization jobs and Converse, via boto3.

A run uploads its files to ``<--s3-uri><run id>/<file name>`` (create-only: an object
already there is never overwritten), starts one ``create_model_customization_job``
(named ``jsonl-guard-<run id>``, tagged ``jsonl_guard_run=<run id>``, with a
``clientRequestToken`` fixed for the run) whose output goes to ``<--s3-uri><run id>/output/``,
follows it with ``get_model_customization_job`` and stops it with
``stop_model_customization_job``. Bedrock keeps no event log through its API.

Bedrock serves a custom model only through provisioned throughput or a custom model
deployment, which cost money by the hour and are made outside this tool, so a smoke
test talks to the ARN given with ``--smoke-model`` (through ``bedrock-runtime``
``converse``) and, without one, says what to create and the command to run.

Every request goes through ``_send``, which retries here rather than in botocore (every
client is made with one attempt): so the job is created with one request, never
re-sent, and with a time limit (``set_time_limit``) each attempt's HTTP timeout and
each wait are cut to the time left.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from ..errors import JsonlGuardError
from ..untrusted import safe
from .backend import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    RUN_METADATA_KEY,
    FinetuneBackend,
    Job,
    JobEvent,
    Reply,
    TimeLimitReached,
    backoff,
)
from .bedrock_client import (
    S3Folder,
    check_role_arn,
    converse_messages,
    default_region,
    describe,
    error_status,
    import_module,
    parse_s3_uri,
    read_job,
    read_reply,
    retryable,
    session_and_secrets,
    unexpected,
)
from .record import RunRecord
from .time_limit import TimedRequests

T = TypeVar("T")
# A single S3 PUT takes at most 5 GiB (larger files would need a multipart upload).
MAX_PUT_BYTES = 5 * 1024**3
MAX_JOB_PAGES = 10  # of 100 jobs each, for find_jobs
# Below this many seconds left, no request is started (its timeout would be too short).
MIN_REQUEST_SECONDS = 1 / 64
_KMS = ("aws:kms", "aws:kms:dsse")  # encryptions whose ETag is not the MD5 of the bytes


def job_name(run_id: str) -> str:
    """The job's name: its tag in Bedrock (``find_jobs``) and its id in the run."""
    return f"jsonl-guard-{run_id}"


def custom_model_name(record: RunRecord) -> str:
    """``<suffix>-<run id>`` (letters, digits and single ``-`` as Bedrock allows)."""
    suffix = re.sub(r"[^0-9A-Za-z]+", "-", record.suffix or "jsonl-guard").strip("-")[:40]
    return f"{suffix or 'jsonl-guard'}-{record.run_id}"


class BedrockBackend(TimedRequests, FinetuneBackend):
    """Amazon Bedrock model customization (fine-tuning) with S3 for the data."""

    platform: ClassVar[str] = "bedrock"
    takes_seed: ClassVar[bool] = False  # model customization jobs take no seed
    # A timed-out request with less left than two of the shortest requests used the time up.
    out_of_time_margin = MIN_REQUEST_SECONDS * 2
    # Each Bedrock format (providers/bedrock/provider.toml) is supervised fine-tuning.
    job_methods: ClassVar[Mapping[str, str]] = {
        "bedrock-nova": "supervised",
        "bedrock-claude": "supervised",
        "bedrock-converse": "supervised",
        "bedrock-llama-completion": "supervised",
    }
    options: ClassVar[tuple[str, ...]] = ("s3_uri", "role_arn", "region", "smoke_model")

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._session: Any = None
        self._secrets: tuple[str, ...] = ()
        self._clients: dict[tuple[str, float | None], Any] = {}
        self._max_retries = DEFAULT_RETRIES
        self._timeout: float | None = DEFAULT_TIMEOUT
        self._run_id: str | None = None
        self._retried = False
        TimedRequests.__init__(self, sleep=sleep)

    # -- settings and connection ---------------------------------------------------------

    def check_settings(self) -> None:
        given = self.settings.get("s3_uri")
        if not given:
            raise JsonlGuardError(
                "Bedrock needs --s3-uri s3://BUCKET/PREFIX/: the S3 folder the training "
                "data is uploaded to and the job writes to; nothing was uploaded"
            )
        folder = parse_s3_uri(given)
        self.settings["s3_uri"] = folder.uri(folder.prefix)
        check_role_arn(self.settings.get("role_arn"))
        self.check_smoke_settings()

    def check_smoke_settings(self) -> None:
        boto3 = import_module("boto3")
        self.settings["region"] = default_region(boto3, self.settings.get("region"))

    def connect(
        self, *, max_retries: int = DEFAULT_RETRIES, timeout: float | None = DEFAULT_TIMEOUT
    ) -> None:
        boto3 = import_module("boto3")
        region = default_region(boto3, self.settings.get("region"))
        self._session, self._secrets = session_and_secrets(boto3, region)
        self._max_retries, self._timeout = max_retries, timeout
        self._clients.clear()

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def begin_run(self, record: RunRecord) -> None:
        self._run_id = record.run_id

    def secrets(self) -> tuple[str, ...]:
        return self._secrets

    def retryable(self, error: BaseException) -> bool:
        return retryable(error)

    def describe_error(self, error: BaseException, step: str) -> str | None:
        message = describe(error, step, self._retried)
        return None if message is None else safe(message, self._secrets)

    def smoke_model(self, record: RunRecord) -> str | None:
        return self.settings.get("smoke_model") or None

    def smoke_unavailable(self, record: RunRecord) -> str:
        model = record.fine_tuned_model or "the custom model"
        return (
            f"Bedrock serves {model} only through provisioned throughput or a custom model "
            "deployment: create one for it (AWS console, or create_provisioned_model_throughput "
            "/ create_custom_model_deployment), then run\n"
            "  jsonl-guard smoke SMOKE.jsonl --platform bedrock "
            f"--region {self.settings.get('region', 'REGION')} --model ARN\n"
            "with ARN the provisioned-throughput or deployment ARN (or pass --smoke-model ARN "
            "to the next finetune run)"
        )

    # -- files and jobs ------------------------------------------------------------------

    @property
    def folder(self) -> S3Folder:
        return parse_s3_uri(self.settings.get("s3_uri", ""))

    def upload(self, path: Path) -> str:
        if self._run_id is None:
            raise RuntimeError("BedrockBackend.begin_run() was not called")
        folder, size = self.folder, path.stat().st_size
        if size > MAX_PUT_BYTES:
            raise JsonlGuardError(
                f"{path} is {size:,} bytes; jsonl-guard uploads at most 5 GiB to S3 in one "
                "request: split the file, or upload it yourself and start the job in AWS"
            )
        key = folder.run_key(self._run_id, path.name)
        sha256, md5 = _digests(path)

        def put(s3: Any) -> Any:
            with path.open("rb") as stream:  # the exact bytes, as they are on disk; each try
                return s3.put_object(
                    Bucket=folder.bucket,
                    Key=key,
                    Body=stream,
                    ContentLength=size,
                    ChecksumSHA256=base64.b64encode(sha256).decode(),  # S3 checks it
                    IfNoneMatch="*",  # create-only: never overwrite an object
                )

        endpoint = f"PUT {folder.uri(key)}"
        try:
            self._send(endpoint, "s3", put)
        except Exception as error:
            if error_status(error)[1] != "PreconditionFailed":
                raise
            # There already: an earlier try of this run whose answer was lost, if it
            # holds these very bytes (checked below); else it is refused.
        self._verify(folder, key, size, sha256, md5)
        return folder.uri(key)

    def _verify(self, folder: S3Folder, key: str, size: int, sha256: bytes, md5: bytes) -> None:
        """The object holds the checked bytes: its size, and its SHA-256 (or its ETag,
        the MD5 of a plain single PUT) where S3 returns one."""
        uri = folder.uri(key)
        head = self._send(
            f"HEAD {uri}",
            "s3",
            lambda s3: s3.head_object(Bucket=folder.bucket, Key=key, ChecksumMode="ENABLED"),
        )
        if not isinstance(head, Mapping) or not head.get("ETag"):  # S3 always sends one
            raise unexpected(f"HEAD {uri}", "s3", "no ETag")
        problems = []
        if head.get("ContentLength") != size:
            problems.append(f"{head.get('ContentLength')} bytes, not {size:,}")
        checksum = head.get("ChecksumSHA256")
        etag = str(head.get("ETag") or "").strip('"')
        if checksum and checksum != base64.b64encode(sha256).decode():
            problems.append("another SHA-256")
        elif (
            not checksum
            and head.get("ServerSideEncryption") not in _KMS
            and re.fullmatch(r"[0-9a-f]{32}", etag)
            and etag != md5.hex()
        ):
            problems.append("another MD5 (ETag)")
        if problems:
            raise JsonlGuardError(
                f"{uri} does not hold the checked file ({'; '.join(problems)}); it is "
                "never overwritten: remove it, or start a new run with --new"
            )

    def create_job(self, record: RunRecord) -> Job:
        folder = self.folder
        parameters: dict[str, Any] = {
            "jobName": job_name(record.run_id),
            "customModelName": custom_model_name(record),
            "roleArn": self.settings.get("role_arn", ""),
            "baseModelIdentifier": record.model,
            "customizationType": "FINE_TUNING",
            "trainingDataConfig": {"s3Uri": record.training_file_id},
            "outputDataConfig": {"s3Uri": folder.uri(folder.run_key(record.run_id, "output/"))},
            # Bedrock ignores a request whose token it has seen: a re-sent create (by a
            # resumed run) never starts a second job, whatever became of the first answer.
            "clientRequestToken": job_name(record.run_id),
            "jobTags": [{"key": RUN_METADATA_KEY, "value": record.run_id}],
            "customModelTags": [{"key": RUN_METADATA_KEY, "value": record.run_id}],
        }
        if record.validation_file_id is not None:
            parameters["validationDataConfig"] = {
                "validators": [{"s3Uri": record.validation_file_id}]
            }
        if record.epochs is not None:
            parameters["hyperParameters"] = {"epochCount": str(record.epochs)}  # strings only
        endpoint = "POST /model-customization-jobs"
        answer = self._send(
            endpoint,
            "bedrock",
            lambda bedrock: bedrock.create_model_customization_job(**parameters),
            retry=False,  # a lost answer may hide a started job: finetune.create looks first
        )
        if not isinstance(answer, Mapping) or not answer.get("jobArn"):
            raise unexpected(endpoint, "bedrock", "no jobArn")
        # The answer is the job's ARN alone; a new job is InProgress. No second request
        # here: one that failed would make a created job look not created.
        return Job(id=parameters["jobName"], status="InProgress", created_at=int(time.time()))

    def find_jobs(self, record: RunRecord) -> Sequence[Job]:
        endpoint, name = "GET /model-customization-jobs", job_name(record.run_id)
        found: list[Job] = []
        token: str | None = None
        for _ in range(MAX_JOB_PAGES):
            arguments: dict[str, Any] = {"nameContains": record.run_id, "maxResults": 100}
            if token:
                arguments["nextToken"] = token
            page = self._send(
                endpoint,
                "bedrock",
                functools.partial(_list_jobs, arguments=arguments),
            )
            items = page.get("modelCustomizationJobSummaries") if isinstance(page, Mapping) else 0
            if not isinstance(items, list):
                raise unexpected(endpoint, "bedrock", "no list of jobs")
            found += [
                read_job(item, endpoint)
                for item in items
                if isinstance(item, Mapping) and item.get("jobName") == name
            ]
            token = page.get("nextToken")
            if not token:
                break
        return found

    def retrieve_job(self, job_id: str) -> Job:
        endpoint = "GET /model-customization-jobs/{id}"
        answer = self._send(
            endpoint, "bedrock", lambda b: b.get_model_customization_job(jobIdentifier=job_id)
        )
        return read_job(answer, endpoint)

    def list_events(self, job_id: str) -> Sequence[JobEvent]:
        return []  # Bedrock's API keeps no event log for a job (its metrics go to S3)

    def cancel_job(self, job_id: str) -> Job:
        self._send(
            "POST /model-customization-jobs/{id}/stop",
            "bedrock",
            lambda b: b.stop_model_customization_job(jobIdentifier=job_id),
        )
        return self.retrieve_job(job_id)

    def chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        temperature: float | None = None,
        max_completion_tokens: int | None = None,
    ) -> Reply | None:
        system, turns = converse_messages(messages)
        arguments: dict[str, Any] = {"modelId": model, "messages": turns}
        if system:
            arguments["system"] = system
        config = {"temperature": temperature, "maxTokens": max_completion_tokens}
        config = {key: value for key, value in config.items() if value is not None}
        if config:
            arguments["inferenceConfig"] = config
        endpoint = "POST /model/{id}/converse"
        answer = self._send(endpoint, "bedrock-runtime", lambda rt: rt.converse(**arguments))
        return read_reply(answer, endpoint)

    # -- sending -------------------------------------------------------------------------

    def _send(
        self, endpoint: str, service: str, request: Callable[[Any], T], *, retry: bool = True
    ) -> T:
        """``request`` with this backend's retries and time limit (see the module's note)."""
        exceptions = import_module("botocore.exceptions")
        not_aws = (
            ValueError,
            TypeError,
            AttributeError,
            import_module("botocore.parsers").ResponseParserError,
        )
        self._retried = False
        attempt = 0
        while True:
            try:
                return request(self._client(service))
            except (exceptions.ClientError, exceptions.BotoCoreError) as error:
                timed_out = isinstance(
                    error, exceptions.ReadTimeoutError | exceptions.ConnectTimeoutError
                )
                if timed_out and self._out_of_time():
                    raise TimeLimitReached("the run's --timeout ran out") from error
                if not retry or attempt >= self._max_retries or not retryable(error):
                    raise
                self._wait(backoff(attempt), error)
                self._retried = True
                attempt += 1
            except not_aws as error:
                # botocore could not read the body (not the service's JSON or XML)
                raise unexpected(endpoint, service, type(error).__name__) from None

    def _client(self, service: str) -> Any:
        """A client for one attempt: no botocore retries, its HTTP timeouts cut to the
        time left (rounded down to a power of two, so a few clients serve a whole run)."""
        if self._session is None:
            raise RuntimeError("BedrockBackend.connect() was not called")
        timeout = self._timeout
        left = self._left()
        if left is not None:
            if left < MIN_REQUEST_SECONDS:
                raise TimeLimitReached("the run's --timeout ran out")
            bucket = 2.0 ** math.floor(math.log2(left))
            timeout = bucket if timeout is None else min(timeout, bucket)
        key = (service, timeout)
        if key not in self._clients:
            config = import_module("botocore.config").Config(
                retries={"total_max_attempts": 1, "mode": "standard"},
                connect_timeout=timeout or 60,
                read_timeout=timeout or 60,
                user_agent_extra="jsonl-guard",
            )
            self._clients[key] = self._session.client(service, config=config)
        return self._clients[key]


def _list_jobs(bedrock: Any, arguments: Mapping[str, Any]) -> Any:
    return bedrock.list_model_customization_jobs(**arguments)


def _digests(path: Path) -> tuple[bytes, bytes]:
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            sha256.update(block)
            md5.update(block)
    return sha256.digest(), md5.digest()


__all__ = ["BedrockBackend", "custom_model_name", "job_name"]
