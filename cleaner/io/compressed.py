"""Compressed inputs: gzip, bzip2, xz and zstd, recognised by their magic
bytes rather than their names (crawlers save gzip-encoded bodies as .html),
expanded with a cap so that a decompression bomb costs at most --max-bytes.
Also HTTP's own encodings of a body, as a crawl stores them (chunked
transfer, Content-Encoding gzip, deflate or br), undone leniently as
browsers undo them.
"""

from __future__ import annotations

import bz2
import lzma
import zlib

MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"))
# zstd offers no output cap per call: feed it this much input at a time (at
# most ~32 MB of output can come out of 1 KB of zstd before the cap is checked).
_ZSTD_STEP = 1024


class CorruptInput(ValueError):
    """Compressed data that is truncated or damaged."""


class TooLarge(ValueError):
    """Data that expands beyond the cap."""


def compression_of(data: bytes) -> str | None:
    """The compression format `data` starts with, or None."""
    for magic, name in MAGIC:
        if data.startswith(magic):
            return name
    return None


def expand(data: bytes, max_bytes: int) -> tuple[bytes, str | None]:
    """(content, format): `data` decompressed when it is compressed (several
    layers, members or frames in a row included), else unchanged. Raises
    TooLarge beyond `max_bytes` of output and CorruptInput for bad data."""
    kind = compression_of(data)
    if kind is None:
        return data, None
    out = data
    for _ in range(4):  # a .gz of a .gz: unwrap a few layers, never loop forever
        out = _decompress(out, compression_of(out), max_bytes)
        if compression_of(out) is None:
            break
    return out, kind


def _decompress(data: bytes, kind: str, max_bytes: int) -> bytes:
    try:
        if kind == "zstd":
            return _zstd(data, max_bytes)
        parts: list[bytes] = []
        size = 0
        while data:
            decompressor = _decompressor(kind)
            parts.append(decompressor.decompress(data, max_length=max_bytes + 1 - size))
            size += len(parts[-1])
            if size > max_bytes:
                raise TooLarge(f"expands beyond --max-bytes ({max_bytes} bytes)")
            if not decompressor.eof:
                raise CorruptInput(f"truncated {kind} data")
            data = decompressor.unused_data
            if data and compression_of(data) != kind:
                break  # trailing garbage after the last member: what gzip(1) ignores too
        return b"".join(parts)
    except (zlib.error, OSError, lzma.LZMAError, EOFError) as exc:
        raise CorruptInput(f"corrupt {kind} data: {exc}") from None


def _decompressor(kind: str):
    if kind == "gzip":
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    if kind == "bzip2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor()


def _zstd(data: bytes, max_bytes: int) -> bytes:
    import zstandard

    decompressor = zstandard.ZstdDecompressor().decompressobj()
    parts: list[bytes] = []
    size = 0
    try:
        for start in range(0, len(data), _ZSTD_STEP):
            parts.append(decompressor.decompress(data[start:start + _ZSTD_STEP]))
            size += len(parts[-1])
            if size > max_bytes:
                raise TooLarge(f"expands beyond --max-bytes ({max_bytes} bytes)")
            if decompressor.eof:
                break
    except zstandard.ZstdError as exc:
        raise CorruptInput(f"corrupt zstd data: {exc}") from None
    if not decompressor.eof:
        raise CorruptInput("truncated zstd data")
    return b"".join(parts)


def dechunk(body: bytes) -> bytes:
    """A chunked HTTP body decoded; a body that is not validly chunked is
    returned as it is (as browsers read it)."""
    out, at = [], 0
    while True:
        end = body.find(b"\r\n", at)
        if end < 0:
            return body
        size_text = body[at:end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return body
        if size == 0:
            return b"".join(out)
        start = end + 2
        if start + size > len(body):
            return b"".join(out) + body[start:] if out else body
        out.append(body[start:start + size])
        at = start + size
        if body[at:at + 2] == b"\r\n":
            at += 2


def decode_content(body: bytes, encoding: str | None) -> bytes:
    """The body with its Content-Encoding undone (gzip, x-gzip, deflate, br);
    what decodes of a damaged body. Raises ValueError when nothing does."""
    kind = (encoding or "").strip().lower()
    if kind in ("", "identity"):
        return body
    if kind in ("gzip", "x-gzip", "deflate"):
        for wbits in ((47,) if kind != "deflate" else (15, -15)):  # 47: gzip or zlib header
            decoder = zlib.decompressobj(wbits=wbits)
            try:
                out = decoder.decompress(body)
            except zlib.error:
                continue
            return out
        if body[:2] != b"\x1f\x8b" and kind != "deflate":
            return body  # labelled gzip, sent plain: as browsers read it
        raise ValueError(f"its Content-Encoding {kind} body does not decode")
    if kind == "br":
        import brotli

        try:
            return brotli.decompress(body)
        except brotli.error as exc:
            raise ValueError(f"its Content-Encoding br body does not decode ({exc})") from None
    return body
