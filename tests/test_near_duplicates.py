"""Near-duplicates (JG314 within a file, JG315 validation vs training): the sketch, the
text it is made from, the pair search, and the rules' reports.

The rules table (tests/test_rules_table.py) runs the fixture pairs; equivalence with
``--jobs`` and merged shards is in tests/test_parallel.py and tests/test_shards.py.
"""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import true_near_duplicate
from jsonl_guard import Checker, CheckOptions
from jsonl_guard.engine import minhash, near_pairs
from jsonl_guard.engine.columns import SPILL_ENV
from jsonl_guard.engine.config import ConfigError, apply_settings
from jsonl_guard.engine.conversation_text import conversation_text, walk
from jsonl_guard.engine.minhash import EMPTY, K, shingles, similarity, sketch
from jsonl_guard.engine.near_pairs import Sketches, pairs_between, pairs_within

CHECKER = Checker()
# Made-up words (no two texts drawn from them share phrases by accident beyond chance).
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "de", "fu", "go", "pe", "xe"]


def words(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choices(SYLLABLES, k=rng.randint(1, 3))) for _ in range(count)]


def chat(user: str, assistant: str, system: str = "You are a helpful assistant.") -> dict:
    return {
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ]
    }


def conversation(rng: random.Random) -> dict:
    return chat(" ".join(words(rng, rng.randint(8, 20))), " ".join(words(rng, rng.randint(30, 80))))


def reworded(example: dict, rng: random.Random, changes: int, mark: str = "zz") -> dict:
    """``example`` with ``changes`` words of its reply replaced by new ones."""
    reply = example["messages"][2]["content"].split()
    for position in rng.sample(range(len(reply)), changes):
        reply[position] = mark + reply[position]
    return chat(example["messages"][1]["content"], " ".join(reply))


def lines_of(examples: list[dict]) -> list[bytes]:
    return [json.dumps(e).encode() + b"\n" for e in examples]


def findings(report, code: str) -> list[tuple[int | None, str]]:
    return [(d.line, d.message) for d in report.diagnostics if d.code == code]


# -- the sketch -------------------------------------------------------------------


def test_case_punctuation_and_spacing_do_not_matter() -> None:
    text = "Your order left the warehouse this morning; tracking updates tonight, as usual."
    variant = "your ORDER left the  warehouse\tthis morning -- tracking updates tonight as usual"
    assert sketch(text) == sketch(variant)
    assert similarity(sketch(text), sketch(variant)) == 1.0


def test_a_few_words_changed_stay_similar_and_unrelated_texts_do_not() -> None:
    rng = random.Random(5)
    text = " ".join(words(rng, 120))
    changed = text.split()
    changed[30], changed[90] = "bicycle", "tyre"
    unrelated = " ".join(words(rng, 120))
    assert similarity(sketch(text), sketch(" ".join(changed))) >= 0.75
    assert similarity(sketch(text), sketch(unrelated)) <= 0.2


def test_small_sets_get_the_exact_jaccard_similarity() -> None:
    """Under K shingles each, the sketches hold the whole sets: the estimate is exact."""
    one = "the bike has a bent wheel and a broken brake cable so I need a refund now please"
    other = "the bike has a bent wheel and a loose brake cable so I need a refund today please"
    first, second = set(shingles(one)), set(shingles(other))
    assert len(first | second) <= K
    exact = len(first & second) / len(first | second)
    assert similarity(sketch(one), sketch(other)) == pytest.approx(exact)


def test_short_texts_are_not_sketched_and_padding_is_empty() -> None:
    assert sketch("Thanks!") is None
    assert sketch("") is None
    assert sketch("hello hello hello hello hello hello hello hello hello hello") is None
    values = sketch("where is my order today, and when will it arrive at my door")
    assert values is not None and len(values) == K
    assert values[-1] == EMPTY and values[0] != EMPTY
    assert list(values) == sorted(values)


