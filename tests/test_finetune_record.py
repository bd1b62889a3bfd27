"""`jsonl-guard finetune` and its run record: never a second paid job, never a lost file.

Each case is refused before anything is uploaded (the fake server counts the calls).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from fake_openai import fake_openai_env_fixture, fake_openai_fixture  # noqa: F401
from helpers import EXAMPLES, run_finetune
from jsonl_guard.finetune.record import RunRecord, claim_record_path

FAST = ["--poll-interval", "0.01"]


@pytest.fixture
def train(tmp_path: Path) -> Path:
    return Path(shutil.copy(EXAMPLES / "support-good.jsonl", tmp_path / "train.jsonl"))


run = run_finetune


def _unfinished(capsys, fake_openai_env, train: Path, *argv: str) -> Path:
    """A run whose job is still running when the command stops following it."""
    fake_openai_env.script_job(("validating_files", "queued", "running"), auto_advance=False)
    code, out = run(capsys, str(train), "--yes", "--timeout", "1", *argv, *FAST)
    assert code == 2 and "--timeout 1 s reached while following the job" in out, out
    return train.with_name("train.jsonl.finetune.json")


def test_rerun_with_an_unfinished_record_is_refused(capsys, fake_openai_env, train):
    record_file = _unfinished(capsys, fake_openai_env, train)
    before = record_file.read_bytes()
    # --timeout: without the refusal the second job would be followed forever.
    code, out = run(capsys, str(train), "--yes", "--timeout", "0.5", *FAST)
    assert code == 2, out
    assert f"jsonl-guard finetune --resume {record_file}" in out
    assert f"jsonl-guard finetune --cancel {record_file}" in out
    assert fake_openai_env.count("POST /v1/files") == 1
    assert fake_openai_env.count("POST /v1/fine_tuning/jobs") == 1
    assert record_file.read_bytes() == before


def test_rerun_after_an_interrupted_job_creation_is_refused(capsys, fake_openai_env, train):
    record_file = train.with_name("run.json")
    run(capsys, str(train), "--yes", "--record", str(record_file), *FAST)
    data = json.loads(record_file.read_text("utf-8"))
    data.update(job_id=None, status="uploaded", job_create_started=True)
    record_file.write_text(json.dumps(data), encoding="utf-8")
    code, out = run(capsys, str(train), "--yes", "--record", str(record_file), *FAST)
    assert code == 2, out
    assert f"--resume {record_file}" in out and f"--cancel {record_file}" in out
    assert fake_openai_env.count("POST /v1/files") == 1
    assert fake_openai_env.count("POST /v1/fine_tuning/jobs") == 1


def test_new_starts_another_run_beside_the_kept_record(capsys, fake_openai_env, train):
    record_file = _unfinished(capsys, fake_openai_env, train)
    old = RunRecord.load(record_file)
    fake_openai_env.script_job()  # the new job runs to the end
    code, out = run(capsys, str(train), "--yes", "--new", *FAST)
    assert code == 0, out
    beside = train.with_name("train.jsonl.finetune.2.json")
    assert f"run record: {beside}" in out
    assert RunRecord.load(record_file) == old
    assert RunRecord.load(beside).status == "succeeded"
    assert fake_openai_env.count("POST /v1/fine_tuning/jobs") == 2


def test_a_finished_record_is_replaced_by_a_new_run(capsys, fake_openai_env, train):
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 0, out
    first = RunRecord.load(train.with_name("train.jsonl.finetune.json")).run_id
    code, out = run(capsys, str(train), "--yes", *FAST)
    assert code == 0, out
    assert RunRecord.load(train.with_name("train.jsonl.finetune.json")).run_id != first


def test_new_goes_with_a_training_file_only(capsys, fake_openai_env, tmp_path):
    code, out = run(capsys, "--resume", str(tmp_path / "run.json"), "--new")
    assert code == 2
    assert "--new" in out


def test_a_budget_without_a_known_price_uploads_nothing(capsys, fake_openai_env, train):
    model = "gpt-4.1-mini-2025-04-14"  # no authoritative price in the model table
    code, out = run(capsys, str(train), "--model", model, "--max-cost", "5", "--yes", *FAST)
    assert code == 2, out
    assert f'price_per_million in [tool.jsonl-guard.models."{model}"]' in out
    assert fake_openai_env.count() == 0
    assert not train.with_name("train.jsonl.finetune.json").exists()


@pytest.mark.parametrize("which", ["training", "validation", "smoke", "config"])
def test_the_record_is_never_an_input_file(capsys, fake_openai_env, train, tmp_path, which):
    valid = Path(shutil.copy(EXAMPLES / "support-good.jsonl", tmp_path / "valid.jsonl"))
    lines = valid.read_text("utf-8").splitlines()[:5]
    valid.write_text("\n".join(lines) + "\n", encoding="utf-8")
    smoke = tmp_path / "smoke.jsonl"
    case = {"name": "ping", "messages": [{"role": "user", "content": "ping"}], "expect": {}}
    smoke.write_text(json.dumps(case) + "\n", encoding="utf-8")
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.jsonl-guard]\n", encoding="utf-8")
    files = {"training": train, "validation": valid, "smoke": smoke, "config": config}
    # The same file by another spelling: paths are compared resolved.
    target = tmp_path / "." / files[which].name
    before = {name: path.read_bytes() for name, path in files.items()}
    code, out = run(
        capsys, str(train), "--validation-file", str(valid), "--smoke", str(smoke),
        "--config", str(config), "--record", str(target), "--yes", *FAST,
    )  # fmt: skip
    assert code == 2, out
    assert f"would overwrite the input file {files[which]}" in out
    assert fake_openai_env.count() == 0
    assert {name: path.read_bytes() for name, path in files.items()} == before


def test_an_existing_file_that_is_not_a_record_is_kept(capsys, fake_openai_env, train, tmp_path):
    notes = tmp_path / "notes.json"
    notes.write_text('{"keep": "me"}\n', encoding="utf-8")
    code, out = run(capsys, str(train), "--record", str(notes), "--yes", *FAST)
    assert code == 2, out
    assert f"{notes} exists and is not a jsonl-guard run record" in out
    assert notes.read_text("utf-8") == '{"keep": "me"}\n'
    assert fake_openai_env.count() == 0


def test_records_are_written_atomically_in_their_folder(train, tmp_path, monkeypatch):
    record = RunRecord(run_id="r1", model="m", training_path=str(train), training_sha256="0" * 64)
    path = tmp_path / "run.json"
    path.write_text("old", encoding="utf-8")
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(source, target):
        replaced.append((str(Path(source).parent), str(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    record.save(path)
    assert replaced == [(str(tmp_path), str(path))]
    assert RunRecord.load(path) == record
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json", "train.jsonl"]


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("missing/run.json", "does not exist"),
        ("train.jsonl/run.json", "is not a folder"),
        ("folder", "it is a directory"),
        ("/proc/self/status", "/proc is a kernel file system"),
        ("/dev/null", "/dev is a kernel file system"),
    ],
)
def test_a_record_path_that_cannot_be_written_uploads_nothing(
    capsys, fake_openai_env, train, tmp_path, where, reason
):
    (tmp_path / "folder").mkdir()
    target = tmp_path / where
    code, out = run(capsys, str(train), "--record", str(target), "--yes", *FAST)
    assert code == 2, out
    assert f"cannot write the run record {target}" in out and reason in out
    assert fake_openai_env.count() == 0
    assert not (tmp_path / "missing").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_folder_uploads_nothing(capsys, fake_openai_env, train, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, out = run(capsys, str(train), "--record", str(folder / "run.json"), "--yes", *FAST)
    finally:
        folder.chmod(0o700)
    assert code == 2, out
    assert "cannot write the run record" in out
    assert fake_openai_env.count() == 0


def test_a_folder_that_refuses_writes_is_reported(tmp_path, monkeypatch):
    import tempfile

    from jsonl_guard.finetune.record import RecordError

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(RecordError, match=r"cannot write the run record .*: Permission denied"):
        claim_record_path(tmp_path / "run.json", [])
