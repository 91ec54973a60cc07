#!/usr/bin/env python3
"""Encoding detection side by side: chardet 7 alone and cleaner, per language
and per codec, on ../shared/eval/encodings-multi and encodings-dev (skipped
when ../shared is absent). One process, files read one at a time.

encodings-multi is scored as its own scorer does (score_encodings_multi.py):
a file is right when decoding it with the answer gives the NFC text the true
codec gives (BOM ignored); chardet's answer is `chardet.detect(data)["encoding"]`,
cleaner's is `cleaner.encoding.decode(data).encoding`, as `cleaner detect`
reports it. encodings-dev is scored on the text, as score_encoding.py does:
sha256 of the stripped NFC text (mojibake files expect the repaired text,
which only cleaner gives); chardet's text is the bytes decoded with its answer.

    python bench/encoding_quality.py [--shared PATH] [--misses] [--markdown]
"""

from __future__ import annotations

import argparse
import codecs
import hashlib
import json
import os
import sys
import unicodedata
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def _text(data: bytes, codec: str | None) -> str | None:
    """NFC text of `data` in `codec` (BOM dropped); None if it does not decode."""
    if not codec:
        return None
    try:
        codecs.lookup(codec)
        return unicodedata.normalize("NFC", data.decode(codec).lstrip("\ufeff"))
    except (LookupError, UnicodeDecodeError):
        return None


def _rows(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def multi(folder: str, show_misses: bool) -> dict[str, dict[str, list[int]]]:
    """Right answers per language and per codec: {group: {key: [chardet, cleaner, files]}}."""
    import chardet

    from cleaner.encoding import decode

    groups: dict[str, dict[str, list[int]]] = {"language": defaultdict(lambda: [0, 0, 0]),
                                               "codec": defaultdict(lambda: [0, 0, 0])}
    misses: Counter[tuple[str, str, str]] = Counter()
    for row in _rows(os.path.join(folder, "manifest.jsonl")):
        with open(os.path.join(folder, row["file"]), "rb") as handle:
            data = handle.read()
        truth = _text(data, row["encoding"])
        answers = {"chardet": chardet.detect(data)["encoding"], "cleaner": decode(data).encoding}
        right = {name: truth is not None and _text(data, answer) == truth for name, answer in answers.items()}
        for group, key in (("language", row["language"]), ("codec", row["encoding"])):
            counts = groups[group][key]
            counts[0] += right["chardet"]
            counts[1] += right["cleaner"]
            counts[2] += 1
        if not right["cleaner"]:
            misses[row["language"], row["encoding"], str(answers["cleaner"])] += 1
    if show_misses:
        print("cleaner's misses (language, truth -> answer):")
        for (language, truth, answer), count in misses.most_common():
            print(f"  {language:3} {truth} -> {answer}: {count}")
    return groups


def dev(folder: str) -> tuple[int, int, int]:
    """(chardet right, cleaner right, files) on encodings-dev, judged on the text."""
    import chardet

    from cleaner.encoding import decode

    def right(text: str | None, row: dict) -> bool:
        if text is None:
            return False
        digest = hashlib.sha256(unicodedata.normalize("NFC", text).strip().encode("utf-8", "surrogatepass"))
        return digest.hexdigest() == row["expected_sha256_of_NFC_text"]

    rows = _rows(os.path.join(folder, "manifest.jsonl"))
    chardet_right = cleaner_right = 0
    for row in rows:
        with open(os.path.join(folder, row["file"]), "rb") as handle:
            data = handle.read()
        answer = chardet.detect(data)["encoding"]
        try:
            chardet_text = data.decode(answer) if answer else None
        except (LookupError, UnicodeDecodeError):
            chardet_text = None
        chardet_right += right(chardet_text, row)
        cleaner_right += right(decode(data).text, row)
    return chardet_right, cleaner_right, len(rows)


def _table(title: str, counts: dict[str, list[int]], markdown: bool, worst_first: bool) -> None:
    keys = sorted(counts, key=lambda k: ((counts[k][1] - counts[k][0]) if worst_first else 0, -counts[k][2], k))
    if markdown:
        print(f"| {title} | files | chardet 7.7 | cleaner |\n|---|---|---|---|")
    else:
        print(f"{title:<12} {'files':>5} {'chardet':>8} {'cleaner':>8}")
    for key in keys:
        chardet_right, cleaner_right, files = counts[key]
        flag = "  below chardet" if cleaner_right < chardet_right else ""
        if markdown:
            print(f"| {key} | {files} | {chardet_right} | {cleaner_right}{' (below)' if flag else ''} |")
        else:
            print(f"{key:<12} {files:>5} {chardet_right:>8} {cleaner_right:>8}{flag}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("CLEANER_SHARED", os.path.join(ROOT, "..", "shared")))
    parser.add_argument("--misses", action="store_true", help="list cleaner's misses on encodings-multi")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    args = parser.parse_args()
    multi_folder = os.path.join(args.shared, "eval", "encodings-multi")
    dev_folder = os.path.join(args.shared, "eval", "encodings-dev")
    if not os.path.isdir(multi_folder) and not os.path.isdir(dev_folder):
        print(f"skipped: no evaluation sets under {args.shared}/eval")
        return 0
    if os.path.isdir(multi_folder):
        groups = multi(multi_folder, args.misses)
        total = [sum(c[i] for c in groups["language"].values()) for i in range(3)]
        below = [k for k, c in groups["language"].items() if c[1] < c[0]]
        print(f"encodings-multi: chardet {total[0]}/{total[2]} ({total[0] / total[2]:.4f}), "
              f"cleaner {total[1]}/{total[2]} ({total[1] / total[2]:.4f}); "
              f"languages where cleaner is below chardet: {', '.join(sorted(below)) or 'none'}")
        _table("language", groups["language"], args.markdown, worst_first=True)
        _table("codec", groups["codec"], args.markdown, worst_first=True)
    if os.path.isdir(dev_folder):
        chardet_right, cleaner_right, files = dev(dev_folder)
        print(f"encodings-dev (judged on the text): chardet {chardet_right}/{files}, cleaner {cleaner_right}/{files}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
