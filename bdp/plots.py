"""Small plotting helpers shared by the chapters' figures."""

from __future__ import annotations

from typing import Any

from matplotlib import ticker


class PlainLogFormatter(ticker.LogFormatterSciNotation):
    """Labels of a log axis as plain numbers (``0.6``, ``2``, ``10,000``) instead of ``6×10⁻¹``,
    on exactly the ticks matplotlib would label; powers of ten notation only outside
    0.001 … 99,999, where plain numbers get long."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        label = super().__call__(x, pos)
        return f"{x:,g}" if label and 1e-3 <= abs(x) < 1e5 else label


def plain_log_ticks(ax: Any) -> Any:
    """Give every log-scaled axis of ``ax`` plain-number tick labels; return ``ax``."""
    for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
        if scale != "log":
            continue
        # only matplotlib's own log labels: ticks a chapter labelled itself stay as they are
        if type(axis.get_major_formatter()) is ticker.LogFormatterSciNotation:
            axis.set_major_formatter(PlainLogFormatter())
        if type(axis.get_minor_formatter()) is ticker.LogFormatterSciNotation:
            axis.set_minor_formatter(PlainLogFormatter(labelOnlyBase=False))
    return ax
