from __future__ import annotations

import numpy as np
import pytest

from hhikit.errors import InputError
from hhikit.video.scenes import (
    ClipItem,
    build_scenes,
    group_scenes,
    label_counts,
    pos_weight_from_counts,
    read_iccci_split,
    read_scene_manifest,
    scene_id,
    split_scenes,
)


def test_scene_id_is_the_first_two_dash_parts_of_the_file_name():
    assert scene_id("Memphis-12-3.mp4") == "Memphis-12"
    assert scene_id("/data/clip_train/a/b/SuperHero-2-10.mp4") == "SuperHero-2"
    assert scene_id("sophie-7.mp4") == "sophie-7.mp4"  # two parts: the paper keeps the extension


def _items() -> list[ClipItem]:
    rows = [("A-1-2", ("asks",)), ("A-1-10", ("talks to",)), ("B-7-1", ("watches",)), ("A-1-1", ("asks",)),
            ("C-3-1", ("no_interaction",))]  # fmt: skip
    return [ClipItem(n, f"{n}.mp4", labels=labs, scene=scene_id(f"{n}.mp4")) for n, labs in rows]


def test_grouping_or_labels_and_zero_padding_to_the_longest_scene():
    groups = group_scenes(_items())
    assert list(groups) == ["A-1", "B-7", "C-3"]
    assert [c.name for c in groups["A-1"]] == ["A-1-1", "A-1-2", "A-1-10"]  # natural order
    feats = {it.name: {"visual": np.full(4, i + 1.0), "text": np.full(3, i + 1.0), "audio": np.full(2, i + 1.0)}
             for i, it in enumerate(_items())}  # fmt: skip
    s = build_scenes(groups, feats)
    assert s.visual.shape == (3, 3, 4) and s.text.shape == (3, 3, 3) and s.audio.shape == (3, 3, 2)
    assert s.lengths == [3, 1, 1]
    assert s.visual[0, :, 0].tolist() == [4.0, 1.0, 2.0]  # A-1-1, A-1-2, A-1-10
    assert s.visual[1, :, 0].tolist() == [3.0, 0.0, 0.0]  # zero padding after B-7-1
    # labels: asks, gives to, talks to, walks with, watches, yells at, no_interaction
    assert s.labels.tolist() == [[1, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1]]
    # a clip without features is left out of its scene
    del feats["A-1-10"]
    assert build_scenes(groups, feats).labels[0].tolist() == [1, 0, 0, 0, 0, 0, 0]


def test_split_is_random_split_with_a_seed():
    import torch
    from torch.utils.data import random_split

    tr, va = split_scenes(509, 0.78, seed=3)
    assert len(tr) == 397 and len(va) == 112  # the paper's 397 / 112 scenes
    a, b = random_split(range(509), [397, 112], generator=torch.Generator().manual_seed(3))
    assert tr == list(a.indices) and va == list(b.indices)
    assert split_scenes(509, 0.78, seed=4) != (tr, va)


def test_pos_weight_is_negatives_over_positives_of_clip_counts():
    # the paper's training counts give its printed weights
    counts = np.array([7303, 928, 109, 2596, 187, 358, 166, 2959])
    w = pos_weight_from_counts(counts)
    assert np.allclose(w, [6.8696, 66.0, 1.8132, 38.0535, 19.3994, 42.9940, 1.4681], atol=1e-4)
    c = label_counts([("asks",), ("asks", "watches"), ("no_interaction",)])
    assert c.tolist() == [3, 2, 0, 0, 0, 1, 0, 1]
    assert pos_weight_from_counts(c).tolist() == [0.5, 1.0, 1.0, 1.0, 2.0, 1.0, 2.0]


def test_paper_layout_reader(iccci_data):
    items, warns, counts = read_iccci_split(iccci_data, "train")
    assert len(items) == 19  # 20 clips, one without its subtitle
    assert any("Film0-9-2" in w and "missing subtitle" in w for w in warns)
    assert counts[0] == 20  # pos_weight counts every label row, as the paper's notebook
    it = next(i for i in items if i.name == "Film1-4-2")
    assert it.scene == "Film1-4" and it.labels == ("no_interaction",)  # ICCCI_LABELS[(4 + 2) % 7]
    assert it.subtitle.endswith("dialogue_train/main0/sub1/Film1-4-2.srt")
    assert it.audio.endswith("audio_train/main0/sub1/Film1-4-2.mp3")
    with pytest.raises(InputError, match="clip_nope"):
        read_iccci_split(iccci_data, "nope")


