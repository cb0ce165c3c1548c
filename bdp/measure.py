"""Measure what a piece of code costs: wall time and peak memory of the whole process tree.

Chapters compare engines (pandas, Polars, DuckDB, Dask, Spark...) and parallel back-ends, so the
memory that matters is not only the notebook's own: Dask workers, process-pool workers and a Spark
JVM are *child processes*. :func:`measure` therefore samples the resident set size (RSS) of the
current process **and all its descendants** with :mod:`psutil` in a background thread while the
function runs::

    from bdp.measure import measure
    t = measure(lambda: df.groupby("hour").fare_amount.mean(), repeat=3)
    t.seconds, t.peak_rss_mb, t.peak_increase_mb, t.result

``repeat`` runs the function several times and keeps the *fastest* run as :attr:`Timing.seconds`
(the least disturbed by other load on the machine; every run is in :attr:`Timing.runs`), and the
*largest* peak RSS over the runs. :func:`compare` measures several alternatives in interleaved
rounds (A, B, C, A, B, C...), so that a burst of load from other programs hits them alike, and
:func:`verdict` turns two of its timings into the sentence a chapter may print — which one is
faster and by how much, or "no clear difference" when the gap is inside the run-to-run spread::

    timings = compare({"broadcast": join_b, "sort-merge": join_s}, repeat=5, warmup=1)
    v = verdict(timings, "broadcast", "sort-merge")
    glue("verdict_join", str(v), display=False)   # "broadcast is 3.1× faster than sort-merge"

A lesson that *needs* the direction asserts it with :func:`bdp.checks.check_faster`, so the build
fails when the measurement does not show it. No chapter keeps a timing helper of its own. The same
sampler is available as a context manager, :class:`RssSampler`, for code that is not a single call.

Sampling is periodic (``interval`` seconds, 5 ms by default), so a spike shorter than the interval
can be missed: treat the peak as a lower bound of the true peak, good to compare engines and to
tell megabytes from gigabytes.
"""

from __future__ import annotations

import gc
import os
import statistics
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import psutil

__all__ = ["MB", "RssSampler", "Timing", "Verdict", "compare", "measure", "tree_rss", "verdict"]

T = TypeVar("T")
MB = 1024**2


def tree_rss(pid: int | None = None, *, include_children: bool = True) -> int:
    """Resident set size in bytes of process ``pid`` (default: this one) plus its descendants.

    Processes that end while being inspected are skipped.
    """
    try:
        root = psutil.Process(pid if pid is not None else os.getpid())
        procs = [root]
        if include_children:
            procs += root.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return total


class RssSampler:
    """Context manager sampling :func:`tree_rss` in a daemon thread; records the peak and the wall time.

    >>> with RssSampler() as s:  # doctest: +SKIP
    ...     data = bytearray(200 * 1024**2)
    >>> s.peak_increase / 1024**2 > 150  # doctest: +SKIP
    True
    """

    def __init__(
        self, interval: float = 0.005, *, pid: int | None = None, include_children: bool = True
    ) -> None:
        if not interval > 0:
            raise ValueError(f"interval must be a positive number of seconds, got {interval!r}")
        self.interval = float(interval)
        self.pid = pid
        self.include_children = include_children
        self.baseline = 0
        self.peak = 0
        self.samples = 0
        self.seconds = float("nan")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = 0.0

    def _sample(self) -> None:
        rss = tree_rss(self.pid, include_children=self.include_children)
        self.samples += 1
        if rss > self.peak:
            self.peak = rss

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> RssSampler:
        self.baseline = tree_rss(self.pid, include_children=self.include_children)
        self.peak = self.baseline
        self.samples = 1
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="bdp-rss-sampler", daemon=True)
        self._thread.start()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start
        self._sample()  # the state at the end counts too
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    @property
    def peak_increase(self) -> int:
        """Peak RSS minus the RSS when the block started, in bytes (never negative)."""
        return max(0, self.peak - self.baseline)


