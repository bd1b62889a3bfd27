"""``--format html``: one self-contained page, drawn from the report, inert whatever the data.

The page is parsed here (html.parser) for what must hold without a browser: no script,
no resource and no link to anywhere but the page itself, the CSP, every histogram bar
from the report's counts, every finding's line, and the data's text shown as text.
``tests/test_html_browser.py`` opens it in a real Chromium.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import EXAMPLES, FIXTURES, ROOT, example, write_jsonl
from jsonl_guard import Checker, CheckOptions, Report
from jsonl_guard.cli import main
from jsonl_guard.engine.details import BINS, Histogram
from jsonl_guard.reporters import REPORTERS
from jsonl_guard.reporters._html_svg import HEIGHT, bar_height

HOSTILE = FIXTURES / "html" / "hostile.jsonl"
HOSTILE_BAD_LINES = {2, 4, 6, 10, 11}  # unknown keys, a duplicate, invalid JSON
# What the page may contain: nothing that runs, loads, embeds or submits.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "div", "section", "h1", "h2", "h3",
    "h4", "p", "span", "table", "tr", "th", "td", "a", "details", "summary", "pre", "code",
    "figure", "figcaption", "svg", "rect", "line", "text",
}  # fmt: skip


class Page(HTMLParser):
    """The tags of a page with their attributes, and its text."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def html_of(*paths, **options) -> tuple[Report, str]:
    checker = Checker(CheckOptions(**options))
    report = Report(tuple(checker.check_path(p) for p in paths))
    return report, REPORTERS["html"](report)


def assert_inert(document: str) -> Page:
    page = Page(document)
    tags = {tag for tag, _ in page.tags}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("src", "srcset", "action", "formaction", "xlink:href", "background"):
            assert name not in attrs, (tag, attrs)
        if "href" in attrs:  # only the page's own anchors
            assert (attrs["href"] or "").startswith("#"), attrs
    csp = page.all("meta", **{"http-equiv": "Content-Security-Policy"})
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")
    assert "script-src" not in (csp[0]["content"] or "")  # default-src 'none' forbids them
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", document)  # no URL but SVG's ns
    return page


def test_the_page_is_self_contained_and_lists_every_bad_line():
    report, document = html_of(HOSTILE)
    page = assert_inert(document)
    listed = {int(a["data-line"] or 0) for a in page.all("tr", **{"class": "finding"})
              if a.get("data-line")}  # fmt: skip
    assert listed == HOSTILE_BAD_LINES
    assert listed == {d.line for d in report.files[0].diagnostics if d.line is not None}


def test_untrusted_text_is_shown_as_text_never_as_markup():
    _, document = html_of(HOSTILE)
    page = assert_inert(document)
    shown = "".join(page.text)
    # The example's text is there, as characters, in its collapsed <details>.
    assert "<script>alert(1)</script>" in shown
    assert "</textarea><img src=x onerror=alert(2)>" in shown
    assert "javascript:alert(5)" in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "<script" not in document.lower()
    assert "<img" not in document.lower() and "<textarea" not in document.lower()
    assert len(page.all("details")) >= len(HOSTILE_BAD_LINES)


def test_a_hostile_file_name_is_text(tmp_path):
    path = write_jsonl(
        tmp_path / '<img src=x onerror="alert(7)">.jsonl', [example(i) for i in range(3)]
    )
    _, document = html_of(path)
    page = assert_inert(document)
    assert any('<img src=x onerror="alert(7)">.jsonl' in a.get("data-path", "")
               for a in page.all("section"))  # fmt: skip