def test_scene_manifest(tmp_path):
    (tmp_path / "a-1-1.mp4").write_bytes(b"")
    (tmp_path / "a-1-1.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    (tmp_path / "m.csv").write_text("clip,scene,labels\na-1-1.mp4,,asks;watches\nb.mp4,s2,talks to\nc.mp4,s3,hugs\n")
    items, warns, _ = read_scene_manifest(tmp_path / "m.csv")
    assert [(i.name, i.scene, i.labels) for i in items] == [("a-1-1", "a-1", ("asks", "watches")),
                                                             ("b", "s2", ("talks to",))]  # fmt: skip
    assert items[0].subtitle == str(tmp_path / "a-1-1.srt") and items[1].subtitle is None
    assert len(warns) == 1 and "hugs" in warns[0] and "m.csv:4" in warns[0]
    (tmp_path / "bad.csv").write_text("video,labels\nx.mp4,asks\n")
    with pytest.raises(InputError, match="bad.csv: a scene manifest needs"):
        read_scene_manifest(tmp_path / "bad.csv")


def test_label_files_every_row_counts_a_later_row_wins(tmp_path):
    from hhikit.video.scenes import read_label_csvs

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.csv").write_text("Clip,Interaction\nA-1-1,asks\nA-1-2,hugs\n")
    (tmp_path / "a" / "y.csv").write_text("Clip,Interaction\nA-1-1,watches\n")
    labels, warns, rows = read_label_csvs(tmp_path)
    assert labels == {"A-1-1": ("watches",)}
    assert rows == [("asks",), ("watches",)] and label_counts(rows).tolist() == [2, 1, 0, 0, 0, 1, 0, 0]
    assert len(warns) == 1 and "x.csv:3" in warns[0] and "hugs" in warns[0]
    (tmp_path / "a" / "z.csv").write_text("clip;label\n")
    with pytest.raises(InputError, match="z.csv: a label file needs the columns Clip,Interaction"):
        read_label_csvs(tmp_path)


def test_clip_inputs_prepares_only_the_sampled_frames(tmp_path):
    from types import SimpleNamespace

    from hhikit.video.scenes import ClipItem, clip_inputs
    from hhikit.video.synth import write_video
    from hhikit.video.vivit import sample_indices

    path = write_video(tmp_path / "v.mp4", [np.full((32, 48, 3), 12 * i, np.uint8) for i in range(20)], fps=10)
    calls = []

    class Vis:
        num_frames = 4

        def prepare(self, rgb):
            calls.append(1)
            return round(float(rgb[..., 0].mean()) / 12)  # the frame's index back

    ex = SimpleNamespace(audio=SimpleNamespace(max_seconds=1.0), visual=Vis())
    got = clip_inputs(ClipItem("v", str(path)), ex)
    assert got.frames == sample_indices(20, 4).tolist() and len(calls) == 4  # not one per decoded frame


def test_a_damaged_feature_cache_entry_is_recomputed(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from hhikit.video import scenes

    feats = {m: np.ones(3, np.float32) for m in scenes.MODALITIES}
    ex = SimpleNamespace(card=lambda: {"k": 1}, encode=lambda _inputs: feats)
    monkeypatch.setattr(scenes, "clip_inputs", lambda item, extractors: None)
    item = scenes.ClipItem("c", str(tmp_path / "c.mp4"))
    scenes.clip_features(item, ex, tmp_path)
    (entry,) = tmp_path.glob("*.npz")
    for damage in (b"", entry.read_bytes()[:40]):  # empty (EOFError), truncated zip (BadZipFile)
        entry.write_bytes(damage)
        out = scenes.clip_features(item, ex, tmp_path)
        assert all(np.array_equal(out[m], feats[m]) for m in scenes.MODALITIES) and len(out) == 3
