"""``jsonl-guard finetune`` on Fireworks AI: the real ``fireworks-ai`` SDK against the local
fake of Fireworks' REST API (tests/fake_fireworks.py, reached through FIREWORKS_BASE_URL).

Check, upload (the exact bytes, the size the server stored), one job whatever happens
to the answers, follow, smoke-test; the faults of issue 13; and the API key never
printed or written (every run's output and record are searched for it).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fake_fireworks import ACCOUNT, API_KEY, fake_fireworks_fixture, fake_fireworks_server  # noqa: F401
from helpers import EXAMPLES, FIXTURES, run_finetune
from jsonl_guard.cli import main
from jsonl_guard.finetune.backends import platform_for
from jsonl_guard.finetune.fireworks_backend import FireworksBackend
from jsonl_guard.finetune.fireworks_client import job_parameters
from jsonl_guard.finetune.record import RunRecord

MODEL = "accounts/fireworks/models/llama-v3p1-8b-instruct"
FAST = ["--poll-interval", "0.001"]
JOBS = f"accounts/{ACCOUNT}/supervisedFineTuningJobs"


@pytest.fixture(autouse=True)
def no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without their backoff (the fake asks for 1 ms already where it can)."""
    monkeypatch.setattr("jsonl_guard.finetune.create.backoff", lambda attempt: 0.001)
    monkeypatch.setattr("jsonl_guard.finetune.fireworks_backend.backoff", lambda attempt: 0.001)


@pytest.fixture
def train(tmp_path: Path) -> Path:
    return Path(shutil.copy(EXAMPLES / "tiny.jsonl", tmp_path / "train.jsonl"))


