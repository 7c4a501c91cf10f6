"""Helpers of the batch tests: a corpus of good and hostile inputs built on the fly, and the
worker spec every test uses (the OpenCV HOG detector: real, fast, and always installed).
(Not named conftest.py: a second `conftest` module would shadow tests/conftest.py for the
tests that import helpers from it.)"""

from __future__ import annotations

import io
import os
import struct
import wave
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from hhikit.batch.worker import WorkerSpec, video_pipeline_class
from hhikit.pipeline import PipelineConfig

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "images"
PLUGIN = "hhikit.perception.hog_backend"


def hog_spec(**pipeline) -> WorkerSpec:
    """The HOG detector plugin plus any other ``PipelineConfig`` options."""
    return WorkerSpec(pipeline=PipelineConfig(detector="hog", **pipeline), plugins=[PLUGIN])


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid PNG header claiming 10 gigapixels, with almost no data (never decoded)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def tiny_mp4(path: Path, frames: int = 10) -> None:
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream("mpeg4", rate=10)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for i in range(frames):
            f = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 20, np.uint8), format="rgb24")
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


@dataclass
class Corpus:
    root: Path
    good: dict[str, str] = field(default_factory=dict)  # record path -> what it is
    bad: dict[str, str] = field(default_factory=dict)  # record path -> substring of the error message
    ignored: list[str] = field(default_factory=list)
    skipped_cases: list[str] = field(default_factory=list)


def build_corpus(root: Path) -> Corpus:
    """Good inputs (incl. ones that need conversion) and one of each kind of bad input."""
    root.mkdir(parents=True, exist_ok=True)
    c = Corpus(root)
    base = Image.open(EXAMPLES / "handshake.jpg").convert("RGB")
    jpg = _encode(base, "JPEG", quality=90)
    png = _encode(base, "PNG")

    def good(rel: str, data: bytes, what: str) -> Path:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        c.good[os.path.realpath(p)] = what
        return p

    def bad(rel: str, data: bytes, msg: str) -> Path:
        p = root / rel
        p.write_bytes(data)
        c.bad[os.path.realpath(p)] = msg
        return p

    good_a = good("good.jpg", jpg, "jpeg")
    good("nested/deeper/good.png", png, "png in a subfolder")
    frames = [base, base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    good(
        "anim.gif",
        _encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0),
        "animated gif",
    )
    deep = (np.asarray(base.convert("L"), dtype=np.uint16) * 257).astype(np.uint16)
    good("deep16.png", _encode(Image.fromarray(deep), "PNG"), "16-bit png")
    good("cmyk.jpg", _encode(base.convert("CMYK"), "JPEG"), "cmyk jpeg")
    good("no_extension", jpg, "jpeg without an extension (sniffed)")
    # a non-UTF-8 file name (Latin-1 bytes): a good image under a name JSON cannot hold as UTF-8
    raw = os.path.join(os.fsencode(root), b"caf\xe9_\xff.jpg")
    with open(raw, "wb") as fh:
        fh.write(jpg)
    c.good[os.path.realpath(os.fsdecode(raw))] = "non-UTF-8 name"
    # a second name of a good file: deduplicated, not a second record
    os.symlink(good_a, root / "same_as_good.jpg")

    bad("zero.jpg", b"", "empty file")
    bad("truncated.jpg", jpg[: len(jpg) // 2], "truncated")
    bad("truncated.png", png[: len(png) // 2], "")
    bad("page.jpg", b"<!doctype html><html><body>404 not found</body></html>", "not an image")
    bad("bomb.png", bomb_png(), "bomb")
    tiny_mp4(root / "movie.mp4")
    mp4 = (root / "movie.mp4").read_bytes()
    bad("broken.mp4", mp4[: len(mp4) // 3], "cannot open as video")
    with wave.open(str(root / "speech.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    c.bad[os.path.realpath(root / "speech.wav")] = "no video stream"
    os.symlink("loop.jpg", root / "loop.jpg")
    c.bad[os.path.realpath(root / "loop.jpg")] = "symbolic links"
    os.symlink(root / "missing.jpg", root / "dangling.jpg")
    c.bad[os.path.realpath(root / "dangling.jpg")] = "no such file"
    if video_pipeline_class() is None:
        c.bad[os.path.realpath(root / "movie.mp4")] = "hhikit.video"
    else:
        c.good[os.path.realpath(root / "movie.mp4")] = "mp4"
    if os.geteuid() != 0:
        p = bad("unreadable.jpg", jpg, "permission denied")
        p.chmod(0)
    else:
        c.skipped_cases.append("unreadable file: tests run as root, who can read a chmod 000 file")

    # things that are not inputs: a text file, a FIFO named like an image (would block a reader),
    # and a directory symlink back to the root (a cycle the walk must cut)
    (root / "notes.txt").write_text("not media\n")
    os.mkfifo(root / "fifo.jpg")
    os.symlink(root, root / "nested" / "up")
    c.ignored = ["notes.txt", "fifo.jpg"]
    return c
