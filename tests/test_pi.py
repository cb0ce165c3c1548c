"""The π kernels of chapter 22: every kernel and every split count the same way."""

from __future__ import annotations

import pickle

import pytest

from bdp import pi


def test_split_is_deterministic_and_complete() -> None:
    tasks = pi.split(1_000_003, 8, seed=1)
    assert tasks == pi.split(1_000_003, 8, seed=1)
    assert sum(n for n, _ in tasks) == 1_000_003
    assert len({seed for _, seed in tasks}) == 8


def test_task_kernels_match_their_kernels() -> None:
    n, seed = pi.split(20_000, 4)[2]
    assert pi.hits_task((n, seed)) == pi.hits_numpy(n, seed)
    assert pi.hits_task_python((n, seed)) == pi.hits_python(n, seed)


def test_task_kernels_pickle_by_reference() -> None:
    """Process pools started with forkserver/spawn need importable functions."""
    for func in (pi.hits_task, pi.hits_task_python):
        assert pickle.loads(pickle.dumps(func)) is func


def test_estimate_is_close_to_pi() -> None:
    n = 200_000
    hits = sum(map(pi.hits_task_python, pi.split(n, 4)))
    assert pi.estimate(hits, n) == pytest.approx(3.14159, rel=0.01)