def test_sketches_are_the_same_in_every_process() -> None:
    """CRC-32, not ``hash``: a shard sketched in another process (another hash seed)
    compares with this one's."""
    text = "Shards checked on another machine must pair with the lines checked here. " * 3
    # The module alone (it imports only the standard library): a quick interpreter.
    code = Path(minhash.__file__).read_text("utf-8") + f"\nprint(list(sketch({text!r})))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(list(sketch(text) or []))


def test_other_scripts_are_shingled_by_word_pairs() -> None:
    """Cyrillic has no "e": word pairs, so an edit still moves little."""
    words = "привет мир как дела сегодня хорошо спасибо погода город река лес дом окно"
    text = " ".join(words.split() * 2)
    changed = text.replace("дела", "делишки", 1)
    assert len(set(shingles(text))) > 3
    assert 0.6 <= similarity(sketch(text), sketch(changed)) < 1.0


# -- the text compared ------------------------------------------------------------


def test_the_text_leaves_out_system_prompts_tools_and_media() -> None:
    example = {
        "tools": [{"type": "function", "function": {"name": "lookup", "description": "Find"}}],
        "messages": [
            {"role": "system", "content": "You are a bike shop assistant."},
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [
                {"type": "text", "text": "What is this part?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            ]},
            {"role": "assistant", "content": "A derailleur hanger."},
        ],
    }  # fmt: skip
    assert conversation_text(example) == "What is this part?\nA derailleur hanger."


def test_every_profile_shape_gives_its_turns() -> None:
    gemini = {
        "systemInstruction": {"parts": [{"text": "Be kind."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Hi there"}]},
            {"role": "model", "parts": [{"text": "Hello!"}]},
        ],
    }
    assert conversation_text(gemini) == "Hi there\nHello!"
    assert conversation_text({"prompt": "Q: a?", "completion": " b"}) == "Q: a?\n b"
    blob = "QUJD" * 100  # a long string without a space: base64, not prose
    assert conversation_text({"text": blob}) == ""
    assert conversation_text({"messages": [{"role": ["odd"], "content": "kept"}]}) == "kept"


_ROLES = st.sampled_from(["system", "developer", "user", "assistant", "tool", "model"])
_VALUES = st.one_of(st.text(max_size=300), st.just("QUJD" * 80), st.integers(), st.none())


@given(
    st.lists(
        st.one_of(
            st.fixed_dictionaries({"role": _ROLES, "content": _VALUES}),
            st.fixed_dictionaries({"content": _VALUES, "role": _ROLES}),
            st.dictionaries(st.sampled_from(["role", "content", "name"]), _VALUES),
            _VALUES,
        ),
        max_size=6,
    )
)
def test_the_plain_chat_shortcut_gives_the_walks_text(messages: list) -> None:
    """Plain ``{"role", "content"}`` chats skip the walk: the text is the same."""
    example = {"messages": messages}
    assert conversation_text(example) == walk(example)


_ARGUMENTS = st.one_of(
    _VALUES, st.just('{"order_id": "SW-1"}'), st.dictionaries(st.just("a"), st.integers())
)
_CALLS = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {
                "id": st.text(max_size=5),
                "type": st.just("function"),
                "function": st.fixed_dictionaries(
                    {"name": st.sampled_from(["track", "tool"]), "arguments": _ARGUMENTS}
                ),
            }
        ),
        st.dictionaries(
            st.sampled_from(["id", "type", "function", "extra"]),
            st.one_of(_VALUES, st.dictionaries(st.sampled_from(["name", "arguments"]), _ARGUMENTS)),
        ),
        _VALUES,
    ),
    max_size=3,
)
_PARTS = st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": _VALUES}), max_size=2)
_CALL_MESSAGES = st.lists(
    st.one_of(
        st.fixed_dictionaries({"role": _ROLES, "content": st.one_of(_VALUES, _PARTS)}),
        st.fixed_dictionaries({"role": _ROLES, "content": st.none(), "tool_calls": _CALLS}),
        st.fixed_dictionaries({"tool_calls": _CALLS, "role": _ROLES, "content": _VALUES}),
        st.fixed_dictionaries({"role": _ROLES, "tool_call_id": _VALUES, "content": _VALUES}),
        st.dictionaries(
            st.sampled_from(["role", "content", "name", "tool_calls", "weight"]),
            st.one_of(_VALUES, _CALLS),
        ),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(
    _CALL_MESSAGES,
    st.dictionaries(st.sampled_from(["tools", "parallel_tool_calls", "metadata"]), _VALUES),
)
def test_the_tool_call_chat_shortcut_gives_the_walks_text(messages: list, extra: dict) -> None:
    """Chats with tool calls (and top-level tool definitions) skip the walk too: the
    text is the same, whatever the shape of the calls, and a shape the shortcut does
    not read goes to the walk."""
    example = {**extra, "messages": messages}
    assert conversation_text(example) == walk(example)


def test_the_shortcut_reads_tool_call_arguments_in_order() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "t", "arguments": '{"a": 1}'}}
    example = {
        "tools": [{"type": "function", "function": {"name": "t", "description": "skipped"}}],
        "messages": [
            {"role": "system", "content": "skipped"},
            {"role": "user", "content": "Where is it?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": "done"},
            {"role": "assistant", "content": "It ships."},
        ],
    }
    assert conversation_text(example) == walk(example) == 'Where is it?\n{"a": 1}\ndone\nIt ships.'
    call["function"]["arguments"] = "QUJD" * 80  # a blob, as the walk leaves it out
    assert conversation_text(example) == walk(example) == "Where is it?\ndone\nIt ships."


# -- the pair search ----------------------------------------------------------------


def test_pairs_within_report_the_later_line_with_its_earliest_source() -> None:
    rng = random.Random(11)
    texts = [" ".join(words(rng, 60)) for _ in range(6)]
    copy = texts[1].split()
    copy[10] = "changed"
    texts += [" ".join(copy), texts[1]]
    sketches = Sketches()
    for line, text in enumerate(texts, 1):
        values = sketch(text)
        assert values is not None
        sketches.add(values, line * 10)  # lines need not be consecutive
    found = [(line, source) for line, source, _ in pairs_within(sketches, 0.6)]
    assert found == [(70, 20), (80, 20)]


def _one_pass_pairs(sketches: Sketches, threshold: float) -> list[tuple[int, int, float]]:
    """``pairs_within`` as it was before the keys were split into parts (issue 17): one
    pass, every table in memory."""
    values, lines = list(sketches.values), list(sketches.lines)
    rows = [values[i * K : (i + 1) * K] for i in range(len(lines))]
    every = [key for row in rows for key in row[: minhash.INDEX_KEYS] if key != EMPTY]
    counts = {key: n for key, n in Counter(every).items() if n > 1}
    postings: dict[int, list[int]] = {}
    found = []
    for index, row in enumerate(rows):
        sources: list[int] = []
        for key in row[: minhash.INDEX_KEYS]:
            if key in counts:
                owners = postings.setdefault(key, [])
                sources += owners * 2 if counts[key] == 2 else owners
                if len(owners) < near_pairs.LEADERS:
                    owners.append(index)
        shared = Counter(sources)
        ranked = sorted((i for i, n in shared.items() if n > 1), key=lambda i: (-shared[i], i))
        for source in ranked[: near_pairs.MAX_COMPARISONS]:
            estimate = minhash.reference_similarity(rows[index], rows[source])
            if estimate >= threshold:
                found.append((lines[index], lines[source], estimate))
                break
    return found


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(2, 40),
    st.sampled_from([1, 2, 7, 40, 2**19]),
    st.booleans(),
)
def test_pairs_within_in_parts_and_spilled_equal_one_pass(seed, count, per_part, native) -> None:
    """Keys split into parts (``KEYS_PER_PART``) and sketches spilled to disk give the
    pairs of one pass over everything in memory: few words, so keys repeat twice, more
    than twice and more than ``LEADERS`` times, and rewordings to pair. With the C
    search (``native``) and with the Python reference alone (a build without one)."""
    rng = random.Random(seed)
    vocabulary = words(rng, 40)
    texts: list[str] = []
    for _ in range(count):
        if texts and rng.random() < 0.3:
            copy = rng.choice(texts).split()
            copy[rng.randrange(len(copy))] = "changed"
            texts.append(" ".join(copy))
        else:
            texts.append(" ".join(rng.choices(vocabulary, k=25)))
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(near_pairs, "KEYS_PER_PART", per_part)
        if not native:
            monkeypatch.setattr(near_pairs, "_native_sources", None)
        monkeypatch.setenv(SPILL_ENV, "64")
        sketches = Sketches()
        for line, text in enumerate(texts, 1):
            values = sketch(text)
            if values is not None:
                sketches.add(values, line * 3)
        assert list(pairs_within(sketches, 0.5)) == _one_pass_pairs(sketches, 0.5)


