"""Unit tests of bdp.measure: wall time, peak RSS of the process tree, argument checks."""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import time
import weakref

import numpy as np
import psutil
import pytest

from bdp.measure import MB, RssSampler, Timing, compare, frozen_heap, measure, tree_rss


def test_tree_rss_matches_psutil_for_this_process() -> None:
    own = psutil.Process(os.getpid()).memory_info().rss
    alone = tree_rss(include_children=False)
    assert abs(alone - own) < 64 * MB
    assert tree_rss() >= alone


def test_tree_rss_of_missing_process_is_zero() -> None:
    proc = mp.get_context("spawn").Process(target=time.sleep, args=(0,))
    proc.start()
    proc.join()
    assert tree_rss(proc.pid) == 0


def test_measure_times_a_sleep_and_keeps_fastest_run() -> None:
    calls: list[int] = []

    def work(delay: float) -> str:
        calls.append(1)
        time.sleep(delay)
        return "done"

    t = measure(work, 0.05, repeat=3, warmup=1, label="sleep")
    assert len(calls) == 4  # warm-up + 3 measured runs
    assert len(t.runs) == 3
    assert t.seconds == min(t.runs)
    assert 0.045 <= t.seconds < 1.0
    assert t.mean_seconds >= t.seconds
    assert t.result == "done"
    assert t.label == "sleep"


def test_measure_sees_a_large_allocation() -> None:
    size = 300 * MB

    def allocate() -> int:
        block = np.ones(size // 8)  # touched pages: really resident
        time.sleep(0.05)  # give the sampler time to see it
        return int(block[-1])

    t = measure(allocate, repeat=2)
    assert t.result == 1
    assert t.peak_increase >= 0.8 * size
    assert t.peak_rss >= t.baseline_rss + t.peak_increase - 1
    assert t.peak_increase_mb == pytest.approx(t.peak_increase / MB)
    row = t.as_dict()
    assert set(row) == {"label", "seconds", "mean_seconds", "median_seconds", "spread_seconds",
                        "repeat", "peak_rss_mb", "peak_increase_mb"}
    assert row["repeat"] == 2


def _child_allocates(megabytes: int, seconds: float) -> None:
    block = np.ones(megabytes * MB // 8)
    time.sleep(seconds)
    del block


def test_measure_counts_child_processes() -> None:
    ctx = mp.get_context("spawn")

    def run_child() -> int:
        proc = ctx.Process(target=_child_allocates, args=(250, 0.6))
        proc.start()
        proc.join()
        return proc.exitcode or 0

    with_children = measure(run_child, interval=0.01)
    without = measure(run_child, interval=0.01, include_children=False)
    assert with_children.result == 0
    # the child's interpreter + 250 MB array are seen only when children count
    assert with_children.peak_increase >= 200 * MB
    assert without.peak_increase < 100 * MB


class _Pool:
    """An engine's memory pool in miniature: the first call grows it, later calls reuse it.

    Every call also needs a small scratch buffer, so a later run's absolute peak (pool already in
    its baseline + scratch) is *higher* than the first run's, while its increase is small.
    """

    def __init__(self, pool_mb: int, scratch_mb: int) -> None:
        self.pool_mb, self.scratch_mb = pool_mb, scratch_mb
        self.pool: np.ndarray | None = None

    def __call__(self) -> int:
        if self.pool is None:
            self.pool = np.ones(self.pool_mb * MB // 8)  # touched pages, kept after the call
            time.sleep(0.05)  # give the sampler time to see it
            return 0
        self.pool[::512] += 1  # reuse the pool: no new pages
        scratch = np.ones(self.scratch_mb * MB // 8)
        time.sleep(0.05)
        return int(scratch[-1])


def test_measure_keeps_the_largest_increase_when_a_pool_is_retained() -> None:
    pool = _Pool(pool_mb=200, scratch_mb=40)
    t = measure(pool, repeat=3)
    # the first run grew the pool: its increase, not the later runs' higher absolute peak
    assert t.peak_increase >= 160 * MB
    assert t.peak_increase == t.peak_rss - t.baseline_rss
    pool.pool = None

    pools = {"pool": _Pool(pool_mb=200, scratch_mb=40)}
    c = compare(pools, repeat=3)["pool"]
    assert c.peak_increase >= 160 * MB
    pools["pool"].pool = None


def test_after_a_warm_up_a_retained_pool_is_in_the_baseline() -> None:
    """The documented limit: memory grown by an unmeasured run is not counted (a lower bound)."""
    pool = _Pool(pool_mb=200, scratch_mb=40)
    t = measure(pool, repeat=2, warmup=1)
    assert t.peak_increase < 120 * MB  # the scratch buffer only, not the 200 MB pool
    pool.pool = None


def test_sampler_context_manager() -> None:
    with RssSampler(interval=0.002) as s:
        time.sleep(0.03)
    assert s.seconds >= 0.03
    assert s.samples >= 3
    assert s.peak >= s.baseline > 0
    assert s.peak_increase >= 0


def test_timing_is_a_frozen_dataclass() -> None:
    t = Timing(seconds=1.0, runs=(1.0, 2.0), peak_rss=3 * MB, baseline_rss=MB, result=None)
    assert t.mean_seconds == 1.5
    assert t.peak_increase_mb == 2.0
    with pytest.raises(AttributeError):
        t.seconds = 2.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"repeat": 0}, "repeat"), ({"warmup": -1}, "warmup"), ({"repeat": 1.5}, "repeat")],
)
def test_measure_rejects_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        measure(lambda: None, **kwargs)  # type: ignore[arg-type]


def test_sampler_rejects_bad_interval() -> None:
    with pytest.raises(ValueError, match="interval"):
        RssSampler(interval=0)


