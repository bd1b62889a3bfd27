"""``jsonl-guard finetune``: check, estimate, confirm, upload, start, follow, smoke-test.

This module is an edge (network and terminal), kept apart from the pure core.
Every step is written to the run record before it completes, so an interrupted
run resumes with ``--resume RECORD`` and never submits a second job.

The platform is reached only through a ``FinetuneBackend`` (``finetune.backend``),
chosen by the model's provider (``finetune.backends``); nothing here knows a
platform's SDK. Each call goes through ``finetune.calls`` (the ``--timeout`` deadline,
one line when it fails); the job is started once by ``finetune.create`` and followed
by ``finetune.follow.Follower``. The run talks to the user through
``finetune.console.Console`` and ends early with a ``FinetuneStop``.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from ..engine.checker import Checker, same_file
from ..engine.models import resolve_model
from ..engine.options import CheckOptions
from ..engine.report import FileReport
from ..errors import ExitCode, JsonlGuardError
from ..reporters.text import render_file
from .backend import FinetuneBackend
from .backends import backend_for, make_backend
from .calls import Deadline, api_call
from .console import Console, FinetuneStop
from .create import start_job
from .estimate import estimate_lines
from .follow import Follower, FollowSettings
from .model_choice import with_implied_model
from .record import (
    CANCELLED,
    FAILED,
    SUCCEEDED,
    RunRecord,
    claim_record_path,
    default_record_path,
)
from .wrong_format import wrong_format_message

T = TypeVar("T")


@dataclass
class FinetuneRequest:
    training: Path
    options: CheckOptions
    validation: Path | None = None
    suffix: str | None = None
    seed: int | None = None
    smoke: Path | None = None
    poll_interval: float = 10.0
    timeout: float | None = None
    dry_run: bool = False
    yes: bool = False
    record: Path | None = None
    config: Path | None = None  # the config file read: never overwritten by the record
    new: bool = False  # start a run even beside an unfinished one's record
    platform: str | None = None  # default: the model's provider's (finetune.backends)
    platform_settings: dict[str, str] = field(default_factory=dict)  # never a credential


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_files(
    request: FinetuneRequest, console: Console, backend: FinetuneBackend
) -> tuple[FileReport, FileReport | None]:
    """Check the files with ``check``'s engine; stop with exit 1 on any error (JG305
    included), or with the ``convert`` command for a file in a format the platform does
    not tune on."""
    validation = request.validation
    if validation is not None and same_file(validation, request.training):
        raise FinetuneStop(ExitCode.USAGE, f"{validation} is given as both training and validation")
    reports = Checker(request.options).check_dataset([request.training], validation).report.files
    for report in reports:
        if report.io_error is not None:
            raise FinetuneStop(ExitCode.USAGE, f"cannot read {report.path}: {report.io_error}")
    spec = resolve_model(request.options.model, request.options.models)
    for report in reports:
        wrong = wrong_format_message(report, backend, spec)
        if wrong is not None:
            raise FinetuneStop(ExitCode.ERRORS, wrong)
    failed = [r for r in reports if not r.ok]
    for report in failed:
        console.say(render_file(report))
    if failed:
        raise FinetuneStop(ExitCode.ERRORS, "nothing was uploaded: fix the findings above first")
    return reports[0], reports[1] if validation is not None else None


def confirm_or_stop(request: FinetuneRequest, console: Console) -> None:
    if request.yes:
        return
    if console.confirm is None:
        raise FinetuneStop(
            ExitCode.USAGE,
            "not a terminal, so nothing can be confirmed: pass --yes to upload and start "
            "the job (nothing was uploaded)",
        )
    if not console.confirm("Upload the file(s) and start the fine-tuning job? [y/N] "):
        raise FinetuneStop(ExitCode.ERRORS, "cancelled: nothing was uploaded")


def new_record(request: FinetuneRequest, report: FileReport, backend: FinetuneBackend) -> RunRecord:
    cost = report.cost
    assert cost is not None
    return RunRecord(
        run_id=uuid.uuid4().hex[:12],
        model=request.options.model,
        training_path=str(request.training),
        training_sha256=sha256_of(request.training),
        validation_path=None if request.validation is None else str(request.validation),
        validation_sha256=None if request.validation is None else sha256_of(request.validation),
        epochs=request.options.epochs,
        suffix=request.suffix,
        seed=request.seed,
        method=job_method(report, backend),
        platform=backend.platform,
        platform_settings=dict(backend.settings),
        estimate={
            "examples": report.examples,
            "billed_tokens": cost.billed_tokens,
            "epochs": cost.epochs,
            "estimated_usd": cost.estimated_usd,
        },
    )


def record_path(request: FinetuneRequest) -> Path:
    return request.record or default_record_path(request.training)


def check_smoke_file(path: Path | None) -> None:
    """A broken smoke file must fail before any money is spent."""
    if path is None:
        return
    from ..smoke.file import SmokeFileError, load_smoke_file

    try:
        load_smoke_file(path)
    except SmokeFileError as error:
        lines = "\n".join(error.lines())
        message = f"{lines}\nthe smoke file is broken: nothing was uploaded"
        raise FinetuneStop(ExitCode.USAGE, message) from None


def job_method(report: FileReport, backend: FinetuneBackend) -> str:
    """The job method the backend starts for the file's format; a usage error if none."""
    method = backend.job_methods.get(report.format)
    if method is None:
        takes = ", ".join(backend.job_methods)
        note = f" ({backend.job_methods_note})" if backend.job_methods_note else ""
        raise FinetuneStop(
            ExitCode.USAGE,
            f"{report.path} is in the {report.format} format; finetune submits {takes} files"
            + note,
        )
    return method


