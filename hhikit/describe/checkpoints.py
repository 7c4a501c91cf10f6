"""Released captioner weights as they are: the paper's Lightning checkpoint, CLIPCap's ``.pt``.

Three layouts load into the same module (``captioners._make_module``, whose state-dict
names are the paper's):

* a hhikit captioner directory (``hhi_captioner.json``, ``model.pt``, ``clip/``, ``gpt2/``);
* the paper's PyTorch Lightning checkpoint (``last.ckpt``, or the directory unpacked from
  ``cc_ft.tar.gz``): ``state_dict`` of ``HHICCModel`` (``clip.*`` = the whole ``CLIPModel``,
  ``cc.clip_project.model.{0,2}.*``, ``cc.gpt.*``) or of ``HHIModel`` (``clip.*``, ``gpt2.*``
  with cross-attention, ``proj.*``);
* an official CLIPCap ``.pt`` (``coco_weights.pt``, ``conceptual_weights.pt``):
  ``clip_project.model.{0,2}.*`` (or ``clip_project.*`` for its Linear variant) and ``gpt.*``.

The last two carry no configs or tokenizer, so CLIP and GPT-2 come from Hugging Face
directories (``clip=DIR``, ``gpt2=DIR``); CLIPCap's ``.pt`` also takes the CLIP weights from
there. The CLIP text tower inside the paper's checkpoint is unused and dropped, as are the
attention-mask and ``position_ids`` buffers older ``transformers`` saved. Anything else that
does not fit is refused with one line naming the missing, extra and mis-shaped keys.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from hhikit.describe.captioners import _short, check_state
from hhikit.errors import ConfigError, ModelUnavailable

# Buffers older transformers versions saved in state dicts; current models recompute them.
_LEGACY_BUFFERS = (".attn.bias", ".attn.masked_bias", ".crossattention.bias", ".crossattention.masked_bias",
                   "embeddings.position_ids")  # fmt: skip
_TEXT_TOWER = ("clip.text_model.", "clip.text_projection.", "clip.logit_scale")


def _torch_load(path: Path) -> Any:
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # any unreadable file becomes one line
        msg = " ".join(str(exc).split())[:160]
        raise ModelUnavailable(f"{path}: not a readable PyTorch checkpoint ({type(exc).__name__}: {msg})") from None


def find_checkpoint(path: str | Path) -> Path:
    """The file to read for PATH: itself, or in a directory (e.g. unpacked ``cc_ft.tar.gz``)
    its one ``.ckpt`` (``last.ckpt`` when there are several)."""
    p = Path(path)
    if not p.exists():
        raise ModelUnavailable(f"{p}: no such captioner file or directory")
    if p.is_file():
        return p
    cks = sorted(p.rglob("*.ckpt"))
    last = [c for c in cks if c.name == "last.ckpt"]
    if len(last) == 1:
        return last[0]
    if len(cks) == 1:
        return cks[0]
    if not cks:
        raise ModelUnavailable(
            f"{p}: neither a hhikit captioner directory (hhi_captioner.json) nor one holding a Lightning .ckpt"
        )
    raise ModelUnavailable(f"{p}: several checkpoints ({_short([str(c.relative_to(p)) for c in cks])}); give one file")


def _layout(state: dict[str, Any]) -> tuple[str, str]:
    """(layout, kind) of a state dict by its key names."""
    keys = list(state)
    if any(k.startswith("cc.") for k in keys):
        return "lightning", "clipcap"
    if "proj.weight" in state and any(k.startswith("gpt2.") for k in keys):
        return "lightning", "encdec"
    if any(k.startswith("clip_project.") for k in keys) and any(k.startswith("gpt.") for k in keys):
        return "clipcap-pt", "clipcap"
    return "unknown", ""


def _mapper(state: dict[str, Any], prefix: str, path: Path) -> tuple[str, str]:
    """(mapper, key of its last Linear weight) of the ClipCap mapping network."""
    if f"{prefix}model.0.weight" in state:
        last = max(int(k[len(prefix) + 6 :].split(".")[0]) for k in state if k.startswith(f"{prefix}model."))
        return "mlp", f"{prefix}model.{last}.weight"
    if f"{prefix}weight" in state:
        return "linear", f"{prefix}weight"
    if any(k.startswith(prefix + t) for k in state for t in ("transformer.", "prefix_const", "linear.")):
        raise ModelUnavailable(
            f"{path}: CLIPCap's transformer mapping network ({prefix}transformer.*) is not supported; "
            "the paper fine-tunes the MLP mapping network (coco_weights.pt / conceptual_weights.pt)"
        )
    raise ModelUnavailable(f"{path}: no ClipCap mapping network ({prefix}model.0.weight or {prefix}weight)")


def load_any(
    path: str | Path, kind: str | None = None, clip: str | Path | None = None, gpt2: str | Path | None = None
) -> Any:
    """A ``CaptionerModel`` from any of the three layouts (see the module docstring)."""
    from hhikit.describe.captioners import from_configs, load_captioner
    from hhikit.describe.hf import image_processor_of, quiet_transformers, vision_config_of

    p = Path(path)
    if (p / "hhi_captioner.json").exists():
        return load_captioner(p, kind)
    f = find_checkpoint(p)
    obj = _torch_load(f)
    state = obj.get("state_dict", obj) if isinstance(obj, dict) else None
    if not isinstance(state, dict) or not state:
        raise ModelUnavailable(f"{f}: holds no state dict (expected a Lightning .ckpt or a CLIPCap .pt)")
    layout, found = _layout(state)
    if layout == "unknown":
        raise ModelUnavailable(
            f"{f}: keys fit no known captioner layout (e.g. {_short(sorted(state))}); expected the paper's "
            "cc.*/clip.* or gpt2.*/proj.*, or CLIPCap's clip_project.*/gpt.*"
        )
    if kind and kind != found:
        raise ConfigError(f"{f}: is a {found} checkpoint, not {kind}")
    if not clip or not gpt2:
        raise ConfigError(
            f"{f}: a released {found} checkpoint has no configs or tokenizer; give the Hugging Face "
            "directories: --describer-option clip=DIR --describer-option gpt2=DIR"
        )
    from transformers import AutoTokenizer, CLIPVisionModelWithProjection, GPT2Config

    state = {k: v for k, v in state.items() if not k.endswith(_LEGACY_BUFFERS) and not k.startswith(_TEXT_TOWER)}
    if layout == "clipcap-pt":
        state = {f"cc.{k}": v for k, v in state.items()}
    vcfg = vision_config_of(clip)
    if not Path(gpt2, "config.json").exists():
        raise ModelUnavailable(f"{gpt2}: no config.json; put a Hugging Face GPT-2 directory there")
    gcfg = GPT2Config.from_pretrained(str(gpt2))
    tok = AutoTokenizer.from_pretrained(str(gpt2))
    prefix_len, mapper = 10, "mlp"
    if found == "clipcap":
        mapper, last = _mapper(state, "cc.clip_project.", f)
        out_dim = int(state[last].shape[0])
        if out_dim % gcfg.n_embd:
            raise ModelUnavailable(
                f"{f}: mapping network output {out_dim} is not a multiple of GPT-2's n_embd {gcfg.n_embd} ({gpt2})"
            )
        prefix_len = out_dim // gcfg.n_embd
    model = from_configs(found, vcfg, gcfg, tok, prefix_len, "paper", mapper)
    if layout == "clipcap-pt":  # CLIPCap's .pt has no CLIP: take the image tower from clip=DIR
        with quiet_transformers():
            tower = CLIPVisionModelWithProjection.from_pretrained(str(clip), config=vcfg)
        state.update({f"clip.{k}": v for k, v in tower.state_dict().items()})
    check_state(model.module, state, f)
    model.module.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()},
                                 strict=False)  # fmt: skip
    for prm in model.module.clip.parameters():
        prm.requires_grad = False
    model.module.eval()
    model.processor = image_processor_of(clip)
    model.source = {"format": layout, "path": str(f.resolve()), "clip": str(Path(clip).resolve()),
                    "gpt2": str(Path(gpt2).resolve())}  # fmt: skip
    return model


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def import_captioner(
    src: str | Path,
    out: str | Path,
    kind: str | None = None,
    clip: str | Path | None = None,
    gpt2: str | Path | None = None,
) -> Path:
    """Write any captioner layout as a hhikit captioner directory; ``hhi_captioner.json``
    records the source (layout, file, its sha256, the CLIP and GPT-2 directories)."""
    from hhikit.describe.captioners import save_captioner

    model = load_any(src, kind, clip=clip, gpt2=gpt2)
    path = model.source.get("path")
    if path and Path(path).is_file():
        model.source["sha256"] = _sha256(Path(path))
    return save_captioner(model, out)
