"""Text metrics of free-text interactions (Waldo and Wenda, imSitu-HHI, pseudo-label filters).

An interaction text has the form ``_ <verb>ing ... _`` where ``_`` stands for a person. The
metrics, after Alper & Averbuch-Elor (ICCV 2023):

- **verb similarity**: cosine similarity of the word vectors of the *second word* of the two
  texts (the verb of ``_ <verb>ing ... _``); 0 when either verb is out of vocabulary. ``verb=
  "paper"`` takes ``text.split()[1]`` as it is, looked up case-sensitively (the paper's
  ``modeling/src/eval.py``); ``verb="lenient"`` lower-cases it and strips punctuation. The paper
  uses GloVe ``glove-wiki-gigaword-200``; hhikit defaults to the packaged GloVe 6B 50-d
  vectors (card ``glove-6b-50d``) and reads any GloVe text / word2vec file when given.
- **BLEURT** (BLEURT-20 in the paper): a learned reference-candidate score with every ``_``
  replaced by ``person`` in both texts (the paper's ``str.replace``), from a local checkpoint
  (``hhikit.eval.bleurt``).
- **NLI entailment / contradiction**: probabilities from a sequence-classification NLI model
  with the gold caption as premise and the predicted text, ``_`` kept, as hypothesis (as the
  paper).
- **sentence similarity** (hhikit's addition): cosine of MiniLM sentence embeddings of the
  texts with ``_`` -> ``person`` (:func:`person_text`, card ``minilm``).

``TextMetrics``
loads each model once and is meant to be kept and reused (the describer and the pseudo-label
filter call it in loops).
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from hhikit.errors import InputError, ModelUnavailable

_PUNCT = re.compile(r"^[^\w]+|[^\w]+$")


def verb_of(text: str) -> str | None:
    """The second word of an interaction text (``_ hugging _`` -> ``hugging``), lower case,
    punctuation stripped; None when the text has fewer than two words."""
    words = text.split()
    if len(words) < 2:
        return None
    w = _PUNCT.sub("", words[1].lower())
    return w or None


VerbMode = Literal["paper", "lenient"]
VERB_MODES: tuple[str, ...] = ("paper", "lenient")


def paper_verb(text: str) -> str:
    """The paper's verb: ``text.split()[1]`` as it is (``""`` when there is no second word)."""
    words = text.split()
    return words[1] if len(words) > 1 else ""


def paper_person(text: str) -> str:
    """The paper's BLEURT input: every ``_`` replaced by ``person`` (``str.replace``)."""
    return text.replace("_", "person")


def person_text(text: str) -> str:
    """``_`` placeholders become ``person`` (``_'s`` -> ``person's``), whitespace normalised."""
    return " ".join(re.sub(r"(?<![\w])_(?![\w])", "person", text).split())


# ---------------------------------------------------------------- word vectors


