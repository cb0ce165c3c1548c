"""CPU counting in bdp.measure (cores used = CPU s ÷ wall s) and bdp.checks.check_cores.

Cheap: about two seconds of work on one core. The GIL bound is tested here as the chapters use it.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bdp.checks import CheckError, check_cores
from bdp.measure import RssSampler, Timing, compare, measure, tree_cpu


def _spin(seconds: float) -> int:
    """Pure-Python busy loop for about ``seconds`` of wall time (holds the GIL)."""
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def _spin_cpu(seconds: float) -> int:
    """Pure-Python busy loop for ``seconds`` of this process's CPU time."""
    end = time.process_time() + seconds
    n = 0
    while time.process_time() < end:
        n += 1
    return n


def test_tree_cpu_grows_with_work_and_counts_waited_children() -> None:
    before = tree_cpu()
    _spin_cpu(0.1)
    assert tree_cpu() - before >= 0.08
    child = mp.get_context("spawn").Process(target=_spin_cpu, args=(0.3,))
    before = tree_cpu()
    child.start()
    child.join()  # waited for: its CPU time moves into this process's children_* times
    assert tree_cpu() - before >= 0.25
    assert tree_cpu(include_children=False) <= tree_cpu()


def test_sleeping_uses_no_core_and_the_sampler_is_not_counted() -> None:
    t = measure(time.sleep, 0.3, interval=0.001)
    assert t.cpu_runs[0] < 0.03
    assert t.self_cores_used < 0.1
    with RssSampler(interval=0.001) as s:
        time.sleep(0.2)
    assert s.sampler_cpu_seconds >= 0
    assert s.self_cpu_seconds < 0.03


def test_one_busy_thread_uses_at_most_one_core() -> None:
    t = measure(_spin, 0.3, repeat=2)
    assert len(t.cpu_runs) == len(t.self_cpu_runs) == len(t.runs) == 2
    assert all(c <= 1.05 for c in t.self_cores_runs)
    assert t.cpu_seconds > 0


def test_pure_python_threads_share_one_core() -> None:
    """The GIL: four busy pure-Python threads never use more than one core, idle or busy."""
    with ThreadPoolExecutor(4) as pool:
        t = measure(lambda: list(pool.map(_spin, [0.25] * 4)))
    check_cores("GIL-bound threads", t, at_most=1.05, own_process=True, quiet=True)
    assert t.self_cores_used > 0


def test_child_processes_count_in_the_tree_not_in_the_process() -> None:
    ctx = mp.get_context("spawn")

    def run_children() -> None:
        procs = [ctx.Process(target=_spin_cpu, args=(0.2,)) for _ in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()

    t = measure(run_children)
    assert t.cpu_runs[0] >= 0.35  # two children × 0.2 s of CPU (ticks of 10 ms)
    assert t.self_cpu_runs[0] < t.cpu_runs[0] - 0.3
    assert t.self_cores_used <= 1.05


def test_compare_keeps_cpu_runs_per_candidate() -> None:
    out = compare({"spin": lambda: _spin(0.05), "sleep": lambda: time.sleep(0.05)}, repeat=3)
    assert len(out["spin"].cpu_runs) == len(out["sleep"].self_cpu_runs) == 3
    assert out["spin"].cores_used > out["sleep"].cores_used


def _timing(cores: tuple[float, ...]) -> Timing:
    return Timing(seconds=1.0, runs=(1.0,) * len(cores), peak_rss=0, baseline_rss=0,
                  result=None, cpu_runs=cores, self_cpu_runs=cores)


def test_timing_without_cpu_has_nan_cores() -> None:
    t = Timing(seconds=1.0, runs=(1.0,), peak_rss=0, baseline_rss=0, result=None)
    assert t.cores_runs == ()
    assert t.cores_used != t.cores_used  # nan


def test_check_cores_checks_every_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_cores("threads", _timing((0.5, 0.98)), at_most=1.05) == pytest.approx(0.98)
    assert "\u2713" in capsys.readouterr().out
    with pytest.raises(CheckError, match="a run used 1.40"):
        check_cores("threads", _timing((0.9, 1.4)), at_most=1.05)
    assert check_cores("procs", _timing((1.6, 1.9)), at_least=1.2, quiet=True) == pytest.approx(1.6)
    with pytest.raises(CheckError, match="at least"):
        check_cores("procs", _timing((1.6, 0.7)), at_least=1.2)
    with pytest.raises(ValueError):
        check_cores("nothing", _timing((1.0,)))
    empty = Timing(seconds=1.0, runs=(1.0,), peak_rss=0, baseline_rss=0, result=None)
    with pytest.raises(CheckError, match="no CPU time"):
        check_cores("empty", empty, at_most=1.0)