def test_pairs_between_name_the_file_and_line() -> None:
    rng = random.Random(12)
    first, second, mine = Sketches(), Sketches(), Sketches()
    texts = [" ".join(words(rng, 60)) for _ in range(5)]
    for line, text in enumerate(texts[:3], 1):
        first.add(sketch(text), line)  # type: ignore[arg-type]
    second.add(sketch(texts[3]), 1)  # type: ignore[arg-type]
    second.add(sketch(texts[1]), 2)  # type: ignore[arg-type]
    mine.add(sketch(texts[4]), 1)  # type: ignore[arg-type]
    mine.add(sketch(texts[1] + " and one more"), 2)  # type: ignore[arg-type]
    found = [(line, path, theirs) for line, path, theirs, _ in
             pairs_between(mine, [("a.jsonl", first), ("b.jsonl", second)], 0.6)]  # fmt: skip
    assert found == [(2, "a.jsonl", 2)]  # the first file's line before the second's


# -- the rules --------------------------------------------------------------------


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(12, 30), st.data())
def test_a_planted_paraphrase_is_reported_at_its_line_and_nowhere_else(count, data) -> None:
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    examples = [conversation(rng) for _ in range(count)]
    assert findings(CHECKER.check_lines(lines_of(examples)), "JG314") == []
    source = data.draw(st.integers(0, count - 1), label="source")
    at = data.draw(st.integers(source + 1, count), label="planted at")
    examples.insert(at, reworded(examples[source], rng, data.draw(st.integers(1, 2))))
    found = findings(CHECKER.check_lines(lines_of(examples)), "JG314")
    assert [line for line, _ in found] == [at + 1]
    assert found[0][1].endswith(f"similar to line {source + 1}")