def test_compare_interleaves_rounds_and_keeps_order() -> None:
    order: list[str] = []

    def make(name: str, delay: float):
        def run() -> str:
            order.append(name)
            time.sleep(delay)
            return name
        return run

    out = compare({"slow": make("slow", 0.04), "fast": make("fast", 0.01)}, repeat=3, warmup=1)
    assert order == ["slow", "fast"] + ["slow", "fast"] * 3  # warm-up, then interleaved rounds
    assert list(out) == ["slow", "fast"]
    assert out["slow"].seconds > out["fast"].seconds >= 0.009
    assert len(out["fast"].runs) == 3 and out["fast"].seconds == min(out["fast"].runs)
    assert out["fast"].result == "fast" and out["fast"].label == "fast"


def test_compare_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="candidate"):
        compare({})
    with pytest.raises(ValueError, match="repeat"):
        compare({"a": lambda: None}, repeat=0)


def _timings(**runs: tuple[float, ...]) -> dict[str, Timing]:
    return {name: Timing(seconds=min(r), runs=r, peak_rss=0, baseline_rss=0, result=None, label=name)
            for name, r in runs.items()}


def test_verdict_names_the_faster_one_when_the_runs_do_not_overlap() -> None:
    from bdp.measure import verdict

    t = _timings(a=(1.0, 1.1, 0.9), b=(3.0, 3.2, 2.9))
    v = verdict(t, "b", "a")
    assert (v.faster, v.slower, v.clear) == ("a", "b", True)
    assert v.ratio == pytest.approx(3.0)
    assert v.gap_to_spread == pytest.approx(2.0 / 0.3)
    assert str(v) == "a is 3.0× faster than b"
    assert t["a"].median == 1.0 and t["a"].spread == pytest.approx(0.2)


def test_verdict_says_no_clear_difference_inside_the_spread() -> None:
    from bdp.measure import verdict

    overlapping = verdict(_timings(a=(1.0, 1.5, 1.1), b=(1.2, 1.3, 1.25)), "a", "b")
    assert not overlapping.clear
    assert overlapping.text.startswith("no clear difference between a and b")
    # the two are named in the order asked, whichever median happened to be lower
    swapped = verdict(_timings(a=(1.0, 1.5, 1.1), b=(1.2, 1.3, 1.25)), "b", "a")
    assert swapped.text.startswith("no clear difference between b and a")
    too_few = verdict(_timings(a=(1.0, 1.0), b=(5.0, 5.0)), "a", "b")
    assert not too_few.clear  # two runs cannot show a spread
    assert too_few.text.endswith("(medians 5.0× apart, too few runs to tell: 2 each, 3 needed)")
    assert overlapping.text.endswith("inside the run-to-run spread)")
    with pytest.raises(KeyError, match="'c' was not measured"):
        verdict(_timings(a=(1.0,), b=(2.0,)), "a", "c")


def test_check_faster_asserts_direction_clarity_and_size() -> None:
    from bdp.checks import CheckError, check_faster
    from bdp.measure import verdict

    clear = verdict(_timings(fast=(1.0, 1.02, 1.01), slow=(2.0, 2.05, 2.02)), "fast", "slow")
    assert check_faster("fast wins", clear, "fast", at_least=1.5, quiet=True) is clear
    with pytest.raises(CheckError, match="slow to be clearly faster.*fast was faster"):
        check_faster("wrong direction", clear, "slow", quiet=True)
    with pytest.raises(CheckError, match=r"only 2\.00× \(expected at least 3\.00×\)"):
        check_faster("too small", clear, "fast", at_least=3, quiet=True)
    noisy = verdict(_timings(fast=(1.0, 1.5, 1.2), slow=(1.6, 2.0, 1.7)), "fast", "slow")
    with pytest.raises(CheckError, match="gap only .* the spread"):
        check_faster("noisy", noisy, "fast", quiet=True)


def test_compare_interleaves_and_feeds_a_verdict() -> None:
    from bdp.measure import verdict

    order: list[str] = []
    t = compare({"short": lambda: (order.append("s"), time.sleep(0.01)),
                 "long": lambda: (order.append("l"), time.sleep(0.3))}, repeat=3, warmup=1)
    assert order == ["s", "l"] + ["s", "l"] * 3  # warm-up, then interleaved rounds
    v = verdict(t, "long", "short")
    assert v.faster == "short" and v.clear and v.ratio > 2  # a sleep never ends early


def test_frozen_heap_collects_once_then_keeps_the_old_heap_out_of_collections() -> None:
    class Node:
        pass

    cycle = Node()
    cycle.self = cycle  # garbage only a collection can free
    gone = weakref.ref(cycle)
    del cycle
    held = [[i] for i in range(50_000)]  # survivors: frozen, not walked again
    with frozen_heap():
        assert gone() is None  # collected before freezing
        assert gc.get_freeze_count() >= len(held)
        assert len(gc.get_objects()) < len(held)  # what a collection would walk now
        with frozen_heap():  # re-entrant: the inner block neither refreezes nor thaws
            assert gc.get_freeze_count() >= len(held)
        assert gc.get_freeze_count() >= len(held)
    assert gc.get_freeze_count() == 0


def test_measure_and_compare_thaw_the_heap_even_when_the_work_fails() -> None:
    def boom() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        measure(boom, repeat=2)
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError):
        compare({"ok": lambda: 1, "boom": boom}, repeat=2)
    assert gc.get_freeze_count() == 0


def test_runs_inside_a_measurement_still_collect_their_own_garbage() -> None:
    class Blob:
        pass

    def make_cycles() -> int:
        for _ in range(1_000):
            b = Blob()
            b.me = b
        return 0

    compare({"cycles": make_cycles}, repeat=3)
    gc.collect()
    assert not any(type(o) is Blob for o in gc.get_objects())
