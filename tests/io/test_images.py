from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from hhikit.errors import InputError
from hhikit.io.images import decode_image, read_image


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def test_reads_bundled_example(example_image):
    arr = read_image(example_image)
    assert arr.dtype == np.uint8 and arr.ndim == 3 and arr.shape[2] == 3
    assert arr.shape[:2] == (133, 200)


@pytest.mark.parametrize("mode", ["L", "RGBA", "CMYK", "P", "I;16"])
def test_modes_become_rgb(mode):
    if mode == "I;16":
        img = Image.fromarray((np.arange(64 * 64).reshape(64, 64) * 16).astype(np.uint16))
        data = _encode(img, "PNG")
    else:
        img = Image.new("RGB", (64, 48), (200, 10, 10)).convert(mode)
        data = _encode(img, "JPEG" if mode in ("L", "CMYK") else "PNG")
    arr = decode_image(data, "x")
    assert arr.shape == (48, 64, 3) if mode != "I;16" else arr.shape == (64, 64, 3)
    assert arr.dtype == np.uint8


def test_exif_orientation_is_applied():
    img = Image.new("RGB", (80, 40), (0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    arr = decode_image(_encode(img, "JPEG", exif=exif), "x")
    assert arr.shape[:2] == (80, 40)


def test_bad_inputs_raise_clear_errors(tmp_path):
    good = _encode(Image.new("RGB", (64, 64), (5, 5, 5)), "JPEG")
    cases = {
        "zero.jpg": b"",
        "html.jpg": b"<html><body>not an image</body></html>",
        "trunc.jpg": good[: len(good) // 2],
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InputError) as ei:
            read_image(tmp_path / name)
        assert name in str(ei.value)
    with pytest.raises(InputError, match="no such file"):
        read_image(tmp_path / "missing.jpg")
    with pytest.raises(InputError, match="too small"):
        decode_image(_encode(Image.new("RGB", (2, 2)), "PNG"), "tiny.png")


def test_decompression_bomb_is_refused():
    # A PNG whose header claims 20000 x 20000 pixels compresses to a few hundred kB.
    img = Image.new("1", (20000, 20000))
    data = _encode(img, "PNG")
    with pytest.raises(InputError, match="pixel limit|bomb"):
        decode_image(data, "bomb.png")
