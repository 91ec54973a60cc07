"""The report's breakdown (chrome removed by rule and site, boilerplate
learned, encodings, languages, repairs, documents not written) counts what
the documents themselves say, whichever way the run went."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from cleaner import Options, clean
from cleaner.chrome import RULE_KINDS
from cleaner.chrome.sites import site_of
from cleaner.document import SKIPPED, Document
from cleaner.run.stats import Breakdown, RunStats

from ..chrome.test_sites import STORIES, write_site
from ..conftest import SAMPLES

BREAKDOWN_KEYS = ("chrome", "sites", "encodings", "languages", "repaired", "not_written")


def corpus(tmp_path: Path) -> list[str]:
    """A site whose pages share German chrome (learned) and a counter line
    (a rule), the samples (HTML, dumps, a cp1258 page, repairs), and inputs
    that fail or are dropped."""
    write_site(tmp_path / "site", STORIES, ["Weitere Artikel zum Thema", "Newsletter bestellen", "Lượt xem: 1.234"])
    shutil.copytree(SAMPLES, tmp_path / "samples")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "empty.txt").write_bytes(b"")
    (tmp_path / "bad" / "binary.bin").write_bytes(bytes(range(256)) * 8)
    return [str(tmp_path / "site"), str(tmp_path / "samples"), str(tmp_path / "bad"), str(tmp_path / "missing.html")]


def oracle(docs) -> dict:
    """The breakdown from the documents' own line decisions (--explain) and fields."""
    rules: Counter = Counter()
    per_site: dict[str, Counter] = {}
    learned: dict[str, Counter] = {}
    for doc in docs:
        if doc.status == SKIPPED:
            continue
        site = site_of(doc.url, doc.source)
        for entry in doc.explain or []:
            if not entry["keep"] and entry["line"] is not None and entry["rule"] and entry["text"].strip():
                rules[entry["rule"]] += 1
                per_site.setdefault(site, Counter())["boilerplate" if entry["rule"] == "site_boilerplate"
                                                     else "rules"] += 1
                if entry["rule"] == "site_boilerplate":
                    learned.setdefault(site, Counter())[entry["text"].strip()] += 1
    return {"rules": rules, "per_site": per_site, "learned": learned,
            "encodings": Counter((d.encoding, d.encoding_method) for d in docs
                                 if d.status != SKIPPED and d.encoding is not None),
            "languages": Counter(d.language for d in docs if d.ok and d.language),
            "repaired": [{"id": d.id, "source": d.source, "repairs": d.repairs} for d in docs
                         if d.status != SKIPPED and d.repairs],
            "not_written": [d.error_record() for d in docs if not d.ok and d.status != SKIPPED]}


def documents(run, lines: bool) -> list[Document]:
    """The run's documents; with `lines`, as a JSON Lines writer takes them
    (records the last pass leaves alone come as bytes, counted from the
    journal's figures without a Document)."""
    if not lines:
        return list(run)
    return [Document(**json.loads(item)) if type(item) is bytes else item for item in run.output_lines()]


