"""Date lines and counter lines: what a date is, and when a short line of
dates, numbers and labels is page chrome ("Cập nhật: Thứ năm 14/10/2021 -
10:08", "23/10/2020 | 3976", "Lượt xem: 1.420") rather than data ("1/1/2013
+13.1%", "$38.00", "9.1", a phone number "215-794-3112").

A numeric date is a valid day, month and year (or day and month written with
a slash, or year and month in ISO form) not glued to other digits; a decimal
number, a price, a version or a phone number is not one. A time is a valid
hour and minute. A date line holds a date or time, date labels and weekdays,
and after the date a view count; a percentage, a sign or a currency is data.
"""

from __future__ import annotations

import re

# Loose forms, for patterns where the words around already say "date"
# (action links beside a date, a "Cập nhật: ..." prefix).
DATE_NUMERIC = r"\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{2,4})?"
TIME = r"\d{1,2}[:h]\d{2}(?::\d{2})?"

# Pieces of a short line: a date or time (shaped like one), a number, a
# word, or one other character. One linear pass (nested patterns
# backtracked catastrophically); dates and times are validated afterwards.
_PIECE = re.compile(rf"({DATE_NUMERIC})|({TIME})|(\d+)|(\w+)|(\S)")
# What a date-shaped piece must be: Y-M-D, D-M-Y (or M-D-Y) with one separator, D/M, Y-M.
_STRICT_DATE = re.compile(r"(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})|(\d{1,2})([/.-])(\d{1,2})\5(\d{4}|\d{2})"
                          r"|(\d{1,2})/(\d{1,2})|(\d{4})-(\d{1,2})")
_NUMBERS = re.compile(r"\d+")
_DAY_MONTH = re.compile(r"\d{1,2}/\d{1,2}")
# Marks that make the numbers of a line data (a price, a change, a share).
DATA_MARKS = frozenset("%+$€£¥₫₹±")

_DMY_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b")


def _day_month(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def _valid_date(text: str) -> bool:
    """Is a date-shaped piece a day, a month and a year (not a decimal number,
    a price, a version, part of a phone number)?"""
    m = _STRICT_DATE.fullmatch(text)
    if not m:
        return False
    y, m1, d1, a, _, b, _, dm_a, dm_b, ym, ym_m = m.groups()
    if y:  # 2024-12-31
        return 1000 <= int(y) <= 2999 and _day_month(int(d1), int(m1))
    if a:  # 31/12/2024 or 12/31/2024
        return _day_month(int(a), int(b)) or _day_month(int(b), int(a))
    if dm_a:  # 28/5 or 5/28
        return _day_month(int(dm_a), int(dm_b)) or _day_month(int(dm_b), int(dm_a))
    return 1900 <= int(ym) <= 2099 and 1 <= int(ym_m) <= 12  # 2024-12


def _valid_time(text: str) -> bool:
    hour, minute = _NUMBERS.findall(text)[:2]
    return int(hour) <= 24 and int(minute) <= 59


def pieces(norm: str) -> list[tuple[str, str, str, str, str]]:
    """The pieces of a line, as _PIECE.findall gives them: (date, time,
    number, word, other), one of them set. A date or time is only shaped like
    one: `_is_date` says if it is."""
    return _PIECE.findall(norm)


def _is_date(date: str, time: str) -> bool:
    return _valid_date(date) if date else _valid_time(time)


def is_date_line(line_pieces: list[tuple[str, ...]], date_words: frozenset, counter_words: frozenset) -> bool:
    """Dates and times, with labels and weekdays around them and view counts
    after them ("Cập nhật: Thứ năm 14/10/2021 - 10:08", "23/10/2020 | 3976"),
    and nothing that makes the numbers data (%, +, a currency). A time or a
    day and month without a year ("12:30", "5/5": a kick-off, a score, a
    fraction) needs a label, a weekday or am/pm beside it."""
    seen_date = seen_weak = seen_label = False
    for date, time, _, word, other in line_pieces:
        if date or time:
            if _is_date(date, time):
                if time or _DAY_MONTH.fullmatch(date):
                    seen_weak = True
                else:
                    seen_date = True
        elif word:
            if word in date_words:
                seen_label = True
            elif not ((seen_date or seen_weak) and word in counter_words):
                return False
        elif other in DATA_MARKS:
            return False
    return seen_date or (seen_weak and seen_label)


def is_counter_line(line_pieces: list[tuple[str, ...]], counter_words: frozenset) -> bool:
    """Counter labels and numbers only ("Lượt xem: 1.420", "• Đang online: 158")."""
    has_number = has_word = False
    for date, time, number, word, other in line_pieces:
        if word:
            if word not in counter_words:
                return False
            has_word = True
        elif number or date or time:
            has_number = True
        elif other in DATA_MARKS:
            return False
    return has_number and has_word


_ONE_NUMBER = re.compile(r"^[^\w%+$€£¥₫₹±]*(?:\d+|\d{1,3}(?:[.,\u00a0 ]\d{3})+)[^\w%+$€£¥₫₹±]*$")


def is_bare_counter(norm: str, min_digits: int) -> bool:
    """One big whole number alone ("• 003900658", "52.630.753"): a visitor
    counter. Two numbers ("$199 - $1499", "0 0 1 1"), a decimal or a price
    are something else."""
    return bool(_ONE_NUMBER.match(norm)) and sum(ch.isdigit() for ch in norm) >= min_digits


def find_date(text: str) -> str | None:
    """An ISO date (YYYY-MM-DD or YYYY-MM) from a date line, if one is there."""
    m = _DMY_DATE.search(text)
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if _day_month(day, month):
            return f"{year:04d}-{month:02d}-{day:02d}"
    m = _ISO_DATE.search(text)
    if m:
        return "-".join(g for g in m.groups() if g)
    return None
