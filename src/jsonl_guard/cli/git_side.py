"""A ``REV:path`` side of ``jsonl-guard diff``: the file as git holds it at ``REV``.

``git show REV:path`` writes straight into a file in a temporary folder (never into
memory whole: a dataset can be gigabytes), under the path's own name so its suffix
(``.jsonl.gz``, ``.json``) means what it means in the working tree. Git resolves the
path as ``git show`` does: from the top of the repository, or from the working
directory with ``./``. Git's LFS and textconv filters are not run: the file is the
blob as committed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path, PurePosixPath
from typing import IO, Any

from ..untrusted import printable
from .arguments import UsageError

GIT_TIMEOUT = 600  # seconds: a huge blob on a slow disk, never a hang forever


def split_spec(spec: str) -> tuple[str, str] | None:
    """``(rev, path)`` of ``REV:path``; ``None`` when ``spec`` is not of that form."""
    rev, colon, path = spec.partition(":")
    if not colon or not rev or not path or rev.startswith("-"):
        return None
    return rev, path


def show_to_file(rev: str, path: str, folder: Path) -> Path:
    """Write ``REV:path`` into ``folder`` and return the file; ``UsageError`` (exit 2)
    with git's reason when the revision or the path is not there."""
    git = shutil.which("git")
    spec = f"{rev}:{path}"
    if git is None:
        raise UsageError(f"cannot read {printable(spec)}: git is not installed (or not on PATH)")
    kind = _run([git, "cat-file", "-t", "--end-of-options", spec], spec).strip()
    if kind != "blob":
        raise UsageError(
            f"{printable(spec)} is a {kind or 'nothing'} in git, not a file; name a file "
            "(REV:data/train.jsonl), or check out that revision and diff its directory"
        )
    name = PurePosixPath(path).name or "dataset.jsonl"
    target = folder / name
    with target.open("wb") as handle:
        _run([git, "show", "--no-textconv", "--end-of-options", spec], spec, stdout=handle)
    return target


def _run(command: list[str], spec: str, stdout: int | IO[Any] = subprocess.PIPE) -> str:
    try:
        result = subprocess.run(
            command,
            stdout=stdout,
            stderr=subprocess.PIPE,
            check=False,
            timeout=GIT_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UsageError(f"cannot read {printable(spec)} from git: {error}") from None
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", "replace").strip().removeprefix("fatal: ")
        raise UsageError(
            f"cannot read {printable(spec)} from git: {printable(reason) or 'git failed'} "
            "(is the revision fetched? in CI, check out with fetch-depth: 0)"
        )
    return "" if result.stdout is None else result.stdout.decode("utf-8", "replace")