def choose_backend(request: FinetuneRequest) -> FinetuneBackend:
    """The backend of the chosen platform, else the model's (not connected), given the
    run's platform settings; a usage error if none yet."""
    options = request.options
    spec = resolve_model(options.model, options.models)
    return backend_for(spec, request.platform, request.platform_settings)


def prepare(
    request: FinetuneRequest, console: Console, backend: FinetuneBackend
) -> RunRecord | None:
    """Check, estimate and confirm. ``None`` means a dry run: stop here."""
    if request.seed is not None and not backend.takes_seed:
        raise FinetuneStop(
            ExitCode.USAGE,
            f"{backend.platform} fine-tuning jobs take no seed: drop --seed (nothing was uploaded)",
        )
    train_report, _ = check_files(request, console, backend)
    job_method(train_report, backend)
    check_smoke_file(request.smoke)
    for line in estimate_lines(train_report):
        console.say(line)
    check_budget_checkable(request, train_report)
    if request.dry_run:
        console.say("dry run: nothing uploaded")
        return None
    confirm_or_stop(request, console)
    return new_record(request, train_report, backend)


def check_budget_checkable(request: FinetuneRequest, report: FileReport) -> None:
    """A budget that cannot be checked (no price: JG502) stops the run before any upload."""
    cost = report.cost
    if request.options.max_cost is None or cost is None or cost.price_per_million_usd is not None:
        return
    raise FinetuneStop(
        ExitCode.USAGE,
        f"the budget of ${request.options.max_cost:,.2f} cannot be checked: no training price "
        f"is known for {cost.model}. Set price_per_million in "
        f'[tool.jsonl-guard.models."{cost.model}"], or drop --max-cost (nothing was uploaded)',
    )


def _upload(
    backend: FinetuneBackend,
    path: Path,
    expected_sha256: str,
    record_file: Path,
    deadline: Deadline,
) -> str:
    try:
        changed = sha256_of(path) != expected_sha256
    except OSError as error:  # deleted, replaced by a folder, unreadable since the check
        raise FinetuneStop(
            ExitCode.USAGE,
            f"cannot read {path}, which this run checked and must upload: "
            f"{error.strerror or error}. Put the checked file back and resume "
            f"(jsonl-guard finetune --resume {record_file}), or start over with "
            f"jsonl-guard finetune TRAIN.jsonl --new ({path.name} was not uploaded)",
        ) from None
    if changed:
        raise FinetuneStop(
            ExitCode.ERRORS, f"{path} changed since it was checked; run the check again (no upload)"
        )
    # The exact bytes that were checked.
    step = f"uploading {path}"
    return api_call(backend, step, record_file, lambda: backend.upload(path), deadline)


