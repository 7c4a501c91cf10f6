from __future__ import annotations

import numpy as np
import torch

from hhikit.video.vivit import PaperViViTConfig, build_paper_vivit, frames_tensor, resize_bgr, sample_indices


def test_paper_vivit_names_and_shapes_at_paper_size():
    m = build_paper_vivit(PaperViViTConfig(), device="meta")
    sd = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    assert sd["pos_embedding"] == (1, 128, 64, 1024)  # 256 frames / 2, (128 / 16) ** 2 patches
    assert sd["spatial_cls_token"] == (1, 1, 1024)
    assert sd["to_patch_embedding.to_patch_embedding.1.weight"] == (1536,)  # LayerNorm(3 * 2 * 16 * 16)
    assert sd["to_patch_embedding.to_patch_embedding.2.weight"] == (1024, 1536)
    assert sd["to_patch_embedding.to_patch_embedding.3.weight"] == (1024,)
    for i in range(6):
        p = f"factorized_transformer.layers.{i}"
        for j in (0, 1):  # spatial and temporal attention, 8 heads x 64
            assert sd[f"{p}.{j}.to_qkv.weight"] == (1536, 1024) and f"{p}.{j}.to_qkv.bias" not in sd
            assert sd[f"{p}.{j}.to_out.0.weight"] == (1024, 512) and sd[f"{p}.{j}.norm.weight"] == (1024,)
        assert sd[f"{p}.2.net.1.weight"] == (2048, 1024) and sd[f"{p}.2.net.4.weight"] == (1024, 2048)
    assert "factorized_transformer.layers.6.0.norm.weight" not in sd
    assert sd["factorized_transformer.norm.weight"] == (1024,)
    assert len(sd) == 6 + 2 + 6 * (2 * 5 + 6) + 2  # embedding, pos + cls, 6 layers, final norm


def test_seeded_random_weights_are_reproducible_and_leave_the_global_rng_alone():
    cfg = PaperViViTConfig(frames=4, image_size=32, dim=16, depth=1, heads=2, dim_head=8, mlp_dim=20)
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a, b = build_paper_vivit(cfg), build_paper_vivit(cfg)
    assert torch.rand(1) == before  # forked generator
    for (k, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(x, y), k
    # the seed is manual_seed(42) before building: the first random tensor drawn is the Linear's weight
    torch.manual_seed(42)
    lin = torch.nn.Linear(3 * 2 * 16 * 16, 16)
    assert torch.equal(a.to_patch_embedding.to_patch_embedding[2].weight, lin.weight)
    c = build_paper_vivit(PaperViViTConfig(**{**cfg.to_dict(), "seed": 7}))
    assert not torch.equal(a.pos_embedding, c.pos_embedding)


def test_extract_features_is_the_first_cls_after_the_final_norm():
    cfg = PaperViViTConfig(frames=4, image_size=32, dim=16, depth=2, heads=2, dim_head=8, mlp_dim=20)
    m = build_paper_vivit(cfg)
    video = torch.rand(2, 3, 4, 32, 32)
    with torch.no_grad():
        out = m.extract_features(video)
        # tubelets: b c (f tf) (h ph) (w pw) -> b f (h w) (tf ph pw c), checked on one patch
        tok = m.to_patch_embedding.to_patch_embedding[0](video)
        assert tok.shape == (2, 2, 4, 3 * 2 * 16 * 16)
        patch = video[0, :, 2:4, 16:32, 0:16].permute(1, 2, 3, 0).reshape(-1)  # frame-patch 1, patch (1, 0)
        assert torch.equal(tok[0, 1, 2], patch)
    assert out.shape == (2, 16)
    assert not torch.allclose(out[0], out[1])


def test_frame_sampling_as_the_paper_loader():
    assert sample_indices(10, 4).tolist() == [0, 3, 6, 9]
    assert sample_indices(1000, 256).tolist() == np.linspace(0, 999, 256, dtype=int).tolist()
    few = sample_indices(3, 8)
    assert few[:3].tolist() == [0, 1, 2] and len(few) == 8 and few.max() < 3
    assert sample_indices(3, 8).tolist() == few.tolist()  # seeded
    rgb = np.zeros((60, 90, 3), np.uint8)
    rgb[..., 0] = 200  # red
    bgr = resize_bgr(rgb, 16)
    assert bgr.shape == (16, 16, 3) and bgr[0, 0, 2] == 200 and bgr[0, 0, 0] == 0
    t = frames_tensor([bgr, bgr])
    assert t.shape == (1, 3, 2, 16, 16) and abs(float(t[0, 2, 0, 0, 0]) - 200 / 255) < 1e-6
