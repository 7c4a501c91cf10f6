"""The video pipeline: decode (streamed) -> shots -> clips -> per clip: transcript, audio
and visual evidence -> labels (fusion classifier when trained weights are given, the
zero-shot labeller otherwise) -> ``VideoResult``.

``VideoPipeline`` loads its models once; ``analyze(path)`` never raises for a bad input:
it returns a record with ``error`` set. The CLI, batch runner and web demo all call it.
"""

from __future__ import annotations

import threading
import time
from array import array
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import HHIError, InputError, error_record
from hhikit.options import check_fields, opt
from hhikit.types import Clip, Person, TranscriptSegment, VideoResult
from hhikit.video.audio import AudioAnalyzer, AudioFrames, describe_audio
from hhikit.video.clips import make_clips
from hhikit.video.decode import iter_audio, iter_frames, probe
from hhikit.video.labels import ClipEvidence, ZeroShotLabeller
from hhikit.video.shots import get_shot_detector, shots_from_cuts
from hhikit.video.tracking import VISUAL_DIM, IoUTracker, Observation, frame_vector, pair_features


@dataclass
class VideoConfig:
    """Options of the video pipeline: the single source of the options of ``hhi video``, of
    the ``--video-*`` options of ``hhi batch`` and of what reaches the workers (``hhikit.options``)."""

    shot_detector: str = opt("transnetv2", flag="--shots", help="shot detector: transnetv2 or adaptive")
    shot_options: dict[str, Any] = opt({}, help="option of the shot detector, e.g. gate=false")
    clip_shots: int = opt(3, bounds=(1, None), help="shots per clip")
    clip_stride: int = opt(1, bounds=(1, None), help="shots between clip starts")
    sample_fps: float = opt(1.0, bounds=(0.001, None), help="frames per second given to the person detector")
    detect_max_side: int = opt(640, bounds=(32, None), help="longest side of a frame given to the person detector")
    visual: bool = opt(True, help="people detection and tracking")
    detector: str | None = opt(None, help="person detector backend (default: the default detector)")
    detector_options: dict[str, Any] = opt({}, help="option of the person detector, e.g. pose33=true")
    asr: bool = opt(True, help="speech recognition")
    asr_model_dir: str | None = opt(
        None, flag="--whisper-dir", help="a local CTranslate2 Whisper folder (default: whisper-tiny.en)"
    )
    beam_size: int = opt(1, bounds=(1, None), help="beam size of speech recognition")
    weights: str | None = opt(None, help="a trained checkpoint from `hhi train video` (hhikit or ICCCI model)")
    threshold: float = opt(0.6, bounds=(0.0, 1.0), help="classifier decision threshold")
    bert_dir: str | None = opt(None, help="ICCCI runs: the BERT folder, when not where the run says")
    ast_dir: str | None = opt(None, help="ICCCI runs: the AST folder, when not where the run says")
    vivit_dir: str | None = opt(None, help="ICCCI runs: the pretrained ViViT folder, when not where the run says")
    min_score: float = opt(0.4, bounds=(0.0, 1.0), help="zero-shot labeller: lowest label score kept")
    parallel: bool = opt(True, help="audio and speech in a thread beside the video pass")


@dataclass
class Sample:
    """People tracked in one sampled frame."""

    time: float
    frame: int
    people: list[Observation]


@dataclass
class Analysis:
    """Everything the passes over one video produce before labelling (kept small: per-frame
    numbers and per-sample boxes, never images)."""

    result: VideoResult
    samples: list[Sample]
    audio: AudioFrames
    evidence: list[ClipEvidence]
    warnings: list[str]