def submit(
    backend: FinetuneBackend,
    record: RunRecord,
    path: Path,
    console: Console,
    deadline: Deadline | None = None,
    settings: FollowSettings | None = None,
) -> None:
    """Upload and start the job, recording each step; calling it again resumes it.

    A job whose creation was cut off (``job_create_started`` without a ``job_id``) is
    looked for first (``finetune.create``): never a second job.
    """
    deadline = Deadline(None) if deadline is None else deadline
    settings = FollowSettings() if settings is None else settings
    backend.begin_run(record)
    if record.training_file_id is None:
        record.training_file_id = _upload(
            backend, Path(record.training_path), record.training_sha256, path, deadline
        )
        record.status = "uploaded"
        record.save(path)
        console.say(f"uploaded {record.training_path}: {console.quote(record.training_file_id)}")
    if record.validation_path is not None and record.validation_file_id is None:
        assert record.validation_sha256 is not None
        record.validation_file_id = _upload(
            backend, Path(record.validation_path), record.validation_sha256, path, deadline
        )
        record.save(path)
        console.say(
            f"uploaded {record.validation_path}: {console.quote(record.validation_file_id)}"
        )
    if record.job_id is not None:
        return
    job = start_job(backend, record, path, console, deadline, settings.sleep)
    record.job_id = job.id
    record.status = job.status
    record.save(path)


def submit_and_follow(
    backend: FinetuneBackend,
    record: RunRecord,
    path: Path,
    console: Console,
    settings: FollowSettings,
) -> int:
    """Submit (or resume) and follow the job, then ``finish``; ``backend`` is connected.

    ``settings.timeout`` bounds all of it from here, every request included.
    """
    deadline = Deadline(settings.timeout, settings.clock)
    backend.set_time_limit(deadline.time_left)
    try:
        submit(backend, record, path, console, deadline, settings)
        follower = Follower(
            backend, record, path, console, settings.poll_interval, deadline, settings.sleep
        )
        step = f"following job {console.quote(record.job_id)}"
        api_call(backend, step, path, follower.run, deadline)
    except KeyboardInterrupt:
        record.save(path)
        if record.job_id is None:
            raise FinetuneStop(
                ExitCode.INTERRUPTED,
                f"interrupted before the job started. Resume: jsonl-guard finetune --resume {path}",
            ) from None
        raise FinetuneStop(
            ExitCode.INTERRUPTED,
            f"interrupted; job {console.quote(record.job_id)} keeps running on the server.\n"
            f"  follow it again: jsonl-guard finetune --resume {path}\n"
            f"  cancel it:       jsonl-guard finetune --cancel {path}",
        ) from None
    return finish(backend, record, console, settings.smoke)


def finish(
    backend: FinetuneBackend, record: RunRecord, console: Console, smoke: Path | None
) -> int:
    """Tell how the job ended; smoke-test a fine-tuned model through the same backend."""
    quote, job_id = console.quote, console.quote(record.job_id)
    if record.status == SUCCEEDED and record.fine_tuned_model is None:
        console.say(f"job {job_id} succeeded, but the server named no fine-tuned model")
        return ExitCode.ERRORS
    if record.status == SUCCEEDED:
        assert record.fine_tuned_model is not None
        console.say(f"fine-tuned model: {quote(record.fine_tuned_model)}")
        if smoke is None:
            return ExitCode.OK
        return smoke_test(backend, record, console, smoke)
    if record.status == FAILED:
        error = record.error or {}
        detail = quote(error.get("message") or "no error message was given")
        extra = ", ".join(f"{k}={quote(error[k])}" for k in ("code", "param") if error.get(k))
        console.say(f"job {job_id} failed: {detail}" + (f" ({extra})" if extra else ""))
        return ExitCode.ERRORS
    console.say(f"job {job_id} ended: {quote(record.status)}")
    return ExitCode.ERRORS


