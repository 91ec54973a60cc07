"""The HTML report: one self-contained file drawn from a run's JSON report
(`clean --report` or `dedup --report`), with the texts of its duplicate
clusters from the corpus the run wrote.

The page holds no reference to anything outside it: styles and the script
are inline, charts are inline SVG images (charts.py), and its Content
Security Policy allows only its own script (by hash), so no page text can
load or run anything. Page texts reach the page only as escaped HTML
(Jinja2's autoescape) or as JSON the script puts in with `textContent`.

Clusters and the documents not written are rendered by the script a page
at a time, so a report of 10,000 clusters opens as fast as a small one.
Each cluster keeps, per member, the sentences aligned with the kept
document's (as `cleaner dups` aligns them), long shared passages cut to
their ends, within its share of PAGE_CHARS characters: the file stays a few
MB.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from . import charts
from .dups import alignment, kept_key, load_records, member_key, missing, named

TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")
# Characters of aligned text a cluster keeps (the page's share, between the
# two bounds: a report stays a few MB whatever its clusters), and how much of
# a long shared passage is shown (its start and its end).
PAGE_CHARS, CLUSTER_CHARS, CLUSTER_MIN_CHARS, SHARED_ENDS = 1_500_000, 6000, 150, 60
CHART_SITES, TABLE_SITES = 15, 100
# Clusters the page lists, largest first (the histogram counts them all;
# `cleaner dups --cluster ID` shows any).
PAGE_CLUSTERS = 20_000


class MissingExtra(RuntimeError):
    """The report's libraries are not installed; the message says how to get them."""


def require_libraries() -> None:
    """MissingExtra, saying how to install them, unless Jinja2 and matplotlib import."""
    try:
        import jinja2  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError:
        raise MissingExtra("the HTML report needs Jinja2 and matplotlib: pip install 'cleaner[report]'") from None


def write_report_html(figures: dict, path: str, report_path: str | None = None, corpus: str | list | None = None,
                      id_field: str | None = None, text_field: str | None = None) -> dict:
    """Write the HTML report of `figures` to `path` (`-`: standard output),
    the clusters' texts read from `corpus` (default: the output the report
    names); returns what it found: clusters listed, texts at hand."""
    from ..io.outputs import open_output
    from ..io.writers import STDOUT
    from .dups import earlier_texts

    require_libraries()
    sizes, clusters = _largest(figures.get("clusters") or [], PAGE_CLUSTERS)
    corpus = corpus or figures.get("output")
    paths = [] if not corpus or corpus == STDOUT else corpus if isinstance(corpus, list) else [corpus]
    wanted = {m["id"] for c in clusters for m in c["members"] if m.get("run") is None} | \
        {c["kept"] for c in clusters if c.get("kept_run") is None}
    records = {(None, i): r for i, r in corpus_records(paths, wanted, id_field or figures.get("id_field") or "id",
                                                       text_field or figures.get("text_field") or "text").items()}
    runs = (figures.get("index") or {}).get("earlier_runs") or {}
    keys = {member_key(m) for c in clusters for m in c["members"]}
    records.update({key: ("", text) for key, text in earlier_texts(keys, runs).items()})
    page = report_html({**figures, "clusters": clusters, "cluster_count": sum(sizes.values())}, records, runs,
                       report_path, sizes)
    if path == STDOUT:
        import sys

        sys.stdout.write(page)
        sys.stdout.flush()
    else:
        target = open_output(path)
        try:
            target.write(page)
        except BaseException:
            target.abort()
            raise
        target.commit()
    return {"clusters": len(clusters), "texts": len(records)}


