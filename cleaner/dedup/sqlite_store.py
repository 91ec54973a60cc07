"""The embedded near-duplicate index: one SQLite file, no server.

SQLite holds the parameters, the runs, the ids and the transactions; the
bulk of what is kept per document is laid out for whole-band reads, not row
lookups (one row per band hash and document was measured at ~5,700
documents a second and ~770 bytes a document):
  * each run's add is one segment: its documents are seqs first_seq ..
    first_seq + count - 1; a `bands` row per band holds every document's
    32-bit hash of that band (a query reads each band whole, a few MB), and
    `blocks` rows of 256 documents their 16-bit signatures, roots, sizes,
    runs and ids (what verifying a candidate reads: SQLite reads a blob from
    its start, so a blob per segment made a read at its end walk it all);
  * `ids` (id, seq), without rowid, finds documents to remove;
  * `removed` lists the seqs taken out.
That is ~168 + 256 + 16 bytes a document in blobs, plus the id twice.

A run's write is one transaction, begun (BEGIN IMMEDIATE: SQLite's write
lock) before it reads the index and committed after it adds: a second run
waits for the first, and sees its documents; a killed run leaves the file as
it was (SQLite's journal rolls the transaction back).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator

import numpy as np

from .store import FORMAT_VERSION, IndexedDocuments, IndexParameters, IndexProblem, NewDocuments

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (run INTEGER PRIMARY KEY, token TEXT, label TEXT, started TEXT, finished TEXT,
                   first_seq INTEGER, documents INTEGER, outputs TEXT);
CREATE TABLE segments (segment INTEGER PRIMARY KEY, run INTEGER NOT NULL, first_seq INTEGER NOT NULL,
                       count INTEGER NOT NULL);
CREATE TABLE bands (segment INTEGER NOT NULL, band INTEGER NOT NULL, hashes BLOB NOT NULL,
                    PRIMARY KEY (segment, band)) WITHOUT ROWID;
CREATE TABLE blocks (segment INTEGER NOT NULL, block INTEGER NOT NULL, signatures BLOB NOT NULL,
                     numbers BLOB NOT NULL, ids BLOB NOT NULL, id_ends BLOB NOT NULL,
                     PRIMARY KEY (segment, block));
CREATE TABLE ids (id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (id, seq)) WITHOUT ROWID;
CREATE TABLE removed (seq INTEGER PRIMARY KEY);
"""
# Per document in `numbers`: root seq, run, shingle-set size.
_NUMBERS = np.dtype([("root", "<i8"), ("run", "<u4"), ("size", "<u4")])
_WAIT_SECONDS = 3600  # for another run's write lock
# Documents per row of `blocks`: what verifying one candidate reads (SQLite
# reads a blob from its start, so one blob per segment made a read at its
# end walk all of it).
_BLOCK = 256


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class SqliteStore:
    """An IndexStore in one SQLite file (see the module's docstring)."""

    def __init__(self, location: str, parameters: IndexParameters | None = None, create: bool = True) -> None:
        self.location = location
        exists = os.path.exists(location) and os.path.getsize(location) > 0
        if not exists and not create:
            raise IndexProblem(f"no index at {location}")
        deadline = time.monotonic() + _WAIT_SECONDS
        while True:
            try:
                self._db = sqlite3.connect(location, timeout=_WAIT_SECONDS, isolation_level=None)
                # Large pages: a band's blob is read whole, and overflow pages are a chain
                # (taken at creation only); mapped reads skip a copy.
                self._db.execute("PRAGMA page_size=65536")
                self._db.execute("PRAGMA mmap_size=4294967296")
                self._db.execute("PRAGMA journal_mode=WAL")  # (needs a moment alone: retried while another opens it)
                self._db.execute("PRAGMA synchronous=NORMAL")
                tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise IndexProblem(f"{location} cannot be opened as a cleaner index ({exc})") from None
                self._db.close()
                time.sleep(0.05)
            except sqlite3.DatabaseError as exc:
                raise IndexProblem(f"{location} is not a cleaner index, or a damaged one (SQLite says: {exc})") \
                    from None
        if not tables:
            if parameters is None:
                raise IndexProblem(f"no index at {location}")
            self._create(parameters)
        elif not {"meta", "segments", "bands", "blocks", "ids", "runs", "removed"} <= tables:
            raise IndexProblem(f"{location} is an SQLite file but not a cleaner index")
        stored = dict(self._checked(self._db.execute("SELECT key, value FROM meta").fetchall))
        version = int(stored.get("format", 0))
        if version > FORMAT_VERSION:
            raise IndexProblem(f"{location} is of index format {version}, newer than this cleaner's "
                               f"({FORMAT_VERSION}): upgrade cleaner to use it")
        self.parameters = IndexParameters.from_dict(json.loads(stored["parameters"]))
        if parameters is not None:
            self.parameters.refuse_other(parameters, location)
        self._writing = False
        self._removed: set[int] | None = None

    def _create(self, parameters: IndexParameters) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        if not self._db.execute("SELECT name FROM sqlite_master WHERE name = 'meta'").fetchone():
            for statement in _SCHEMA.strip().split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.executemany("INSERT INTO meta VALUES (?, ?)",
                                 [("format", str(FORMAT_VERSION)), ("created", _now()),
                                  ("parameters", json.dumps(parameters.as_dict()))])
        self._db.execute("COMMIT")

    def _checked(self, call, *args):
        """Run a database call; a damaged file becomes an IndexProblem."""
        try:
            return call(*args)
        except sqlite3.DatabaseError as exc:
            raise IndexProblem(f"{self.location} cannot be read: {exc} (a damaged index: restore it "
                               "from a copy, or start a new one)") from None

    # A run: begin, band_entries, documents, add, commit or abort.

    def begin(self, token: str, label: str, write: bool = True) -> int:
        if not write:
            return 0
        self._checked(self._db.execute, "BEGIN IMMEDIATE")
        self._writing = True
        for (run,) in self._db.execute("SELECT run FROM runs WHERE token = ?", (token,)).fetchall():
            self._drop_run(run)
        self._run_token, self._run_label, self._started = token, label, _now()
        (last,) = self._db.execute("SELECT COALESCE(MAX(run), 0) FROM runs").fetchone()
        return int(last) + 1

    def _drop_run(self, run: int) -> None:
        """Take out an earlier attempt of this run (a resumed run re-adds it)."""
        for segment, first, count in self._db.execute(
                "SELECT segment, first_seq, count FROM segments WHERE run = ?", (run,)).fetchall():
            self._db.execute("DELETE FROM ids WHERE seq >= ? AND seq < ?", (first, first + count))
            for table in ("bands", "blocks", "segments"):
                self._db.execute(f"DELETE FROM {table} WHERE segment = ?", (segment,))
        self._db.execute("DELETE FROM runs WHERE run = ?", (run,))
        self._removed = None

    def _segments(self) -> list[tuple[int, int, int]]:
        return self._checked(lambda: self._db.execute(
            "SELECT segment, first_seq, count FROM segments ORDER BY first_seq").fetchall())

    def band_entries(self, band: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for segment, first, count in self._segments():
            (data,) = self._checked(lambda: self._db.execute(
                "SELECT hashes FROM bands WHERE segment = ? AND band = ?", (segment, band)).fetchone())
            yield np.frombuffer(data, dtype="<u4"), first  # consecutive seqs from `first`

    def _removed_seqs(self) -> set[int]:
        if self._removed is None:
            self._removed = {row[0] for row in self._db.execute("SELECT seq FROM removed")}
        return self._removed

    def documents(self, seqs: np.ndarray) -> IndexedDocuments:
        removed = self._removed_seqs()
        wanted = [int(s) for s in np.unique(np.asarray(seqs, dtype=np.int64)) if int(s) not in removed]
        segments = self._segments()
        firsts = np.array([first for _, first, _ in segments], dtype=np.int64)
        perm = self.parameters.num_perm
        found, ids, numbers, signatures = [], [], [], []
        block_of: dict[tuple[int, int], tuple] = {}
        for seq in wanted:
            at = int(np.searchsorted(firsts, seq, side="right")) - 1
            if at < 0:
                continue
            segment, first, count = segments[at]
            row = seq - first
            if row >= count:
                continue
            block, row = divmod(row, _BLOCK)
            if (segment, block) not in block_of:
                block_of[(segment, block)] = self._checked(lambda: self._db.execute(
                    "SELECT signatures, numbers, ids, id_ends FROM blocks WHERE segment = ? AND block = ?",
                    (segment, block)).fetchone())
            sigs, values, names, ends = block_of[(segment, block)]
            found.append(seq)
            numbers.append(values[row * _NUMBERS.itemsize:(row + 1) * _NUMBERS.itemsize])
            signatures.append(sigs[row * perm * 2:(row + 1) * perm * 2])
            ends = np.frombuffer(ends, "<u4")
            start, end = (int(ends[row - 1]) if row else 0), int(ends[row])
            ids.append(names[start:end].decode("utf-8", "surrogateescape"))
        values = np.frombuffer(b"".join(numbers), dtype=_NUMBERS)
        return IndexedDocuments(
            seqs=np.array(found, dtype=np.int64), ids=ids, runs=values["run"].astype(np.int64),
            roots=values["root"].astype(np.int64), sizes=values["size"].astype(np.int64),
            signatures=np.frombuffer(b"".join(signatures), dtype="<u2").reshape(len(found), perm))

    def add(self, run: int, documents: NewDocuments) -> np.ndarray:
        if not self._writing:
            raise RuntimeError("add() outside a writing run")
        count = len(documents.ids)
        (next_seq,) = self._db.execute("SELECT COALESCE(MAX(first_seq + count), 0) FROM segments").fetchone()
        (removed_max,) = self._db.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM removed").fetchone()
        first = max(int(next_seq), int(removed_max))
        seqs = np.arange(first, first + count, dtype=np.int64)
        if not count:
            self._first_seq = first
            return seqs
        positions = np.asarray(documents.root_positions, dtype=np.int64)
        roots = np.where(positions >= 0, seqs[np.maximum(positions, 0)], documents.root_seqs)
        numbers = np.zeros(count, dtype=_NUMBERS)
        numbers["root"], numbers["run"], numbers["size"] = roots, run, np.minimum(documents.sizes, 2**32 - 1)
        encoded = [i.encode("utf-8", "surrogateescape") for i in documents.ids]
        bands = np.ascontiguousarray(np.asarray(documents.bands, dtype="<u4").T)  # band after band
        signatures = np.ascontiguousarray(documents.signatures, dtype="<u2")
        segment = self._checked(self._db.execute, "INSERT INTO segments VALUES (NULL, ?, ?, ?)",
                                (run, first, count)).lastrowid
        self._checked(self._db.executemany, "INSERT INTO bands VALUES (?, ?, ?)",
                      ((segment, band, bands[band].tobytes()) for band in range(len(bands))))
        blocks = []
        for block, lo in enumerate(range(0, count, _BLOCK)):
            names = encoded[lo:lo + _BLOCK]
            ends = np.cumsum([len(e) for e in names], dtype=np.uint64).astype("<u4")
            blocks.append((segment, block, signatures[lo:lo + _BLOCK].tobytes(), numbers[lo:lo + _BLOCK].tobytes(),
                           b"".join(names), ends.tobytes()))
        self._checked(self._db.executemany, "INSERT INTO blocks VALUES (?, ?, ?, ?, ?, ?)", blocks)
        self._checked(self._db.executemany, "INSERT OR IGNORE INTO ids VALUES (?, ?)",
                      zip(documents.ids, seqs.tolist()))
        self._first_seq = first
        return seqs

    def commit(self, run: int, documents: int, outputs: list[str]) -> None:
        if not self._writing:
            return
        self._checked(self._db.execute, "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      (run, self._run_token, self._run_label, self._started, _now(),
                       getattr(self, "_first_seq", None), documents, json.dumps(outputs)))
        self._checked(self._db.execute, "COMMIT")
        self._writing = False

    def abort(self) -> None:
        if self._writing:
            self._writing = False
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    # Upkeep.

    def remove(self, ids: list[str]) -> int:
        taken = 0
        self._checked(self._db.execute, "BEGIN IMMEDIATE")
        try:
            for doc_id in ids:
                seqs = [row[0] for row in self._db.execute("SELECT seq FROM ids WHERE id = ?", (doc_id,))]
                self._db.executemany("INSERT OR IGNORE INTO removed VALUES (?)", ((s,) for s in seqs))
                self._db.execute("DELETE FROM ids WHERE id = ?", (doc_id,))
                taken += len(seqs)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._removed = None
        return taken

    def runs(self) -> list[dict]:
        runs = [dict(zip(("run", "label", "started", "finished", "documents", "outputs"), row))
                for row in self._db.execute("SELECT run, label, started, finished, documents, outputs FROM runs "
                                            "ORDER BY run")]
        for run in runs:
            run["outputs"] = json.loads(run["outputs"] or "[]")
        return runs

    def stats(self) -> dict:
        db, runs = self._db, self.runs()
        (stored,) = db.execute("SELECT COALESCE(SUM(count), 0) FROM segments").fetchone()
        (removed,) = db.execute("SELECT COUNT(*) FROM removed").fetchone()
        (documents,) = db.execute("SELECT COUNT(*) FROM ids").fetchone()  # indexed and not removed
        size = sum(os.path.getsize(self.location + suffix) for suffix in ("", "-wal")
                   if os.path.exists(self.location + suffix))
        return {"location": self.location, "store": "sqlite", "format": FORMAT_VERSION,
                "documents": int(documents), "removed": int(removed), "runs": runs,
                "bytes": size, "bytes_per_document": round(size / max(1, int(stored)), 1),
                "parameters": self.parameters.as_dict()}

    def close(self) -> None:
        self.abort()
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        self._db.close()
