"""`jsonl-guard finetune` on AWS Bedrock: the real boto3 against AWS on 127.0.0.1.

moto (server mode) is S3 and Bedrock's control plane; a proxy in front of it injects
faults and moves jobs on (moto's stay InProgress); a small fake answers Converse
(tests/fake_bedrock.py). Nothing here reaches AWS.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from fake_bedrock import (
    ACCESS_KEY,
    SECRET_KEY,
    SESSION_TOKEN,
    FakeAws,
    fake_aws_server_fixture,  # noqa: F401
)
from helpers import FIXTURES, run_finetune
from jsonl_guard.cli import main
from jsonl_guard.finetune.record import RunRecord

MODEL = "amazon.nova-lite-v1:0"
BUCKET = "jg-train"
ROLE = "arn:aws:iam::123456789012:role/BedrockFineTuning"
SMOKE_MODEL = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123def456"
CREATE = ("bedrock", "POST", "/model-customization-jobs")
FAST = ["--poll-interval", "0.001"]
NOVA = FIXTURES / "profiles" / "bedrock-nova" / "good.jsonl"

run = run_finetune


@pytest.fixture
def aws(fake_aws_server: FakeAws, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeAws:
    """A clean moto with one bucket; boto3 pointed at the proxy through AWS_ENDPOINT_URL
    and at the Converse fake through AWS_ENDPOINT_URL_BEDROCK_RUNTIME; fake credentials."""
    import os

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", fake_aws_server.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", fake_aws_server.converse_url)
    # The retries' waits, as short as they can be (the backoff schedule is not tested here).
    monkeypatch.setattr("jsonl_guard.finetune.bedrock_backend.backoff", lambda attempt: 0.001)
    monkeypatch.setattr("jsonl_guard.finetune.create.backoff", lambda attempt: 0.001)
    fake_aws_server.reset()
    MOTO_URL[:] = [fake_aws_server.moto_url]
    moto("s3").create_bucket(Bucket=BUCKET)
    return fake_aws_server


MOTO_URL: list[str] = []


def moto(service: str, region: str = "us-east-1") -> Any:
    """A client straight to moto (not through the proxy: the test's own look)."""
    return boto3.client(service, region_name=region, endpoint_url=MOTO_URL[-1])


@pytest.fixture
def train(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"".join(NOVA.read_bytes().splitlines(keepends=True)[:10]))
    return path


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    path = tmp_path / "valid.jsonl"
    path.write_bytes(b"".join(NOVA.read_bytes().splitlines(keepends=True)[10:18]))
    return path


@pytest.fixture
def smoke(tmp_path: Path) -> Path:
    path = tmp_path / "smoke.jsonl"
    case = {
        "name": "ping",
        "messages": [
            {"role": "system", "content": "You answer in one word."},
            {"role": "user", "content": "ping"},
        ],
        "expect": {"contains": "pong"},
        "temperature": 0,
        "max_completion_tokens": 5,
    }
    path.write_text(json.dumps(case) + "\n", encoding="utf-8")
    return path


def args(train: Path, *more: str) -> list[str]:
    return [str(train), "--model", MODEL, "--s3-uri", f"s3://{BUCKET}/runs/",
            "--role-arn", ROLE, "--yes", *FAST, *more]  # fmt: skip


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN):
            assert secret not in text


def record_of(train: Path) -> RunRecord:
    return RunRecord.load(train.with_name("train.jsonl.finetune.json"))


def jobs(region: str = "us-east-1") -> list[dict[str, Any]]:
    bedrock = moto("bedrock", region)
    summaries = bedrock.list_model_customization_jobs()["modelCustomizationJobSummaries"]
    return [bedrock.get_model_customization_job(jobIdentifier=s["jobName"]) for s in summaries]


# -- the whole run ---------------------------------------------------------------------------