def test_exact_copies_are_left_to_the_exact_rules(tmp_path: Path) -> None:
    rng = random.Random(3)
    examples = [conversation(rng) for _ in range(12)]
    examples.append(examples[4])  # an exact copy: JG303 at line 13, not JG314
    report = Checker().check_lines(lines_of(examples))
    assert findings(report, "JG303") == [(13, "the example repeats line 5")]
    assert findings(report, "JG314") == []
    train = tmp_path / "train.jsonl"
    valid = tmp_path / "valid.jsonl"
    train.write_bytes(b"".join(lines_of(examples[:12])))
    valid.write_bytes(b"".join(lines_of([examples[2], reworded(examples[7], rng, 1)])))
    checked = Checker().check_pair(train, valid).files[1]
    assert [d.line for d in checked.diagnostics if d.code == "JG305"] == [1]
    assert findings(checked, "JG315") == [(2, f"the example is ~{_share(checked)} similar "
                                               f"to line 8 of {train}")]  # fmt: skip


def _share(report) -> str:
    message = next(d.message for d in report.diagnostics if d.code == "JG315")
    return message.split("~")[1].split(" ")[0]


def test_ignored_rules_make_no_sketches() -> None:
    rng = random.Random(4)
    examples = [conversation(rng) for _ in range(12)]
    checker = Checker(CheckOptions(ignore=("JG314", "JG315")))
    run = checker.open()
    assert len(run.feed(lines_of(examples)).stats.sketches) == 0
    assert len(Checker().open().feed(lines_of(examples)).stats.sketches) == 12


