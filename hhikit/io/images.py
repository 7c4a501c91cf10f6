"""Reading images robustly: EXIF orientation applied; grayscale, palette, RGBA, 16-bit and
CMYK converted to 8-bit RGB; truncated files, non-images, zero-byte files, decompression
bombs and absurd dimensions rejected with an ``InputError`` naming the file and the problem."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from hhikit.errors import InputError
from hhikit.io.safeopen import open_regular, os_reason

MAX_PIXELS = 80_000_000  # ~ 9000 x 9000; larger inputs are refused, not decoded
# An image file may hold at most the pixel cap uncompressed at 8-bit RGB, plus room for
# metadata: anything bigger cannot be an image we would decode, and is refused unread.
MAX_IMAGE_BYTES = 3 * MAX_PIXELS + 16 * 1024 * 1024
MIN_SIDE = 8
# The formats Pillow may try: the common photo formats only. Its other readers are never
# tried: some read a whole text file (the IM reader takes `key: value` lines, so it reads all
# of /etc/shadow) and each is attack surface a photo never needs.
READ_FORMATS = ("JPEG", "MPO", "PNG", "GIF", "BMP", "DIB", "TIFF", "WEBP", "PPM", "ICO", "JPEG2000", "AVIF")
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".jfif"}


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        arr8 = ((arr - lo) * scale).clip(0, 255).astype(np.uint8)
        return Image.fromarray(arr8, "L").convert("RGB")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    if img.mode == "CMYK":
        return img.convert("RGB")
    if img.mode != "RGB":
        return img.convert("RGB")
    return img


def _formats() -> list[str]:
    Image.init()
    return [f for f in READ_FORMATS if f in Image.OPEN]


def _is_media_container(fh: BinaryIO) -> bool:
    """Whether the first bytes are those of an audio/video container (MP4/MOV, Matroska/WebM,
    AVI, WAV, Ogg, FLAC, MP3): a clearer message than "unrecognised format"."""
    try:
        fh.seek(0)
        head = fh.read(12)
    except (OSError, ValueError):
        return False
    if head[4:8] == b"ftyp" or head[:4] in (b"\x1a\x45\xdf\xa3", b"OggS", b"fLaC") or head[:3] == b"ID3":
        return True
    return head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"WAVE")


def decode_image(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode image bytes to an ``(H, W, 3)`` uint8 RGB array, or raise ``InputError``."""
    if not data:
        raise InputError(f"{name}: empty file (0 bytes)")
    return _decode(io.BytesIO(data), name)


def _decode(fh: BinaryIO, name: str) -> np.ndarray:
    """Decode from a seekable binary file: Pillow reads the header first, so a file that is
    no image is refused without being read whole."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(fh, formats=_formats())
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise InputError(f"{name}: image is {w}x{h} pixels, over the {MAX_PIXELS:,}-pixel limit")
            if min(w, h) < MIN_SIDE:
                raise InputError(f"{name}: image is {w}x{h} pixels, too small to hold people")
            img.seek(0)  # animated images: the first frame
            img.load()
            img = ImageOps.exif_transpose(img)
            img = _to_rgb(img)
            return np.ascontiguousarray(np.asarray(img, dtype=np.uint8))
    except InputError:
        raise
    except UnidentifiedImageError:
        if _is_media_container(fh):
            raise InputError(f"{name}: not an image (a video or audio file: see `hhi video`)") from None
        raise InputError(f"{name}: not an image (unrecognised format)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(f"{name}: refused as a decompression bomb ({exc})") from None
    except OSError as exc:
        msg = str(exc)
        if "truncated" in msg.lower() or "broken data stream" in msg.lower():
            raise InputError(f"{name}: truncated or corrupt image data") from None
        raise InputError(f"{name}: cannot decode image ({msg})") from None
    except (ValueError, SyntaxError, EOFError) as exc:
        raise InputError(f"{name}: cannot decode image ({exc})") from None


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file to an ``(H, W, 3)`` uint8 RGB array, or raise ``InputError``.

    Only a regular file of at most ``MAX_IMAGE_BYTES`` is opened (a FIFO, a device, a
    directory or a symlink loop gets one clear line and is never read)."""
    name = str(path)
    with open_regular(name, MAX_IMAGE_BYTES, "image") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            raise InputError(f"{name}: empty file (0 bytes)")
        try:
            return _decode(fh, name)
        except InputError:
            raise
        except OSError as exc:
            raise InputError(f"{name}: {os_reason(exc)}") from None
