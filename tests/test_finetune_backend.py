"""How to add a fine-tune backend, walked through with a toy in-memory platform.

``jsonl-guard finetune`` (check, estimate, confirm, record, upload, start, follow,
smoke-test) talks to a platform only through ``FinetuneBackend``
(``src/jsonl_guard/finetune/backend.py``). A new platform is three steps:

1. Subclass ``FinetuneBackend`` in ``src/jsonl_guard/finetune/<platform>_backend.py``
   (``ToyBackend`` below): name the platform, list the file formats it tunes on, and
   fill in the methods with the platform's SDK.
2. Register it in ``BACKENDS`` (platform name -> a factory of the backend). Here the
   test does it with ``monkeypatch.setitem``; in the package it is one line in
   ``BACKENDS`` in ``src/jsonl_guard/finetune/backends.py``.
3. Make the model table point at it: a model whose ``provider`` is the platform's
   name is fine-tuned there (here a model from ``pyproject.toml``; built-in models
   come from ``providers/<provider>/provider.toml``).

Then ``test_the_toy_backend_runs_a_whole_finetune`` is the end-to-end test to copy,
with the platform's real SDK against a local fake server (as ``tests/fake_openai.py``
is for OpenAI) in place of the in-memory toy. The rest of this file: a model whose
provider has no backend yet is refused before anything is uploaded, and the OpenAI
backend turns the fake OpenAI server's answers into the neutral values.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import openai
import pytest

from fake_openai import fake_openai_env_fixture, fake_openai_fixture  # noqa: F401
from helpers import EXAMPLES
from jsonl_guard.cli import main
from jsonl_guard.finetune.backend import (
    CANCELLED,
    FAILED,
    SUCCEEDED,
    FinetuneBackend,
    Job,
    JobError,
    JobEvent,
)
from jsonl_guard.finetune.backends import BACKENDS, make_backend, platform_for, smoke_backend_for
from jsonl_guard.finetune.openai_backend import OpenAIBackend
from jsonl_guard.finetune.record import RunRecord
from jsonl_guard.smoke.expectations import Reply

# -- the toy platform: what a real platform's servers would be -----------------------------


class ToyError(Exception):
    """What the toy platform's "SDK" raises when a request fails."""


@dataclass
class ToyCloud:
    """The platform's state. Each look at a job moves it one step down ``steps``."""

    reply: str = "pong"
    steps: tuple[str, ...] = ("QUEUED", "TRAINING", "COMPLETED")
    fail_next_create: bool = False
    serves_tuned_models: bool = True  # else a smoke test needs --smoke-model (as Bedrock)
    connected_with: list[dict[str, str]] = field(default_factory=list)  # settings per connect
    files: dict[str, bytes] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    prompts: list[str] = field(default_factory=list)


# -- step 1: the backend -------------------------------------------------------------------

# A finished job's status must be SUCCEEDED, FAILED or CANCELLED; while it runs, the
# platform's own word is shown as it is ("status: TRAINING").
TOY_STATUSES = {"COMPLETED": SUCCEEDED, "FAILED": FAILED, "STOPPED": CANCELLED}


