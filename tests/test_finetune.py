"""`jsonl-guard finetune` end to end: the real openai SDK against the local fake server.

Never a remote host: the fake_openai_env fixture points OPENAI_BASE_URL at 127.0.0.1.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fake_openai import fake_openai_env_fixture, fake_openai_fixture  # noqa: F401
from helpers import EXAMPLES, example, run_finetune, write_jsonl
from jsonl_guard.cli import main
from jsonl_guard.finetune import (
    Console,
    FinetuneStop,
    FollowSettings,
    submit_and_follow,
)
from jsonl_guard.finetune.record import RunRecord

FAST = ["--poll-interval", "0.01"]


@pytest.fixture
def train(tmp_path: Path) -> Path:
    return Path(shutil.copy(EXAMPLES / "support-good.jsonl", tmp_path / "train.jsonl"))


@pytest.fixture
def smoke(tmp_path: Path) -> Path:
    path = tmp_path / "smoke.jsonl"
    case = {"messages": [{"role": "user", "content": "ping"}], "expect": {"contains": "pong"}}
    path.write_text(json.dumps({"name": "ping", **case}) + "\n", encoding="utf-8")
    return path


run = run_finetune


def test_happy_path_uploads_exact_bytes_starts_the_job_and_smoke_tests(
    capsys, fake_openai_env, train, smoke, tmp_path
):
    fake_openai_env.chat_reply = "pong!"
    valid = write_jsonl(tmp_path / "valid.jsonl", [example(i) for i in range(5)])
    code, out = run(
        capsys, str(train), "--model", "gpt-4o-mini-2024-07-18", "--validation-file", str(valid),
        "--epochs", "2", "--suffix", "spokewise", "--seed", "7", "--smoke", str(smoke), "--yes",
        *FAST,
    )  # fmt: skip
    assert code == 0, out
    uploaded = {f.filename: f for f in fake_openai_env.files.values()}
    assert uploaded["train.jsonl"].content == train.read_bytes()
    assert uploaded["train.jsonl"].purpose == "fine-tune"
    assert uploaded["valid.jsonl"].content == valid.read_bytes()
    request = fake_openai_env.last_job.request
    assert request["model"] == "gpt-4o-mini-2024-07-18"
    assert request["method"] == {
        "type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}
    }  # fmt: skip
    assert (request["suffix"], request["seed"]) == ("spokewise", 7)
    assert request["validation_file"] == uploaded["valid.jsonl"].id
    assert "estimated cost: $" in out and "billed tokens:" in out
    assert "status: succeeded" in out
    assert "fine-tuned model: ft:gpt-4o-mini-2024-07-18:org:spokewise:" in out
    record = RunRecord.load(train.with_name("train.jsonl.finetune.json"))
    assert record.status == "succeeded" and record.fine_tuned_model
    assert fake_openai_env.chat_requests[0]["model"] == record.fine_tuned_model


def test_failing_smoke_expectation_exits_1(capsys, fake_openai_env, train, smoke):
    fake_openai_env.chat_reply = "I do not know."
    code, out = run(capsys, str(train), "--smoke", str(smoke), "--yes", *FAST)
    assert code == 1
    assert "I do not know." in out


def test_bad_data_uploads_nothing(capsys, fake_openai_env, tmp_path):
    bad = Path(shutil.copy(EXAMPLES / "support-bad.jsonl", tmp_path / "bad.jsonl"))
    code, out = run(capsys, str(bad), "--yes", *FAST)
    assert code == 1
    assert "bad.jsonl:3:1: JG201" in out
    assert "nothing was uploaded" in out
    assert fake_openai_env.count() == 0


def test_over_budget_uploads_nothing(capsys, fake_openai_env, train):
    code, out = run(capsys, str(train), "--max-cost", "0.01", "--yes", *FAST)
    assert code == 1
    assert "JG501" in out
    assert fake_openai_env.count() == 0


def test_same_example_in_training_and_validation_uploads_nothing(
    capsys, fake_openai_env, train, tmp_path
):
    shared = train.read_text("utf-8").splitlines()[4]
    valid = tmp_path / "valid.jsonl"
    valid.write_text(json.dumps(example(1)) + "\n" + shared + "\n", encoding="utf-8")
    code, out = run(capsys, str(train), "--validation-file", str(valid), "--yes", *FAST)
    assert code == 1
    # The same finding as `check` reports: JG305 at the validation line.
    assert f"{valid}:2:1: JG305 error: the example is also line 5 of {train}" in out
    assert fake_openai_env.count() == 0


def test_without_a_terminal_only_yes_proceeds(capsys, fake_openai_env, train):
    code, out = run(capsys, str(train), *FAST)
    assert code == 2
    assert "pass --yes" in out and "nothing was uploaded" in out
    assert fake_openai_env.count() == 0


def test_dry_run_stops_after_the_estimate(capsys, fake_openai_env, train):
    code, out = run(capsys, str(train), "--dry-run")
    assert code == 0
    assert "dry run: nothing uploaded" in out
    assert fake_openai_env.count() == 0
    assert not train.with_name("train.jsonl.finetune.json").exists()


def test_the_training_files_project_config_applies_from_any_working_directory(
    capsys, fake_openai_env, train, tmp_path, tmp_path_factory, monkeypatch
):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.jsonl-guard]\nmodel = "gpt-4.1-mini-2025-04-14"\n'
    )
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    code, out = run(capsys, str(train), "--dry-run")
    assert code == 0, out
    assert "gpt-4.1-mini-2025-04-14" in out and "gpt-4o-mini" not in out


def test_broken_smoke_file_fails_before_upload(capsys, fake_openai_env, train, tmp_path):
    smoke = tmp_path / "smoke.jsonl"
    smoke.write_text('{"messages": [{"role": "user", "content": "hi"}], "expect": {}}\n{oops\n')
    code, out = run(capsys, str(train), "--smoke", str(smoke), "--yes", *FAST)
    assert code == 2
    assert f"{smoke}:2:" in out
    assert fake_openai_env.count() == 0


def test_rate_limit_then_success_on_upload(capsys, fake_openai_env, train):
    fake_openai_env.fail("POST /v1/files", status=429)
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 0, out
    assert fake_openai_env.count("POST /v1/files") == 2
    assert len(fake_openai_env.files) == 1


def test_server_errors_beyond_retries_name_the_step(capsys, fake_openai_env, train):
    fake_openai_env.fail("POST /v1/fine_tuning/jobs", status=500, times=10)
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 2
    assert "creating the fine-tuning job" in out
    assert "--resume" in out
    assert "Traceback" not in out


def test_failed_job_shows_its_error(capsys, fake_openai_env, train):
    fake_openai_env.script_job(
        error={
            "code": "invalid_training_file",
            "message": "Line 3 is bad",
            "param": "training_file",
        }
    )
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 1
    assert "failed: Line 3 is bad (code=invalid_training_file, param=training_file)" in out


def test_authentication_error_names_the_variable_never_the_key(
    capsys, fake_openai_env, train, monkeypatch
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-secret-123456")
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 2
    assert "OPENAI_API_KEY" in out
    assert "sk-wrong-secret-123456" not in out


def test_missing_key_is_a_usage_error(capsys, fake_openai_env, train, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 2
    assert "OPENAI_API_KEY" in out
    assert fake_openai_env.count() == 0


def test_timeout_keeps_the_record_and_resume_finishes_the_same_job(capsys, fake_openai_env, train):
    fake_openai_env.script_job(("validating_files", "queued", "running"), auto_advance=False)
    code, out = run(capsys, str(train), "--yes", "--poll-interval", "0.05", "--timeout", "1")
    assert code == 2, out
    record_file = train.with_name("train.jsonl.finetune.json")
    assert "--timeout 1 s reached while following the job" in out
    assert f"jsonl-guard finetune --resume {record_file}" in out
    record = RunRecord.load(record_file)
    assert record.job_id and not record.finished
    fake_openai_env.set_status(record.job_id, "succeeded")
    code, out = run(capsys, "--resume", str(record_file), *FAST)
    assert code == 0, out
    assert fake_openai_env.count("POST /v1/fine_tuning/jobs") == 1
    assert fake_openai_env.count("POST /v1/files") == 1
    assert RunRecord.load(record_file).status == "succeeded"


def test_ctrl_c_while_following_leaves_the_job_and_resume_follows_it(
    capsys, fake_openai_env, train
):
    fake_openai_env.script_job(("validating_files", "queued", "running"), auto_advance=False)
    record_file = train.with_name("run.json")
    code, out = run(capsys, str(train), "--yes", "--record", str(record_file), "--timeout", "1")
    assert code == 2, out
    record = RunRecord.load(record_file)

    def interrupt(_: float) -> None:
        raise KeyboardInterrupt

    console = Console(out=_Sink())
    settings = FollowSettings(poll_interval=0.01, sleep=interrupt)
    from jsonl_guard.finetune.openai_backend import OpenAIBackend
    from jsonl_guard.finetune.openai_client import make_client

    with pytest.raises(FinetuneStop) as stop:
        submit_and_follow(OpenAIBackend(make_client()), record, record_file, console, settings)
    assert stop.value.code == 130
    assert "keeps running" in str(stop.value) and f"--cancel {record_file}" in str(stop.value)
    fake_openai_env.set_status(record.job_id, "succeeded")
    code, out = run(capsys, "--resume", str(record_file), *FAST)
    assert code == 0, out
    assert fake_openai_env.count("POST /v1/fine_tuning/jobs") == 1


def test_interrupted_job_creation_is_adopted_not_submitted_twice(capsys, fake_openai_env, train):
    record_file = train.with_name("run.json")
    run(capsys, str(train), "--yes", "--record", str(record_file), *FAST)
    # As if the process died after sending "create job" but before recording its id.
    data = json.loads(record_file.read_text("utf-8"))
    data.update(job_id=None, status="uploaded", job_create_started=True)
    record_file.write_text(json.dumps(data), encoding="utf-8")
    code, out = run(capsys, "--resume", str(record_file), *FAST)
    assert code == 0, out
    assert fake_openai_env.count("POST /v1/fine_tuning/jobs") == 1
    assert RunRecord.load(record_file).job_id == fake_openai_env.last_job.id


def test_cancel_a_recorded_job(capsys, fake_openai_env, train):
    fake_openai_env.script_job(("validating_files", "queued", "running"), auto_advance=False)
    record_file = train.with_name("run.json")
    code, out = run(capsys, str(train), "--yes", "--record", str(record_file), "--timeout", "1")
    assert code == 2, out
    code, out = run(capsys, "--cancel", str(record_file))
    assert code == 0, out
    assert fake_openai_env.count("POST /v1/fine_tuning/jobs/{id}/cancel") == 1
    assert RunRecord.load(record_file).status == "cancelled"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "finetune needs TRAIN.jsonl"),
        (["x.jsonl", "--epochs", "99"], "--epochs must be between 1 and 50"),
        (["--resume", "nope.json"], "cannot read run record"),
    ],
)
def test_usage_errors(capsys, fake_openai_env, argv, message):
    code, out = run(capsys, *argv)
    assert code == 2
    assert message in out


class _Sink:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


def test_shipped_smoke_example_is_valid():
    from jsonl_guard.smoke import load_smoke_file

    cases = load_smoke_file(EXAMPLES / "smoke.jsonl")
    assert [case.name for case in cases] == ["order status as JSON", "no internal notes"]


def _preference(i: int) -> dict:
    question = f"Can I return bike order SW-{100000 + i}?"
    return {
        "input": {"messages": [{"role": "user", "content": question}]},
        "preferred_output": [
            {
                "role": "assistant",
                "content": f"Yes: order SW-{100000 + i} can go back within 30 days.",
            }
        ],
        "non_preferred_output": [{"role": "assistant", "content": "No idea, sorry."}],
    }


def test_a_preference_file_starts_a_dpo_job(capsys, fake_openai_env, tmp_path):
    prefs = write_jsonl(tmp_path / "prefs.jsonl", [_preference(i) for i in range(12)])
    code, out = run(
        capsys, str(prefs), "--model", "gpt-4o-mini-2024-07-18", "--epochs", "2", "--yes",
        *FAST,
    )  # fmt: skip
    assert code == 0, out
    request = fake_openai_env.last_job.request
    assert request["method"] == {"type": "dpo", "dpo": {"hyperparameters": {"n_epochs": 2}}}
    record = RunRecord.load(prefs.with_name("prefs.jsonl.finetune.json"))
    assert record.method == "dpo"


def test_a_file_for_another_provider_is_refused_before_any_upload(
    capsys, fake_openai_env, tmp_path
):
    rows = [
        {
            "contents": [
                {"role": "user", "parts": [{"text": f"Where is order SW-{100000 + i}?"}]},
                {"role": "model", "parts": [{"text": "It ships today."}]},
            ]
        }
        for i in range(12)
    ]
    gemini = write_jsonl(tmp_path / "gemini.jsonl", rows)
    model = ["--model", "gpt-4o-mini-2024-07-18"]
    code, out = run(capsys, str(gemini), "--profile", "vertex-gemini", *model, "--yes", *FAST)
    assert code == 1, out
    assert "gemini.jsonl is in the vertex-gemini format; openai fine-tunes " in out
    assert fake_openai_env.files == {}
    # The command it names is the one that makes the file the platform takes.
    command = next(line.split() for line in out.splitlines() if "jsonl-guard convert" in line)
    assert command[:2] == ["jsonl-guard", "convert"]
    converted = tmp_path / "gemini.openai-chat.jsonl"
    assert command[-2:] == ["--output", str(converted)]
    assert main(command[1:]) == 0
    capsys.readouterr()
    code, out = run(capsys, str(converted), "--dry-run", *FAST)
    assert code == 0, out
    assert gemini.exists() and fake_openai_env.files == {}


def test_without_a_model_the_files_format_chooses_the_model_and_platform(
    capsys, fake_openai_env, tmp_path, monkeypatch
):
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    rows = [
        {
            "contents": [
                {"role": "user", "parts": [{"text": f"Where is order SW-{100000 + i}?"}]},
                {"role": "model", "parts": [{"text": "It ships today."}]},
            ]
        }
        for i in range(12)
    ]
    gemini = write_jsonl(tmp_path / "gemini.jsonl", rows)
    code, out = run(capsys, str(gemini), "--dry-run", *FAST)
    assert code == 0, out
    assert "model: gemini-2.5-flash (the format's default model; pass --model to choose)" in out
    code, out = run(capsys, str(gemini), "--yes", *FAST)
    assert code == 2, out  # Vertex AI's settings, asked for before anything is read
    assert "no Google Cloud project: pass --project" in out
    assert fake_openai_env.count() == 0
