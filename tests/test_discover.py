"""Which files a directory or glob yields (``cli/discover.py``, ``cli/ignore.py``): each real
file once, no loops, nothing under /proc, hidden and .gitignore'd folders skipped,
``--exclude`` and ``exclude = [...]``, and a named path always checked."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from helpers import example, write_jsonl
from jsonl_guard.cli import UsageError, expand_paths, main
from jsonl_guard.cli.ignore import is_ignored, parse_line, parse_lines

ROWS = [example(i) for i in range(12)]


def tree(root: Path, *names: str) -> Path:
    """Data files at ``names`` (relative to ``root``), folders made as needed."""
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_jsonl(path, ROWS)
    return root


def found(root: Path, *arguments: str, **kwargs: object) -> list[str]:
    """What ``expand_paths`` yields, relative to ``root``, for ``arguments`` under it."""
    paths = expand_paths([str(root / a) if a else str(root) for a in arguments or ("",)], **kwargs)  # type: ignore[arg-type]
    return [Path(p).relative_to(root).as_posix() for p in paths]


def checked(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(["check", *argv, "--format", "json", "--ignore", "JG302"])
    out = capsys.readouterr().out
    return code, [f["path"] for f in json.loads(out)["files"]] if out else []


# --- links: never a loop, never a file twice --------------------------------------------


def test_two_links_to_parents_do_not_loop_and_each_file_is_found_once(tmp_path: Path) -> None:
    tree(tmp_path, "data/a.jsonl", "data/sub/b.jsonl")
    (tmp_path / "data" / "sub" / "up").symlink_to("..")
    (tmp_path / "data" / "sub" / "up2").symlink_to("../..")
    started = time.monotonic()
    assert found(tmp_path, "data") == ["data/a.jsonl", "data/sub/b.jsonl"]
    assert time.monotonic() - started < 5


def test_a_link_to_a_parent_does_not_multiply_the_examples(capsys, tmp_path: Path) -> None:
    tree(tmp_path, "data/a.jsonl")
    (tmp_path / "data" / "again").symlink_to(".")
    (tmp_path / "data" / "same.jsonl").symlink_to("a.jsonl")
    code, paths = checked(capsys, str(tmp_path / "data"))
    assert code == 0
    assert [Path(p).name for p in paths] == ["a.jsonl"]


def test_a_link_loop_and_a_dangling_link_are_passed_over(tmp_path: Path) -> None:
    tree(tmp_path, "a.jsonl")
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "gone.jsonl").symlink_to("nowhere.jsonl")
    assert found(tmp_path) == ["a.jsonl"]


def test_a_file_named_twice_and_found_in_its_folder_is_checked_once(tmp_path: Path) -> None:
    tree(tmp_path, "a.jsonl", "b.jsonl")
    assert found(tmp_path, "a.jsonl", "", "./a.jsonl") == ["a.jsonl", "b.jsonl"]


def test_a_deep_tree_is_walked_without_recursion(tmp_path: Path) -> None:
    deep = tmp_path
    for _ in range(1200):  # deeper than Python's recursion limit (os.makedirs recurses)
        deep /= "d"
        deep.mkdir()
    write_jsonl(deep / "x.jsonl", ROWS)
    try:
        assert len(expand_paths([str(tmp_path)])) == 1
    finally:  # pytest's clean-up (shutil.rmtree) recurses, so empty the tree here
        (deep / "x.jsonl").unlink()
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent


# --- what a search finds ------------------------------------------------------------------


def test_jsonl_ndjson_and_gzip_in_any_case(tmp_path: Path) -> None:
    tree(tmp_path, "a.jsonl", "B.JSONL", "c.ndjson", "d.jsonl.gz", "e.Jsonl.GZ", "f.txt", "g.json")
    assert found(tmp_path) == ["B.JSONL", "a.jsonl", "c.ndjson", "d.jsonl.gz", "e.Jsonl.GZ"]


def test_a_glob_yields_every_file_it_matches(tmp_path: Path) -> None:
    tree(tmp_path, "data/a.jsonl", "data/x/b.jsonl", "data/notes.txt", "other/c.jsonl")
    assert found(tmp_path, "data/*.jsonl") == ["data/a.jsonl"]
    assert found(tmp_path, "data/**/*.jsonl") == ["data/a.jsonl", "data/x/b.jsonl"]
    assert found(tmp_path, "*/*.txt") == ["data/notes.txt"]
    assert found(tmp_path, "**/c.jsonl") == ["other/c.jsonl"]


def test_a_relative_glob_yields_relative_paths(tmp_path: Path, monkeypatch) -> None:
    tree(tmp_path, "a.jsonl", "sub/b.jsonl")
    monkeypatch.chdir(tmp_path)
    assert expand_paths(["*.jsonl", "**/b.jsonl"]) == ["a.jsonl", str(Path("sub", "b.jsonl"))]


# --- skipped: hidden folders, .gitignore, excludes; a named path never is ------------------


def test_hidden_folders_are_skipped_unless_named(tmp_path: Path) -> None:
    tree(tmp_path, "a.jsonl", ".venv/lib/x.jsonl", ".git/y.jsonl", "data/.cache/z.jsonl")
    assert found(tmp_path) == ["a.jsonl"]
    assert found(tmp_path, ".venv") == [".venv/lib/x.jsonl"]
    assert found(tmp_path, ".venv/lib/x.jsonl") == [".venv/lib/x.jsonl"]
    assert found(tmp_path, no_ignore=True) == [
        ".git/y.jsonl",
        ".venv/lib/x.jsonl",
        "a.jsonl",
        "data/.cache/z.jsonl",
    ]


def test_package_and_build_folders_are_skipped_without_a_gitignore(tmp_path: Path) -> None:
    tree(tmp_path, "a.jsonl", "node_modules/pkg/x.jsonl", "build/y.jsonl", "data/dist/z.jsonl",
         "venv/lib/site-packages/w.jsonl", "builds/v.jsonl")  # fmt: skip
    assert found(tmp_path) == ["a.jsonl", "builds/v.jsonl"]
    assert found(tmp_path, "build") == ["build/y.jsonl"]
    assert found(tmp_path, "node_modules/pkg/x.jsonl") == ["node_modules/pkg/x.jsonl"]
    assert len(found(tmp_path, no_ignore=True)) == 6


def test_gitignore_is_honoured_with_negation_and_nesting(tmp_path: Path) -> None:
    tree(
        tmp_path,
        "keep.jsonl",
        "build/out.jsonl",
        "node_modules/pkg/x.jsonl",
        "a.tmp.jsonl",
        "wanted.tmp.jsonl",
        "data/local.jsonl",
        "data/deeper/local.jsonl",
        "data/train.jsonl",
    )
    (tmp_path / ".gitignore").write_text(
        "# build output\nbuild/\nnode_modules\n*.tmp.jsonl\n!wanted.tmp.jsonl\n"
    )
    (tmp_path / "data" / ".gitignore").write_text("/local.jsonl\n")  # anchored: this folder only
    assert found(tmp_path) == [
        "data/deeper/local.jsonl",
        "data/train.jsonl",
        "keep.jsonl",
        "wanted.tmp.jsonl",
    ]
    assert "build/out.jsonl" in found(tmp_path, no_ignore=True)


def test_gitignore_above_the_searched_folder_counts_up_to_the_repository_root(
    tmp_path: Path,
) -> None:
    tree(tmp_path, "repo/data/a.jsonl", "repo/data/raw/b.jsonl")
    (tmp_path / "repo" / ".git").mkdir()
    (tmp_path / "repo" / ".gitignore").write_text("data/raw/\n")
    (tmp_path / ".gitignore").write_text("*.jsonl\n")  # outside the repository: not its rules
    assert found(tmp_path, "repo/data") == ["repo/data/a.jsonl"]
    (tmp_path / "repo" / ".git" / "info").mkdir()
    (tmp_path / "repo" / ".git" / "info" / "exclude").write_text("/data/a.jsonl\n")
    with pytest.raises(UsageError, match=r"2 hidden, \.gitignore'd or excluded entries skipped"):
        found(tmp_path, "repo/data")


def test_a_path_named_on_the_command_line_is_always_checked(capsys, tmp_path: Path) -> None:
    tree(tmp_path, "build/out.jsonl", "a.jsonl", "c.jsonl")
    (tmp_path / ".gitignore").write_text("build/\n")
    named = [str(tmp_path / "build" / "out.jsonl"), str(tmp_path / "a.jsonl")]
    code, paths = checked(capsys, str(tmp_path), *named, "--exclude", "a.jsonl")
    assert code == 0
    assert paths == [str(tmp_path / "c.jsonl"), *named]


def test_exclude_option_is_relative_to_the_working_directory(
    capsys, tmp_path: Path, monkeypatch
) -> None:
    tree(tmp_path, "data/a.jsonl", "data/raw/b.jsonl", "data/c.draft.jsonl", "raw/d.jsonl")
    monkeypatch.chdir(tmp_path)
    code, paths = checked(capsys, ".", "--exclude", "/data/raw/", "--exclude", "*.draft.jsonl")
    assert code == 0
    assert paths == ["data/a.jsonl", "raw/d.jsonl"]


def test_config_exclude_is_relative_to_the_config_folder(
    capsys, tmp_path: Path, monkeypatch
) -> None:
    project = tree(tmp_path / "proj", "data/a.jsonl", "data/raw/b.jsonl", "raw/c.jsonl")
    (project / "pyproject.toml").write_text('[tool.jsonl-guard]\nexclude = ["/data/raw"]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, paths = checked(capsys, str(project))
    assert code == 0
    assert [Path(p).relative_to(project).as_posix() for p in paths] == [
        "data/a.jsonl",
        "raw/c.jsonl",
    ]


@pytest.mark.parametrize("value", ['"data/raw"', "[1]", '{ a = "b" }'])
def test_config_exclude_must_be_a_list_of_patterns(capsys, tmp_path: Path, value: str) -> None:
    tree(tmp_path, "a.jsonl")
    (tmp_path / "pyproject.toml").write_text(f"[tool.jsonl-guard]\nexclude = {value}\n")
    assert main(["check", str(tmp_path / "a.jsonl")]) == 2
    assert "exclude must be a list of patterns" in capsys.readouterr().err


# --- bounded -------------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")
def test_nothing_under_proc_sys_or_dev_is_walked(capsys, tmp_path: Path) -> None:
    started = time.monotonic()
    assert main(["check", "/proc/**/*.jsonl"]) == 2
    assert main(["check", "/proc"]) == 2
    assert main(["check", "/sys/**/*.jsonl"]) == 2
    assert time.monotonic() - started < 1
    assert "no files match /proc/**/*.jsonl" in capsys.readouterr().err
    tree(tmp_path, "a.jsonl")
    (tmp_path / "proc").symlink_to("/proc/self")  # a link into /proc is not followed
    assert found(tmp_path) == ["a.jsonl"]


def test_a_huge_glob_is_a_usage_error(capsys, tmp_path: Path) -> None:
    pattern = str(tmp_path) + "/" + "a/" * 3000 + "*.jsonl"
    assert main(["check", pattern]) == 2
    err = capsys.readouterr().err
    assert "no files match" in err and "Traceback" not in err
    hostile = str(tmp_path / ("*a" * 2000 + "b"))  # backtracking bait
    tree(tmp_path, "a" * 200 + ".jsonl")
    started = time.monotonic()
    assert main(["check", hostile]) == 2
    assert time.monotonic() - started < 5


def test_an_unreadable_folder_is_named_and_the_rest_checked(
    capsys, tmp_path: Path, monkeypatch
) -> None:
    tree(tmp_path, "a.jsonl", "locked/b.jsonl")
    scandir = os.scandir

    def refuse(path: str) -> object:  # as chmod 000 would (but also for root)
        if path.endswith("locked"):
            raise PermissionError(13, "Permission denied", path)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    code = main(["check", str(tmp_path), "--format", "json", "--ignore", "JG302"])
    captured = capsys.readouterr()
    assert code == 0
    assert [Path(f["path"]).name for f in json.loads(captured.out)["files"]] == ["a.jsonl"]
    assert f"warning: cannot read folder {tmp_path / 'locked'}: Permission denied" in captured.err


# --- the pattern language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "ignored"),
    [
        ("*.jsonl", "a.jsonl", False, True),
        ("*.jsonl", "deep/er/a.jsonl", False, True),
        ("*.jsonl", "a.jsonlx", False, False),
        ("build/", "build", True, True),
        ("build/", "build", False, False),  # a trailing slash matches folders only
        ("build/", "src/build", True, True),
        ("/build", "src/build", True, False),  # a leading slash anchors
        ("/build", "build", False, True),
        ("data/raw", "data/raw", True, True),  # a middle slash anchors too
        ("data/raw", "x/data/raw", True, False),
        ("**/raw", "x/y/raw", True, True),
        ("**/raw", "raw", True, True),
        ("data/**", "data/a/b.jsonl", False, True),
        ("data/**", "data", True, False),  # everything inside, not the folder itself
        ("a/**/b", "a/b", True, True),
        ("a/**/b", "a/x/y/b", True, True),
        ("a/*/b", "a/x/y/b", True, False),  # * stays within one segment
        ("?.jsonl", "a.jsonl", False, True),
        ("[ab].jsonl", "b.jsonl", False, True),
        ("[!ab].jsonl", "b.jsonl", False, False),
        ("[^ab].jsonl", "c.jsonl", False, True),
        (r"\#x.jsonl", "#x.jsonl", False, True),
        (r"\!x.jsonl", "!x.jsonl", False, True),
        (r"\*.jsonl", "a.jsonl", False, False),
        ("# a comment", "# a comment", False, False),
        ("", "a", False, False),
    ],
)
def test_gitignore_patterns(pattern: str, path: str, is_dir: bool, ignored: bool) -> None:
    base = Path("/project").resolve()
    rules = parse_lines([pattern], str(base))
    assert is_ignored(rules, str(base.joinpath(*path.split("/"))), is_dir) is ignored


def test_the_last_matching_pattern_decides() -> None:
    base = Path("/p").resolve()
    rules = parse_lines(["*.jsonl", "!keep*.jsonl", "keep-not.jsonl"], str(base))
    assert is_ignored(rules, str(base / "a.jsonl"), False)
    assert not is_ignored(rules, str(base / "keep.jsonl"), False)
    assert is_ignored(rules, str(base / "keep-not.jsonl"), False)


def test_a_pattern_only_anchors_within_its_folder() -> None:
    base = Path("/p").resolve()
    pattern = parse_line("/raw", str(base / "data"))
    assert pattern is not None
    assert not pattern.matches(str(base / "raw"), True)
    assert pattern.matches(str(base / "data" / "raw"), True)