def _largest(clusters, count: int) -> tuple[Counter, list[dict]]:
    """Every cluster's size, and the `count` largest clusters (any iterable:
    a run's cluster report is read once)."""
    import heapq

    sizes: Counter = Counter()
    heap: list = []
    for at, cluster in enumerate(clusters):
        sizes[int(cluster["size"])] += 1
        item = (int(cluster["size"]), -at, cluster)
        if len(heap) < count:
            heapq.heappush(heap, item)
        elif item[:2] > heap[0][:2]:
            heapq.heapreplace(heap, item)
    return sizes, [c for _, _, c in sorted(heap, key=lambda item: (-item[0], -item[1]))]


def report_html(figures: dict, records: dict | None = None, runs: dict | None = None,
                report_path: str | None = None, sizes: Counter | None = None) -> str:
    """The HTML page for a report's `figures`; `records` by member key ((run
    or None, id) -> (title, text)) for the clusters' texts; `runs`: where
    earlier index runs wrote theirs (what a cluster says it lacks); `sizes`:
    every cluster's size, when `figures` lists only some clusters."""
    require_libraries()
    import jinja2

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    with open(os.path.join(TEMPLATES, "report.js"), encoding="utf-8") as handle:
        script = handle.read()
    with open(os.path.join(TEMPLATES, "report.css"), encoding="utf-8") as handle:
        style = handle.read()
    page = page_model(figures, records or {}, runs or {}, report_path, sizes)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return environment.get_template("report.html.j2").render(
        page=page, script=script, style=style, script_hash=f"sha256-{digest}",
        clusters_json=_script_json(page.pop("cluster_rows")), failures_json=_script_json(page.pop("failure_rows")))


def _script_json(data: Any) -> str:
    """JSON for a <script type="application/json"> block: no `<`, `>` or `&`
    can end the block or open a tag (they are \\u escapes, which JSON.parse reads back)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_model(figures: dict, records: dict, runs: dict, report_path: str | None,
               sizes: Counter | None = None) -> dict:
    """Everything the template shows, charts drawn."""
    skipped, dropped, failed = (dict(figures.get(name) or {}) for name in ("skipped", "dropped", "failed"))
    if figures.get("dropped_duplicates"):  # (a report of `cleaner dedup`)
        dropped["duplicate_dropped"] = int(figures["dropped_duplicates"])
    clusters = list(figures.get("clusters") or [])
    sizes = sizes if sizes is not None else Counter(int(c["size"]) for c in clusters)
    written = int(figures.get("written", 0))
    flagged = int(figures.get("flagged_duplicates", 0))
    headline = {
        "documents_read": int(figures.get("documents_read", figures.get("records_read", 0))),
        "written": written, "flagged_duplicates": flagged,
        "dropped": sum(dropped.values()), "failed": sum(failed.values()), "skipped": sum(skipped.values()),
        "clusters": sum(sizes.values()), "bytes_in": int(figures.get("bytes_in", 0)),
        "bytes_out": int(figures.get("bytes_out", 0)),
    }
    outcomes = [("written, kept", written - flagged, charts.COLOURS["written"]),
                ("written, flagged duplicate", flagged, charts.COLOURS["flagged"])]
    outcomes += [(f"dropped: {reason}", n, charts.COLOURS["dropped"]) for reason, n in dropped.items()]
    outcomes += [(f"failed: {reason}", n, charts.COLOURS["failed"]) for reason, n in failed.items()]
    outcomes += [(f"skipped: {reason}", n, charts.COLOURS["skipped"]) for reason, n in skipped.items()]
    outcomes = [o for o in outcomes if o[1]]
    return {
        "title": f"cleaner report{': ' + os.path.basename(report_path) if report_path else ''}",
        "report_path": report_path,
        "made": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "headline": headline,
        "run": _run_facts(figures),
        "outcomes": outcomes,
        "outcomes_chart": charts.horizontal_bars([o[0] for o in outcomes], [o[1] for o in outcomes],
                                                 [o[2] for o in outcomes]),
        **_chrome(figures),
        **_encodings(figures),
        **_clusters(clusters, sizes, records, runs),
        **_failures(figures),
    }


def _run_facts(figures: dict) -> list[tuple[str, str]]:
    """The run's facts as (name, value) rows, those the report has."""
    facts = []
    inputs = figures.get("inputs")
    if inputs:
        shown = ", ".join(str(i) for i in inputs[:10])
        more = int(figures.get("inputs_count", len(inputs))) - min(len(inputs), 10)
        facts.append(("inputs", shown + (f" and {more:,} more" if more > 0 else "")))
    if figures.get("started"):
        facts.append(("started", str(figures["started"])))
    if "seconds" in figures:
        facts.append(("time", f"{float(figures['seconds']):,.1f} s"))
    output = figures.get("output")
    if output:
        outputs = output if isinstance(output, list) else [output]
        facts.append(("output", ", ".join(map(str, outputs[:5])) + (f" and {len(outputs) - 5:,} more"
                                                                    if len(outputs) > 5 else "")))
    if figures.get("peak_memory_mb") is not None:
        facts.append(("peak memory", f"{float(figures['peak_memory_mb']):,.0f} MB"))
    if figures.get("invalid_records"):
        facts.append(("invalid records (written as they were)", f"{int(figures['invalid_records']):,}"))
    if "accounted" in figures:
        facts.append(("every input accounted for", "yes" if figures["accounted"] else "NO"))
    index = figures.get("index")
    if index:
        facts.append(("persistent index", f"{index.get('location')}: {index.get('added', 0):,} added, "
                                          f"{index.get('flagged_against_earlier_runs', 0):,} flagged against "
                                          "earlier runs"))
    return facts


