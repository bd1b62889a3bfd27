"""Reports in a notebook: repr, the IPython pretty and HTML views, example rows, pandas,
and ``check_path(..., progress=True)``."""

from __future__ import annotations

import re
import sys

import pytest

from helpers import EXAMPLES, FIXTURES, ROOT, example, write_jsonl
from jsonl_guard import Checker, CheckOptions, Report, check_lines, check_path
from jsonl_guard.engine.rows import COLUMNS, ExamplesUnavailable

BAD = EXAMPLES / "support-bad.jsonl"
HOSTILE = FIXTURES / "html" / "hostile.jsonl"


def test_repr_is_one_readable_line_not_the_dataclass_dump():
    report = check_path(BAD)
    text = repr(report)
    assert text.startswith(f"<FileReport {BAD}: openai-chat, ")
    assert "24 examples" in text and f"{report.errors} error(s)" in text
    assert f"{report.tokens.total:,} tokens" in text
    assert "\n" not in text and len(text) < 300
    whole = repr(Report((report, report)))
    errors, warnings = 2 * report.errors, 2 * report.warnings
    assert whole == f"<Report: 2 file(s), errors found, {errors} error(s), {warnings} warning(s)>"


def test_ipython_pretty_and_html_views():
    pretty = pytest.importorskip("IPython.lib.pretty")
    report = Report((check_path(BAD), check_path(EXAMPLES / "tiny.jsonl")))
    shown = pretty.pretty(report)
    assert shown.splitlines()[0] == repr(report)
    assert "examples/tiny.jsonl: openai-chat, 3 examples" in shown
    html = report._repr_html_()
    assert html.startswith("<style>") and '<div class="jg-report compact">' in html
    assert html.count('<svg class="histogram"') == 4  # two per file
    assert "<script" not in html and "Longest examples" not in html  # compact
    assert report.files[0]._repr_html_().count('<svg class="histogram"') == 2


def test_examples_give_one_row_per_example_with_the_checks_numbers():
    report = check_path(HOSTILE)
    rows = list(Report((report,)).examples())
    assert [r.line for r in rows] == list(range(1, 12))  # every line is an example
    assert len(rows) == report.examples
    counted = [r.tokens for r in rows if r.tokens is not None]
    assert sum(counted) == report.tokens.total and len(counted) == report.tokens.counted_examples
    assert sum(r.trained_tokens or 0 for r in rows) == report.tokens.assistant_total
    by_line = {}
    for d in report.diagnostics:
        if d.line is not None:
            by_line.setdefault(d.line, []).append(d.code)
    assert {r.line: sorted(r.findings) for r in rows if r.findings} == {
        line: sorted(codes) for line, codes in by_line.items()
    }


def test_examples_honour_the_options_a_file_was_checked_with(tmp_path):
    path = write_jsonl(tmp_path / "data.jsonl", [example(i, extra=1) for i in range(3)])
    report = Checker(CheckOptions(ignore=("JG112",))).check_path(path)
    assert [r.findings for r in report.example_rows()] == [(), (), ()]
    assert all(r.findings == ("JG112",) for r in check_path(path).example_rows())


def test_examples_honour_the_allow_list(tmp_path):
    """The rows re-run the check's own line checker: an allowed placeholder key is no
    JG280 there either (the rows once built their own checker and lost ``allow``)."""
    key = "sk-proj-Rk4fQz81LmWq0P7xYtR2bN9cKd7Tg3Vh"
    rows = [example(i) for i in range(3)]
    for i, row in enumerate(rows):
        row["messages"][1]["content"] = f"Order {i}: my key is {key}"  # type: ignore[index]
    path = write_jsonl(tmp_path / "data.jsonl", rows)
    allowed = Checker(CheckOptions(allow=("sk-proj-*",))).check_path(path)
    assert "JG280" not in {d.code for d in allowed.diagnostics}
    assert all("JG280" not in r.findings for r in allowed.example_rows())
    assert all("JG280" in r.findings for r in check_path(path).example_rows())


def test_examples_of_a_stream_cannot_be_read_again():
    report = check_lines([b'{"messages": []}\n'])
    with pytest.raises(ExamplesUnavailable, match="cannot be read again"):
        list(report.example_rows())


def test_to_pandas_is_the_rows():
    pandas = pytest.importorskip("pandas")
    report = check_path(BAD)
    frame = Report((report,)).to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert tuple(frame.columns) == COLUMNS and len(frame) == report.examples
    assert int(frame["tokens"].sum()) == report.tokens.total


def test_to_pandas_without_pandas_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas raises ImportError
    with pytest.raises(ExamplesUnavailable, match="pip install pandas"):
        check_path(BAD).to_pandas()


def test_progress_draws_a_tqdm_bar_and_changes_nothing(capsys):
    pytest.importorskip("tqdm")
    plain = check_path(BAD)
    assert check_path(BAD, progress=True) == plain
    err = capsys.readouterr().err
    size = BAD.stat().st_size
    assert "support-bad.jsonl" in err and "100%" in err
    assert f"{size / 1000:.1f}k" in err or f"{size}" in err


def test_progress_without_tqdm_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    from jsonl_guard.engine.progress_bar import ProgressUnavailable

    with pytest.raises(ProgressUnavailable, match=r"jsonl-guard\[notebook\]"):
        check_path(BAD, progress=True)


def test_the_readme_notebook_cell_runs_verbatim(monkeypatch, capsys):
    pytest.importorskip("pandas")
    pytest.importorskip("tqdm")
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("\n## Notebooks\n") :]
    section = section[: section.index("\n## ", 1)]
    (cell,) = re.findall(r"```python\n(.*?)```", section, re.S)
    assert "docs/img/notebook.png" in section
    monkeypatch.chdir(ROOT)
    names: dict[str, object] = {"__name__": "notebook"}
    exec(compile(cell, "README.md", "exec"), names)
    report, rows, frame = names["report"], names["rows"], names["frame"]
    assert len(rows) == report.examples == len(frame)
    assert "support-bad.jsonl" in capsys.readouterr().err  # the progress bar
