"""MapReduce in plain Python, with every phase kept so a chapter can show it.

Hadoop MapReduce runs three phases: *map* (each mapper reads one input split and emits
``(key, value)`` pairs), *shuffle and sort* (every pair travels to the reducer that owns its key,
chosen by a partitioner; each reducer receives its keys sorted, with all their values grouped),
and *reduce* (each reducer folds the values of one key into a result). This module runs the same
three phases sequentially in one process, and returns all intermediate results instead of
hiding them, so that a learner can look at what each mapper emitted and what each reducer got.

>>> lines = ["Deer Bear River", "Car Car River", "Deer Car Bear"]
>>> job = run_job(lines, wordcount_map, sum_reduce, n_mappers=3, n_reducers=2)
>>> sorted(job.result().items())
[('bear', 2), ('car', 3), ('deer', 2), ('river', 2)]
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Pair = tuple[Hashable, Any]
Mapper = Callable[[str], Iterable[Pair]]
Reducer = Callable[[Hashable, list[Any]], Any]
Combiner = Callable[[list[Pair]], list[Pair]]

#: Words of the generated corpus, most frequent first (the classic WordCount words lead).
VOCABULARY: tuple[str, ...] = (
    "river", "car", "deer", "bear", "data", "node", "block", "disk", "map", "reduce",
    "shuffle", "key", "value", "cluster", "rack", "replica", "task", "job", "split", "sort",
    "network", "yarn", "spark", "lake", "tape", "orbit", "satellite", "ocean", "tide", "storm",
)

_WORD = re.compile(r"[a-z0-9]+")


def make_corpus(
    n_lines: int, *, words_per_line: int = 8, zipf_s: float = 1.1, seed: int = 42
) -> list[str]:
    """Return ``n_lines`` lines of words drawn from :data:`VOCABULARY` with a Zipf-like law.

    The word of rank ``r`` (1-based) has probability proportional to ``1 / r**zipf_s``, so a few
    words dominate, as in real text. Line lengths vary between 1 and ``2 * words_per_line - 1``.
    Deterministic for a given ``seed``.
    """
    if n_lines < 0:
        raise ValueError(f"n_lines must be >= 0, got {n_lines}")
    if words_per_line < 1:
        raise ValueError(f"words_per_line must be >= 1, got {words_per_line}")
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, len(VOCABULARY) + 1, dtype=float)
    weights = ranks**-zipf_s
    weights /= weights.sum()
    lengths = rng.integers(1, 2 * words_per_line, size=n_lines)
    words = rng.choice(len(VOCABULARY), size=int(lengths.sum()), p=weights)
    lines: list[str] = []
    start = 0
    for length in lengths:
        lines.append(" ".join(VOCABULARY[i] for i in words[start : start + length]))
        start += length
    return lines


def split_input(records: Sequence[str], n_splits: int) -> list[list[str]]:
    """Cut ``records`` into ``n_splits`` contiguous, near-equal splits (like HDFS blocks).

    Sizes differ by at most one record; with more splits than records, some splits are empty.
    """
    if n_splits < 1:
        raise ValueError(f"n_splits must be >= 1, got {n_splits}")
    bounds = np.linspace(0, len(records), n_splits + 1).round().astype(int)
    return [list(records[bounds[i] : bounds[i + 1]]) for i in range(n_splits)]


def wordcount_map(line: str) -> Iterator[Pair]:
    """The WordCount mapper: emit ``(word, 1)`` for every (lower-cased) word."""
    for word in _WORD.findall(line.lower()):
        yield word, 1


def sum_reduce(key: Hashable, values: list[Any]) -> Any:
    """The WordCount reducer: the sum of the values of one key."""
    return sum(values)


def partition_of(key: Hashable, n_reducers: int) -> int:
    """Index of the reducer that owns ``key``: a stable hash modulo ``n_reducers``.

    Python's built-in ``hash`` of a string changes from one process to the next, so it would make
    the partitions (and the book) non-deterministic; CRC-32 of the key's text is stable, like the
    ``HashPartitioner`` of Hadoop, which uses Java's deterministic ``hashCode``.
    """
    if n_reducers < 1:
        raise ValueError(f"n_reducers must be >= 1, got {n_reducers}")
    return zlib.crc32(str(key).encode("utf-8")) % n_reducers


@dataclass
class MapReduceJob:
    """Everything one run of :func:`run_job` produced, phase by phase.

    ``splits[m]`` is the input of mapper ``m``; ``map_outputs[m]`` the pairs it emitted (after
    the combiner, if any); ``reducer_inputs[r]`` maps each key owned by reducer ``r`` to the list
    of its values, keys in sorted order; ``reducer_outputs[r]`` the ``(key, result)`` pairs of
    reducer ``r``.
    """

    splits: list[list[str]]
    map_outputs: list[list[Pair]]
    reducer_inputs: list[dict[Hashable, list[Any]]]
    reducer_outputs: list[list[Pair]]

    @property
    def n_mappers(self) -> int:
        return len(self.splits)

    @property
    def n_reducers(self) -> int:
        return len(self.reducer_inputs)

    def result(self) -> dict[Hashable, Any]:
        """The job's output: every reducer's pairs gathered in one dict."""
        return {k: v for out in self.reducer_outputs for k, v in out}

    def shuffled_records(self) -> int:
        """How many ``(key, value)`` pairs crossed the shuffle (sent from mappers to reducers)."""
        return sum(len(out) for out in self.map_outputs)

    def transfer_matrix(self) -> np.ndarray:
        """``M[m, r]`` = number of pairs mapper ``m`` sent to reducer ``r`` in the shuffle."""
        matrix = np.zeros((self.n_mappers, self.n_reducers), dtype=int)
        for m, out in enumerate(self.map_outputs):
            for key, _ in out:
                matrix[m, partition_of(key, self.n_reducers)] += 1
        return matrix


def run_map(splits: Sequence[Sequence[str]], mapper: Mapper,
            combiner: Combiner | None = None) -> list[list[Pair]]:
    """Map phase: run ``mapper`` on every record of every split, then the optional ``combiner``
    on each mapper's whole output (a combiner is a local, per-mapper pre-reduction)."""
    outputs = []
    for split in splits:
        pairs = [pair for record in split for pair in mapper(record)]
        if combiner is not None:
            pairs = list(combiner(pairs))
        outputs.append(pairs)
    return outputs


