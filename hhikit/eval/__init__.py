"""Metrics and benchmark runners of the three systems (HOI mAP, interactiveness AP, Waldo and
Wenda text metrics, multi-label F1, shot boundaries)."""
