"""Audio features, streamed: loudness (RMS dB), pitch (autocorrelation) and speech
probability (Silero VAD through onnxruntime) per 32 ms frame.

``AudioAnalyzer.update(start, samples)`` takes 16 kHz mono blocks as they are decoded and
keeps only per-frame numbers (a few floats per 32 ms), so memory does not grow with the
audio it has seen beyond those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hhikit.video.decode import AUDIO_RATE

HOP = 512  # 32 ms at 16 kHz: Silero VAD's chunk
VAD_CONTEXT = 64


class SileroVAD:
    """Silero VAD v6 (card ``silero-vad``) on 512-sample chunks.

    The model is stateful; to use both cores well on long audio, a block is split into
    ``streams`` consecutive parts that run side by side as one batch, each with its own
    state (the first ~100 ms of each part starts from a fresh state)."""

    def __init__(self, model_path: str | None = None, streams_seconds: float = 2.0) -> None:
        import onnxruntime as ort

        if model_path is None:
            from hhikit.models.store import resolve

            model_path = str(resolve("silero-vad").path("silero_vad.onnx"))
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        self.session = ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])
        self.streams_seconds = streams_seconds

    def probabilities(self, samples: np.ndarray) -> np.ndarray:
        """Speech probability of each full 512-sample chunk of ``samples`` (16 kHz)."""
        n = len(samples) // HOP
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        per = max(1, int(self.streams_seconds * AUDIO_RATE) // HOP)
        s = int(np.ceil(n / per))
        x = np.zeros((s * per) * HOP, dtype=np.float32)
        x[: n * HOP] = samples[: n * HOP]
        x = x.reshape(s, per, HOP)
        state = np.zeros((2, s, 128), dtype=np.float32)
        ctx = np.zeros((s, VAD_CONTEXT), dtype=np.float32)
        sr = np.array(AUDIO_RATE, dtype=np.int64)
        out = np.zeros((s, per), dtype=np.float32)
        for j in range(per):
            chunk = np.concatenate([ctx, x[:, j]], axis=1)
            p, state = self.session.run(None, {"input": chunk, "state": state, "sr": sr})
            out[:, j] = p[:, 0]
            ctx = x[:, j, -VAD_CONTEXT:]
        return out.reshape(-1)[:n]


def frame_rms_db(frames: np.ndarray) -> np.ndarray:
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    return (20 * np.log10(rms + 1e-9)).astype(np.float32)


def frame_pitch(
    frames: np.ndarray, rate: int = AUDIO_RATE, fmin: float = 70.0, fmax: float = 450.0, voicing: float = 0.45
) -> np.ndarray:
    """Fundamental frequency (Hz) per frame by normalised autocorrelation; 0 where unvoiced."""
    if len(frames) == 0:
        return np.zeros(0, dtype=np.float32)
    x = frames - frames.mean(axis=1, keepdims=True)
    x = x * np.hanning(x.shape[1])[None, :]
    nfft = 1 << int(np.ceil(np.log2(2 * x.shape[1])))
    spec = np.fft.rfft(x, nfft, axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, nfft, axis=1)[:, : x.shape[1]]
    ac /= ac[:, :1] + 1e-9
    lo, hi = int(rate / fmax), min(int(rate / fmin), x.shape[1] - 1)
    seg = ac[:, lo:hi]
    k = np.argmax(seg, axis=1)
    peak = seg[np.arange(len(seg)), k]
    f0 = rate / (k + lo)
    return np.where(peak >= voicing, f0, 0.0).astype(np.float32)


@dataclass
class AudioFrames:
    """Per-32-ms numbers of a whole track (small: 4 floats per frame)."""

    times: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    rms_db: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    speech: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    pitch: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    def window(self, start: float, end: float) -> AudioFrames:
        m = (self.times >= start) & (self.times < end)
        return AudioFrames(self.times[m], self.rms_db[m], self.speech[m], self.pitch[m])

    def sequence(self, step: float = 0.5) -> np.ndarray:
        """Per-``step`` feature vectors ``(T, 6)``: mean/max loudness, speech ratio, mean
        and spread of voiced pitch, voiced ratio (the audio BiLSTM's input)."""
        if len(self.times) == 0:
            return np.zeros((0, AUDIO_DIM), dtype=np.float32)
        t0 = float(self.times[0])
        idx = ((self.times - t0) // step).astype(int)
        rows = []
        for i in range(int(idx.max()) + 1):
            m = idx == i
            if not m.any():
                continue
            rows.append(_stats(self.rms_db[m], self.speech[m], self.pitch[m]))
        return np.asarray(rows, dtype=np.float32)

    def summary(self, speech_threshold: float = 0.5) -> dict[str, float]:
        if len(self.times) == 0:
            return {"rms_db": -120.0, "rms_db_p90": -120.0, "speech_ratio": 0.0, "pitch_mean": 0.0, "pitch_std": 0.0,
                    "voiced_ratio": 0.0, "speech_rms_db": -120.0}  # fmt: skip
        sp = self.speech >= speech_threshold
        voiced = self.pitch[(self.pitch > 0) & sp]
        return {
            "rms_db": float(np.mean(self.rms_db)),
            "rms_db_p90": float(np.percentile(self.rms_db, 90)),
            "speech_ratio": float(sp.mean()),
            "pitch_mean": float(voiced.mean()) if len(voiced) else 0.0,
            "pitch_std": float(voiced.std()) if len(voiced) else 0.0,
            "voiced_ratio": float((self.pitch > 0).mean()),
            "speech_rms_db": float(np.mean(self.rms_db[sp])) if sp.any() else -120.0,
        }


AUDIO_DIM = 6


def _stats(rms: np.ndarray, speech: np.ndarray, pitch: np.ndarray) -> list[float]:
    voiced = pitch[pitch > 0]
    return [
        (float(rms.mean()) + 60.0) / 60.0,
        (float(rms.max()) + 60.0) / 60.0,
        float((speech >= 0.5).mean()),
        float(voiced.mean()) / 300.0 if len(voiced) else 0.0,
        float(voiced.std()) / 100.0 if len(voiced) else 0.0,
        float((pitch > 0).mean()),
    ]


class AudioAnalyzer:
    """Streaming per-frame audio features; feed blocks in order with ``update``."""

    def __init__(self, vad: SileroVAD | None = None) -> None:
        self.vad = vad if vad is not None else SileroVAD()
        self.reset()

    def reset(self) -> None:
        self._parts: list[tuple[np.ndarray, ...]] = []
        self._carry = np.zeros(0, dtype=np.float32)
        self._carry_start = 0.0

    def update(self, start: float, samples: np.ndarray) -> None:
        if len(self._carry):
            samples = np.concatenate([self._carry, samples])
            start = self._carry_start
        n = len(samples) // HOP
        if n == 0:
            self._carry, self._carry_start = samples, start
            return
        x = samples[: n * HOP]
        frames = x.reshape(n, HOP)
        # pitch over 1024-sample frames centred on each hop frame
        padded = np.concatenate([x, samples[n * HOP :][:HOP], np.zeros(HOP, np.float32)])[: (n + 1) * HOP]
        wide = np.lib.stride_tricks.sliding_window_view(padded, 2 * HOP)[::HOP][:n]
        times = (start + np.arange(n) * HOP / AUDIO_RATE).astype(np.float32)
        self._parts.append((times, frame_rms_db(frames), self.vad.probabilities(x), frame_pitch(wide)))
        self._carry = samples[n * HOP :].copy()
        self._carry_start = start + n * HOP / AUDIO_RATE

    def finish(self) -> AudioFrames:
        if not self._parts:
            self.reset()
            return AudioFrames()
        cols = [np.concatenate([p[i] for p in self._parts]) for i in range(4)]
        self.reset()
        return AudioFrames(*cols)


def describe_audio(summary: dict[str, Any]) -> str:
    return (
        f"speech {summary['speech_ratio']:.0%}, loudness {summary['rms_db']:.1f} dB "
        f"(speech {summary['speech_rms_db']:.1f} dB), pitch {summary['pitch_mean']:.0f}±{summary['pitch_std']:.0f} Hz"
    )