def test_a_whole_run_uploads_the_bytes_starts_the_job_and_smoke_tests(
    capsys, aws, train, valid, smoke
):
    code, out = run(capsys, *args(train, "--validation-file", str(valid), "--epochs", "2",
                                  "--suffix", "support bot", "--smoke", str(smoke),
                                  "--smoke-model", SMOKE_MODEL))  # fmt: skip
    assert code == 0, out
    record = record_of(train)
    run_id = record.run_id
    s3 = moto("s3")
    for path in (train, valid):
        key = f"runs/{run_id}/{path.name}"
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == path.read_bytes()
    (job,) = jobs()
    assert job["jobName"] == f"jsonl-guard-{run_id}"
    assert job["baseModelArn"].endswith(f"foundation-model/{MODEL}")
    assert job["roleArn"] == ROLE
    assert job["customizationType"] == "FINE_TUNING"
    assert job["trainingDataConfig"] == {"s3Uri": f"s3://{BUCKET}/runs/{run_id}/train.jsonl"}
    assert job["validationDataConfig"] == {
        "validators": [{"s3Uri": f"s3://{BUCKET}/runs/{run_id}/valid.jsonl"}]
    }
    assert job["outputDataConfig"] == {"s3Uri": f"s3://{BUCKET}/runs/{run_id}/output/"}
    assert job["hyperParameters"] == {"epochCount": "2"}
    assert job["clientRequestToken"] == f"jsonl-guard-{run_id}"
    assert job["outputModelName"].startswith(f"support-bot-{run_id}")
    tags = moto("bedrock").list_tags_for_resource(resourceARN=job["jobArn"])["tags"]
    assert tags == [{"key": "jsonl_guard_run", "value": run_id}]
    assert aws.proxy.count(*CREATE) == 1
    # The smoke test went to the --smoke-model ARN through Converse.
    ((model_id, request),) = aws.converse.requests
    assert model_id == SMOKE_MODEL
    assert request["messages"] == [{"role": "user", "content": [{"text": "ping"}]}]
    assert request["system"] == [{"text": "You answer in one word."}]
    assert request["inferenceConfig"] == {"temperature": 0, "maxTokens": 5}
    assert (record.platform, record.status) == ("bedrock", "succeeded")
    assert record.fine_tuned_model == job["outputModelArn"]
    assert record.platform_settings == {
        "s3_uri": f"s3://{BUCKET}/runs/", "role_arn": ROLE, "region": "us-east-1",
        "smoke_model": SMOKE_MODEL,
    }  # fmt: skip
    assert out.endswith(
        f"job jsonl-guard-{run_id} created (InProgress)\n"
        "status: succeeded\n"
        f"fine-tuned model: {job['outputModelArn']}\n"
        f"smoke test: {smoke}\n"
        f"Smoke test of {SMOKE_MODEL} with {smoke} (1 case)\n"
        "  PASS  ping  line 1  1 tokens\n"
        f"all passed (1 case against {SMOKE_MODEL})\n"
    )
    assert_no_secret(out, train.with_name("train.jsonl.finetune.json").read_text("utf-8"))


def test_without_a_smoke_model_it_says_what_to_create_and_the_command(capsys, aws, train, smoke):
    code, out = run(capsys, *args(train, "--smoke", str(smoke)))
    assert code == 1, out
    model = record_of(train).fine_tuned_model
    assert f"smoke test not run: Bedrock serves {model} only through provisioned throughput" in out
    assert (
        "  jsonl-guard smoke SMOKE.jsonl --platform bedrock --region us-east-1 --model ARN\n"
    ) in out
    assert aws.converse.requests == []
    # That command works (the region from the chain; --model is the deployment's ARN).
    code = main(["smoke", str(smoke), "--platform", "bedrock", "--model", SMOKE_MODEL])
    assert code == 0, capsys.readouterr()
    assert [model_id for model_id, _ in aws.converse.requests] == [SMOKE_MODEL]


