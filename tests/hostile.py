"""A corpus of hostile but fair inputs, built on the fly, for the tests of every command
(``analyze``, ``video``, ``batch``, the web demo's upload path) and for
``scripts/hostile_table.py``, which prints what each command says about each input.

Each case has the substring its message must hold; the good inputs of the same corpus must
all be processed whatever the bad ones do. Special files (a FIFO, a device, a symlink loop,
a directory) cannot be uploaded: ``Case.upload`` is False for them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from dataclasses import dataclass, field
from pathlib import Path

from tests.batch.batch_corpus import EXAMPLES, _encode, bomb_png, tiny_mp4

ROOT = Path(__file__).resolve().parents[1]
HOG = ["--detector", "hog", "--plugin", "hhikit.perception.hog_backend"]


@dataclass
class Case:
    name: str  # what the case is, for the table
    path: str  # as given on the command line
    image_msg: str  # substring of the message from `hhi analyze` / `hhi batch`
    video_msg: str | None = None  # from `hhi video`; None: not a video case
    upload: bool = True  # a regular file whose bytes can be uploaded
    batch_msg: str = ""  # from `hhi batch` (content decides image or video); default image_msg

    def __post_init__(self) -> None:
        self.batch_msg = self.batch_msg or self.image_msg


@dataclass
class Hostile:
    root: Path
    good_images: list[str] = field(default_factory=list)
    good_videos: list[str] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)


def build_hostile(root: Path) -> Hostile:
    """Good images and videos, and one input of each hostile kind (issue 15 and the ones that
    already worked)."""
    from PIL import Image

    from hhikit.io import images

    cap = getattr(images, "MAX_IMAGE_BYTES", 256_777_216)  # (a fixed number for older code: the same test runs on it)
    root.mkdir(parents=True, exist_ok=True)
    h = Hostile(root)
    base = Image.open(EXAMPLES / "handshake.jpg").convert("RGB")
    jpg = _encode(base, "JPEG", quality=90)

    def write(rel: str | bytes, data: bytes) -> str:
        p = os.path.join(os.fsencode(root), rel if isinstance(rel, bytes) else rel.encode())
        with open(p, "wb") as fh:
            fh.write(data)
        return os.fsdecode(p)

    h.good_images = [write("good.jpg", jpg), write("good2.png", _encode(base, "PNG"))]
    h.good_images.append(write(b"caf\xe9_latin1.jpg", jpg))  # a non-UTF-8 name: a good input
    h.good_images.append(write("esc\x1b[31mred.jpg", jpg))  # a terminal escape in the name
    tiny_mp4(root / "good.mp4")
    h.good_videos = [str(root / "good.mp4")]

    def case(
        name: str, path: str, image_msg: str, video_msg: str | None = None, upload: bool = True, batch: str = ""
    ) -> None:
        h.cases.append(Case(name, path, image_msg, video_msg, upload, batch))

    fifo = str(root / "fifo.jpg")
    os.mkfifo(fifo)
    case("FIFO named .jpg", fifo, "FIFO", "FIFO", upload=False)
    dev = str(root / "zero.jpg")
    os.symlink("/dev/zero", dev)
    case("/dev/zero (symlink named .jpg)", dev, "character device", "character device", upload=False)
    loop = str(root / "loop.mp4")
    os.symlink("loop.mp4", loop)
    case("symlink loop", loop, "loop of symbolic links", "loop of symbolic links", upload=False)
    d = root / "folder.jpg"
    d.mkdir()
    case("directory named .jpg", str(d), "directory", "directory", upload=False)
    case("dangling symlink", _symlink(root, "missing.jpg", "dangling.jpg"), "no such file", upload=False)
    big = str(root / "huge.jpg")
    with open(big, "wb") as fh:  # sparse: costs no disk
        fh.write(b"\xff\xd8\xff\xe0")
        fh.truncate(cap + 1)
    case("oversize file (sparse, > image cap)", big, "limit", upload=False)
    case("zero bytes", write("zero_bytes.jpg", b""), "empty", "empty")
    case("truncated JPEG", write("truncated.jpg", jpg[: len(jpg) // 2]), "truncated")
    case("HTML as .jpg", write("page.jpg", b"<!doctype html><html>404</html>"), "not an image")
    case(
        "text file as .jpg (like /etc/shadow)", write("shadow.jpg", b"root:*:19000:0:99999:7:::\n" * 40), "not an image"
    )
    case("decompression bomb PNG", write("bomb.png", bomb_png()), "bomb")
    mp4 = (root / "good.mp4").read_bytes()
    case("truncated MP4", write("broken.mp4", mp4[: len(mp4) // 3]), "a video or audio file", "not a readable video",
         batch="cannot open as video")  # fmt: skip
    wav = root / "speech.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 8000)
    case("audio-only file", str(wav), "a video or audio file", "video track", batch="no video stream")
    return h


def _symlink(root: Path, target: str, name: str) -> str:
    p = root / name
    os.symlink(root / target, p)
    return str(p)


def hhi(*args: str, timeout: float = 600, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    """Run ``python -m hhikit ARGS`` on this checkout (strict UTF-8 on stdout, so a name that
    cannot be UTF-8 would fail loudly); bytes out."""
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    e["PYTHONIOENCODING"] = "utf-8:strict"
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "hhikit", *args], capture_output=True, timeout=timeout, env=e, **kw)
