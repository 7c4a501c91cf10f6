"""HOI triplets in the image record: scoring, JSON, drawing, export rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hhikit.hoi.data import COCO80, COCO80_INDEX  # noqa: E402
from hhikit.hoi.image import detect_hois, hoi_rows  # noqa: E402
from hhikit.hoi.spatial import HOISpatialModel, build_spatial_net  # noqa: E402
from hhikit.pairs.features import BOX_FEATURES  # noqa: E402
from hhikit.types import HOI, DetectedObject, ImageResult, Person, dumps, loads  # noqa: E402


def tiny_model(classes: list[str] | None = None, dataset: str = "vcoco", seed: int = 0) -> HOISpatialModel:
    torch.manual_seed(seed)
    classes = classes or ["hold obj", "kick obj", "ski instr"]
    net = build_spatial_net(len(classes), len(COCO80) + len(BOX_FEATURES), width=8)
    nf = len(BOX_FEATURES)
    return HOISpatialModel(net, dataset, classes, np.zeros(nf), np.ones(nf), 8, meta={"pose": False})


def _scene() -> tuple[list[Person], list[DetectedObject]]:
    people = [Person(id=0, box=[10, 10, 110, 300], score=0.9), Person(id=1, box=[300, 20, 400, 310], score=0.8)]
    objects = [DetectedObject("sports ball", [60, 260, 100, 300], 0.7), DetectedObject("person", [0, 0, 5, 5], 0.9),
               DetectedObject("skis", [250, 300, 450, 320], 0.6)]  # fmt: skip
    return people, objects


def test_every_person_object_pair_is_scored_with_cues_and_nis_state() -> None:
    people, objects = _scene()
    hois = detect_hois(people, objects, tiny_model(), top_k=2, min_prob=0.0)
    pairs = {(h.person, h.object) for h in hois}
    assert pairs == {(0, 0), (0, 2), (1, 0), (1, 2)}  # "person" objects are people, not objects
    assert len(hois) == 8  # top 2 classes of each pair
    for h in hois:
        assert h.object_name == objects[h.object].label and h.label.startswith(h.verb)
        assert 0 <= h.interactiveness <= 1 and isinstance(h.suppressed, bool)
        assert len(h.cues) == 4 and h.cues[2].startswith(objects[h.object].label)
    assert "inside" in [h for h in hois if (h.person, h.object) == (0, 0)][0].cues[3]


def test_record_round_trip_and_export_rows(tmp_path: Path) -> None:
    people, objects = _scene()
    r = ImageResult(path="/x/ski.jpg", width=500, height=400, people=people, objects=objects)
    r.hois = detect_hois(people, objects, tiny_model(), min_prob=0.0)
    back = loads(dumps(r))
    assert [h.to_dict() for h in back.hois] == [h.to_dict() for h in r.hois]
    assert set(r.to_dict()["hois"][0]) == {"person", "object", "hoi", "label", "verb", "object_name", "score",
                                           "interactiveness", "suppressed", "cues"}  # fmt: skip
    rows = hoi_rows(back, include_suppressed=True)
    assert len(rows) == len(r.hois) and rows[0]["image"] == "ski.jpg"
    from hhikit.eval.hoi import HOIDetections

    det = HOIDetections.from_rows(rows)
    assert len(det) == len(rows) and not np.isnan(det.box_o).any()


def test_drawing_marks_hois() -> None:
    from hhikit.io.draw import HOIAnnotator

    people, objects = _scene()
    r = ImageResult(path="a.jpg", width=500, height=400, people=people, objects=objects)
    r.hois = [HOI(0, 0, 1, "kick obj", "kick", "sports ball", 2.5, 0.9, False, ["x"]),
              HOI(1, 2, 2, "ski instr", "ski", "skis", 0.0, 0.01, True, ["y"])]  # fmt: skip
    img = np.zeros((400, 500, 3), np.uint8)
    out = HOIAnnotator().annotate(img, r)
    assert out[260:300, 60:100].any()  # the ball's box and label
    assert not out[300:320, 440:450].any()  # the suppressed pair is hidden by default
    assert HOIAnnotator(show_suppressed=True).annotate(img, r)[300:320, 250:450].any()


def test_lis_uses_detector_scores() -> None:
    people, objects = _scene()
    model = tiny_model()
    strong = detect_hois(people[:1], objects[:1], model, min_prob=0.0)
    weak_obj = [DetectedObject("sports ball", objects[0].box, 0.2)]
    weak = detect_hois(people[:1], weak_obj, model, min_prob=0.0)
    assert strong and [h.hoi for h in strong] == [h.hoi for h in weak]
    assert all(w.score < s.score for w, s in zip(weak, strong, strict=True))
    assert COCO80_INDEX["sports ball"] == 32


def test_discriminator_as_interactiveness_is_symmetric(tmp_path: Path) -> None:
    from hhikit.pairs import get_interactiveness

    w = tmp_path / "m.pt"
    tiny_model().save(w)
    model = get_interactiveness("tin-hoi", weights=w)
    a = [[0, 0, 100, 200], [0, 0, 50, 90]]
    b = [[80, 10, 180, 210], [400, 0, 450, 90]]
    s1, s2 = model.score(a, b), model.score(b, a)
    assert s1.shape == (2,) and np.allclose(s1, s2) and ((s1 >= 0) & (s1 <= 1)).all()
    assert model.threshold == 0.05
