"""The persistent near-duplicate index (--index) with its embedded store:
feeding a corpus in parts gives the flags of one run over all of it; a run
only reads with --index-readonly; parameters, damaged files and other files
are refused with exit 2; a resumed run does not match itself; two runs at
once never both keep the same story; `cleaner index stats` and `remove`."""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from cleaner import Options, clean
from cleaner.dedup.store import IndexParameters, IndexProblem, NewDocuments, low_bits, open_index
from cleaner.run.pipeline import CleanRun

from ..conftest import COMMAND, ROOT

WORDS = ("hà nội thành phố sông hồng cầu đường xe buýt điện sân bay quốc tế công bố kế hoạch xây dựng tuyến "
         "mới nối trung tâm với người dân chính quyền dự án vốn đầu tư năm nay tháng sau hoàn thành giai đoạn "
         "một hai ba bộ giao thông vận tải cho biết theo báo cáo lượng khách tăng mạnh").split()


def story_corpus(directory: Path, stories: int = 40, seed: int = 7) -> list[Path]:
    """Reports and their republications (word edits, a cut, a line added),
    in a shuffled order so that copies fall on both sides of any split."""
    rng = random.Random(seed)
    texts = []
    for story in range(stories):
        sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 20))).capitalize() + "."
                     for _ in range(10)]
        texts.append("\n".join(sentences) + f"\nBài {story}.")
        for _ in range(rng.choice((0, 1, 2, 3))):
            copy = list(sentences)
            kind = rng.random()
            if kind < 0.4:
                at = rng.randrange(len(copy))
                copy[at] = copy[at].replace(rng.choice(WORDS), rng.choice(WORDS), 1)
            elif kind < 0.7:
                copy = copy[: rng.randint(6, 9)]
            else:
                copy.append("Nguồn: một tờ báo khác đăng lại bài này.")
            texts.append("\n".join(copy) + f"\nBài {story}.")
    rng.shuffle(texts)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, text in enumerate(texts):
        path = directory / f"r{n:04d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def flags(docs) -> dict[str, str | None]:
    return {d.id: d.duplicate_of for d in docs if d.ok}


