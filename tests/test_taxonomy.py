from __future__ import annotations

from hhikit import taxonomy
from hhikit.hoi import data as hoi_data
from hhikit.io.export import coco
from hhikit.perception import tfjs_backend
from hhikit.perception.tfjs import centernet


def test_one_coco80_table() -> None:
    assert coco.COCO80 is centernet.COCO80 is tfjs_backend.COCO80 is hoi_data.COCO80 is taxonomy.COCO80
    assert coco.COCO80_IDS is taxonomy.COCO80_IDS
    assert len(set(taxonomy.COCO80)) == len(set(taxonomy.COCO80_IDS)) == 80
    assert taxonomy.COCO80[0] == "person" and taxonomy.COCO80[-1] == "toothbrush"
    assert dict(zip(taxonomy.COCO80, taxonomy.COCO80_IDS))["hair drier"] == 89
    starts = [s for s, _ in taxonomy.COCO80_SUPERCATEGORIES]
    assert starts == sorted(starts) and starts[0] == 0 and len(starts) == 12
