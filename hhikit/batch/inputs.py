"""What a batch run processes: a folder (walked recursively) or a manifest, streamed.

Listing never reads the whole input into memory: folders are walked one directory at a
time (entries sorted, so runs are reproducible), manifests line by line. Every item is
a path string as the OS gives it (PEP 383: undecodable bytes of a file name are kept as
lone surrogates, so ``os.fsencode(path)`` gives back the exact bytes).
"""

from __future__ import annotations

import csv
import hashlib
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from hhikit.errors import InputError
from hhikit.io.images import IMAGE_EXTENSIONS
from hhikit.io.safeopen import MANIFEST_LINE_MAX, is_stream, iter_lines, open_regular, open_stream

VIDEO_EXTENSIONS = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".wmv", ".flv", ".3gp"}
# Audio files are listed too: they are media a user may expect to be analysed, and they
# get a clear error record ("no video stream") instead of vanishing silently.
AUDIO_EXTENSIONS = {".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus"}
MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS | AUDIO_EXTENSIONS
MANIFEST_EXTENSIONS = {".txt", ".lst", ".list", ".csv", ".tsv", ".manifest"}

SNIFF_BYTES = 32
SNIFF_PROBE = 4096  # bytes of a would-be manifest checked for binary content


def sniff(head: bytes) -> str | None:
    """``"image"``, ``"video"`` (any audio/video container) or ``None`` from a file's first bytes."""
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")):
        return "image"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis", b"heic", b"heix", b"mif1"):
            return "image"
        return "video"
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"WAVE"):
        return "video"
    if head.startswith((b"\x1a\x45\xdf\xa3", b"OggS", b"fLaC", b"ID3")):  # Matroska/WebM, Ogg, FLAC, MP3
        return "video"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # MPEG audio frame sync
        return "video"
    return None


def media_kind(path: str, head: bytes | None = None) -> str:
    """``"image"`` or ``"video"`` for one input: content first, then extension; images by default."""
    if head:
        kind = sniff(head)
        if kind:
            return kind
    ext = os.path.splitext(path)[1].lower()
    if ext in VIDEO_EXTENSIONS or ext in AUDIO_EXTENSIONS:
        return "video"
    return "image"


def read_head(path: str, n: int = SNIFF_BYTES) -> bytes:
    """First bytes of a regular file; empty for anything that cannot be opened safely."""
    try:
        with open_regular(path) as fh:
            return fh.read(n)
    except (OSError, InputError):
        return b""


def input_key(path: str) -> str:
    """The identity of an input: its absolute path with symlinks resolved.

    Two names for one file are one input; the key is also the ``path`` of its record, so a
    resumed run recognises what was done."""
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return os.path.abspath(path)


def key_hash(key: str) -> int:
    """64-bit digest of a key: the sets of seen/done inputs hold these, not the strings."""
    return int.from_bytes(hashlib.blake2b(os.fsencode(key), digest_size=8).digest(), "little")


def _walk(root: str, visited: set[tuple[int, int]]) -> Iterator[tuple[str, bool]]:
    """(path, is_listable_file) for every non-directory entry, depth first, sorted."""
    try:
        st = os.stat(root)
        if (st.st_dev, st.st_ino) in visited:
            return
        visited.add((st.st_dev, st.st_ino))
        with os.scandir(root) as it:
            entries = sorted(it, key=lambda e: os.fsencode(e.name))
    except OSError:
        return
    subdirs = []
    for e in entries:
        try:
            if e.is_dir():  # follows symlinks; cycles are cut by `visited`
                subdirs.append(e.path)
                continue
            is_file = e.is_file()
        except OSError:
            is_file = False
        if is_file:
            yield e.path, True
        else:
            # dangling symlinks and symlink loops are listed (they get an error record);
            # FIFOs, sockets and devices are not (opening a FIFO would block forever).
            try:
                is_link = e.is_symlink()
            except OSError:
                is_link = False
            if is_link:
                yield e.path, False
    for d in subdirs:
        yield from _walk(d, visited)


def iter_folder(root: str) -> Iterator[str]:
    """Media files under ``root``: known extensions, plus unknown names whose bytes sniff as media."""
    for path, regular in _walk(root, set()):
        ext = os.path.splitext(path)[1].lower()
        if ext in MEDIA_EXTENSIONS or (regular and ext not in MANIFEST_EXTENSIONS and sniff(read_head(path))):
            yield path