@pytest.fixture
def smoke(tmp_path: Path) -> Path:
    path = tmp_path / "smoke.jsonl"
    case = {"name": "ping", "messages": [{"role": "user", "content": "ping"}]}
    path.write_text(json.dumps({**case, "expect": {"contains": "pong"}}) + "\n", encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """``finetune ARGV`` on Fireworks; the key never shows, in the output or the record."""
    code, out = run_finetune(capsys, *argv)
    assert API_KEY not in out and "Traceback" not in out, out
    folders = {Path(arg).parent for arg in argv if Path(arg).is_file()}
    for record in (file for folder in folders for file in folder.glob("*.json")):
        assert API_KEY not in record.read_text("utf-8")
    return code, out


def start(capsys: pytest.CaptureFixture[str], train: Path, *extra: str) -> tuple[int, str]:
    return run(capsys, str(train), "--model", MODEL, "--yes", *FAST, *extra)


def record_of(train: Path) -> RunRecord:
    return RunRecord.load(train.with_name("train.jsonl.finetune.json"))


# -- the whole run --------------------------------------------------------------------------


def test_a_whole_run_uploads_the_checked_bytes_and_smoke_tests_the_deployed_model(
    capsys, fake_fireworks, train, smoke, tmp_path
):
    valid = Path(shutil.copy(FIXTURES / "profiles/fireworks-chat/good.jsonl", tmp_path / "v.jsonl"))
    code, out = start(capsys, train, "--validation-file", str(valid), "--epochs", "2",
                      "--suffix", "Support Bot", "--smoke", str(smoke),
                      "--smoke-model", f"accounts/{ACCOUNT}/models/support#dep-1")  # fmt: skip
    assert code == 0, out
    record = record_of(train)
    job = fake_fireworks.jobs[f"{JOBS}/jg-{record.run_id}"]
    uploaded = {d["filename"]: d["content"] for d in fake_fireworks.datasets.values()}
    assert uploaded == {"train.jsonl": train.read_bytes(), "v.jsonl": valid.read_bytes()}
    assert job.request == {
        "dataset": record.training_file_id,
        "evaluationDataset": record.validation_file_id,
        "baseModel": MODEL,
        "displayName": f"jsonl-guard {record.run_id} Support Bot",
        "outputModel": f"support-bot-{record.run_id}",
        "epochs": 2,
    }
    assert record.training_file_id.startswith(f"accounts/{ACCOUNT}/datasets/jg-")
    assert fake_fireworks.datasets[record.training_file_id]["exampleCount"] == "3"
    assert (record.platform, record.platform_settings["account"]) == ("fireworks", ACCOUNT)
    assert (record.status, record.job_id) == ("succeeded", job.name)
    tuned = f"accounts/{ACCOUNT}/models/support-bot-{record.run_id}"
    assert record.fine_tuned_model == tuned
    assert out.endswith(
        f"job {job.name} created (JOB_STATE_CREATING)\n"
        "status: JOB_STATE_RUNNING\n"
        "status: succeeded\n"
        f"fine-tuned model: {tuned}\n"
        f"smoke test: {smoke}\n"
        f"Smoke test of accounts/{ACCOUNT}/models/support#dep-1 with {smoke} (1 case)\n"
        "  PASS  ping  line 1  1 tokens\n"
        f"all passed (1 case against accounts/{ACCOUNT}/models/support#dep-1)\n"
    )
    assert fake_fireworks.chat_requests[0]["messages"] == [{"role": "user", "content": "ping"}]
    assert fake_fireworks.count("POST /jobs") == 1


def test_without_a_deployment_the_smoke_test_says_how_to_run_it(
    capsys, fake_fireworks, train, smoke
):
    code, out = start(capsys, train, "--smoke", str(smoke))
    assert code == 1, out
    tuned = record_of(train).fine_tuned_model
    assert out.endswith(
        "smoke test not run: Fireworks serves a LoRA fine-tune only on a deployment (not "
        f"serverless). Deploy {tuned} (firectl deployment create {tuned}), then run "
        f"jsonl-guard smoke SMOKE.jsonl --platform fireworks --model {tuned}; or give "
        "--smoke-model a deployed model when you start a run\n"
    )
    assert fake_fireworks.chat_requests == []
    code = main(["smoke", str(smoke), "--platform", "fireworks", "--model", str(tuned)])
    assert code == 0 and fake_fireworks.chat_requests[0]["model"] == tuned


def test_the_same_file_again_reuses_its_dataset_and_starts_a_new_job(capsys, fake_fireworks, train):
    assert start(capsys, train)[0] == 0
    code, out = start(capsys, train, "--new")
    assert code == 0, out
    assert len(fake_fireworks.datasets) == 1 and fake_fireworks.count("POST /upload") == 1
    assert len(fake_fireworks.jobs) == 2


# -- faults on upload -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_an_upload_refused_for_a_while_is_retried(capsys, fake_fireworks, train, status):
    fake_fireworks.fail("POST /upload", status=status, times=2)
    code, out = start(capsys, train)
    assert code == 0, out
    assert fake_fireworks.count("POST /upload") == 3 and len(fake_fireworks.jobs) == 1


def test_an_upload_that_keeps_failing_is_reported_with_its_step(capsys, fake_fireworks, train):
    fake_fireworks.fail("POST /upload", status=500, times=4, message="storage is down")
    code, out = start(capsys, train)
    assert code == 2, out
    assert f"error: uploading {train} failed: HTTP 500 after retries: storage is down" in out
    assert "jsonl-guard finetune --resume" in out and fake_fireworks.jobs == {}
    code, out = run(capsys, "--resume", str(train.with_name("train.jsonl.finetune.json")), *FAST)
    assert code == 0, out  # the dataset made before is used, its upload done now
    assert len(fake_fireworks.datasets) == 1 and len(fake_fireworks.jobs) == 1


def test_a_dataset_created_whose_answer_was_lost_is_adopted(capsys, fake_fireworks, train):
    fake_fireworks.fail("POST /datasets", status=500, applied=True)
    code, out = start(capsys, train)
    assert code == 0, out
    assert [s.status for s in fake_fireworks.requests if s.route == "POST /datasets"] == [500, 409]
    assert len(fake_fireworks.datasets) == 1


def test_a_size_the_server_did_not_store_stops_the_run(capsys, fake_fireworks, train):
    fake_fireworks.stored_bytes_delta = -1
    code, out = start(capsys, train)
    assert code == 2, out
    size = train.stat().st_size
    assert f"Fireworks stored {size - 1:,} bytes for {train}, which has {size:,}" in out
    assert fake_fireworks.jobs == {} and fake_fireworks.datasets == {}  # never adopted
    fake_fireworks.stored_bytes_delta = 0
    code, out = run(capsys, "--resume", str(train.with_name("train.jsonl.finetune.json")), *FAST)
    assert code == 0, out
    assert fake_fireworks.count("POST /upload") == 2 and len(fake_fireworks.jobs) == 1


def test_an_answer_that_is_not_the_apis_is_one_line(capsys, fake_fireworks, train):
    fake_fireworks.fail("GET /jobs/{id}", status=200, body=b"<html>Sign in</html>")
    code, out = start(capsys, train)
    assert code == 2, out
    assert "answered GET /v1/accounts/{account}/supervisedFineTuningJobs/{id} with something" in out
    assert "not the Fireworks API's answer" in out and "check FIREWORKS_BASE_URL" in out


# -- one job, whatever happens to the answer ------------------------------------------------


@pytest.mark.parametrize("honour_job_id", [True, False], ids=["job-id", "server-named"])
@pytest.mark.parametrize("fault", [{"status": 500}, {"disconnect": True}], ids=["500", "dropped"])
def test_a_job_created_whose_answer_was_lost_is_found_not_created_again(
    capsys, fake_fireworks, train, fault, honour_job_id
):
    fake_fireworks.honour_job_id = honour_job_id
    fake_fireworks.fail("POST /jobs", applied=True, **fault)
    code, out = start(capsys, train)
    assert code == 0, out
    assert len(fake_fireworks.jobs) == 1 and fake_fireworks.count("POST /jobs") == 1
    name = fake_fireworks.last_job.name
    assert f"job {name} found (JOB_STATE_" in out and "this run started it" in out
    assert record_of(train).job_id == name


def test_a_creation_that_did_not_happen_is_sent_again(capsys, fake_fireworks, train):
    fake_fireworks.fail("POST /jobs", status=503)
    code, out = start(capsys, train)
    assert code == 0, out
    assert fake_fireworks.count("POST /jobs") == 2 and len(fake_fireworks.jobs) == 1


def test_a_run_stopped_by_its_timeout_resumes_the_same_job_then_cancels_it(
    capsys, fake_fireworks, train
):
    fake_fireworks.states = ("JOB_STATE_CREATING", "JOB_STATE_RUNNING")  # never ends
    record_file = train.with_name("train.jsonl.finetune.json")
    code, out = start(capsys, train, "--timeout", "1.0")
    assert code == 2, out
    assert "--timeout 1 s reached" in out and f"--resume {record_file}" in out
    code, out = run(capsys, "--resume", str(record_file), *FAST, "--timeout", "1.0")
    assert code == 2, out
    assert fake_fireworks.count("POST /jobs") == 1 and len(fake_fireworks.jobs) == 1
    code, out = run(capsys, "--cancel", str(record_file))
    assert (code, out) == (0, f"job {fake_fireworks.last_job.name}: cancelled\n")
    assert fake_fireworks.count("POST /cancel") == 1


def test_a_run_cut_off_while_creating_finds_its_job_on_resume(capsys, fake_fireworks, train):
    fake_fireworks.fail("POST /jobs", applied=True, disconnect=True, times=10)
    fake_fireworks.fail("GET /jobs/{id}", status=500, times=4)  # the look-up fails too
    code, out = start(capsys, train)
    assert code == 2, out
    assert "looking for the job failed: HTTP 500 after retries" in out
    code, out = run(capsys, "--resume", str(train.with_name("train.jsonl.finetune.json")), *FAST)
    assert code == 0, out
    assert fake_fireworks.count("POST /jobs") == 1 and len(fake_fireworks.jobs) == 1


# -- how a job ends -------------------------------------------------------------------------


def test_a_failed_job_shows_the_platforms_message(capsys, fake_fireworks, train):
    fake_fireworks.states = ("JOB_STATE_VALIDATING", "JOB_STATE_FAILED")
    code, out = start(capsys, train)
    assert code == 1, out
    name = fake_fireworks.last_job.name
    assert out.endswith(
        f"status: failed\njob {name} failed: line 2: bad role (code=INVALID_ARGUMENT)\n"
    )


def test_an_expired_job_is_a_failure_and_an_early_stopped_one_a_success(fake_fireworks, tmp_path):
    backend = FireworksBackend()
    backend.configure({})
    backend.check_settings()
    backend.connect(max_retries=0)
    record = RunRecord("r1", MODEL, "t.jsonl", "0" * 64)
    record.training_file_id = f"accounts/{ACCOUNT}/datasets/d"
    fake_fireworks.states = ("JOB_STATE_EXPIRED",)
    expired = backend.create_job(record)
    assert (expired.status, expired.error and expired.error.message) == (
        "failed", "the job expired before it ran")  # fmt: skip
    fake_fireworks.states = ("JOB_STATE_EARLY_STOPPED",)
    stopped = backend.create_job(RunRecord("r2", MODEL, "t.jsonl", "0" * 64))
    assert stopped.fine_tuned_model == f"accounts/{ACCOUNT}/models/jg-r2"
    assert backend.list_events(stopped.id) == []
    assert (
        job_parameters(RunRecord("r3", "llama-v3p1-8b-instruct", "t", "0"))["base_model"] == MODEL
    )


# -- nothing sent -----------------------------------------------------------------------------


def test_bad_data_uploads_nothing(capsys, fake_fireworks, tmp_path):
    bad = Path(shutil.copy(EXAMPLES / "support-bad.jsonl", tmp_path / "train.jsonl"))
    code, out = start(capsys, bad)
    assert code == 1, out
    assert "nothing was uploaded" in out and fake_fireworks.count() == 0


def test_an_openai_format_file_gets_the_convert_command(capsys, fake_fireworks, tmp_path):
    legacy = FIXTURES / "profiles/openai-completion/good.jsonl"
    path = Path(shutil.copy(legacy, tmp_path / "train.jsonl"))
    code, out = start(capsys, path)
    assert code == 1, out
    assert (
        f"  jsonl-guard convert {path} --to fireworks-chat --model {MODEL} "
        f"--output {tmp_path / 'train.fireworks-chat.jsonl'}\nnothing was uploaded"
    ) in out
    assert fake_fireworks.count() == 0


def test_a_budget_without_a_price_cannot_be_checked(capsys, fake_fireworks, train):
    code, out = start(capsys, train, "--max-cost", "5")
    assert code == 2, out
    assert "price_per_million" in out and fake_fireworks.count() == 0


def test_a_missing_account_or_key_is_named(capsys, fake_fireworks, train, monkeypatch):
    monkeypatch.delenv("FIREWORKS_ACCOUNT_ID")
    code, out = start(capsys, train)
    assert code == 2
    assert "no Fireworks account: pass --account ID or set FIREWORKS_ACCOUNT_ID" in out
    code, out = start(capsys, train, "--account", "Not An Id")
    assert code == 2 and "--account / FIREWORKS_ACCOUNT_ID" in out
    monkeypatch.delenv("FIREWORKS_API_KEY")
    code, out = start(capsys, train, "--account", ACCOUNT)
    assert code == 2 and "no Fireworks API key: set FIREWORKS_API_KEY" in out
    assert fake_fireworks.count() == 0


def test_a_rejected_key_is_reported_without_being_shown(capsys, fake_fireworks, train):
    fake_fireworks.api_key = "another-key-entirely"
    code, out = start(capsys, train)
    assert code == 2, out
    assert "failed: the API rejected the credentials (HTTP 401): set FIREWORKS_API_KEY" in out


def test_fireworks_models_go_to_the_fireworks_backend():
    assert platform_for("fireworks") == "fireworks"
