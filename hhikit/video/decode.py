"""Streaming video and audio decoding with PyAV.

Nothing here holds a whole video: frames and audio chunks are generators. Frame times come
from each frame's ``pts`` (variable frame rate is handled), and the rotation a phone writes
in the display matrix is applied. Every failure becomes an ``InputError`` naming the file.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from hhikit.errors import InputError
from hhikit.io.safeopen import check_regular

AUDIO_RATE = 16_000


@dataclass
class VideoInfo:
    """What a container holds, read from its headers (and a first decoded frame)."""

    path: str
    duration: float
    fps: float
    width: int
    height: int
    rotation: int
    has_video: bool
    has_audio: bool
    audio_rate: int = 0


def _open(path: str | Path):
    import av

    p = Path(path)
    # a regular file only: a FIFO would block the demuxer, a device would be read forever
    if check_regular(p, what="video") == 0:
        raise InputError(f"{p}: empty file (0 bytes)")
    try:
        return av.open(str(p), metadata_errors="ignore")
    except PermissionError:
        raise InputError(f"{p}: permission denied") from None
    except av.error.FFmpegError as exc:
        raise InputError(f"{p}: not a readable video container ({_ff(exc)})") from None


def _ff(exc: BaseException) -> str:
    msg = getattr(exc, "strerror", None) or str(exc)
    return " ".join(str(msg).split())[:200]


def _rotation(frame) -> int:
    """Clockwise degrees to rotate a decoded frame so it is shown upright."""
    try:
        r = int(round(getattr(frame, "rotation", 0) or 0))
    except (TypeError, ValueError):
        return 0
    return (-r) % 360  # PyAV reports the display matrix angle counter-clockwise


def _upright(img: np.ndarray, rot: int) -> np.ndarray:
    if rot == 90:
        return np.ascontiguousarray(np.rot90(img, k=-1))
    if rot == 180:
        return np.ascontiguousarray(img[::-1, ::-1])
    if rot == 270:
        return np.ascontiguousarray(np.rot90(img, k=1))
    return img


def probe(path: str | Path) -> VideoInfo:
    """Read a video's streams, duration and frame rate, or raise ``InputError``.

    Image files renamed to a video extension are refused: a single still "frame" with no
    frame rate is not a video.
    """
    import av

    c = _open(path)
    try:
        vs = c.streams.video[0] if c.streams.video else None
        aus = c.streams.audio[0] if c.streams.audio else None
        fmt = (c.format.name or "").split(",")
        if vs is None:
            what = "an audio-only file" if aus is not None else "a file with no video stream"
            raise InputError(f"{path}: {what}; a video track is needed")
        if any(f in {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "gif", "tiff_pipe"} for f in fmt):
            raise InputError(f"{path}: this is a still image ({fmt[0]}), not a video")
        rate = vs.average_rate or vs.guessed_rate or vs.base_rate
        fps = float(rate) if rate else 0.0
        dur = 0.0
        if vs.duration is not None and vs.time_base is not None:
            dur = float(vs.duration * vs.time_base)
        elif c.duration is not None:
            dur = c.duration / 1e6
        rot = 0
        w, h = vs.codec_context.width, vs.codec_context.height
        try:
            for frame in c.decode(vs):
                rot = _rotation(frame)
                w, h = frame.width, frame.height
                break
            else:
                raise InputError(f"{path}: the video track holds no decodable frame (zero length)")
        except av.error.FFmpegError as exc:
            raise InputError(f"{path}: corrupt video data ({_ff(exc)})") from None
        if rot in (90, 270):
            w, h = h, w
        if fps <= 0 or not math.isfinite(fps):
            fps = 25.0
        return VideoInfo(
            path=str(path), duration=max(0.0, dur), fps=fps, width=int(w), height=int(h), rotation=rot,
            has_video=True, has_audio=aus is not None, audio_rate=int(aus.rate or 0) if aus is not None else 0,
        )  # fmt: skip
    finally:
        c.close()


class Frame:
    """One decoded frame: its index in decode order, its time in seconds (from pts), and
    lazy conversions to RGB arrays (upright)."""

    __slots__ = ("_av", "index", "rotation", "time")

    def __init__(self, av_frame, index: int, time: float, rotation: int) -> None:
        self._av = av_frame
        self.index = index
        self.time = time
        self.rotation = rotation

    @property
    def size(self) -> tuple[int, int]:
        w, h = self._av.width, self._av.height
        return (h, w) if self.rotation in (90, 270) else (w, h)

    def rgb(self, max_side: int | None = None) -> np.ndarray:
        """The frame as ``(H, W, 3)`` uint8 RGB, downscaled so its longest side is at most ``max_side``."""
        w, h = self._av.width, self._av.height
        if max_side and max(w, h) > max_side:
            s = max_side / max(w, h)
            w, h = max(2, int(round(w * s))), max(2, int(round(h * s)))
            img = self._av.to_ndarray(format="rgb24", width=w, height=h)
        else:
            img = self._av.to_ndarray(format="rgb24")
        return _upright(img, self.rotation)

    def thumb(self, width: int, height: int) -> np.ndarray:
        """The frame squeezed to exactly ``width x height`` (after rotation), e.g. 48x27 for TransNetV2."""
        if self.rotation in (90, 270):
            img = self._av.to_ndarray(format="rgb24", width=height, height=width)
        else:
            img = self._av.to_ndarray(format="rgb24", width=width, height=height)
        return _upright(img, self.rotation)


def iter_frames(path: str | Path, threads: int = 0) -> Iterator[Frame]:
    """Decode every video frame in order as ``Frame`` objects (a generator).

    Times are ``pts * time_base`` relative to the first frame, so variable frame rate video
    gets true times; frames without pts get the previous time plus one nominal period.
    """
    import av

    c = _open(path)
    try:
        if not c.streams.video:
            raise InputError(f"{path}: no video stream")
        vs = c.streams.video[0]
        vs.thread_type = "AUTO"
        if threads:
            vs.codec_context.thread_count = threads
        rate = vs.average_rate or vs.guessed_rate
        period = 1.0 / float(rate) if rate else 1.0 / 25.0
        tb = vs.time_base or Fraction(1, 1000)
        t0: float | None = None
        last = -period
        i = 0
        try:
            for f in c.decode(vs):
                if f.pts is not None:
                    t = float(f.pts * tb)
                    if t0 is None:
                        t0 = t
                    t -= t0
                    if t <= last - 1e-6:  # broken pts: keep times increasing
                        t = last + period
                else:
                    t = last + period
                last = t
                yield Frame(f, i, t, _rotation(f))
                i += 1
        except av.error.FFmpegError as exc:
            if i == 0:
                raise InputError(f"{path}: corrupt video data ({_ff(exc)})") from None
            # A truncated tail: keep what decoded, stop here.
            return
    finally:
        c.close()


def iter_audio(
    path: str | Path, rate: int = AUDIO_RATE, block_seconds: float = 10.0
) -> Iterator[tuple[float, np.ndarray]]:
    """Decode the first audio track to mono float32 at ``rate`` Hz, in blocks of about
    ``block_seconds``: yields ``(start_seconds, samples)``. Raises ``InputError`` if there
    is no audio track."""
    import av

    c = _open(path)
    try:
        if not c.streams.audio:
            raise InputError(f"{path}: no audio track")
        a = c.streams.audio[0]
        a.thread_type = "AUTO"
        res = av.AudioResampler(format="flt", layout="mono", rate=rate)
        block = int(block_seconds * rate)
        buf: list[np.ndarray] = []
        n = 0
        pos = 0

        def _arr(frames) -> list[np.ndarray]:
            return [fr.to_ndarray().reshape(-1).astype(np.float32, copy=False) for fr in frames]

        try:
            for f in c.decode(a):
                for arr in _arr(res.resample(f)):
                    buf.append(arr)
                    n += len(arr)
                    if n >= block:
                        data = np.concatenate(buf)
                        yield pos / rate, data[:block]
                        pos += block
                        rest = data[block:]
                        buf, n = ([rest], len(rest)) if len(rest) else ([], 0)
        except av.error.FFmpegError as exc:
            if pos == 0 and n == 0:
                raise InputError(f"{path}: corrupt audio data ({_ff(exc)})") from None
        try:
            for arr in _arr(res.resample(None)):
                buf.append(arr)
                n += len(arr)
        except av.error.FFmpegError:
            pass
        if n:
            yield pos / rate, np.concatenate(buf)
    finally:
        c.close()