class WordVectors:
    """A word -> unit vector table (rows L2-normalised once, so cosine is a dot product)."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray, name: str = "vectors") -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(words) != vectors.shape[0]:
            raise InputError(f"word vectors {name!r}: {len(words)} words but array of shape {vectors.shape}")
        self.name = name
        self.index: dict[str, int] = {}
        self.lower_index: dict[str, int] = {}
        for i, w in enumerate(words):  # the first of equal words wins, as in the file
            self.index.setdefault(w, i)
            self.lower_index.setdefault(w.lower(), i)
        self._raw = vectors
        self._unit: np.ndarray | None = None

    @property
    def dim(self) -> int:
        return int(self._raw.shape[1])

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def unit(self, word: str, exact: bool = False) -> np.ndarray | None:
        """The L2-normalised vector of ``word`` (looked up as it is with ``exact``, else
        lower-cased), None if out of vocabulary."""
        i = self.index.get(word) if exact else self.lower_index.get(word.lower())
        if i is None:
            return None
        v = np.asarray(self._raw[i], dtype=np.float64)
        n = float(np.linalg.norm(v))
        return v / n if n > 0 else None

    def similarity(self, a: str | None, b: str | None, exact: bool = False) -> float:
        """Cosine similarity of two words; 0.0 when either is missing or out of vocabulary."""
        if not a or not b:
            return 0.0
        va, vb = self.unit(a, exact), self.unit(b, exact)
        if va is None or vb is None:
            return 0.0
        return float(np.clip(va @ vb, -1.0, 1.0))

    @classmethod
    def packaged(cls, name: str = "glove-6b-50d") -> WordVectors:
        """The packaged GloVe 6B 50-d vectors: ``glove_6B_50d_emb.npy`` (400,000 x 50) and its
        vocabulary ``glove_6B_index.parquet`` (one column ``index``; row i names row i)."""
        from hhikit.models.store import resolve

        res = resolve(name)
        emb_path = res.path("glove_6B_50d_emb.npy")
        idx_path = res.root / "glove_6B_index.parquet"
        if not idx_path.exists():
            raise ModelUnavailable(f"model {name!r}: vocabulary file {idx_path} is missing")
        try:
            import pyarrow.parquet as pq
        except ImportError as exc:  # pragma: no cover - pyarrow is pinned
            raise ModelUnavailable(f"model {name!r}: reading its vocabulary needs pyarrow") from exc
        words = pq.read_table(idx_path, columns=["index"]).column("index").to_pylist()
        vectors = np.load(emb_path, mmap_mode="r")
        return cls(words, vectors, name=name)

    @classmethod
    def from_file(cls, path: str | Path, keep: Iterable[str] | None = None) -> WordVectors:
        """GloVe text (``word v1 ... vd`` per line), word2vec text (same with an ``N D`` header
        line) or word2vec binary, optionally gzipped. ``keep`` limits the table to these words
        (compared lower-cased), which makes reading a 400k-word file much cheaper in memory;
        words keep their case (exact look-ups are case-sensitive, lenient ones are not)."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path}: word-vector file not found")
        keep_set = {w.lower() for w in keep} if keep is not None else None
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as fh:
            first = fh.readline()
            head = first.split()
            if len(head) == 2 and all(t.isdigit() for t in head):
                n, d = int(head[0]), int(head[1])
                pos = fh.tell()
                probe = fh.read(4096)
                fh.seek(pos)
                binary = b"\x00" in probe or len(probe.split(b"\n")[0].split()) != d + 1
                if binary:
                    return cls._read_w2v_binary(fh, n, d, keep_set, path)
                lines: Iterable[bytes] = fh
            else:
                lines = _chain([first], fh)
            return cls._read_text(lines, keep_set, path)

    @classmethod
    def _read_text(cls, lines: Iterable[bytes], keep: set[str] | None, path: Path) -> WordVectors:
        words: list[str] = []
        rows: list[np.ndarray] = []
        dim = None
        for ln, raw in enumerate(lines, 1):
            parts = raw.rstrip().split(b" ")
            if len(parts) < 2:
                continue
            word = parts[0].decode("utf-8", "replace")
            if keep is not None and word.lower() not in keep:
                continue
            try:
                vec = np.array(parts[1:], dtype=np.float32)
            except ValueError:
                raise InputError(f"{path}: line {ln} is not 'word v1 v2 ...'") from None
            if dim is None:
                dim = vec.size
            elif vec.size != dim:
                raise InputError(f"{path}: line {ln} has {vec.size} values, expected {dim}")
            words.append(word)
            rows.append(vec)
        if dim is None and keep is None:
            raise InputError(f"{path}: no word vectors found")
        arr = np.stack(rows) if rows else np.zeros((0, dim or 1), np.float32)
        return cls(words, arr, name=path.name)

    @classmethod
    def _read_w2v_binary(cls, fh, n: int, d: int, keep: set[str] | None, path: Path) -> WordVectors:  # type: ignore[no-untyped-def]
        words: list[str] = []
        rows: list[np.ndarray] = []
        nbytes = 4 * d
        for _ in range(n):
            buf = bytearray()
            while True:
                ch = fh.read(1)
                if not ch:
                    raise InputError(f"{path}: truncated word2vec binary file")
                if ch == b" ":
                    break
                if ch != b"\n":
                    buf += ch
            vec = np.frombuffer(fh.read(nbytes), dtype="<f4")
            if vec.size != d:
                raise InputError(f"{path}: truncated word2vec binary file")
            word = buf.decode("utf-8", "replace")
            if keep is None or word.lower() in keep:
                words.append(word)
                rows.append(vec.copy())
        arr = np.stack(rows) if rows else np.zeros((0, d), np.float32)
        return cls(words, arr, name=path.name)


def _chain(first: list[bytes], rest: Iterable[bytes]) -> Iterable[bytes]:
    yield from first
    yield from rest


# ---------------------------------------------------------------- text models


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _need_dir(path: str | Path, what: str) -> Path:
    p = Path(path).expanduser()
    if not p.is_dir() or not (p / "config.json").exists():
        raise ModelUnavailable(f"{what}: no model directory with a config.json at {p}")
    return p


