"""`jsonl-guard finetune` on Google Vertex AI: the real SDKs against local servers.

google-genai (Vertex mode) talks to ``tests/fake_vertex.py`` (``GOOGLE_VERTEX_BASE_URL``),
google-cloud-storage to the gcp-storage-emulator behind it (``STORAGE_EMULATOR_HOST``
points at the fake, which passes storage requests on, so faults can be injected on
uploads too), and google-auth exchanges a real service account key (made here) for a
token at the fake's token endpoint: the whole Application Default Credentials chain runs.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_vertex import ACCESS_TOKEN, PROJECT_NUMBER, FakeVertex
from helpers import EXAMPLES, ROOT, run_finetune
from jsonl_guard.cli import main
from jsonl_guard.finetune.backends import BACKENDS
from jsonl_guard.finetune.record import RunRecord
from jsonl_guard.finetune.vertex_backend import VertexBackend

BUCKET = "jg-staging"
STAGING = f"gs://{BUCKET}/runs/"
FAST = ["--poll-interval", "0.001"]
PROFILES = ROOT / "tests" / "fixtures" / "profiles"
EXPERIMENTAL = "The SDK's tuning implementation is experimental"
API_KEY = "AIzaFAKE-google-api-key-0123456789"  # set, never used: must never show


@pytest.fixture(scope="module")
def emulator() -> Iterator[Any]:
    from gcp_storage_emulator.server import create_server

    server = create_server("127.0.0.1", 0, in_memory=True, default_bucket=BUCKET)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def private_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode()


@pytest.fixture
def fake(
    emulator: Any, private_key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeVertex]:
    """The fake Vertex API in front of an empty bucket, and an environment that reaches
    nothing else: ADC is a service account whose token endpoint is the fake's."""
    emulator.wipe(keep_buckets=True)
    upstream = f"http://127.0.0.1:{emulator._api._httpd.server_address[1]}"
    server = FakeVertex(storage_upstream=upstream).start()
    key_file = tmp_path / "adc.json"
    key_file.write_text(json.dumps({
        "type": "service_account", "project_id": "demo-proj", "private_key_id": "k1",
        "private_key": private_key, "client_email": "tuner@demo-proj.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": server.url + "/token",
    }), encoding="utf-8")  # fmt: skip
    for name in ("GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GENAI_API_VERSION", "GEMINI_API_KEY",
                 "API_ENDPOINT_OVERRIDE", "OPENAI_API_KEY", "OPENAI_BASE_URL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_API_KEY", API_KEY)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    monkeypatch.setenv("NO_GCE_CHECK", "True")  # never probe a metadata server
    monkeypatch.setenv("GOOGLE_VERTEX_BASE_URL", server.url)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", server.url)
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "demo-proj")
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "us-central1")
    # The waits between retries (the backend's, and the run's before it looks for a job
    # whose creation failed) take no time here.
    monkeypatch.setitem(BACKENDS, "vertex", lambda: VertexBackend(sleep=lambda seconds: None))
    monkeypatch.setattr("jsonl_guard.finetune.create.backoff", lambda attempt: 0.0)
    try:
        yield server
    finally:
        server.stop()


def stored(emulator: Any) -> dict[str, bytes]:
    """Every object in the bucket: name -> bytes (read straight from the emulator)."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    port = emulator._api._httpd.server_address[1]
    client = storage.Client(
        project="demo-proj",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": f"http://127.0.0.1:{port}"},
    )
    return {blob.name: blob.download_as_bytes() for blob in client.list_blobs(BUCKET)}


def copy(
    name: str, tmp_path: Path, lines: int = 8, profile: str = "vertex-gemini", skip: int = 0
) -> Path:
    """The first ``lines`` examples (after ``skip``) of the profile's good fixture."""
    source = (PROFILES / profile / "good.jsonl").read_text("utf-8").splitlines(keepends=True)
    path = tmp_path / name
    path.write_text("".join(source[skip : skip + lines]), encoding="utf-8")
    return path


