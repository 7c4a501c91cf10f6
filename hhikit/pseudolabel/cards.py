"""The card of the project's default student summariser (built here, kept in the store)."""

from __future__ import annotations

from hhikit.models.card import ModelCard, register_card

STUDENT_CARD = ModelCard(
    name="pseudolabel-student",
    task="caption-summarisation",
    source_kind="package",
    source="store:pseudolabel-student",
    files=("config.json", "hhikit_student.json"),
    licence="Apache-2.0 (SmolLM2 weights, fine-tuned here on the project's seed pairs)",
    size_mb=517.0,
    obtain="run `hhi models setup pseudolabel-student` (fine-tunes SmolLM2-135M on 40 seed pairs; a few "
    "minutes on a CPU, about 520 MB), or `hhi pseudolabel --train-student` (teacher-written pairs; longer)",
    description="SmolLM2-135M fine-tuned on (caption, interaction) pairs; weak",
    setup="pseudolabel-student",
    # trains a model for minutes: only when asked by name, never in a plain `hhi models setup`
    extra={"on_request": True},
)
register_card(STUDENT_CARD)
