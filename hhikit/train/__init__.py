"""Training loops and checkpoints of the trainable models."""
