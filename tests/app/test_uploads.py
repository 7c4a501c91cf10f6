from __future__ import annotations

import pytest

from hhikit.app.uploads import UploadStore, sniff
from hhikit.errors import InputError


def test_sniff_by_content_not_name(example_image, shared):
    assert sniff(example_image.read_bytes()[:64]) == ("image", ".jpg")
    webm = next((shared / "videos" / "scenes").glob("*.webm"))
    assert sniff(webm.read_bytes()[:64])[0] == "video"
    mp4 = next((shared / "videos" / "multiperson").glob("*.mp4"))
    assert sniff(mp4.read_bytes()[:64]) == ("video", ".mp4")
    assert sniff(b"<html><body>hi</body></html>") is None
    assert sniff(b"%PDF-1.7 ...") is None


def test_store_saves_under_generated_name_and_cleans_up(example_image):
    with UploadStore(max_mb=1) as store:
        saved = store.save(example_image.read_bytes(), "../../etc/passwd.jpg")
        assert saved.path.parent == store.dir
        assert "passwd" not in saved.path.name and saved.path.suffix == ".jpg"
        assert saved.path.read_bytes() == example_image.read_bytes()
        d = store.dir
    assert not d.exists()


def test_store_refuses_bad_uploads(example_image):
    with UploadStore(max_mb=0.001) as store:
        with pytest.raises(InputError, match="upload limit"):
            store.save(example_image.read_bytes(), "big.jpg")
        with pytest.raises(InputError, match="not an image or a video"):
            store.save(b"just some text", "notes.jpg")
        with pytest.raises(InputError, match="empty"):
            store.save(b"", "zero.jpg")
