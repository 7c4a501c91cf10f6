"""The video interaction labels and the zero-shot labeller used when no trained fusion
classifier is given.

The zero-shot labeller scores each label from what the packaged models give: transcript
meaning (MiniLM against label descriptions), speech presence and loudness, and track
geometry over time. Every label carries its score and the cues (strings) behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hhikit.types import ClipLabel

LABELS: list[str] = ["asks", "gives to", "talks to", "walks with", "watches", "yells at", "no_interaction"]

# Label descriptions for transcript meaning; several phrasings per label, the best counts.
DESCRIPTIONS: dict[str, list[str]] = {
    "asks": ["Can you tell me? What do you want? Where are you going? Why?", "someone asks another person a question"],
    "gives to": ["Here, take this. This is for you.", "someone hands something over to another person"],
    "talks to": ["two people have a conversation and talk to each other", "I think so. Yes, you know, well."],
    "walks with": ["let's go, come with me, walk with me", "two people walk together side by side"],
    "watches": ["look at that, watch this, I saw you", "someone quietly watches another person"],
    "yells at": ["Shut up! Get out! I hate you! Stop it!", "someone shouts angrily at another person"],
    "no_interaction": ["music playing", "nobody is talking to anyone"],
}

# The same labels in the HHI free-text vocabulary (``_ <verb> _``) used by image records.
HHI_TEXT: dict[str, str] = {
    "asks": "_ asking _",
    "gives to": "_ giving something to _",
    "talks to": "_ talking to _",
    "walks with": "_ walking with _",
    "watches": "_ watching _",
    "yells at": "_ yelling at _",
    "no_interaction": "no interaction",
}


@dataclass
class ClipEvidence:
    """What the feature extractors found in one clip (input of both labellers)."""

    start: float
    end: float
    transcript: str = ""
    text_similarity: dict[str, float] = field(default_factory=dict)
    audio: dict[str, float] | None = None
    people_max: int = 0
    people_mean: float = 0.0
    visual_available: bool = False
    visual_note: str = ""
    pairs: list[Any] = field(default_factory=list)  # PairFeatures
    # sequences for the fusion classifier
    text_seq: np.ndarray | None = None
    audio_seq: np.ndarray | None = None
    visual_seq: np.ndarray | None = None


def _sig(x: float, centre: float, width: float) -> float:
    return float(1.0 / (1.0 + np.exp(-(x - centre) / max(width, 1e-6))))


class ZeroShotLabeller:
    """Scores every label in [0, 1] with cues; ``min_score`` decides which are reported
    (the best label is always reported)."""

    def __init__(self, min_score: float = 0.4, loud_db: float = -16.0) -> None:
        self.min_score = min_score
        self.loud_db = loud_db
        self._desc: dict[str, np.ndarray] | None = None

    def description_vectors(self, encoder: Any) -> dict[str, np.ndarray]:
        if self._desc is None:
            self._desc = {lab: encoder.encode(DESCRIPTIONS[lab]) for lab in LABELS}
        return self._desc

    def text_similarity(self, encoder: Any, vec: np.ndarray) -> dict[str, float]:
        if not np.any(vec):
            return {}
        desc = self.description_vectors(encoder)
        return {lab: float(np.max(desc[lab] @ vec)) for lab in LABELS}

    def label(self, ev: ClipEvidence) -> list[ClipLabel]:
        s: dict[str, float] = {}
        cues: dict[str, list[str]] = {lab: [] for lab in LABELS}
        a = ev.audio or {}
        speech = float(a.get("speech_ratio", 0.0))
        words = len(ev.transcript.split())
        sim = ev.text_similarity
        # relative text meaning: how much a label's description beats the average one
        rel = {}
        if sim:
            mean = float(np.mean(list(sim.values())))
            rel = {lab: sim[lab] - mean for lab in LABELS}
        two = ev.people_max >= 2
        vis = ev.visual_available

        def text_cue(lab: str) -> float:
            if lab not in rel:
                return 0.0
            v = _sig(rel[lab], 0.05, 0.04)
            if v > 0.5:
                cues[lab].append(f"transcript matches '{lab}' (similarity {sim[lab]:.2f})")
            return v

        # talks to: speech, words, and (when seen) at least two people
        talk = 0.45 * min(1.0, speech * 2.5) + 0.25 * min(1.0, words / 12) + 0.15 * text_cue("talks to")
        talk += 0.15 if (two or not vis) else 0.0
        if speech > 0.05:
            cues["talks to"].append(f"speech in {speech:.0%} of the clip")
        if words:
            cues["talks to"].append(f"{words} words transcribed")
        if two:
            cues["talks to"].append(f"{ev.people_max} people visible")
        s["talks to"] = talk

        # asks: question marks and question-like wording
        q = ev.transcript.count("?")
        asks = 0.5 * min(1.0, q / 2) + 0.3 * text_cue("asks") + 0.2 * min(1.0, speech * 2.5)
        if q:
            cues["asks"].append(f"{q} question(s) in the transcript")
        s["asks"] = asks

        # yells at: loud, high or strongly varying pitch during speech, exclamations
        loud = float(a.get("speech_rms_db", -120.0))
        pitch = float(a.get("pitch_mean", 0.0))
        pstd = float(a.get("pitch_std", 0.0))
        excl = ev.transcript.count("!")
        loud_s = _sig(loud, self.loud_db, 3.0) if speech > 0.05 else 0.0
        yell = (
            0.5 * loud_s
            + 0.15 * _sig(pitch, 260, 30) * (speech > 0.05)
            + 0.15 * min(1.0, excl / 2)
            + 0.2 * text_cue("yells at")
        )
        if speech > 0.05:
            cues["yells at"].append(
                f"speech loudness {loud:.1f} dB (loud from {self.loud_db:.0f} dB), pitch {pitch:.0f}±{pstd:.0f} Hz"
            )
        if excl:
            cues["yells at"].append(f"{excl} exclamation(s)")
        s["yells at"] = yell

        # visual labels from pair features
        best_walk = best_give = best_watch = 0.0
        for p in ev.pairs:
            moving = min(p.speed_a, p.speed_b)
            walk = (
                p.side_by_side
                * _sig(moving, 0.12, 0.05)
                * _sig(p.motion_alignment, 0.5, 0.15)
                * _sig(-abs(p.distance_trend), -0.3, 0.1)
            )
            if walk > best_walk:
                best_walk = walk
                cues["walks with"] = [f"tracks #{p.a} and #{p.b} move side by side (speeds {p.speed_a:.2f}, {p.speed_b:.2f} heights/s, "
                                      f"alignment {p.motion_alignment:.2f}, distance {p.distance:.2f} heights)"]  # fmt: skip
            give = max(p.hands_meet, 0.5 * p.hands_near) * _sig(-p.distance, -1.5, 0.3)
            if give > best_give:
                best_give = give
                cues["gives to"] = [f"hands of #{p.a} and #{p.b} meet in {p.hands_meet:.0%} of samples "
                                    f"(a hand near the other in {p.hands_near:.0%}; no object detector in this pipeline)"]  # fmt: skip
            acts_b, acts_a = p.speed_b - p.speed_a, p.speed_a - p.speed_b
            watch = max(p.a_faces_b * _sig(acts_b, 0.05, 0.05), p.b_faces_a * _sig(acts_a, 0.05, 0.05))
            if watch > best_watch:
                best_watch = watch
                who, other = (p.a, p.b) if p.a_faces_b * acts_b >= p.b_faces_a * acts_a else (p.b, p.a)
                cues["watches"] = [
                    f"#{who} faces #{other} in {max(p.a_faces_b, p.b_faces_a):.0%} of samples while #{other} moves more"
                ]
        s["walks with"] = 0.8 * best_walk + 0.2 * text_cue("walks with")
        s["gives to"] = 0.7 * best_give + 0.3 * text_cue("gives to")
        quiet = 1.0 - min(1.0, speech * 3)
        s["watches"] = 0.6 * best_watch + 0.25 * (quiet if two else 0.0) + 0.15 * text_cue("watches")
        if two and quiet > 0.5:
            cues["watches"].append(f"{ev.people_max} people on screen with little speech")
        if not vis:
            note = ev.visual_note or "no person detector"
            for lab in ("walks with", "gives to", "watches"):
                cues[lab].append(f"visual evidence unavailable: {note}")

        top = max(s.values()) if s else 0.0
        nothing = 1.0 - top
        if vis and ev.people_max < 2 and speech < 0.05:
            nothing = max(nothing, 0.8)
            cues["no_interaction"].append(f"{ev.people_max} person(s) visible and no speech")
        elif not cues["no_interaction"]:
            cues["no_interaction"].append(f"strongest interaction cue only {top:.2f}")
        s["no_interaction"] = nothing

        labs = [ClipLabel(lab, float(np.clip(s[lab], 0, 1)), cues[lab]) for lab in LABELS]
        labs.sort(key=lambda x: -x.score)
        keep = [lab for lab in labs if lab.score >= self.min_score] or labs[:1]
        return keep
