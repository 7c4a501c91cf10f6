"""The LLM teacher: few-shot generation of synthetic (interaction, caption) pairs.

Step a writes new interactions from seed interactions (one per line, people as two dummy
names, sampled with top-p 0.95 at temperature 1.0); step b writes a caption for each with
10 in-context examples ``Caption of image showing <interaction>:\\n<caption>`` (temperature
0.7). Both forbid repeated 3-grams and stop at the first newline. Seeds and in-context
examples come from the project's own seed set (``data/seeds.json``), never from the test
data. The default teacher is the packaged SmolLM2-135M-Instruct, a *weak* teacher (the
paper used GPT-Neo 1.3B): expect many rejected and some odd pairs. Any local causal LM
directory in Hugging Face layout can replace it.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hhikit.errors import HHIError, InputError, ModelUnavailable
from hhikit.pseudolabel.format import DUMMY_NAMES, is_valid_interaction, mask_names, normalise_interaction

SEEDS_PATH = Path(__file__).with_name("data") / "seeds.json"
DEFAULT_TEACHER = "smollm2-135m-instruct"
BANNED_WORDS = re.compile(r"\b(photo|image|picture|caption|in this)\b", re.IGNORECASE)


#: The dummy names of the paper's ``ww_parses.csv`` (``encoded`` captions and their
#: ``parses``), plus ``Alice``, which its prompts also remap; read to decode that file.
PAPER_NAMES: tuple[str, ...] = (
    "Adam", "Bob", "Cindy", "David", "Eliza", "Francis", "George", "Harold", "Ilana", "Jessica", "Alice",
)  # fmt: skip
_SLOT = re.compile(r"\[P(\d+)\]")


@dataclass(frozen=True)
class Seeds:
    """Seeds of the teacher's prompts. ``pairs`` (interaction, caption) are step b's
    in-context examples; ``step_a`` the interactions that prompt step a (default: those of
    ``pairs``). People are ``_`` (filled in order) or ``[Pk]`` slots (the k-th name of the
    example, so the caption and its interaction name the same people); an interaction may
    list alternatives separated by ``;`` (one is drawn per prompt, as the paper did)."""

    pairs: tuple[tuple[str, str], ...]
    names: tuple[str, ...] = DUMMY_NAMES
    step_a: tuple[str, ...] = ()

    @property
    def interactions(self) -> tuple[str, ...]:
        return self.step_a or tuple(i for i, _ in self.pairs)

    @classmethod
    def load(cls, path: str | Path = SEEDS_PATH) -> Seeds:
        try:
            data = json.loads(Path(path).read_text())
            pairs = tuple((p["interaction"], p["caption"]) for p in data["pairs"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}: not a seed file ({exc})") from None
        if len(pairs) < 2:
            raise InputError(f"{path}: needs at least two seed pairs")
        return cls(pairs, tuple(data.get("names") or DUMMY_NAMES))

    @classmethod
    def from_parses(cls, paths: list[str | Path] | tuple[str | Path, ...]) -> Seeds:
        """Seeds from the paper's files: a CC-News parses CSV (column ``parsed``: ``;``-separated
        interactions with ``[NAME]`` for people) seeds step a; ``ww_parses.csv`` (``parses`` and
        ``encoded``: caption and interactions with the dummy names ``Adam``, ``Bob``, ...)
        gives step b's examples. What is not given comes from the project's seeds."""
        base = cls.load()
        step_a: list[str] = []
        pairs: list[tuple[str, str]] = []
        for path in paths:
            for rec in read_csv_rows(Path(path), ({"parsed"}, {"parses", "encoded"})):
                if "parsed" in rec:
                    step_a.extend(x.strip().replace("[NAME]", "_") for x in rec["parsed"].split(";") if x.strip())
                else:
                    inters = [_to_slots(x.strip()) for x in rec["parses"].split(";") if x.strip()]
                    if inters and rec["encoded"].strip():
                        pairs.append((";".join(inters), _to_slots(rec["encoded"].strip())))
        if len(pairs) == 1 or (not pairs and not step_a):
            raise InputError(f"{', '.join(map(str, paths))}: fewer than two usable seed rows")
        return cls(tuple(pairs) or base.pairs, base.names, tuple(step_a))


def _to_slots(text: str) -> str:
    """``Adam hugs Bob`` -> ``[P0] hugs [P1]`` (the paper's dummy names as numbered slots)."""
    for k, name in enumerate(PAPER_NAMES):
        text = re.sub(rf"\b{name}\b", f"[P{k}]", text)
    return text


def read_csv_rows(path: Path, layouts: tuple[set[str], ...], what: str = "parses") -> Iterator[dict[str, str]]:
    """Rows of a ``.csv`` / ``.csv.gz`` that has the columns of one of ``layouts``."""
    import csv

    from hhikit.pseudolabel.postprocess import open_text

    if not path.is_file():
        raise InputError(f"{path}: {what} file not found")
    try:
        with open_text(path) as fh:
            reader = csv.DictReader(fh)
            cols = set(reader.fieldnames or ())
            if not any(lay <= cols for lay in layouts):
                want = " or ".join("+".join(sorted(lay)) for lay in layouts)
                raise InputError(f"{path}: needs the columns {want} (found {sorted(cols)})")
            for rec in reader:
                yield {k: v or "" for k, v in rec.items() if k is not None}
    except (OSError, UnicodeDecodeError, csv.Error, EOFError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None


@dataclass
class TeacherConfig:
    """Sampling settings of the paper (top-p 0.95; temperature 1.0 / 0.7; no repeated 3-grams)."""

    n_examples: int = 10
    top_p: float = 0.95
    temperature_interaction: float = 1.0
    temperature_caption: float = 0.7
    no_repeat_ngram_size: int = 3
    max_new_tokens_interaction: int = 20
    max_new_tokens_caption: int = 48
    batch_size: int = 8
    seed: int = 0
    #: "generate" (step a, the paper) or "seeds": skip step a and caption the seed interactions
    #: themselves, for teachers too weak (or CPUs too slow) to write valid new interactions.
    interactions: str = "generate"


# ---------------------------------------------------------------- causal LM loading


def _gguf_file(root: Path) -> str | None:
    ggufs = sorted(p.name for p in root.glob("*.gguf"))
    return ggufs[0] if ggufs else None


def load_causal_lm(card: str = DEFAULT_TEACHER, local_dir: str | Path | None = None) -> tuple[Any, Any]:
    """A causal LM and its tokenizer from a card or a local directory (Hugging Face layout,
    or a folder with one ``.gguf`` file, de-quantised to float32 by transformers)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from hhikit.models.store import resolve

    root = Path(local_dir) if local_dir is not None else resolve(card).root
    if not root.is_dir():
        raise ModelUnavailable(f"causal LM directory not found: {root}")
    gguf = _gguf_file(root)
    kw: dict[str, Any] = {}
    if gguf and not (root / "config.json").exists():
        cached = gguf_cache_dir(root / gguf)
        if (cached / "config.json").exists():
            root = cached
        else:
            kw = {"gguf_file": gguf}
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        tok = AutoTokenizer.from_pretrained(str(root), **kw)
        model = AutoModelForCausalLM.from_pretrained(str(root), **kw)
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"cannot load a causal LM from {root}: {exc}") from None
    finally:
        hf_logging.set_verbosity(verbosity)
    if kw:  # de-quantising a GGUF is slow (minutes on a busy CPU): keep a float32 copy in the store
        # the weights are plain float32 tensors now; drop the GGUF marker so they can be saved and trained
        model.hf_quantizer = None
        if getattr(model.config, "quantization_config", None) is not None:
            del model.config.quantization_config
        if hasattr(model, "is_quantized"):
            try:
                model.is_quantized = False
            except AttributeError:
                pass
        _save_cache(model, tok, gguf_cache_dir(root / kw["gguf_file"]))
    model.eval()
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return model, tok


def gguf_cache_dir(gguf: Path) -> Path:
    """Where the de-quantised Hugging Face copy of a GGUF file is kept (keyed by name and size)."""
    from hhikit.models.store import store_dir

    size = gguf.stat().st_size if gguf.exists() else 0
    return store_dir() / "converted" / f"{gguf.stem}-{size}"


def _save_cache(model: Any, tok: Any, out: Path) -> None:
    import shutil

    tmp = out.with_name(out.name + ".part")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        model.save_pretrained(str(tmp))
        tok.save_pretrained(str(tmp))
        shutil.rmtree(out, ignore_errors=True)
        tmp.rename(out)
    except Exception:  # a read-only store or an unsavable model only costs speed
        shutil.rmtree(tmp, ignore_errors=True)


def newline_token_ids(tokenizer: Any) -> list[int]:
    """Ids of every token whose text contains a newline (generation stops at any of them)."""
    cached = getattr(tokenizer, "_hhi_newline_ids", None)
    if cached is not None:
        return cached
    ids = [i for i in range(len(tokenizer)) if "\n" in tokenizer.decode([i])]
    try:
        tokenizer._hhi_newline_ids = ids
    except AttributeError:
        pass
    return ids


class LineGenerator:
    """Sampled continuations of prompts, cut at the first newline."""

    def __init__(self, model: Any, tokenizer: Any) -> None:
        self.model = model
        self.tok = tokenizer
        self.stop_ids = newline_token_ids(tokenizer)

    def complete(
        self,
        prompts: list[str],
        temperature: float,
        top_p: float = 0.95,
        max_new_tokens: int = 40,
        no_repeat_ngram_size: int = 3,
    ) -> list[str]:
        """The first line of a sampled continuation of each prompt."""
        import torch

        self.tok.padding_side = "left"
        enc = self.tok(prompts, return_tensors="pt", padding=True)
        eos = list(self.stop_ids) + ([self.tok.eos_token_id] if self.tok.eos_token_id is not None else [])
        with torch.no_grad():
            out = self.model.generate(
                **enc,
                do_sample=True,
                top_p=top_p,
                temperature=temperature,
                max_new_tokens=max_new_tokens,
                no_repeat_ngram_size=no_repeat_ngram_size,
                eos_token_id=eos,
                pad_token_id=self.tok.pad_token_id,
            )
        n = enc["input_ids"].shape[1]
        self.last_new_tokens = int(out.shape[1] - n)
        texts = self.tok.batch_decode(out[:, n:], skip_special_tokens=True)
        return [first_line(t) for t in texts]


def first_line(text: str) -> str:
    """The text up to its first newline, stripped (leading blank lines skipped)."""
    return text.lstrip(" \t").split("\n", 1)[0].strip()


# ---------------------------------------------------------------- the teacher


@dataclass
class Teacher:
    """Few-shot generator of interactions (step a) and captions (step b)."""

    generator: LineGenerator
    seeds: Seeds = field(default_factory=Seeds.load)
    config: TeacherConfig = field(default_factory=TeacherConfig)
    name: str = DEFAULT_TEACHER

    def __post_init__(self) -> None:
        self.rng = random.Random(self.config.seed)
        self.attempts = 0
        self.rejected: Counter[str] = Counter()

    @classmethod
    def from_card(cls, card: str = DEFAULT_TEACHER, local_dir: str | Path | None = None, **kw: Any) -> Teacher:
        model, tok = load_causal_lm(card, local_dir)
        return cls(LineGenerator(model, tok), name=str(local_dir or card), **kw)

    def _two_names(self) -> tuple[str, str]:
        a, b = self.rng.sample(self.seeds.names, 2)
        return a, b

    def _pick(self, interaction: str) -> str:
        """One of the ``;``-separated alternatives."""
        return self.rng.choice(interaction.split(";")) if ";" in interaction else interaction

    def _names_for(self, *texts: str) -> tuple[str, ...]:
        """Distinct random names, enough for every slot and mask of ``texts``."""
        need = max([2] + [int(k) + 1 for t in texts for k in _SLOT.findall(t)] + [t.count("_") for t in texts])
        return tuple(self.rng.sample(self.seeds.names, min(need, len(self.seeds.names))))

    def _fill(self, text: str, names: tuple[str, ...]) -> str:
        text = _SLOT.sub(lambda m: names[min(int(m.group(1)), len(names) - 1)], text)
        parts = text.split("_")
        out = parts[0]
        for i, part in enumerate(parts[1:]):
            out += names[min(i, len(names) - 1)] + part
        return out

    def interaction_prompt(self) -> tuple[str, tuple[str, str]]:
        """Seed interactions, one per line, all with the same two names (the paper's
        Alex/Bailey trick: the model reuses them, so the people are easy to find)."""
        names = self._two_names()
        k = min(self.config.n_examples, len(self.seeds.interactions))
        seeds = [self._pick(i) for i in self.rng.sample(self.seeds.interactions, k)]
        return "".join(self._fill(s, names) + "\n" for s in seeds), names

    def caption_prompt(self, interaction: str) -> tuple[str, tuple[str, str]]:
        """``n_examples`` seed pairs ``Caption of image showing <interaction>:\\n<caption>``
        with fresh names each, then the new interaction."""
        k = min(self.config.n_examples, len(self.seeds.pairs))
        parts = []
        for inter, cap in self.rng.sample(list(self.seeds.pairs), k):
            inter = self._pick(inter)
            ex_names = self._names_for(inter, cap)
            parts.append(f"Caption of image showing {self._fill(inter, ex_names)}:\n{self._fill(cap, ex_names)}\n\n")
        names = self._two_names()
        parts.append(f"Caption of image showing {self._fill(interaction, names)}:\n")
        return "".join(parts), names

    @staticmethod
    def interaction_problem(line: str, names: tuple[str, str]) -> str | None:
        """Why a generated interaction line is rejected (``None``: it is usable). The paper's
        checks: starts with the first name, each name once, no other capitalised word, no
        banned word, then the format rule after masking."""
        a, b = names
        if not line:
            return "empty line"
        if not line.startswith(a + " "):
            return "does not start with the first name"
        if line.count(a) != 1 or len(re.findall(rf"\b{b}\b", line)) != 1:
            return "names missing or repeated"
        rest = line.replace(a, "").replace(b, "")
        if rest != rest.lower():
            return "other capitalised word"
        if BANNED_WORDS.search(line):
            return "banned word"
        if line.endswith((" the", " a")):
            return "ends with an article"
        if not is_valid_interaction(normalise_interaction(mask_names(line, names))):
            return "not `_ <verb>ing ... _`"
        return None

    @staticmethod
    def check_interaction(line: str, names: tuple[str, str]) -> str | None:
        """Mask a generated interaction line; ``None`` unless it is ``A <verb>ing ... B`` with
        each name once and no other proper names."""
        if Teacher.interaction_problem(line, names) is not None:
            return None
        return normalise_interaction(mask_names(line, names))

    @staticmethod
    def caption_problem(line: str, names: tuple[str, ...] | list[str] = ()) -> str | None:
        """Why a generated caption is rejected (``None``: it is usable): it must name both
        people (the paper's check), be 4-60 words long and hold no banned word."""
        words = line.split()
        if any(not re.search(rf"\b{re.escape(n)}\b", line) for n in names):
            return "caption lacks a name"
        if not 4 <= len(words) <= 60:
            return "caption not 4-60 words"
        if BANNED_WORDS.search(line):
            return "banned word in caption"
        if "showing" in line.lower()[:30]:
            return "caption repeats the prompt"
        return None

    @staticmethod
    def check_caption(line: str) -> bool:
        return Teacher.caption_problem(line) is None

    def new_interactions(self, n: int, max_tries: int | None = None) -> Iterator[str]:
        """Up to ``n`` new valid interactions (masked), sampled ``batch_size`` at a time;
        every prompt counts in ``self.attempts`` and every rejection in ``self.rejected``."""
        c = self.config
        made = tries = 0
        limit = max_tries if max_tries is not None else 20 * n + c.batch_size
        while made < n and tries < limit:
            prompts = [self.interaction_prompt() for _ in range(min(c.batch_size, limit - tries))]
            lines = self.generator.complete(
                [p for p, _ in prompts], c.temperature_interaction, c.top_p,
                c.max_new_tokens_interaction, c.no_repeat_ngram_size,
            )  # fmt: skip
            tries += len(prompts)
            self.attempts += len(prompts)
            for line, (_, names) in zip(lines, prompts):
                why = self.interaction_problem(line, names)
                if why is not None:
                    self.rejected[f"interaction: {why}"] += 1
                    continue
                if made < n:
                    made += 1
                    yield normalise_interaction(mask_names(line, names))

    def captions(self, interactions: list[str]) -> Iterator[dict[str, Any]]:
        """One synthetic caption per interaction: ``{"interaction", "caption", "names", "ok"}``."""
        c = self.config
        for start in range(0, len(interactions), c.batch_size):
            batch = interactions[start : start + c.batch_size]
            prompts = [self.caption_prompt(i) for i in batch]
            lines = self.generator.complete(
                [p for p, _ in prompts], c.temperature_caption, c.top_p,
                c.max_new_tokens_caption, c.no_repeat_ngram_size,
            )  # fmt: skip
            self.attempts += len(prompts)
            for inter, line, (_, names) in zip(batch, lines, prompts):
                why = self.caption_problem(line, names)
                if why is not None:
                    self.rejected[why] += 1
                yield {"interaction": inter, "caption": line, "names": list(names), "ok": why is None}


def generate_pairs(
    teacher: Teacher,
    n: int,
    out: str | Path,
    progress: bool = True,
    log: Any = None,
    max_attempts: int | None = None,
) -> Path:
    """Append raw synthetic pairs to ``out`` (JSONL) until it holds ``n`` usable ones.
    Resumable: existing lines are counted, not redone. At most ``max_attempts`` prompts
    (default ``30 * n``, both steps counted) are tried; when the budget runs out first, an
    ``HHIError`` says how many were rejected and why."""
    from tqdm import tqdm

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    have = 0
    if out.exists():
        for line in out.read_text().splitlines():
            try:
                have += bool(json.loads(line).get("ok"))
            except ValueError:
                continue
    budget = max_attempts if max_attempts is not None else 30 * max(n, 1)
    start = teacher.attempts
    bar = tqdm(total=n, initial=min(have, n), desc="synthetic pairs", disable=not progress)
    with out.open("a", encoding="utf-8") as fh:
        while have < n and teacher.attempts - start < budget:
            step = min(teacher.config.batch_size, n - have)
            if teacher.config.interactions == "seeds":
                inters = [teacher._pick(teacher.rng.choice(teacher.seeds.interactions)) for _ in range(step)]
            else:
                left = budget - (teacher.attempts - start)
                inters = list(teacher.new_interactions(step, max_tries=left))
            if not inters:
                continue
            for rec in teacher.captions(inters):
                rec["teacher"] = teacher.name
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                fh.flush()
                if rec["ok"]:
                    have += 1
                    bar.update(1)
                if log is not None:
                    log(rec)
    bar.close()
    if have < n:
        why = ", ".join(f"{k} x{v}" for k, v in teacher.rejected.most_common()) or "nothing usable"
        raise HHIError(
            f"teacher {teacher.name} wrote {have} of {n} usable pairs in {teacher.attempts - start} attempts "
            f"(budget {budget}); rejected: {why}. Use a bigger teacher (--teacher-dir), "
            "--seed-interactions, or fewer --pairs"
        )
    return out
