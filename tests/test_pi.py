"""The π kernels of chapter 22: every kernel and every split count the same way."""

from __future__ import annotations

import pickle

import numpy as np
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


def _hits_fresh_arrays(n: int, seed: int, chunk: int) -> int:
    """The kernel written the obvious way: new arrays at every step."""
    rng = np.random.default_rng(seed)
    hits, left = 0, n
    while left > 0:
        m = min(chunk, left)
        xy = rng.random((2, m))
        hits += int(np.count_nonzero(xy[0] * xy[0] + xy[1] * xy[1] <= 1.0))
        left -= m
    return hits


@pytest.mark.parametrize(
    ("n", "chunk"),
    [(0, 7), (1, 7), (7, 7), (8, 7), (1_000, 1), (3 * pi.DEFAULT_CHUNK + 5, pi.DEFAULT_CHUNK),
     (pi.DEFAULT_CHUNK, pi.DEFAULT_CHUNK), (2_500_000, 10**6)],
)
def test_numpy_kernel_reuses_its_arrays_without_changing_the_count(n: int, chunk: int) -> None:
    """``hits_numpy`` fills the same buffers at every step (``out=``): same count as new arrays,
    including a last step shorter than the others."""
    assert pi.hits_numpy(n, 3, chunk=chunk) == _hits_fresh_arrays(n, 3, chunk)
