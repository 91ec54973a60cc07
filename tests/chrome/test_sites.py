"""Site-level learning: lines recurring across a site's documents go, unless
they are prose, source lines, bylines, or shared only by near-duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import Options, clean
from cleaner.chrome.sites import SiteStats, line_key, paragraph_keys, site_of

STORIES = [
    "Die Stadtverwaltung hat am Montag einen neuen Radweg entlang des Flusses eröffnet, der den "
    "Norden der Stadt mit dem Bahnhof verbindet und täglich von Tausenden genutzt werden soll.",
    "Nach einem langen Rechtsstreit darf das alte Kino am Marktplatz wieder öffnen, teilte der "
    "neue Besitzer mit, der das Gebäude in den vergangenen zwei Jahren aufwendig renoviert hat.",
    "Der örtliche Fußballverein hat seinen Trainer entlassen, nachdem die Mannschaft sechs Spiele "
    "in Folge verloren hatte und auf den vorletzten Tabellenplatz abgerutscht war.",
    "Im Stadtpark wurden am Wochenende mehr als zweihundert neue Bäume gepflanzt, eine Aktion, an "
    "der sich nach Angaben der Organisatoren über fünfhundert Freiwillige beteiligt haben.",
    "Die Bibliothek verlängert ihre Öffnungszeiten im Winter bis zweiundzwanzig Uhr, weil die "
    "Lesesäle in den Prüfungswochen regelmäßig überfüllt waren, hieß es aus dem Rathaus.",
]


def write_site(directory: Path, stories: list[str], chrome: list[str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for i, story in enumerate(stories):
        body = "\n\n".join([f"Meldung Nummer {i + 1} aus der Stadt", story, *chrome, "Theo TTXVN"])
        (directory / f"page{i}.txt").write_text(body, encoding="utf-8")


def test_site_of() -> None:
    assert site_of("https://www.example.org/a/b.html", "x/y.html") == "example.org"
    assert site_of(None, "/data/crawl/site/page.html") == "/data/crawl/site"
    assert site_of(None, "<stdin>") is None


def test_line_keys_skip_prose_sources_and_bylines() -> None:
    assert line_key(STORIES[0]) is None  # prose
    assert line_key("Theo TTXVN") is None and line_key("Source: Reuters") is None
    assert line_key("Weitere Artikel") is not None
    keys = paragraph_keys("Weitere Artikel\n\nEins\n\nZwei\n\nDrei\n\nAnna Schmidt")
    assert keys[0] is not None and keys[-1] is None  # a name at the end is a byline


def test_boilerplate_in_an_unknown_language_goes(tmp_path: Path) -> None:
    """German chrome is not in the lexicon: the site statistics find it."""
    write_site(tmp_path / "site", STORIES, ["Weitere Artikel zum Thema", "Newsletter bestellen"])
    run = clean([tmp_path / "site"], Options(explain=True))
    docs = list(run)
    for doc, story in zip(docs, STORIES):
        assert story in doc.text
        assert "Weitere Artikel" not in doc.text and "Newsletter bestellen" not in doc.text
        assert "Theo TTXVN" in doc.text  # a source line is never boilerplate
        dropped = {e["text"]: e for e in doc.explain if e["rule"] == "site_boilerplate"}
        assert dropped["Weitere Artikel zum Thema"]["evidence"].startswith("site frequency 5/5")
    off = list(clean([tmp_path / "site"], Options(site_learning=False)))
    assert all("Weitere Artikel" in d.text for d in off)


def test_lines_shared_by_near_duplicates_only_stay(tmp_path: Path) -> None:
    """Three copies of one report share a caption: it is one cluster, not three documents."""
    copies = [STORIES[0]] * 3 + STORIES[1:3]
    write_site(tmp_path / "site", copies, [])
    for i in range(3):
        path = tmp_path / "site" / f"page{i}.txt"
        path.write_text(path.read_text(encoding="utf-8").replace(
            "Theo TTXVN", "Das neue Radwegnetz im Überblick\n\nTheo TTXVN"), encoding="utf-8")
    docs = list(clean([tmp_path / "site"], Options()))
    assert all("Das neue Radwegnetz im Überblick" in d.text for d in docs[:3])


def test_sites_are_kept_apart(tmp_path: Path) -> None:
    for i, story in enumerate(STORIES[:4]):
        write_site(tmp_path / f"site{i}", [story], ["Weitere Artikel zum Thema"])
    docs = list(clean([tmp_path], Options()))
    assert all("Weitere Artikel zum Thema" in d.text for d in docs)


def test_thresholds() -> None:
    stats = SiteStats(min_docs=3, min_share=0.5)
    key = line_key("Weitere Artikel")
    for cluster in range(3):
        stats.add("s", cluster, [key])
    for cluster in range(3, 8):
        stats.add("s", cluster, [])
    assert stats.frequency("s", key) is None  # 3 of 8 < half
    stats.add("s", 8, [key])
    assert stats.frequency("s", key) is None
    for cluster in range(9, 12):
        stats.add("s", cluster, [key])
    assert stats.frequency("s", key) == (7, 12)
    assert stats.frequency("other", key) is None


def test_documents_that_lose_boilerplate_are_grouped_on_their_new_text(tmp_path: Path) -> None:
    """A report republished with and without the site's chrome block: before
    site learning the bare copy is only contained in the other; after it the
    two are the same text, and grouping uses the new signatures."""
    chrome = [f"Rubrik {name} und mehr aus der Region" for name in
              ("Politik", "Kultur", "Sport", "Wetter", "Verkehr", "Wirtschaft", "Bildung", "Gesundheit")]
    write_site(tmp_path / "site", STORIES, chrome)
    bare = "\n\n".join(["Meldung Nummer 1 aus der Stadt", STORIES[0], "Theo TTXVN"])
    (tmp_path / "site" / "page9.txt").write_text(bare, encoding="utf-8")
    learned = {d.id: d for d in clean([tmp_path / "site"], Options())}
    assert learned["page9"].duplicate_of == "page0"
    assert learned["page9"].similarity == 1.0 and learned["page9"].contained_in is None
    plain = {d.id: d for d in clean([tmp_path / "site"], Options(site_learning=False))}
    assert plain["page9"].contained_in == "page0" and plain["page9"].similarity < 1.0


@pytest.mark.parametrize("chunk", [1, 2, 65536])
def test_site_key_spool_counts_as_adding_documents_directly(chunk: int, monkeypatch) -> None:
    import numpy as np

    from cleaner.chrome import sites
    from cleaner.chrome.sites import SiteKeySpool
    from cleaner.dedup.groups import Grouping

    monkeypatch.setattr(sites, "SPOOL_CHUNK", chunk)  # the passes read the spool a chunk at a time

    docs = [("a", ["Weitere Artikel", "Eins", STORIES[0]]), ("a", ["Weitere Artikel", "Zwei"]),
            (None, ["Weitere Artikel"]), ("b", ["Weitere Artikel"]), ("a", []),
            ("a", ["Weitere Artikel", "Eins"]), ("a", ["Weitere Artikel"])]
    grouping = Grouping()
    grouping.keys, grouping.roots = np.array([0, 5], dtype=np.int64), np.array([0, 0], dtype=np.int64)
    grouping.similarities = np.ones(2, dtype=np.float32)
    spool, direct = SiteKeySpool(), SiteStats(min_docs=2, min_share=0.1)
    for key, (site, paragraphs) in enumerate(docs):
        keys = paragraph_keys("\n\n".join(paragraphs + STORIES[1:4])) if paragraphs else []
        spool.add(key, site, keys)
        if site is not None:
            root = grouping.root(key)
            direct.add(site, key if root is None else root, keys)
    counted = spool.statistics(grouping, min_docs=2, min_share=0.1)
    assert counted._clusters == direct._clusters
    # lines in one document only are never counted; the others are, exactly
    assert all(direct._seen[slot] == seen for slot, seen in counted._seen.items())
    assert all(slot in counted._seen for slot, seen in direct._seen.items() if isinstance(seen, set))
    assert len(counted._seen) < len(direct._seen)
    assert spool.statistics(grouping, min_docs=1, min_share=0.1)._seen == direct._seen
    for site in ("a", "b", None, "c"):
        for paragraph in ("Weitere Artikel", "Eins", "Zwei", STORIES[0]):
            assert counted.frequency(site, line_key(paragraph)) == direct.frequency(site, line_key(paragraph))
    assert counted.frequency("a", line_key("Weitere Artikel")) == (3, 4)  # 0 and 5 are one cluster
    assert list(spool.changed(counted)) == [0, 1, 5, 6]
    compact = counted.compacted()
    for site in ("a", "b", None, "c"):
        for paragraph in ("Weitere Artikel", "Eins", "Zwei", STORIES[0]):
            key = line_key(paragraph)
            assert compact.frequency(site, key) == counted.frequency(site, key)
    assert compact._verdicts and not compact._seen  # the boilerplate lines alone
    assert list(spool.changed(compact)) == [0, 1, 5, 6]
    boilerplate = compact.boilerplate_keys()
    assert boilerplate == counted.boilerplate_keys() and set(boilerplate) == {"a"}
    assert line_key("Weitere Artikel") in boilerplate["a"]
    assert all(compact.frequency("a", key) is not None for key in boilerplate["a"])
    spool.close()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="./ab", min_size=1, max_size=12).filter(lambda s: not s.startswith("<")))
def test_the_site_of_a_file_is_its_directory(source):
    """Without a URL, a document's site is the absolute form of its input's
    directory, as os.path computes it."""
    import os

    from cleaner.chrome.sites import site_of

    parent = os.path.dirname(source)
    expected = os.path.dirname(os.path.abspath(os.path.join("" if os.path.isabs(parent) else os.getcwd(),
                                                            parent, "x")))
    assert site_of(None, source) == expected


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", None]), st.lists(st.integers(0, 2**64 - 1) | st.none(),
                                                                        max_size=12)), max_size=40),
       st.sampled_from([1, 3, 5, 64]), st.integers(1, 7), st.sampled_from([1, 2, 5, 65536]))
def test_site_key_spool_reads_back_what_it_was_given(docs, buffer, batch, chunk) -> None:
    """Documents come back in order with their site and present keys, whatever
    the chunk size (the read buffer cuts documents at any point), added one
    by one or in batches as workers send them."""
    from array import array
    from unittest import mock

    from cleaner.chrome import sites

    with mock.patch.object(sites, "SPOOL_BUFFER", buffer), mock.patch.object(sites, "SPOOL_CHUNK", chunk):
        spool = sites.SiteKeySpool()
        for first in range(0, len(docs), batch):
            part = docs[first:first + batch]
            if batch == 1:
                spool.add(first, *part[0])
                continue
            present = [[k for k in keys if k is not None] for _, keys in part]
            spool.add_batch(first, [site for site, _ in part], array("L", map(len, present)),
                            array("Q", [k for keys in present for k in keys]))
        expected = [(key, site, [k for k in keys if k is not None])
                    for key, (site, keys) in enumerate(docs) if site is not None]
        assert [(key, site, list(keys)) for key, site, keys in spool] == expected
        assert [(key, site, list(keys)) for key, site, keys in spool] == expected  # read twice
        spool.close()


def test_a_document_holds_boilerplate_only_when_its_own_site_has_it() -> None:
    """changed() looks keys up mixed with their site's bits, where two sites'
    keys may meet: a hit is checked against the document's own site."""
    from cleaner.chrome.sites import SiteKeySpool, _site_mix
    from cleaner.dedup.groups import Grouping

    spool = SiteKeySpool()
    menu = line_key("Weitere Artikel")
    for key in range(4):
        spool.add(key, "a", [menu, key])  # site id 0
    other = line_key("Tin khác")
    for key in range(4, 7):
        spool.add(key, "b", [other])  # site id 1
    spool.add(7, "b", [menu ^ _site_mix(0) ^ _site_mix(1)])  # mixes to a's menu
    stats = spool.statistics(Grouping(), min_docs=3, min_share=0.05).compacted()
    assert stats.boilerplate_keys() == {"a": {menu}, "b": {other}}
    assert list(spool.changed(stats)) == [0, 1, 2, 3, 4, 5, 6]
    spool.close()
