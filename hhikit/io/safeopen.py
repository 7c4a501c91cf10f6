"""Opening input files safely: regular files only, a size cap per kind, lines with a cap.

Every reader of a user's file goes through here, so a FIFO never blocks (it is opened with
``O_NONBLOCK`` and refused after ``fstat``), a device such as ``/dev/zero`` is never read,
a symlink loop or a directory gets one clear line, and an oversize file is refused before
a byte is read. Manifests may also be a declared stream (a pipe, ``/dev/stdin``), read line by
line with a cap on each line, so memory stays bounded whatever the input holds.

Also here: ``shown(text)``, a file name as it may be printed on a terminal (control
characters and undecodable bytes escaped).
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Iterator
from typing import BinaryIO

from hhikit.errors import InputError

MIB = 1024 * 1024
# manifests: one path (and a few columns) per line; far above PATH_MAX (4096)
MANIFEST_LINE_MAX = 64 * 1024
# results files: one JSON record per line (many people and pairs still fit in a few MB)
RECORD_LINE_MAX = 64 * MIB
_CHUNK = 1 * MIB


def kind_of_mode(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def os_reason(exc: OSError) -> str:
    """A short, clear reason for an OS error on an input."""
    if exc.errno == errno.ENOENT:
        return "no such file (or a dangling symlink)"
    if exc.errno == errno.ELOOP:
        return "a loop of symbolic links"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENAMETOOLONG:
        return "file name too long"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is not a folder"
    return f"cannot read ({exc.strerror or exc})"


def _a(what: str) -> str:
    return f"an {what}" if what[:1] in "aeiou" else f"a {what}"


def _size_words(n: int) -> str:
    return f"{n:,} bytes"


def _open_nonblocking(name: str, what: str) -> int:
    """A read-only descriptor of ``name``; ``O_NONBLOCK`` makes opening a FIFO return at once
    (the caller's ``fstat`` then decides). Failures are one ``InputError`` line."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        return os.open(name, flags)
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not {_a(what)}") from None
    except OSError as exc:
        raise InputError(f"{name}: {os_reason(exc)}") from None


def open_regular(path: str | os.PathLike[str], max_bytes: int | None = None, what: str = "file") -> BinaryIO:
    """Open a regular file for binary reading, or raise ``InputError`` with one clear line.

    ``O_NONBLOCK`` makes opening a FIFO return at once; ``fstat`` on the open descriptor
    (not a ``stat`` before it, which could race) decides. ``what`` names the expected kind
    in messages ("image", "video", "manifest")."""
    name = os.fspath(path)
    fd = _open_nonblocking(name, what)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{name}: is {kind_of_mode(st.st_mode)}, not {_a(what)} file")
        if max_bytes is not None and st.st_size > max_bytes:
            raise InputError(
                f"{name}: the file is {_size_words(st.st_size)}, over the {_size_words(max_bytes)} limit for {_a(what)}"
            )
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike[str], max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (a file growing past it is refused too)."""
    with open_regular(path, max_bytes, what) as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"{os.fspath(path)}: the file grew past the {_size_words(max_bytes)} limit for {_a(what)}")
    return data


def check_regular(path: str | os.PathLike[str], max_bytes: int | None = None, what: str = "file") -> int:
    """Raise ``InputError`` unless ``path`` is a readable regular file within the cap; its size."""
    with open_regular(path, max_bytes, what) as fh:
        return os.fstat(fh.fileno()).st_size


def open_stream(path: str | os.PathLike[str], what: str = "manifest") -> BinaryIO:
    """A regular file, or a declared stream (a pipe or ``/dev/stdin``, ``-`` for stdin), for
    reading line by line. Devices, sockets, directories and loops are refused."""
    name = os.fspath(path)
    if name == "-":
        return os.fdopen(os.dup(0), "rb")
    fd = _open_nonblocking(name, what)
    try:
        st = os.fstat(fd)
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
            raise InputError(f"{name}: is {kind_of_mode(st.st_mode)}, not {_a(what)} file")
        os.set_blocking(fd, True)  # a pipe is read as the stream it was declared to be
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def is_stream(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a pipe (or ``-``): it can be read once only, so nobody may read ahead."""
    name = os.fspath(path)
    if name == "-":
        return True
    try:
        return stat.S_ISFIFO(os.stat(name).st_mode)
    except OSError:
        return False


def iter_lines(fh: BinaryIO, max_line: int) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, line without its newline)`` of a binary stream; ``None`` in place of a
    line longer than ``max_line`` bytes, which is skipped without being held in memory."""
    n = 0
    while True:
        raw = fh.readline(max_line + 1)
        if not raw:
            return
        n += 1
        if len(raw) > max_line and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # discard the rest of the long line
                raw = fh.readline(_CHUNK)
            yield n, None
            continue
        yield n, raw.rstrip(b"\r\n")


def shown(text: str) -> str:
    """``text`` safe to print on a terminal: control characters as ``\\x1b``-style escapes and
    undecodable bytes of a file name (PEP 383 lone surrogates) as ``\\xff``; a newline in a
    name too, so one input stays one line."""
    out = io.StringIO()
    for ch in text:
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:  # a byte the file system encoding could not decode
            out.write(f"\\x{o - 0xDC00:02x}")
        elif o < 0x20 or o == 0x7F or 0x80 <= o < 0xA0 or 0xD800 <= o <= 0xDFFF:
            out.write(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}")
        elif ch == "\\":
            out.write("\\\\")
        else:
            out.write(ch)
    return out.getvalue()


def shown_lines(text: str) -> str:
    """``shown`` for each line of a multi-line summary (its own newlines are kept)."""
    return "\n".join(shown(line) for line in text.split("\n"))
