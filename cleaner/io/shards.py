"""A corpus in shards: `-o 'out/part-{shard:05d}.parquet' --shard-size N`
writes records to one file after another, each complete and renamed into
place when it is full (atomic like any output), so a consumer can start on
shard 0 while shard 7 is written. The order of records is the output's order
across the shards.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b\s*$", re.I)
_UNITS = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}


def parse_shard_size(text: str) -> tuple[int | None, int | None]:
    """(records, bytes) per shard from `--shard-size`: a count of records
    (`100000`) or a size (`512MB`, `1GiB`; bytes of JSON text, before
    compression). Raises ValueError for anything else."""
    text = str(text).strip()
    if text.isdigit() and int(text) > 0:
        return int(text), None
    match = _SIZE.match(text)
    if match:
        number, unit, binary = float(match.group(1)), match.group(2).lower(), match.group(3)
        size = int(number * (1024 ** " kmgt".index(unit or " ") if binary and unit else _UNITS[unit]))
        if size > 0:
            return None, size
    raise ValueError(f"{text!r} is neither a number of records (100000) nor a size (512MB)")


def shard_name(template: str, number: int) -> str:
    """The shard's file name: `{shard}` in the template, formatted (e.g. {shard:05d})."""
    return template.format(shard=number)


def is_template(output: str) -> bool:
    try:
        return output.format(shard=0) != output.format(shard=1)
    except (KeyError, IndexError, ValueError):
        return False


def shards_of(output: str, shard_size: str | None) -> tuple[int | None, int | None] | None:
    """(records, bytes) per shard, or None for one output file; ValueError
    for an output and --shard-size that do not go together."""
    if shard_size is None:
        if is_template(output):
            raise ValueError(f"-o {output} names shards ({{shard}}): give --shard-size too")
        return None
    if output == "-" or not is_template(output):
        raise ValueError("--shard-size needs -o naming its shards with {shard}, "
                         "e.g. -o 'out/part-{shard:05d}.parquet'")
    try:
        return parse_shard_size(shard_size)
    except ValueError as exc:
        raise ValueError(f"--shard-size: {exc}") from None


@dataclass(frozen=True)
class ShardOutput:
    """A sharded output: the shards' names (`template`, with {shard}), when a
    shard is full (records, or bytes of JSON text), and their format. A
    cluster's tasks write the shards themselves: give the template as an
    absolute path (`absolute()`), the same on every node."""

    template: str
    records: int | None = None
    size: int | None = None
    format: str = "jsonl"  # or parquet
    explain: bool = False  # Parquet: the explain column

    def absolute(self) -> "ShardOutput":
        return ShardOutput(os.path.abspath(self.template), self.records, self.size, self.format, self.explain)

    def path(self, number: int) -> str:
        return shard_name(self.template, number)

    def open(self, path: str) -> Any:
        """A writer of one shard (written whole, then renamed into place)."""
        if self.format == "parquet":
            from .parquet import ParquetWriter

            return ParquetWriter(path, explain=self.explain)
        from .writers import JsonlWriter

        return JsonlWriter(path, lazy=False)

    def writer(self) -> "ShardedWriter":
        """One writer of every shard in turn, in this process."""
        return ShardedWriter(self)

    def full(self, records: int, size: int) -> bool:
        """Whether a shard holding `records` records of `size` bytes is full
        (ShardedWriter opens the next one; a cluster plans its shards so)."""
        return ((self.records is not None and records >= self.records)
                or (self.size is not None and size >= self.size))


class ShardedWriter:
    """Records to the shards `output` names, one after another, each a writer
    made by `open_shard(path)` (output.open: a JsonlWriter or ParquetWriter)
    and closed when full."""

    def __init__(self, output: ShardOutput, open_shard: Callable[[str], Any] | None = None) -> None:
        self._output, self._open_shard = output, open_shard or output.open
        self._writer: Any = None
        self._count = self._bytes = 0
        self.paths: list[str] = []

    def _next(self) -> Any:
        if self._writer is not None:
            self._writer.close()
        path = self._output.path(len(self.paths))
        self.paths.append(path)
        self._writer = self._open_shard(path)
        self._count = self._bytes = 0
        return self._writer

    def write_line(self, line: bytes) -> None:
        full = self._writer is None or self._output.full(self._count, self._bytes)
        writer = self._next() if full else self._writer
        writer.write_line(line)
        self._count += 1
        self._bytes += len(line)

    def write(self, record: dict[str, Any]) -> None:
        from .writers import dumps

        self.write_line(dumps(record))

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def close(self, ok: bool = True) -> None:
        if self._writer is None and ok:
            self._next()  # an empty corpus is still one (empty) shard
        if self._writer is not None:
            self._writer.close(ok)
