"""Every rule has a bad/good fixture pair and fires exactly where the table says.

``tests/fixtures/rules/<CODE>/bad.jsonl`` is a small bike-shop support dataset
with the rule's defect on a few lines; ``good.jsonl`` holds the same examples,
fixed. The bad file must yield ``<CODE>`` at exactly the lines listed in
``EXPECTED`` (a line listed twice carries the defect twice; ``None`` means one
file-level finding), and the good file must never yield it.

An optional ``options.json`` next to them holds ``CheckOptions`` fields
(``model``, ``max_cost``, ``min_examples``, ``epochs``, ``profile``, ``models``,
``max_seq_len``, ``max_line_bytes``; for the open-weight rules ``tokenizer`` and
``chat_template``, paths from the repository root, ``loss``, ``truncation_side``,
``packing``) shared by both files, with per-file overrides under ``"bad"`` /
``"good"``. Two more keys: ``"training"`` names a file in the folder that is
checked first as the training file, so that bad/good are checked as its
validation file; ``"expect"`` gives the lines for rules not listed in ``EXPECTED``
(provider rules keep their expectation next to their fixtures).

Adding a rule without adding its fixtures and its expectation fails
``test_every_rule_has_fixtures_and_an_entry``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from jsonl_guard import (
    Checker,
    CheckOptions,
    FileReport,
    Rule,
    Severity,
    all_rules,
    check_lines,
    check_path,
)

RULES_DIR = Path(__file__).resolve().parent / "fixtures" / "rules"
MAX_FILE_BYTES = 512 * 1024 * 1024
OPTION_KEYS = {
    "model",
    "max_cost",
    "min_examples",
    "epochs",
    "profile",
    "models",
    "max_seq_len",
    "max_line_bytes",
    # The training preview (open-weight rules): paths relative to the repository.
    "tokenizer",
    "chat_template",
    "loss",
    "truncation_side",
    "packing",
}
EXTRA_KEYS = {"bad", "good", "training", "expect"}

# Rule code -> sorted 1-based lines where it fires in bad.jsonl (None: file level).
EXPECTED: dict[str, list[int] | None] = {
    # --- file rules (the line reader) ---
    "JG100": None,  # bad.jsonl is empty (0 bytes)
    "JG101": [1],  # a BOM can only open the file
    "JG102": [4, 9],  # two lines saved as Latin-1; one finding per line (the first bad byte)
    "JG103": [4, 9],  # an empty line and a whitespace-only line between examples
    "JG104": None,  # lines 3 and 8 end with CRLF: one file-level finding
    "JG105": None,  # no 512 MB fixture: see SYNTHETIC_BAD
    "JG106": [3, 8],  # 5,097 and 5,127 bytes, over max_line_bytes 4,096 (options.json)
    "JG110": [3, 8],  # a lost closing brace; single-quoted key
    # --- schema rules ---
    "JG111": [2, 7],  # a bare messages array; a double-encoded (string) example
    "JG112": [5, 10],  # line 10 has two unknown keys: still one finding
    "JG113": [4, 11],  # "conversation", "messsages" (each also raises JG112)
    "JG114": [3, 8],  # empty list; a string
    "JG115": [2, 9, 9],  # line 9: a bare-string message and a message without role
    "JG116": [3, 7, 7],  # object content; line 7: null user content + assistant without content
    "JG117": [4, 9, 9],  # line 9: unknown keys on two messages
    "JG118": [5, 10, 10],  # a "file" part; line 10: "input_text" part + text part without text
    "JG119": [8, 11, 11],  # parallel_tool_calls "yes"; line 11: "false" and a numeric name
    "JG121": [3, 7],  # "messages" repeated (draft left in front); a repeated "content"
    "JG122": [2, 8],  # no stored bad file (see SYNTHETIC_BAD): tool parameters nested too deep
    "JG120": [3, 8, 8],  # empty assistant reply; line 8: empty system + blank user
    "JG201": [2, 10, 10],  # "developer"; line 10: "developer" and "customer"
    # --- roles and weights ---
    "JG202": [4, 9],  # reply missing; reply pasted as a second user turn
    "JG203": [5, 11, 11],  # line 11: two system notes after the conversation started
    "JG204": [3, 9],  # trailing user turns
    "JG205": [4, 10, 10],  # weight 0.5; line 10: weights "0" and 2
    "JG206": [3, 8, 8],  # weight on a user message; line 8: on system and user
    "JG207": [5, 10],
    "JG208": [
        3,
        8,
    ],  # options.json: trl-messages; a whitespace reply, an empty one  # one finding per example, however many zero weights
    # --- tools ---
    "JG220": [2, 8, 8],  # call without type; line 8: type "tool" + empty function name
    "JG221": [5, 8, 8],  # unquoted keys; line 8: arguments as an object + single quotes
    "JG222": [5, 8, 8],  # wrong tool_call_id; line 8: both answers with wrong ids
    "JG223": [2, 8, 8],  # tool answer missing; line 8: both answers of two parallel calls
    "JG224": [8, 8, 11],  # line 8: two unknown function names
    "JG225": [4, 4, 8],  # line 4: ids restart at call_1 in each of three turns
    "JG226": [2, 8, 8],  # tool name with a space; line 8: strict "yes" + string parameters
    # tool_call_id missing; line 8: tool_call_id 1 and null. Line 5 currently fails: the
    # schema reports a missing tool_call_id as JG116 (tool_message "required" -> JG116).
    "JG227": [5, 8, 8],
    "JG228": [3, 8],  # a property of type "strin"; line 8: `required` names no property
    "JG229": [3, 8],  # an argument outside its enum; line 8: "2" for an integer
    "JG230": [2, 11],  # functions/function_call; a role "function" answer
    # --- images (options.json: gpt-4o-2024-08-06, which accepts images) ---
    "JG240": [6, 10, 10],  # images in assistant replies; line 10 has two
    "JG241": [6, 10],  # 11 images; 12 images over two user turns
    "JG242": [2, 9, 9],  # http://; line 9: a GIF data URL and a file:// path
    "JG243": [4, 9, 9],  # no 14 MB fixture: see SYNTHETIC_BAD
    # JG244: the default model gpt-4o-mini has no vision fine-tuning. good.jsonl is
    # byte-identical to bad.jsonl and is checked with gpt-4o-2024-08-06 (the fix the
    # rule's hint names first); line 8 holds two images but gives one finding.
    "JG244": [3, 8],
    "JG250": [5, 10, 10],  # <|endoftext|>; line 10: <|im_start|>/<|im_end|> in two messages
    # --- secrets and personal data ---
    "JG280": [3, 5, 8, 8, 10],  # OpenAI key, AWS id + secret, JWT + EC key, Slack webhook
    "JG281": [2, 4, 7, 9, 11, 11],  # phone, card, IBAN, DNI; line 11: phone and email
    # --- dataset rules ---
    "JG301": None,  # 9 examples (good: 10)
    "JG302": None,  # 20 examples (good: 50)
    "JG303": [7, 11],  # line 7 repeats line 2 with its keys reordered; line 11 repeats line 4
    "JG311": [8],  # line 8 asks line 3's question (other case, spacing) with another answer
    "JG312": [3, 5, 8],  # one template answer to three different questions (25% > 10%)
    "JG313": [3, 8],  # "As an AI language model"; "I'm sorry, but I can't" (2 of 12 > 5%)
    "JG310": None,  # options.json: bad with o4-mini-2025-04-16 (RFT only), good with gpt-4o-mini
    "JG401": [5, 10],  # options.json: gpt-3.5-turbo-0613, limit 4,096 tokens
    "JG402": None,  # info: lines 1 and 8 use tools (good: the same questions without tools)
    "JG501": None,  # options.json: max_cost 0.05, 3 epochs; bad pastes a warranty text twice
    "JG502": None,  # options.json: max_cost 5; bad with gpt-4.1-mini (no price), good gpt-4o-mini
    # --- profiles, validation files, estimates ---
    "JG130": [4],  # legacy prompt/completion lines 4 and 9 in a chat file: once, at the first
    "JG304": None,  # validation file of 12 examples for a model that takes at most 10
    "JG305": [3, 8],  # validation examples copied from training lines 2 and 11 (keys reordered)
    "JG314": [8, 11],  # lines 4 and 6 again with two or three words changed
    "JG315": [3, 8],  # training lines 2 and 11 reworded a little (line 5, a copy: JG305's)
    "JG403": [4, 9],  # options.json: a model without a tokenizer, limit 200 (estimated)
}

# Rules whose bad file is not stored but built by the test, with the reason.
SYNTHETIC_BAD: dict[str, str] = {
    "JG105": "needs a file over 512 MB; good.jsonl is checked again with size= set to 600 MB",
    "JG243": "needs >10 MB inline images; good.jsonl with the data URLs of lines 4 and 9 "
    "inflated to 14 MB each",
    "JG122": "a line is too deep to check but not to parse only within a few levels of "
    "nesting, which move with the caller's stack; good.jsonl with a value nested at such a "
    "depth in the first tool's parameters of lines 2 and 8, the depth found here",
}

# Error-severity findings a good file may still yield because of its options. None
# are needed: every good file is error-free under its own options.
GOOD_FILE_ERRORS_ALLOWED: dict[str, set[str]] = {}

# Placeholders in rule documentation examples, and what they stand for.
DOC_PLACEHOLDERS: dict[str, str] = {
    "<14 million base64 characters>": "A" * 14_000_000,
    "<70,000 tokens of text>": " ".join(["spoke"] * 70_000),
}
RAW_BYTE_NOTE = re.compile(r"\s+\(raw byte 0x([0-9A-Fa-f]{2})\)\Z")
DATA_URL = re.compile(rb'"data:image/png;base64,[A-Za-z0-9+/=]*"')

CODES = sorted({*EXPECTED, *(p.name for p in RULES_DIR.iterdir() if p.is_dir())})


def _raw_options(code: str) -> dict[str, Any]:
    path = RULES_DIR / code / "options.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def _expected(code: str) -> list[int] | None:
    if code in EXPECTED:
        return EXPECTED[code]
    raw = _raw_options(code)
    assert "expect" in raw, f"{code}: list it in EXPECTED or give options.json an 'expect'"
    expect: list[int] | None = raw["expect"]
    return expect


def _option_fields(code: str, which: str) -> dict[str, Any]:
    path = RULES_DIR / code / "options.json"
    raw = _raw_options(code)
    fields = {k: v for k, v in raw.items() if k not in EXTRA_KEYS}
    fields.update(raw.get(which, {}))
    unknown = set(fields) - OPTION_KEYS
    assert not unknown, f"{path}: unknown option(s) {sorted(unknown)}"
    return fields


def _options(code: str, which: str) -> CheckOptions:
    fields = _option_fields(code, which)
    for key in ("tokenizer", "chat_template"):  # written relative to the repository
        if key in fields:
            fields[key] = str(RULES_DIR.parents[2] / fields[key])
    return CheckOptions(**fields)


def _synthetic_bad(code: str) -> FileReport:
    good = (RULES_DIR / code / "good.jsonl").read_bytes().splitlines(keepends=True)
    checker = Checker(_options(code, "bad"))
    if code == "JG105":
        return checker.check_lines(good, path="JG105/bad", size=600 * 1024 * 1024)
    if code == "JG243":
        # Just over 10 MiB once decoded (the rule's limit).
        big = b'"data:image/png;base64,' + b"A" * (10 * 1024 * 1024 * 4 // 3 + 4) + b'"'
        bad_lines = set(_expected(code) or [])
        lines = [
            DATA_URL.sub(lambda _: big, line) if number in bad_lines else line
            for number, line in enumerate(good, 1)
        ]
        return checker.check_lines(lines, path="JG243/bad")
    if code == "JG122":
        # From deeper (JG110: too deep to parse) to shallower (fine) nesting: the first
        # depth that parses but is too deep to check. The bad lines alone are tried at
        # each depth, from here: the window moves with the stack, so with the caller.
        bad_lines = sorted(_expected(code) or [])
        for depth in range(sys.getrecursionlimit(), 0, -1):
            nested = b'"parameters": {"examples": ' + b"[" * depth + b"]" * depth + b", "
            lines = [
                line.replace(b'"parameters": {', nested, 1) if number in bad_lines else line
                for number, line in enumerate(good, 1)
            ]
            tried = checker.check_lines([lines[number - 1] for number in bad_lines])
            if _lines_of(tried, code) == list(range(1, len(bad_lines) + 1)):
                return checker.check_lines(lines, path="JG122/bad")
        raise AssertionError("no nesting depth is too deep to check but not to parse")
    raise AssertionError(f"no synthetic bad file for {code}")


_CHECKED: dict[tuple[bytes, str], FileReport] = {}


@functools.cache
def _report(code: str, which: str) -> FileReport:
    if which == "bad" and code in SYNTHETIC_BAD:
        return _synthetic_bad(code)
    path = RULES_DIR / code / f"{which}.jsonl"
    fields = _option_fields(code, which)
    # Many fixtures are the same file (e.g. the plain dataset as good.jsonl): check each
    # distinct (content, options) pair once, as the schema check dominates the run time.
    key = (hashlib.blake2b(path.read_bytes()).digest(), json.dumps(fields, sort_keys=True))
    training = _raw_options(code).get("training")
    if training is not None:
        key = (key[0] + training.encode(), key[1])
    if key not in _CHECKED:
        if training is None:
            _CHECKED[key] = check_path(path, CheckOptions(**fields))
        else:
            pair = Checker(CheckOptions(**fields)).check_pair(RULES_DIR / code / training, path)
            _CHECKED[key] = pair.files[1]
    return _CHECKED[key]


def _lines_of(report: FileReport, code: str) -> list[int | None]:
    """The sorted lines at which ``code`` fires (file-level findings, line None, first)."""
    lines = [d.line for d in report.diagnostics if d.code == code]
    return sorted(lines, key=lambda line: 0 if line is None else line)


def test_every_rule_has_fixtures_and_an_entry() -> None:
    codes = [rule.code for rule in all_rules()]
    assert codes == CODES, "every registered rule needs a fixture folder (and no other)"
    for code in codes:
        _expected(code)  # listed in EXPECTED or in its options.json
    folders = sorted(p.name for p in RULES_DIR.iterdir() if p.is_dir())
    assert folders == codes, "tests/fixtures/rules/ must hold one folder per rule"
    for code in codes:
        folder = RULES_DIR / code
        assert (folder / "good.jsonl").is_file(), f"{code}: good.jsonl missing"
        has_bad = (folder / "bad.jsonl").is_file()
        assert has_bad != (code in SYNTHETIC_BAD), f"{code}: bad.jsonl xor SYNTHETIC_BAD"
        for which in ("bad", "good"):
            _options(code, which)  # options.json is well formed


def test_fixture_files_are_small_datasets() -> None:
    """Fixtures keep 10+ examples (so count rules stay quiet) unless the rule is about counts."""
    for code in CODES:
        for which in ("bad", "good"):
            if which == "bad" and code in {"JG100", "JG301", "JG302"}:
                continue
            report = _report(code, which)
            assert report.examples >= 10, f"{code}/{which}.jsonl has {report.examples} examples"
    assert (RULES_DIR / "JG100" / "bad.jsonl").stat().st_size == 0
    assert _report("JG301", "bad").examples == 9
    assert _report("JG302", "bad").examples == 20
    assert _report("JG302", "good").examples == 50


@pytest.mark.parametrize("code", CODES)
def test_bad_fixture_fires_at_expected_lines(code: str) -> None:
    expected = _expected(code)
    found = _lines_of(_report(code, "bad"), code)
    if expected is None:
        assert found == [None], f"{code}: expected one file-level finding"
    else:
        assert found == expected


@pytest.mark.parametrize("code", CODES)
def test_good_fixture_never_fires(code: str) -> None:
    report = _report(code, "good")
    assert [d for d in report.diagnostics if d.code == code] == []


@pytest.mark.parametrize("code", CODES)
def test_good_fixture_has_no_errors(code: str) -> None:
    allowed = GOOD_FILE_ERRORS_ALLOWED.get(code, set())
    errors = [
        f"{d.code} line {d.line}: {d.message}"
        for d in _report(code, "good").diagnostics
        if d.severity is Severity.ERROR and d.code not in allowed
    ]
    assert errors == []


def test_file_too_large_at_the_boundary() -> None:
    """JG105 fires strictly above 512 MB (Checker.check_lines takes the file size)."""
    lines = (RULES_DIR / "JG105" / "good.jsonl").read_bytes().splitlines(keepends=True)
    checker = Checker()

    def fired(size: int | None) -> bool:
        report = checker.check_lines(lines, size=size)
        return any(d.code == "JG105" and d.line is None for d in report.diagnostics)

    assert not fired(None)
    assert not fired(MAX_FILE_BYTES)
    assert fired(MAX_FILE_BYTES + 1)


def test_images_fixed_by_dropping_them() -> None:
    """The other fix JG244's hint names: the default model, with the images removed."""
    lines = (RULES_DIR / "JG244" / "bad.jsonl").read_bytes().splitlines(keepends=True)
    texts = []
    for line in lines:
        example = json.loads(line)
        for message in example["messages"]:
            if isinstance(message["content"], list):
                message["content"] = [p for p in message["content"] if p["type"] == "text"]
        texts.append(json.dumps(example).encode())
    report = check_lines(texts)
    assert [d.code for d in report.diagnostics if d.severity is Severity.ERROR] == []