def test_a_bucket_in_another_region(capsys, aws, train, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    moto("s3", "us-west-2").create_bucket(
        Bucket="jg-west", CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
    )
    argv = args(train)
    argv[argv.index(f"s3://{BUCKET}/runs/")] = "s3://jg-west"
    code, out = run(capsys, *argv)
    assert code == 0, out
    run_id = record_of(train).run_id
    body = moto("s3", "us-west-2").get_object(Bucket="jg-west", Key=f"{run_id}/train.jsonl")["Body"]
    assert body.read() == train.read_bytes()
    (job,) = jobs("us-west-2")
    assert job["jobArn"].startswith("arn:aws:bedrock:us-west-2:")
    assert jobs("us-east-1") == []
    assert record_of(train).platform_settings["region"] == "us-west-2"


def test_the_per_service_endpoint_variables_win_over_aws_endpoint_url(
    capsys, aws, train, monkeypatch
):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", aws.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK", aws.url)
    code, out = run(capsys, *args(train))
    assert code == 0, out
    assert aws.proxy.count("s3", "PUT") == 1 and aws.proxy.count(*CREATE) == 1


def test_the_model_is_sent_as_given_so_the_fine_tuning_identifier_reaches_bedrock(
    capsys, aws, train
):
    argv = args(train)
    argv[argv.index(MODEL)] = "amazon.nova-lite-v1:0:300k"  # an alias of the table's model
    code, out = run(capsys, *argv)
    assert code == 0, out
    (job,) = jobs()
    assert job["baseModelArn"].endswith("foundation-model/amazon.nova-lite-v1:0:300k")


# -- faults ----------------------------------------------------------------------------------