def test_the_threshold_comes_from_the_options_and_the_config() -> None:
    rng = random.Random(6)
    examples = [conversation(rng) for _ in range(12)]
    examples.append(reworded(examples[3], rng, 8))  # loosely reworded
    lines = lines_of(examples)
    estimate = similarity(
        sketch(conversation_text(examples[3])), sketch(conversation_text(examples[-1]))
    )
    below = apply_settings(CheckOptions(), {"near-duplicate-threshold": estimate - 0.01}, "cfg")
    above = apply_settings(CheckOptions(), {"near-duplicate-threshold": estimate + 0.01}, "cfg")
    assert [line for line, _ in findings(Checker(below).check_lines(lines), "JG314")] == [13]
    assert findings(Checker(above).check_lines(lines), "JG314") == []


@pytest.mark.parametrize("value", [0, 1.5, -0.2, "0.6", True, 60])
def test_a_bad_threshold_is_a_config_error(value: object) -> None:
    with pytest.raises(ConfigError, match=r"pyproject.toml: near-duplicate-threshold must be a "
                                          r"number above 0 and at most 1"):  # fmt: skip
        apply_settings(CheckOptions(), {"near-duplicate-threshold": value}, "pyproject.toml")


def test_a_file_of_paraphrases_is_reported_capped_and_quickly() -> None:
    """600 rewordings of one conversation: every line after the first pairs with an
    earlier one, the report lists the first 100 and counts the rest, and the search
    stays bounded (each line compares with at most a few candidates)."""
    rng = random.Random(8)
    base = conversation(rng)
    examples = [reworded(base, rng, 1, mark=f"v{i}") for i in range(600)]
    start = time.perf_counter()
    report = Checker().check_lines(lines_of(examples))
    spent = time.perf_counter() - start
    listed = findings(report, "JG314")
    assert len(listed) == 100
    [more] = [n for n in report.not_shown if n.code == "JG314"]
    assert more.count + len(listed) == 599
    assert spent < 10


def _dpo(prompt: str, chosen: str, rejected: str) -> dict[str, object]:
    system = {"role": "system", "content": "You are Spokewise's support assistant."}
    return {
        "input": {"messages": [system, {"role": "user", "content": prompt}]},
        "preferred_output": [{"role": "assistant", "content": chosen}],
        "non_preferred_output": [{"role": "assistant", "content": rejected}],
    }


def test_a_generated_near_duplicate_is_told_from_a_false_alarm() -> None:
    """Hypothesis found this pair in a generated "clean" DPO file: one example's
    rejected reply is another's preferred one, and with one-word prompts the two
    conversations are 8 of 12 word pairs alike (67%, over the 60% threshold). The
    clean-file properties accept such a finding only when the exact similarity of the
    shingle sets (``helpers.true_near_duplicate``) reaches the threshold."""
    # In MATHEMATICAL BOLD letters (written by code points: ruff flags them as
    # look-alikes), a script the sketch shingles by word pairs.
    bold = {
        c: chr(0x1D400 + i) for i, c in enumerate(string.ascii_uppercase + string.ascii_lowercase)
    }
    sentence = "The quick brown fox jumps over the lazy dog".translate(str.maketrans(bold))
    first = _dpo("ś", "0", sentence)
    other = _dpo("ÿğł", "亴𫤐", "0")
    again = _dpo("9ÿğł𭢠Èjšŉ²ĺŐŢŖu𑱙傡fOĵጸU", sentence, "0")
    lines = lines_of([first, other, again])
    report = Checker(CheckOptions(profile="openai-dpo")).check_lines(lines)
    [(line, message)] = findings(report, "JG314")
    assert (line, message) == (3, "the example is ~67% similar to line 1")
    assert true_near_duplicate(lines, line, message)
    # The same finding pointed at an unrelated line is no near-duplicate.
    assert not true_near_duplicate(lines, line, "the example is ~67% similar to line 2")