@dataclass(frozen=True)
class Timing(Generic[T]):
    """What :func:`measure` found.

    Attributes:
        seconds: fastest wall time over the runs.
        runs: wall time of every run, in order.
        peak_rss: largest RSS of the process tree seen during any run, in bytes.
        baseline_rss: RSS of the process tree just before the run that reached ``peak_rss``.
        result: the value returned by the last run.
        label: free text (engine name...) carried along for tables.
    """

    seconds: float
    runs: tuple[float, ...]
    peak_rss: int
    baseline_rss: int
    result: T = field(repr=False)
    label: str = ""

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss / MB

    @property
    def peak_increase(self) -> int:
        """Peak RSS above the baseline, in bytes: the memory the call itself needed."""
        return max(0, self.peak_rss - self.baseline_rss)

    @property
    def peak_increase_mb(self) -> float:
        return self.peak_increase / MB

    @property
    def mean_seconds(self) -> float:
        return sum(self.runs) / len(self.runs)

    @property
    def median(self) -> float:
        """Median wall time over the runs, in seconds."""
        return statistics.median(self.runs)

    @property
    def spread(self) -> float:
        """Run-to-run spread: slowest minus fastest run, in seconds (0 for a single run)."""
        return max(self.runs) - min(self.runs)

    def as_dict(self) -> dict[str, Any]:
        """A flat row for a pandas table (without ``result``)."""
        return {
            "label": self.label,
            "seconds": self.seconds,
            "mean_seconds": self.mean_seconds,
            "median_seconds": self.median,
            "spread_seconds": self.spread,
            "repeat": len(self.runs),
            "peak_rss_mb": self.peak_rss_mb,
            "peak_increase_mb": self.peak_increase_mb,
        }


def measure(
    fn: Callable[..., T],
    *args: Any,
    repeat: int = 1,
    warmup: int = 0,
    interval: float = 0.005,
    include_children: bool = True,
    label: str = "",
    collect: bool = True,
    **kwargs: Any,
) -> Timing[T]:
    """Call ``fn(*args, **kwargs)`` ``warmup + repeat`` times; time and sample memory of the last ``repeat``.

    Args:
        fn: the work to measure. Its return value is kept (:attr:`Timing.result` is the last one),
            so return something small or the result's own memory counts against the next run.
        repeat: measured runs (>= 1); the fastest is reported.
        warmup: unmeasured runs first (JIT compilation, caches, worker start-up...).
        interval: sampling period of the memory thread, in seconds.
        include_children: count child processes (workers) too.
        label: copied into the :class:`Timing`.
        collect: run the garbage collector before each run, so garbage from the previous one
            does not inflate the baseline.
    """
    if not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"repeat must be an integer >= 1, got {repeat!r}")
    if not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be an integer >= 0, got {warmup!r}")
    result: Any = None
    for _ in range(warmup):
        result = fn(*args, **kwargs)
    del result
    runs: list[float] = []
    peak = baseline = 0
    result = None
    for _ in range(repeat):
        result = None  # drop the previous result before measuring the next run
        if collect:
            gc.collect()
        with RssSampler(interval, include_children=include_children) as sampler:
            result = fn(*args, **kwargs)
        runs.append(sampler.seconds)
        if sampler.peak >= peak:
            peak, baseline = sampler.peak, sampler.baseline
    return Timing(
        seconds=min(runs),
        runs=tuple(runs),
        peak_rss=peak,
        baseline_rss=baseline,
        result=result,
        label=label,
    )


