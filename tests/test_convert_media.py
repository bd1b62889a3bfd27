"""jsonl-guard convert (issue 12): ``--media-prefix`` / ``--media-dir`` for the images a
target cannot take as the source has them, and the source's tokens and cost next to
the target's in the report."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from jsonl_guard import Checker, CheckOptions, NotConvertible, Severity, convert
from jsonl_guard.cli import main
from jsonl_guard.conversion.media import MediaMap, decode_data_url
from jsonl_guard.conversion.run import ConvertError, convert_example, media_map
from jsonl_guard.strategies import chat_examples, image_parts

FIXTURES = Path(__file__).parent / "fixtures" / "convert" / "media"
DATA_URL = FIXTURES / "data-url.jsonl"
HTTPS = FIXTURES / "https-image.jsonl"
CORRUPT = FIXTURES / "corrupt-base64.jsonl"
GS = "gs://spokewise-tuning/images/"
S3 = "s3://spokewise-tuning/images/"
PROPERTY = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


def _rows(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _image_url(row: dict[str, Any]) -> str:
    return str(row["messages"][1]["content"][1]["image_url"]["url"])


def _decoded(path: Path, line: int) -> bytes:
    url = _image_url(_rows(path)[line - 1])
    return base64.b64decode(url.split(",", 1)[1])


# -- data URLs to Vertex ----------------------------------------------------------------


def test_a_data_url_image_goes_to_vertex_under_the_gs_prefix(tmp_path: Path) -> None:
    out, media = tmp_path / "vertex.jsonl", tmp_path / "media"
    result = convert(DATA_URL, out, to="vertex-gemini", media_prefix=GS, media_dir=media)
    assert result.ok and result.written == 3
    data = _decoded(DATA_URL, 2)
    name = hashlib.sha256(data).hexdigest()[:16] + ".png"
    # Lines 2 and 3 hold the same image: one file, named by its bytes, for both.
    assert _rows(out) == _rows(FIXTURES / "data-url.vertex-gemini.jsonl")
    for row in _rows(out)[1:]:
        assert row["contents"][0]["parts"][1] == {
            "fileData": {"mimeType": "image/png", "fileUri": GS + name}
        }
    assert [(u.uri, u.source, u.lines) for u in result.uploads] == [
        (GS + name, "data URL on line 2", [2, 3])
    ]
    assert sorted(p.name for p in media.iterdir()) == [name]  # no staging folder left
    assert (media / name).read_bytes() == data
    assert result.media_files == {name: str(media / name)}
    assert [(c.kind, c.line) for c in result.changes] == [
        ("media-remapped", 2),
        ("media-remapped", 3),
    ]


def test_the_report_lists_every_file_to_upload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, media = tmp_path / "vertex.jsonl", tmp_path / "media"
    args = ["convert", str(DATA_URL), "--to", "vertex-gemini", "-o", str(out)]
    assert main([*args, "--media-prefix", GS, "--media-dir", str(media)]) == 0
    text = capsys.readouterr().out
    name = hashlib.sha256(_decoded(DATA_URL, 2)).hexdigest()[:16] + ".png"
    assert f"files to upload to {GS} (1):" in text
    assert f"{GS}{name} <- data URL on line 2 (written to {media / name})" in text
    assert "media-remapped: 2 line(s): 2, 3" in text
    assert main([*args, "--media-prefix", GS, "--force", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["media_prefix"] == GS
    assert report["uploads"] == [
        {"uri": GS + name, "source": "data URL on line 2", "url": None, "lines": [2, 3],
         "file": None}
    ]  # fmt: skip


def test_media_dir_never_replaces_a_different_file(tmp_path: Path) -> None:
    out, media = tmp_path / "vertex.jsonl", tmp_path / "media"
    data = _decoded(DATA_URL, 2)
    name = hashlib.sha256(data).hexdigest()[:16] + ".png"
    media.mkdir()
    (media / name).write_bytes(b"someone else's file")
    with pytest.raises(ConvertError, match="holds other bytes"):
        convert(DATA_URL, out, to="vertex-gemini", media_prefix=GS, media_dir=media)
    assert (media / name).read_bytes() == b"someone else's file" and not out.exists()
    assert sorted(p.name for p in media.iterdir()) == [name]
    # The same bytes already there are fine.
    (media / name).write_bytes(data)
    assert convert(DATA_URL, out, to="vertex-gemini", media_prefix=GS, media_dir=media).ok
    assert (media / name).read_bytes() == data


def test_nothing_reaches_media_dir_when_nothing_is_written(tmp_path: Path) -> None:
    out, media = tmp_path / "vertex.jsonl", tmp_path / "media"
    result = convert(CORRUPT, out, to="vertex-gemini", media_prefix=GS, media_dir=media)
    assert not result.ok and not out.exists()
    assert not media.exists() and not result.uploads  # the folder this run made is gone
    # --skip-invalid writes the line that converted, and its image.
    result = convert(
        CORRUPT, out, to="vertex-gemini", media_prefix=GS, media_dir=media, skip_invalid=True
    )
    assert result.line_map == [1, 3] and [u.lines for u in result.uploads] == [[3]]
    assert [p.name for p in media.iterdir()] == [result.uploads[0].name]


def test_corrupt_base64_is_not_convertible_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "vertex.jsonl"
    result = convert(CORRUPT, out, to="vertex-gemini", media_prefix=GS)
    assert [(p.line, p.code) for p in result.problems] == [(2, "")]
    assert "base64" in result.problems[0].reason and result.problems[0].hint
    args = ["convert", str(CORRUPT), "--to", "bedrock-nova", "-o", str(out)]
    code = main([*args, "--media-prefix", S3])
    captured = capsys.readouterr()
    assert code == 1 and "line 2: turn 1: the base64 of an image data URL" in captured.out
    assert "Traceback" not in captured.out + captured.err and not out.exists()


@pytest.mark.parametrize(
    "url",
    [
        "data:image/png;base64,iVBORw0KGgo=!",  # not base64
        "data:image/png;base64,iVBORw0KGgo",  # padding missing
        "data:image/png;base64",  # no comma
        "data:image/png;base64,",  # no data
        "data:image/png;base64,\u00e9\u00e9==",  # not ASCII
    ],
)
def test_a_broken_data_url_says_why(url: str) -> None:
    with pytest.raises(NotConvertible) as error:
        decode_data_url(url, "turn 1")
    assert error.value.reason.startswith("turn 1: ") and error.value.hint


def test_a_data_url_may_wrap_its_base64_or_be_percent_encoded() -> None:
    assert decode_data_url("data:image/PNG;base64,iVBO\nRw0K Ggo=", "") == (
        "image/png",
        b"\x89PNG\r\n\x1a\n",
    )
    assert decode_data_url("data:image/gif,GIF89a%00", "") == ("image/gif", b"GIF89a\x00")


# -- https images to Bedrock ------------------------------------------------------------


def test_an_https_image_goes_to_bedrock_nova_under_the_s3_prefix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nova.jsonl"
    result = convert(HTTPS, out, to="bedrock-nova", media_prefix=S3)
    assert result.ok and result.written == 3, result.problems
    assert _rows(out) == _rows(FIXTURES / "https-image.bedrock-nova.jsonl")
    urls = [_image_url(row) for row in _rows(HTTPS)[1:]]
    names = [hashlib.sha256(u.encode()).hexdigest()[:16] for u in urls]
    # The extension comes from the URL's path (not its query), in lower case.
    expected = [(S3 + names[0] + ".jpg", "jpeg"), (S3 + names[1] + ".webp", "webp")]
    blocks = [row["messages"][0]["content"][1]["image"] for row in _rows(out)[1:]]
    assert [(b["source"]["s3Location"]["uri"], b["format"]) for b in blocks] == expected
    assert [(u.uri, u.source, u.url) for u in result.uploads] == [
        (expected[0][0], urls[0], urls[0]),
        (expected[1][0], urls[1], urls[1]),
    ]
    args = ["convert", str(HTTPS), "--to", "bedrock-nova", "-o", str(out), "--force"]
    assert main([*args, "--media-prefix", S3]) == 0
    text = capsys.readouterr().out
    assert f"{expected[0][0]} <- {urls[0]} (download it: convert fetches nothing)" in text


def test_an_https_image_without_an_extension_is_not_convertible_with_a_prefix() -> None:
    example = _rows(HTTPS)[1]
    example["messages"][1]["content"][1]["image_url"]["url"] = "https://cdn.example.com/img?id=3"
    with pytest.raises(NotConvertible) as error:
        convert_example(
            example, read_from="openai-chat", to="bedrock-nova", media=media_map("bedrock-nova", S3)
        )
    assert "cannot be told" in error.value.reason and "extension" in error.value.hint


def test_vertex_keeps_https_images_it_can_read(tmp_path: Path) -> None:
    result = convert(HTTPS, tmp_path / "v.jsonl", to="vertex-gemini", media_prefix=GS)
    assert result.ok and not result.uploads and not result.changes
    parts = [row["contents"][0]["parts"][1] for row in _rows(tmp_path / "v.jsonl")[1:]]
    uris = [part["fileData"]["fileUri"] for part in parts]
    assert uris == [_image_url(row) for row in _rows(HTTPS)[1:]]


# -- usage errors and the hint without a prefix ------------------------------------------


@pytest.mark.parametrize(
    ("target", "prefix", "says"),
    [
        ("bedrock-nova", GS, "must start with s3://"),
        ("vertex-gemini", S3, "must start with gs://"),
        ("vertex-gemini", "gs://spokewise-tuning/images", "must end with '/'"),
        ("vertex-gemini", "gs:///images/", "names no bucket"),
        ("mistral", GS, "takes no bucket URIs"),
    ],
)
def test_a_prefix_that_does_not_fit_the_target_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, prefix: str, says: str
) -> None:
    out = tmp_path / "out.jsonl"
    code = main(
        ["convert", str(DATA_URL), "--to", target, "-o", str(out), "--media-prefix", prefix]
    )
    err = capsys.readouterr().err
    assert code == 2 and says in err
    assert not out.exists()


def test_media_dir_without_a_prefix_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["convert", str(DATA_URL), "--to", "vertex-gemini", "-o", str(tmp_path / "o.jsonl")]
    assert main([*args, "--media-dir", str(tmp_path / "m")]) == 2
    assert "--media-dir needs --media-prefix" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    ("target", "scheme"), [("vertex-gemini", "gs://"), ("bedrock-nova", "s3://")]
)
def test_without_a_prefix_the_hint_names_media_prefix(
    tmp_path: Path, target: str, scheme: str
) -> None:
    result = convert(DATA_URL, tmp_path / "out.jsonl", to=target)
    assert [p.line for p in result.problems] == [2, 3]
    assert all(f"--media-prefix {scheme}" in p.hint for p in result.problems)


# -- the property -----------------------------------------------------------------------

_BROKEN_IMAGES = st.sampled_from(
    [
        "data:image/png;base64,@@@@",
        "data:image/png;base64,",
        "data:text/plain;base64,aGVsbG8=",
        "https://cdn.example.com/picture",
        "data:image/png,%89PNG",
    ]
).map(lambda url: {"type": "image_url", "image_url": {"url": url}})


@st.composite
def _image_examples(draw: st.DrawFn) -> dict[str, Any]:
    """A valid openai-chat example with a user turn that holds 1-3 images (some broken)."""
    example = draw(chat_examples(tools=False, images=False))
    images = draw(st.lists(image_parts() | _BROKEN_IMAGES, min_size=1, max_size=3))
    question = {"role": "user", "content": [{"type": "text", "text": "What is this?"}, *images]}
    first = next(i for i, m in enumerate(example["messages"]) if m["role"] != "system")
    example["messages"].insert(first, question)
    example["messages"].insert(first + 1, {"role": "assistant", "content": "A bicycle part."})
    return example


_NOVA = Checker(CheckOptions(profile="bedrock-nova", model="amazon.nova-lite-v1:0"))
_VERTEX = Checker(CheckOptions(profile="vertex-gemini", model="gemini-2.5-flash"))


@PROPERTY
@given(_image_examples())
def test_an_image_example_with_a_prefix_converts_under_it_or_says_why(
    example: dict[str, Any],
) -> None:
    for target, prefix, checker in (("bedrock-nova", S3, _NOVA), ("vertex-gemini", GS, _VERTEX)):
        media = MediaMap(prefix, media_map(target, prefix).takes)
        try:
            converted, changes = convert_example(
                example, read_from="openai-chat", to=target, media=media
            )
        except NotConvertible as error:
            assert error.reason and error.hint
            continue
        note(json.dumps(converted))
        uris = re.findall(r'"(?:uri|fileUri)": "([^"]+)"', json.dumps(converted))
        question = next(m for m in example["messages"] if m["role"] != "system")
        sources = [part["image_url"]["url"] for part in question["content"][1:]]
        assert len(uris) == len(sources)
        if target == "bedrock-nova":
            assert all(uri.startswith(prefix) for uri in uris), uris
        else:  # Vertex reads https images itself: only the data URLs are renamed
            assert all(u.startswith(prefix) or u == s for u, s in zip(uris, sources, strict=True))
        renamed = sum(1 for uri in uris if uri.startswith(prefix))
        assert sum(1 for c in changes if c.kind == "media-remapped") == renamed
        assert {u.uri for u in media.uploads.values()} == {u for u in uris if u.startswith(prefix)}
        errors = [
            d
            for d in checker.check_examples([converted]).diagnostics
            if d.line and d.severity is Severity.ERROR
        ]
        assert not errors, (target, errors)


# -- source tokens and cost next to the target's ----------------------------------------


def test_the_report_gives_the_sources_tokens_and_cost_as_check_counts_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = Path(__file__).parent / "fixtures" / "convert" / "openai-chat" / "source.jsonl"
    out = tmp_path / "vertex.jsonl"
    result = convert(source, out, to="vertex-gemini", skip_invalid=True)
    checked = Checker(CheckOptions(profile="openai-chat")).check_path(source)
    assert checked.tokens is not None and checked.cost is not None
    assert result.source_model == checked.cost.model and result.source_model_assumed
    assert (result.source_tokens, result.source_tokens_exact) == (checked.tokens.total, True)
    assert result.source_epochs == checked.cost.epochs
    usd = result.source_estimated_usd
    assert usd is not None and usd == checked.cost.estimated_usd  # OpenAI has a price
    assert result.tokens is not None  # the target's count is there too
    model = "gpt-4o-2024-08-06"  # dearer than the default gpt-4o-mini
    named = convert(
        source, out, to="vertex-gemini", skip_invalid=True, force=True, from_model=model
    )
    assert named.source_model == model and not named.source_model_assumed
    assert named.source_estimated_usd is not None and named.source_estimated_usd > usd
    args = ["convert", str(source), "--to", "vertex-gemini", "-o", str(out), "--force"]
    assert main([*args, "--skip-invalid"]) == 0
    text = capsys.readouterr().out
    assert re.search(
        rf"source tokens \(exact\): {checked.tokens.total:,}, about \$[0-9.]+ for "
        rf"{checked.cost.epochs} epoch\(s\), assuming {checked.cost.model} \(--from-model",
        text,
    ), text
    assert text.index("source tokens") < text.index("target tokens")
    assert main([*args, "--skip-invalid", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["source_tokens"] == checked.tokens.total and report["source_model_assumed"]
    assert report["source_estimated_usd"] == checked.cost.estimated_usd
