from __future__ import annotations

import os

import pytest

from hhikit.batch.inputs import input_key, iter_inputs, key_hash, media_kind, sniff
from hhikit.errors import InputError


def test_sniff_recognises_containers_and_images():
    assert sniff(b"\xff\xd8\xff\xe0") == "image"
    assert sniff(b"\x89PNG\r\n\x1a\n") == "image"
    assert sniff(b"\x00\x00\x00\x18ftypisom") == "video"
    assert sniff(b"\x00\x00\x00\x18ftypavif") == "image"
    assert sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ") == "video"
    assert sniff(b"<html>") is None
    assert media_kind("x.jpg", b"\x00\x00\x00\x18ftypmp42") == "video"  # content wins over the name
    assert media_kind("x.mp3", b"") == "video" and media_kind("x.unknown", b"") == "image"


def test_folder_walk_is_sorted_recursive_and_cuts_cycles(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a.jpg").write_bytes(b"x")
    (tmp_path / "b" / "c.png").write_bytes(b"x")
    (tmp_path / "b" / "clip.MP4").write_bytes(b"x")
    (tmp_path / "b" / "raw").write_bytes(b"\x89PNG\r\n\x1a\n....")  # no extension, sniffed
    (tmp_path / "readme.md").write_text("# not media")
    (tmp_path / "list.txt").write_bytes(b"\xff\xd8\xff")  # manifests are never sniffed as media
    os.symlink(tmp_path, tmp_path / "b" / "loop")  # directory cycle
    got = [os.path.relpath(p, tmp_path) for p in iter_inputs(tmp_path)]
    assert got == ["a.jpg", "b/c.png", "b/clip.MP4", "b/raw"]


def test_text_and_csv_manifests(tmp_path):
    (tmp_path / "m.txt").write_bytes(b"# comment\n\nimgs/a.jpg\n/abs/b.jpg\r\nimgs/caf\xe9.jpg\n")
    got = list(iter_inputs(tmp_path / "m.txt"))
    assert got[0] == str(tmp_path / "imgs" / "a.jpg") and got[1] == "/abs/b.jpg"
    assert os.fsencode(got[2]).endswith(b"caf\xe9.jpg")
    (tmp_path / "m.csv").write_text("id,Path,label\n1,x.jpg,a\n2,,b\n3,y.png,c\n")
    assert [os.path.basename(p) for p in iter_inputs(tmp_path / "m.csv")] == ["x.jpg", "y.png"]
    (tmp_path / "bad.csv").write_text("id,file\n1,x.jpg\n")
    with pytest.raises(InputError, match="no 'path' column"):
        list(iter_inputs(tmp_path / "bad.csv"))
    with pytest.raises(InputError, match="no such file"):
        list(iter_inputs(tmp_path / "missing"))


def test_keys_resolve_symlinks(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"x")
    os.symlink(tmp_path / "a.jpg", tmp_path / "b.jpg")
    assert input_key(str(tmp_path / "b.jpg")) == input_key(str(tmp_path / "." / "a.jpg"))
    assert key_hash(input_key(str(tmp_path / "b.jpg"))) == key_hash(os.path.realpath(tmp_path / "a.jpg"))
