"""`jsonl-guard finetune` against a faulty server: never a second paid job, never past
``--timeout``, never a traceback, never raw server text on the terminal.

The real openai SDK talks to the local fake server (tests/fake_openai.py), which injects
the faults: a job created and then its answer lost (500, dropped connection, no answer at
all), a server that does not echo metadata, a hung request, an HTML page with status 200.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openai
import pytest

from fake_openai import FakeOpenAI, fake_openai_env_fixture, fake_openai_fixture  # noqa: F401
from helpers import EXAMPLES, ROOT, run_finetune
from jsonl_guard.cli import main
from jsonl_guard.finetune import Console, FollowSettings, resume_finetune
from jsonl_guard.finetune.openai_backend import OpenAIBackend
from jsonl_guard.finetune.record import RunRecord

CREATE = "POST /v1/fine_tuning/jobs"
FAST = ["--poll-interval", "0.01"]
MODEL = "gpt-4o-mini-2024-07-18"


@pytest.fixture
def train(tmp_path: Path) -> Path:
    return Path(shutil.copy(EXAMPLES / "support-good.jsonl", tmp_path / "train.jsonl"))


run = run_finetune


def assert_clean(out: str) -> None:
    """What every stop must be: the tool's own words, never Python's."""
    assert "Traceback" not in out and "internal error" not in out, out


# -- 1. a job is created once, whatever happens to the answer --------------------------------


@pytest.mark.parametrize("echo_metadata", [True, False], ids=["metadata", "no-metadata"])
@pytest.mark.parametrize(
    "fault",
    [{"status": 500}, {"disconnect": True}, {"status": 503, "times": 2}],
    ids=["500", "dropped", "503-twice"],
)
def test_a_job_created_whose_answer_is_lost_is_found_not_created_again(
    capsys, fake_openai_env, train, fault, echo_metadata
):
    fake_openai_env.echo_metadata = echo_metadata
    fake_openai_env.fail(CREATE, applied=True, **fault)
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 0, out
    assert len(fake_openai_env.jobs) == 1
    assert fake_openai_env.count(CREATE) == 1  # looked up, never sent again
    job = fake_openai_env.last_job
    assert f"job {job.id} found (validating_files): this run started it" in out
    assert RunRecord.load(train.with_name("train.jsonl.finetune.json")).job_id == job.id
    assert "fine-tuned model: ft:" in out


def test_a_creation_that_did_not_happen_is_sent_again(capsys, fake_openai_env, train):
    fake_openai_env.fail(CREATE, status=500)  # refused before any job was made
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 0, out
    assert fake_openai_env.count(CREATE) == 2
    assert fake_openai_env.count("GET /v1/fine_tuning/jobs") == 1  # looked first
    assert len(fake_openai_env.jobs) == 1


def test_a_creation_refused_for_good_is_not_retried(capsys, fake_openai_env, train):
    fake_openai_env.fail(CREATE, status=400, message="invalid model")
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 2
    assert "creating the fine-tuning job failed: HTTP 400: invalid model" in out
    assert fake_openai_env.count(CREATE) == 1 and not fake_openai_env.jobs
    assert_clean(out)


def test_a_job_whose_answers_keep_getting_lost_is_still_made_once(capsys, fake_openai_env, train):
    # Every creation "fails" after the work is done; the first lookup finds the job.
    fake_openai_env.fail(CREATE, applied=True, status=500, times=10)
    fake_openai_env.fail("GET /v1/fine_tuning/jobs", status=500, times=2)  # lookups retried
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 0, out
    assert len(fake_openai_env.jobs) == 1 and fake_openai_env.count(CREATE) == 1


def _cut_off_creation(record_file: Path) -> None:
    """As if the run was killed while its job-creation request was out."""
    data = json.loads(record_file.read_text("utf-8"))
    data.update(job_id=None, status="creating", job_create_started=True, fine_tuned_model=None)
    data.update(create_started_at=time.time() - 5, trained_tokens=None, seen_event_ids=[])
    record_file.write_text(json.dumps(data), encoding="utf-8")


def _extra_job(fake: FakeOpenAI, training_file: str) -> str:
    with openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0) as client:
        return client.fine_tuning.jobs.create(model=MODEL, training_file=training_file).id


def test_several_candidates_without_metadata_stop_and_ask(capsys, fake_openai_env, train):
    fake_openai_env.echo_metadata = False
    fake_openai_env.script_job(("validating_files", "running"), auto_advance=False)
    record_file = train.with_name("run.json")
    code, out = run(capsys, str(train), "--yes", "--record", str(record_file), "--timeout", "1")
    assert code == 2, out
    _cut_off_creation(record_file)
    first = fake_openai_env.last_job.id
    other = _extra_job(fake_openai_env, fake_openai_env.last_job.request["training_file"])
    code, out = run(capsys, "--resume", str(record_file), *FAST)
    assert code == 2, out
    assert f"cannot tell which job this run started: {other}, {first}" in out
    assert f"jsonl-guard finetune --resume {record_file}" in out and "--new" in out
    assert len(fake_openai_env.jobs) == 2  # nothing created while in doubt
    # The user cancels the one that is not theirs; --resume follows the one left.
    fake_openai_env.set_status(other, "cancelled")
    fake_openai_env.set_status(first, "succeeded")
    code, out = run(capsys, "--resume", str(record_file), *FAST)
    assert code == 0, out
    assert RunRecord.load(record_file).job_id == first
    assert len(fake_openai_env.jobs) == 2


def test_jobs_of_other_files_models_or_runs_are_never_adopted(capsys, fake_openai_env, train):
    record_file = train.with_name("run.json")
    run(capsys, str(train), "--yes", "--record", str(record_file), *FAST)
    _cut_off_creation(record_file)
    data = json.loads(record_file.read_text("utf-8"))
    data["run_id"] = "another-run"  # the job on the server is tagged with the old id
    record_file.write_text(json.dumps(data), encoding="utf-8")
    code, out = run(capsys, "--resume", str(record_file), *FAST)
    assert code == 0, out
    assert len(fake_openai_env.jobs) == 2  # the other run's job was left alone
    assert RunRecord.load(record_file).job_id == fake_openai_env.last_job.id


@pytest.mark.parametrize("echo_metadata", [True, False], ids=["metadata", "no-metadata"])
def test_kill_9_while_the_job_is_being_created_then_resume_makes_one_job(
    fake_openai_env, train, tmp_path, echo_metadata
):
    """A real process killed while the server holds the creation request."""
    fake_openai = fake_openai_env
    fake_openai.echo_metadata = echo_metadata
    fake_openai.fail(CREATE, applied=True, hang=True)  # the job is made; no answer ever comes
    record_file = tmp_path / "run.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "pytest_plugin")]),
        "OPENAI_BASE_URL": fake_openai.base_url,
        "OPENAI_API_KEY": fake_openai.api_key,
    }
    argv = [str(train), "--model", MODEL, "--yes", "--record", str(record_file)]
    command = [sys.executable, "-m", "jsonl_guard", "finetune", *argv]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not fake_openai.jobs and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert fake_openai.jobs, process.communicate(timeout=5)[0]
        assert RunRecord.load(record_file).status == "creating"  # written before the request
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    console = _Capture()
    code = resume_finetune(record_file, Console(console), FollowSettings(poll_interval=0.01))
    assert code == 0, console.text
    assert len(fake_openai.jobs) == 1 and fake_openai.count(CREATE) == 1
    assert RunRecord.load(record_file).job_id == fake_openai.last_job.id


class _Capture:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False


# -- 2. --timeout bounds the whole run ---------------------------------------------------------


def test_timeout_bounds_a_hung_server_http_requests_included(capsys, fake_openai_env, train):
    fake_openai_env.fail("POST /v1/files", hang=True, times=10)
    started = time.monotonic()
    code, out = run(capsys, str(train), "--yes", "--timeout", "1.5", *FAST)
    took = time.monotonic() - started
    assert code == 2, out
    assert took < 10, f"--timeout 1.5 took {took:.1f} s"  # was 120 s x 4 attempts
    assert "--timeout 1.5 s reached while uploading" in out
    assert f"jsonl-guard finetune --resume {train}.finetune.json" in out
    assert "--max-retries" not in out
    assert_clean(out)


def test_timeout_during_a_hung_creation_then_resume_finds_the_job(capsys, fake_openai_env, train):
    fake_openai_env.fail(CREATE, applied=True, hang=True)
    started = time.monotonic()
    code, out = run(capsys, str(train), "--yes", "--timeout", "1.5", *FAST)
    assert code == 2, out
    assert time.monotonic() - started < 10
    assert "--timeout 1.5 s reached while creating the fine-tuning job" in out
    assert "--resume looks for it before it starts one" in out
    code, out = run(capsys, "--resume", f"{train}.finetune.json", *FAST)
    assert code == 0, out
    assert len(fake_openai_env.jobs) == 1 and fake_openai_env.count(CREATE) == 1


def test_rate_limits_beyond_the_retries_name_no_missing_option(capsys, fake_openai_env, train):
    fake_openai_env.fail("POST /v1/files", status=429, times=10)
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 2
    assert "rate limited (HTTP 429, rate_limit_exceeded) after retries" in out
    assert "--max-retries" not in out  # finetune has no such option
    assert fake_openai_env.count("POST /v1/files") == 4  # 1 + 3 retries


# -- 3. a bad server or setting ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://[::1", "Invalid IPv6 URL"),
        ("http://127.0.0.1:99999/v1", "out of range"),
        ("127.0.0.1:8080/v1", "must be an http:// or https:// URL"),
    ],
)
def test_an_invalid_base_url_stops_before_anything(
    capsys, fake_openai_env, train, monkeypatch, url, why
):
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 2, out
    assert f"invalid OPENAI_BASE_URL '{url}'" in out and why in out
    assert "training file:" not in out  # before the check, the record and any upload
    assert not train.with_name("train.jsonl.finetune.json").exists()
    assert fake_openai_env.count() == 0
    assert_clean(out)


@pytest.mark.parametrize(
    ("route", "endpoint"),
    [
        ("POST /v1/files", "POST /files"),
        ("GET /v1/fine_tuning/jobs/{id}", "GET /fine_tuning/jobs/{id}"),
        ("GET /v1/fine_tuning/jobs/{id}/events", "GET /fine_tuning/jobs/{id}/events"),
    ],
)
@pytest.mark.parametrize(
    "body", [b"<html><body>Sign in</body></html>", b'"ok"', b"{}", b"[1, 2]", b'{"id": 5}']
)
def test_a_200_answer_that_is_not_the_api_s_json_is_one_clear_line(
    capsys, fake_openai_env, train, route, endpoint, body
):
    fake_openai_env.fail(route, status=200, body=body, headers={"content-type": "application/json"})
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 2, out
    assert f"answered {endpoint} with something that is not the OpenAI API's answer" in out
    assert "check OPENAI_BASE_URL" in out and "--resume" in out
    assert_clean(out)


def test_an_html_page_for_the_job_creation_is_looked_up_on_resume(capsys, fake_openai_env, train):
    fake_openai_env.fail(CREATE, status=200, body=b"<html>proxy</html>")
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 2 and "answered POST /fine_tuning/jobs with" in out, out
    code, out = run(capsys, "--resume", f"{train}.finetune.json", *FAST)
    assert code == 0, out
    assert len(fake_openai_env.jobs) == 1


@pytest.mark.parametrize("flag", ["--poll-interval", "--timeout"])
@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "soon"])
def test_bad_durations_are_refused_while_parsing(capsys, fake_openai_env, train, flag, value):
    with pytest.raises(SystemExit) as stopped:  # argparse's own exit, as for any bad flag
        main(["finetune", str(train), "--yes", flag, value])
    out = capsys.readouterr().err
    assert stopped.value.code == 2
    assert f"argument {flag}: '{value}'" in out
    assert fake_openai_env.count() == 0
    assert not train.with_name("train.jsonl.finetune.json").exists()


@pytest.mark.parametrize("replace", ["deleted", "directory"])
def test_resume_after_the_training_file_went_away(capsys, fake_openai_env, train, replace):
    fake_openai_env.fail("POST /v1/files", status=500, times=4)  # the upload fails for now
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 2, out
    train.unlink()
    if replace == "directory":
        train.mkdir()
    code, out = run(capsys, "--resume", f"{train}.finetune.json", *FAST)
    assert code == 2, out
    assert f"cannot read {train}, which this run checked and must upload" in out
    assert "--new" in out and "train.jsonl was not uploaded" in out
    assert_clean(out)


# -- 5. what the server says is printed safely -----------------------------------------------

KEY = "sk-test-live-key-0123456789abcdef"
FORGED = "\x1b[2Jall clear\n::error::forged " + KEY


def test_server_text_is_escaped_and_the_key_masked(capsys, fake_openai_env, train, monkeypatch):
    fake_openai_env.api_key = KEY
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    fake_openai_env.script_job(
        error={"code": "bad\x1b[31m", "message": FORGED, "param": None}, events=[FORGED]
    )
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 1, out
    assert "\x1b" not in out and KEY not in out
    assert not any(line.startswith("::") for line in out.splitlines())
    assert "[info] \\x1b[2Jall clear\\x0a::error::forged ***" in out
    assert "failed: \\x1b[2Jall clear\\x0a::error::forged *** (code=bad\\x1b[31m)" in out


def test_the_key_in_use_is_masked_even_when_not_in_the_environment(
    fake_openai_env, train, monkeypatch
):
    fake_openai_env.api_key = KEY
    monkeypatch.delenv("OPENAI_API_KEY")
    client = openai.OpenAI(base_url=fake_openai_env.base_url, api_key=KEY)
    record_file = train.with_name("run.json")
    record = RunRecord(run_id="r1", model=MODEL, training_path=str(train), training_sha256="0" * 64)
    fake_openai_env.script_job(events=[FORGED])
    with openai.OpenAI(base_url=fake_openai_env.base_url, api_key=KEY) as uploader:
        record.training_file_id = uploader.files.create(
            file=("train.jsonl", train.read_bytes()), purpose="fine-tune"
        ).id
        record.job_id = uploader.fine_tuning.jobs.create(
            model=MODEL, training_file=record.training_file_id
        ).id
    record.status = "validating_files"
    record.save(record_file)
    console = _Capture()
    settings = FollowSettings(poll_interval=0.01)
    code = resume_finetune(record_file, Console(console), settings, OpenAIBackend(client))
    assert code == 0, console.text
    assert KEY not in console.text and "forged ***" in console.text


def test_smoke_replies_are_escaped_and_masked(capsys, fake_openai_env, tmp_path, monkeypatch):
    fake_openai_env.api_key = KEY
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    fake_openai_env.chat_reply = FORGED
    smoke = tmp_path / "smoke.jsonl"
    case = {"messages": [{"role": "user", "content": "hi"}], "expect": {"contains": "pong"}}
    smoke.write_text(json.dumps(case) + "\n", encoding="utf-8")
    code = main(["smoke", str(smoke), "--model", "m"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "\x1b" not in out and KEY not in out
    assert not any(line.startswith("::") for line in out.splitlines())
    assert "\\x1b[2Jall clear" in out and "::error::forged ***" in out