def test_s3_put_503_is_retried_then_the_upload_goes_through(capsys, aws, train):
    aws.proxy.fail("s3", "PUT", r"/jg-train/runs/", status=503, code="SlowDown", times=2)
    code, out = run(capsys, *args(train))
    assert code == 0, out
    assert aws.proxy.count("s3", "PUT", "/jg-train/runs/") == 3
    key = f"runs/{record_of(train).run_id}/train.jsonl"
    assert moto("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read() == train.read_bytes()


def test_an_upload_whose_answer_is_lost_is_not_sent_over_the_object(capsys, aws, train):
    # S3 stored the object, then the answer was a 500: the retry's create-only PUT is
    # refused (412), and the object there is checked to hold the very bytes.
    aws.proxy.fail("s3", "PUT", r"/jg-train/runs/", status=500, code="InternalError",
                   applied=True)  # fmt: skip
    code, out = run(capsys, *args(train))
    assert code == 0, out
    assert aws.proxy.count("s3", "PUT", "/jg-train/runs/") == 2


def test_s3_put_failing_for_good_is_reported_with_the_step(capsys, aws, train):
    aws.proxy.fail("s3", "PUT", r"/jg-train/runs/", status=503, code="SlowDown", times=99)
    code, out = run(capsys, *args(train))
    assert code == 2, out
    assert f"error: uploading {train} failed: HTTP 503 SlowDown (after retries): " in out
    assert "jsonl-guard finetune --resume" in out and "Traceback" not in out
    assert jobs() == [] and aws.proxy.count(*CREATE) == 0
    assert_no_secret(out)


def test_an_object_with_other_bytes_at_the_key_is_never_overwritten(capsys, aws, train):
    record_file = train.with_name("run.json")
    aws.proxy.fail("bedrock", "POST", "/model-customization-jobs$", status=400,
                   code="ValidationException")  # fmt: skip
    code, out = run(capsys, *args(train, "--record", str(record_file)))
    assert code == 2 and "creating the fine-tuning job failed: HTTP 400" in out
    record = RunRecord.load(record_file)
    key = f"runs/{record.run_id}/train.jsonl"
    moto("s3").put_object(Bucket=BUCKET, Key=key, Body=b"someone else's bytes\n")
    record_data = json.loads(record_file.read_text("utf-8"))
    record_data.update(training_file_id=None, status="checked", job_create_started=False,
                       create_started_at=None)  # fmt: skip
    record_file.write_text(json.dumps(record_data), encoding="utf-8")
    code, out = run(capsys, "--resume", str(record_file), *FAST)
    assert code == 2, out
    assert f"s3://{BUCKET}/{key} does not hold the checked file" in out
    assert moto("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"someone else's bytes\n"


@pytest.mark.parametrize("fault", [{"status": 500}, {"disconnect": True}], ids=["500", "dropped"])
def test_a_job_created_whose_answer_is_lost_is_found_not_created_again(capsys, aws, train, fault):
    aws.proxy.fail(*CREATE[:2], "/model-customization-jobs$", applied=True, **fault)
    code, out = run(capsys, *args(train))
    assert code == 0, out
    assert len(jobs()) == 1
    assert aws.proxy.count(*CREATE) == 1  # looked up, never sent again
    run_id = record_of(train).run_id
    assert f"job jsonl-guard-{run_id} found (InProgress): this run started it" in out
    code, out = run(capsys, "--resume", str(train.with_name("train.jsonl.finetune.json")))
    assert code == 0 and "already ended: succeeded" in out
    assert len(jobs()) == 1


def test_a_run_cut_off_while_creating_finds_its_job_on_resume(capsys, aws, train):
    # Every answer to the create is lost and the lookups fail too: the run stops, the
    # job exists; --resume finds it (exactly one job).
    aws.proxy.fail(*CREATE[:2], "/model-customization-jobs$", applied=True, status=500)
    aws.proxy.fail("bedrock", "GET", r"/model-customization-jobs\?", status=500, times=99)
    code, out = run(capsys, *args(train))
    assert code == 2, out
    assert "error: looking for the job failed: HTTP 500 InternalServerException" in out
    assert len(jobs()) == 1 and record_of(train).status == "creating"
    aws.proxy.faults.clear()
    code, out = run(capsys, "--resume", str(train.with_name("train.jsonl.finetune.json")), *FAST)
    assert code == 0, out
    assert "found (InProgress): this run started it" in out
    assert len(jobs()) == 1 and aws.proxy.count(*CREATE) == 1


def test_a_web_page_instead_of_aws_is_one_clear_line(capsys, aws, train):
    aws.proxy.fail("bedrock", "GET", "/model-customization-jobs/", status=200, html=True)
    code, out = run(capsys, *args(train))
    assert code == 2, out
    assert (
        "error: following job jsonl-guard-" in out
        and "failed: the server answered GET /model-customization-jobs/{id} with something "
        "that is not AWS's answer"
        in out
        and "check AWS_ENDPOINT_URL: it must name an S3/Bedrock-compatible endpoint" in out
    )
    aws.proxy.fail("bedrock", "GET", "/model-customization-jobs/", status=403, html=True)
    code, out = run(capsys, "--resume", str(train.with_name("train.jsonl.finetune.json")), *FAST)
    assert code == 2, out
    assert "failed: HTTP 403: <html><body>Please log in" in out
    assert "that is not AWS's answer: check AWS_ENDPOINT_URL\n" in out
    assert "Traceback" not in out and len(jobs()) == 1


def test_a_failed_job_shows_bedrocks_message(capsys, aws, train):
    aws.proxy.steps = ("InProgress", "Failed")
    code, out = run(capsys, *args(train))
    assert code == 1, out
    assert out.endswith(
        "status: failed\n"
        f"job jsonl-guard-{record_of(train).run_id} failed: "
        "Training data validation failed: line 3 has no assistant turn\n"
    )


def test_a_run_stopped_by_its_timeout_resumes_the_same_job_then_cancels(capsys, aws, train):
    aws.proxy.steps = ("InProgress",)  # never ends
    record_file = train.with_name("train.jsonl.finetune.json")
    # 2 s: room for the upload and the create on a busy machine, then it follows.
    code, out = run(capsys, *args(train, "--timeout", "2"))
    assert code == 2, out
    assert "--timeout 2 s reached while following the job" in out
    assert f"--cancel {record_file}" in out
    job_id = record_of(train).job_id
    code, out = run(capsys, "--resume", str(record_file), *FAST, "--timeout", "0.5")
    assert code == 2, out
    assert record_of(train).job_id == job_id and len(jobs()) == 1
    assert aws.proxy.count(*CREATE) == 1
    code, out = run(capsys, "--cancel", str(record_file))
    assert (code, out) == (0, f"job {job_id}: cancelled\n")
    assert jobs()[0]["status"] == "Stopped"
    aws.proxy.steps = ("InProgress", "Completed")
    code, out = run(capsys, *args(train))  # a finished record: a new run is allowed
    assert code == 0, out
    assert len(jobs()) == 2


# -- refused before anything is sent ---------------------------------------------------------


def test_bad_data_uploads_nothing(capsys, aws, tmp_path, train):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(train.read_bytes() + b'{"schemaVersion": "bedrock-conversation-2024"}\n')
    code, out = run(capsys, *args(bad))
    assert code == 1, out
    assert "nothing was uploaded" in out
    assert aws.proxy.seen == []


def test_an_openai_file_is_refused_with_the_convert_command(capsys, aws, tmp_path):
    from helpers import EXAMPLES

    openai_file = tmp_path / "chat.jsonl"
    openai_file.write_bytes((EXAMPLES / "support-good.jsonl").read_bytes())
    code, out = run(capsys, *args(openai_file))
    assert code == 1, out
    assert (
        f"  jsonl-guard convert {openai_file} --to bedrock-nova --model {MODEL} "
        f"--output {tmp_path / 'chat.bedrock-nova.jsonl'}\nnothing was uploaded"
    ) in out
    assert aws.proxy.seen == []


def test_max_cost_without_a_price_is_a_usage_error(capsys, aws, train):
    code, out = run(capsys, *args(train, "--max-cost", "5"))
    assert code == 2
    assert "price_per_million" in out and aws.proxy.seen == []


@pytest.mark.parametrize(
    ("drop", "replace", "message"),
    [
        ("--s3-uri", None, "Bedrock needs --s3-uri s3://BUCKET/PREFIX/"),
        ("--role-arn", None, "Bedrock needs --role-arn"),
        (None, ("--role-arn", "arn:aws:iam::1:user/me"), "is not an IAM role ARN"),
        (None, ("--s3-uri", "https://bucket/x"), "--s3-uri must look like s3://BUCKET/PREFIX/"),
        (None, ("--s3-uri", "s3://B_/x/"), "names no valid S3 bucket"),
    ],
)
def test_a_missing_or_malformed_setting_stops_before_anything(
    capsys, aws, train, drop, replace, message
):
    argv = args(train)
    if drop is not None:
        del argv[argv.index(drop) : argv.index(drop) + 2]
    if replace is not None:
        argv[argv.index(replace[0]) + 1] = replace[1]
    code, out = run(capsys, *argv)
    assert code == 2
    assert message in out
    assert aws.proxy.seen == [] and not train.with_name("train.jsonl.finetune.json").exists()


def test_no_region_names_the_flag_and_the_variables(capsys, aws, train, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    code, out = run(capsys, *args(train))
    assert code == 2
    assert "no AWS region: pass --region, or set AWS_REGION (or AWS_DEFAULT_REGION" in out
    code, out = run(capsys, *args(train, "--region", "us-east-1"))
    assert code == 0, out


def test_no_credentials_names_what_to_set(capsys, aws, train, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    code, out = run(capsys, *args(train))
    assert code == 2
    assert "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in out
    assert "AWS_PROFILE" in out and aws.proxy.seen == []
