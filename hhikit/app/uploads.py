"""Safe handling of uploaded files: size limit, content sniffing (never the extension or the
user's file name), and a private temporary directory that is removed afterwards."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from hhikit.errors import InputError

DEFAULT_MAX_MB = 25

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


@dataclass
class SavedUpload:
    path: Path
    kind: str


class UploadStore:
    """A private temporary directory for uploads; ``close()`` (or ``with``) removes it."""

    def __init__(self, max_mb: float = DEFAULT_MAX_MB) -> None:
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.dir = Path(tempfile.mkdtemp(prefix="hhikit-upload-"))

    def save(self, data: bytes, display_name: str = "upload") -> SavedUpload:
        """Validate and store; the user's name is only used in messages, never as a path."""
        shown = display_name[:80]
        if len(data) == 0:
            raise InputError(f"{shown}: the file is empty")
        if len(data) > self.max_bytes:
            raise InputError(
                f"{shown}: the file is {len(data) / 1e6:.1f} MB, over the {self.max_bytes / 1e6:.0f} MB upload limit"
            )
        kind = sniff(data[:64])
        if kind is None:
            raise InputError(f"{shown}: not an image or a video (its content is of an unsupported type)")
        path = self.dir / f"{uuid.uuid4().hex}{kind[1]}"
        path.write_bytes(data)
        return SavedUpload(path, kind[0])

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> UploadStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