def _chrome(figures: dict) -> dict:
    chrome = figures.get("chrome")
    if chrome is None:
        return {"chrome": None}
    kinds = list((chrome.get("by_kind") or {}).items())
    sites = (figures.get("sites") or {}).get("listed") or []
    top = [s for s in sites if s["lines_removed"] + s["boilerplate_lines"]][:CHART_SITES]
    return {
        "chrome": chrome,
        "kinds_chart": charts.horizontal_bars([k for k, _ in kinds], [n for _, n in kinds], unit="lines removed"),
        "sites_chart": charts.stacked_bars(
            [s["site"] for s in top],
            {"chrome rules": [s["lines_removed"] for s in top], "site boilerplate": [s["boilerplate_lines"]
                                                                                     for s in top]},
            {"chrome rules": charts.COLOURS["bar"], "site boilerplate": charts.COLOURS["learned"]}, "lines removed"),
        "sites": sites[:TABLE_SITES],
        "sites_count": int((figures.get("sites") or {}).get("count", len(sites))),
        "learned": sorted((s for s in sites if s.get("boilerplate")),
                          key=lambda s: (-s["boilerplate_lines"], s["site"]))[:TABLE_SITES],
    }


def _encodings(figures: dict) -> dict:
    encodings = figures.get("encodings")
    if encodings is None:
        return {"encodings": None}
    languages = list((figures.get("languages") or {}).items())
    return {
        "encodings": encodings,
        "encodings_chart": charts.horizontal_bars([f"{e['encoding']} ({e['method']})" for e in encodings[:20]],
                                                  [e["documents"] for e in encodings[:20]]),
        "languages": languages,
        "languages_chart": charts.horizontal_bars([code for code, _ in languages[:15]],
                                                  [n for _, n in languages[:15]], unit="documents written"),
        "repaired": figures.get("repaired") or {"documents": 0, "listed": []},
    }


