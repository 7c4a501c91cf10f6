"""Running a trained ICCCI model on a video: checkpoints, scene prediction, clip labels.

A run's ``last.pt`` holds the model's state dict under ``model`` with the authors' names,
its sizes, the labels, the threshold and the card of the feature extractors it was trained
on (folders, model types, versions; the ViViT seed). ``ICCCIRun.label_video`` takes one
video as one scene (as the paper's demo does): each clip of 3 shots gets its BERT, AST and
ViViT features, the clip sequence goes through the model, and every clip carries the
scene's probability of each label. A bare state dict of the authors' model (their
``.pth``) loads too, given the extractor folders.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.types import Clip, ClipLabel, Shot, TranscriptSegment
from hhikit.video.iccci_model import ICCCI_LABELS, ICCCIConfig, MultimodalLSTM

FORMAT = "hhikit-video-iccci/1"


def save_iccci_checkpoint(path: str | Path, model: MultimodalLSTM, features: dict[str, Any], *, optim: Any = None,
                          epoch: int = 0, history: dict[str, list] | None = None, threshold: float = 0.6,
                          extra: dict[str, Any] | None = None) -> None:  # fmt: skip
    from hhikit.io.atomic import atomic_write_bytes

    buf = io.BytesIO()
    torch.save({"format": FORMAT, "config": model.cfg.to_dict(), "model": model.state_dict(),
                "labels": list(ICCCI_LABELS), "threshold": float(threshold), "features": features,
                "optim": optim.state_dict() if optim is not None else None, "epoch": int(epoch),
                "history": history or {}, **(extra or {})}, buf)  # fmt: skip
    atomic_write_bytes(path, buf.getvalue())


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise ModelUnavailable(f"{p}: no such checkpoint (train one with `hhi train video`)")
    try:
        return torch.load(p, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ConfigError(f"{p}: not a readable checkpoint ({type(exc).__name__})") from None


def is_iccci(ck: dict[str, Any]) -> bool:
    """An hhikit ICCCI run, or a bare state dict of the authors' ``MultimodalLSTM``."""
    return ck.get("format") == FORMAT or "visual_lstm.weight_ih_l0" in ck


def model_from_state(state: dict[str, Any], where: str = "checkpoint") -> MultimodalLSTM:
    """The model sized from a state dict (input sizes, hidden size, labels); names must match."""
    try:
        cfg = ICCCIConfig(hidden_dim=int(state["visual_lstm.weight_hh_l0"].shape[1]),
                          num_labels=int(state["output_layer.weight"].shape[0]),
                          visual_dim=int(state["visual_lstm.weight_ih_l0"].shape[1]),
                          text_dim=int(state["text_lstm.weight_ih_l0"].shape[1]),
                          audio_dim=int(state["audio_lstm.weight_ih_l0"].shape[1]))  # fmt: skip
    except KeyError as exc:
        raise ConfigError(f"{where}: not an ICCCI MultimodalLSTM state dict (no {exc})") from None
    model = MultimodalLSTM(cfg)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ConfigError(f"{where}: state dict does not fit the ICCCI model: missing {list(missing)[:3]}, "
                          f"unexpected {list(unexpected)[:3]}")  # fmt: skip
    return model.eval()


