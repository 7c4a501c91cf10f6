"""ICCCI model cost at the paper's sizes on this machine's CPU: the paper's ViViT (dim 1024,
6 layers, 256 frames of 128 x 128) per clip, and one training step of ``MultimodalLSTM``
(hidden 512) on a batch of 16 scenes, plus the size of a run checkpoint.

    PYTHONPATH=$PWD python bench/bench_iccci.py [--clips 2] [--frames 256] [--scene-len 20]

BERT and AST are not timed (their weights cannot be fetched here). Prints figures; asserts
nothing. Other processes change the wall times: the load average and the process's CPU
time are printed with them.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import time

import torch


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=2)
    ap.add_argument("--frames", type=int, default=256)
    ap.add_argument("--scene-len", type=int, default=20, help="clips per scene (padded length)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from hhikit.video.iccci_model import MultimodalLSTM
    from hhikit.video.vivit import PaperViViTConfig, build_paper_vivit

    print(f"load average {os.getloadavg()[0]:.1f}; torch threads {a.threads}")
    t, c = time.perf_counter(), cpu()
    vivit = build_paper_vivit(PaperViViTConfig(frames=a.frames))
    n = sum(p.numel() for p in vivit.parameters())
    print(f"paper ViViT: {n / 1e6:.1f} M parameters, built in {time.perf_counter() - t:.1f} s")
    x = torch.rand(1, 3, a.frames, 128, 128)
    with torch.inference_mode():
        for i in range(a.clips):
            t, c = time.perf_counter(), cpu()
            vivit.extract_features(x)
            print(f"  clip {i}: {time.perf_counter() - t:.1f} s wall, {cpu() - c:.1f} s CPU")
    model = MultimodalLSTM()
    print(f"MultimodalLSTM: {sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters")
    opt = torch.optim.AdamW(model.parameters(), lr=3e-5, weight_decay=1e-4)
    v, te, au = torch.randn(16, a.scene_len, 1024), torch.randn(16, a.scene_len, 768), torch.randn(16, a.scene_len, 768)
    y = (torch.rand(16, 7) > 0.7).float()
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.ones(7))
    for i in range(2):
        t, c = time.perf_counter(), cpu()
        loss = loss_fn(model(v, te, au), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"  train step {i} (16 scenes x {a.scene_len} clips): {time.perf_counter() - t:.2f} s wall, "
              f"{cpu() - c:.2f} s CPU")  # fmt: skip
    buf = io.BytesIO()
    torch.save({"model": model.state_dict(), "optim": opt.state_dict()}, buf)
    print(f"checkpoint with optimiser state: {len(buf.getvalue()) / 1e6:.0f} MB")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