class ToyBackend(FinetuneBackend):
    platform: ClassVar[str] = "toy"  # its key in BACKENDS; the run record keeps it
    # The file formats (profiles) it tunes on, each with the job method it starts.
    job_methods: ClassVar[Mapping[str, str]] = {"openai-chat": "supervised"}
    # The platform settings it takes (finetune/settings.py has one row per flag); the
    # run keeps their values in its record, so --resume reaches the same project.
    options: ClassVar[tuple[str, ...]] = ("project", "smoke_model")

    def __init__(self, cloud: ToyCloud) -> None:
        # Cheap and offline: the run builds the backend before it checks the files.
        self.cloud = cloud

    def connect(self, *, max_retries: int = 3, timeout: float | None = None) -> None:
        # Credentials and the SDK client: raise a JsonlGuardError naming the variable
        # to set when they are missing. Called just before the first upload.
        self.session = self.cloud
        self.cloud.connected_with.append(dict(self.settings))

    def smoke_model(self, record: RunRecord) -> str | None:
        # Where a platform does not serve the tuned model by itself, the user names one.
        if self.cloud.serves_tuned_models:
            return record.fine_tuned_model
        return self.settings.get("smoke_model")

    def smoke_unavailable(self, record: RunRecord) -> str:
        return "the toy platform serves no tuned model by itself: pass --smoke-model ID"

    def describe_error(self, error: BaseException, step: str) -> str | None:
        # The platform's errors become one line naming the step; anything else is None
        # (a bug: it is raised on).
        return f"{step} failed: {error}" if isinstance(error, ToyError) else None

    def upload(self, path: Path) -> str:
        file_id = f"toy-file-{len(self.session.files) + 1}"
        self.session.files[file_id] = path.read_bytes()  # the exact bytes
        return file_id

    def create_job(self, record: RunRecord) -> Job:
        if self.session.fail_next_create:
            self.session.fail_next_create = False
            raise ToyError("the toy platform is down")
        job_id = f"toy-job-{len(self.session.jobs) + 1}"
        self.session.jobs[job_id] = {
            "model": record.model,
            "method": record.method,
            "file": record.training_file_id,
            "label": record.run_id,  # tag the job with the run: find_jobs looks for it
            "step": 0,
            "events": [JobEvent(f"{job_id}-e0", 1, "info", "job created")],
        }
        return self._job(job_id)

    def find_jobs(self, record: RunRecord) -> Sequence[Job]:
        # Before creating again, and when a run cut off while creating its job resumes,
        # the run looks here: it never makes a second job.
        jobs = self.session.jobs.items()
        return [self._job(job_id) for job_id, job in jobs if job["label"] == record.run_id]

    def retrieve_job(self, job_id: str) -> Job:
        job = self.session.jobs[job_id]
        if job["step"] + 1 < len(self.session.steps):
            job["step"] += 1
            status = self.session.steps[job["step"]]
            job["events"].append(JobEvent(f"{job_id}-e{job['step']}", 2, "info", status.lower()))
        return self._job(job_id)

    def list_events(self, job_id: str) -> Sequence[JobEvent]:
        return self.session.jobs[job_id]["events"]  # every event: the run shows new ones

    def cancel_job(self, job_id: str) -> Job:
        job = self.session.jobs[job_id]
        self.session.steps = (*self.session.steps[: job["step"] + 1], "STOPPED")
        return self.retrieve_job(job_id)

    def chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        temperature: float | None = None,
        max_completion_tokens: int | None = None,
    ) -> Reply | None:
        self.session.prompts.append(str(messages[-1]["content"]))
        return Reply(self.session.reply, completion_tokens=len(self.session.reply.split()))

    def _job(self, job_id: str) -> Job:
        job = self.session.jobs[job_id]
        raw = self.session.steps[job["step"]]
        status = TOY_STATUSES.get(raw, raw)
        return Job(
            id=job_id,
            status=status,
            fine_tuned_model=f"{job['model']}:tuned-{job_id}" if status == SUCCEEDED else None,
            trained_tokens=1000 if status == SUCCEEDED else None,
            error=JobError("out of toys", code="toy_error") if status == FAILED else None,
        )


