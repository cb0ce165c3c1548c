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
run with the *largest peak increase* (peak RSS minus the RSS just before that run) for memory.
:func:`compare` measures several alternatives in interleaved rounds (A, B, C, A, B, C...), so
that a burst of load from other programs hits them alike, and :func:`verdict` turns two of its
timings into the sentence a chapter may print — which one is faster and by how much, or "no clear
difference" when the gap is inside the run-to-run spread::

    timings = compare({"broadcast": join_b, "sort-merge": join_s}, repeat=5, warmup=1)
    v = verdict(timings, "broadcast", "sort-merge")
    glue("verdict_join", str(v), display=False)   # "broadcast is 3.1× faster than sort-merge"

A lesson that *needs* the direction asserts it with :func:`bdp.checks.check_faster`, so the build
fails when the measurement does not show it. No chapter keeps a timing helper of its own. The same
sampler is available as a context manager, :class:`RssSampler`, for code that is not a single call.

Sampling is periodic (``interval`` seconds, 5 ms by default), so a spike shorter than the interval
can be missed: treat the peak as a lower bound of the true peak, good to compare engines and to
tell megabytes from gigabytes.

**Memory pools.** Engines such as Polars, DuckDB and Arrow keep memory they freed in a pool of
their own and reuse it, so their RSS does not fall back after a run. The *first* run that grows
the pool shows the increase; a later run that reuses it shows little or none, while its absolute
peak can even be higher (its baseline already holds the pool). That is why the run with the
largest increase is kept, not the one with the highest absolute peak. Memory grown by *unmeasured*
runs (``warmup``) is in the baseline of every measured run, so after a warm-up the increase is a
lower bound of what such an engine needs.

Finding the descendants means reading every process's ``/proc`` entry (several milliseconds on a
busy machine), so the list of processes is refreshed every ``refresh`` seconds (0.2 s by default)
and only their memory is read at every sample: the sampler itself then costs about a hundredth of
a core, not a third.

**Work, not only time.** :func:`measure` also counts the CPU seconds (user + system) spent during
each run, by this process alone and by the whole process tree (descendants that are alive, and
those that ended and were waited for). CPU seconds ÷ wall seconds is the number of **cores used**
(:attr:`Timing.cores_used`, :attr:`Timing.self_cores_used`). Unlike a wall time, some of its
bounds are physics, not luck: one CPython process (default build, with a GIL) running pure-Python
code cannot use more than one core however many threads it runs, on an idle machine or a busy
one — so a chapter can *assert* the GIL with :func:`bdp.checks.check_cores`, while the cores that
processes got depend on what the machine offered at that moment (glue them; or compare with a
GIL-free workload measured in the same rounds). The sampler's own CPU time is left out.

**Garbage between runs.** Each run starts after a garbage collection, so that the previous run's
garbage neither inflates the memory baseline nor triggers a collection inside the next run. A full
collection walks every object the kernel holds — in a notebook with big libraries loaded, a
second or more on a busy machine, longer than many of the runs it precedes — so the heap that
existed before the measurement is collected once and then *frozen* (:func:`gc.freeze`: moved to
a generation the collector skips) until the measurement ends; the collection before each run then
only walks what the runs themselves created.
"""

from __future__ import annotations

import contextlib
import gc
import os
import statistics
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import psutil

__all__ = [
    "MB", "RssSampler", "Timing", "Verdict", "compare", "frozen_heap", "measure", "tree_cpu",
    "tree_rss", "verdict",
]

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


def _tree(pid: int | None, include_children: bool) -> list[psutil.Process]:
    """The process ``pid`` (default: this one) and, with ``include_children``, its descendants."""
    try:
        root = psutil.Process(pid if pid is not None else os.getpid())
        return [root] + (root.children(recursive=True) if include_children else [])
    except psutil.NoSuchProcess:
        return []


def _cpu_of(proc: psutil.Process, *, with_waited_children: bool) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        t = proc.cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return 0.0
    total = t.user + t.system
    if with_waited_children:
        total += t.children_user + t.children_system
    return total


def tree_cpu(pid: int | None = None, *, include_children: bool = True) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` (default: this one).

    With ``include_children``, add its living descendants and the descendants that ended and were
    waited for (the kernel adds those to their parent's ``children_*`` times). A descendant that
    ended but was never waited for is not counted. Take the difference of two calls to get the CPU
    time spent in between.
    """
    procs = _tree(pid, include_children)
    return sum(_cpu_of(p, with_waited_children=include_children) for p in procs)


