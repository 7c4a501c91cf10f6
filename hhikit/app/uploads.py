"""Safe handling of uploaded files: one size limit, content sniffing (never the extension or
the user's file name), a private temporary directory that is removed on every exit path, and
messages that name the user's file (as text, never as Markdown) instead of a server path."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hhikit.errors import InputError

DEFAULT_MAX_MB = 25
MB = 1_000_000  # Streamlit's uploader counts 1 MB as 10^6 bytes: so does the app, one number
# The folder uploads go under; ``hhi app`` sets it to a folder it removes when it ends, so
# uploads go away even when the server is killed mid-analysis.
UPLOAD_ROOT_ENV = "HHIKIT_UPLOAD_ROOT"


def limit_bytes(max_mb: float) -> int:
    """The upload limit in bytes: what the app refuses above, and (rounded up to whole MB,
    the unit Streamlit takes) what Streamlit's uploader refuses above."""
    return int(max_mb * MB)


def streamlit_limit_mb(max_mb: float) -> int:
    """``server.maxUploadSize`` for a limit of ``max_mb``: the same number in whole MB."""
    return max(1, -(-limit_bytes(max_mb) // MB))


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$&:\"'=])")


def as_text(text: str) -> str:
    """``text`` for a Streamlit element that renders Markdown, shown as typed: every ASCII
    punctuation character a Markdown or HTML construct could start with is backslash-escaped
    (CommonMark), newlines become spaces. A file name like ``![t](http://host/x.png)`` stays a
    name and makes the browser fetch nothing."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


# (kind, extension) by magic bytes.
_IMAGE_MAGIC: list[tuple[bytes, int, str]] = [
    (b"\xff\xd8\xff", 0, ".jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, ".png"),
    (b"GIF87a", 0, ".gif"),
    (b"GIF89a", 0, ".gif"),
    (b"BM", 0, ".bmp"),
    (b"II*\x00", 0, ".tif"),
    (b"MM\x00*", 0, ".tif"),
]


def sniff(data: bytes) -> tuple[str, str] | None:
    """``(kind, extension)`` for image or video content, ``None`` for anything else."""
    for magic, off, ext in _IMAGE_MAGIC:
        if data[off : off + len(magic)] == magic:
            return "image", ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image", ".webp"
    if data[:4] == b"RIFF" and data[8:12] == b"AVI ":
        return "video", ".avi"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"avif", b"avis", b"heic", b"heix", b"mif1"):
            return None  # still-image containers we do not decode
        if brand.startswith(b"M4A") or brand == b"M4B ":
            return None  # audio only
        return "video", ".mov" if brand == b"qt  " else ".mp4"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "video", ".webm" if b"webm" in data[:64] else ".mkv"
    return None


_LIVE: set[Path] = set()
_LIVE_LOCK = threading.Lock()


@atexit.register
def _remove_live() -> None:
    """Upload folders of page runs cut short (server stopped mid-analysis) go at exit too."""
    with _LIVE_LOCK:
        for d in list(_LIVE):
            shutil.rmtree(d, ignore_errors=True)
        _LIVE.clear()


@dataclass
class SavedUpload:
    path: Path
    kind: str


class UploadStore:
    """A private temporary directory for uploads; ``close()`` (or ``with``) removes it."""

    def __init__(self, max_mb: float = DEFAULT_MAX_MB) -> None:
        self.max_mb = max_mb
        self.max_bytes = limit_bytes(max_mb)
        root = os.environ.get(UPLOAD_ROOT_ENV) or None
        if root:
            os.makedirs(root, mode=0o700, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix="hhikit-upload-", dir=root))
        with _LIVE_LOCK:
            _LIVE.add(self.dir)

    def save(self, data: bytes, display_name: str = "upload") -> SavedUpload:
        """Validate and store; the user's name is only used in messages, never as a path."""
        shown = display_name[:80]
        if len(data) == 0:
            raise InputError(f"{shown}: the file is empty")
        if len(data) > self.max_bytes:
            raise InputError(f"{shown}: the file is {len(data) / MB:.1f} MB, over the {self.max_mb:g} MB upload limit")
        kind = sniff(data[:64])
        if kind is None:
            raise InputError(f"{shown}: not an image or a video (its content is of an unsupported type)")
        path = self.dir / f"{uuid.uuid4().hex}{kind[1]}"
        path.write_bytes(data)
        return SavedUpload(path, kind[0])

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        with _LIVE_LOCK:
            _LIVE.discard(self.dir)

    def __enter__(self) -> UploadStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def user_message(message: str, saved: SavedUpload | None, name: str) -> str:
    """An error message with the server's temporary path replaced by the user's file name."""
    if saved is not None:
        message = message.replace(str(saved.path), name).replace(saved.path.name, name)
    return message


def analyze_upload(
    store: UploadStore,
    data: bytes,
    name: str,
    image_pipe: Any,
    video_pipe: Any = None,
    on_stage: Callable[[str], None] | None = None,
) -> tuple[Any, Any, SavedUpload | None]:
    """The web demo's upload path without the page: ``(record, contact sheet of a video or
    None, saved upload)`` for one uploaded file. A bad upload gives a record with ``error`` set, never an
    exception; the record's ``path`` and every message name the user's file, never the
    server's copy. ``video_pipe`` is a ``VideoPipeline`` or ``None`` (not installed)."""
    from hhikit.errors import HHIError, error_record
    from hhikit.types import ImageResult, VideoResult

    saved = None
    samples = None
    result: Any
    try:
        saved = store.save(data, name)
        if saved.kind == "image":
            result = image_pipe.analyze(saved.path, on_stage=on_stage)
        elif video_pipe is None:
            result = VideoResult(
                path=name,
                error={"type": "ModelUnavailable", "message": f"{name[:80]}: video analysis is not available here"},
            )
        else:
            try:
                full = video_pipe.analyze_full(saved.path)
                result = full.result
                from hhikit.video.writers import contact_sheet

                samples = contact_sheet(result, full.samples)  # reads the server's copy: before the rename
            except Exception as exc:  # the one error policy, as in the CLI and the batch worker
                result = VideoResult(path=name, error=error_record(exc, saved.path))
    except HHIError as exc:
        result = ImageResult(path=name, error=error_record(exc))
    result.path = name
    if result.error:
        result.error = dict(result.error, message=user_message(result.error["message"], saved, name[:80]))
    return result, samples, saved
