from __future__ import annotations

import json

from hhikit.cli import main
from hhikit.video.writers import contact_sheet, interactions_vtt, write_outputs


def test_outputs_and_contact_sheet(video_pipeline, scenes, tmp_path):
    p = [s for s in scenes if s.name.startswith("sophie")][0]
    full = video_pipeline.analyze_full(p)
    sheet = contact_sheet(full.result, full.samples, tile_width=200)
    assert sheet.ndim == 3 and sheet.shape[1] >= 200 and sheet.std() > 10
    vtt = interactions_vtt(full.result)
    assert vtt.startswith("WEBVTT") and full.result.clips[0].labels[0].label in vtt
    names = {x.name for x in write_outputs(full.result, tmp_path, full.samples)}
    assert names == {"sophie-7.json", "sophie-7.srt", "sophie-7.vtt", "sophie-7.interactions.vtt", "sophie-7.png"}
    assert "-->" in (tmp_path / "sophie-7.srt").read_text()


def test_cli_json(scenes, tmp_path, capsys, video_pipeline):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"nope")
    code = main(["video", str(scenes[1]), str(bad), "--json", "--shots", "adaptive"])
    lines = capsys.readouterr().out.strip().splitlines()
    recs = [json.loads(x) for x in lines]
    assert code == 1 and len(recs) == 2
    assert recs[0]["schema"] == "hhikit/1" and recs[0]["clips"] and recs[0]["transcript"]
    assert recs[1]["error"]["type"] == "InputError"