class VideoPipeline:
    """Build once, call ``analyze`` many times."""

    def __init__(self, config: VideoConfig | None = None, **overrides: Any) -> None:
        self.config = config or VideoConfig(**overrides)
        check_fields(self.config)
        c = self.config
        self.unavailable: dict[str, str] = {}
        self.shots = get_shot_detector(c.shot_detector, **c.shot_options)
        self.audio = AudioAnalyzer()
        from hhikit.video.text import TextEncoder

        self.text = TextEncoder()
        self.asr = None
        if c.asr:
            from hhikit.video.asr import get_asr

            opts: dict[str, Any] = {"beam_size": c.beam_size}
            if c.asr_model_dir:
                opts["model_dir"] = c.asr_model_dir
            self.asr = get_asr(None, **opts)
        self.detector = None
        if c.visual:
            try:
                from hhikit.perception.base import get_detector

                self.detector = get_detector(c.detector, **c.detector_options)
            except HHIError as exc:
                self.unavailable["people"] = str(exc)
        from hhikit.video.models import optional_models

        self.unavailable.update(optional_models())
        self.labeller = ZeroShotLabeller(min_score=c.min_score)
        self.classifier = None
        self.iccci = None
        if c.weights:
            from hhikit.video.iccci import ICCCIRun, is_iccci, read_checkpoint

            ck = read_checkpoint(c.weights)
            if is_iccci(ck):  # read once (a run's last.pt carries the optimiser state too)
                self.iccci = ICCCIRun(
                    c.weights, c.bert_dir, c.ast_dir, c.vivit_dir, threshold=c.threshold, checkpoint=ck
                )
                _ = self.iccci.extractors  # load BERT, AST and ViViT now: a missing folder stops here
            else:
                from hhikit.video.classifier import load_checkpoint

                self.classifier = load_checkpoint(c.weights)

    # ---------------------------------------------------------------- passes

    def _video_pass(self, path: str, fps: float, timings: dict[str, float]) -> tuple[list[int], array, list[Sample]]:
        c = self.config
        tracker = IoUTracker()
        times = array("d")
        samples: list[Sample] = []
        next_t = 0.0
        step = 1.0 / c.sample_fps if c.sample_fps > 0 else float("inf")
        self.shots.reset()
        t_shots = t_people = 0.0
        t0 = time.perf_counter()
        for f in iter_frames(path):
            times.append(f.time)
            a = time.perf_counter()
            self.shots.update(f)
            t_shots += time.perf_counter() - a
            if self.detector is not None and f.time + 1e-6 >= next_t:
                next_t = f.time + step
                a = time.perf_counter()
                samples.append(Sample(f.time, f.index, self._people(f, tracker)))
                t_people += time.perf_counter() - a
        a = time.perf_counter()
        cuts = self.shots.finish()
        t_shots += time.perf_counter() - a
        total = time.perf_counter() - t0
        timings["decode"] = total - t_shots - t_people
        timings["shots"] = t_shots
        timings["people"] = t_people
        return cuts, times, samples

    def _people(self, frame: Any, tracker: IoUTracker) -> list[Observation]:
        img = frame.rgb(self.config.detect_max_side)
        w, _ = frame.size
        s = w / img.shape[1]
        people: list[Person] = self.detector.detect(img)
        for p in people:
            p.box = p.box * s
            if p.keypoints is not None:
                p.keypoints[:, :2] *= s
        ids = tracker.update(people)
        return [
            Observation(tid, frame.time, frame.index, p.box, p.keypoints, float(p.score))
            for tid, p in zip(ids, people, strict=True)
        ]

    def _audio_pass(self, path: str, out: dict[str, Any]) -> None:
        t_audio = t_asr = 0.0
        segs: list[TranscriptSegment] = []
        try:
            t0 = time.perf_counter()

            def blocks():
                nonlocal t_audio
                for start, samples in iter_audio(path):
                    a = time.perf_counter()
                    self.audio.update(start, samples)
                    t_audio += time.perf_counter() - a
                    yield start, samples

            self.audio.reset()
            if self.asr is not None:
                from hhikit.video.asr import transcribe_stream

                segs = list(transcribe_stream(self.asr, blocks()))
            else:
                for _ in blocks():
                    pass
            frames = self.audio.finish()
            t_asr = time.perf_counter() - t0 - t_audio
            out.update(frames=frames, segments=segs, t_audio=t_audio, t_asr=t_asr)
        except BaseException as exc:  # handed to the caller's thread
            out["error"] = exc

    # ---------------------------------------------------------------- public

    def analyze(self, path: str | Path) -> VideoResult:
        """Analyse one video file; any failure gives a record with ``error`` set (the one
        error policy, ``hhikit.errors.error_record``)."""
        try:
            return self.analyze_full(path).result
        except Exception as exc:
            return VideoResult(path=str(path), error=error_record(exc, path))

    def analyze_full(self, path: str | Path, clip_shots: int | None = None) -> Analysis:
        """Like ``analyze`` but raising, and returning the intermediate evidence too;
        ``clip_shots`` overrides the config's for this call only."""
        path = str(path)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        info = probe(path)
        timings["probe"] = time.perf_counter() - t0
        warnings: list[str] = []
        audio_out: dict[str, Any] = {}
        thread = None
        if info.has_audio:
            if self.config.parallel:
                thread = threading.Thread(target=self._audio_pass, args=(path, audio_out), daemon=True)
                thread.start()
        else:
            warnings.append(f"{path}: no audio track; no transcript or audio evidence")
        cuts, times, samples = self._video_pass(path, info.fps, timings)
        if info.has_audio:
            if thread is not None:
                thread.join()
            else:
                self._audio_pass(path, audio_out)
            if "error" in audio_out:
                err = audio_out["error"]
                if not isinstance(err, HHIError):
                    raise err
                warnings.append(str(err))
        timings["audio"] = audio_out.get("t_audio", 0.0)
        timings["asr"] = audio_out.get("t_asr", 0.0)
        if not len(times):
            raise InputError(f"{path}: the video track holds no decodable frame (zero length)")
        duration = max(info.duration, times[-1])
        shots = shots_from_cuts(cuts, times, duration)
        clips = make_clips(shots, clip_shots or self.config.clip_shots, self.config.clip_stride)
        transcript: list[TranscriptSegment] = audio_out.get("segments", [])
        frames: AudioFrames = audio_out.get("frames", AudioFrames())
        a = time.perf_counter()
        evidence = [self._evidence(clip, shots, transcript, frames, samples, info.has_audio) for clip in clips]
        timings["features"] = time.perf_counter() - a
        a = time.perf_counter()
        scene = None
        if self.iccci is not None:  # the paper's model: the video is one scene of clips
            scene = self.iccci.label_video(path, clips, shots, transcript, info.has_audio)
        else:
            self._label(clips, evidence)
        timings["labels"] = time.perf_counter() - a
        timings["total"] = time.perf_counter() - t0
        result = VideoResult(
            path=path, duration=duration, fps=info.fps, shots=shots, clips=clips, transcript=transcript, timings=timings,
        )  # fmt: skip
        result.extra["width"], result.extra["height"] = info.width, info.height
        result.extra["labeller"] = (
            "iccci" if scene is not None else "fusion-classifier" if self.classifier is not None else "zero-shot"
        )
        if scene is not None:
            result.extra["scene_labels"] = {k: round(v, 6) for k, v in scene.items()}
            result.extra["scene_predicted"] = [k for k, v in scene.items() if v > self.iccci.threshold]
            result.extra["iccci_features"] = self.iccci.describe()
        if warnings:
            result.extra["warnings"] = warnings
        if self.unavailable:
            result.extra["unavailable"] = dict(self.unavailable)
        return Analysis(result, samples, frames, evidence, warnings)

    def clip_evidence(self, path: str | Path) -> ClipEvidence:
        """Evidence of a whole video file taken as one clip (training data of the classifier)."""
        return self.analyze_full(path, clip_shots=1 << 30).evidence[0]  # self.config is never changed

    # ---------------------------------------------------------------- per clip

    def _evidence(self, clip: Clip, shots: list, transcript: list[TranscriptSegment], frames: AudioFrames,
                  samples: list[Sample], has_audio: bool) -> ClipEvidence:  # fmt: skip
        segs = [s for s in transcript if s.end > clip.start and s.start < clip.end]
        clip.transcript = " ".join(s.text for s in segs)
        ev = ClipEvidence(start=clip.start, end=clip.end, transcript=clip.transcript)
        vecs = self.text.encode([s.text for s in segs] or [""])
        ev.text_seq = vecs
        if clip.transcript:
            ev.text_similarity = self.labeller.text_similarity(self.text, self.text.encode([clip.transcript])[0])
        if has_audio:
            win = frames.window(clip.start, clip.end)
            ev.audio = win.summary()
            ev.audio_seq = win.sequence()
        ev.visual_available = self.detector is not None
        ev.visual_note = self.unavailable.get("people", "")
        inside = [s for s in samples if clip.start <= s.time < clip.end]
        ev.visual_seq = np.array([frame_vector(s.people) for s in inside], dtype=np.float32).reshape(-1, VISUAL_DIM)
        if inside:
            counts = [len(s.people) for s in inside]
            ev.people_max, ev.people_mean = max(counts), float(np.mean(counts))
        # tracks per shot (a cut ends every identity)
        bounds = [shots[i] for i in clip.shots]
        tracks: dict[tuple[int, int], list[Observation]] = defaultdict(list)
        for s in inside:
            k = next((i for i, sh in enumerate(bounds) if sh.start_frame <= s.frame < sh.end_frame), 0)
            for o in s.people:
                tracks[(k, o.track)].append(o)
        keys = sorted(tracks)
        for i, ka in enumerate(keys):
            for kb in keys[i + 1 :]:
                if ka[0] != kb[0]:
                    continue
                pf = pair_features(tracks[ka], tracks[kb])
                if pf is not None and pf.samples >= 1:
                    ev.pairs.append(pf)
        clip.pairs = sorted(ev.pairs, key=lambda p: p.distance)[:6]
        return ev

    def _label(self, clips: list[Clip], evidence: list[ClipEvidence]) -> None:
        if self.classifier is not None:
            from hhikit.video.classifier import predict_labels

            for clip, ev, labs in zip(
                clips, evidence, predict_labels(self.classifier, evidence, self.config.threshold), strict=True
            ):
                clip.labels = labs
                if ev.audio:
                    for lab in labs:
                        lab.cues.append("audio: " + describe_audio(ev.audio))
            return
        for clip, ev in zip(clips, evidence, strict=True):
            clip.labels = self.labeller.label(ev)
