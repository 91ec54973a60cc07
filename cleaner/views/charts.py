"""The HTML report's charts: matplotlib figures saved as SVG, each an
inline `data:` image, so the report opens offline and a chart can run no
script whatever the page texts in its labels hold.

matplotlib and not a JavaScript plotting library: a chart is a few KB of
SVG (Plotly's script alone is 3.5 MB, too much for reports that must stay a
few MB with 10,000 clusters), its labels stay text (`svg.fonttype: none`:
searchable, copyable, sharp at any zoom), and the same figure saves to PNG
or PDF for a paper. What a static chart cannot do, the report's tables do
beside it: every charted figure is also a number on the page.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Callable, Sequence

# One palette for the whole report: kept, flagged, dropped, failed, skipped, other.
COLOURS = {"written": "#3b7d4f", "flagged": "#d9a43b", "dropped": "#8c6bb1", "failed": "#c0392b",
           "skipped": "#9aa5ad", "bar": "#3f6e9e", "learned": "#d9a43b"}
_WIDTH = 7.2  # inches: the report's column at 100 dpi
_BAR_HEIGHT = 0.32  # inches per bar
_LABEL_CHARS = 48  # a bar's label is cut to this many characters


_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "cleaner", "font.size": 9,
          "font.family": ["DejaVu Sans", "sans-serif"], "axes.spines.top": False, "axes.spines.right": False}


def _styled(chart: Callable[..., str | None]) -> Callable[..., str | None]:
    """Draw and save the chart in the report's style, in a matplotlib
    rc_context: the settings of a program that calls the library stay its own."""
    @functools.wraps(chart)
    def drawn(*args, **kwargs) -> str | None:
        from matplotlib import rc_context

        with rc_context(_STYLE):
            return chart(*args, **kwargs)
    return drawn


def _figure(bars: int):
    """A figure of `bars` rows' height."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(_WIDTH, 0.7 + _BAR_HEIGHT * max(bars, 1)), dpi=100)
    return figure, figure.add_subplot()


def _whole_numbers(axis) -> None:
    """Ticks at whole numbers only: the charts count documents and lines."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _data_uri(figure) -> str:
    """The figure as an SVG `data:` URI (no date in it: the same figures give the same bytes)."""
    out = io.BytesIO()
    figure.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _label(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _LABEL_CHARS else text[:_LABEL_CHARS - 1] + "…"


@_styled
def horizontal_bars(labels: Sequence[str], values: Sequence[float], colours: Sequence[str] | None = None,
                    unit: str = "documents") -> str | None:
    """Bars, largest on top as listed, each with its value at its end; None
    when there is nothing to draw."""
    if not labels or not any(values):
        return None
    figure, axes = _figure(len(labels))
    positions = range(len(labels) - 1, -1, -1)
    bars = axes.barh(list(positions), list(values), color=list(colours or [COLOURS["bar"]] * len(labels)),
                     height=0.7)
    axes.set_yticks(list(positions), [_label(label) for label in labels])
    axes.bar_label(bars, labels=[f"{v:,.0f}" for v in values], padding=3, fontsize=8)
    axes.set_xlabel(unit)
    _whole_numbers(axes.xaxis)
    axes.margins(x=0.12)
    return _data_uri(figure)


@_styled
def stacked_bars(labels: Sequence[str], series: dict[str, Sequence[float]], colours: dict[str, str],
                 unit: str) -> str | None:
    """Horizontal bars of several parts each (`series`: part name -> a value per label), with a legend."""
    if not labels or not any(any(values) for values in series.values()):
        return None
    series = {name: values for name, values in series.items() if any(values)}
    figure, axes = _figure(len(labels))
    positions = list(range(len(labels) - 1, -1, -1))
    left = [0.0] * len(labels)
    for name, values in series.items():
        axes.barh(positions, list(values), left=left, color=colours[name], height=0.7, label=name)
        left = [a + b for a, b in zip(left, values)]
    axes.set_yticks(positions, [_label(label) for label in labels])
    axes.set_xlabel(unit)
    _whole_numbers(axes.xaxis)
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=len(series), frameon=False, fontsize=8)
    return _data_uri(figure)


@_styled
def histogram(sizes: dict[int, int], unit: str = "clusters") -> str | None:
    """Cluster sizes: a bar per size (the largest sizes together in one
    last bar), on a logarithmic scale when the counts span it."""
    if not sizes:
        return None
    shown = sorted(sizes)
    if len(shown) > 24:  # a long tail of large sizes: one bar for all from the 24th size on
        tail = shown[23:]
        counts = [sizes[s] for s in shown[:23]] + [sum(sizes[s] for s in tail)]
        names = [str(s) for s in shown[:23]] + [f"{tail[0]}+"]
    else:
        counts, names = [sizes[s] for s in shown], [str(s) for s in shown]
    figure, axes = _figure(6)
    bars = axes.bar(range(len(names)), counts, color=COLOURS["bar"], width=0.75)
    axes.set_xticks(range(len(names)), names)
    axes.set_xlabel("documents in the cluster")
    axes.set_ylabel(unit)
    _whole_numbers(axes.yaxis)
    if max(counts) > 50 * max(1, min(counts)):
        axes.set_yscale("log")
        from matplotlib.ticker import FuncFormatter

        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axes.bar_label(bars, labels=[f"{c:,}" for c in counts], padding=2, fontsize=7)
    return _data_uri(figure)
