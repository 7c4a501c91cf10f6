from __future__ import annotations

import pytest

from hhikit.video.labels import LABELS, ClipEvidence, ZeroShotLabeller
from hhikit.video.text import TextEncoder
from hhikit.video.tracking import PairFeatures


@pytest.fixture(scope="module")
def enc():
    return TextEncoder()


def pair(**kw):
    base = dict(a=0, b=1, samples=8, distance=1.0, distance_trend=0.0, speed_a=0.0, speed_b=0.0, motion_alignment=0.0,
                side_by_side=0.0, hands_near=0.0, hands_meet=0.0, a_faces_b=0.0, b_faces_a=0.0)  # fmt: skip
    base.update(kw)
    return PairFeatures(**base)


def ev(enc, lab, text="", speech=0.0, loud=-30.0, pitch=150.0, people=2, pairs=()):
    z = ClipEvidence(0, 10, transcript=text, audio={"speech_ratio": speech, "speech_rms_db": loud, "pitch_mean": pitch,
                                                   "pitch_std": 20.0, "rms_db": loud}, people_max=people,
                     visual_available=True, pairs=list(pairs))  # fmt: skip
    if text:
        z.text_similarity = lab.text_similarity(enc, enc.encode([text])[0])
    return z


def top(labels):
    return labels[0].label


def test_each_cue_drives_its_label(enc):
    lab = ZeroShotLabeller()
    assert top(lab.label(ev(enc, lab, "Where are you going? Why did you do that?", speech=0.6))) == "asks"
    yell = lab.label(ev(enc, lab, "Get out! Shut up! I hate you!", speech=0.7, loud=-8.0, pitch=320.0))
    assert top(yell) == "yells at" and any("loudness" in c for c in yell[0].cues)
    walk = lab.label(ev(enc, lab, pairs=[pair(speed_a=0.5, speed_b=0.5, motion_alignment=0.98, side_by_side=1.0)]))
    assert top(walk) == "walks with" and "side by side" in walk[0].cues[0]
    give = lab.label(ev(enc, lab, pairs=[pair(hands_meet=0.8, hands_near=0.8, distance=0.8)]))
    assert top(give) == "gives to"
    watch = lab.label(ev(enc, lab, pairs=[pair(a_faces_b=1.0, speed_b=0.4)]))
    assert top(watch) == "watches"
    talk = lab.label(ev(enc, lab, "Well, I think we should have dinner at home tonight, you know.", speech=0.8))
    assert top(talk) == "talks to"
    alone = lab.label(ev(enc, lab, people=1))
    assert top(alone) == "no_interaction"
    for labels in (yell, walk, give, watch, talk, alone):
        assert all(x.label in LABELS and 0 <= x.score <= 1 and x.cues for x in labels)
