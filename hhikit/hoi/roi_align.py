"""RoIAlign in plain ``torch`` ops (torchvision does not import beside the pinned torch).

Same definition as ``torchvision.ops.roi_align``: the box (image coordinates times
``spatial_scale``; ``aligned=True`` shifts it by -0.5 px) is cut into ``out x out`` bins;
each bin averages ``sampling_ratio x sampling_ratio`` bilinear samples at the centres of
a regular sub-grid (``sampling_ratio <= 0``: ``ceil(bin size)`` samples, per box); samples
more than one cell outside the map are 0, others are clamped to the border. Differentiable
in the features.
"""

from __future__ import annotations

import math
from typing import Any


def _bilinear(torch: Any, feat: Any, y: Any, x: Any) -> Any:
    """``feat (C, H, W)`` sampled at ``y, x`` (same shape S) -> ``(C, *S)``."""
    _, h, w = feat.shape
    valid = (y >= -1.0) & (y <= h) & (x >= -1.0) & (x <= w)
    y = y.clamp(min=0.0)
    x = x.clamp(min=0.0)
    y0 = y.floor().long().clamp(max=h - 1)
    x0 = x.floor().long().clamp(max=w - 1)
    y1 = (y0 + 1).clamp(max=h - 1)
    x1 = (x0 + 1).clamp(max=w - 1)
    y = torch.where(y0 >= h - 1, y0.to(y.dtype), y)
    x = torch.where(x0 >= w - 1, x0.to(x.dtype), x)
    ly, lx = y - y0, x - x0
    hy, hx = 1.0 - ly, 1.0 - lx
    v = (feat[:, y0, x0] * (hy * hx) + feat[:, y0, x1] * (hy * lx)
         + feat[:, y1, x0] * (ly * hx) + feat[:, y1, x1] * (ly * lx))  # fmt: skip
    return v * valid.to(v.dtype)


def roi_align(
    features: Any, boxes: Any, output_size: int = 7, spatial_scale: float = 1.0, sampling_ratio: int = 2,
    aligned: bool = False,
) -> Any:  # fmt: skip
    """``features (B, C, H, W)``, ``boxes (K, 5)`` rows ``[batch, x1, y1, x2, y2]`` -> ``(K, C, out, out)``."""
    import torch

    out = []
    offset = 0.5 if aligned else 0.0
    for row in boxes:
        b = int(row[0])
        x1, y1, x2, y2 = (float(v) * spatial_scale - offset for v in row[1:5])
        rw, rh = x2 - x1, y2 - y1
        if not aligned:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bw, bh = rw / output_size, rh / output_size
        gy = sampling_ratio if sampling_ratio > 0 else max(math.ceil(rh / output_size), 1)
        gx = sampling_ratio if sampling_ratio > 0 else max(math.ceil(rw / output_size), 1)
        dev, dt = features.device, features.dtype
        iy = torch.arange(output_size, device=dev, dtype=dt)[:, None] * bh
        ix = torch.arange(output_size, device=dev, dtype=dt)[:, None] * bw
        sy = (torch.arange(gy, device=dev, dtype=dt)[None, :] + 0.5) * bh / gy
        sx = (torch.arange(gx, device=dev, dtype=dt)[None, :] + 0.5) * bw / gx
        ys = (y1 + iy + sy).reshape(output_size, gy)  # (out, gy)
        xs = (x1 + ix + sx).reshape(output_size, gx)  # (out, gx)
        yy = ys[:, None, :, None].expand(output_size, output_size, gy, gx)
        xx = xs[None, :, None, :].expand(output_size, output_size, gy, gx)
        v = _bilinear(torch, features[b], yy, xx)  # (C, out, out, gy, gx)
        out.append(v.mean(dim=(-1, -2)))
    if not out:
        return features.new_zeros((0, features.shape[1], output_size, output_size))
    return torch.stack(out)
