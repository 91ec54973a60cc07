"""Compressed inputs: gzip, bzip2, xz and zstd, recognised by their magic
bytes rather than their names (crawlers save gzip-encoded bodies as .html),
expanded with a cap so that a decompression bomb costs at most --max-bytes.
Also HTTP's own encodings of a body, as a crawl stores them (chunked
transfer, Content-Encoding gzip, deflate or br), undone leniently as
browsers undo them. And gzip members as crawlers write WARC files (one
record each): how to tell such a file, and find its next record.
"""

from __future__ import annotations

import bz2
import io
import lzma
import re
import zlib
from collections.abc import Callable
from typing import BinaryIO

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


def next_warc_member(window: bytes, start: int, final: bool) -> int | None:
    """The first gzip member in `window` (from `start`) that opens with a WARC
    record, among those with enough of them at hand to tell (all, at the
    archive's end)."""
    at = window.find(b"\x1f\x8b\x08", start)
    while at >= 0 and (final or at < len(window) - (64 << 10)):
        try:
            if zlib.decompressobj(wbits=31).decompress(window[at:at + (64 << 10)], 16).startswith(b"WARC/1."):
                return at
        except zlib.error:
            pass
        at = window.find(b"\x1f\x8b\x08", at + 1)
    return None


def members_follow_records(open_stream: Callable[[], BinaryIO]) -> bool:
    """Whether a gzipped WARC has one gzip member per record, as crawlers
    write it (then each record can be found again by its member's offset),
    judged on its first member: it must end where the first record does. A
    whole-file gzip (one member holding many records) or members cut
    elsewhere are read as one stream."""
    decoder = zlib.decompressobj(wbits=31)
    data = b""
    with open_stream() as stream:
        while not decoder.eof and len(data) < 1 << 20:  # a first record over 1 MB: one stream either way
            chunk = stream.read(1 << 16)
            if not chunk:
                return False
            try:
                data += decoder.decompress(chunk)
            except zlib.error:
                return False
            end = record_end(data)
            if end is None or len(data) > end:
                return False  # no WARC header, or the member goes on past the record
    return decoder.eof and record_end(data) == len(data)


def record_end(data: bytes) -> int | None:
    """Where the WARC record starting `data` ends (its header, Content-Length
    bytes, and the two line ends after it); len(data) + 1 while its header is
    incomplete; None when it has no Content-Length."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return len(data) + 1
    match = re.search(rb"(?im)^content-length:\s*(\d+)", data[:end])
    return end + 4 + int(match.group(1)) + 4 if match else None


class Window(io.RawIOBase):
    """A stored file read up to `end` (its end, for whoever reads it, is
    there), seekable: a task's part of a WARC gzipped record by record."""

    def __init__(self, stored: BinaryIO, end: int) -> None:
        self._stored, self._end = stored, end

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._stored.seek(offset, whence)

    def tell(self) -> int:
        return self._stored.tell()

    def readinto(self, buffer) -> int:
        left = self._end - self._stored.tell()
        if left <= 0:
            return 0
        data = self._stored.read(min(len(buffer), left))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stored.close()
        super().close()