def _doc_lines(text: str) -> list[bytes] | None:
    """A rule's documentation example as the lines of a file; None for a prose description.

    An empty text is an empty file (JG100's bad example), placeholders such as
    ``<70,000 tokens of text>`` are expanded, and JG102's ``caf\\xe9 ... (raw byte 0xE9)``
    becomes the raw byte.
    """
    if text.startswith("(") and text.endswith(")"):
        return None
    data = text
    raw_byte = RAW_BYTE_NOTE.search(data)
    for placeholder, expansion in DOC_PLACEHOLDERS.items():
        data = data.replace(placeholder, expansion)
    if raw_byte:  # '... caf\xe9 ...  (raw byte 0xE9)': the escape stands for the byte
        data = data[: raw_byte.start()]
        byte = raw_byte.group(1)
        escape = "\\x" + byte.lower()
        assert escape in data, f"{escape} not in {data!r}"
        before, after = data.split(escape, 1)
        return [before.encode() + bytes.fromhex(byte) + after.encode()]
    return data.encode("utf-8").splitlines(keepends=True)


def _doc_options(rule: Rule) -> CheckOptions:
    # One-line examples: the count and duplicate rules would fire on every one of them.
    return CheckOptions(ignore=tuple(c for c in ("JG301", "JG302", "JG303") if c != rule.code))


