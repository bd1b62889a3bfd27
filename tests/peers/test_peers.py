"""jsonl-guard against the providers' own validators, on generated data (issue 11, docs/peers.md).

Each profile held to a peer that installs from the registry (the ``[peers]`` extra, in
``[dev]``) is run on Hypothesis-generated valid examples and on every single-defect
mutation of the profile's strategies (``providers/*/strategies.py``): jsonl-guard and the
peer must agree, both accept or both reject. The few known disagreements are listed in
``DISAGREEMENTS``, each with the reason the peer is judged wrong; docs/peers.md holds the
same list with the provider documentation cited, and a test keeps the two in step. A
listed disagreement is asserted too: when the peer changes its mind, the test says so.

The peers AWS's Nova validators and OpenAI's legacy validators do not install from the
registry; their cases are in tests/fixtures/conformance/ (docs/peers.md).
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import warnings
from pathlib import Path

import pytest
from _peer_validators import mistral_verdict, together_verdict
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from jsonl_guard import Checker, CheckOptions, Severity
from jsonl_guard.engine.profiles import profile_table, resolve_profile
from jsonl_guard.strategies import profile_corruptions, profile_examples


def _import_peer(name: str) -> None:
    """Import a peer the way ``importorskip`` does, its import-time warnings silenced.

    together 1.5.x defines pydantic models with a class-based ``Config``, which pydantic 2
    warns about at import; under ``filterwarnings = error`` that warning would fail the
    collection of this module although the peer works. On CI the peers are installed
    ([dev] pulls in [peers]): a missing one is a failure there, a skip with the reason
    elsewhere.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            importlib.import_module(name)
        except ImportError:
            if os.environ.get("CI"):
                raise
            pytest.skip("the [peers] extra is not installed", allow_module_level=True)


_import_peer("together")
_import_peer("mistral_common")

ROOT = Path(__file__).resolve().parents[2]
PEER_FIXTURES = ROOT / "tests" / "fixtures" / "peers"
# Profile -> the peer it is held to: the `peer` of providers/*/provider.toml, which the
# table of docs/profiles.md shows; "(differential" marks the ones run here.
PEERS = {
    name: profile.peer.split()[0]
    for name, profile in profile_table().items()
    if "(differential" in profile.peer
}
# (profile, corruption name) -> why the peer is judged wrong (docs/peers.md, with sources).
DISAGREEMENTS = {
    ("mistral", "JG206"): "mistral-finetune drops a weight outside assistant messages; "
    "mistral-common's own message models forbid it and Mistral documents weight on "
    "assistant messages only",
    ("mistral", "wrong-answer"): "mistral-common counts tool answers but never matches their "
    "tool_call_id to the call's id; Mistral's data format pairs them",
}
# Generated data: a handful of examples per test keeps the suite fast (each example is a
# peer call and a check).
BUDGET = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CORRUPTED = sorted(
    (profile, corruption.name) for profile in PEERS for corruption in profile_corruptions(profile)
)


@functools.cache
def _checker(profile: str) -> Checker:
    model = resolve_profile(profile).default_model
    return Checker(CheckOptions(model=model, model_source="cli", profile=profile))


def ours(profile: str, line: bytes) -> tuple[bool, list[str]]:
    """jsonl-guard's verdict on one line: no error on it (file-level counts aside)."""
    report = _checker(profile).check_lines([line])
    errors = [d.code for d in report.diagnostics if d.severity is Severity.ERROR and d.line]
    return not errors, errors


def theirs(profile: str, line: bytes) -> tuple[bool, str]:
    assert PEERS[profile] in ("together", "mistral-common")
    if PEERS[profile] == "together":
        return together_verdict([line])
    return mistral_verdict(line)


def _line(example: object) -> bytes:
    return example.encode() if isinstance(example, str) else json.dumps(example).encode()


@pytest.mark.parametrize("profile", sorted(PEERS))
@BUDGET
@given(data=st.data())
def test_valid_examples_pass_both(profile: str, data: st.DataObject) -> None:
    line = _line(data.draw(profile_examples(profile)))
    note(line.decode())
    assert ours(profile, line) == (True, [])
    accepted, message = theirs(profile, line)
    assert accepted, message


@pytest.mark.parametrize(("profile", "name"), CORRUPTED)
@BUDGET
@given(data=st.data())
def test_a_single_defect_is_rejected_by_both(profile: str, name: str, data: st.DataObject) -> None:
    (corruption,) = [c for c in profile_corruptions(profile) if c.name == name]
    example = data.draw(profile_examples(profile))
    if not corruption.applies_to(example):
        return
    line = _line(corruption(example)[0])
    note(line.decode())
    accepted, errors = ours(profile, line)
    peer_accepted, peer_message = theirs(profile, line)
    assert not accepted, f"jsonl-guard accepts a {name} line"
    if (profile, name) in DISAGREEMENTS:
        assert peer_accepted, f"{PEERS[profile]} now rejects it ({peer_message}): drop the entry"
    else:
        assert not peer_accepted, f"{PEERS[profile]} accepts what jsonl-guard rejects ({errors})"


PEER_CASES = [
    case
    for case in json.loads((PEER_FIXTURES / "cases.json").read_text("utf-8"))
    if case["profile"] in PEERS
]


@pytest.mark.parametrize("case", PEER_CASES, ids=lambda case: case["file"])
def test_the_peer_still_gives_the_recorded_verdict(case: dict) -> None:
    """The disagreements fixed once (tests/fixtures/peers/): the peer's verdict stands, so
    jsonl-guard's (tested in tests/test_profile_<provider>.py) agrees with it."""
    line = (PEER_FIXTURES / case["file"]).read_bytes().rstrip(b"\n")
    accepted, message = theirs(case["profile"], line)
    assert accepted == (case["peer_verdict"] == "valid"), message
    assert ours(case["profile"], line)[0] == accepted


def test_every_listed_disagreement_is_documented() -> None:
    documented = (ROOT / "docs" / "peers.md").read_text("utf-8")
    for profile, name in DISAGREEMENTS:
        assert f"`{profile}` / `{name}`" in documented, (profile, name)
    assert set(DISAGREEMENTS) <= set(CORRUPTED)
