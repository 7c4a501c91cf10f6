"""An example detector plugin: the ``keep`` largest people found by another detector (for
photo collections where only the people in front matter). A new detector is this: one
file and one decorator.

    hhi analyze photo.jpg --plugin examples/plugins/largest_people.py --detector largest \\
        --detector-option keep=2
"""

from __future__ import annotations

import numpy as np

from hhikit.perception import get_detector, register_detector
from hhikit.perception.base import sort_and_number
from hhikit.types import Person


@register_detector("largest")
class LargestPeople:
    """The ``keep`` people with the largest boxes among those ``inner`` finds."""

    name = "largest"

    def __init__(self, keep: int = 2, inner: str = "movenet") -> None:
        self.keep = int(keep)
        self.inner = get_detector(inner)

    def detect(self, image: np.ndarray) -> list[Person]:
        people = sorted(self.inner.detect(image), key=lambda p: -p.area)[: self.keep]
        return sort_and_number(people)
