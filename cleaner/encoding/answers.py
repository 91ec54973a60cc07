"""chardet's answers, read right: which codec decodes the input as the text it
was written in, among the candidates chardet ranks.

chardet 7 ranks candidates by letter-pair statistics in each codec. Three
things are corrected here, each from evidence in the bytes or the text:
  - a superset it names natively is read as the standard codec when that
    decodes the input (cp932 -> shift_jis, see labels.NARROWER);
  - among candidates it ranks (nearly) alike, the reading with the fewest
    implausible characters wins (see plausibility): chardet ties cp437 with
    cp850 and iso8859-2 with cp1250, and ranks cp1257 above cp1252 for
    Estonian text it has no cp1252 model for;
  - UTF-16 and UTF-32 without a BOM are read in the byte order whose text
    has spaces and line breaks (the other order turns U+0020 into U+2000).
"""

from __future__ import annotations

from dataclasses import dataclass

from .labels import DETECTION_WINDOW, codec_name, narrower_codec, strict_decode, web_codec
from .plausibility import implausible_marks

# A candidate competes with chardet's first answer when chardet gives it at
# least this share of that answer's confidence: letter-pair scores this
# close do not tell the codecs apart (chardet gives tied scores for codecs
# that read the text's letters alike).
RIVAL_SHARE = 0.5
# At most this many rivals are decoded and read.
MAX_RIVALS = 6
_OTHER_BYTE_ORDER = {"utf-16-le": "utf-16-be", "utf-16-be": "utf-16-le",
                     "utf-32-le": "utf-32-be", "utf-32-be": "utf-32-le"}

Candidate = tuple[str, float, "str | None"]  # codec, confidence, language


@dataclass(frozen=True)
class Reading:
    """A decoding of the input chosen from chardet's answers, and why."""

    codec: str
    text: str
    confidence: float
    evidence: str


def chardet_candidates(data: bytes) -> list[Candidate]:
    """chardet's ranked answers (all eras, no superset renaming), by codec."""
    import chardet  # imported lazily: start-up stays fast for --help

    try:
        results = chardet.detect_all(data[:DETECTION_WINDOW], should_rename_legacy=False)
    except Exception:  # chardet bugs on odd input must not fail a document
        results = []
    out: list[Candidate] = []
    for result in results:
        label = result.get("encoding")
        name = codec_name(label) if label else None
        if name and name not in (n for n, _, _ in out):
            out.append((name, float(result.get("confidence") or 0.0), result.get("language")))
    return out


def _said(codec: str, language: str | None) -> str:
    return f"chardet: {codec}" + (f" ({language})" if language else "")


def _decode_answer(data: bytes, codec: str, language: str | None) -> tuple[str, str, str] | None:
    """(codec, text, evidence) for one answer: its standard narrower codec
    when that decodes, else the answer, else its web superset."""
    narrow = narrower_codec(codec)
    if narrow and (text := strict_decode(data, narrow)) is not None:
        return narrow, text, (f"{_said(codec, language)}, read as {narrow}, the standard codec it "
                              f"extends, which decodes the input ({codec} reads some of its characters differently)")
    for candidate in dict.fromkeys((codec, web_codec(codec) or codec)):
        if (text := strict_decode(data, candidate)) is not None:
            return candidate, text, _said(codec, language)
    return None


def _byte_order(data: bytes, codec: str, text: str, evidence: str) -> tuple[str, str, str]:
    """The byte order whose reading has more spaces and line breaks."""
    other = _OTHER_BYTE_ORDER.get(codec)
    if other is None:
        return codec, text, evidence
    flipped = strict_decode(data, other)
    if flipped is None:
        return codec, text, evidence

    def blanks(reading: str) -> int:
        return reading.count(" ") + reading.count("\n")

    if blanks(flipped) > blanks(text):
        return other, flipped, f"{evidence}; read as {other}, whose text has spaces and line breaks"
    return codec, text, evidence


def first_reading(data: bytes, candidates: list[Candidate]) -> tuple[int, Reading] | None:
    """chardet's first answer that decodes the input, read in its standard
    codec and byte order, with its place in the candidate list."""
    for index, (codec, confidence, language) in enumerate(candidates):
        decoded = _decode_answer(data, codec, language)
        if decoded is not None:
            codec, text, evidence = _byte_order(data, *decoded)
            return index, Reading(codec, text, round(confidence, 3), evidence)
    return None


def choose_reading(data: bytes, candidates: list[Candidate],
                   first: tuple[int, Reading] | None = None) -> Reading | None:
    """The reading of `data` that chardet's candidates support best (see the
    module docstring), or None when none of them decodes the input; `first`
    is first_reading's answer when the caller has it."""
    first = first or first_reading(data, candidates)
    if first is None:
        return None
    index, top = first
    marks = implausible_marks(top.text)
    if marks == 0:
        return top
    best: tuple[int, str, str, float, str] | None = None
    seen = {top.text}
    rivals = [c for c in candidates[index + 1:] if c[1] >= RIVAL_SHARE * top.confidence][:MAX_RIVALS]
    for rival, rival_confidence, language in rivals:
        decoded = _decode_answer(data, rival, language)
        if decoded is None or decoded[1] in seen:
            continue
        seen.add(decoded[1])
        rival_marks = implausible_marks(decoded[1])
        if rival_marks < (best[0] if best else marks):
            best = (rival_marks, decoded[0], decoded[1], rival_confidence, decoded[2])
    if best is None:
        return top
    rival_marks, rival, rival_text, rival_confidence, rival_evidence = best
    return Reading(rival, rival_text, round(rival_confidence, 3),
                   f"{rival_evidence}, preferred to {top.codec}: {rival_marks} implausible characters "
                   f"against {marks} (symbols inside words, mixed alphabets, controls)")