class RssSampler:
    """Context manager sampling :func:`tree_rss` in a daemon thread; records the peak and the wall time.

    It also records the CPU seconds spent inside the block by the process (``self_cpu_seconds``)
    and by the process tree (``cpu_seconds``), both without the sampling thread's own CPU time.
    The list of descendants is refreshed every ``refresh`` seconds (listing them is costly),
    their memory is read every ``interval`` seconds.

    >>> with RssSampler() as s:  # doctest: +SKIP
    ...     data = bytearray(200 * 1024**2)
    >>> s.peak_increase / 1024**2 > 150  # doctest: +SKIP
    True
    """

    def __init__(
        self,
        interval: float = 0.005,
        *,
        pid: int | None = None,
        include_children: bool = True,
        refresh: float = 0.2,
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
        self.cpu_seconds = float("nan")
        self.self_cpu_seconds = float("nan")
        self.sampler_cpu_seconds = 0.0
        self.refresh = max(float(refresh), self.interval)
        self._procs: list[psutil.Process] = []
        self._listed = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = 0.0
        self._own0 = (0.0, 0.0)
        self._tree0 = 0.0

    def _list(self) -> None:
        self._procs = _tree(self.pid, self.include_children)
        self._listed = time.perf_counter()

    def _sample(self) -> None:
        if time.perf_counter() - self._listed >= self.refresh:
            self._list()
        self.samples += 1
        self.peak = max(self.peak, self._rss())

    def _run(self) -> None:
        start = time.thread_time()
        while not self._stop.wait(self.interval):
            self._sample()
        self.sampler_cpu_seconds = time.thread_time() - start

    def _own_cpu(self) -> tuple[float, float]:
        """CPU seconds of the process itself: (alone, with its waited-for children)."""
        if not self._procs:
            return 0.0, 0.0
        own = self._procs[0]
        if own.pid == os.getpid():  # nanosecond clock, not the 10 ms ticks of /proc
            alone = time.process_time()
            times = os.times()
            waited = times.children_user + times.children_system
            return alone, alone + (waited if self.include_children else 0.0)
        return (_cpu_of(own, with_waited_children=False),
                _cpu_of(own, with_waited_children=self.include_children))

    def _others_cpu(self) -> float:
        """CPU seconds of the listed descendants, with their own waited-for children."""
        return sum(_cpu_of(p, with_waited_children=True) for p in self._procs[1:])

    def _rss(self) -> int:
        total = 0
        for proc in self._procs:
            try:
                total += proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        return total

    def __enter__(self) -> RssSampler:
        self._list()
        self.baseline = self._rss()
        self.peak = self.baseline
        self.samples = 1
        self.sampler_cpu_seconds = 0.0
        self._stop.clear()
        others0 = self._others_cpu()
        self._own0 = self._own_cpu()
        self._tree0 = self._own0[1] + others0
        self._thread = threading.Thread(target=self._run, name="bdp-rss-sampler", daemon=True)
        self._thread.start()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        own, own_waited = self._own_cpu()  # before listing costs this process anything
        self._list()  # descendants started since the last listing count too
        tree = own_waited + self._others_cpu()
        self.self_cpu_seconds = max(0.0, own - self._own0[0] - self.sampler_cpu_seconds)
        self.cpu_seconds = max(0.0, tree - self._tree0 - self.sampler_cpu_seconds)
        self._sample()  # the state at the end counts too

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
        peak_rss: peak RSS of the process tree, in bytes, in the run whose peak rose most
            above its own baseline (not always the highest absolute peak: module docstring).
        baseline_rss: RSS of the process tree just before that run.
        result: the value returned by the last run.
        label: free text (engine name...) carried along for tables.
        cpu_runs: CPU seconds (user + system) of the process tree during each run, in order
            (empty when not measured).
        self_cpu_runs: CPU seconds of this process alone during each run.
    """

    seconds: float
    runs: tuple[float, ...]
    peak_rss: int
    baseline_rss: int
    result: T = field(repr=False)
    label: str = ""
    cpu_runs: tuple[float, ...] = ()
    self_cpu_runs: tuple[float, ...] = ()

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

    @property
    def cores_runs(self) -> tuple[float, ...]:
        """Cores used by the process tree in each run: its CPU seconds ÷ the wall seconds."""
        return _ratios(self.cpu_runs, self.runs)

    @property
    def self_cores_runs(self) -> tuple[float, ...]:
        """Cores used by this process alone in each run (its threads, not its children)."""
        return _ratios(self.self_cpu_runs, self.runs)

    @property
    def cores_used(self) -> float:
        """Median over the runs of the cores used by the process tree (CPU s ÷ wall s)."""
        return statistics.median(self.cores_runs) if self.cpu_runs else float("nan")

    @property
    def self_cores_used(self) -> float:
        """Median over the runs of the cores used by this process alone."""
        return statistics.median(self.self_cores_runs) if self.self_cpu_runs else float("nan")

    @property
    def cpu_seconds(self) -> float:
        """Median CPU seconds of the process tree per run: the work, whatever the wall time."""
        return statistics.median(self.cpu_runs) if self.cpu_runs else float("nan")

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


def _ratios(cpu: tuple[float, ...], wall: tuple[float, ...]) -> tuple[float, ...]:
    """CPU ÷ wall per run; empty when no CPU time was measured (a hand-made Timing)."""
    if not cpu:
        return ()
    return tuple(c / w if w > 0 else float("nan") for c, w in zip(cpu, wall, strict=True))


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Collect garbage once, then keep every surviving object out of later collections until
    the block ends (re-entrant: only the outermost block freezes and unfreezes)."""
    if gc.get_freeze_count():
        yield
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


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
    """Call ``fn(*args, **kwargs)`` ``warmup + repeat`` times; time, count CPU and sample memory of the last ``repeat``.

    Args:
        fn: the work to measure. Its return value is kept (:attr:`Timing.result` is the last one),
            so return something small or the result's own memory counts against the next run.
        repeat: measured runs (>= 1); the fastest time is reported, and the memory of the run
            with the largest peak increase.
        warmup: unmeasured runs first (JIT compilation, caches, worker start-up...). Memory
            they leave in an engine's pool is in every measured run's baseline.
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
    cpu: list[float] = []
    self_cpu: list[float] = []
    peak = baseline = 0
    result = None
    with frozen_heap() if collect else contextlib.nullcontext():
        for _ in range(repeat):
            result = None  # drop the previous result before measuring the next run
            if collect:
                gc.collect()  # only what was created since the heap was frozen
            with RssSampler(interval, include_children=include_children) as sampler:
                result = fn(*args, **kwargs)
            runs.append(sampler.seconds)
            cpu.append(sampler.cpu_seconds)
            self_cpu.append(sampler.self_cpu_seconds)
            # the largest increase over its own baseline, not the highest absolute peak:
            # memory kept by an engine's pool raises later baselines (module docstring)
            if len(runs) == 1 or sampler.peak_increase > max(0, peak - baseline):
                peak, baseline = sampler.peak, sampler.baseline
    return Timing(
        seconds=min(runs),
        runs=tuple(runs),
        peak_rss=peak,
        baseline_rss=baseline,
        result=result,
        label=label,
        cpu_runs=tuple(cpu),
        self_cpu_runs=tuple(self_cpu),
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
    :class:`Timing` per name (fastest run, largest peak increase), in the input order.
    """
    if not candidates:
        raise ValueError("compare needs at least one candidate")
    if not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"repeat must be an integer >= 1, got {repeat!r}")
    for fn in candidates.values():
        for _ in range(warmup):
            fn()
    rounds: dict[str, list[Timing[Any]]] = {name: [] for name in candidates}
    with frozen_heap():  # one full collection for all the rounds (module docstring)
        for _ in range(repeat):
            for name, fn in candidates.items():
                rounds[name].append(
                    measure(fn, interval=interval, include_children=include_children, label=name)
                )
    out: dict[str, Timing[Any]] = {}
    for name, timings in rounds.items():
        top = max(timings, key=lambda t: t.peak_increase)  # first on ties, as measure()
        out[name] = Timing(
            seconds=min(t.seconds for t in timings),
            runs=tuple(t.seconds for t in timings),
            peak_rss=top.peak_rss,
            baseline_rss=top.baseline_rss,
            result=timings[-1].result,
            label=name,
            cpu_runs=tuple(c for t in timings for c in t.cpu_runs),
            self_cpu_runs=tuple(c for t in timings for c in t.self_cpu_runs),
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
        asked: the two labels in the order :func:`verdict` was given them.
    """

    faster: str
    slower: str
    ratio: float
    gap_to_spread: float
    clear: bool
    runs: int
    asked: tuple[str, str] = ("", "")

    @property
    def text(self) -> str:
        """The sentence a chapter glues: the direction and size, or "no clear difference"
        (naming the two in the order they were asked for, so that the sentence does not
        depend on which median happened to be lower)."""
        if not self.clear:
            first, second = self.asked if all(self.asked) else (self.faster, self.slower)
            why = ("inside the run-to-run spread" if self.runs >= MIN_RUNS_FOR_VERDICT
                   else f"too few runs to tell: {self.runs} each, {MIN_RUNS_FOR_VERDICT} needed")
            return (f"no clear difference between {first} and {second} "
                    f"(medians {_times(self.ratio)} apart, {why})")
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
    return Verdict(fast_name, slow_name, ratio, gap_to_spread, clear, runs, (a, b))
