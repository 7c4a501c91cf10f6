"""The student summariser: caption -> interaction, fine-tuned on the teacher's filtered pairs.

Input ``summarize: <caption>`` (people masked as ``_`` become dummy names, as in the
teacher's captions), output the interaction in at most 20 tokens. Works with a seq2seq
model (T5-style, as in the paper) or a causal LM (prompt ``summarize: <caption>\\nInteraction:``,
the interaction after it on the same line, loss on the target only). The project's default student is the
packaged SmolLM2-135M fine-tuned here on CPU on a few hundred synthetic pairs and kept in
the model store (card ``pseudolabel-student``).
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hhikit.errors import ModelUnavailable
from hhikit.pseudolabel.format import DUMMY_NAMES, encode_people, mask_names, normalise_interaction

PREFIX = "summarize: "
#: What a causal student reads after the caption; the interaction follows on the same line.
CAUSAL_CUE = "\nInteraction:"
MAX_NEW_TOKENS = 20
STUDENT_CARD = "pseudolabel-student"
META_FILE = "hhikit_student.json"


@dataclass
class TrainConfig:
    """Fine-tuning settings (defaults: small enough for minutes on two CPU cores). AdamW,
    linear decay to 0 without warm-up, gradient clipping 1.0 (the Trainer's defaults)."""

    epochs: float = 1.0
    lr: float = 1e-4
    batch_size: int = 8
    max_input_tokens: int = 96
    max_target_tokens: int = MAX_NEW_TOKENS + 4
    prefix: str = PREFIX
    seed: int = 0
    log_every: int = 5

    @classmethod
    def paper(cls, **kw: object) -> TrainConfig:
        """The paper's student recipe: its ``run_summarization.py`` call on T5-base, 3 epochs,
        batch 8, lr 5e-5, sources up to 1024 and targets up to 128 tokens, and
        ``--source_prefix summarize:`` as written there (no space after the colon)."""
        base: dict[str, object] = dict(epochs=3.0, lr=5e-5, batch_size=8, max_input_tokens=1024,
                                       max_target_tokens=128, prefix="summarize:")  # fmt: skip
        base.update(kw)
        return cls(**base)  # type: ignore[arg-type]


@dataclass
class TrainReport:
    steps: int
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def first_loss(self) -> float:
        return self.losses[0] if self.losses else math.nan

    @property
    def last_loss(self) -> float:
        return self.losses[-1] if self.losses else math.nan


def busy_machine() -> bool:
    """The load average is at or above the core count (other processes want the cores)."""
    try:
        return os.getloadavg()[0] >= (os.cpu_count() or 1)
    except OSError:  # no load average on this platform
        return False


@contextmanager
def threads_for_load() -> Iterator[None]:
    """One torch thread while the machine is busy and ``OMP_NUM_THREADS`` is not set: threads
    fighting other processes for the same cores were several times slower here."""
    import torch

    before = torch.get_num_threads()
    if "OMP_NUM_THREADS" not in os.environ and busy_machine():
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def student_input(caption: str, prefix: str = PREFIX) -> str:
    """``summarize: `` + the caption with each person mark (``_``, or Who's Waldo's
    ``[NAME]``) replaced by a dummy name."""
    return prefix + " ".join(encode_people(caption.replace("[NAME]", "_"))[0].split())


class Summariser:
    """A seq2seq or causal LM that writes one interaction per caption."""

    def __init__(
        self, model: Any, tokenizer: Any, max_new_tokens: int = MAX_NEW_TOKENS, prefix: str | None = None
    ) -> None:
        self.model = model
        self.tok = tokenizer
        self.max_new_tokens = max_new_tokens
        self.seq2seq = bool(getattr(model.config, "is_encoder_decoder", False))
        # a seq2seq model that carries the summarisation task settings (T5 does) is decoded
        # as the paper's summarisation pipeline did: those settings, at most 20 tokens
        tsp = (getattr(model.config, "task_specific_params", None) or {}).get("summarization")
        self.task_params: dict[str, Any] = dict(tsp) if self.seq2seq and isinstance(tsp, dict) else {}
        # the input prefix: the model's own task setting (the paper's pipeline), else the one it
        # was trained with (``hhikit_student.json``), else ``summarize: ``
        self.prefix = str(self.task_params.get("prefix", prefix if prefix is not None else PREFIX))
        if self.tok.pad_token is None:
            self.tok.pad_token = self.tok.eos_token

    # ---------------------------------------------------------------- loading

    @classmethod
    def load(cls, model_dir: str | Path, **kw: Any) -> Summariser:
        """From a directory in Hugging Face layout (or with one ``.gguf`` causal LM)."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        root = Path(model_dir)
        ggufs = sorted(p.name for p in root.glob("*.gguf"))
        if ggufs and not (root / "config.json").exists():  # a packaged GGUF: load via the teacher's cache
            from hhikit.pseudolabel.teacher import load_causal_lm

            model, tok = load_causal_lm(local_dir=root)
            return cls(model.eval(), tok, **kw)
        extra: dict[str, Any] = {}
        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        try:
            cfg = AutoConfig.from_pretrained(str(root), **extra)
            auto = AutoModelForSeq2SeqLM if getattr(cfg, "is_encoder_decoder", False) else AutoModelForCausalLM
            tok = AutoTokenizer.from_pretrained(str(root), **extra)
            model = auto.from_pretrained(str(root), **extra)
        except (OSError, ValueError) as exc:
            raise ModelUnavailable(f"cannot load a summariser from {root}: {exc}") from None
        finally:
            hf_logging.set_verbosity(verbosity)
        try:
            trained_prefix = json.loads((root / META_FILE).read_text()).get("prefix")
        except (OSError, ValueError, AttributeError):
            trained_prefix = None
        if isinstance(trained_prefix, str):
            kw.setdefault("prefix", trained_prefix)
        return cls(model.eval(), tok, **kw)

    def save(self, out_dir: str | Path, meta: dict[str, Any] | None = None) -> Path:
        """Save model + tokenizer (HF layout) and a metadata file, atomically (temp dir + rename)."""
        import shutil

        out = Path(out_dir)
        tmp = out.with_name(out.name + ".part")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        self.model.save_pretrained(str(tmp))
        self.tok.save_pretrained(str(tmp))
        (tmp / META_FILE).write_text(json.dumps(meta or {}, indent=1))
        shutil.rmtree(out, ignore_errors=True)
        tmp.rename(out)
        return out

    # ---------------------------------------------------------------- inference

    def summarise(self, captions: Sequence[str], batch_size: int = 16) -> list[str]:
        """One interaction per caption (greedy, at most ``max_new_tokens`` tokens, first line)."""
        out: list[str] = []
        with threads_for_load():
            for s in range(0, len(captions), batch_size):
                out.extend(self._summarise_batch(list(captions[s : s + batch_size])))
        return out

    def _summarise_batch(self, captions: list[str]) -> list[str]:
        import torch

        inputs = [student_input(c, self.prefix) for c in captions]
        if self.seq2seq:
            enc = self.tok(inputs, return_tensors="pt", padding=True, truncation=True, max_length=256)
            kw = paper_decoding(self.task_params, self.max_new_tokens) if self.task_params else {
                "max_new_tokens": self.max_new_tokens, "do_sample": False, "num_beams": 1}  # fmt: skip
            with torch.no_grad():
                gen = self.model.generate(**enc, **kw)
            texts = self.tok.batch_decode(gen, skip_special_tokens=True)
        else:
            from hhikit.pseudolabel.teacher import newline_token_ids

            self.tok.padding_side = "left"
            enc = self.tok(
                [i + CAUSAL_CUE for i in inputs], return_tensors="pt", padding=True, truncation=True, max_length=256
            )
            stop = newline_token_ids(self.tok) + ([self.tok.eos_token_id] if self.tok.eos_token_id is not None else [])
            with torch.no_grad():
                gen = self.model.generate(
                    **enc, max_new_tokens=self.max_new_tokens, do_sample=False, num_beams=1,
                    eos_token_id=stop, pad_token_id=self.tok.pad_token_id,
                )  # fmt: skip
            texts = self.tok.batch_decode(gen[:, enc["input_ids"].shape[1] :], skip_special_tokens=True)
        return [clean_output(t) for t in texts]

    # ---------------------------------------------------------------- training

    def _batch(self, pairs: list[tuple[str, str]], cfg: TrainConfig) -> dict[str, Any]:
        import torch

        inputs = [student_input(c, cfg.prefix) for c, _ in pairs]
        targets = [t for _, t in pairs]
        if self.seq2seq:
            enc = self.tok(inputs, return_tensors="pt", padding=True, truncation=True, max_length=cfg.max_input_tokens)
            eos_id = self.tok.eos_token_id
            lab_ids = []
            for t in targets:  # the target must end with EOS (T5 tokenizers add it; others may not)
                ids_t = self.tok(t, truncation=True, max_length=cfg.max_target_tokens)["input_ids"]
                if eos_id is not None and (not ids_t or ids_t[-1] != eos_id):
                    ids_t = [*ids_t, eos_id]
                lab_ids.append(ids_t)
            n = max(len(x) for x in lab_ids)
            labels = torch.tensor([x + [-100] * (n - len(x)) for x in lab_ids])
            return {**enc, "labels": labels}
        self.tok.padding_side = "right"
        eos = self.tok.eos_token or ""
        ids, labels = [], []
        for inp, tgt in zip(inputs, targets):
            p = self.tok(inp + CAUSAL_CUE, truncation=True, max_length=cfg.max_input_tokens)["input_ids"]
            t = self.tok(" " + tgt + "\n" + eos, add_special_tokens=False)["input_ids"][: cfg.max_target_tokens]
            ids.append(p + t)
            labels.append([-100] * len(p) + t)
        n = max(len(x) for x in ids)
        pad = self.tok.pad_token_id
        input_ids = torch.tensor([x + [pad] * (n - len(x)) for x in ids])
        attn = torch.tensor([[1] * len(x) + [0] * (n - len(x)) for x in ids])
        lab_t = torch.tensor([y + [-100] * (n - len(y)) for y in labels])
        return {"input_ids": input_ids, "attention_mask": attn, "labels": lab_t}

    def loss(self, pairs: list[tuple[str, str]], cfg: TrainConfig | None = None) -> float:
        """Mean loss over ``pairs`` (no gradient)."""
        import torch

        cfg = cfg or TrainConfig()
        self.model.eval()
        tot = 0.0
        with torch.no_grad():
            for s in range(0, len(pairs), cfg.batch_size):
                chunk = pairs[s : s + cfg.batch_size]
                tot += float(self.model(**self._batch(chunk, cfg)).loss) * len(chunk)
        return tot / max(len(pairs), 1)

    def train(
        self,
        pairs: Sequence[tuple[str, str]],
        cfg: TrainConfig | None = None,
        progress: bool = True,
        log: Callable[[str], None] | None = None,
    ) -> TrainReport:
        """Fine-tune on (caption, interaction) pairs with AdamW; returns the loss curve."""
        import torch
        from tqdm import tqdm

        cfg = cfg or TrainConfig()
        if not pairs:
            raise ValueError("no training pairs")
        rng = random.Random(cfg.seed)
        torch.manual_seed(cfg.seed)
        data = list(pairs)
        steps_per_epoch = math.ceil(len(data) / cfg.batch_size)
        total = max(1, round(steps_per_epoch * cfg.epochs))
        opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr, weight_decay=0.0)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (total - s) / total))
        self.model.train()
        report = TrainReport(steps=total)
        t0 = time.time()
        order: list[tuple[str, str]] = []
        for step in tqdm(range(total), desc="fine-tuning student", disable=not progress):
            if len(order) < cfg.batch_size:
                rng.shuffle(data)
                order.extend(data)
            batch, order = order[: cfg.batch_size], order[cfg.batch_size :]
            loss = self.model(**self._batch(batch, cfg)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            report.losses.append(loss.item())
            if log is not None and (step % cfg.log_every == 0 or step == total - 1):
                log(f"step {step + 1}/{total} loss {loss.item():.3f}")
        self.model.eval()
        report.seconds = time.time() - t0
        return report


def paper_decoding(task_params: dict[str, Any], max_length: int = MAX_NEW_TOKENS) -> dict[str, Any]:
    """Generation settings of the paper's ``pipeline("summarization")`` call: the model's
    summarisation task settings (T5: 4 beams, length penalty 2.0, no repeated 3-grams, early
    stopping) with ``min_length=1, max_length=20``."""
    kw: dict[str, Any] = {"do_sample": False, "min_length": 1, "max_length": max_length}
    for key in ("num_beams", "length_penalty", "no_repeat_ngram_size", "early_stopping"):
        if key in task_params:
            kw[key] = task_params[key]
    return kw


def clean_output(text: str) -> str:
    """First line of a generation, dummy names masked back to ``_``, tidied."""
    line = text.strip().split("\n", 1)[0]
    return normalise_interaction(mask_names(line, DUMMY_NAMES))


def iter_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                yield json.loads(line)
            except ValueError:
                continue
