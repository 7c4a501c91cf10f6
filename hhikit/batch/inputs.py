"""What a batch run processes: a folder (walked recursively) or a manifest, streamed.

Listing never reads the whole input into memory: folders are walked one directory at a
time (entries sorted, so runs are reproducible), manifests line by line. Every item is
a path string as the OS gives it (PEP 383: undecodable bytes of a file name are kept as
lone surrogates, so ``os.fsencode(path)`` gives back the exact bytes).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from hhikit.errors import InputError
from hhikit.io.images import IMAGE_EXTENSIONS

VIDEO_EXTENSIONS = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".wmv", ".flv", ".3gp"}
# Audio files are listed too: they are media a user may expect to be analysed, and they
# get a clear error record ("no video stream") instead of vanishing silently.
AUDIO_EXTENSIONS = {".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus"}
MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS | AUDIO_EXTENSIONS
MANIFEST_EXTENSIONS = {".txt", ".lst", ".list", ".csv", ".tsv", ".manifest"}

SNIFF_BYTES = 32


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
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return b""
        with open(path, "rb") as fh:
            return fh.read(n)
    except OSError:
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


def _manifest_lines(path: str) -> Iterator[str]:
    with open(path, "rb") as fh:
        for raw in fh:
            line = os.fsdecode(raw.rstrip(b"\r\n")).strip()
            if line and not line.startswith("#"):
                yield line


def _csv_paths(path: str) -> Iterator[str]:
    with open(path, "rb") as fb:
        text = io.TextIOWrapper(fb, encoding="utf-8", errors="surrogateescape", newline="")
        dialect = "excel-tab" if path.lower().endswith(".tsv") else "excel"
        reader = csv.DictReader(text, dialect=dialect)
        if not reader.fieldnames or "path" not in [f.strip().lower() for f in reader.fieldnames]:
            raise InputError(f"{path}: CSV manifest has no 'path' column (columns: {reader.fieldnames})")
        col = next(f for f in reader.fieldnames if f.strip().lower() == "path")
        for row in reader:
            p = (row.get(col) or "").strip()
            if p:
                yield p


def iter_manifest(path: str) -> Iterator[str]:
    """Paths listed in a manifest; relative ones are relative to the manifest's folder."""
    base = os.path.dirname(os.path.abspath(path))
    is_csv = path.lower().endswith((".csv", ".tsv"))
    if not is_csv:
        # a text manifest whose first line is a header `path` (or `path,...`) is a CSV too
        head = read_head(path, 256).split(b"\n", 1)[0].strip().lower()
        is_csv = head == b"path" or head.startswith((b"path,", b"path\t")) or b",path" in head
    for p in _csv_paths(path) if is_csv else _manifest_lines(path):
        yield p if os.path.isabs(p) else os.path.join(base, p)


def iter_inputs(source: str | os.PathLike[str]) -> Iterator[str]:
    """Every input path of a batch source: a folder, a manifest, or a single media file."""
    src = os.fspath(source)
    if os.path.isdir(src):
        yield from iter_folder(src)
        return
    if not os.path.exists(src):
        raise InputError(f"{src}: no such file or folder")
    ext = os.path.splitext(src)[1].lower()
    if ext in MEDIA_EXTENSIONS or (ext not in MANIFEST_EXTENSIONS and sniff(read_head(src))):
        yield src
        return
    yield from iter_manifest(src)


def source_description(source: str | os.PathLike[str]) -> str:
    src = os.fspath(source)
    return "folder" if Path(src).is_dir() else "manifest"
