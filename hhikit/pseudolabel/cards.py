"""The card of the project's default student summariser (built here, kept in the store)."""

from __future__ import annotations

from hhikit.models.card import ModelCard, register_card

STUDENT_CARD = ModelCard(
    name="pseudolabel-student",
    task="caption-summarisation",
    source_kind="package",
    source="store:pseudolabel-student",
    files=("config.json", "hhikit_student.json"),
    licence="Apache-2.0 (SmolLM2 weights, fine-tuned here on synthetic pairs)",
    size_mb=540.0,
    obtain="run `hhi pseudolabel --train-student` (fine-tunes SmolLM2-135M on synthetic pairs; minutes on a CPU)",
    description="SmolLM2-135M fine-tuned on teacher-written (caption, interaction) pairs; weak",
)
register_card(STUDENT_CARD)