def compare(
    candidates: Mapping[str, Callable[[], Any]],
    *,
    repeat: int = 3,
    warmup: int = 0,
    interval: float = 0.005,
    include_children: bool = True,
) -> dict[str, Timing[Any]]:
    """Measure several zero-argument callables fairly: ``repeat`` interleaved rounds.

    Round ``r`` runs every candidate once, in order, so slow periods of a shared machine are
    spread over all of them instead of penalising whichever ran at the wrong moment. Returns one
    :class:`Timing` per name (fastest run, largest peak), in the input order.
    """
    if not candidates:
        raise ValueError("compare needs at least one candidate")
    if not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"repeat must be an integer >= 1, got {repeat!r}")
    for fn in candidates.values():
        for _ in range(warmup):
            fn()
    rounds: dict[str, list[Timing[Any]]] = {name: [] for name in candidates}
    for _ in range(repeat):
        for name, fn in candidates.items():
            rounds[name].append(
                measure(fn, interval=interval, include_children=include_children, label=name)
            )
    out: dict[str, Timing[Any]] = {}
    for name, timings in rounds.items():
        top = max(timings, key=lambda t: t.peak_rss)
        out[name] = Timing(
            seconds=min(t.seconds for t in timings),
            runs=tuple(t.seconds for t in timings),
            peak_rss=top.peak_rss,
            baseline_rss=top.baseline_rss,
            result=timings[-1].result,
            label=name,
        )
    return out


MIN_RUNS_FOR_VERDICT = 3


@dataclass(frozen=True)
class Verdict:
    """Which of two measured alternatives is faster, and whether the measurement can tell.

    Attributes:
        faster, slower: the labels, ordered by median time.
        ratio: median time of ``slower`` ÷ median time of ``faster`` (>= 1).
        gap_to_spread: the gap between the medians ÷ the larger run-to-run spread of the two
            (``inf`` when neither varied): how far the effect stands above the noise.
        clear: every run of ``faster`` beat every run of ``slower`` (at least
            :data:`MIN_RUNS_FOR_VERDICT` runs each); otherwise the difference is inside the spread.
    """

    faster: str
    slower: str
    ratio: float
    gap_to_spread: float
    clear: bool
    runs: int

    @property
    def text(self) -> str:
        """The sentence a chapter glues: the direction and size, or "no clear difference"."""
        if not self.clear:
            return (f"no clear difference between {self.faster} and {self.slower} "
                    f"(medians {_times(self.ratio)} apart, inside the run-to-run spread)")
        return f"{self.faster} is {_times(self.ratio)} faster than {self.slower}"

    def __str__(self) -> str:
        return self.text


def _times(ratio: float) -> str:
    """``1.07×``, ``2.3×``, ``14×``: two significant figures, at least."""
    if ratio >= 10:
        return f"{ratio:.0f}\u00d7"
    return f"{ratio:.2f}\u00d7" if ratio < 1.5 else f"{ratio:.1f}\u00d7"


def verdict(timings: Mapping[str, Timing[Any]], a: str, b: str) -> Verdict:
    """Compare alternatives ``a`` and ``b`` of a :func:`compare` result by their median times.

    The verdict is *clear* only when the two sets of runs do not overlap (the slowest run of the
    faster alternative beat the fastest run of the other) over at least
    :data:`MIN_RUNS_FOR_VERDICT` interleaved runs each.
    """
    for name in (a, b):
        if name not in timings:
            raise KeyError(f"{name!r} was not measured; measured: {sorted(timings)}")
    if a == b:
        raise ValueError("compare two different alternatives")
    fast, slow = (timings[a], timings[b]) if timings[a].median <= timings[b].median else (timings[b], timings[a])
    fast_name, slow_name = (a, b) if fast is timings[a] else (b, a)
    ratio = slow.median / fast.median if fast.median > 0 else float("inf")
    gap = slow.median - fast.median
    spread = max(fast.spread, slow.spread)
    gap_to_spread = gap / spread if spread > 0 else float("inf")
    runs = min(len(fast.runs), len(slow.runs))
    clear = runs >= MIN_RUNS_FOR_VERDICT and max(fast.runs) < min(slow.runs)
    return Verdict(fast_name, slow_name, ratio, gap_to_spread, clear, runs)