def shuffle_sort(map_outputs: Sequence[Sequence[Pair]],
                 n_reducers: int) -> list[dict[Hashable, list[Any]]]:
    """Shuffle and sort: send each pair to reducer :func:`partition_of` its key, group values by
    key, and sort each reducer's keys (values keep mapper order)."""
    buckets: list[dict[Hashable, list[Any]]] = [{} for _ in range(n_reducers)]
    for out in map_outputs:
        for key, value in out:
            buckets[partition_of(key, n_reducers)].setdefault(key, []).append(value)
    return [dict(sorted(bucket.items(), key=lambda kv: str(kv[0]))) for bucket in buckets]


def run_reduce(reducer_inputs: Sequence[dict[Hashable, list[Any]]],
               reducer: Reducer) -> list[list[Pair]]:
    """Reduce phase: call ``reducer(key, values)`` once per key, reducer by reducer."""
    return [[(key, reducer(key, values)) for key, values in inp.items()] for inp in reducer_inputs]


def run_job(records: Sequence[str], mapper: Mapper, reducer: Reducer, *, n_mappers: int = 4,
            n_reducers: int = 2, combiner: Combiner | None = None) -> MapReduceJob:
    """Run a whole MapReduce job: split → map (→ combine) → shuffle/sort → reduce."""
    splits = split_input(records, n_mappers)
    map_outputs = run_map(splits, mapper, combiner)
    reducer_inputs = shuffle_sort(map_outputs, n_reducers)
    reducer_outputs = run_reduce(reducer_inputs, reducer)
    return MapReduceJob(splits, map_outputs, reducer_inputs, reducer_outputs)


__all__ = [
    "VOCABULARY",
    "MapReduceJob",
    "make_corpus",
    "partition_of",
    "run_job",
    "run_map",
    "run_reduce",
    "shuffle_sort",
    "split_input",
    "sum_reduce",
    "wordcount_map",
]
