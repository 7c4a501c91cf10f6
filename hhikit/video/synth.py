"""Writing videos with PyAV: concatenations of real clips (shot-boundary tests, the
length benchmark) and small generated files (bad-input and training tests)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from hhikit.video.decode import AUDIO_RATE, iter_audio, iter_frames


def write_video(path: str | Path, frames: Iterable[np.ndarray], fps: int = 25, audio: Iterable[np.ndarray] | None = None,
                codec: str = "libx264", audio_rate: int = AUDIO_RATE, times: Iterable[float] | None = None) -> Path:  # fmt: skip
    """Encode RGB frames (all one size) and optional mono float32 audio blocks to ``path``.
    ``times`` (seconds) gives each frame its own pts, for variable frame rate files."""
    import av

    path = Path(path)
    out = av.open(str(path), "w")
    try:
        vs = None
        tb = Fraction(1, 1000) if times is not None else Fraction(1, fps)
        tlist = list(times) if times is not None else None
        as_ = out.add_stream("aac", rate=audio_rate, layout="mono") if audio is not None else None
        for i, img in enumerate(frames):
            if vs is None:
                vs = out.add_stream(codec, rate=fps)
                vs.width, vs.height = img.shape[1] // 2 * 2, img.shape[0] // 2 * 2
                vs.pix_fmt = "yuv420p"
                vs.time_base = tb
                vs.codec_context.time_base = tb
                if codec == "libx264":
                    vs.options = {"preset": "ultrafast", "crf": "23"}
            f = av.VideoFrame.from_ndarray(np.ascontiguousarray(img[: vs.height, : vs.width]), format="rgb24")
            f.pts = int(round(tlist[i] * 1000)) if tlist is not None else i
            f.time_base = tb
            for pkt in vs.encode(f):
                out.mux(pkt)
        if vs is not None:
            for pkt in vs.encode():
                out.mux(pkt)
        if as_ is not None:
            pos = 0
            for block in audio:
                a = av.AudioFrame.from_ndarray(
                    np.asarray(block, np.float32).reshape(1, -1), format="flt", layout="mono"
                )
                a.sample_rate = audio_rate
                a.pts = pos
                pos += a.samples
                for pkt in as_.encode(a):
                    out.mux(pkt)
            for pkt in as_.encode():
                out.mux(pkt)
    finally:
        out.close()
    return path


def resized_frames(
    path: str | Path, size: tuple[int, int], seconds: float | None = None, skip: float = 0.0
) -> Iterator[np.ndarray]:
    """Frames of a video squeezed to ``size`` (w, h), from ``skip`` s for ``seconds`` s."""
    for f in iter_frames(path):
        if f.time < skip:
            continue
        if seconds is not None and f.time >= skip + seconds:
            break
        yield f._av.to_ndarray(format="rgb24", width=size[0], height=size[1])


def audio_blocks(path: str | Path, seconds: float | None = None, skip: float = 0.0) -> Iterator[np.ndarray]:
    """Mono 16 kHz audio of ``path`` (silence if it has none) from ``skip`` for ``seconds``."""
    got = 0
    try:
        for start, block in iter_audio(path):
            a = int(max(0.0, skip - start) * AUDIO_RATE)
            block = block[a:]
            if seconds is not None:
                block = block[: max(0, int(seconds * AUDIO_RATE) - got)]
            if len(block):
                got += len(block)
                yield block
            if seconds is not None and got >= int(seconds * AUDIO_RATE):
                return
    except Exception:  # no audio track: silence
        pass
    if seconds is not None and got < int(seconds * AUDIO_RATE):
        yield np.zeros(int(seconds * AUDIO_RATE) - got, np.float32)


def concat_clips(parts: list[tuple[str | Path, float, float]], out: str | Path, fps: int = 25, size: tuple[int, int] = (320, 180),
                 with_audio: bool = True) -> list[int]:  # fmt: skip
    """Concatenate ``(path, skip, seconds)`` parts at ``fps`` (frames taken in order, one per
    output frame) with their audio; returns the frame index of every junction."""
    junctions: list[int] = []
    counts: list[int] = []

    def frames() -> Iterator[np.ndarray]:
        total = 0
        for i, (p, skip, sec) in enumerate(parts):
            if i:
                junctions.append(total)
            n = 0
            for img in resized_frames(p, size, sec, skip):
                if n >= int(round(sec * fps)):
                    break
                yield img
                n += 1
            counts.append(n)
            total += n

    def audio() -> Iterator[np.ndarray]:
        # consumed after the frames: each part's audio is cut to that part's frame count
        for (p, skip, _sec), n in zip(parts, counts, strict=True):
            yield from audio_blocks(p, n / fps, skip)

    write_video(out, frames(), fps=fps, audio=audio() if with_audio else None)
    return junctions
