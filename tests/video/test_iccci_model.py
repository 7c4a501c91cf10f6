from __future__ import annotations

import torch

from hhikit.video.iccci_model import ICCCIConfig, MultimodalLSTM


def _lstm(prefix: str, d_in: int, h: int = 512) -> dict[str, tuple[int, ...]]:
    out = {}
    for layer in (0, 1):
        d = d_in if layer == 0 else 2 * h
        for sfx in ("", "_reverse"):
            out[f"{prefix}.weight_ih_l{layer}{sfx}"] = (4 * h, d)
            out[f"{prefix}.weight_hh_l{layer}{sfx}"] = (4 * h, h)
            out[f"{prefix}.bias_ih_l{layer}{sfx}"] = (4 * h,)
            out[f"{prefix}.bias_hh_l{layer}{sfx}"] = (4 * h,)
    return out


def authors_state_dict_shapes() -> dict[str, tuple[int, ...]]:
    """The authors' MultimodalLSTM(hidden_dim=512, num_labels=7) as printed in their notebook."""
    want = {**_lstm("visual_lstm", 1024), **_lstm("text_lstm", 768), **_lstm("audio_lstm", 768)}
    for x in ("vt", "va", "ta"):
        p = f"cross_attn_{x}"
        want |= {f"{p}.multihead_attn.in_proj_weight": (3072, 1024), f"{p}.multihead_attn.in_proj_bias": (3072,),
                 f"{p}.multihead_attn.out_proj.weight": (1024, 1024), f"{p}.multihead_attn.out_proj.bias": (1024,),
                 f"{p}.norm.weight": (1024,), f"{p}.norm.bias": (1024,)}  # fmt: skip
    for name, (i, o) in {"fusion_fc1": (3072, 1024), "fusion_fc2": (1024, 512), "fusion_fc3": (512, 256)}.items():
        want |= {f"{name}.0.weight": (o, i), f"{name}.0.bias": (o,), f"{name}.2.weight": (o,), f"{name}.2.bias": (o,)}
    return want | {"output_layer.weight": (7, 256), "output_layer.bias": (7,)}


def test_state_dict_has_the_authors_names_and_shapes_at_paper_size():
    with torch.device("meta"):
        model = MultimodalLSTM()
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert got == authors_state_dict_shapes()
    assert model.cross_attn_vt.multihead_attn.num_heads == 8
    assert model.cross_attn_vt.dropout.p == 0.4 and model.fusion_fc1[3].p == 0.3


def test_forward_order_and_zero_padding_counted_in_the_mean():
    torch.manual_seed(0)
    m = MultimodalLSTM(ICCCIConfig(hidden_dim=8, visual_dim=6, text_dim=5, audio_dim=4)).eval()
    v, t, a = torch.randn(2, 3, 6), torch.randn(2, 3, 5), torch.randn(2, 3, 4)
    out = m(v, t, a)
    assert out.shape == (2, 7)
    # the shared blocks are applied in the authors' order: visual reads text, then audio, ...
    with torch.no_grad():
        vf, tf, af = m.visual_lstm(v)[0], m.text_lstm(t)[0], m.audio_lstm(a)[0]
        vf = m.cross_attn_va(m.cross_attn_vt(vf, tf), af)
        tf = m.cross_attn_vt(m.cross_attn_ta(tf, af), vf)
        af = m.cross_attn_ta(m.cross_attn_va(af, vf), tf)
        x = torch.cat([vf.mean(1), tf.mean(1), af.mean(1)], -1)
        ref = m.output_layer(m.fusion_fc3(m.fusion_fc2(m.fusion_fc1(x))))
    assert torch.allclose(out, ref, atol=1e-6)
    # no mask: a zero-padded step changes the output (the paper pads and does not mask)
    pad = [torch.cat([z, torch.zeros(2, 1, z.shape[2])], 1) for z in (v, t, a)]
    assert not torch.allclose(m(*pad), out, atol=1e-4)