RULES = all_rules()
# Dataset-level rules document their examples as descriptions ("(a file with 9
# examples)"); their fixture files above are what exercises them.
LITERAL_BAD = [r for r in RULES if _doc_lines(r.bad) is not None]
LITERAL_GOOD = [r for r in RULES if r.good and _doc_lines(r.good) is not None]


@pytest.mark.parametrize("rule", LITERAL_BAD, ids=[r.code for r in LITERAL_BAD])
def test_documented_bad_example_fires(rule: Rule) -> None:
    lines = _doc_lines(rule.bad)
    assert lines is not None
    codes = [d.code for d in check_lines(lines, _doc_options(rule)).diagnostics]
    assert rule.code in codes, f"{rule.code} documented bad example yields {codes}"


@pytest.mark.parametrize("rule", LITERAL_GOOD, ids=[r.code for r in LITERAL_GOOD])
def test_documented_good_example_is_clean(rule: Rule) -> None:
    lines = _doc_lines(rule.good)
    assert lines is not None
    codes = [d.code for d in check_lines(lines, _doc_options(rule)).diagnostics]
    assert rule.code not in codes


# Example rules whose documented examples are descriptions, and why.
DESCRIBED_EXAMPLE_RULES = {
    "JG403": "fires only on estimated counts, i.e. with a model that has no offline tokenizer",
    "JG270": "RFT data is told from chat SFT data by the model (o4-mini), not by its keys",
    # Together and Mistral share their keys (messages, text, prompt/completion) with
    # OpenAI's formats, so a one-line example is reached only through a model: their
    # fixtures (options.json: profile and model) exercise them instead.
    **dict.fromkeys(
        ["JG650", "JG651", "JG652", "JG653", "JG654", "JG655", "JG656", "JG658", "JG659", "JG661"],
        "a Together format, reached through a Together model",
    ),
    **dict.fromkeys(
        ["JG660", "JG662"], "a Together preference file, reached through a Together model"
    ),
    "JG625": "fires only with a text-only Nova model (Micro), never the default Nova Lite",
    "JG636": "Llama 3.2's Converse format is reached through a Llama model",
    **dict.fromkeys(
        ["JG670", "JG671", "JG672", "JG673", "JG674", "JG675", "JG676", "JG677", "JG678", "JG679"],
        "a Mistral conversation, reached through a Mistral model",
    ),
    **dict.fromkeys(
        ["JG687", "JG688", "JG689", "JG690", "JG691", "JG692", "JG693", "JG694"],
        "the training preview needs a --tokenizer with a chat template (options.json sets it)",
    ),
}


def test_only_file_and_dataset_rules_document_by_description() -> None:
    from jsonl_guard.rules.registry import Scope

    described = [r.code for r in RULES if r not in LITERAL_BAD or r not in LITERAL_GOOD]
    assert all(
        rule.scope in (Scope.FILE, Scope.DATASET) or rule.code in DESCRIBED_EXAMPLE_RULES
        for rule in RULES
        if rule.code in described
    ), described
