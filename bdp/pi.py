"""Monte Carlo estimation of π, written several ways, for the parallel-processing chapter.

Draw ``n`` points uniformly in the unit square; the fraction that falls inside the quarter disc
``x² + y² <= 1`` tends to π/4. The work is embarrassingly parallel: split ``n`` into tasks with
independent random streams (:func:`split`), count the hits of each task anywhere, add the counts.

The kernels live in this importable module, not in the notebook, on purpose: a process pool sends
its workers a *reference* to the function (module name + function name, via :mod:`pickle`), and a
worker started with ``spawn`` or ``forkserver`` — the default on Linux from Python 3.14, as on
macOS and Windows before — cannot find a function that exists only in the notebook's ``__main__``.

Kernels (all return the number of hits, an ``int``):

* :func:`hits_python` — a plain Python loop (:class:`random.Random`);
* :func:`hits_numpy` — vectorised NumPy, processed in cache-sized chunks (:data:`DEFAULT_CHUNK`);
* :func:`hits_numba` / :func:`hits_numba_parallel` — the Python loop compiled by Numba
  (compiled on first call; ``parallel`` uses ``prange`` threads that do not hold the GIL).

:func:`hits_task` and :func:`hits_task_python` take one ``(n, seed)`` tuple, the shape ``map``
wants (NumPy and pure-Python kernels respectively).
"""

from __future__ import annotations

import math
import random
import urllib.request
from collections.abc import Callable
from functools import cache

import numpy as np

__all__ = [
    "estimate",
    "fetch_length",
    "hits_numba",
    "hits_numba_parallel",
    "hits_numpy",
    "hits_python",
    "hits_task",
    "hits_task_python",
    "mean_abs_error",
    "split",
]

# Points per NumPy step. One step works on 17 bytes a point (x and y as float64, one bool), so
# 2**16 points take about 1.1 MB, which fits in a core's own cache (2 MB of L2 on the machine
# that builds the book); steps of 1 M points (17 MB) wait on slower memory.
DEFAULT_CHUNK = 2**16


def _check_n(n: int) -> None:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"n must be a non-negative integer number of points, got {n!r}")


def split(n: int, n_tasks: int, seed: int = 42) -> list[tuple[int, int]]:
    """Split ``n`` points into ``n_tasks`` ``(n_i, seed_i)`` tasks with independent streams.

    Sizes differ by at most one; seeds come from :class:`numpy.random.SeedSequence` so the
    streams do not overlap, and the split depends only on ``(n, n_tasks, seed)`` — not on how
    many workers later run the tasks, so every back-end gets exactly the same total.
    """
    _check_n(n)
    if not isinstance(n_tasks, int) or n_tasks < 1:
        raise ValueError(f"n_tasks must be a positive integer, got {n_tasks!r}")
    base, extra = divmod(int(n), n_tasks)
    children = np.random.SeedSequence(seed).spawn(n_tasks)
    seeds = [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]
    return [(base + (1 if i < extra else 0), s) for i, s in enumerate(seeds)]


def estimate(hits: int, n: int) -> float:
    """π estimate from ``hits`` inside the quarter disc out of ``n`` points."""
    if n <= 0:
        raise ValueError("n must be positive to estimate π")
    return 4.0 * hits / n


def hits_python(n: int, seed: int = 42) -> int:
    """Hits among ``n`` points drawn with a plain Python loop."""
    _check_n(n)
    rand = random.Random(seed).random
    hits = 0
    for _ in range(n):
        x = rand()
        y = rand()
        if x * x + y * y <= 1.0:
            hits += 1
    return hits


def hits_numpy(n: int, seed: int = 42, chunk: int = DEFAULT_CHUNK) -> int:
    """Hits among ``n`` points drawn with NumPy, ``chunk`` points at a time (17·chunk bytes).

    The step's arrays are allocated once and reused (``out=``), so the loop allocates nothing:
    its speed does not depend on the process's allocator settings. (Starting a Dask
    ``LocalCluster`` sets ``MALLOC_TRIM_THRESHOLD_`` in the notebook's environment, so its
    workers and every process the notebook starts afterwards, joblib's included, inherit it.
    glibc then stops adapting its mmap threshold: every array of 128 KiB or more is mapped
    and unmapped again, and each step page-faults its memory anew, which made the kernel
    2 to 3 times slower in those processes.) The counts equal drawing ``rng.random((2, m))``
    afresh at every step.
    """
    _check_n(n)
    if chunk < 1:
        raise ValueError(f"chunk must be positive, got {chunk!r}")
    rng = np.random.default_rng(seed)
    hits = 0
    left = int(n)
    xy = np.empty((2, min(chunk, left)))
    inside = np.empty(min(chunk, left), dtype=bool)
    while left > 0:
        m = min(chunk, left)
        if m < xy.shape[1]:  # the last, shorter step: contiguous views of the same size
            xy, inside = np.empty((2, m)), inside[:m]
        rng.random(out=xy)
        x, y = xy
        np.multiply(x, x, out=x)
        np.multiply(y, y, out=y)
        np.add(x, y, out=x)
        np.less_equal(x, 1.0, out=inside)
        hits += int(np.count_nonzero(inside))
        left -= m
    return hits


def hits_task(task: tuple[int, int]) -> int:
    """NumPy hits for one ``(n, seed)`` task from :func:`split` (one argument, for ``map``)."""
    n, seed = task
    return hits_numpy(n, seed)


def hits_task_python(task: tuple[int, int]) -> int:
    """Pure-Python hits for one ``(n, seed)`` task (importable, so a process pool can run it)."""
    n, seed = task
    return hits_python(n, seed)


@cache
def _numba_kernels() -> tuple[Callable[[int, int], int], Callable[[int, int], int]]:
    try:
        import numba
    except ImportError as exc:  # pragma: no cover - numba is pinned in requirements.txt
        raise ImportError("hits_numba needs Numba: pip install numba") from exc

    @numba.njit(cache=False)
    def serial(n: int, seed: int) -> int:  # pragma: no cover - compiled
        np.random.seed(seed)
        hits = 0
        for _ in range(n):
            x = np.random.random()
            y = np.random.random()
            if x * x + y * y <= 1.0:
                hits += 1
        return hits

    @numba.njit(parallel=True, cache=False)
    def parallel(n: int, seed: int) -> int:  # pragma: no cover - compiled
        # Numba gives each thread its own generator state; the count is a reduction over prange.
        np.random.seed(seed)
        hits = 0
        for _ in numba.prange(n):
            x = np.random.random()
            y = np.random.random()
            if x * x + y * y <= 1.0:
                hits += 1
        return hits

    return serial, parallel


def hits_numba(n: int, seed: int = 42) -> int:
    """Hits among ``n`` points with the Python loop compiled by Numba (first call compiles)."""
    _check_n(n)
    return int(_numba_kernels()[0](int(n), int(seed)))


def hits_numba_parallel(n: int, seed: int = 42) -> int:
    """As :func:`hits_numba` with ``parallel=True``: the loop runs on all cores' threads.

    The random streams of the threads depend on how the loop is scheduled, so the count is
    *not* reproducible bit for bit (the estimate is statistically as good).
    """
    _check_n(n)
    return int(_numba_kernels()[1](int(n), int(seed)))


def fetch_length(url: str, timeout: float = 10.0) -> int:
    """Download ``url`` and return its length in bytes: the I/O-bound task of the same chapter."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local URLs
        return len(response.read())


def mean_abs_error(estimates: list[float]) -> float:
    """Mean absolute error of π estimates (a convenience for exercises)."""
    return sum(abs(e - math.pi) for e in estimates) / len(estimates)