def smoke_test(backend: FinetuneBackend, record: RunRecord, console: Console, smoke: Path) -> int:
    """Run the smoke file against the model the platform serves for the run; exit 1 with
    what to do when it serves none by itself (Bedrock without ``--smoke-model``)."""
    model = backend.smoke_model(record)
    if model is None:
        console.say(f"smoke test not run: {backend.smoke_unavailable(record)}")
        return ExitCode.ERRORS
    from ..smoke.command import run_smoke_cli

    console.say(f"smoke test: {smoke}")
    return run_smoke_cli(smoke, model, client=backend, out=console.out, err=console.out)


def connect(backend: FinetuneBackend, console: Console | None = None) -> FinetuneBackend:
    """Connect ``backend``; a credentials (or missing SDK) error ends the run with its message.

    The credentials it uses are masked in all the ``console`` prints from then on.
    """
    try:
        backend.connect()
    except JsonlGuardError as error:
        raise FinetuneStop(error.exit_code, str(error)) from None
    if console is not None:
        console.secrets = backend.secrets()
    return backend


def run_finetune(
    request: FinetuneRequest,
    console: Console,
    settings: FollowSettings,
    backend: FinetuneBackend | None = None,
) -> int:
    """A new run. ``backend``: default, the one for the model's provider (``BACKENDS``),
    chosen before the files are checked."""
    if request.platform is None:  # no --model: the file's format's model, as check does
        request.options = with_implied_model(request.training, request.options)
    backend = choose_backend(request) if backend is None else backend
    if not request.dry_run:  # an endpoint that cannot work stops the run before anything
        try:
            backend.check_settings()
        except JsonlGuardError as error:
            raise FinetuneStop(error.exit_code, str(error)) from None
    path = record_path(request)
    if not request.dry_run:  # a dry run writes no record
        inputs = (request.training, request.validation, request.smoke, request.config)
        path = claim_record_path(path, inputs, new=request.new)
    record = prepare(request, console, backend)
    if record is None:
        return ExitCode.OK
    record.save(path)
    console.say(f"run record: {path}")
    return submit_and_follow(connect(backend, console), record, path, console, settings)


def resume_finetune(
    path: Path,
    console: Console,
    settings: FollowSettings,
    backend: FinetuneBackend | None = None,
) -> int:
    """Follow a recorded run again. ``backend``: default, the record's platform's."""
    record = RunRecord.load(path)
    if backend is None:
        backend = make_backend(record.platform, record.platform_settings)
    backend = connect(backend, console)
    if record.finished:
        console.say(f"job {console.quote(record.job_id)} already ended: {record.status}")
        backend.set_time_limit(Deadline(settings.timeout, settings.clock).time_left)  # smoke
        return finish(backend, record, console, settings.smoke)
    console.say(f"resuming run {console.quote(record.run_id)} from {path}")
    return submit_and_follow(backend, record, path, console, settings)


def cancel_finetune(path: Path, console: Console, backend: FinetuneBackend | None = None) -> int:
    """Cancel a recorded run's job. ``backend``: default, the record's platform's."""
    record = RunRecord.load(path)
    if record.job_id is None:
        console.say("no job was started for this run; nothing to cancel")
        return ExitCode.ERRORS
    if record.finished:
        console.say(f"job {console.quote(record.job_id)} already ended: {record.status}")
        return ExitCode.OK if record.status == CANCELLED else ExitCode.ERRORS
    if backend is None:
        backend = make_backend(record.platform, record.platform_settings)
    backend = connect(backend, console)
    job_id = record.job_id
    step = f"cancelling job {console.quote(job_id)}"
    job = api_call(backend, step, path, lambda: backend.cancel_job(job_id))
    record.status = job.status
    record.save(path)
    console.say(f"job {console.quote(job_id)}: {console.quote(record.status)}")
    return ExitCode.OK
