from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hhikit.errors import ModelUnavailable
from hhikit.eval.ap import average_precision
from hhikit.pairs import get_interactiveness
from hhikit.pairs.tin import TinInteractiveness, TinTrainConfig, tin_inputs, train_tin
from tests.pairs.skeleton_kp import person_kp


def _synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, list, list, np.ndarray]:
    """Pairs of people side by side at random distances; a pair interacts when a's wrist
    touches b (the pose map shows it) -- the boxes alone carry only part of the signal."""
    rng = np.random.default_rng(seed)
    ba, bb, ka, kb, y = [], [], [], [], []
    for _ in range(n):
        label = int(rng.random() < 0.5)
        gap = rng.uniform(20, 60) if label else rng.uniform(20, 160)
        xa = rng.uniform(80, 120)
        xb = xa + 80 + gap
        kpa, kpb = person_kp(xa, 0, "right"), person_kp(xb, 0, "left")
        if label:
            kpa[10, :2] = kpb[5, :2]
        ba.append([xa - 40, 0, xa + 40, 200])
        bb.append([xb - 40, 0, xb + 40, 200])
        ka.append(kpa)
        kb.append(kpb)
        y.append(label)
    return np.array(ba, float), np.array(bb, float), ka, kb, np.array(y)


def test_inputs_shapes() -> None:
    ba, bb, ka, kb, _ = _synthetic(3, 0)
    maps, feats = tin_inputs(ba, bb, ka, kb)
    assert maps.shape == (3, 4, 64, 64) and feats.shape[0] == 3
    assert maps[:, 2:].any() and maps[:, :2].any()
    maps2, _ = tin_inputs(ba, bb)
    assert not maps2[:, 2:].any()


def test_tiny_training_lowers_loss_and_learns(tmp_path: Path) -> None:
    ba, bb, ka, kb, y = _synthetic(160, 1)
    hist: list[float] = []
    model = train_tin(ba, bb, y, ka, kb, TinTrainConfig(epochs=5, batch=32, width=4, lr=5e-3), history=hist)
    assert len(hist) == 5 and hist[-1] < hist[0] * 0.9
    tb, tbb, tka, tkb, ty = _synthetic(80, 2)
    s = model.score(tb, tbb, tka, tkb)
    assert s.shape == (80,) and ((s >= 0) & (s <= 1)).all()
    assert average_precision(s, ty) > ty.mean() + 0.1
    np.testing.assert_allclose(s, model.score(tbb, tb, tkb, tka), atol=1e-5)  # order-free
    path = tmp_path / "tin.pt"
    model.threshold = 0.4
    model.save(path)
    loaded = get_interactiveness("tin", weights=path)
    assert isinstance(loaded, TinInteractiveness) and loaded.threshold == pytest.approx(0.4)
    np.testing.assert_allclose(loaded.score(tb, tbb, tka, tkb), s, atol=1e-6)


def test_bad_checkpoint(tmp_path: Path) -> None:
    p = tmp_path / "x.pt"
    p.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelUnavailable, match="x.pt"):
        TinInteractiveness.load(p)