@dataclass(frozen=True)
class BadEntry:
    """A manifest row that is not a usable path: it becomes an error record of its own
    (``key`` is its identity, ``<manifest>:<line>``) and the listing goes on."""

    key: str
    message: str


def _decode_line(raw: bytes) -> str:
    return os.fsdecode(raw).strip()


def _csv_row(text: str, dialect: str) -> list[str]:
    return next(csv.reader([text], dialect=dialect), [])


def _manifest_entries(src: str, fh: BinaryIO, base: str, is_tsv: bool) -> Iterator[str | BadEntry]:
    """Rows of a text or CSV manifest, one physical line each (a CSV manifest is one whose
    first line is a header with a ``path`` column). A line over ``MANIFEST_LINE_MAX`` bytes or
    holding a NUL byte is a ``BadEntry``; the rows after it are still listed."""
    col: int | None = None
    dialect = "excel-tab" if is_tsv else "excel"
    for n, raw in iter_lines(fh, MANIFEST_LINE_MAX):
        if raw is None:
            yield BadEntry(f"{src}:{n}", f"{src} line {n}: longer than {MANIFEST_LINE_MAX:,} bytes, not a path")
            continue
        if b"\x00" in raw:
            yield BadEntry(f"{src}:{n}", f"{src} line {n}: holds a NUL byte, not a path")
            continue
        text = _decode_line(raw)
        if n == 1:
            head = text.lower()
            if head == "path" or head.startswith(("path,", "path\t")) or ",path" in head or "\tpath" in head:
                if "\t" in text and "," not in text:
                    dialect = "excel-tab"
                fields = [f.strip().lower() for f in _csv_row(text, dialect)]
                col = fields.index("path")
                continue
            if is_csv_name(src):
                raise InputError(f"{src}: CSV manifest has no 'path' column (columns: {_csv_row(text, dialect)})")
        if not text or (col is None and text.startswith("#")):
            continue
        if col is not None:
            try:
                row = _csv_row(text, dialect)
            except csv.Error as exc:
                yield BadEntry(f"{src}:{n}", f"{src} line {n}: not a CSV row ({exc})")
                continue
            text = row[col].strip() if col < len(row) else ""
            if not text:
                continue
        yield text if os.path.isabs(text) else os.path.join(base, text)


def is_csv_name(path: str) -> bool:
    return path.lower().endswith((".csv", ".tsv"))


def iter_manifest(path: str) -> Iterator[str | BadEntry]:
    """Rows of a manifest (a regular file, or a pipe / ``/dev/stdin`` / ``-`` read once,
    line by line); relative paths are relative to the manifest's folder (to the current
    folder for a stream)."""
    stream = is_stream(path)
    base = os.getcwd() if stream else os.path.dirname(os.path.abspath(path))
    with open_stream(path, "manifest") as fh:
        if not stream:
            head = fh.read(SNIFF_PROBE)
            fh.seek(0)
            if b"\x00" in head:
                raise InputError(f"{path}: neither a media file nor a manifest (binary content)")
        yield from _manifest_entries(path, fh, base, path.lower().endswith(".tsv"))


def iter_entries(source: str | os.PathLike[str]) -> Iterator[str | BadEntry]:
    """Every input of a batch source (a folder, a manifest, a single media file) as a path,
    and every unusable manifest row as a ``BadEntry``. A file is a manifest by its content:
    a JPEG named ``.txt`` is one image, not a manifest of garbage lines."""
    src = os.fspath(source)
    if src != "-" and os.path.isdir(src):
        yield from iter_folder(src)
        return
    if src != "-" and not os.path.lexists(src):
        raise InputError(f"{src}: no such file or folder")
    if src == "-" or is_stream(src):
        yield from iter_manifest(src)
        return
    ext = os.path.splitext(src)[1].lower()
    if sniff(read_head(src)) or ext in MEDIA_EXTENSIONS:
        yield src
        return
    yield from iter_manifest(src)


def iter_inputs(source: str | os.PathLike[str], on_bad: Callable[[BadEntry], None] | None = None) -> Iterator[str]:
    """Every input path of a batch source. An unusable manifest row goes to ``on_bad``
    (default: a warning) and the listing goes on."""
    for entry in iter_entries(source):
        if isinstance(entry, BadEntry):
            if on_bad is None:
                warnings.warn(entry.message, stacklevel=2)
            else:
                on_bad(entry)
        else:
            yield entry


def source_description(source: str | os.PathLike[str]) -> str:
    src = os.fspath(source)
    return "folder" if Path(src).is_dir() else "manifest"
