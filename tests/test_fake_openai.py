"""The fake OpenAI server itself, driven by the real ``openai`` SDK over real HTTP."""

from __future__ import annotations

import time

import httpx2
import openai
import pytest

from fake_openai import (  # noqa: F401 - fixtures
    FakeOpenAI,
    fake_openai_fixture,
    normalize_route,
)


@pytest.fixture
def client(fake_openai: FakeOpenAI):
    with openai.OpenAI(base_url=fake_openai.base_url, api_key="test", max_retries=0) as sdk:
        yield sdk


def upload(client: openai.OpenAI, data: bytes = b'{"messages": []}\n', name: str = "train.jsonl"):
    return client.files.create(file=(name, data), purpose="fine-tune")


def test_base_url_is_local_and_ends_in_v1(fake_openai):
    assert fake_openai.base_url == f"http://127.0.0.1:{fake_openai.port}/v1"


def test_upload_keeps_the_exact_bytes_filename_and_purpose(client, fake_openai):
    data = b'\xef\xbb\xbf{"messages": [{"role": "user", "content": "caf\xc3\xa9"}]}\r\n\n'
    created = upload(client, data, "support.jsonl")
    assert created.object == "file"
    assert (created.bytes, created.filename, created.purpose) == (
        len(data),
        "support.jsonl",
        "fine-tune",
    )
    stored = fake_openai.files[created.id]
    assert (stored.content, stored.filename, stored.purpose) == (data, "support.jsonl", "fine-tune")
    assert client.files.retrieve(created.id) == created
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve("file-nope")


def test_job_advances_through_its_script_to_a_fine_tuned_model(client, fake_openai):
    training = upload(client)
    job = client.fine_tuning.jobs.create(
        model="gpt-4o-mini-2024-07-18",
        training_file=training.id,
        suffix="support",
        seed=7,
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}},
    )
    assert job.status == "validating_files"
    assert fake_openai.jobs[job.id].request["method"]["supervised"]["hyperparameters"] == {
        "n_epochs": 2
    }
    assert (job.seed, job.hyperparameters.n_epochs) == (7, 2)
    statuses = [client.fine_tuning.jobs.retrieve(job.id).status for _ in range(4)]
    assert statuses == ["queued", "running", "succeeded", "succeeded"]
    done = client.fine_tuning.jobs.retrieve(job.id)
    assert done.fine_tuned_model == f"ft:gpt-4o-mini-2024-07-18:org:support:{job.id[6:]}"
    assert done.trained_tokens == 12_345
    assert done.finished_at is not None and done.error is None


def test_events_appear_as_the_job_advances_newest_first(client, fake_openai):
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=upload(client).id)
    first = client.fine_tuning.jobs.list_events(job.id).data
    assert [e.message for e in first] == [
        f"Validating training file: {job.training_file}",
        f"Created fine-tuning job: {job.id}",
    ]
    for _ in range(3):
        client.fine_tuning.jobs.retrieve(job.id)
    page = client.fine_tuning.jobs.list_events(job.id, limit=2)
    assert [e.message for e in page.data] == [
        "The job has successfully completed",
        f"New fine-tuned model created: ft:gpt-4o-mini:org::{job.id[6:]}",
    ]
    assert page.has_more
    older = client.fine_tuning.jobs.list_events(job.id, after=page.data[-1].id, limit=2)
    assert older.data[0].type == "metrics"
    assert older.data[0].data == {"step": 3, "total_steps": 3, "train_loss": 0.5}
    everything = list(client.fine_tuning.jobs.list_events(job.id, limit=3))  # auto-paginates
    assert len(everything) == len(fake_openai.jobs[job.id].events) == 8
    assert everything[-1].message.startswith("Created fine-tuning job")


def test_a_scripted_failure(client, fake_openai):
    error = {
        "code": "invalid_training_file",
        "message": "Line 3: bad role",
        "param": "training_file",
    }
    fake_openai.script_job(error=error)
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=upload(client).id)
    failed = client.fine_tuning.jobs.retrieve(job.id)
    assert failed.status == "failed"
    assert failed.error is not None
    assert (failed.error.code, failed.error.message, failed.error.param) == tuple(error.values())
    [latest] = client.fine_tuning.jobs.list_events(job.id, limit=1).data
    assert (latest.level, latest.message) == ("error", "Fine-tuning job failed: Line 3: bad role")


def test_manual_advance_and_cancel(client, fake_openai):
    fake_openai.script_job(auto_advance=False)
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=upload(client).id)
    assert client.fine_tuning.jobs.retrieve(job.id).status == "validating_files"
    assert fake_openai.advance(job.id, 2) == "running"
    cancelled = client.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled"
    assert client.fine_tuning.jobs.retrieve(job.id).status == "cancelled"
    with pytest.raises(openai.BadRequestError, match="already completed"):
        client.fine_tuning.jobs.cancel(job.id)


def test_job_creation_checks_the_training_file(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file="file-nope")
    assert caught.value.param == "training_file"


def test_chat_replies_from_a_mapping_a_function_or_the_echo_default(client, fake_openai):
    def ask(text: str) -> str | None:
        reply = client.chat.completions.create(
            model="m",
            messages=[{"role": "system", "content": "S"}, {"role": "user", "content": text}],
        )
        return reply.choices[0].message.content

    assert ask("hi") == "echo: hi"
    fake_openai.chat_reply = {"hi": "hello"}
    assert ask("hi") == "hello"
    with pytest.raises(openai.BadRequestError, match="no scripted reply"):
        ask("unknown")
    fake_openai.chat_reply = lambda request: f"{len(request['messages'])} messages"
    assert ask("x") == "2 messages"
    assert [r["messages"][-1]["content"] for r in fake_openai.chat_requests] == [
        "hi",
        "hi",
        "unknown",
        "x",
    ]


