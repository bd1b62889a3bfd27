"""`jsonl-guard finetune` on Together AI: the real ``together`` SDK (1.5.x) against a local
fake of Together's REST API (tests/fake_together.py), reached through TOGETHER_BASE_URL.

The same promises as on OpenAI: checked first, the checked bytes uploaded (Together's own
file check kept), one job whatever happens to the creation's answer, resumable, the
platform's words when something fails, and the API key never shown or written.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fake_together import API_KEY, FakeTogether, fake_together_fixture  # noqa: F401
from helpers import EXAMPLES, ROOT, run_finetune
from jsonl_guard.cli import main
from jsonl_guard.errors import JsonlGuardError
from jsonl_guard.finetune.backend import CLOCK_SKEW
from jsonl_guard.finetune.record import RunRecord
from jsonl_guard.finetune.together_answers import job_suffix
from jsonl_guard.finetune.together_backend import TogetherBackend, TogetherRefused

MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"
FIXTURES = ROOT / "tests" / "fixtures" / "together"
FAST = ["--model", MODEL, "--poll-interval", "0.001"]
CREATE = "POST /v1/fine-tunes"
UPLOAD = "POST /v1/files"


@pytest.fixture
def train(tmp_path: Path) -> Path:
    return Path(shutil.copy(FIXTURES / "train.jsonl", tmp_path / "train.jsonl"))


def record_of(train: Path) -> RunRecord:
    return RunRecord.load(train.with_name("train.jsonl.finetune.json"))


def assert_clean(out: str) -> None:
    assert "Traceback" not in out and "internal error" not in out, out
    assert API_KEY not in out, out


# -- the whole way -------------------------------------------------------------------------


def test_a_whole_run_uploads_the_checked_bytes_and_smoke_tests_the_tuned_model(
    capsys, fake_together, train, tmp_path
):
    valid = Path(shutil.copy(FIXTURES / "valid.jsonl", tmp_path / "valid.jsonl"))
    smoke = FIXTURES / "smoke.jsonl"
    code, out = run_finetune(
        capsys,
        str(train),
        "--yes",
        *FAST,
        "--validation-file",
        str(valid),
        "--epochs",
        "2",
        "--suffix",
        "support",
        "--smoke",
        str(smoke),
    )
    assert code == 0, out
    assert_clean(out)
    record = record_of(train)
    stored = {f["form"]["file_name"]: f["bytes"] for f in fake_together.files.values()}
    assert stored == {"train.jsonl": train.read_bytes(), "valid.jsonl": valid.read_bytes()}
    assert [f["form"]["purpose"] for f in fake_together.files.values()] == ["fine-tune"] * 2
    job = fake_together.last_job
    sent = job["request"]
    assert sent["model"] == MODEL and sent["n_epochs"] == 2 and sent["n_evals"] == 1
    assert sent["training_file"] == record.training_file_id
    assert sent["validation_file"] == record.validation_file_id
    assert sent["suffix"] == f"support-{record.run_id}" == job_suffix(record)
    assert sent["training_method"] == {"method": "sft", "train_on_inputs": "auto"}
    assert sent["training_type"]["type"] == "Lora"
    assert len(fake_together.jobs) == 1 and fake_together.count(CREATE) == 1
    assert record.platform == "together" and record.job_id == job["id"]
    assert record.status == "succeeded" and record.fine_tuned_model == job["output_name"]
    assert record.trained_tokens == 1234
    assert f"job {job['id']} created (pending)" in out
    for status in ("queued", "running", "succeeded"):
        assert f"status: {status}" in out
    assert "[info] job is running" in out  # Together's events, as they come
    assert f"fine-tuned model: {job['output_name']}" in out
    assert [r["model"] for r in fake_together.chat_requests] == [job["output_name"]]
    assert "1 passed" in out or "PASS" in out, out
    # Nothing of the SDK's own output (progress bars, banners) reaches the terminal.
    assert "Uploading file" not in out and "Validating file" not in out
    assert API_KEY not in train.with_name("train.jsonl.finetune.json").read_text("utf-8")


def test_a_preference_file_starts_a_dpo_job(capsys, fake_together, tmp_path):
    train = Path(shutil.copy(FIXTURES / "preference.jsonl", tmp_path / "train.jsonl"))
    code, out = run_finetune(capsys, str(train), "--yes", *FAST)
    assert code == 0, out
    assert fake_together.last_job["request"]["training_method"]["method"] == "dpo"
    assert record_of(train).method == "dpo"


@pytest.mark.slow  # a fresh interpreter imports together: seconds on a busy machine
def test_the_sdk_is_imported_without_its_banner():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOGETHER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    code = "from jsonl_guard.finetune.together_backend import import_together; import_together()"
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


# -- faults --------------------------------------------------------------------------------


def test_a_rate_limited_or_failed_upload_is_retried(capsys, fake_together, train):
    fake_together.fail(UPLOAD, status=429)  # the request for a presigned URL
    fake_together.fail("PUT /upload/{id}", status=502)  # the bytes, sent there
    code, out = run_finetune(capsys, str(train), "--yes", *FAST)
    assert code == 0, out
    assert fake_together.count(UPLOAD) == 3 and fake_together.count("PUT /upload/{id}") == 2
    uploaded = [f["bytes"] for f in fake_together.files.values() if f["processed"]]
    assert uploaded == [train.read_bytes()]
    assert fake_together.last_job["request"]["training_file"] == record_of(train).training_file_id


def test_an_upload_that_keeps_failing_is_reported_with_its_step(capsys, fake_together, train):
    route = "POST /v1/files/{id}/preprocess"
    fake_together.fail(route, status=502, times=1000, message="bad gateway")
    code, out = run_finetune(capsys, str(train), "--yes", *FAST)
    assert code == 2, out
    assert f"uploading {train} failed: HTTP 502: bad gateway\n" in out
    assert "--resume" in out
    assert fake_together.count(route) == 4  # the first try and 3 retries
    assert not fake_together.jobs and fake_together.count(CREATE) == 0
    assert_clean(out)


@pytest.mark.parametrize("echo_suffix", [True, False], ids=["suffix", "suffix-dropped"])
@pytest.mark.parametrize("fault", [{"status": 500}, {"disconnect": True}], ids=["500", "dropped"])
def test_a_job_created_whose_answer_is_lost_is_found_not_created_again(
    capsys, fake_together, train, fault, echo_suffix
):
    fake_together.echo_suffix = echo_suffix
    fake_together.fail(CREATE, applied=True, **fault)
    code, out = run_finetune(capsys, str(train), "--yes", *FAST)
    assert code == 0, out
    assert len(fake_together.jobs) == 1 and fake_together.count(CREATE) == 1
    job = fake_together.last_job
    assert f"job {job['id']} found" in out
    assert record_of(train).job_id == job["id"]


def test_a_creation_refused_before_any_job_is_sent_again(capsys, fake_together, train):
    fake_together.fail(CREATE, status=503)
    code, out = run_finetune(capsys, str(train), "--yes", *FAST)
    assert code == 0, out
    assert fake_together.count(CREATE) == 2 and len(fake_together.jobs) == 1
    assert fake_together.count("GET /v1/fine-tunes") == 1  # looked before sending again


def test_a_creation_refused_for_good_is_not_retried(capsys, fake_together, train):
    fake_together.fail(CREATE, status=400, message="model not available for fine-tuning")
    code, out = run_finetune(capsys, str(train), "--yes", *FAST)
    assert code == 2, out
    assert "creating the fine-tuning job failed: HTTP 400: model not available" in out
    assert fake_together.count(CREATE) == 1 and not fake_together.jobs
    assert_clean(out)


def test_a_job_that_fails_shows_togethers_message(capsys, fake_together, train):
    fake_together.statuses = ("pending", "running", "error")
    fake_together.error_message = "CUDA out of memory at step 3"
    code, out = run_finetune(capsys, str(train), "--yes", *FAST)
    assert code == 1, out
    assert "failed: CUDA out of memory at step 3 (code=error)" in out
    assert record_of(train).status == "failed"


def test_a_run_stopped_by_its_timeout_resumes_the_same_job(capsys, fake_together, train):
    fake_together.hold = True
    code, out = run_finetune(capsys, str(train), "--yes", *FAST, "--timeout", "2")
    assert code == 2, out
    assert "--timeout 2 s reached while following the job" in out
    job_id = record_of(train).job_id
    fake_together.hold = False
    record = str(train.with_name("train.jsonl.finetune.json"))
    code, out = run_finetune(capsys, "--resume", record, "--poll-interval", "0.001")
    assert code == 0, out
    assert record_of(train).job_id == job_id and record_of(train).status == "succeeded"
    assert fake_together.count(CREATE) == 1 and fake_together.count(UPLOAD) == 1


def test_cancel_asks_together_to_cancel_the_job(capsys, fake_together, train):
    fake_together.hold = True
    code, _ = run_finetune(capsys, str(train), "--yes", *FAST, "--timeout", "2")
    assert code == 2
    record = str(train.with_name("train.jsonl.finetune.json"))
    code, out = run_finetune(capsys, "--cancel", record)
    assert code == 0, out
    assert fake_together.count("POST /v1/fine-tunes/{id}/cancel") == 1
    assert fake_together.last_job["status"] == "cancel_requested"
    fake_together.hold = False
    code, out = run_finetune(capsys, "--resume", record, "--poll-interval", "0.001")
    assert code == 1 and "ended: cancelled" in out, out


def test_a_wrong_key_is_named_never_printed(capsys, fake_together, train, monkeypatch):
    monkeypatch.setenv("TOGETHER_API_KEY", "tgk-wrong-secret-77")
    code, out = run_finetune(capsys, str(train), "--yes", *FAST)
    assert code == 2, out
    assert "Together rejected the API key (HTTP 401): set TOGETHER_API_KEY" in out
    assert "tgk-wrong-secret-77" not in out
    assert "tgk-wrong-secret-77" not in train.with_name("train.jsonl.finetune.json").read_text()


# -- refused before anything is sent ---------------------------------------------------------


def test_bad_data_is_neither_uploaded_nor_trained(capsys, fake_together, tmp_path):
    train = tmp_path / "train.jsonl"
    train.write_text('{"messages": [{"role": "user", "content": "hi"}]}\n', encoding="utf-8")
    code, out = run_finetune(capsys, str(train), "--yes", *FAST)
    assert code == 1, out
    assert "nothing was uploaded" in out and fake_together.count() == 0


def test_an_openai_file_is_refused_with_the_convert_command(capsys, fake_together, tmp_path):
    # An OpenAI chat file is often a valid Together conversation file too (detected as
    # one); said to be OpenAI's, it is refused with the command that converts it.
    train = Path(shutil.copy(EXAMPLES / "tiny.jsonl", tmp_path / "train.jsonl"))
    code, out = run_finetune(capsys, str(train), "--yes", *FAST, "--profile", "openai-chat")
    assert code == 1, out
    assert f"jsonl-guard convert {train} --to together-conversation --model {MODEL}" in out
    assert fake_together.count() == 0


def test_a_budget_without_a_price_cannot_be_checked(capsys, fake_together, train):
    code, out = run_finetune(capsys, str(train), "--yes", *FAST, "--max-cost", "5")
    assert code == 2, out
    assert "price_per_million" in out and fake_together.count() == 0


def test_a_missing_key_names_the_variable(capsys, fake_together, train, monkeypatch):
    monkeypatch.delenv("TOGETHER_API_KEY")
    code, out = run_finetune(capsys, str(train), "--yes", *FAST)
    assert code == 2, out
    assert "set TOGETHER_API_KEY" in out and fake_together.count() == 0


def test_a_base_url_that_is_not_a_url_stops_the_run_first(
    capsys, fake_together, train, monkeypatch
):
    monkeypatch.setenv("TOGETHER_BASE_URL", "api.together.xyz")
    code, out = run_finetune(capsys, str(train), "--yes", *FAST)
    assert code == 2, out
    assert "TOGETHER_BASE_URL is not an http(s) URL" in out and fake_together.count() == 0
    assert not train.with_name("train.jsonl.finetune.json").exists()


# -- the backend's own checks ------------------------------------------------------------------


def _backend() -> TogetherBackend:
    backend = TogetherBackend(sleep=lambda _: None)
    backend.connect(max_retries=1, timeout=5)
    return backend


def test_togethers_own_file_check_is_kept_and_said_clearly(fake_together, tmp_path):
    bad = tmp_path / "mixed.jsonl"
    lines = [{"text": "a plain text example"}, {"prompt": "Q?", "completion": "A."}]
    bad.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    with pytest.raises(TogetherRefused) as caught:
        _backend().upload(bad)
    message = str(caught.value)
    assert f"Together's own file check refused {bad} (line 2)" in message
    assert "the same dataset format" in message and "\n" not in message
    assert fake_together.count() == 0


def test_a_size_that_differs_from_the_file_is_refused(fake_together, train):
    fake_together.stored_bytes_delta = -1
    with pytest.raises(Exception, match="that is not the file that was checked"):
        _backend().upload(train)


def test_find_jobs_keeps_an_untagged_job_within_the_creation_window(fake_together, train):
    backend = _backend()
    file_id = backend.upload(train)
    record = RunRecord("0123456789ab", MODEL, str(train), "0" * 64, training_file_id=file_id)
    record.create_started_at = 10_000.0  # long ago: ``since`` is before any job here
    fake_together.echo_suffix = False
    backend.create_job(record)
    assert [job.id for job in backend.find_jobs(record)] == [fake_together.last_job["id"]]
    record.create_started_at = 4_000_000_000.0 + CLOCK_SKEW  # after the job: not it
    assert backend.find_jobs(record) == []


# -- jsonl-guard smoke ---------------------------------------------------------------------------


def test_smoke_reaches_a_tuned_model_on_together(capsys, fake_together):
    tuned = "fake-account/Meta-Llama-3.1-8B-Instruct-Reference-support-0123456789ab-1a2b"
    code = main(
        ["smoke", str(FIXTURES / "smoke.jsonl"), "--model", tuned, "--platform", "together"]
    )
    out = capsys.readouterr()
    assert code == 0, out
    assert [r["model"] for r in fake_together.chat_requests] == [tuned]
    assert fake_together.chat_requests[0]["messages"] == [{"role": "user", "content": "ping"}]
    assert API_KEY not in out.out + out.err


def test_a_smoke_reply_that_fails_its_expectation_fails_the_run(capsys, fake_together):
    fake_together.chat_reply = "I cannot help with that"
    code = main(
        ["smoke", str(FIXTURES / "smoke.jsonl"), "--model", MODEL, "--platform", "together"]
    )
    out = capsys.readouterr()
    assert code == 1, out
    assert "pong" in out.out + out.err


def test_a_page_that_is_not_togethers_answer_is_one_line(capsys, fake_together, train):
    page = b"<html><body>Sign in to the corporate proxy</body></html>"
    fake_together.fail("GET /v1/fine-tunes/{id}", status=200, raw=page)
    code, out = run_finetune(capsys, str(train), "--yes", *FAST)
    assert code == 2, out
    assert "answered GET /fine-tunes/{id} with something that is not Together's API" in out
    assert "check TOGETHER_BASE_URL" in out and "corporate proxy" not in out
    assert_clean(out)


def test_a_missing_sdk_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "together", None)  # as if not installed
    with pytest.raises(JsonlGuardError, match=r'pip install "jsonl-guard\[together\]"'):
        TogetherBackend().connect()
