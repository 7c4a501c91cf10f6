from __future__ import annotations

import numpy as np
import torch

from hhikit.video.classifier import (
    FusionClassifier,
    collate,
    load_checkpoint,
    pos_weight,
    predict_labels,
    predict_proba,
    read_manifest,
    train_video,
)
from hhikit.video.labels import LABELS, ClipEvidence
from hhikit.video.synth import write_video
from tests.video.conftest import colour_frames, tone


def test_shapes_masks_and_pos_weight():
    m = FusionClassifier()
    items = [{"text": np.ones((3, 384), np.float32), "audio": np.ones((5, 6), np.float32), "visual": np.ones((1, 8), np.float32)},
             {"text": np.ones((1, 384), np.float32), "audio": np.ones((2, 6), np.float32), "visual": np.ones((4, 8), np.float32)}]  # fmt: skip
    b = collate(items)
    assert b["audio"].shape == (2, 5, 6) and b["audio_pad"][1].tolist() == [False, False, True, True, True]
    m.eval()
    with torch.no_grad():
        both = m(b)
        alone = m(collate(items[1:]))
    assert both.shape == (2, len(LABELS)) and torch.allclose(both[1], alone[0], atol=1e-5)  # padding is ignored
    y = np.array([[1, 0], [0, 0], [1, 0], [0, 0]], np.float32)
    assert pos_weight(y).tolist() == [1.0, 1.0]
    y[1, 0] = 0
    y[3, 1] = 1
    assert pos_weight(y).tolist() == [1.0, 3.0]


def test_train_loss_goes_down_resume_and_reload(video_pipeline, tmp_path):
    # a tiny labelled set: loud tone clips "yells at", quiet silent clips "no_interaction", made here
    rows = ["clip,labels"]
    for i in range(4):
        loud = i % 2 == 0
        audio = [tone(2.0, 180 + 40 * i, 0.5 if loud else 0.0005)]
        write_video(tmp_path / f"c{i}.mp4", colour_frames(50, seed=i), fps=25, audio=audio)
        rows.append(f"c{i}.mp4,{'yells at;talks to' if loud else 'no_interaction'}")
    rows.append("missing.mp4,watches")
    (tmp_path / "clips.csv").write_text("\n".join(rows) + "\n")
    assert len(read_manifest(tmp_path / "clips.csv")) == 5
    out = tmp_path / "run"
    res = train_video(tmp_path / "clips.csv", out, video_pipeline, epochs=6, batch_size=2, lr=3e-3, log=lambda s: None)
    h = res["history"]
    assert len(h) == 6 and h[-1] < h[0] and len(res["skipped"]) == 1
    assert len(list((out / "features").glob("*.npz"))) == 4  # features cached for resume
    # resume continues from the checkpoint's epoch
    res2 = train_video(tmp_path / "clips.csv", out, video_pipeline, epochs=8, batch_size=2, lr=3e-3, log=lambda s: None)
    assert len(res2["history"]) == 8 and res2["history"][:6] == h
    # a reloaded checkpoint gives identical outputs
    m1 = load_checkpoint(out / "last.pt")
    m2 = load_checkpoint(out / "last.pt")
    ev = video_pipeline.clip_evidence(tmp_path / "c0.mp4")
    from hhikit.video.classifier import evidence_arrays

    p1 = predict_proba(m1, [evidence_arrays(ev)])
    p2 = predict_proba(m2, [evidence_arrays(ev)])
    assert np.array_equal(p1, p2)
    labs = predict_labels(m1, [ev, ClipEvidence(0, 1)], threshold=0.6)
    assert len(labs) == 2 and all(x and x[0].cues for x in labs)