class ICCCIRun:
    """A trained ICCCI model with its feature extractors (built lazily on first use)."""

    def __init__(self, path: str | Path, bert: str | None = None, ast: str | None = None,
                 vivit: str | None = None, threshold: float | None = None,
                 checkpoint: dict[str, Any] | None = None) -> None:  # fmt: skip
        """``checkpoint``: the contents of ``path`` when the caller has read them already."""
        ck = checkpoint if checkpoint is not None else read_checkpoint(path)
        if not is_iccci(ck):
            raise ConfigError(f"{path}: not an ICCCI checkpoint")
        bare = ck.get("format") != FORMAT
        self.path = str(path)
        self.model = model_from_state(ck if bare else ck["model"], str(path))
        self.labels = tuple(ck.get("labels", ICCCI_LABELS))
        self.card: dict[str, Any] = {} if bare else dict(ck.get("features", {}))
        if bare and not (bert and ast):
            raise ConfigError(f"{path}: a bare state dict needs the BERT and AST folders (--bert, --ast)")
        self.threshold = float(threshold if threshold is not None else ck.get("threshold", 0.6))
        self.overrides = {"bert": bert, "ast": ast, "vivit": vivit}
        self._extractors: Any = None

    @property
    def extractors(self) -> Any:
        if self._extractors is None:
            from hhikit.video.features import extractors_from_card

            self._extractors = extractors_from_card(self.card, self.overrides)
        return self._extractors

    def describe(self) -> dict[str, str]:
        """Which features the run uses, for the record (the paper's ViViT says it is random)."""
        card = self.extractors.card()
        vis = card["visual"]
        return {"text": f"BERT [CLS] ({card['text'].get('dir')})", "audio": f"AST mean ({card['audio'].get('dir')})",
                "visual": (f"paper ViViT, weights {vis['weights']}" if vis.get("kind") == "vivit-paper"
                           else f"ViViT [CLS] ({vis.get('dir')})")}  # fmt: skip

    @torch.inference_mode()
    def predict(self, visual: np.ndarray, text: np.ndarray, audio: np.ndarray) -> np.ndarray:
        """``(B, T, D)`` padded sequences -> per-label probabilities ``(B, L)``."""
        self.model.eval()
        t = [torch.from_numpy(np.ascontiguousarray(a, np.float32)) for a in (visual, text, audio)]
        return torch.sigmoid(self.model(*t)).numpy()

    def label_video(self, path: str, clips: list[Clip], shots: list[Shot], transcript: list[TranscriptSegment],
                    has_audio: bool) -> dict[str, float]:  # fmt: skip
        """Features of every clip, the scene's probabilities, and the clips' labels (each clip
        carries every label with the scene probability, best first). Returns the scene scores."""
        from hhikit.video.features import ClipInputs, clean_subtitle

        ex = self.extractors
        frames = _clip_frames(path, clips, shots, ex.visual)
        audio = _clip_audio(path, clips, getattr(ex.audio, "max_seconds", None)) if has_audio else {}
        feats = []
        for i, c in enumerate(clips):
            lines = [clean_subtitle(s.text) for s in transcript if s.end > c.start and s.start < c.end]
            feats.append(ex.encode(ClipInputs(lines=lines, audio=audio.get(i), frames=frames[i])))
        seq = {m: np.stack([f[m] for f in feats])[None] for m in ("visual", "text", "audio")}
        probs = self.predict(seq["visual"], seq["text"], seq["audio"])[0]
        scores = {lab: float(p) for lab, p in zip(self.labels, probs, strict=True)}
        order = sorted(scores, key=lambda k: -scores[k])
        for c in clips:
            c.labels = [ClipLabel(lab, scores[lab], [f"ICCCI scene probability {scores[lab]:.2f} "
                        f"({'above' if scores[lab] > self.threshold else 'below'} threshold {self.threshold:.2f})"])
                        for lab in order]  # fmt: skip
        return scores


def _clip_frames(path: str, clips: Sequence[Clip], shots: Sequence[Shot], visual: Any) -> list[list[np.ndarray]]:
    """One decoding pass: for every clip, its frames chosen as the paper's loader does over
    the clip's frame range (the frames of its shots), prepared by the visual extractor."""
    from hhikit.video.decode import iter_frames
    from hhikit.video.vivit import sample_indices

    want: dict[int, list[tuple[int, int]]] = {}
    for ci, c in enumerate(clips):
        a, b = shots[c.shots[0]].start_frame, shots[c.shots[-1]].end_frame
        for pos, k in enumerate(sample_indices(max(1, b - a), visual.num_frames)):
            want.setdefault(a + int(k), []).append((ci, pos))
    out: list[list[Any]] = [[None] * visual.num_frames for _ in clips]
    last = None
    for f in iter_frames(path):
        if f.index in want:
            img = visual.prepare(f.rgb())
            for ci, pos in want[f.index]:
                out[ci][pos] = img
        last = f
    if last is not None:  # frames counted by the shot detector but not decoded now: repeat the last one
        tail = visual.prepare(last.rgb())
        out = [[x if x is not None else tail for x in fr] for fr in out]
    return out


def _clip_audio(path: str, clips: Sequence[Clip], cap: float | None) -> dict[int, np.ndarray]:
    """One decoding pass: each clip's 16 kHz mono audio from its start, at most ``cap`` s."""
    from hhikit.errors import InputError
    from hhikit.video.decode import AUDIO_RATE, iter_audio

    spans = [(c.start, c.end if cap is None else min(c.end, c.start + cap)) for c in clips]
    parts: dict[int, list[np.ndarray]] = {i: [] for i in range(len(clips))}
    try:
        for start, block in iter_audio(path):
            end = start + len(block) / AUDIO_RATE
            for i, (a, b) in enumerate(spans):
                if b > start and a < end:
                    lo, hi = int(max(0.0, a - start) * AUDIO_RATE), int(min(end, b) * AUDIO_RATE - start * AUDIO_RATE)
                    parts[i].append(block[lo:hi])
            if end >= max(b for _, b in spans):
                break
    except InputError:
        return {}
    return {i: np.concatenate(p) for i, p in parts.items() if p}