@pytest.fixture
def train(tmp_path: Path) -> Path:
    return copy("train.jsonl", tmp_path)


@pytest.fixture
def smoke(tmp_path: Path) -> Path:
    path = tmp_path / "smoke.jsonl"
    case = {"name": "ping", "messages": [{"role": "system", "content": "Be brief."},
                                         {"role": "user", "content": "ping"}],
            "expect": {"contains": "pong"}, "temperature": 0, "max_completion_tokens": 20}  # fmt: skip
    path.write_text(json.dumps(case) + "\n", encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    return run_finetune(capsys, *argv)


def start(train: Path, *extra: str) -> list[str]:
    return [str(train), "--model", "gemini-2.5-flash", "--staging-uri", STAGING, "--yes",
            *FAST, *extra]  # fmt: skip


def assert_clean(out: str, *files: Path) -> None:
    """No traceback, no SDK warning, and no credential in the output or the files."""
    texts = [out, *(path.read_text("utf-8") for path in files if path.exists())]
    for text in texts:
        assert "Traceback" not in text and EXPERIMENTAL not in text, text
        assert ACCESS_TOKEN not in text and API_KEY not in text, text
        assert "PRIVATE KEY" not in text, text


# -- the whole run ------------------------------------------------------------------------


def test_a_whole_vertex_run_stages_the_exact_bytes_tunes_and_smoke_tests(
    capsys, fake, emulator, train, tmp_path, smoke
):
    valid = copy("valid.jsonl", tmp_path, lines=3, skip=50)
    argv = start(train, "--validation-file", str(valid), "--epochs", "3", "--suffix", "acme",
                 "--smoke", str(smoke))  # fmt: skip
    code, out = run(capsys, *argv)
    assert code == 0, out
    record_file = train.with_name("train.jsonl.finetune.json")
    record = RunRecord.load(record_file)
    run_id = record.run_id
    objects = stored(emulator)
    assert objects == {
        f"runs/{run_id}/train.jsonl": train.read_bytes(),
        f"runs/{run_id}/valid.jsonl": valid.read_bytes(),
    }
    [job] = fake.jobs.values()
    assert job.request == {
        "baseModel": "gemini-2.5-flash",
        "supervisedTuningSpec": {
            "trainingDatasetUri": f"{STAGING}{run_id}/train.jsonl",
            "validationDatasetUri": f"{STAGING}{run_id}/valid.jsonl",
            "hyperParameters": {"epochCount": 3},
        },
        "tunedModelDisplayName": f"jsonl-guard-{run_id}-acme",
        "labels": {"jsonl_guard_run": run_id},
    }
    where = f"projects/{PROJECT_NUMBER}/locations/us-central1"
    endpoint = f"{where}/endpoints/{job.id}"
    assert out.endswith(
        f"job {job.name} created (JOB_STATE_PENDING)\n"
        "status: JOB_STATE_RUNNING\n"
        f"  [info] tuned model {where}/models/{job.id}@1, served at {endpoint}\n"
        "status: succeeded\n"
        f"fine-tuned model: {endpoint}\n"
        f"smoke test: {smoke}\n"
        f"Smoke test of {endpoint} with {smoke} (1 case)\n"
        "  PASS  ping  line 1  1 tokens\n"
        f"all passed (1 case against {endpoint})\n"
    )
    assert (record.platform, record.status, record.fine_tuned_model) == (
        "vertex", "succeeded", endpoint)  # fmt: skip
    assert record.training_file_id == f"{STAGING}{run_id}/train.jsonl"
    assert record.platform_settings == {
        "project": "demo-proj", "location": "us-central1", "staging_uri": STAGING}  # fmt: skip
    [chat] = fake.requests_to("POST chat")
    assert chat.path == f"/v1beta1/{endpoint}:generateContent"
    assert chat.json() == {
        "contents": [{"role": "user", "parts": [{"text": "ping"}]}],
        "systemInstruction": {"role": "user", "parts": [{"text": "Be brief."}]},
        "generationConfig": {"temperature": 0.0, "maxOutputTokens": 20},
    }
    assert all(r.headers.get("authorization") == f"Bearer {ACCESS_TOKEN}"
               for r in fake.requests if r.route.startswith(("GET tuning", "POST tuning")))  # fmt: skip
    assert_clean(out, record_file)


def test_a_preference_file_starts_a_preference_tuning_job(capsys, fake, emulator, tmp_path):
    train = copy("pairs.jsonl", tmp_path, profile="vertex-gemini-preference")
    code, out = run(capsys, *start(train))
    assert code == 0, out
    [job] = fake.jobs.values()
    spec = job.request["preferenceOptimizationSpec"]
    assert spec["trainingDatasetUri"].endswith("/pairs.jsonl") and "supervisedTuningSpec" not in (
        job.request
    )
    assert list(stored(emulator).values()) == [train.read_bytes()]
    assert RunRecord.load(train.with_name("pairs.jsonl.finetune.json")).method == "preference"


# -- faults ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [{"status": 429}, {"status": 503}, {"disconnect": True}])
def test_an_upload_refused_for_a_while_is_retried(capsys, fake, emulator, train, fault):
    fake.fail("POST upload", times=2, **fault)
    code, out = run(capsys, *start(train))
    assert code == 0, out
    assert fake.count("POST upload") == 3
    assert list(stored(emulator).values()) == [train.read_bytes()]
    assert len(fake.jobs) == 1


def test_an_upload_refused_beyond_the_retries_is_reported_with_its_step(
    capsys, fake, emulator, train
):
    fake.fail("POST upload", times=10, status=503, message="Backend unavailable.")
    code, out = run(capsys, *start(train))
    assert code == 2, out
    assert f"error: uploading {train} failed: HTTP 503: Backend unavailable (after retries)" in out
    assert f"jsonl-guard finetune --resume {train}.finetune.json" in out
    assert fake.count("POST upload") == 4 and not fake.jobs and stored(emulator) == {}
    assert_clean(out)


def test_an_upload_whose_answer_was_lost_is_not_stored_twice(capsys, fake, emulator, train):
    fake.fail("POST upload", disconnect=True, applied=True)  # stored, then the answer lost
    code, out = run(capsys, *start(train))
    assert code == 0, out
    assert [r.status for r in fake.uploads] == [None, 412]  # the retry finds it there
    assert list(stored(emulator).values()) == [train.read_bytes()]


def test_files_of_the_same_name_never_overwrite_each_other(capsys, fake, emulator, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    train = copy("a/data.jsonl", tmp_path)
    valid = copy("b/data.jsonl", tmp_path, lines=3, skip=50)
    code, out = run(capsys, *start(train, "--validation-file", str(valid)))
    assert code == 0, out
    run_id = RunRecord.load(train.with_name("data.jsonl.finetune.json")).run_id
    objects = stored(emulator)
    assert objects.pop(f"runs/{run_id}/data.jsonl") == train.read_bytes()
    [(name, content)] = objects.items()
    assert name.startswith(f"runs/{run_id}/") and name.endswith("/data.jsonl")
    assert content == valid.read_bytes()
    [job] = fake.jobs.values()
    assert job.request["supervisedTuningSpec"]["validationDatasetUri"] == f"gs://{BUCKET}/{name}"


@pytest.mark.parametrize(
    ("fault", "echo"),
    [
        ({"status": 500}, ("labels",)),
        ({"disconnect": True}, ("tunedModelDisplayName",)),  # found by its name
        ({"status": 503}, ()),  # found by its staged file, model and time
    ],
    ids=["500-labels", "dropped-name-only", "503-no-tags"],
)
def test_a_job_created_whose_answer_was_lost_is_found_not_created_again(
    capsys, fake, train, fault, echo
):
    fake.echo = echo
    fake.fail("POST tuningJobs", applied=True, **fault)
    code, out = run(capsys, *start(train))
    assert code == 0, out
    assert fake.count("POST tuningJobs") == 1 and len(fake.jobs) == 1
    [job] = fake.jobs.values()
    assert f"job {job.name} found (JOB_STATE_PENDING): this run started it" in out
    record_file = train.with_name("train.jsonl.finetune.json")
    assert RunRecord.load(record_file).job_id == job.name
    code, out = run(capsys, "--resume", str(record_file), *FAST)  # already ended: no request
    assert code == 0 and len(fake.jobs) == 1, out


def test_a_creation_cut_off_then_resumed_makes_exactly_one_job(capsys, fake, train):
    fake.fail("POST tuningJobs", applied=True, disconnect=True)  # made, answer lost
    fake.fail("GET tuningJobs", times=4, status=503)  # and the lookup fails too, for now
    code, out = run(capsys, *start(train))
    assert code == 2, out
    assert "looking for the job failed: HTTP 503 UNAVAILABLE" in out
    record_file = train.with_name("train.jsonl.finetune.json")
    assert RunRecord.load(record_file).status == "creating" and len(fake.jobs) == 1
    code, out = run(capsys, "--resume", str(record_file), *FAST)
    assert code == 0, out
    [job] = fake.jobs.values()
    assert f"job {job.name} found (JOB_STATE_PENDING): this run started it" in out
    assert fake.count("POST tuningJobs") == 1 and RunRecord.load(record_file).job_id == job.name


def test_timeout_bounds_a_hung_upload(capsys, fake, emulator, train):
    fake.fail("POST upload", hang=True, times=10)
    started = time.monotonic()
    code, out = run(capsys, *start(train, "--timeout", "1.5"))
    assert code == 2, out
    assert time.monotonic() - started < 10
    assert "--timeout 1.5 s reached while uploading" in out and stored(emulator) == {}
    assert_clean(out)


def test_timeout_during_a_hung_creation_then_resume_finds_the_job(capsys, fake, train):
    fake.fail("POST tuningJobs", applied=True, hang=True)
    code, out = run(capsys, *start(train, "--timeout", "1.5"))
    assert code == 2, out
    assert "--timeout 1.5 s reached while creating the fine-tuning job" in out
    assert "--resume looks for it before it starts one" in out
    code, out = run(capsys, "--resume", f"{train}.finetune.json", *FAST)
    assert code == 0, out
    assert len(fake.jobs) == 1 and fake.count("POST tuningJobs") == 1


def test_a_creation_refused_for_good_is_not_retried(capsys, fake, train):
    fake.fail("POST tuningJobs", status=400, message="Base model gemini-9 is not supported.")
    code, out = run(capsys, *start(train))
    assert code == 2, out
    assert (
        "error: creating the fine-tuning job failed: HTTP 400 INVALID_ARGUMENT: Base model "
        "gemini-9 is not supported"
    ) in out
    assert fake.count("POST tuningJobs") == 1 and not fake.jobs
    assert_clean(out)


def test_following_survives_a_rate_limit(capsys, fake, train):
    fake.fail("GET tuningJob", times=2, status=429, message="Quota exceeded.")
    code, out = run(capsys, *start(train))
    assert code == 0, out
    assert "status: succeeded" in out


@pytest.mark.parametrize(
    ("state", "error", "shown"),
    [
        ("JOB_STATE_FAILED", {"code": 3, "message": "Row 4: contents is empty."},
         "failed: Row 4: contents is empty. (code=3)"),
        ("JOB_STATE_EXPIRED", None, "failed: the job expired before it finished "
         "(JOB_STATE_EXPIRED)"),
        ("JOB_STATE_PARTIALLY_SUCCEEDED", {"code": 13, "message": "2 of 3 steps."},
         "failed: the job only partly succeeded: no tuned model is used "
         "(JOB_STATE_PARTIALLY_SUCCEEDED): 2 of 3 steps. (code=13)"),
    ],
    ids=["failed", "expired", "partly"],
)  # fmt: skip
def test_a_job_that_fails_shows_why_and_exits_1(capsys, fake, train, state, error, shown):
    fake.states, fake.error = ("JOB_STATE_PENDING", state), error
    code, out = run(capsys, *start(train))
    assert code == 1, out
    [job] = fake.jobs.values()
    assert out.endswith(f"status: failed\njob {job.name} {shown}\n")
    assert RunRecord.load(train.with_name("train.jsonl.finetune.json")).status == "failed"


def test_a_run_stopped_while_following_resumes_the_same_job_then_cancels(capsys, fake, train):
    fake.states = ("JOB_STATE_PENDING", "JOB_STATE_RUNNING")  # never ends by itself
    code, out = run(capsys, *start(train, "--timeout", "1"))
    assert code == 2, out
    assert "--timeout 1 s reached while following the job" in out
    record_file = train.with_name("train.jsonl.finetune.json")
    code, out = run(capsys, "--resume", str(record_file), *FAST, "--timeout", "0.2")
    assert code == 2, out
    [job] = fake.jobs.values()
    assert f"resuming run {RunRecord.load(record_file).run_id}" in out
    assert fake.count("POST tuningJobs") == 1 and fake.count("POST upload") == 1
    code, out = run(capsys, "--cancel", str(record_file))
    assert (code, out) == (0, f"job {job.name}: cancelled\n")
    assert job.cancelled and RunRecord.load(record_file).status == "cancelled"


def test_resume_follows_the_same_job_to_its_end(capsys, fake, train):
    fake.states = ("JOB_STATE_PENDING", "JOB_STATE_RUNNING")
    code, out = run(capsys, *start(train, "--timeout", "1"))
    assert code == 2, out
    [job] = fake.jobs.values()
    fake.set_state(job.id, "JOB_STATE_SUCCEEDED")
    code, out = run(capsys, "--resume", f"{train}.finetune.json", *FAST)
    assert code == 0, out
    assert f"fine-tuned model: projects/{PROJECT_NUMBER}/locations/us-central1/endpoints/" in out
    assert fake.count("POST tuningJobs") == 1 and len(fake.jobs) == 1


def test_a_200_answer_that_is_not_vertex_json_is_one_clear_line(capsys, fake, train):
    fake.fail("GET tuningJob", status=200, body=b"<html><body>Sign in</body></html>")
    code, out = run(capsys, *start(train))
    assert code == 2, out
    assert "answered GET tuningJobs/{id} with something that is not Vertex AI's answer" in out
    assert "check GOOGLE_VERTEX_BASE_URL" in out and "--resume" in out
    assert_clean(out)


def test_credentials_echoed_by_the_server_are_masked(capsys, fake, train):
    fake.fail("GET tuningJob", times=10, status=403,
              message=f"Token {ACCESS_TOKEN} lacks aiplatform.tuningJobs.get; key {API_KEY}")  # fmt: skip
    code, out = run(capsys, *start(train))
    assert code == 2, out
    assert "HTTP 403 PERMISSION_DENIED: Token *** lacks aiplatform.tuningJobs.get; key ***" in out
    assert_clean(out, train.with_name("train.jsonl.finetune.json"))


# -- refused before anything is sent -----------------------------------------------------------


def test_bad_data_uploads_nothing(capsys, fake, emulator, tmp_path):
    bad = tmp_path / "bad.jsonl"
    good = (PROFILES / "vertex-gemini" / "good.jsonl").read_text("utf-8").splitlines()[0]
    bad.write_text(good + '\n{"contents": [{"role": "assistant", "parts": []}]}\n', "utf-8")
    code, out = run(capsys, *start(bad))
    assert code == 1, out
    assert "nothing was uploaded" in out
    assert fake.count() == 0 and stored(emulator) == {}


def test_an_openai_file_is_refused_with_the_convert_command(capsys, fake, tmp_path):
    train = Path(shutil.copy(EXAMPLES / "support-good.jsonl", tmp_path / "chat.jsonl"))
    code, out = run(capsys, *start(train))
    assert code == 1, out
    assert (
        f"jsonl-guard convert {train} --to vertex-gemini --model gemini-2.5-flash "
        f"--output {tmp_path / 'chat.vertex-gemini.jsonl'}"
    ) in out
    assert fake.count() == 0


def test_a_budget_without_a_price_cannot_be_checked(capsys, fake, emulator, train):
    code, out = run(capsys, *start(train, "--max-cost", "5"))
    assert code == 2, out
    assert "price_per_million" in out and "nothing was uploaded" in out
    assert fake.count() == 0 and stored(emulator) == {}


@pytest.mark.parametrize(
    ("drop", "named"),
    [
        ("GOOGLE_CLOUD_PROJECT", "pass --project (e.g. --project my-project) or set "
         "GOOGLE_CLOUD_PROJECT"),
        ("GOOGLE_CLOUD_LOCATION", "no Google Cloud location (tuning runs in a region): pass "
         "--location (e.g. --location us-central1) or set GOOGLE_CLOUD_LOCATION"),
        ("--staging-uri", "Vertex AI tunes from a file in Cloud Storage: pass --staging-uri "
         "gs://BUCKET/PREFIX/"),
    ],
)  # fmt: skip
def test_a_missing_setting_stops_the_run_before_anything(
    capsys, fake, train, monkeypatch, drop, named
):
    monkeypatch.delenv(drop, raising=False)
    argv = [arg for arg in start(train) if arg not in ("--staging-uri", STAGING)]
    code, out = run(capsys, *(argv if drop == "--staging-uri" else start(train)))
    assert code == 2, out
    assert named in out and "training file:" not in out
    assert fake.count() == 0 and not train.with_name("train.jsonl.finetune.json").exists()


@pytest.mark.parametrize(
    ("uri", "why"),
    [("s3://bucket/x/", "it must look like gs://BUCKET/PREFIX/"),
     ("gs://Bad_Bucket/x/", "'Bad_Bucket' is not a Cloud Storage bucket name")],
)  # fmt: skip
def test_a_malformed_staging_uri_is_refused(capsys, fake, train, uri, why):
    argv = [arg if arg != STAGING else uri for arg in start(train)]
    code, out = run(capsys, *argv)
    assert code == 2 and f"invalid --staging-uri '{uri}': {why}" in out, out
    assert fake.count() == 0


def test_missing_credentials_name_what_to_set(capsys, fake, emulator, train, tmp_path, monkeypatch):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    code, out = run(capsys, *start(train))
    assert code == 2, out
    assert "no Google Cloud credentials (Application Default Credentials)" in out
    assert (
        "gcloud auth application-default login" in out and "GOOGLE_APPLICATION_CREDENTIALS" in out
    )
    assert fake.count() == 0 and stored(emulator) == {}


def test_a_seed_is_refused_before_anything_is_uploaded(capsys, fake, emulator, train):
    code, out = run(capsys, *start(train, "--seed", "7"))
    assert code == 2, out
    assert "vertex fine-tuning jobs take no seed: drop --seed (nothing was uploaded)" in out
    assert fake.count("POST upload") == 0 and stored(emulator) == {} and not fake.jobs


# -- smoke on its own -----------------------------------------------------------------------


def test_a_smoke_message_vertex_cannot_take_is_one_line(capsys, fake, tmp_path):
    smoke = tmp_path / "smoke.jsonl"
    part = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    case = {"messages": [{"role": "user", "content": [part]}], "expect": {"contains": "x"}}
    smoke.write_text(json.dumps(case) + "\n", encoding="utf-8")
    code = main(["smoke", str(smoke), "--model", "gemini-2.5-flash"])  # the provider's platform
    err = capsys.readouterr().err
    assert code == 2, err
    assert "message 1 has a 'image_url' part; only text parts are sent to Vertex AI" in err
    assert fake.count("POST chat") == 0


def test_smoke_reaches_a_tuned_endpoint_without_a_staging_uri(capsys, fake, smoke):
    endpoint = f"projects/{PROJECT_NUMBER}/locations/us-central1/endpoints/42"
    code = main(["smoke", str(smoke), "--model", endpoint, "--platform", "vertex"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"all passed (1 case against {endpoint})" in out
    assert fake.requests_to("POST chat")[0].path == f"/v1beta1/{endpoint}:generateContent"
    assert_clean(out)
