"""The HTML report in a real browser: the distribution's headless Chromium via Playwright.

One browser for the module. Without ``/usr/bin/chromium`` (or Playwright) the tests skip
with the reason, except on CI (``CI`` set), where they fail: ``.ci/run`` installs the
``chromium`` package with apt-get. Playwright is used with ``executable_path``, never
``playwright install`` (no download).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import EXAMPLES, FIXTURES, ROOT
from jsonl_guard import Checker, CheckOptions, Report
from jsonl_guard.reporters import REPORTERS
from jsonl_guard.reporters._html_svg import bar_height

CHROMIUM = os.environ.get("JSONL_GUARD_CHROMIUM", "/usr/bin/chromium")
HOSTILE = FIXTURES / "html" / "hostile.jsonl"
HOSTILE_BAD_LINES = {2, 4, 6, 10, 11}
SCREENSHOTS = ("report-good.png", "report-bad.png", "notebook.png")


def _unavailable() -> str | None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return 'Playwright is not installed (pip install -e ".[dev]")'
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    reason = _unavailable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
        launched = playwright.chromium.launch(executable_path=executable)
        yield launched
        launched.close()


def _write_report(tmp_path: Path, *paths: Path, **options: object) -> tuple[Report, Path]:
    checker = Checker(CheckOptions(**options))  # type: ignore[arg-type]
    report = Report(tuple(checker.check_path(p) for p in paths))
    target = tmp_path / "report.html"
    target.write_text(REPORTERS["html"](report), encoding="utf-8")
    return report, target


def test_opens_from_file_with_no_console_error_and_no_request(browser, tmp_path):
    _, target = _write_report(tmp_path, EXAMPLES / "support-bad.jsonl", HOSTILE)
    page = browser.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(target.as_uri())
    page.wait_for_load_state("load")
    assert requests == [target.as_uri()]  # the page itself, nothing else
    assert problems == []
    assert page.title() == "jsonl-guard report"
    assert page.locator("svg.histogram").count() == 4
    page.close()


def test_each_histogram_has_a_bar_per_bin_with_the_counts_heights(browser, tmp_path):
    report, target = _write_report(tmp_path, EXAMPLES / "support-bad.jsonl", max_seq_len=300)
    page = browser.new_page()
    page.goto(target.as_uri())
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('svg.histogram')].map(svg => ({
            bins: Number(svg.dataset.bins),
            bars: [...svg.querySelectorAll('rect.bar')].map(bar => ({
                count: Number(bar.dataset.count), height: bar.getBBox().height})),
            limit: svg.querySelector('line.limit')?.getBBox().x ?? null}))"""
    )
    details = report.files[0].details
    assert details is not None
    for histogram, svg in zip((details.tokens, details.trained), drawn, strict=True):
        assert svg["bins"] == len(histogram.counts) == len(svg["bars"])
        assert [bar["count"] for bar in svg["bars"]] == list(histogram.counts)
        tallest = max(histogram.counts)
        for bar, count in zip(svg["bars"], histogram.counts, strict=True):
            assert bar["height"] == pytest.approx(bar_height(count, tallest), abs=0.01)
    assert drawn[0]["limit"] is not None  # the 300-token limit is drawn on the chart
    page.close()


def test_the_findings_list_every_bad_line(browser, tmp_path):
    _, target = _write_report(tmp_path, HOSTILE)
    page = browser.new_page()
    page.goto(target.as_uri())
    lines = page.eval_on_selector_all(
        "tr.finding[data-line]", "rows => rows.map(r => Number(r.dataset.line))"
    )
    assert set(lines) == HOSTILE_BAD_LINES
    page.close()


def test_a_script_in_an_example_is_text_and_runs_nothing(browser, tmp_path):
    _, target = _write_report(tmp_path, HOSTILE)
    # The CSP alone would block a script: bypass it, so the escaping is what is tested.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(target.as_uri())
    page.locator("details:has(pre.example) > summary").first.click()
    shown = page.locator("pre.example").first.inner_text()
    assert "<script>alert(1)</script>" in shown
    assert page.evaluate("document.querySelectorAll('script, img, textarea, iframe').length") == 0
    links = page.eval_on_selector_all("a", "links => links.map(a => a.getAttribute('href'))")
    assert links and all(href.startswith("#") for href in links)
    for summary in page.locator("details > summary").all():  # open every collapsed part
        summary.click()
    page.wait_for_timeout(50)
    assert dialogs == []
    context.close()


def test_the_screenshots_in_the_readme_exist():
    for name in SCREENSHOTS:
        image = ROOT / "docs" / "img" / name
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", (
            f"{name}: run docs/make_screenshots.py"
        )
        assert f"docs/img/{name}" in (ROOT / "README.md").read_text("utf-8")
