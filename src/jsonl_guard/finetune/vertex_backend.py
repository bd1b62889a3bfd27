"""The Google Vertex AI fine-tune backend: Gemini tuning jobs through ``google-genai``.

The training (and validation) file is staged in Cloud Storage with ``google-cloud-storage``
at ``<--staging-uri><run id>/<file name>``, created only if no such object exists (a
create-only precondition), then checked against the file's size and MD5. The job is
``client.tunings.tune`` in Vertex mode, labelled ``jsonl_guard_run=<run id>`` and named
``jsonl-guard-<run id>[-<suffix>]``; ``find_jobs`` lists the jobs and matches that label
(or the name, or the staged file and base model) here, since Vertex's list filter is not
documented for labels. The tuned model is called through its endpoint with
``models.generate_content``. Settings, credentials and errors: ``finetune.vertex_client``;
reading the answers: ``finetune.vertex_answers``.

Every request goes through ``_send``, which retries here (google-genai makes one attempt
unless told otherwise; the storage calls are given ``retry=None``): so the job creation
is sent exactly once, and with a time limit each attempt's timeout and each wait are cut
to the time left. Vertex has no job-event API: the follower shows the state changes, and
the finished job's model resource is told as its one event.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from ..errors import JsonlGuardError
from ..untrusted import known_secrets, safe
from . import vertex_answers as answers
from . import vertex_client as vertex
from .backend import (
    CLOCK_SKEW,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    RUN_METADATA_KEY,
    FinetuneBackend,
    Job,
    JobEvent,
    Reply,
    TimeLimitReached,
    UploadMismatch,
    backoff,
)
from .record import RunRecord
from .time_limit import TimedRequests

T = TypeVar("T")
# Pages of tuning jobs ``find_jobs`` reads at most (100 jobs each).
MAX_JOB_PAGES = 10
# The job method (``RunRecord.method``) for each profile, and Vertex's name for it.
TUNING_METHODS = {"supervised": "SUPERVISED_FINE_TUNING", "preference": "PREFERENCE_TUNING"}
_EXPERIMENTAL = r"The SDK's tuning implementation is experimental"


class VertexBackend(TimedRequests, FinetuneBackend):
    """Vertex AI: Cloud Storage staging, ``tunings`` and ``models.generate_content``."""

    platform: ClassVar[str] = "vertex"
    takes_seed: ClassVar[bool] = False  # Vertex AI tuning has no seed
    job_methods: ClassVar[Mapping[str, str]] = {
        "vertex-gemini": "supervised",
        "vertex-gemini-preference": "preference",
    }
    job_methods_note: ClassVar[str] = (
        "Gemini 1.0's legacy messages format is no longer tuned: convert it to vertex-gemini"
    )
    options: ClassVar[tuple[str, ...]] = ("project", "location", "staging_uri")

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        TimedRequests.__init__(self, sleep=sleep)
        self._genai: Any = None
        self._storage: Any = None
        self._credentials: Any = None
        self._base_url: str | None = None
        self._max_retries = DEFAULT_RETRIES
        self._timeout: float | None = DEFAULT_TIMEOUT
        self._run_id: str | None = None
        self._last_seen: Any = None  # the last tuning job retrieved, for its event

    def check_settings(self) -> None:
        vertex.complete_settings(self.settings, staging=True)

    def check_smoke_settings(self) -> None:
        vertex.complete_settings(self.settings, staging=False)  # nothing is staged

    def begin_run(self, record: RunRecord) -> None:
        self._run_id = record.run_id

    def connect(
        self, *, max_retries: int = DEFAULT_RETRIES, timeout: float | None = DEFAULT_TIMEOUT
    ) -> None:
        vertex.import_sdks()
        from google import genai
        from google.genai import types

        storage = importlib.import_module("google.cloud.storage")  # untyped

        vertex.complete_settings(self.settings, staging=False)  # a record's, or smoke's
        self._base_url = vertex.base_url()
        self._credentials = vertex.default_credentials()
        project, location = self.settings["project"], self.settings["location"]
        # project and location are always passed: with a custom base URL google-genai
        # would otherwise treat it as a gateway and drop them from every path.
        self._genai = genai.Client(
            vertexai=True,
            project=project,
            location=location,
            credentials=self._credentials,
            http_options=types.HttpOptions(base_url=self._base_url),
        )
        self._storage = storage.Client(project=project, credentials=self._credentials)
        self._max_retries, self._timeout = max_retries, timeout

    def close(self) -> None:
        for client in (self._genai, self._storage):
            closing = getattr(client, "close", None)
            if callable(closing):
                closing()

    def secrets(self) -> tuple[str, ...]:
        # The environment's keys too (GOOGLE_API_KEY...): unused here, never to be shown.
        return (*vertex.credential_secrets(self._credentials), *known_secrets())

    def retryable(self, error: BaseException) -> bool:
        return vertex.is_retryable(error)

    def describe_error(self, error: BaseException, step: str) -> str | None:
        return vertex.describe(error, step, self.secrets())

    # -- files ---------------------------------------------------------------------------

    def upload(self, path: Path) -> str:
        staging = vertex.parse_staging_uri(self.settings["staging_uri"])
        size, digest = path.stat().st_size, _md5(path)
        md5 = base64.b64encode(digest).decode()  # as Cloud Storage gives it
        run_id = self._run_id or f"jsonl-guard-{digest.hex()[:12]}"
        name = staging.object_name(run_id, path.name)
        blob = self._stage(staging, name, path, size)
        if blob is not None and blob.md5_hash not in (None, md5):
            # Another file of this name was staged for the run (train/data.jsonl and
            # valid/data.jsonl): this one goes beside it, under its own checksum.
            name = staging.object_name(run_id, path.name, digest.hex()[:12])
            blob = self._stage(staging, name, path, size)
        stored = None if blob is None else (blob.size, blob.md5_hash)
        if stored is None or stored[0] != size or stored[1] not in (None, md5):
            raise UploadMismatch(
                f"{staging.uri(name)} does not hold the checked bytes of {path} (stored: "
                f"{stored}, checked: {size} bytes, MD5 {md5}); remove the object and resume"
            )
        return staging.uri(name)

    def _stage(self, staging: vertex.StagingUri, name: str, path: Path, size: int) -> Any:
        """Upload ``path`` to ``name`` unless it exists; the object as stored either way
        (an object already there: a retry whose first answer was lost, or a namesake)."""
        exceptions = importlib.import_module("google.api_core.exceptions")  # untyped
        bucket = self._storage.bucket(staging.bucket)
        endpoint = f"upload to {staging.uri(name)}"

        def send() -> Any:
            blob = bucket.blob(name)
            with path.open("rb") as stream:  # the exact bytes, as they are on disk; each try
                blob.upload_from_file(
                    stream,
                    size=size,
                    content_type="application/jsonl",
                    if_generation_match=0,  # create only: never overwrite an object
                    checksum="md5",
                    retry=None,  # retried in _send
                    timeout=self._attempt_timeout(self._timeout),
                )
            return blob

        try:
            return self._send(endpoint, send)
        except exceptions.PreconditionFailed:
            look = functools.partial(bucket.get_blob, name, retry=None)
            return self._send(endpoint, lambda: look(timeout=self._attempt_timeout(self._timeout)))

    # -- jobs ----------------------------------------------------------------------------

    def create_job(self, record: RunRecord) -> Job:
        from google.genai import types

        method = TUNING_METHODS.get(record.method)
        if method is None:
            raise JsonlGuardError(f"Vertex AI has no {record.method!r} tuning method")
        validation = record.validation_file_id
        config = types.CreateTuningJobConfig(
            method=types.TuningMethod(method),
            tuned_model_display_name=display_name(record),
            labels={RUN_METADATA_KEY: record.run_id},
            epoch_count=record.epochs,
            validation_dataset=(
                None if validation is None else types.TuningValidationDataset(gcs_uri=validation)
            ),
            http_options=self._http_options(),
        )
        training = types.TuningDataset(gcs_uri=record.training_file_id)

        def tune() -> Any:
            with warnings.catch_warnings():  # said on every call; not the user's concern
                warnings.filterwarnings("ignore", message=_EXPERIMENTAL)
                return self._genai.tunings.tune(
                    base_model=record.model, training_dataset=training, config=config
                )

        endpoint = "POST tuningJobs"
        # One request: a lost answer may hide a started job (finetune.create looks first).
        return self._reader(endpoint).job(self._send(endpoint, tune, retry=False))

    def find_jobs(self, record: RunRecord) -> Sequence[Job]:
        started = record.create_started_at
        since = None if started is None else started - CLOCK_SKEW
        reader = self._reader("GET tuningJobs")
        tagged: list[Job] = []
        untagged: list[Job] = []
        token: str | None = None
        for _ in range(MAX_JOB_PAGES):
            page = self._send("GET tuningJobs", functools.partial(self._list_page, token))
            for item in page.page:
                job = reader.job(item)
                tag = answers.run_tag(item, RUN_METADATA_KEY)
                named = record.run_id in (getattr(item, "tuned_model_display_name", None) or "")
                if tag == record.run_id or (tag is None and named):
                    tagged.append(job)
                elif tag is None and _started_from(item, job, record, since):
                    untagged.append(job)  # a server that keeps neither label nor name
            token = page.config.get("page_token")
            if not token:
                break
        return tagged or untagged

    def _list_page(self, token: str | None) -> Any:
        from google.genai import types

        config = types.ListTuningJobsConfig(
            page_size=100, page_token=token, http_options=self._http_options()
        )
        return self._genai.tunings.list(config=config)

    def retrieve_job(self, job_id: str) -> Job:
        from google.genai import types

        endpoint = "GET tuningJobs/{id}"

        def get() -> Any:  # each attempt's timeout is what is left then
            config = types.GetTuningJobConfig(http_options=self._http_options())
            return self._genai.tunings.get(name=job_id, config=config)

        answer = self._send(endpoint, get)
        job = self._reader(endpoint).job(answer)
        self._last_seen = answer
        return job

    def list_events(self, job_id: str) -> Sequence[JobEvent]:
        """None from Vertex (it has no event API); the tuned model resource once the job
        succeeded, since the run names only the endpoint it calls."""
        seen = self._last_seen
        note = answers.tuned_model_note(seen) if getattr(seen, "name", None) == job_id else None
        if note is None:
            return []
        ended = getattr(seen, "end_time", None)
        return [JobEvent("tuned-model", int(ended.timestamp()) if ended else 0, "info", note)]

    def cancel_job(self, job_id: str) -> Job:
        from google.genai import types

        def cancel() -> Any:
            config = types.CancelTuningJobConfig(http_options=self._http_options())
            return self._genai.tunings.cancel(name=job_id, config=config)

        self._send("POST tuningJobs/{id}:cancel", cancel)
        return self.retrieve_job(job_id)

    def chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        temperature: float | None = None,
        max_completion_tokens: int | None = None,
    ) -> Reply | None:
        from google.genai import types

        system, contents = answers.to_contents(messages)

        def generate() -> Any:
            config = types.GenerateContentConfig(
                system_instruction=system,
                temperature=temperature,
                max_output_tokens=max_completion_tokens,
                http_options=self._http_options(),
            )
            return self._genai.models.generate_content(
                model=model, contents=contents, config=config
            )

        endpoint = "POST {model}:generateContent"
        response = self._send(endpoint, generate)
        return answers.reply(self._reader(endpoint), response)

    # -- sending -------------------------------------------------------------------------

    def _send(self, endpoint: str, request: Callable[[], T], *, retry: bool = True) -> T:
        """``request`` with this backend's retries and time limit (see the module's note)."""
        if self._genai is None:
            raise RuntimeError("VertexBackend.connect() was not called")
        attempt = 0
        while True:
            try:
                return request()
            except (ValueError, TypeError, AttributeError, KeyError) as error:
                # The SDK could not read the body (not JSON, a bare string...).
                raise self._reader(endpoint).unexpected(type(error).__name__) from None
            except Exception as error:
                if vertex.is_timeout(error) and self._out_of_time():
                    raise TimeLimitReached("the run's --timeout ran out") from error
                if not retry or attempt >= self._max_retries or not self.retryable(error):
                    raise
                self._wait(backoff(attempt), error)
                attempt += 1

    def _http_options(self) -> Any:
        from google.genai import types

        seconds = self._attempt_timeout(self._timeout)
        # google-genai takes milliseconds; it keeps the client's base URL.
        return types.HttpOptions(timeout=None if seconds is None else max(1, int(seconds * 1000)))

    def _reader(self, endpoint: str) -> answers.VertexAnswers:
        location = self.settings.get("location", "global")
        host = "aiplatform" if location == "global" else f"{location}-aiplatform"
        server = self._base_url or f"https://{host}.googleapis.com"
        return answers.VertexAnswers(endpoint, safe(server))


def display_name(record: RunRecord) -> str:
    """``jsonl-guard-<run id>[-<suffix>]``: the job's name in the console, which also
    finds it again where the labels were lost."""
    return f"jsonl-guard-{record.run_id}" + (f"-{record.suffix}" if record.suffix else "")


def _started_from(item: Any, job: Job, record: RunRecord, since: float | None) -> bool:
    """The job was started from the run's staged file, for its model, since the run
    began creating one."""
    recent = since is None or job.created_at is None or job.created_at >= since
    model = str(getattr(item, "base_model", None) or "")
    same_model = model == record.model or model.endswith("/" + record.model)
    return recent and same_model and answers.training_uri(item) == record.training_file_id


def _md5(path: Path) -> bytes:
    digest = hashlib.md5(usedforsecurity=False)  # Cloud Storage's checksum, not a secret
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()


__all__ = ["TUNING_METHODS", "VertexBackend", "display_name"]
