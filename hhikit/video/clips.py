"""Clips: windows of N consecutive shots (default 3, stride 1, as the ICCCI system does)."""

from __future__ import annotations

from hhikit.errors import ConfigError
from hhikit.types import Clip, Shot


def make_clips(shots: list[Shot], n: int = 3, stride: int = 1) -> list[Clip]:
    """Windows of ``n`` consecutive shots moved by ``stride``; fewer than ``n`` shots make
    one clip of all of them. A last partial window is added when the stride skips the end."""
    if n < 1 or stride < 1:
        raise ConfigError(f"clip size and stride must be >= 1 (got {n}, {stride})")
    if not shots:
        return []
    if len(shots) <= n:
        return [Clip(shots=list(range(len(shots))), start=shots[0].start, end=shots[-1].end)]
    starts = list(range(0, len(shots) - n + 1, stride))
    if starts[-1] + n < len(shots):
        starts.append(len(shots) - n)
    return [Clip(shots=list(range(i, i + n)), start=shots[i].start, end=shots[i + n - 1].end) for i in starts]
