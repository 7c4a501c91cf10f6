from __future__ import annotations

import pytest

from hhikit.errors import ConfigError
from hhikit.types import Shot
from hhikit.video.clips import make_clips


def shots(n):
    return [Shot(float(i), float(i + 1), i * 25, (i + 1) * 25) for i in range(n)]


def test_windows_of_three_stride_one():
    c = make_clips(shots(6))
    assert [x.shots for x in c] == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
    assert (c[1].start, c[1].end) == (1.0, 4.0)


def test_short_scene_is_one_clip_and_stride_covers_end():
    assert [x.shots for x in make_clips(shots(2))] == [[0, 1]]
    assert [x.shots for x in make_clips(shots(7), 3, 3)] == [[0, 1, 2], [3, 4, 5], [4, 5, 6]]
    assert make_clips([]) == []
    with pytest.raises(ConfigError):
        make_clips(shots(3), 0)
