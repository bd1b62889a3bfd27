"""``--media-dir DIR``: the decoded bytes of each data-URL image ``--media-prefix``
renamed, written as ``DIR/<name>`` so the user can copy the folder to the bucket
(``gsutil cp -r DIR gs://...``, ``aws s3 cp --recursive DIR s3://...``).

Written as the stream goes into a hidden staging folder inside DIR, and moved to their
names only when the output is written (nothing appears when the conversion stops);
each file appears whole (a hard link or rename of a complete file) and never replaces
a different existing file: the same bytes already there are fine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .neutral import ConvertError


class MediaDirError(ConvertError):
    """``--media-dir`` cannot be used: not a folder, not writable, a different file in
    the way."""


class MediaDir:
    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise MediaDirError(f"--media-dir {folder} is a file; name a folder for the images")
        self._created = not self.folder.exists()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._staging = Path(tempfile.mkdtemp(prefix=".jsonl-guard-", dir=self.folder))
        except OSError as error:
            raise MediaDirError(
                f"--media-dir {folder}: cannot write there: {error.strerror}"
            ) from None
        self.written: dict[str, str] = {}  # name -> the path it is (or will be) at

    def store(self, name: str, data: bytes) -> None:
        """Stage ``data`` as ``name``; a different file already at ``DIR/name`` stops the
        run now, before anything is written."""
        final = self.folder / name
        self.written[name] = str(final)
        if final.exists():
            _same_or_refuse(final, data)
            return
        try:
            (self._staging / name).write_bytes(data)
        except OSError as error:
            raise MediaDirError(f"{final}: cannot write it: {error.strerror}") from None

    def publish(self, names: Iterable[str]) -> None:
        """Move the staged files among ``names`` to their place in DIR."""
        for name in names:
            staged, final = self._staging / name, self.folder / name
            if not staged.exists():  # the same bytes were there already
                continue
            try:
                os.link(staged, final)  # fails rather than replace a file that appeared since
            except FileExistsError:
                _same_or_refuse(final, staged.read_bytes())
            except OSError:  # a file system without hard links
                if final.exists():
                    _same_or_refuse(final, staged.read_bytes())
                else:
                    staged.replace(final)

    def close(self) -> None:
        """Remove the staging folder (and DIR, when this run created it and left it empty)."""
        shutil.rmtree(self._staging, ignore_errors=True)
        if self._created and not any(self.folder.iterdir()):
            self.folder.rmdir()


def _same_or_refuse(path: Path, data: bytes) -> None:
    if not path.is_file() or path.stat().st_size != len(data) or path.read_bytes() != data:
        raise MediaDirError(
            f"{path} exists and holds other bytes; move it away or pass another --media-dir"
        )
