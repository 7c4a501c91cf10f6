"""The full TIN network: a tiny ResNet from a local Hugging Face directory trains on synthetic images."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("transformers")


def _tiny_backbone_dir(tmp_path: Path) -> Path:
    import torch
    from transformers import ResNetConfig, ResNetModel

    torch.manual_seed(0)  # the backbone's init must not depend on the tests run before
    cfg = ResNetConfig(embedding_size=8, hidden_sizes=[8, 16, 16, 32], depths=[1, 1, 1, 1], layer_type="basic")
    d = tmp_path / "resnet"
    ResNetModel(cfg).save_pretrained(d)
    return d


def _synthetic_vcoco(tmp_path: Path) -> tuple[Path, Path]:
    import cv2

    rng = np.random.default_rng(0)
    images = tmp_path / "images"
    images.mkdir()
    anns = []
    for k in range(4):
        img = (rng.random((96, 128, 3)) * 60).astype(np.uint8)
        h = [10.0 + k, 10.0, 50.0 + k, 90.0]
        o = [60.0, 40.0 + 5 * k, 90.0, 70.0 + 5 * k]
        cv2.rectangle(img, (int(h[0]), int(h[1])), (int(h[2]), int(h[3])), (200, 50, 50), -1)
        cv2.rectangle(img, (int(o[0]), int(o[1])), (int(o[2]), int(o[3])), (50, 200, 50), -1)
        name = f"COCO_train2014_{k:012d}.jpg"
        cv2.imwrite(str(images / name), img)
        far = [100.0, 5.0, 125.0, 30.0]
        anns.append(
            {"file_name": name, "boxes_h": [h, h], "boxes_o": [o, far], "actions": [k % 2, 0], "objects": [2, 3]}
        )
    import os

    os.mkfifo(images / "pipe.jpg")  # a special file: skipped, never read (it would block)
    for bad in ("missing.jpg", "pipe.jpg"):
        anns.append(
            {"file_name": bad, "boxes_h": [[0, 0, 5, 5]], "boxes_o": [[6, 6, 9, 9]], "actions": [0], "objects": [2]}
        )
    f = tmp_path / "instances_vcoco_train.json"
    f.write_text(json.dumps({"annotations": anns, "classes": ["hold obj", "kick obj"],
                             "objects": ["background", "person", "sports ball", "cup"]}))  # fmt: skip
    return f, images


@pytest.mark.slow
def test_tiny_tin_network_trains_loss_goes_down_and_reloads(tmp_path: Path) -> None:
    from hhikit.hoi.models import get_hoi_model
    from hhikit.train.tin import TINTrainConfig, train_tin_network

    ann, images = _synthetic_vcoco(tmp_path)
    out = tmp_path / "tin.pt"
    rep = train_tin_network(
        ann, None, images, out, _tiny_backbone_dir(tmp_path), TINTrainConfig(epochs=6, lr=0.01, width=32)
    )
    losses = rep["epoch_losses"]
    assert len(losses) == 6 and losses[-1] < 0.9 * losses[0] and sum(losses[-2:]) < sum(losses[:2])
    assert any("missing.jpg" in s for s in rep["skipped"])  # an unreadable image is skipped, named
    assert any("pipe.jpg" in s and "FIFO" in s for s in rep["skipped"])
    model = get_hoi_model("tin", weights=out)
    import cv2

    img = cv2.imread(str(images / "COCO_train2014_000000000000.jpg"))[:, :, ::-1]
    p, b = model.predict_image(img, [[10, 10, 50, 90]], [[60, 40, 90, 70]])
    assert p.shape == (1, 2) and b.shape == (1, 2) and np.isfinite(p).all()
    assert set(model.net.state_dict()) >= {"conv1_sp.weight", "fc8_binary_1.weight", "cls_score_binary.weight"}
    # the trained network is what `hhi analyze --hoi-model tin --hoi-weights PATH` scores pairs with
    from hhikit.errors import ConfigError
    from hhikit.hoi.image import detect_hois
    from hhikit.types import DetectedObject, Person

    people, objects = [Person(0, [10, 10, 50, 90], 0.9)], [DetectedObject("sports ball", [60, 40, 90, 70], 0.8)]
    hois = detect_hois(people, objects, model, image=np.ascontiguousarray(img))
    assert (
        hois
        and {h.label for h in hois} <= {"hold obj", "kick obj"}
        and all(h.object_name == "sports ball" for h in hois)
    )
    with pytest.raises(ConfigError, match="needs the image"):
        detect_hois(people, objects, model)
    from hhikit.pipeline import Pipeline, PipelineConfig

    pipe = Pipeline(PipelineConfig(hoi=True, hoi_model="tin", hoi_options={"weights": str(out)}))
    from tests.conftest import shared_path

    # a real photo: the synthetic one has no object the detector finds, so no pair to score
    rec = pipe.analyze(str(shared_path("examples", "ski.jpg")))
    assert rec.error is None and rec.hois and all(h.label in ("hold obj", "kick obj") for h in rec.hois)


def test_tin_refuses_test_split_and_bad_checkpoint(tmp_path: Path) -> None:
    from hhikit.errors import InputError, ModelUnavailable
    from hhikit.hoi.tin_net import TINModel
    from hhikit.train.tin import train_tin_network

    with pytest.raises(InputError, match="test split"):
        train_tin_network(tmp_path / "instances_vcoco_test.json", None, tmp_path, tmp_path / "x.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelUnavailable, match="not an hhikit TIN checkpoint"):
        TINModel.load(bad)
