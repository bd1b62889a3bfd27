"""`finetune --resume` with a corrupt run record: exit 2 naming the file and the field,
never a traceback, and never a "fine-tuned model" read from a corrupt record.

The examples are the ones that once went wrong (tracebacks; two corrupt records reported a
tuned model); the Hypothesis properties try any JSON value, any bytes, and any value in
any field of a good record.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fake_openai import FakeOpenAI
from jsonl_guard.cli import main
from jsonl_guard.finetune.record import FIELD_CHECKS, RunRecord

SHA = "0" * 64


def _good(training: str) -> dict[str, object]:
    """A finished run's record: ``--resume`` reports its tuned model (exit 0)."""
    record = RunRecord(
        run_id="r1",
        model="gpt-4o-mini-2024-07-18",
        training_path=training,
        training_sha256=SHA,
        training_file_id="file-1",
        job_create_started=True,
        create_started_at=1_700_000_000.0,
        job_id="ftjob-1",
        status="succeeded",
        fine_tuned_model="ft:gpt-4o-mini-2024-07-18:org::1",
    )
    return dataclasses.asdict(record)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    """One fake server for every example (a record that passes may be followed)."""
    with FakeOpenAI() as fake:
        yield fake


@contextlib.contextmanager
def _environment(server: FakeOpenAI) -> Iterator[None]:
    names = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": server.api_key}
    with mock.patch.dict(os.environ, names):
        os.environ.pop("AZURE_OPENAI_ENDPOINT", None)
        yield


def resume(server: FakeOpenAI, record_file: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["finetune", "--resume", str(record_file), "--poll-interval", "0.01", "--timeout", "5"]
    with _environment(server), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue() + err.getvalue()


def assert_refused(code: int, out: str) -> None:
    assert code == 2, out
    assert "Traceback" not in out and "internal error" not in out, out
    assert "fine-tuned model" not in out, out


def test_the_good_record_reports_its_model(server, tmp_path):
    record_file = tmp_path / "run.json"
    record_file.write_text(json.dumps(_good(str(tmp_path / "t.jsonl"))), encoding="utf-8")
    code, out = resume(server, record_file)
    assert (code, out) == (
        0,
        "job ftjob-1 already ended: succeeded\nfine-tuned model: ft:gpt-4o-mini-2024-07-18:org::1\n",
    )


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"status": ["succeeded"]}, "status", "must be a non-empty string, not a list"),
        ({"fine_tuned_model": ["x"]}, "fine_tuned_model", "string or null, not a list"),
        ({"job_id": None}, "job_id", "is null but the record says the job ended (succeeded)"),
        ({"training_file_id": None}, "job_id", "no training file was uploaded"),
        ({"seen_event_ids": 5}, "seen_event_ids", "must be a list of strings"),
        ({"run_id": 5}, "run_id", "must be a non-empty string, not a number"),
        ({"epochs": "3"}, "epochs", "must be a whole number or null, not a string"),
        ({"epochs": True}, "epochs", "must be a whole number or null, not a boolean"),
        ({"epochs": 0}, "epochs", "must be between 1 and 50"),
        ({"error": "boom"}, "error", "must be an object (code, message, param) or null"),
        ({"error": {"message": 5}}, "error", "field 'message' must be a string or null"),
        ({"training_sha256": "abc"}, "training_sha256", "must be a SHA-256"),
        ({"validation_path": "v.jsonl"}, "validation_sha256", "exactly when validation_path"),
        ({"job_create_started": "yes"}, "job_create_started", "must be true or false"),
        ({"create_started_at": "noon"}, "create_started_at", "must be a time"),
        ({"trained_tokens": -1}, "trained_tokens", "must be 0 or more"),
        ({"estimate": []}, "estimate", "must be an object, not a list"),
        ({"platform_settings": "p"}, "platform_settings", "must be an object of platform"),
        ({"platform_settings": {"project": 7}}, "platform_settings", "'project' must be a string"),
        ({"model": ""}, "model", "must be a non-empty string"),
    ],
)
def test_a_corrupt_field_is_named_with_what_to_do(server, tmp_path, change, field, problem):
    record_file = tmp_path / "run.json"
    data = {**_good(str(tmp_path / "t.jsonl")), **change}
    record_file.write_text(json.dumps(data), encoding="utf-8")
    code, out = resume(server, record_file)
    assert_refused(code, out)
    assert f"{record_file}: corrupt run record: {field!r} " in out and problem in out
    assert "--new" in out