def run_parts(paths: list[Path], parts: int, index: str, **options) -> tuple[dict, list]:
    size = -(-len(paths) // parts)
    found, runs = {}, []
    for lo in range(0, len(paths), size):
        run = clean([str(p) for p in paths[lo:lo + size]], Options(workers=1, index=index, **options))
        docs = list(run)
        found.update(flags(docs))
        runs.append((docs, run.stats))
    return found, runs


@pytest.fixture(params=["sqlite", "redis"])
def place(request, tmp_path: Path):
    """Index locations of one store: a file beside the test, or keys of the
    session's Redis server under a prefix of the test's own."""
    if request.param == "sqlite":
        return lambda name: str(tmp_path / name)
    url = request.getfixturevalue("redis_url")
    tag = uuid.uuid4().hex[:8]
    return lambda name: f"{url}/0?prefix=t{tag}-{name}:"


@pytest.fixture(scope="module")
def stories(tmp_path_factory) -> list[Path]:
    return story_corpus(tmp_path_factory.mktemp("stories"))


@pytest.mark.parametrize("parts", [2, 5])
def test_a_corpus_fed_in_parts_gets_the_flags_of_one_run_over_all_of_it(place, stories, parts: int) -> None:
    one = flags(clean([str(p) for p in stories], Options(workers=1)))
    assert sum(v is not None for v in one.values()) > 20  # a corpus with duplicates to find
    found, runs = run_parts(stories, parts, place("corpus.idx"))
    assert found == one
    later = [d for docs, _ in runs[1:] for d in docs if d.duplicate_run is not None]
    assert later and all(d.duplicate_run < len(runs) for d in later)  # flagged against earlier runs
    assert all(d.duplicate_of not in {x.id for x in docs} for docs, _ in runs for d in docs
               if d.duplicate_run is not None)
    store = open_index(place("corpus.idx"), create=False)
    try:
        assert store.stats()["documents"] == len(stories) and len(store.stats()["runs"]) == parts
    finally:
        store.close()


def test_earlier_runs_keep_first_whatever_keep_says_within_the_run(place, stories) -> None:
    index = place("corpus.idx")
    half = len(stories) // 2
    list(clean([str(p) for p in stories[:half]], Options(workers=1, index=index)))
    docs = list(clean([str(p) for p in stories[half:]], Options(workers=1, index=index, keep="longest")))
    earlier = [d for d in docs if d.duplicate_run is not None]
    assert earlier and all(d.duplicate_run == 1 and d.cluster == d.duplicate_of for d in earlier)


def test_readonly_checks_without_adding(place, stories) -> None:
    index = place("corpus.idx")
    half = len(stories) // 2
    list(clean([str(p) for p in stories[:half]], Options(workers=1, index=index)))
    before = os.path.getsize(index) if os.path.exists(index) else None
    docs = list(clean([str(p) for p in stories[half:]], Options(workers=1, index=index, index_readonly=True)))
    assert any(d.duplicate_run == 1 for d in docs)
    store = open_index(index, create=False)
    try:
        figures = store.stats()
        assert figures["documents"] == half and len(figures["runs"]) == 1
    finally:
        store.close()
    assert before is None or os.path.getsize(index) == before


def test_a_resumed_run_replaces_its_own_first_add(tmp_path: Path, place, stories) -> None:
    index = place("corpus.idx")
    half = len(stories) // 2
    list(clean([str(p) for p in stories[:half]], Options(workers=1, index=index)))
    journal = str(tmp_path / ".out.jsonl.cleaner-journal")
    rest = [str(p) for p in stories[half:]]
    first = flags(CleanRun(rest, Options(workers=1, index=index), journal=journal))  # added; output "lost"
    again = flags(CleanRun(rest, Options(workers=1, index=index), journal=journal, resume=True))
    assert again == first
    store = open_index(index, create=False)
    try:
        assert store.stats()["documents"] == len(stories)
    finally:
        store.close()


def test_an_aborted_write_leaves_the_index_as_it_was(tmp_path: Path) -> None:
    parameters = IndexParameters.of(Options())
    store = open_index(str(tmp_path / "i.idx"), parameters)
    rng = np.random.default_rng(3)
    documents = NewDocuments(ids=["a", "b"], root_positions=np.array([0, 0]), root_seqs=np.array([-1, -1]),
                             sizes=np.array([50, 60]),
                             bands=rng.integers(0, 2**32, (2, parameters.bands), dtype=np.uint64).astype(np.uint32),
                             signatures=low_bits(rng.integers(0, 2**32, (2, 128), dtype=np.uint64)))
    run = store.begin("t1", "first")
    store.add(run, documents)
    store.abort()
    assert store.stats()["documents"] == 0
    run = store.begin("t2", "second")
    seqs = store.add(run, documents)
    store.commit(run, 2, [])
    found = store.documents(seqs)
    assert found.ids == ["a", "b"] and list(found.roots) == [seqs[0], seqs[0]]
    assert (found.signatures == documents.signatures).all()
    assert store.remove(["b"]) == 1 and store.documents(seqs).ids == ["a"]
    store.close()


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, **kwargs)


def test_the_command_line_refuses_what_cannot_be_used_with_exit_2(tmp_path: Path, stories) -> None:
    index = tmp_path / "corpus.idx"
    assert cli("clean", str(stories[0].parent), "-o", str(tmp_path / "a.jsonl"), "--index", str(index),
               "-q").returncode == 0
    cases = {
        "other parameters": (["--index", str(index), "--num-perm", "64"], "num_perm is 128 there, 64 here"),
        "not an index": (["--index", str(stories[0])], "is not a cleaner index"),
        "with --stream": (["--index", str(index), "--stream"], "not with --stream"),
        "readonly, none there": (["--index", str(tmp_path / "none.idx"), "--index-readonly"], "no index at"),
    }
    truncated = tmp_path / "truncated.idx"
    truncated.write_bytes(index.read_bytes()[:20000])
    cases["truncated"] = (["--index", str(truncated)], "index")
    for name, (options, said) in cases.items():
        done = cli("clean", str(stories[0].parent), "-o", str(tmp_path / "b.jsonl"), *options)
        assert done.returncode == 2, name
        assert said in done.stderr and "Traceback" not in done.stderr, (name, done.stderr)