def test_chat_usage_can_be_left_out(client, fake_openai):
    fake_openai.chat_reply = lambda request: {"content": "a b c", "usage": None}
    reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "q"}])
    assert reply.usage is None
    fake_openai.chat_reply = "a b c"
    reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "q"}])
    assert reply.usage is not None and reply.usage.completion_tokens == 3


def test_missing_or_wrong_key_gets_openais_401(fake_openai):
    with openai.OpenAI(
        base_url=fake_openai.base_url, api_key="sk-wrong-key-123456", max_retries=0
    ) as c:
        with pytest.raises(openai.AuthenticationError) as missing:
            c.files.retrieve("file-1", extra_headers={"Authorization": openai.omit})
        with pytest.raises(openai.AuthenticationError) as wrong:
            c.files.retrieve("file-1")
    for caught in (missing, wrong):
        body = caught.value.body
        assert isinstance(body, dict) and set(body) == {"message", "type", "param", "code"}
    assert "You didn't provide an API key" in missing.value.message
    assert wrong.value.code == "invalid_api_key"
    assert "sk-wrong-key-123456" not in wrong.value.message  # masked, like the real API
    assert [r.status for r in fake_openai.requests] == [401, 401]


def test_injected_failures_then_success_with_retries(fake_openai):
    fake_openai.fail("POST /files", times=2, status=429)
    assert fake_openai.pending_failures("POST /v1/files") == 2
    with openai.OpenAI(base_url=fake_openai.base_url, api_key="test", max_retries=2) as c:
        upload(c)
    assert [r.status for r in fake_openai.requests_to("POST /v1/files")] == [429, 429, 200]
    assert fake_openai.requests[0].json is None  # multipart, not JSON
    assert len(fake_openai.files) == 1


def test_injected_failures_beyond_the_retries(fake_openai):
    fake_openai.fail("GET /v1/fine_tuning/jobs/{id}", times=5, status=500)
    with (
        openai.OpenAI(base_url=fake_openai.base_url, api_key="test", max_retries=1) as c,
        pytest.raises(openai.InternalServerError) as caught,
    ):
        c.fine_tuning.jobs.retrieve("ftjob-x")
    assert caught.value.status_code == 500
    assert fake_openai.count("GET /v1/fine_tuning/jobs/{id}") == 2
    assert fake_openai.pending_failures("GET /v1/fine_tuning/jobs/{job_id}") == 3


def test_a_dropped_connection_is_a_connection_error(client, fake_openai):
    fake_openai.fail("POST /v1/chat/completions", disconnect=True)
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "q"}])
    assert fake_openai.requests[0].status == 0


def test_unknown_routes_are_rejected(fake_openai):
    with pytest.raises(ValueError, match="unknown route"):
        fake_openai.fail("POST /v1/embeddings")
    assert normalize_route("get /fine_tuning/jobs/{fine_tuning_job_id}/events") == (
        "GET /v1/fine_tuning/jobs/{id}/events"
    )


def test_reset_forgets_everything(client, fake_openai):
    upload(client)
    fake_openai.fail("POST /v1/files")
    fake_openai.reset()
    assert (
        fake_openai.count(),
        fake_openai.files,
        fake_openai.pending_failures("POST /files"),
    ) == (
        0,
        {},
        0,
    )


# -- faults for the finetune tests: work done but the answer lost, hangs, bad bodies ------


def test_an_applied_failure_does_the_work_then_fails(client, fake_openai):
    file_id = upload(client).id
    fake_openai.fail("POST /v1/fine_tuning/jobs", applied=True, status=500)
    with pytest.raises(openai.InternalServerError):
        client.fine_tuning.jobs.create(model="m", training_file=file_id)
    assert len(fake_openai.jobs) == 1  # created, though the client was told it failed
    fake_openai.fail("POST /v1/fine_tuning/jobs", applied=True, disconnect=True)
    with pytest.raises(openai.APIConnectionError):
        client.fine_tuning.jobs.create(model="m", training_file=file_id)
    assert len(fake_openai.jobs) == 2


def test_a_hang_never_answers(fake_openai):
    fake_openai.fail("GET /v1/fine_tuning/jobs/{id}", hang=True)
    started = time.monotonic()
    with (
        openai.OpenAI(
            base_url=fake_openai.base_url, api_key="test", max_retries=0, timeout=0.5
        ) as c,
        pytest.raises(openai.APITimeoutError),
    ):
        c.fine_tuning.jobs.retrieve("ftjob-x")
    assert 0.4 < time.monotonic() - started < 5
    assert fake_openai.requests[0].status == 0


def test_a_raw_body_is_sent_as_it_is(fake_openai):
    fake_openai.fail("POST /v1/files", status=200, body=b"<html>login</html>")
    with httpx2.Client() as http:
        answer = http.post(
            fake_openai.base_url + "/files", headers={"authorization": "Bearer test"}
        )
    assert (answer.status_code, answer.content) == (200, b"<html>login</html>")
    assert answer.headers["content-type"] == "text/html"


def test_metadata_can_go_unechoed_and_events_be_scripted(client, fake_openai):
    file_id = upload(client).id
    fake_openai.script_job(events=["custom \x1b[2J event"])
    job = client.fine_tuning.jobs.create(
        model="m", training_file=file_id, metadata={"jsonl_guard_run": "r1"}
    )
    assert job.metadata == {"jsonl_guard_run": "r1"}
    fake_openai.echo_metadata = False
    assert client.fine_tuning.jobs.retrieve(job.id).metadata is None
    assert client.fine_tuning.jobs.list().data[0].metadata is None
    messages = [e.message for e in client.fine_tuning.jobs.list_events(job.id).data]
    assert "custom \x1b[2J event" in messages
