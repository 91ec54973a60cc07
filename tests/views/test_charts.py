"""The report's charts: SVG with its labels as text, the same bytes for the
same figures, and matplotlib's settings left as the caller had them."""

from __future__ import annotations

import base64

import pytest

matplotlib = pytest.importorskip("matplotlib", reason="the report extra is in the test extra")

from cleaner.views import charts  # noqa: E402


def svg(uri: str) -> str:
    assert uri.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def test_charts_keep_their_labels_as_text_and_are_reproducible() -> None:
    drawn = charts.horizontal_bars(["tin.example.vn", "<b>site</b>"], [12, 3])
    assert drawn == charts.horizontal_bars(["tin.example.vn", "<b>site</b>"], [12, 3])
    text = svg(drawn)
    assert "tin.example.vn" in text and "&lt;b&gt;site&lt;/b&gt;" in text and "<b>" not in text
    assert charts.horizontal_bars([], []) is None and charts.histogram({}) is None


def test_drawing_leaves_the_caller_s_matplotlib_settings_alone() -> None:
    with matplotlib.rc_context({"svg.fonttype": "path", "font.size": 13.0, "axes.spines.top": True}):
        before = dict(matplotlib.rcParams)
        charts.horizontal_bars(["a"], [1])
        charts.stacked_bars(["a"], {"x": [1], "y": [2]}, {"x": "#000", "y": "#fff"}, "lines")
        charts.histogram({2: 30, 3: 4})
        assert {k: v for k, v in matplotlib.rcParams.items() if before[k] != v} == {}