@pytest.mark.parametrize("options,lines", [
    (Options(explain=True), False),
    (Options(explain=True), True),
    (Options(explain=True, workers=2, batch_size=3), True),
    (Options(explain=True, site_learning=False, dedup=False), False),  # documents stream straight through
    (Options(explain=True, stream=True), False),
    (Options(explain=True, drop_duplicates=True), True),
], ids=["corpus-passes", "as-lines", "two-workers", "straight", "stream", "drop-duplicates"])
def test_the_breakdown_counts_what_each_document_says(tmp_path: Path, options: Options, lines: bool) -> None:
    run = clean(corpus(tmp_path), options)
    docs = documents(run, lines)
    assert not lines or any(type(item) is bytes for item in clean(corpus(tmp_path / "again"), options).output_lines())
    expected = oracle(docs)
    figures = run.stats.as_dict()
    assert figures["chrome"]["by_rule"] == dict(expected["rules"])
    assert figures["chrome"]["lines_removed"] == sum(expected["rules"].values()) > 0
    kinds = Counter()
    for rule, lines in expected["rules"].items():
        kinds[RULE_KINDS.get(rule, "other")] += lines
    assert figures["chrome"]["by_kind"] == dict(kinds) and "counters" in kinds
    sites = {s["site"]: s for s in figures["sites"]["listed"]}
    for site, counts in expected["per_site"].items():
        assert (sites[site]["lines_removed"], sites[site]["boilerplate_lines"]) == \
            (counts["rules"], counts["boilerplate"])
        assert {b["paragraph"]: b["documents"] for b in sites[site]["boilerplate"]} == \
            dict(expected["learned"].get(site, {}))
    assert sum(s["documents"] for s in sites.values()) == sum(1 for d in docs if d.status != SKIPPED
                                                              and site_of(d.url, d.source))
    assert sum(s["written"] for s in sites.values()) == figures["written"]
    assert {(e["encoding"], e["method"]): e["documents"] for e in figures["encodings"]} == dict(expected["encodings"])
    assert figures["languages"] == dict(expected["languages"])
    assert figures["repaired"] == {"documents": len(expected["repaired"]), "listed": expected["repaired"]}
    assert figures["not_written"] == {"documents": len(expected["not_written"]), "listed": expected["not_written"]}
    reasons = Counter(r["reason"] for r in expected["not_written"])
    assert {"not_found", "empty_input", "not_text"} <= set(reasons)
    assert sum(reasons.values()) == sum(figures["failed"].values()) + sum(figures["dropped"].values())


def test_site_learning_shows_the_paragraphs_it_learned(tmp_path: Path) -> None:
    run = clean(corpus(tmp_path), Options())
    list(run)
    site = next(s for s in run.stats.as_dict()["sites"]["listed"] if s["site"].endswith("site"))
    assert site["boilerplate_lines"] == 2 * len(STORIES)
    assert site["boilerplate"] == [{"paragraph": "Newsletter bestellen", "documents": len(STORIES)},
                                   {"paragraph": "Weitere Artikel zum Thema", "documents": len(STORIES)}]
    assert site["lines_removed"] == len(STORIES)  # the counter line, one a page


def test_figures_a_cluster_task_counted_join_the_run_s() -> None:
    """RunStats.add_results (a shard-writing task's figures) merges the breakdown, in order."""
    first, second = RunStats(), RunStats()
    first.breakdown.add("a.vn", True, {"counter": 2}, None, "utf-8", "utf8", "vi", (100, 80))
    second.breakdown.add("a.vn", True, {"site_boilerplate": 1}, ["Theo dõi chúng tôi"], "cp1258", "detected",
                         "vi", (50, 40))
    second.breakdown.add("b.vn", False, None, None, None, None, None, (0, 0))
    merged = RunStats()
    merged.add_results(first)
    merged.add_results(second)
    figures = merged.breakdown.as_dict()
    assert figures["chrome"]["by_rule"] == {"counter": 2, "site_boilerplate": 1}
    assert figures["sites"]["listed"][0] == {
        "site": "a.vn", "documents": 2, "written": 2, "lines_removed": 2, "boilerplate_lines": 1,
        "chars_in": 150, "chars_out": 120, "boilerplate": [{"paragraph": "Theo dõi chúng tôi", "documents": 1}]}
    assert figures["languages"] == {"vi": 2}


def test_sites_beyond_the_kept_number_are_counted_together(monkeypatch) -> None:
    from cleaner.run import stats

    monkeypatch.setattr(stats, "SITES_KEPT", 2)
    breakdown = Breakdown()
    for site in ("a", "b", "c", "d"):
        breakdown.add(site, True, {"counter": 1}, None, None, None, None, (1, 1))
    listed = {s["site"]: s["documents"] for s in breakdown.as_dict()["sites"]["listed"]}
    assert listed == {"a": 1, "b": 1, stats.OTHER_SITES: 2}