def test_index_stats_and_remove(tmp_path: Path, stories) -> None:
    index = tmp_path / "corpus.idx"
    half = len(stories) // 2
    first = [str(p) for p in stories[:half]]
    docs = list(clean(first, Options(workers=1, index=str(index))))
    shown = cli("index", "stats", str(index))
    assert shown.returncode == 0 and f"documents    {half}" in shown.stdout and "42 bands x 3 rows" in shown.stdout
    figures = json.loads(cli("index", "stats", str(index), "--json").stdout)
    assert figures["documents"] == half and figures["bytes_per_document"] > 0
    # Take out every document of the first run that a later copy would match: nothing is flagged against it.
    later = [d for d in clean([str(p) for p in stories[half:]], Options(workers=1, index=str(index),
                                                                        index_readonly=True))
             if d.duplicate_run is not None]
    assert later
    retracted = tmp_path / "retracted.txt"
    retracted.write_text("\n".join(d.id for d in docs) + "\n")
    done = cli("index", "remove", str(index), "--ids-from", str(retracted))
    assert done.returncode == 0 and f"{half} indexed documents removed" in done.stderr
    assert not any(d.duplicate_run is not None for d in clean(
        [str(p) for p in stories[half:]], Options(workers=1, index=str(index), index_readonly=True)))
    assert cli("index", "stats", str(tmp_path / "missing.idx")).returncode == 2


def test_two_runs_at_once_never_both_keep_the_same_story(tmp_path: Path, place) -> None:
    """Two processes clean copies of the same stories into one index at the
    same time: each story is kept once, by whichever run wrote first."""
    texts = story_corpus(tmp_path / "src", stories=15, seed=11)
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
        for path in texts:
            (tmp_path / side / f"{side}-{path.name}").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    index = place("shared.idx")
    runs = [subprocess.Popen([*COMMAND, "clean", str(tmp_path / side), "-o", str(tmp_path / f"{side}.jsonl"),
                              "--index", index, "-q", "--workers", "1"], cwd=ROOT)
            for side in ("a", "b")]
    assert [run.wait(timeout=300) for run in runs] == [0, 0]
    records = [json.loads(line) for side in ("a", "b")
               for line in (tmp_path / f"{side}.jsonl").read_text(encoding="utf-8").splitlines()]
    kept = {r["id"].split("-", 1)[1] for r in records if r["duplicate_of"] is None}
    one = flags(clean([str(p) for p in texts], Options(workers=1)))
    assert kept == {name for name, root in one.items() if root is None}  # each story kept by one side only
    assert len([r for r in records if r["duplicate_of"] is None]) == len(kept)


def test_incremental_equals_one_shot_on_the_shared_corpora(place) -> None:
    """vinews-10k and sites-dev (../shared; skipped without it), in 2 and 5 parts."""
    shared = Path(os.environ.get("CLEANER_SHARED", ROOT.parent / "shared"))
    corpora = [sorted((shared / "corpora" / "vinews-10k").glob("*.txt")),
               sorted(p for p in (shared / "eval" / "sites-dev").glob("d*.html"))]
    if not all(corpora):
        pytest.skip(f"no vinews-10k or sites-dev under {shared}")
    for paths in corpora:
        docs = list(clean([str(p) for p in paths], Options(workers=2)))
        one, similarity = flags(docs), {d.id: d.similarity for d in docs}
        for parts in (2, 5):
            found, _ = run_parts(paths, parts, place(f"{paths[0].parent.name}-{parts}.idx"))
            differing = [key for key in one if found.get(key) != one[key]]
            # The one exception (README): a document below the threshold to its group's kept one, joined
            # to the group through a copy that comes in a later part; its record was written before.
            assert all(found[key] is None and similarity[key] < Options.threshold for key in differing)
            assert len(differing) <= len(paths) // 2000, (paths[0].parent.name, parts, differing)


def test_open_index_refuses_other_parameters(tmp_path: Path) -> None:
    open_index(str(tmp_path / "p.idx"), IndexParameters.of(Options())).close()
    with pytest.raises(IndexProblem, match="ngram is 3 there, 5 here"):
        open_index(str(tmp_path / "p.idx"), IndexParameters.of(Options(ngram=5)))