def test_each_histogram_draws_every_bin_from_the_report_counts():
    report, document = html_of(EXAMPLES / "support-bad.jsonl", max_seq_len=300)
    details = report.files[0].details
    assert details is not None
    page = Page(document)
    svgs = [i for i, (tag, _) in enumerate(page.tags) if tag == "svg"]
    assert len(svgs) == 2
    for start, histogram in zip(svgs, (details.tokens, details.trained), strict=True):
        end = next((i for i in svgs if i > start), len(page.tags))
        bars = [a for t, a in page.tags[start:end] if t == "rect" and a.get("class") == "bar"]
        assert len(bars) == BINS == len(histogram.counts)
        tallest = max(histogram.counts)
        assert [int(b["data-count"] or 0) for b in bars] == list(histogram.counts)
        assert [float(b["height"] or 0) for b in bars] == [
            bar_height(c, tallest) for c in histogram.counts
        ]
    # A limit of 300 falls on the first chart: drawn, at its place on the token axis.
    limit = page.all("line", **{"class": "limit"})
    assert limit and limit[0]["data-limit"] == "300"
    assert details.tokens.span >= 300 and sum(details.tokens.counts) == 23


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 100_000), max_size=60), st.none() | st.integers(1, 200_000))
def test_histogram_bins_count_every_value_once(values, limit):
    histogram = Histogram.of(values, limit)
    assert len(histogram.counts) == BINS and histogram.total == len(values)
    for value in values:  # each value lies in the span, in the bin that claims it
        index = min(value // histogram.width, BINS - 1)
        low, high, _ = list(histogram.bins())[index]
        assert low <= value <= high
    if values and limit is not None and limit <= 2 * max(values):
        assert limit <= histogram.span  # a near limit is drawn on the chart
    assert all(0 <= bar_height(c, max(histogram.counts)) <= HEIGHT for c in histogram.counts)


_HOSTILE_TEXT = st.text(
    alphabet=st.sampled_from(list("<>&\"'/=:`;() sciptjavhrefonlowdx\\\u2028\u202e\x00\x1b")),
    max_size=40,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_HOSTILE_TEXT, _HOSTILE_TEXT)
def test_any_text_in_any_field_stays_inert(tmp_path, content, key):
    row = example(1, **{key or "k": content})
    row["messages"][1]["content"] = content
    path = tmp_path / "any.jsonl"
    path.write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n{" + content + "\n", "utf-8")
    _, document = html_of(path)
    assert_inert(document)


def test_cli_writes_the_page_with_output_and_keeps_text_on_the_terminal(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(ROOT)
    target = tmp_path / "report.html"
    code = main(["check", str(HOSTILE), "--format", "html", "--output", str(target)])
    out = capsys.readouterr().out
    assert code == 1
    assert target.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert "Found 1 error(s)" in out and "<html" not in out
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temporary file, renamed


def test_output_never_overwrites_an_input(tmp_path, capsys):
    data = write_jsonl(tmp_path / "data.jsonl", [example(i) for i in range(3)])
    before = data.read_bytes()
    code = main(["check", str(data), "--format", "html", "--output", str(data)])
    assert code == 2
    assert "is one of the files to check" in capsys.readouterr().err
    assert data.read_bytes() == before


def test_output_that_is_a_folder_is_refused_before_the_check(tmp_path, capsys):
    data = write_jsonl(tmp_path / "data.jsonl", [example(i) for i in range(3)])
    for folder in (tmp_path, tmp_path / "."):
        code = main(["check", str(data), "--format", "html", "--output", str(folder)])
        assert code == 2
        assert "is a folder; name the report file" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl"]


def test_an_unreadable_file_and_an_empty_one_render(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    report, document = html_of(tmp_path / "missing.jsonl", empty)
    page = assert_inert(document)
    assert page.all("p", **{"class": "io-error"})
    assert report.files[1].details is not None and report.files[1].details.tokens.total == 0


@pytest.mark.parametrize("jobs", [1, 3])
def test_details_are_the_same_whatever_the_job_count(tmp_path, jobs):
    lines = HOSTILE.read_bytes().splitlines(keepends=True) * 20
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"".join(lines))
    checker = Checker(CheckOptions())
    single = checker.check_path(path)
    split = checker.check_path(path, jobs=jobs, min_parallel_bytes=0)
    assert split.details == single.details
    assert REPORTERS["html"](Report((split,))) == REPORTERS["html"](Report((single,)))
    details = single.details
    assert details is not None and details.duplicate_groups and details.excerpts
    assert details.duplicate_groups_total >= len(details.duplicate_groups)


def test_with_a_training_preview_the_second_histogram_is_what_trains():
    pytest.importorskip("tokenizers")
    options = CheckOptions(
        profile="trl-messages",
        tokenizer=str(FIXTURES / "hf" / "tokenizer.json"),
        max_seq_len=160,
        loss="assistant-only",
        chat_template=str(FIXTURES / "rules" / "JG689" / "tagged.jinja"),
    )
    cut = FIXTURES / "rules" / "JG690" / "bad.jsonl"
    report = Checker(options).check_path(cut)
    details, training = report.details, report.tokens.training
    assert details is not None and training is not None
    assert details.trained_source == "training preview"
    assert details.trained.total == training.examples
    assert details.trained.limit == 160 and details.tokens.limit == 160
    rows = list(report.example_rows())
    assert sum(r.trained_tokens or 0 for r in rows) == training.trained_total
    page = assert_inert(REPORTERS["html"](Report((report,))))
    assert page.all("svg", **{"aria-label": "trained tokens per example"})