def test_a_missing_required_field_is_named(server, tmp_path):
    data = _good(str(tmp_path / "t.jsonl"))
    del data["training_sha256"]
    record_file = tmp_path / "run.json"
    record_file.write_text(json.dumps(data), encoding="utf-8")
    code, out = resume(server, record_file)
    assert_refused(code, out)
    assert "'training_sha256' is missing" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"version": 1,', "Expecting property name enclosed in double quotes: line 1"),
        ("\xff", "not a jsonl-guard run record"),
        ("[1]", "not a jsonl-guard run record (version 1)"),
    ],
    ids=["nested-deep", "cut-short", "not-utf8", "a-list"],
)
def test_a_record_that_is_not_json_or_not_ours(server, tmp_path, content, message):
    record_file = tmp_path / "run.json"
    record_file.write_bytes(content.encode("utf-8") if content != "\xff" else b"\xff")
    code, out = resume(server, record_file)
    assert_refused(code, out)
    assert message in out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_as_the_record_is_refused_without_blocking(server, tmp_path):
    fifo = tmp_path / "run.json"
    os.mkfifo(fifo)
    code, out = resume(server, fifo)
    assert_refused(code, out)
    assert "it is not a regular file" in out


def test_every_record_field_has_a_check():
    assert set(FIELD_CHECKS) == {f.name for f in dataclasses.fields(RunRecord)}


# -- properties ----------------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# The record format as the README documents it, written out here on its own: the oracle.
DOCUMENTED: dict[str, tuple[type, ...]] = {
    "run_id": (str,),
    "model": (str,),
    "training_path": (str,),
    "training_sha256": (str,),
    "validation_path": (str, type(None)),
    "validation_sha256": (str, type(None)),
    "epochs": (int, type(None)),
    "suffix": (str, type(None)),
    "seed": (int, type(None)),
    "method": (str,),
    "platform": (str,),
    "platform_settings": (dict,),
    "estimate": (dict,),
    "training_file_id": (str, type(None)),
    "validation_file_id": (str, type(None)),
    "job_create_started": (bool,),
    "create_started_at": (int, float, type(None)),
    "job_id": (str, type(None)),
    "status": (str,),
    "fine_tuned_model": (str, type(None)),
    "error": (dict, type(None)),
    "trained_tokens": (int, type(None)),
    "seen_event_ids": (list,),
    "version": (int,),
}
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _documented_type(field: str, value: object) -> bool:
    if isinstance(value, bool) and bool not in DOCUMENTED[field]:
        return False  # JSON true is not a number here
    return isinstance(value, DOCUMENTED[field])


@PROPERTY
@given(value=JSON)
def test_any_json_value_as_the_record_is_refused(server, tmp_path, value):
    record_file = tmp_path / "any.json"
    record_file.write_text(json.dumps(value), encoding="utf-8")
    assert_refused(*resume(server, record_file))


@PROPERTY
@given(content=st.binary(max_size=200))
def test_any_bytes_as_the_record_are_refused(server, tmp_path, content):
    record_file = tmp_path / "bytes.json"
    record_file.write_bytes(content)
    assert_refused(*resume(server, record_file))


@PROPERTY
@given(field=st.sampled_from(sorted(DOCUMENTED)), value=JSON)
def test_any_value_in_any_field_never_reports_a_model_from_a_corrupt_record(
    server, tmp_path, field, value
):
    record_file = tmp_path / "field.json"
    data = {**_good(str(tmp_path / "t.jsonl")), field: value}
    record_file.write_text(json.dumps(data), encoding="utf-8")
    code, out = resume(server, record_file)
    assert code in (0, 1, 2), out
    assert "Traceback" not in out and "internal error" not in out, out
    if not _documented_type(field, value):
        assert_refused(code, out)
        assert f"{field!r}" in out or "not a jsonl-guard run record" in out, out
    elif "fine-tuned model: " in out:
        assert data["status"] == "succeeded" and isinstance(data["fine_tuned_model"], str)