class SentenceSimilarity:
    """Cosine similarity of sentence embeddings (MiniLM by default)."""

    def __init__(self, model_dir: str | Path | None = None, card: str = "minilm") -> None:
        _offline()
        from hhikit.models.store import resolve

        root = resolve(card, local_dir=model_dir).root
        try:
            from sentence_transformers import SentenceTransformer

            self.model = SentenceTransformer(str(root), device="cpu")
        except Exception as exc:
            raise ModelUnavailable(f"sentence model at {root} could not be loaded: {exc}") from exc
        self.name = card if model_dir is None else str(model_dir)
        self._cache: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, cached per text (labels repeat a lot)."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            vecs = self.model.encode(todo, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
            for t, v in zip(todo, vecs, strict=True):
                self._cache[t] = np.asarray(v, dtype=np.float32)
        if not texts:
            return np.zeros((0, 1), np.float32)
        return np.stack([self._cache[t] for t in texts])

    def pairwise(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """Cosine of a[i] with b[i]."""
        if not a:
            return np.zeros(0)
        return np.einsum("ij,ij->i", self.embed(list(a)), self.embed(list(b))).astype(float)


class Bleurt:
    """BLEURT from a local checkpoint: ``score(references, candidates)`` (higher is better).

    A directory whose config has ``model_type == "bleurt"`` (the PyTorch port of BLEURT-20) is
    run by :mod:`hhikit.eval.bleurt` with its own state-dict names; a plain transformers
    sequence-classification model with one output loads with transformers alone.
    """

    def __init__(self, model_dir: str | Path, batch_size: int = 16) -> None:
        from hhikit.eval import bleurt as port

        _offline()
        root = _need_dir(model_dir, "BLEURT")
        import json

        cfg = json.loads((root / "config.json").read_text())
        try:
            if cfg.get("model_type") == "bleurt":
                self.model = port.load_bleurt_port(root, cfg)
                self.tokenizer = port.load_tokenizer(root)
            else:
                from transformers import AutoModelForSequenceClassification, AutoTokenizer

                self.model = AutoModelForSequenceClassification.from_pretrained(str(root))
                self.tokenizer = AutoTokenizer.from_pretrained(str(root))
                if int(self.model.config.num_labels) != 1:
                    raise ModelUnavailable(
                        f"BLEURT checkpoint {root}: a regression model has 1 output, this one has "
                        f"{self.model.config.num_labels}"
                    )
                self.model.eval()
        except ModelUnavailable:
            raise
        except Exception as exc:
            raise ModelUnavailable(f"BLEURT checkpoint at {root} could not be loaded: {exc}") from exc
        self.batch_size = batch_size
        self.name = str(root)

    def score(self, references: Sequence[str], candidates: Sequence[str]) -> np.ndarray:
        from hhikit.eval.bleurt import score_pairs

        return score_pairs(self.model, self.tokenizer, references, candidates, self.batch_size)


class NLI:
    """Entailment and contradiction probabilities of (premise, hypothesis) pairs from a local
    transformers sequence-classification model; the label order comes from its ``id2label``."""

    def __init__(self, model_dir: str | Path, batch_size: int = 16) -> None:
        _offline()
        root = _need_dir(model_dir, "NLI")
        try:
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            self.model = AutoModelForSequenceClassification.from_pretrained(str(root))
            self.tokenizer = AutoTokenizer.from_pretrained(str(root))
        except Exception as exc:
            raise ModelUnavailable(f"NLI model at {root} could not be loaded: {exc}") from exc
        self.model.eval()
        labels = {int(k): str(v).lower() for k, v in self.model.config.id2label.items()}
        self.entail = _find_label(labels, "entail", root)
        self.contra = _find_label(labels, "contradict", root)
        self.batch_size = batch_size
        self.name = str(root)

    def probs(self, premises: Sequence[str], hypotheses: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(entailment, contradiction) probabilities, one per pair."""
        import torch

        ent, con = [], []
        for i in range(0, len(premises), self.batch_size):
            enc = self.tokenizer(
                list(premises[i : i + self.batch_size]),
                list(hypotheses[i : i + self.batch_size]),
                padding=True, truncation=True, max_length=512, return_tensors="pt",
            )  # fmt: skip
            with torch.inference_mode():
                p = torch.softmax(self.model(**enc).logits.float(), dim=-1).numpy()
            ent.append(p[:, self.entail])
            con.append(p[:, self.contra])
        if not ent:
            return np.zeros(0), np.zeros(0)
        return np.concatenate(ent).astype(float), np.concatenate(con).astype(float)


def _find_label(labels: dict[int, str], stem: str, root: Path) -> int:
    hits = [i for i, name in labels.items() if stem in name]
    if len(hits) != 1:
        raise ModelUnavailable(f"NLI model at {root}: id2label {labels} has no single '{stem}*' label")
    return hits[0]


# ---------------------------------------------------------------- the bundle


def _local_or_card(path: str | Path | None, card: str) -> Path:
    """The given directory, else the card's default local directory (``hhi models list``)."""
    if path is not None:
        return Path(path)
    from hhikit.models.store import resolve

    return resolve(card).root


@dataclass
class TextMetrics:
    """Load the text metrics once and reuse them.

    Every metric that cannot be loaded is recorded in ``unavailable`` (name -> reason) instead of
    raising, so reports can say *why* a metric is missing. Construct with :meth:`load`.
    """

    vectors: WordVectors | None = None
    sentence: SentenceSimilarity | None = None
    bleurt: Bleurt | None = None
    nli: NLI | None = None
    unavailable: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        glove: str | Path | None = None,
        bleurt: str | Path | None = None,
        nli: str | Path | None = None,
        sentence: bool | str | Path = True,
        glove_keep: Iterable[str] | None = None,
    ) -> TextMetrics:
        """``glove``: a GloVe/word2vec file (default: the packaged 50-d vectors). ``bleurt`` and
        ``nli``: local model directories (None: metric unavailable). ``sentence``: True for the
        packaged MiniLM, a directory for another sentence-transformers model, False to skip."""
        tm = cls()
        try:
            tm.vectors = WordVectors.from_file(glove, keep=glove_keep) if glove else WordVectors.packaged()
        except (ModelUnavailable, InputError) as exc:
            tm.unavailable["verb_sim"] = str(exc)
        if sentence is False:
            tm.unavailable["minilm"] = "disabled"
        else:
            try:
                tm.sentence = SentenceSimilarity(None if sentence is True else sentence)  # type: ignore[arg-type]
            except ModelUnavailable as exc:
                tm.unavailable["minilm"] = str(exc)
        try:
            tm.bleurt = Bleurt(_local_or_card(bleurt, "bleurt-20"))
        except ModelUnavailable as exc:
            tm.unavailable["bleurt"] = str(exc)
        try:
            tm.nli = NLI(_local_or_card(nli, "nli"))
        except ModelUnavailable as exc:
            tm.unavailable["nli_entail"] = tm.unavailable["nli_contra"] = str(exc)
        return tm

    def verb_similarity(self, prediction: str, label: str, verb: VerbMode = "lenient") -> float:
        """Cosine of the GloVe vectors of the two texts' verbs (second words); 0 if OOV.
        ``verb="paper"``: the second words as they are, case-sensitive look-up."""
        if self.vectors is None:
            raise ModelUnavailable(self.unavailable.get("verb_sim", "no word vectors loaded"))
        if verb == "paper":
            return self.vectors.similarity(paper_verb(prediction), paper_verb(label), exact=True)
        if verb != "lenient":
            raise ValueError(f"unknown verb mode {verb!r} (paper or lenient)")
        return self.vectors.similarity(verb_of(prediction), verb_of(label))

    def sentence_similarity(self, predictions: Sequence[str], labels: Sequence[str]) -> np.ndarray:
        if self.sentence is None:
            raise ModelUnavailable(self.unavailable.get("minilm", "no sentence model loaded"))
        return self.sentence.pairwise([person_text(t) for t in predictions], [person_text(t) for t in labels])

    def bleurt_score(self, predictions: Sequence[str], labels: Sequence[str]) -> np.ndarray:
        if self.bleurt is None:
            raise ModelUnavailable(self.unavailable.get("bleurt", "no BLEURT model loaded"))
        return self.bleurt.score([paper_person(t) for t in labels], [paper_person(t) for t in predictions])

    def nli_probs(self, predictions: Sequence[str], captions: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(entailment, contradiction) of each prediction (``_`` kept) given its gold caption as
        premise, both as they are (the paper's ``nli_tokenizer.encode(caption, pred)``)."""
        if self.nli is None:
            raise ModelUnavailable(self.unavailable.get("nli_entail", "no NLI model loaded"))
        return self.nli.probs(list(captions), list(predictions))

    def score_pairs(
        self,
        predictions: Sequence[str],
        labels: Sequence[str],
        captions: Sequence[str] | None = None,
        verb: VerbMode = "lenient",
    ) -> dict[str, np.ndarray]:
        """Every available metric for each (prediction, label) pair, batched: ``verb_sim``,
        ``minilm``, ``bleurt`` and, when ``captions`` (NLI premises) are given, ``nli_entail``
        and ``nli_contra``. Unavailable metrics are simply absent (see ``unavailable``)."""
        if len(predictions) != len(labels) or (captions is not None and len(captions) != len(labels)):
            raise ValueError("predictions, labels and captions differ in length")
        out: dict[str, np.ndarray] = {}
        if self.vectors is not None:
            out["verb_sim"] = np.array([self.verb_similarity(p, g, verb) for p, g in zip(predictions, labels)], float)
        if self.sentence is not None:
            out["minilm"] = self.sentence_similarity(predictions, labels)
        if self.bleurt is not None:
            out["bleurt"] = self.bleurt_score(predictions, labels)
        if self.nli is not None and captions is not None:
            out["nli_entail"], out["nli_contra"] = self.nli_probs(predictions, captions)
        return out

    def available(self) -> list[str]:
        names = ["verb_sim", "bleurt", "nli_entail", "nli_contra", "minilm"]
        return [n for n in names if n not in self.unavailable]
