"""Readers open regular files only, within a cap, and never block or read a device."""

from __future__ import annotations

import io
import os
import signal
from contextlib import contextmanager

import pytest

from hhikit.errors import InputError
from hhikit.io import images
from hhikit.io.images import read_image

MAX_IMAGE_BYTES = getattr(images, "MAX_IMAGE_BYTES", 256_777_216)  # the same test runs on older code


@contextmanager
def _deadline(seconds: int):
    """Fail (instead of hanging the suite) if the body blocks."""

    def boom(signum, frame):
        raise TimeoutError(f"blocked for {seconds} s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _rchar() -> int:
    with open("/proc/self/io") as fh:
        return int(next(line for line in fh if line.startswith("rchar")).split()[1])


def test_special_files_get_one_clear_line_and_never_block(tmp_path):
    fifo = tmp_path / "fifo.jpg"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.jpg"
    os.symlink("loop.jpg", loop)
    (tmp_path / "dir.jpg").mkdir()
    cases = {fifo: "FIFO", "/dev/zero": "character device", "/dev/urandom": "character device",
             loop: "loop of symbolic links", tmp_path / "dir.jpg": "directory", tmp_path / "nope.jpg": "no such file"}  # fmt: skip
    with _deadline(20):
        for path, msg in cases.items():
            with pytest.raises(InputError, match=msg) as e:
                read_image(path)
            assert str(e.value).startswith(str(path)) and "\n" not in str(e.value)


def test_video_names_a_fifo_and_a_loop(tmp_path):
    from hhikit.video.decode import probe

    fifo = tmp_path / "f.mp4"
    os.mkfifo(fifo)
    os.symlink("l.mp4", tmp_path / "l.mp4")
    with _deadline(20):
        with pytest.raises(InputError, match="is a FIFO"):
            probe(fifo)
        with pytest.raises(InputError, match="loop of symbolic links"):
            probe(tmp_path / "l.mp4")


def test_an_oversize_file_is_refused_unread(tmp_path):
    big = tmp_path / "huge.jpg"
    with open(big, "wb") as fh:  # sparse
        fh.write(b"\xff\xd8\xff\xe0")
        fh.truncate(MAX_IMAGE_BYTES + 1)
    before = _rchar()
    with pytest.raises(InputError, match=f"over the {MAX_IMAGE_BYTES:,} bytes limit for an image"):
        read_image(big)
    assert _rchar() - before < 1 << 20


def test_a_non_image_is_refused_without_being_read_whole(tmp_path):
    text = tmp_path / "shadow"  # like /etc/shadow listed in a manifest: text, a few MB
    text.write_bytes(b"root:*:19000:0:99999:7:::\n" * 200_000)
    before = _rchar()
    with pytest.raises(InputError, match="not an image"):
        read_image(text)
    assert _rchar() - before < 1 << 20, "the whole file was read"


def test_read_regular_caps_and_open_stream_takes_a_pipe(tmp_path):
    from hhikit.io.safeopen import iter_lines, open_stream, read_regular

    (tmp_path / "a").write_bytes(b"x" * 10)
    assert read_regular(tmp_path / "a", 10) == b"x" * 10
    with pytest.raises(InputError, match="over the 9 bytes limit"):
        read_regular(tmp_path / "a", 9)
    r, w = os.pipe()
    os.write(w, b"one\ntwo\n")
    os.close(w)
    with open_stream(f"/proc/self/fd/{r}") as fh:
        assert [line for _, line in iter_lines(fh, 100)] == [b"one", b"two"]
    os.close(r)
    with pytest.raises(InputError, match="character device"):
        open_stream("/dev/zero")


def test_iter_lines_skips_an_over_long_line_and_goes_on():
    from hhikit.io.safeopen import iter_lines

    fh = io.BytesIO(b"a\n" + b"x" * 5000 + b"\nb\r\n" + b"y" * 300)
    assert list(iter_lines(fh, 100)) == [(1, b"a"), (2, None), (3, b"b"), (4, None)]


def test_shown_escapes_control_characters_and_undecodable_bytes():
    from hhikit.io.safeopen import shown

    name = os.fsdecode(b"caf\xe9\x1b[31m\nred\\.jpg")
    s = shown(name)
    assert s == "caf\\xe9\\x1b[31m\\x0ared\\\\.jpg"
    s.encode("ascii")
    assert shown("données ü.jpg") == "données ü.jpg"
