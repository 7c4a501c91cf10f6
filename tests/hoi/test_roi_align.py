"""RoIAlign in torch ops against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hhikit.hoi.roi_align import roi_align  # noqa: E402


def test_linear_map_gives_bin_centres() -> None:
    # f(y, x) = 2x + 3y is reproduced exactly by bilinear sampling: each bin's mean is f at its centre
    ys, xs = np.mgrid[0:16, 0:16].astype(np.float32)
    feat = torch.from_numpy(2 * xs + 3 * ys)[None, None]
    out = roi_align(feat, torch.tensor([[0, 2.0, 2.0, 9.0, 9.0]]), 7, 1.0, 2)
    i, j = np.mgrid[0:7, 0:7]
    np.testing.assert_allclose(out[0, 0].numpy(), 2 * (2.5 + j) + 3 * (2.5 + i), rtol=1e-6)


def test_two_by_two_map_one_bin_and_scale() -> None:
    feat = torch.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
    # one bin over [0, 1] x [0, 1]: samples at 0.25 and 0.75 -> mean of x + 2y = 0.5 + 1.0
    assert float(roi_align(feat, torch.tensor([[0, 0.0, 0.0, 1.0, 1.0]]), 1, 1.0, 2)) == pytest.approx(1.5)
    # the same box in image pixels at stride 16
    assert float(roi_align(feat, torch.tensor([[0, 0.0, 0.0, 16.0, 16.0]]), 1, 1 / 16, 2)) == pytest.approx(1.5)


def test_samples_outside_the_map_are_zero_and_batch_index_is_used() -> None:
    feat = torch.ones((2, 1, 4, 4))
    feat[1] *= 5
    out = roi_align(feat, torch.tensor([[1, 0.0, 0.0, 2.0, 2.0], [0, -10.0, -10.0, -4.0, -4.0]]), 2, 1.0, 2)
    assert torch.allclose(out[0], torch.full((1, 2, 2), 5.0)) and float(out[1].abs().sum()) == 0.0


def test_gradient_flows_to_features() -> None:
    feat = torch.rand((1, 3, 8, 8), requires_grad=True)
    roi_align(feat, torch.tensor([[0, 1.0, 1.0, 6.0, 5.0]]), 7, 1.0, 2).sum().backward()
    assert feat.grad is not None and float(feat.grad.abs().sum()) > 0
