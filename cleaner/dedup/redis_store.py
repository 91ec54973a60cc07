"""The near-duplicate index in Redis, shared by the machines of a cluster:
`redis://[:password@]host:port/db`, `rediss://` (TLS) or `unix:///path.sock`;
the password in the URL or REDIS_PASSWORD; `?prefix=NAME`: keys under NAME,
not `cleaner:idx:`. What is kept where (P the prefix; memory per document):
- `P b:{band}:{bucket}` lists (bucket: the band hash's top 4 bits): an
  element of packed (uint32 hash, uint32 seq) pairs per commit, ~370 bytes at
  42 bands. Lists store elements at their size (APPEND doubles a string under
  1 MB: 1.3-2x, measured); 16 lists a band keep per-key overhead small.
- `P d:{block}` strings: seqs block*120 ... +119 in fixed slots (run, root,
  size, 16-bit signature: 272 bytes), SETRANGE into a block made at its full
  size (32,641 bytes: the allocator's 32 KB class; hash values cost ~100 more).
- `P n:{block}` hashes: a block's ids by slot (~45 bytes, compact for ids up
  to 64 bytes); `P ids`: id -> its seqs ("12", "12,40" when two runs added
  it), for `remove` (~95 bytes); `P removed`: a bitmap; `P seq`, `P run`:
  counters; `P runs`: run -> JSON (token, label, documents, outputs, started,
  finished, seq ranges); `P tokens`: token -> run; `P meta`; `P lock`.
Measured: ~830 bytes a document (5,000), ~750 (100,000); datasketch ~12 KB.

Concurrency. Two runs writing at once never lose an insert (seqs come from
INCRBY; RPUSH, SETRANGE and HSET are atomic) and never both keep the same
story: a writing run holds the lock (`SET P lock <random> NX PX 30000`,
renewed every 10 s by a thread, extended and released by its holder only, in
Lua) from `begin`, before it queries, to `commit`; a second run waits, then
sees the first one's documents. `commit` writes the run's additions in one
MULTI/EXEC that WATCHes the lock: a run killed, aborted, or that lost its
lock (paused past its expiry) adds nothing. Read-only runs take no lock.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np

from .store import FORMAT_VERSION, IndexedDocuments, IndexParameters, IndexProblem, NewDocuments

try:
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry
except ImportError as missing:  # the optional extra
    raise IndexProblem("a Redis index needs the redis package: pip install 'cleaner[redis]'") from missing

DEFAULT_PREFIX = "cleaner:idx:"
BUCKET_BITS = 4  # 16 band lists per band
BLOCK_BYTES = 32768 - 16  # a block of slots, with the string's header, fits the allocator's 32 KB class
LOCK_MS, RENEW_EVERY, WAIT = 30000, 10.0, 0.05
_CHUNK = 10000  # ids per HMGET / HSET
_PAIR = np.dtype([("hash", "<u4"), ("seq", "<u4")])
# Lua: extend or release the lock only while it is ours; mark seqs first..last removed; make the meta once.
_EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
_MARK = "for s = tonumber(ARGV[1]), tonumber(ARGV[2]) do redis.call('setbit', KEYS[1], s, 1) end return 0"
_CREATE = "if redis.call('exists', KEYS[1]) == 0 then redis.call('hset', KEYS[1], unpack(ARGV)) end return 0"

Pending = tuple[np.ndarray, np.ndarray, NewDocuments]  # seqs, roots, the documents


def _guarded(method: Callable) -> Callable:
    """Redis' errors become one-line IndexProblems naming the index."""
    @functools.wraps(method)
    def wrapper(self: RedisStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except redis.RedisError as error:
            raise IndexProblem(self._problem(error)) from None
    return wrapper


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _ranges(seqs: Any) -> list[list[int]]:
    """Seqs as sorted inclusive [first, last] ranges of consecutive numbers."""
    seqs = np.unique(np.asarray(seqs, dtype=np.int64))
    return [[int(p[0]), int(p[-1])] for p in np.split(seqs, np.flatnonzero(np.diff(seqs) != 1) + 1) if len(p)]


class RedisStore:
    """A near-duplicate index in Redis (see the module's docstring)."""

    def __init__(self, location: str, parameters: IndexParameters | None, create: bool = True) -> None:
        parts = urlsplit(location)
        query = parse_qsl(parts.query, keep_blank_values=True)
        self.prefix = next((value for name, value in query if name == "prefix"), DEFAULT_PREFIX)
        rest = urlencode([(name, value) for name, value in query if name != "prefix"])  # from_url's own options
        url = location.partition("?")[0] + (f"?{rest}" if rest else "")
        self.location = location.replace(f":{parts.password}@", ":***@") if parts.password else location
        self._glob = "".join("\\" + c if c in "*?[]\\" else c for c in self.prefix) + "*"  # SCAN MATCH: our keys
        self._not_ours = f"{self.location}: keys under '{self.prefix}' are not a cleaner index; use another ?prefix="
        self._lock_value: bytes | None = None  # while this store holds the write lock
        self._lost, self._stop, self._renewer, self._run = False, threading.Event(), threading.Thread(), 0
        self._renewing = threading.Lock()  # held to renew, and while a transaction watches the lock
        self._pending: list[Pending] = []  # the run's additions, written by `commit`
        password = None if parts.password else os.environ.get("REDIS_PASSWORD")
        try:
            self._redis = redis.Redis.from_url(url, password=password, socket_connect_timeout=2, socket_timeout=120,
                                               retry=Retry(ExponentialBackoff(cap=1.0, base=0.1), 2))
        except ValueError as error:
            raise IndexProblem(f"{self.location} is not a Redis URL: {error}") from None
        self._extend, self._unlock, self._mark = (self._redis.register_script(s) for s in (_EXTEND, _RELEASE, _MARK))
        self._open(parameters, create)

    def _key(self, name: str) -> str:
        return self.prefix + name

    def _problem(self, error: redis.RedisError) -> str:
        said = " ".join(str(error).split())
        if isinstance(error, redis.AuthenticationError) or said.startswith(("NOAUTH", "WRONGPASS")):
            return (f"{self.location}: the Redis server refused the password ({said}); give it in the URL "
                    "(redis://:PASSWORD@host:port/db) or in REDIS_PASSWORD")
        if isinstance(error, (redis.ConnectionError, redis.TimeoutError)):
            return f"{self.location}: cannot reach the Redis server ({said})"
        return self._not_ours if said.startswith("WRONGTYPE") else f"{self.location}: Redis answered {said}"

    @_guarded
    def _open(self, parameters: IndexParameters | None, create: bool) -> None:
        meta_key = self._key("meta")
        if self._redis.type(meta_key) == b"none":
            if next(self._redis.scan_iter(match=self._glob, count=1000), None) is not None and \
                    self._redis.type(meta_key) == b"none":  # (asked again: another run may be making it)
                raise IndexProblem(self._not_ours)
            if not create or parameters is None:
                raise IndexProblem(f"no index at {self.location}" + (
                    " (making one needs the run's parameters)" if create else ""))
            layout = {"bucket_bits": BUCKET_BITS, "block": max(1, BLOCK_BYTES // (16 + 2 * parameters.num_perm))}
            self._redis.eval(_CREATE, 1, meta_key, "format", FORMAT_VERSION, "created", _now(),
                             "parameters", json.dumps(parameters.as_dict()), "layout", json.dumps(layout))
        meta = {k.decode(): v.decode() for k, v in self._redis.hgetall(meta_key).items()}
        if not {"format", "parameters", "layout"} <= set(meta):
            raise IndexProblem(self._not_ours)
        self.format = int(meta["format"])
        if self.format > FORMAT_VERSION:
            raise IndexProblem(f"{self.location} was written by a newer cleaner (index format {self.format}, "
                               f"this one reads up to {FORMAT_VERSION}): upgrade cleaner")
        self.parameters = IndexParameters.from_dict(json.loads(meta["parameters"]))
        self._bucket_bits, self._block = (int(json.loads(meta["layout"])[k]) for k in ("bucket_bits", "block"))
        self._slot = np.dtype([("run", "<u4"), ("root", "<i8"), ("size", "<u4"),
                               ("sig", "<u2", (self.parameters.num_perm,))])
        if parameters is not None:
            self.parameters.refuse_other(parameters, self.location)

    def _acquire(self) -> None:
        value = secrets.token_hex(16).encode()
        while not self._redis.set(self._key("lock"), value, nx=True, px=LOCK_MS):
            time.sleep(WAIT)
        self._lock_value, self._lost, self._stop = value, False, threading.Event()
        self._renewer = threading.Thread(target=self._renew, args=(self._stop, value), daemon=True)
        self._renewer.start()

    def _renew(self, stop: threading.Event, value: bytes) -> None:
        while not stop.wait(RENEW_EVERY) and not self._lost:
            with self._renewing, contextlib.suppress(redis.RedisError):  # else again in 10 s, well in time
                self._lost = not self._extend(keys=[self._key("lock")], args=[value, LOCK_MS])

    def _release(self) -> None:
        value, self._lock_value, self._pending, self._run = self._lock_value, None, [], 0
        if value is not None:
            self._stop.set()
            self._renewer.join(timeout=5)
            self._unlock(keys=[self._key("lock")], args=[value])

    def _transaction(self, prepare: Callable[[Any], None]) -> None:
        """`prepare(pipe)` reads, calls pipe.multi() and queues writes, which EXEC
        makes only if the lock stayed ours (WATCHed; the renewing thread waits)."""
        lost = IndexProblem(f"{self.location}: this run lost the index's write lock (paused over {LOCK_MS // 1000} "
                            "s?) and wrote nothing; run it again")
        with self._renewing:
            if self._lost or not self._extend(keys=[self._key("lock")], args=[self._lock_value, LOCK_MS]):
                raise lost
            with self._redis.pipeline() as pipe:
                pipe.watch(self._key("lock"))
                prepare(pipe)
                try:
                    pipe.execute()
                except redis.WatchError:
                    raise lost from None

    def _take_out(self, ids: list[str], only: set[int] | None, also: Callable[[Any], Any]) -> int:
        """Take these ids' documents out (only seqs in `only`, if given) in a
        transaction that also queues `also(pipe)`; returns how many went."""
        gone: set[int] = set(only or ())

        def prepare(pipe: Any) -> None:
            keep: dict[str, str] = {}  # id -> the seqs it keeps
            drop: list[str] = []  # ids left with none
            for lo in range(0, len(ids), _CHUNK):
                for name, value in zip(ids[lo:lo + _CHUNK], pipe.hmget(self._key("ids"), ids[lo:lo + _CHUNK])):
                    seqs = [int(s) for s in value.split(b",")] if value is not None else []
                    gone.update(seqs if only is None else ())
                    left = [s for s in seqs if only is not None and s not in only]
                    keep.update({name: ",".join(map(str, left))} if left else {})
                    drop.extend([name] if seqs and not left else [])
            pipe.multi()
            for first, last in _ranges(sorted(gone)):
                self._mark(keys=[self._key("removed")], args=[first, last], client=pipe)
            if keep:
                pipe.hset(self._key("ids"), mapping=keep)
            for lo in range(0, len(drop), _CHUNK):
                pipe.hdel(self._key("ids"), *drop[lo:lo + _CHUNK])
            also(pipe)
        self._transaction(prepare)
        return len(gone)

    @_guarded
    def begin(self, token: str, label: str, write: bool = True) -> int:
        if not write:
            return 0
        if self._lock_value is not None:
            raise RuntimeError("a run is already writing through this store")
        self._acquire()
        try:
            run = int(self._redis.incr(self._key("run")))
            earlier = self._redis.hget(self._key("tokens"), token)
            if earlier is not None:  # an earlier attempt of this run goes, or the run would match itself
                record = {**json.loads(self._redis.hget(self._key("runs"), earlier) or "{}"), "removed_by": run}
                seqs = np.array([s for a, b in record.get("seqs", []) for s in range(a, b + 1)], dtype=np.int64)
                self._take_out(self.documents(seqs).ids, set(seqs.tolist()),
                               lambda pipe: pipe.hset(self._key("runs"), earlier, json.dumps(record)))
            self._redis.hset(self._key("runs"), str(run), json.dumps(
                {"token": token, "label": label, "started": _now(), "finished": None}))
        except BaseException:
            self._release()
            raise
        self._run = run
        return run

    def band_entries(self, band: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for bucket in range(1 << self._bucket_bits):
            start = 0
            while chunks := self._page(self._key(f"b:{band}:{bucket}"), start):
                start += len(chunks)
                pairs = np.frombuffer(b"".join(chunks), dtype=_PAIR)
                yield pairs["hash"].astype(np.uint32), pairs["seq"].astype(np.int64)

    @_guarded
    def _page(self, key: str, start: int) -> list[bytes]:
        return self._redis.lrange(key, start, start + 255)  # the entries of up to 256 commits

    def _by_block(self, seqs: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """(block, the positions in `seqs` of its seqs) for each block they fall in."""
        blocks = seqs // self._block
        order = np.argsort(blocks, kind="stable")
        return [(int(blocks[p[0]]), p) for p in np.split(order, np.flatnonzero(np.diff(blocks[order])) + 1) if len(p)]

    @_guarded
    def documents(self, seqs: np.ndarray) -> IndexedDocuments:
        seqs = np.asarray(seqs, dtype=np.int64).ravel()
        size, groups, found = self._slot.itemsize, self._by_block(seqs), {}
        pipe = self._redis.pipeline(transaction=False)
        for block, positions in groups:
            offsets = (seqs[positions] % self._block).tolist()
            pipe.hmget(self._key(f"n:{block}"), offsets)
            for offset in offsets:
                pipe.getbit(self._key("removed"), block * self._block + offset)
                pipe.getrange(self._key(f"d:{block}"), offset * size, offset * size + size - 1)
        answers = iter(pipe.execute())
        for _, positions in groups:
            for position, name in zip(positions.tolist(), next(answers)):
                removed, value = next(answers), next(answers) or b""
                if len(value) == size and name is not None and not removed:
                    found[position] = (name.decode(), value)
        rows = sorted(found)
        kept = np.frombuffer(b"".join(found[r][1] for r in rows), dtype=self._slot)
        return IndexedDocuments(seqs=seqs[rows], ids=[found[r][0] for r in rows],
                                runs=kept["run"].astype(np.int64), roots=kept["root"].astype(np.int64),
                                sizes=kept["size"].astype(np.int64), signatures=kept["sig"].astype(np.uint16))

    @_guarded
    def add(self, run: int, documents: NewDocuments) -> np.ndarray:
        if not run or run != self._run:
            raise RuntimeError(f"run {run} is not writing through this store (begin it with write=True)")
        count, shapes = len(documents.ids), (np.shape(documents.bands), np.shape(documents.signatures))
        if shapes != ((count, self.parameters.bands), (count, self.parameters.num_perm)):
            raise ValueError(f"{count} documents with band hashes and signatures of the shapes {shapes}")
        if not count:
            return np.zeros(0, dtype=np.int64)
        last = int(self._redis.incrby(self._key("seq"), count))
        if last > 1 << 32:
            raise IndexProblem(f"{self.location} is full: band entries number documents in 32 bits")
        seqs = np.arange(last - count, last, dtype=np.int64)
        positions, earlier = (np.asarray(a, dtype=np.int64) for a in (documents.root_positions, documents.root_seqs))
        if np.any((earlier < 0) & ((positions < 0) | (positions >= count))):
            raise ValueError("a document's root is neither an earlier seq nor one of these documents")
        roots = np.where(earlier >= 0, earlier, seqs[np.clip(positions, 0, count - 1)])
        self._pending.append((seqs, roots, documents))
        return seqs

    @_guarded
    def commit(self, run: int, documents: int, outputs: list[str]) -> None:
        if not run or run != self._run:
            raise RuntimeError(f"run {run} is not writing through this store")
        pending = self._pending
        seqs = np.concatenate([p[0] for p in pending] or [np.zeros(0, dtype=np.int64)])
        names = [name for p in pending for name in p[2].ids]
        record = {**json.loads(self._redis.hget(self._key("runs"), str(run)) or "{}"), "documents": documents,
                  "outputs": list(outputs), "finished": _now(), "indexed": len(seqs), "seqs": _ranges(seqs)}

        def prepare(pipe: Any) -> None:
            values: dict[str, str] = {}  # id -> its seqs, earlier runs' first
            for lo in range(0, len(names), _CHUNK):
                stored = pipe.hmget(self._key("ids"), names[lo:lo + _CHUNK])
                for name, seq, value in zip(names[lo:lo + _CHUNK], seqs[lo:lo + _CHUNK].tolist(), stored):
                    before = values.get(name, value.decode() if value is not None else "")
                    values[name] = f"{before},{seq}" if before else str(seq)
            pipe.multi()
            if pending:
                self._write(pipe, seqs, names, pending)
            items = list(values.items())
            for lo in range(0, len(items), _CHUNK):
                pipe.hset(self._key("ids"), mapping=dict(items[lo:lo + _CHUNK]))
            pipe.hset(self._key("runs"), str(run), json.dumps(record))
            pipe.hset(self._key("tokens"), record.get("token", ""), str(run))
        try:
            self._transaction(prepare)
        finally:
            self._release()

    def _write(self, pipe: Any, seqs: np.ndarray, names: list[str], pending: list[Pending]) -> None:
        """Queue the band entries, records and ids of the run's documents."""
        bands = np.concatenate([np.asarray(p[2].bands, dtype=np.uint32) for p in pending])
        slots = np.zeros(len(seqs), dtype=self._slot)
        slots["run"], slots["root"] = self._run, np.concatenate([p[1] for p in pending])
        slots["size"] = np.minimum(np.concatenate([np.asarray(p[2].sizes) for p in pending]), 2**32 - 1)
        slots["sig"] = np.concatenate([np.asarray(p[2].signatures, dtype=np.uint16) for p in pending])
        pairs = np.zeros(len(seqs), dtype=_PAIR)
        pairs["seq"] = seqs
        for band in range(bands.shape[1]):
            pairs["hash"] = bands[:, band]
            order = np.argsort(bands[:, band] >> (32 - self._bucket_bits), kind="stable")
            buckets = (bands[order, band] >> (32 - self._bucket_bits)).tolist()
            cuts = [0, *(np.flatnonzero(np.diff(buckets)) + 1).tolist(), len(order)]
            for lo, hi in zip(cuts, cuts[1:]):
                pipe.rpush(self._key(f"b:{band}:{buckets[lo]}"), pairs[order[lo:hi]].tobytes())
        size = self._slot.itemsize
        for block, positions in self._by_block(seqs):
            key, offsets = self._key(f"d:{block}"), seqs[positions] % self._block
            pipe.setrange(key, self._block * size, b"\0")  # the first write makes the block at its full size
            for part in np.split(np.arange(len(positions)), np.flatnonzero(np.diff(offsets) != 1) + 1):
                pipe.setrange(key, int(offsets[part[0]]) * size, slots[positions[part]].tobytes())
            pipe.hset(self._key(f"n:{block}"), mapping={o: names[p] for o, p in zip(offsets.tolist(), positions)})

    @_guarded
    def abort(self) -> None:
        """Nothing was written (additions wait for `commit`): the run is
        marked aborted in its journal, and the lock released."""
        if self._run:
            record = json.loads(self._redis.hget(self._key("runs"), str(self._run)) or "{}")
            self._redis.hset(self._key("runs"), str(self._run), json.dumps({**record, "aborted": _now()}))
        self._release()

    @_guarded
    def remove(self, ids: list[str]) -> int:
        """Take documents out by id (taking the write lock unless this
        store's run holds it); returns how many documents went."""
        held = self._lock_value is not None
        if not held:
            self._acquire()
        try:
            return self._take_out(list(dict.fromkeys(ids)), None, lambda pipe: None)
        finally:
            if not held:
                self._release()

    @_guarded
    def runs(self) -> list[dict]:
        found = {int(k): json.loads(v) for k, v in self._redis.hgetall(self._key("runs")).items()}
        return [{"run": run, **found[run]} for run in sorted(found)]

    @_guarded
    def stats(self) -> dict:
        sizes = self._redis.pipeline(transaction=False)
        for key in self._redis.scan_iter(match=self._glob, count=1000):
            sizes.memory_usage(key)
        memory = sum(v or 0 for v in sizes.execute())  # documents: indexed, not removed (as in SQLite)
        documents = sum(value.count(b",") + 1 for _, value in self._redis.hscan_iter(self._key("ids"), count=10000))
        return {"location": self.location, "store": "redis", "format": self.format, "documents": documents,
                "removed": int(self._redis.bitcount(self._key("removed"))), "runs": self.runs(),
                "bytes": memory, "bytes_per_document": round(memory / max(1, documents), 1),
                "parameters": self.parameters.as_dict()}

    def close(self) -> None:
        try:
            if self._lock_value is not None:
                self.abort()
        except IndexProblem:
            self._stop.set()  # the server is gone: the lock expires by itself
        finally:
            self._redis.close()