# -- steps 2 and 3: register it, and give it a model ---------------------------------------


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> ToyCloud:
    """The toy platform, registered as the backend of the platform "toy"."""
    cloud = ToyCloud()
    monkeypatch.setitem(BACKENDS, "toy", lambda: ToyBackend(cloud))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # nothing here may need OpenAI
    return cloud


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A model of provider "toy": the model table sends its runs to the "toy" backend."""
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[tool.jsonl-guard.models."toy-small"]\n'
        'provider = "toy"\n'
        'encoding = "o200k_base"\n'
        "token_limit = 65536\n"
        "price_per_million = 1.0\n"
        'profiles = ["openai-chat"]\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def train(tmp_path: Path) -> Path:
    return Path(shutil.copy(EXAMPLES / "support-good.jsonl", tmp_path / "train.jsonl"))


@pytest.fixture
def smoke(tmp_path: Path) -> Path:
    path = tmp_path / "smoke.jsonl"
    case = {"name": "ping", "messages": [{"role": "user", "content": "ping"}]}
    path.write_text(json.dumps({**case, "expect": {"contains": "pong"}}) + "\n", encoding="utf-8")
    return path


def finetune(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["finetune", *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# -- the end-to-end test -------------------------------------------------------------------


def test_the_toy_backend_runs_a_whole_finetune(capsys, cloud, config, train, smoke):
    code, out = finetune(
        capsys, str(train), "--model", "toy-small", "--config", str(config),
        "--smoke", str(smoke), "--yes", "--poll-interval", "0.001",
    )  # fmt: skip
    assert code == 0, out
    assert cloud.files == {"toy-file-1": train.read_bytes()}
    assert cloud.jobs["toy-job-1"]["method"] == "supervised"
    assert out.endswith(
        "uploaded " + str(train) + ": toy-file-1\n"
        "job toy-job-1 created (QUEUED)\n"
        "  [info] job created\n"
        "  [info] training\n"
        "status: TRAINING\n"
        "  [info] completed\n"
        "status: succeeded\n"
        "fine-tuned model: toy-small:tuned-toy-job-1\n"
        f"smoke test: {smoke}\n"
        f"Smoke test of toy-small:tuned-toy-job-1 with {smoke} (1 case)\n"
        "  PASS  ping  line 1  1 tokens\n"
        "all passed (1 case against toy-small:tuned-toy-job-1)\n"
    )
    assert cloud.prompts == ["ping"]
    record = RunRecord.load(train.with_name("train.jsonl.finetune.json"))
    assert (record.platform, record.status, record.trained_tokens) == ("toy", "succeeded", 1000)


def test_resume_and_cancel_use_the_backend_the_record_names(capsys, cloud, config, train):
    cloud.fail_next_create = True
    record_file = train.with_name("run.json")
    argv = [str(train), "--model", "toy-small", "--config", str(config), "--yes"]
    code, out = finetune(capsys, *argv, "--record", str(record_file))
    assert code == 2
    assert "error: creating the fine-tuning job failed: the toy platform is down" in out
    assert f"jsonl-guard finetune --resume {record_file}" in out
    # As if the job had been created after all and only the answer was lost:
    cloud.jobs["toy-job-1"] = {"model": "toy-small", "method": "supervised", "file": "toy-file-1",
                               "label": RunRecord.load(record_file).run_id, "step": 0,
                               "events": []}  # fmt: skip
    cloud.steps = ("QUEUED", "TRAINING")  # it never ends: the resumed run times out
    code, out = finetune(capsys, "--resume", str(record_file), "--poll-interval", "0.001",
                         "--timeout", "0.05")  # fmt: skip
    assert code == 2, out
    assert "job toy-job-1 found (QUEUED): this run started it" in out
    assert "status: TRAINING\n" in out and "--timeout 0.05 s reached" in out
    assert list(cloud.jobs) == ["toy-job-1"]  # adopted, not created again
    code, out = finetune(capsys, "--cancel", str(record_file))
    assert (code, out) == (0, "job toy-job-1: cancelled\n")


def test_a_failed_toy_job_shows_its_error(capsys, cloud, config, train):
    cloud.steps = ("QUEUED", "FAILED")
    code, out = finetune(
        capsys, str(train), "--model", "toy-small", "--config", str(config), "--yes",
        "--poll-interval", "0.001",
    )  # fmt: skip
    assert code == 1
    assert out.endswith("status: failed\njob toy-job-1 failed: out of toys (code=toy_error)\n")


# -- platform settings ------------------------------------------------------------------


def test_platform_settings_are_kept_in_the_record_and_used_on_resume(capsys, cloud, config, train):
    cloud.steps = ("QUEUED", "TRAINING")
    record_file = train.with_name("run.json")
    argv = [str(train), "--model", "toy-small", "--config", str(config), "--yes",
            "--project", "acme", "--record", str(record_file), "--poll-interval", "0.001",
            "--timeout", "0.05"]  # fmt: skip
    code, out = finetune(capsys, *argv)
    assert code == 2, out  # the job never ends: the run times out, resumable
    assert RunRecord.load(record_file).platform_settings == {"project": "acme"}
    code, out = finetune(capsys, "--resume", str(record_file), "--poll-interval", "0.001",
                         "--timeout", "0.05")  # fmt: skip
    assert cloud.connected_with == [{"project": "acme"}, {"project": "acme"}]
    code, out = finetune(capsys, "--resume", str(record_file), "--project", "other")
    assert code == 2
    assert "--resume and --cancel use the platform and settings kept in the run record" in out


def test_a_setting_of_another_platform_is_refused_before_anything(capsys, cloud, config, train):
    code, out = finetune(capsys, str(train), "--model", "toy-small", "--config", str(config),
                         "--yes", "--role-arn", "arn:aws:iam::1:role/r")  # fmt: skip
    assert code == 2
    assert "--role-arn is not a toy setting (toy takes: --project, --smoke-model)" in out
    assert cloud.files == {} and not train.with_name("train.jsonl.finetune.json").exists()


def test_platform_chooses_the_backend_over_the_models_provider(capsys, cloud, train):
    code, out = finetune(capsys, str(train), "--model", "gpt-4o-mini-2024-07-18",
                         "--platform", "toy", "--yes", "--poll-interval", "0.001")  # fmt: skip
    assert code == 0, out
    assert cloud.jobs["toy-job-1"]["model"] == "gpt-4o-mini-2024-07-18"


def test_a_platform_without_a_served_model_says_how_to_smoke_test(
    capsys, cloud, config, train, smoke
):
    cloud.serves_tuned_models = False
    argv = [str(train), "--model", "toy-small", "--config", str(config), "--yes",
            "--smoke", str(smoke), "--poll-interval", "0.001"]  # fmt: skip
    code, out = finetune(capsys, *argv)
    assert code == 1, out
    assert out.endswith(
        "smoke test not run: the toy platform serves no tuned model by itself: "
        "pass --smoke-model ID\n"
    )
    assert cloud.prompts == []
    code, out = finetune(capsys, *argv, "--new", "--smoke-model", "toy-deployment-7")
    assert code == 0, out
    assert "all passed (1 case against toy-deployment-7)" in out


def test_a_seed_for_a_platform_without_seeds_is_refused_before_anything(
    capsys, cloud, config, train, monkeypatch
):
    monkeypatch.setattr(ToyBackend, "takes_seed", False)
    code, out = finetune(capsys, str(train), "--model", "toy-small", "--config", str(config),
                         "--yes", "--seed", "7")  # fmt: skip
    assert (code, out) == (2, "error: toy fine-tuning jobs take no seed: drop --seed (nothing "
                              "was uploaded)\n")  # fmt: skip
    assert cloud.files == {} and not train.with_name("train.jsonl.finetune.json").exists()
    # The platforms whose job APIs have no seed say so.
    takes = {name: make_backend(name).takes_seed for name in BACKENDS if name != "toy"}
    assert takes == {"openai": True, "bedrock": False, "fireworks": False, "together": False,
                     "vertex": False}  # fmt: skip


# -- a provider without a backend yet ------------------------------------------------------


def test_a_model_of_a_provider_without_a_backend_is_refused_before_anything(
    capsys, fake_openai_env, train
):
    # Mistral's fine-tuning API is deprecated: jsonl-guard checks its files but submits none.
    code, out = finetune(capsys, str(train), "--model", "open-mistral-nemo", "--yes")
    assert code == 2
    assert out.startswith(
        "jsonl-guard: error: no fine-tune backend for mistral yet; open-mistral-nemo is a "
        "mistral model, and finetune submits to: openai (openai, azure and custom models); "
    )
    assert out.endswith(
        "`jsonl-guard check --model open-mistral-nemo` still checks the file; nothing was "
        "uploaded\n"
    )
    assert fake_openai_env.count() == 0
    assert not train.with_name("train.jsonl.finetune.json").exists()


def test_a_record_of_an_unknown_platform_is_refused(capsys, fake_openai_env, tmp_path):
    record = RunRecord(
        "r1", "m", "t.jsonl", "0" * 64, platform="elsewhere", training_file_id="f1", job_id="j1"
    )
    record.save(tmp_path / "run.json")
    code, out = finetune(capsys, "--resume", str(tmp_path / "run.json"))
    assert code == 2
    assert "no fine-tune backend for elsewhere; there are: openai (" in out
    assert fake_openai_env.count() == 0


def test_which_platform_serves_which_provider():
    assert [platform_for(p) for p in ("openai", "azure", "custom")] == ["openai"] * 3
    assert platform_for("mistral") is None and platform_for("huggingface") is None
    assert {
        name: platform_for(name) for name in ("bedrock", "fireworks", "together", "vertex")
    } == {
        "bedrock": "bedrock",
        "fireworks": "fireworks",
        "together": "together",
        "vertex": "vertex",
    }
    assert isinstance(make_backend("openai"), OpenAIBackend)
    # smoke: the provider's backend, else OpenAI's (unknown names, OpenAI-compatible servers)
    assert isinstance(smoke_backend_for("my-local-llama"), OpenAIBackend)
    assert isinstance(smoke_backend_for("ft:gpt-4o-mini-2024-07-18:acme::x1"), OpenAIBackend)
    # A tuned model's id names its platform, though no model table knows it.
    assert smoke_backend_for("projects/p/locations/us-central1/endpoints/42").platform == "vertex"
    assert smoke_backend_for("accounts/acme/models/support-1").platform == "fireworks"
    assert smoke_backend_for("accounts/acme/datasets/d").platform == "openai"
    arn = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc"
    assert smoke_backend_for(arn).platform == "bedrock"


# -- the OpenAI backend maps the API's answers to the neutral values -----------------------


@pytest.fixture
def backend(fake_openai_env) -> OpenAIBackend:
    backend = OpenAIBackend()
    backend.connect(max_retries=0)
    return backend


def _record(backend: OpenAIBackend, tmp_path: Path, run_id: str = "run1") -> RunRecord:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"messages": []}\n')
    record = RunRecord(run_id, "gpt-4o-mini-2024-07-18", str(path), "0" * 64, epochs=2)
    record.training_file_id = backend.upload(path)
    return record


def test_openai_jobs_and_events(fake_openai_env, backend, tmp_path):
    record = _record(backend, tmp_path)
    assert fake_openai_env.files[record.training_file_id].content == b'{"messages": []}\n'
    job = backend.create_job(record)
    assert job == Job(job.id, "validating_files", created_at=job.created_at)
    assert fake_openai_env.last_job.request["metadata"] == {"jsonl_guard_run": "run1"}
    statuses = [backend.retrieve_job(job.id).status for _ in range(3)]
    assert statuses == ["queued", "running", "succeeded"]
    done = backend.retrieve_job(job.id)
    assert done.fine_tuned_model == f"ft:gpt-4o-mini-2024-07-18:org::{job.id[6:]}"
    assert (done.trained_tokens, done.error) == (12_345, None)
    events = backend.list_events(job.id)
    assert all(isinstance(event, JobEvent) for event in events)
    assert events[0].message == "The job has successfully completed"  # newest first
    assert {event.level for event in events} == {"info"}
    assert backend.find_jobs(record) == [done]
    assert backend.find_jobs(RunRecord("other", "m", "t", "0")) == []


def test_openai_failed_and_cancelled_jobs(fake_openai_env, backend, tmp_path):
    fake_openai_env.script_job(error={"code": "bad_file", "message": "Line 3", "param": "x"})
    failed = backend.create_job(_record(backend, tmp_path))
    assert backend.retrieve_job(failed.id).error == JobError("Line 3", "bad_file", "x")
    fake_openai_env.script_job(("validating_files", "queued"), auto_advance=False)
    running = backend.create_job(_record(backend, tmp_path, "run2"))
    assert backend.cancel_job(running.id).status == CANCELLED


def test_openai_errors_are_described_others_are_not(fake_openai_env, backend, tmp_path):
    fake_openai_env.fail("POST /v1/fine_tuning/jobs", status=500)
    with pytest.raises(openai.APIStatusError) as caught:
        backend.create_job(_record(backend, tmp_path))
    assert backend.describe_error(caught.value, "creating") == (
        "creating failed: HTTP 500 after retries: The server had an error while processing "
        "your request. Sorry about that! (request id req_fake000002)"
    )
    assert backend.describe_error(ValueError("a bug"), "creating") is None


def test_openai_chat(fake_openai_env, backend):
    fake_openai_env.chat_reply = lambda request: {"content": "Hi there", "finish_reason": "length"}
    reply = backend.chat("m", [{"role": "user", "content": "Hi"}], max_completion_tokens=5)
    assert reply == Reply("Hi there", completion_tokens=2, finish_reason="length")
    sent = fake_openai_env.chat_requests[-1]
    assert sent["max_completion_tokens"] == 5 and "temperature" not in sent
