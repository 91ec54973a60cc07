"""What the quality benches share: JSON Lines in and out, page ids as the
scorer matches them, and ../shared/eval/score_chrome.py run on a prediction."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable


def read_jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_jsonl(path: str, records: Iterable[dict]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_texts(path: str, rows: Iterable[tuple[str, str]]) -> None:
    """(id, text) rows as the scorer reads a prediction."""
    write_jsonl(path, ({"id": doc_id, "text": text} for doc_id, text in rows))


def page_id(name: str) -> str:
    """wNNNN from wNNNN.html.gz, wNNNN.html, wNNNN (as the scorer matches ids)."""
    name = os.path.basename(str(name))
    for suffix in (".gz", ".html", ".htm", ".txt"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name


def score_chrome(scorer: str, gold: str, pred: str) -> dict:
    """score_chrome.py's JSON for a prediction: the totals and `per_doc`."""
    out = subprocess.run([sys.executable, scorer, "--gold", gold, "--pred", pred, "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)
