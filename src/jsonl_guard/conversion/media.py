"""``--media-prefix``: the images a target cannot take as the source has them (a data URL
or an https URL where Bedrock reads S3 only, a data URL where Vertex reads URIs only)
get a file name under the user's bucket, and the report lists every file to upload.

Names are deterministic and collision-free: a data URL's image is named by the sha256
of its decoded bytes (one file however many lines hold it), any other URL by the sha256
of the URL; the first 16 hex digits, more only if two different images would share a
name, then the extension of the image type. Pure logic: a data URL's bytes go to the
``store`` callback (the run's ``--media-dir``); nothing here touches files or the
network (an https image is listed for the user to download, never fetched).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import unquote_to_bytes, urlsplit

from .changes import MEDIA_REMAPPED, Changes
from .neutral import Conversation, Example, Image, NotConvertible, Part, Preference, Turn

# The MIME type a data URL (or a reader) names -> (the type to declare, the extension).
IMAGE_TYPES = {
    "image/png": ("image/png", ".png"),
    "image/jpeg": ("image/jpeg", ".jpg"),
    "image/jpg": ("image/jpeg", ".jpg"),  # not registered, but common in data URLs
    "image/gif": ("image/gif", ".gif"),
    "image/webp": ("image/webp", ".webp"),
}
# A URL path's extension -> the MIME type of the image.
EXTENSIONS = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
NAME_DIGITS = 16
_KINDS = ", ".join(sorted({ext[1:] for _, ext in IMAGE_TYPES.values()}))


@dataclass
class Upload:
    """A file the user must put at ``uri``: a data URL's bytes (``url`` empty) or the
    file at ``url``; ``lines``: the source lines that refer to it."""

    uri: str
    name: str
    url: str
    lines: list[int] = field(default_factory=list)

    @property
    def source(self) -> str:
        return self.url or f"data URL on line {self.lines[0]}"


def check_prefix(prefix: str, bucket: str, target: str, buckets: dict[str, str]) -> str:
    """The usage error for a prefix ``target`` cannot use ("" when it is fine);
    ``buckets``: every profile that takes bucket URIs, with its scheme."""
    takers = ", ".join(f"{name} ({scheme}...)" for name, scheme in sorted(buckets.items()))
    if not bucket:
        return (
            f"--media-prefix: {target} takes no bucket URIs, so there is nothing to map; "
            f"leave it out (it is for {takers})"
        )
    example = f"{bucket}my-bucket/images/"
    if not prefix.startswith(bucket):
        return f"--media-prefix for {target} must start with {bucket}, e.g. {example}"
    rest = prefix[len(bucket) :]
    if not rest or rest.startswith("/") or any(c.isspace() for c in rest):
        return f"--media-prefix {prefix!r} names no bucket; pass e.g. {example}"
    if not prefix.endswith("/"):
        return f"--media-prefix must end with '/' (a folder), e.g. {prefix}/"
    return ""


def decode_data_url(url: str, where: str) -> tuple[str, bytes]:
    """(the MIME type, the bytes) of a ``data:`` URL; ``NotConvertible`` when it is
    malformed or its base64 does not decode."""
    header, comma, payload = url.partition(",")
    meta = [item.strip().lower() for item in header[len("data:") :].split(";")]
    mime = meta[0]
    hint = "re-encode the image as data:image/png;base64,... (or host it and use its URL)"
    if not comma:
        raise NotConvertible(f"{where}: the image data URL has no ',' before its data", hint)
    if "base64" in meta[1:]:
        compact = "".join(payload.split())  # line breaks inside base64 are common
        try:
            data = base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError) as error:
            raise NotConvertible(
                f"{where}: the base64 of an image data URL ({mime or 'no type'}) does not "
                f"decode: {error}",
                hint,
            ) from None
    else:
        data = unquote_to_bytes(payload)
    if not data:
        raise NotConvertible(f"{where}: the image data URL holds no data", hint)
    return mime, data


class MediaMap:
    """Renames the images the target cannot take to ``<prefix><name>``; ``uploads``
    (by name, in first-seen order) is what the user must upload."""

    def __init__(
        self,
        prefix: str,
        takes: Callable[[Image], bool],
        store: Callable[[str, bytes], None] | None = None,
    ) -> None:
        self.prefix = prefix
        self.takes = takes
        self.store = store
        self.uploads: dict[str, Upload] = {}
        self._names: dict[str, str] = {}  # an image's identity -> its name

    def remap(self, example: Example, changes: Changes, line: int) -> Example:
        """``example`` with every image the target cannot take renamed (each recorded)."""
        if isinstance(example, Conversation):
            return self._conversation(example, changes, line, "")
        if isinstance(example, Preference):
            return Preference(
                self._conversation(example.prompt, changes, line, "prompt "),
                self._turn(example.chosen, changes, line, "chosen answer"),
                self._turn(example.rejected, changes, line, "rejected answer"),
            )
        return example

    def _conversation(
        self, conversation: Conversation, changes: Changes, line: int, label: str
    ) -> Conversation:
        turns = tuple(
            self._turn(turn, changes, line, f"{label}turn {number}")
            for number, turn in enumerate(conversation.turns, 1)
        )
        return replace(conversation, turns=turns)

    def _turn(self, turn: Turn, changes: Changes, line: int, where: str) -> Turn:
        if not any(isinstance(part, Image) for part in turn.parts):
            return turn
        parts: tuple[Part, ...] = tuple(
            self._image(part, changes, line, where) if isinstance(part, Image) else part
            for part in turn.parts
        )
        return replace(turn, parts=parts)

    def _image(self, image: Image, changes: Changes, line: int, where: str) -> Image:
        if self.takes(image):
            return image
        if image.url.startswith("data:"):
            mime, data = decode_data_url(image.url, where)
            known = IMAGE_TYPES.get(mime)
            if known is None:
                raise NotConvertible(
                    f"{where}: an image data URL of type {mime!r}; --media-prefix names "
                    f"{_KINDS} images",
                    "convert the image to PNG or JPEG",
                )
            declared, extension = known
            digest = hashlib.sha256(data).hexdigest()
            key = f"data:{digest}{extension}"
            if key not in self._names and self.store is not None:
                self.store(self._name(key, digest, extension), data)
            upload = self._upload(key, digest, extension, "", line)
            shown = f"data URL ({declared}, {len(data):,} bytes)"
        else:
            declared, extension = _url_type(image, where)
            digest = hashlib.sha256(image.url.encode("utf-8")).hexdigest()
            upload = self._upload(f"url:{image.url}", digest, extension, image.url, line)
            shown = image.url
        changes.record(MEDIA_REMAPPED, f"{where}: {shown} -> {upload.uri}")
        return Image(upload.uri, declared)

    def _name(self, key: str, digest: str, extension: str) -> str:
        """The image's name: 16 hex digits of its digest, more while another image has
        them (never in practice, but then two files would have one name)."""
        width = NAME_DIGITS
        name = digest[:width] + extension
        while name in self.uploads and width < len(digest):
            width += 8
            name = digest[:width] + extension
        return name

    def _upload(self, key: str, digest: str, extension: str, url: str, line: int) -> Upload:
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = self._name(key, digest, extension)
            self.uploads[name] = Upload(self.prefix + name, name, url)
        upload = self.uploads[name]
        if not upload.lines or upload.lines[-1] != line:
            upload.lines.append(line)
        return upload


def _url_type(image: Image, where: str) -> tuple[str, str]:
    """(MIME type, extension) of an image by URL: its path's extension, or the type the
    source declared (a Bedrock ``format``, a Gemini ``mimeType``)."""
    path = urlsplit(image.url).path.lower()
    extension = path[path.rfind(".") :] if "." in path.rsplit("/", 1)[-1] else ""
    if extension in EXTENSIONS:
        return EXTENSIONS[extension], ".jpg" if extension == ".jpeg" else extension
    known = IMAGE_TYPES.get(image.mime_type.lower())
    if known is not None:
        return known
    raise NotConvertible(
        f"{where}: the image type of {image.url[:80]!r} cannot be told from its name, so "
        "--media-prefix cannot name its file",
        f"give the image URL a file extension ({_KINDS}) or embed it as a data URL",
    )
