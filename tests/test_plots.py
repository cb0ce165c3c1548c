"""Plain-number labels on log axes (no 6×10⁻¹ on a learner's plot)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bdp.plots import plain_log_ticks  # noqa: E402


def _labels(ax, axis: str) -> list[str]:
    ax.figure.canvas.draw()
    a = ax.yaxis if axis == "y" else ax.xaxis
    return [t.get_text() for t in a.get_ticklabels() + a.get_ticklabels(minor=True)
            if t.get_text()]


def test_log_axis_labels_are_plain_numbers():
    fig, ax = plt.subplots()
    ax.plot([1, 2, 4, 8, 16, 32], [3.1, 1.6, 0.9, 0.5, 0.35, 0.3])
    ax.set(xscale="log", yscale="log")
    assert any("10^" in t for t in _labels(ax, "y"))  # matplotlib's default
    plain_log_ticks(ax)
    labels = _labels(ax, "y")
    assert "0.1" in labels and "1" in labels and "0.6" in labels
    assert not any("10^" in t or "e-" in t or "e−" in t for t in labels), labels
    plt.close(fig)


def test_very_large_values_keep_powers_of_ten():
    fig, ax = plt.subplots()
    ax.plot([1, 10], [1, 1e7])
    ax.set_yscale("log")
    plain_log_ticks(ax)
    labels = _labels(ax, "y")
    assert "1" in labels and "10,000" in labels and any("10^{6}" in t for t in labels), labels
    plt.close(fig)


def test_linear_axes_and_fixed_labels_are_left_alone():
    fig, ax = plt.subplots()
    ax.plot([1, 4, 16], [1, 2, 3])
    ax.set_xscale("log")
    ax.set_xticks([1, 4, 16], labels=["one", "four", "sixteen"])
    plain_log_ticks(ax)
    assert _labels(ax, "x") == ["one", "four", "sixteen"]
    assert ax.yaxis.get_major_formatter().__class__.__name__ == "ScalarFormatter"
    plt.close(fig)