def test_reports_and_dups_show_earlier_members_and_say_where_their_texts_are(tmp_path: Path, stories) -> None:
    index = str(tmp_path / "corpus.idx")
    half = len(stories) // 2
    for part, paths in (("one", stories[:half]), ("two", stories[half:])):
        directory = tmp_path / part
        directory.mkdir()
        for path in paths:
            (directory / path.name).symlink_to(path)
        done = cli("clean", str(directory), "-o", str(tmp_path / f"{part}.jsonl"), "--index", index,
                   "--report", str(tmp_path / f"{part}.json"), "-q")
        assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "two.json").read_text())
    assert report["index"]["earlier_runs"] == {"1": [str(tmp_path / "one.jsonl")]}
    earlier = [c for c in report["clusters"] if c.get("kept_run") == 1]
    assert earlier and all(m["run"] == 1 for c in earlier for m in c["members"] if m["id"] == c["kept"])
    shown = cli("dups", str(tmp_path / "two.json"), "--no-color", "--limit", "1000")
    assert shown.returncode == 0 and "(run 1)" in shown.stdout and "not at hand" not in shown.stdout
    (tmp_path / "one.jsonl").unlink()
    shown = cli("dups", str(tmp_path / "two.json"), "--no-color", "--limit", "1000")
    assert f"(text not at hand: run 1 of the index wrote it to {tmp_path / 'one.jsonl'})" in shown.stdout
    fresh = str(tmp_path / "fresh.idx")
    assert cli("clean", str(tmp_path / "one"), "-o", "-", "--index", fresh, "-q").returncode == 0
    dropped = cli("clean", str(tmp_path / "two"), "-o", "-", "--index", fresh, "--drop-duplicates", "-q",
                  "--errors", str(tmp_path / "dropped.jsonl"))
    written = [json.loads(line) for line in dropped.stdout.splitlines()]
    assert written and all(r["duplicate_of"] is None for r in written)
    reasons = [json.loads(line) for line in (tmp_path / "dropped.jsonl").read_text().splitlines()]
    assert len(written) + len(reasons) == len(stories) - half
    assert any(r["id"] in {m["id"] for c in earlier for m in c["members"]} for r in reasons)


def test_a_redis_that_goes_away_mid_run_stops_it_cleanly_and_resume_finishes_it(tmp_path: Path, stories) -> None:
    """The server is stopped while the run reads its inputs (blocked on a
    FIFO): the run ends with exit 2 and a message, writes no output and adds
    nothing; with the server back, --resume finishes it."""
    import shutil

    from ..redis_server import start_redis

    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server")
    (tmp_path / "data").mkdir()
    server, port = start_redis(tmp_path / "data")
    url = f"redis://127.0.0.1:{port}/0"
    half = len(stories) // 2
    list(clean([str(p) for p in stories[:half]], Options(workers=1, index=url)))
    docs = tmp_path / "docs"
    docs.mkdir()
    for path in stories[half:]:
        (docs / path.name).symlink_to(path)
    fifo = docs / "zz-last.txt"
    os.mkfifo(fifo)
    out = tmp_path / "out.jsonl"
    command = [*COMMAND, "clean", str(docs), "-o", str(out), "--index", url, "--workers", "1"]
    run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)  # the run is past its index check, reading its inputs
        server.terminate()
        server.wait(timeout=10)
        fifo.write_text(stories[0].read_text(encoding="utf-8") + "\nMột dòng cuối.\n", encoding="utf-8")
        _, stderr = run.communicate(timeout=120)
    finally:
        run.kill()
    assert run.returncode == 2 and "Error: index:" in stderr and "Traceback" not in stderr, stderr
    assert "--resume" in stderr and not out.exists()
    restarted = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", str(tmp_path / "data")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        # (a server without persistence comes back empty: index part one again first)
        list(clean([str(p) for p in stories[:half]], Options(workers=1, index=url)))
        fifo.unlink()
        fifo.write_text(stories[0].read_text(encoding="utf-8") + "\nMột dòng cuối.\n", encoding="utf-8")
        resumed = subprocess.run([*command, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert resumed.returncode == 0, resumed.stderr
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert len(records) == len(stories) - half + 1 and any(r["duplicate_run"] == 1 for r in records)
    finally:
        restarted.terminate()
        restarted.wait(timeout=10)


def test_index_stats_reads_either_store(place, stories) -> None:
    index = place("corpus.idx")
    list(clean([str(p) for p in stories[:10]], Options(workers=1, index=index)))
    shown = cli("index", "stats", index)
    assert shown.returncode == 0, shown.stderr
    assert "documents    10 (0 removed)" in shown.stdout and "run 1: 10 documents" in shown.stdout
    figures = json.loads(cli("index", "stats", index, "--json").stdout)
    assert figures["store"] in ("sqlite", "redis") and figures["bytes_per_document"] > 0
