"""Speech recognition: an ``AsrEngine`` protocol with a faster-whisper backend (Whisper
tiny.en in CTranslate2 format, card ``whisper-tiny.en``; any local CTranslate2 Whisper
folder through ``model_dir``), fed audio in chunks cut at pauses so a long video is never
held whole. Local engine only: nothing is fetched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from hhikit.errors import ModelUnavailable
from hhikit.registry import Registry
from hhikit.types import TranscriptSegment
from hhikit.video.decode import AUDIO_RATE


@runtime_checkable
class AsrEngine(Protocol):
    name: str

    def transcribe(self, samples: np.ndarray, offset: float = 0.0) -> list[TranscriptSegment]:
        """Transcribe 16 kHz mono float32 audio; segment times are shifted by ``offset``."""
        ...


DEFAULT_ASR = "faster-whisper"

_ENGINES = Registry("asr", "ASR engine")
register_asr = _ENGINES.register


def get_asr(name: str | None = None, **options: Any) -> AsrEngine:
    return _ENGINES.build(name or DEFAULT_ASR, **options)


_WHISPER_CACHE: dict[tuple[str, str, int], Any] = {}


def load_whisper(model_dir: str | Path | None = None, compute_type: str = "int8", cpu_threads: int = 2) -> Any:
    """A faster-whisper ``WhisperModel`` from a local CTranslate2 folder (cached per process)."""
    from hhikit.models.store import resolve

    if model_dir is None:
        root = resolve("whisper-tiny.en").root
    else:
        root = Path(model_dir).expanduser()
        if not (root / "model.bin").exists():
            raise ModelUnavailable(f"{root}: not a CTranslate2 Whisper folder (no model.bin)")
    key = (str(root), compute_type, cpu_threads)
    if key not in _WHISPER_CACHE:
        from faster_whisper import WhisperModel

        _WHISPER_CACHE[key] = WhisperModel(
            str(root), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads, local_files_only=True
        )
    return _WHISPER_CACHE[key]


@register_asr("faster-whisper")
class FasterWhisperEngine:
    """faster-whisper with its bundled Silero VAD filter (``vad_filter=True``)."""

    name = "faster-whisper"

    def __init__(self, model_dir: str | Path | None = None, language: str | None = "en", beam_size: int = 1,
                 vad_filter: bool = True, compute_type: str = "int8", cpu_threads: int = 2) -> None:  # fmt: skip
        self.model = load_whisper(model_dir, compute_type, cpu_threads)
        multilingual = bool(getattr(self.model.model, "is_multilingual", False))
        self.language = language if multilingual or language in (None, "en") else "en"
        if not multilingual:
            self.language = "en"
        self.beam_size = beam_size
        self.vad_filter = vad_filter

    def transcribe(self, samples: np.ndarray, offset: float = 0.0) -> list[TranscriptSegment]:
        if len(samples) < AUDIO_RATE // 10:
            return []
        segments, _info = self.model.transcribe(
            samples.astype(np.float32, copy=False), language=self.language, beam_size=self.beam_size,
            vad_filter=self.vad_filter, condition_on_previous_text=False, without_timestamps=False,
        )  # fmt: skip
        out: list[TranscriptSegment] = []
        limit = offset + len(samples) / AUDIO_RATE
        for s in segments:
            text = s.text.strip()
            if text:
                a = min(offset + float(s.start), limit)
                a = max(a, out[-1].end) if out else a
                out.append(TranscriptSegment(a, max(a, min(offset + float(s.end), limit)), text))
        return out


def quiet_cut(samples: np.ndarray, search_seconds: float = 8.0, window: float = 0.3) -> int:
    """Index of the quietest ``window`` in the last ``search_seconds`` of ``samples``: where
    a chunk is cut so a word is not split."""
    n = len(samples)
    lo = max(0, n - int(search_seconds * AUDIO_RATE))
    w = int(window * AUDIO_RATE)
    tail = samples[lo:]
    if len(tail) < 2 * w:
        return n
    e = np.convolve(tail.astype(np.float64) ** 2, np.ones(w), mode="valid")
    return lo + int(np.argmin(e)) + w // 2


def transcribe_stream(
    engine: AsrEngine, blocks: Iterable[tuple[float, np.ndarray]], chunk_seconds: float = 28.0
) -> Iterator[TranscriptSegment]:
    """Transcribe a stream of ``(start, samples)`` blocks in chunks of about ``chunk_seconds``
    cut at pauses; yields segments in time order. Chunks stay under Whisper's 30-s window:
    with longer chunks the tiny model, decoding greedily, was seen to skip 25 s of speech
    when seeking to its second window."""
    buf: list[np.ndarray] = []
    have = 0
    start = 0.0
    limit = int(chunk_seconds * AUDIO_RATE)
    for t, block in blocks:
        if not buf:
            start = t
        buf.append(block)
        have += len(block)
        if have >= limit:
            data = np.concatenate(buf)
            cut = quiet_cut(data)
            yield from engine.transcribe(data[:cut], start)
            rest = data[cut:]
            start += cut / AUDIO_RATE
            buf, have = ([rest], len(rest)) if len(rest) else ([], 0)
    if buf:
        yield from engine.transcribe(np.concatenate(buf), start)


def _ts(t: float, sep: str) -> str:
    ms = int(round(max(0.0, t) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_srt(segments: Iterable[TranscriptSegment]) -> str:
    """SubRip text of transcript segments."""
    parts = [f"{i}\n{_ts(s.start, ',')} --> {_ts(s.end, ',')}\n{s.text}\n" for i, s in enumerate(segments, 1)]
    return "\n".join(parts)


def to_vtt(cues: Iterable[tuple[float, float, str]]) -> str:
    """WebVTT text of ``(start, end, text)`` cues."""
    lines = ["WEBVTT", ""]
    for i, (a, b, text) in enumerate(cues, 1):
        lines += [str(i), f"{_ts(a, '.')} --> {_ts(b, '.')}", text.replace("-->", "->"), ""]
    return "\n".join(lines)