def _clusters(clusters: list[dict], sizes: Counter, records: dict, runs: dict) -> dict:
    ordered = sorted(clusters, key=lambda c: (-int(c["size"]), str(c["cluster"])))
    budget = max(CLUSTER_MIN_CHARS, min(CLUSTER_CHARS, PAGE_CHARS // max(1, len(ordered))))
    texts = {key: text for key, (_, text) in records.items()}
    return {"cluster_sizes": charts.histogram(dict(sizes)),
            "cluster_rows": [_cluster_row(c, records, texts, runs, budget) for c in ordered],
            "texts_at_hand": bool(records), "clusters_listed": len(ordered)}


def _cluster_row(cluster: dict, records: dict, texts: dict, runs: dict, budget: int) -> dict:
    """A cluster as the script shows it: ids, title, size, and per member
    (`m`) its id (`i`), similarity (`s`), containment (`ci`, `cv`) and the
    sentences aligned with the kept document's (`r`, see `_aligned`), within
    `budget` characters; or why they are not there (`w`; "budget": spent)."""
    kept = kept_key(cluster)
    members = []
    for member in cluster["members"]:
        key = member_key(member)
        if key == kept:
            continue
        row: dict[str, Any] = {"i": named(key), "s": member.get("similarity")}
        if member.get("contained_in"):
            row.update(ci=member["contained_in"], cv=member.get("containment"))
        why = missing((kept, key), texts, runs)
        if why:
            row["w"] = why
        elif budget <= 0:
            row["w"] = "budget"
        else:
            row["r"], budget = _aligned(texts[kept], texts[key], budget)
        members.append(row)
    title = (records.get(kept) or ("", ""))[0] or ""
    return {"c": str(cluster["cluster"]), "k": named(kept), "n": int(cluster["size"]), "t": title, "m": members}


def _aligned(kept: str, other: str, budget: int) -> tuple[list[list], int]:
    """Two texts' aligned sentences within `budget` characters, and the
    budget left. A row is ["=", shared text] (a long shared passage cut to
    its ends: ["=", start, end, characters left out]), or [tag, the kept
    text's, the other's] where they differ (replace, delete, insert)."""
    rows: list[list] = []
    for tag, a, b in alignment(kept, other):
        if budget <= 0:
            rows.append(["cut"])
            break
        if tag == "equal":
            rows.append(["=", a] if len(a) <= 2 * SHARED_ENDS + 20 else
                        ["=", a[:SHARED_ENDS], a[-SHARED_ENDS:], len(a) - 2 * SHARED_ENDS])
            budget -= min(len(a), 2 * SHARED_ENDS)
        else:
            rows.append([tag, a, b])
            budget -= len(a) + len(b)
    return rows, budget


def _failures(figures: dict) -> dict:
    listed = (figures.get("not_written") or {}).get("listed")
    total = int((figures.get("not_written") or {}).get("documents", 0))
    return {"failure_rows": listed or [], "failures_total": total, "failures_listed": len(listed or []),
            "failure_reasons": sorted({str(f.get("reason")) for f in listed or []})}


def corpus_records(paths: Iterable[str], wanted: set[str], id_field: str = "id", text_field: str = "text",
                   ) -> dict[str, tuple[str, str]]:
    """(title, text) of the wanted ids, from JSON Lines or Parquet corpus
    files, each read once; files that cannot be read are passed over."""
    found: dict[str, tuple[str, str]] = {}
    for path in paths:
        if len(found) == len(wanted):
            break
        try:
            if path.endswith(".parquet"):
                found.update(_parquet_records(path, wanted - found.keys(), id_field, text_field))
                continue
            with open(path, encoding="utf-8", errors="replace") as handle:
                found.update(load_records(handle, wanted - found.keys(), id_field, text_field))
        except (OSError, ValueError):  # (unreadable, or not Parquet: pyarrow says ValueError)
            continue
    return found


def _parquet_records(path: str, wanted: set[str], id_field: str, text_field: str) -> dict[str, tuple[str, str]]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    columns = [c for c in (id_field, text_field, "title") if c in parquet.schema_arrow.names]
    found = {}
    for batch in parquet.iter_batches(columns=columns):
        data = batch.to_pydict()
        titles = data.get("title") or [""] * batch.num_rows
        for doc_id, text, title in zip(data.get(id_field, []), data.get(text_field, []), titles):
            if str(doc_id) in wanted and isinstance(text, str):
                found[str(doc_id)] = (str(title or ""), text)
    return found
