"""Cards of the optional text-metric models (local directories, Hugging Face layout).

Neither ships in a package: put a checkpoint in the directory named by ``source`` (or pass
``--bleurt DIR`` / ``--nli DIR``) and the Waldo and Wenda report includes the metric; without
it the metric is reported as unavailable, never as 0.
"""

from __future__ import annotations

from hhikit.models.card import ModelCard, register_card

BLEURT = register_card(
    ModelCard(
        name="bleurt-20",
        task="text-similarity",
        source_kind="local",
        source="~/.cache/hhikit/models/bleurt-20",
        files=("config.json",),
        licence="Apache-2.0 (BLEURT)",
        size_mb=2200.0,
        obtain="put a BLEURT-20 PyTorch checkpoint (the bleurt-pytorch layout, model_type 'bleurt', or a "
        "one-logit sequence-regression model; config.json, weights, tokenizer) in ~/.cache/hhikit/models/bleurt-20 "
        "or pass --bleurt DIR",
        description="BLEURT-20 learned text similarity (Waldo and Wenda metric)",
    )
)

NLI = register_card(
    ModelCard(
        name="nli",
        task="text-classification",
        source_kind="local",
        source="~/.cache/hhikit/models/nli",
        files=("config.json",),
        licence="see the model",
        size_mb=0.0,
        obtain="put a transformers sequence-classification NLI model (id2label with entailment and "
        "contradiction) in ~/.cache/hhikit/models/nli or pass --nli DIR",
        description="natural language inference: entailment / contradiction of a prediction given the caption",
    )
)
